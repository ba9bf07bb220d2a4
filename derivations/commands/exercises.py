"""``deepderive exercises``: a problem sheet and checked worked solutions for every student.

    deepderive exercises --out DIR (--students N | --roster FILE.csv) [--seed S] [--topics T,...] [--no-pdf]

Writes ``DIR/sheets/ID.tex``, ``DIR/solutions/ID.tex`` (and their PDFs when pdflatex is
found), ``DIR/answers.json`` (byte-identical for the same seed and roster) and
``DIR/verification.json``. Exit 1 if any solution check failed.
"""

from __future__ import annotations

import argparse

from derivations.commands.common import int_in_range, seed

HELP = "exercise sheets with checked solutions, different numbers for every student, and answers.json"


#: ``--students N``: N in ASCII decimal digits (``0_1`` and full-width digits are refused).
_students = int_in_range(1, 100_000, "a whole number of students from 1 to 100000")
#: The seed without --seed: every class run without one gets the same numbers for the same ids.
DEFAULT_SEED = 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--students", type=_students, metavar="N", help="N students named s001..sNNN")
    who.add_argument("--roster", metavar="FILE.csv", help="CSV with a header and a column 'id'")
    parser.add_argument("--seed", type=seed, default=None, metavar="S",
                        help=f"seed of every student's numbers, 0 to 2^32 - 1 (default {DEFAULT_SEED}, the same for "
                             "every class: choose your own for marked work)")
    parser.add_argument("--topics", metavar="T,...", default=None,
                        help="comma-separated subset of the notes' topics (default: all)")
    parser.add_argument("--no-pdf", action="store_true", help="skip pdflatex even when it is installed")


def run(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from derivations.exercises.build import build_exercises, read_roster, student_ids
    from derivations.exercises.handouts import write_handouts
    from derivations.commands.common import held_progress
    from derivations.lecture import parse_topics
    from derivations.tex import OutputFolder

    os.environ.setdefault("MPLBACKEND", "Agg")
    topics = parse_topics(args.topics)
    students = read_roster(args.roster) if args.roster else student_ids(args.students)
    folder = OutputFolder(args.out)  # checked whole (no links, no FIFOs) before any work
    with held_progress() as say:  # progress reaches stderr only if every file was written
        result = build_exercises(folder, students, seed=DEFAULT_SEED if args.seed is None else args.seed,
                                 topics=topics, pdf=not args.no_pdf,
                                 progress=say)
        write_handouts(folder, progress=say)  # submissions/ID.txt templates and private self-check/ID.json
    failed = [r for r in result.records if not r["passed"]]
    definitions = sum(1 for r in result.records if r.get("method") == "definition")
    print(f"exercises: {len(students)} students, {len(result.records) - definitions} checks "
          f"(+{definitions} definitions), {len(failed)} failed; wrote {Path(args.out) / 'answers.json'}"
          + (f" and {result.pdfs} PDFs" if result.pdfs else ""))
    if args.seed is None:
        print(f"note: no --seed given, so seed {result.seed}: every class run without --seed gets these numbers for "
              "the same ids, and anyone can rebuild the answers; give --seed S of your own for marked work")
    for r in failed[:20]:
        print(f"FAILED: {r['name']} (max error {r['max_error']:.3g})")
    return 1 if failed else 0
