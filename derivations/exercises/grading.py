"""Grade a class: every submission checked by the checker, in parallel, resumable, deterministic.

    deepderive grade --answers ex/answers.json --submissions DIR --out grades [--deadline T] [--jobs N]

:func:`grade_class` finds each student's submission (:func:`.submissions.find_submissions`),
checks every answer with :func:`.checker.check_answer` in a pool of worker processes (one
task per student, :func:`grade_student`), and returns a :class:`ClassGrades` that
:mod:`.grade_reports` writes out (CSV, feedback, summary).

**Resumable.** Each student's verdicts are written to ``OUT/results/ID.json`` (temporary
file and rename: whole or absent) as soon as that student is graded, with a *fingerprint*:
a SHA-256 of the student's entries of the key, the answers graded, the checker's time limit
and the versions of this format and of deepderive. A run reuses a result whose fingerprint
matches and grades the others, so a killed run continues where it stopped, nothing is
graded twice, and a changed submission or key is graded again. A result file that is not
exactly what this module writes is ignored (graded again). ``results/`` is a cache inside
the output folder: whoever can write there can forge a result, as they could the CSV.

**Deterministic.** Workers finish in any order, but every report is written from the
results in the key's order of students and exercises; verdicts do not depend on timing
except for an answer whose check runs out of its CPU-time limit (1.5 s).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from derivations.tex import OutputFolder
from numeric.files import TMP_PREFIX

from derivations.exercises.checker import TIME_LIMIT, CheckResult, check_answer, load_answers
from derivations.exercises.key import MAX_TEXT
from derivations.exercises.submissions import (ANSWERED_TWICE, FoundSubmission, SubmissionFolder, find_submissions,
                                              resolve_ids)

__all__ = ["GRADING_VERSION", "RESULT_FORMAT", "StudentGrade", "ClassGrades", "grade_class", "grade_student",
           "default_jobs", "GRADED"]

#: Raised whenever a verdict may change for the same answer and key (2: mistakes named at the diagnosis points),
#: so that no result of an earlier checker is reused.
GRADING_VERSION = 2
RESULT_FORMAT = "deepderive grade result"
#: Largest result file read back (a student's 200 verdicts fit in far less).
MAX_RESULT_BYTES = 8_000_000
#: Statuses whose answers are graded.
GRADED = ("ok", "malformed")
_STUDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
_EID = re.compile(r"[A-Za-z0-9_.-]{1,32}\Z")


@dataclass
class StudentGrade:
    """One student's row: the submission found, the answers graded (``{EID: text}``), a
    verdict per exercise (``{EID: {"correct", "feedback", "method"}}``, in the key's order),
    the problems with the file, and whether the verdicts came from an earlier run."""

    student: str
    submission: FoundSubmission
    answers: dict[str, str]
    results: dict[str, dict]
    problems: list[str] = field(default_factory=list)
    reused: bool = False

    @property
    def score(self) -> int:
        return sum(1 for r in self.results.values() if r["correct"])

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def graded(self) -> bool:
        return self.submission.status in GRADED


@dataclass
class ClassGrades:
    """Every student's :class:`StudentGrade` in the key's order, the exercise ids (the
    union over students, in order of appearance), each exercise's topic, the files that
    belong to no student, the output folder, and how many students were graded now or reused."""

    students: list[StudentGrade]
    exercises: list[str]
    topics: dict[str, str]
    folder: SubmissionFolder
    deadline: float | None
    out: OutputFolder
    graded_now: int = 0
    reused: int = 0


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _key(path: str | Path) -> dict:
    """``answers.json``, its structure validated (each student's entries are parsed in full
    by the worker that grades them), with ids fit to name files and CSV columns."""
    key = load_answers(path)
    for student, records in key["students"].items():
        if not _STUDENT.match(student):
            raise ValueError(f"answers file {str(path)!r}: student id {student[:64]!r} must be 1-64 letters, digits, "
                             "'_', '.' or '-' (it names files)")
        for r in records:
            if not isinstance(r["id"], str) or not _EID.match(r["id"]):
                raise ValueError(f"answers file {str(path)!r}: student {student!r} exercise id {str(r['id'])[:40]!r} "
                                 "must be 1-32 letters, digits, '_', '.' or '-'")
    if not key["students"]:
        raise ValueError(f"answers file {str(path)!r} lists no students")
    return key


def _resolve(found: FoundSubmission, ids: Sequence[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """The answers, problems and exercises answered twice of a submission
    (:func:`.submissions.resolve_ids`, which ``check --submission`` counts problems with)."""
    return resolve_ids(found.parsed, ids)


def _twice_verdicts(results: dict[str, dict], twice: Sequence[str]) -> dict[str, dict]:
    """``results`` with the verdict on each exercise answered twice saying so (the checker saw
    no answer to it: neither is graded)."""
    verdict = CheckResult(False, "answered twice in your file; neither answer is graded", ANSWERED_TWICE).as_dict()
    return {eid: dict(verdict) if eid in twice else r for eid, r in results.items()}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("deepderive")
    except Exception:  # pragma: no cover - not installed
        return "unknown"


def fingerprint(student: str, records: list, answers: dict[str, str], limit: float) -> str:
    """SHA-256 of what a student's verdicts depend on (see the module docstring)."""
    text = json.dumps({"format": RESULT_FORMAT, "version": GRADING_VERSION, "deepderive": _version(),
                       "limit": limit, "student": student, "key": records, "answers": answers},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def grade_student(student: str, records: list, answers: dict[str, str], limit: float = TIME_LIMIT) -> dict:
    """The worker: ``{"results": {EID: {"correct", "feedback", "method"}}}`` of one student.
    Every entry a verdict depends on (an answered exercise) is validated by the checker
    first; a bad one is ``{"key_error": message}`` (an unanswered exercise's entry is not
    read: its verdict, "no answer", does not depend on it)."""
    results = {}
    for record in records:
        eid = record["id"]
        if eid not in answers:
            results[eid] = CheckResult(False, "no answer", "missing").as_dict()
            continue
        try:
            results[eid] = check_answer(record, answers[eid], limit).as_dict()
        except ValueError as exc:  # the entry of the key, validated before the answer is read
            return {"key_error": str(exc).replace("answers file exercise", f"answers file: student {student!r} "
                                                                           "exercise", 1)}
    return {"results": results}


def _valid_results(data: Any, fp: str, ids: Sequence[str]) -> dict | None:
    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT or data.get("fingerprint") != fp:
        return None
    results = data.get("results")
    if not isinstance(results, dict) or list(results) != list(ids):
        return None
    for r in results.values():
        if (not isinstance(r, dict) or set(r) != {"correct", "feedback", "method"} or type(r["correct"]) is not bool
                or not isinstance(r["feedback"], str) or len(r["feedback"]) > MAX_TEXT
                or not isinstance(r["method"], str) or len(r["method"]) > MAX_TEXT):
            return None
    return results


def _cached(out: OutputFolder, student: str, fp: str, ids: Sequence[str]) -> dict | None:
    """The verdicts of ``results/ID.json`` when it is a result of exactly this grading."""
    path = out.path / "results" / f"{student}.json"
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_RESULT_BYTES:
            return None
        data = json.loads(out.read_bytes(f"results/{student}.json"))
    except (OSError, ValueError, RecursionError):  # absent, unreadable, not JSON: grade again
        return None
    return _valid_results(data, fp, ids)


def _clean_temporaries(folder: Path) -> None:
    """Remove temporary files of writes a killed run left in ``folder`` (never taken for results)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(TMP_PREFIX) and entry.is_file(follow_symlinks=False):
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:  # pragma: no cover - removed meanwhile
                    pass


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback from each worker)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool) -> None:
    """Cancel what has not started and end the workers now (Ctrl-C, SIGTERM, a failed write)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)


def _run(tasks: list[tuple[str, list, dict]], jobs: int, limit: float,
         progress: Callable[[int], Any] | None) -> Iterator[tuple[str, dict]]:
    """``(student, worker result)`` for every task, in the order they finish."""
    bar = progress(len(tasks)) if progress and tasks else None
    try:
        if jobs <= 1 or len(tasks) <= 1:
            for student, records, answers in tasks:
                yield student, grade_student(student, records, answers, limit)
                if bar is not None:
                    bar.update(1)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_ignore_interrupts)
        try:
            futures = {pool.submit(grade_student, student, records, answers, limit): student
                       for student, records, answers in tasks}
            for future in as_completed(futures):
                yield futures[future], future.result()
                if bar is not None:
                    bar.update(1)
        except BaseException:
            _stop(pool)
            raise
        finally:
            pool.shutdown(wait=True)
    finally:
        if bar is not None:
            bar.close()


def grade_class(answers_path: str | Path, submissions: str | Path, out: OutputFolder | str | Path, *,
                deadline: float | None = None, jobs: int | None = None, limit: float = TIME_LIMIT,
                progress: Callable[[int], Any] | None = None) -> ClassGrades:
    """Grade every student of ``answers.json`` from the folder ``submissions`` into the output
    folder ``out`` (``results/ID.json`` per student; see the module docstring). ``deadline``: a POSIX
    time; files modified after it are late. ``jobs``: worker processes (default: the
    usable cores). ``progress(total)``: a progress bar (``update(n)``, ``close()``) over the
    students graded now. A bad entry of the key is a ValueError naming it (the results of
    the students graded before it stay saved)."""
    key = _key(answers_path)
    students = list(key["students"])
    folder = find_submissions(submissions, students, deadline)
    out = out if isinstance(out, OutputFolder) else OutputFolder(out)  # made once the input is read
    out.folder("results")
    _clean_temporaries(out.path / "results")
    exercises: list[str] = []
    topics: dict[str, str] = {}
    for records in key["students"].values():
        for r in records:
            if r["id"] not in topics:
                exercises.append(r["id"])
                topics[r["id"]] = str(r.get("topic", ""))[:200]
    grades: dict[str, StudentGrade] = {}
    tasks, pending = [], {}
    for student in students:
        records = key["students"][student]
        ids = [r["id"] for r in records]
        found = folder.found[student]
        if found.status not in GRADED:
            results = {eid: CheckResult(False, found.message, found.status).as_dict() for eid in ids}
            grades[student] = StudentGrade(student, found, {}, results)
            continue
        answers, problems, twice = _resolve(found, ids)
        if problems and found.status == "ok":  # an id of no exercise, an exercise answered twice under two ids
            found = replace(found, status="malformed")
        fp = fingerprint(student, records, answers, limit)
        results = _cached(out, student, fp, ids)
        if results is not None:
            grades[student] = StudentGrade(student, found, answers, _twice_verdicts(results, twice), problems,
                                           reused=True)
        else:
            tasks.append((student, records, answers))
            pending[student] = (found, answers, problems, fp, twice)
    errors: dict[str, str] = {}
    for student, outcome in _run(tasks, jobs or default_jobs(), limit, progress):
        if "key_error" in outcome:
            errors[student] = outcome["key_error"]
            continue
        found, answers, problems, fp, twice = pending[student]
        document = {"format": RESULT_FORMAT, "student": student, "fingerprint": fp, "results": outcome["results"]}
        out.write_text(f"results/{student}.json", json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        grades[student] = StudentGrade(student, found, answers, _twice_verdicts(outcome["results"], twice), problems)
    if errors:
        raise ValueError(errors[next(s for s in students if s in errors)])
    ordered = [grades[s] for s in students]
    return ClassGrades(ordered, exercises, topics, folder, deadline, out, graded_now=len(tasks),
                       reused=sum(g.reused for g in ordered))
