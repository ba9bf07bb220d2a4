"""``deepderive grade``: grade a class's submissions against answers.json, in parallel and resumably.

    deepderive grade --answers ex/answers.json --submissions DIR --out grades [--deadline T] [--jobs N]

Writes ``grades.csv``, ``gradebook.csv``, ``feedback/ID.txt``, ``summary.md`` and
``summary.json`` into ``--out`` (and ``results/ID.json``, from which a killed run continues).
A progress bar goes to stderr when it is a terminal; nothing else does, unless the command
fails. Exit 0 when the class was graded (missing, late or unreadable submissions are
reported, not errors), 2 on bad input.
"""

from __future__ import annotations

import argparse
from datetime import datetime

from derivations.commands.common import int_in_range

HELP = "grade a class's submissions (ID.txt or ID.json) against answers.json: CSV, feedback and a summary"

_jobs = int_in_range(1, 256, "a number of worker processes from 1 to 256")


def deadline(text: str) -> float:
    """``--deadline``: an ISO 8601 date and time (``2025-06-30T23:59``, ``2025-06-30 23:59+02:00``);
    without a time zone it is the machine's local time. Returns a POSIX time.

    >>> deadline("2025-06-30T23:59:00+00:00")
    1751327940.0
    """
    value = text.strip()
    try:
        when = datetime.fromisoformat(value) if len(value) > 10 else None
    except ValueError:
        when = None
    if when is None:
        raise argparse.ArgumentTypeError(f"must be a date and time such as 2025-06-30T23:59 (ISO 8601, optionally "
                                         f"with a zone: 2025-06-30T23:59+02:00), got {value[:40]!r}")
    return when.timestamp()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", required=True, metavar="answers.json", help="written by deepderive exercises")
    parser.add_argument("--submissions", required=True, metavar="DIR",
                        help="folder of submissions named by student id: ID.txt (one 'EID: answer' per line) or ID.json")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder for grades, feedback and summary")
    parser.add_argument("--deadline", type=deadline, metavar="WHEN",
                        help="files modified after this date and time are marked late (ISO 8601, e.g. 2025-06-30T23:59)")
    parser.add_argument("--jobs", type=_jobs, metavar="N", help="worker processes (default: every usable core)")


def _progress_bar(total: int):
    from tqdm.auto import tqdm
    import sys

    return tqdm(total=total, unit="student", desc="grading", file=sys.stderr, dynamic_ncols=True, leave=False)


def run(args: argparse.Namespace) -> int:
    import sys
    from concurrent.futures.process import BrokenProcessPool
    from pathlib import Path

    from derivations.commands.common import InternalFailure
    from derivations.exercises.grade_reports import write_reports
    from derivations.exercises.grading import grade_class

    progress = _progress_bar if sys.stderr.isatty() else None
    try:  # the output folder is made once the key and the submissions folder are read
        grades = grade_class(args.answers, args.submissions, args.out, deadline=args.deadline, jobs=args.jobs,
                             progress=progress)
    except BrokenProcessPool as exc:  # a worker died (killed, out of memory): what was graded is saved
        raise InternalFailure("grade", RuntimeError(f"a grading process ended abruptly ({exc}); the students graded "
                                                    "so far are saved: run the same command again to continue")) from exc
    written = write_reports(grades.out, grades)
    counts = {}
    for g in grades.students:
        counts[g.submission.status] = counts.get(g.submission.status, 0) + 1
    graded = sum(counts.get(s, 0) for s in ("ok", "malformed"))
    others = ", ".join(f"{n} {s}" for s, n in counts.items() if s not in ("ok", "malformed"))
    late = sum(1 for g in grades.students if g.submission.late)
    unknown = grades.folder.unknown
    plural = "" if graded == 1 else "s"
    print(f"grade: {len(grades.students)} students; {graded} submission{plural} graded ({grades.graded_now} now, "
          f"{grades.reused} from an earlier run)" + (f", {counts['malformed']} with lines not graded"
                                                     if counts.get("malformed") else "")
          + (f"; {others}" if others else "") + (f"; {late} late" if args.deadline is not None else "")
          + (f"; {len(unknown)} file{'s' if len(unknown) > 1 else ''} of no student ({', '.join(unknown[:3])}"
             f"{', ...' if len(unknown) > 3 else ''})" if unknown else ""))
    print(f"wrote {', '.join(str(Path(args.out) / w) for w in written)}")
    return 0
