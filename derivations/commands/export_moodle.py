"""``deepderive export-moodle``: the exercises as a Moodle XML question bank, a category per student.

    deepderive export-moodle --answers ex/answers.json --out quiz.xml [--students ID,...] [--category NAME]

Numbers and integers become ``numerical`` questions with the stated tolerance, lists
``cloze`` questions, expressions ``shortanswer`` questions (see
``derivations.exercises.moodle``). The file is written whole or not at all, never through a
symbolic link. Exit 0, or 2 on bad input.
"""

from __future__ import annotations

import argparse
import re

HELP = "write the exercises as a Moodle XML question bank (a category per student, a question per exercise)"

_CATEGORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}\Z")


def category(text: str) -> str:
    """``--category``: 1-64 letters, digits, spaces, ``_.-`` (Moodle separates categories by ``/``)."""
    if not _CATEGORY.match(text):
        raise argparse.ArgumentTypeError(f"must be 1-64 letters, digits, spaces, '_', '.' or '-', got {text[:40]!r}")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", required=True, metavar="answers.json", help="written by deepderive exercises")
    parser.add_argument("--out", required=True, metavar="quiz.xml", help="the Moodle XML file to write")
    parser.add_argument("--students", metavar="ID,...", help="comma-separated students (default: every student)")
    parser.add_argument("--category", type=category, default="deepderive", metavar="NAME",
                        help="parent question category (default deepderive; each student gets NAME/ID)")


def _target(out: str):
    """The path to write: absent or a regular file, in an existing folder (never a link)."""
    import os
    import stat
    from pathlib import Path

    from numeric.files import file_kind

    path = Path(out)
    if not out.strip() or path.name in ("", ".", ".."):
        raise ValueError(f"--out {out!r} is not a file name; give one, e.g. --out quiz.xml")
    if not path.parent.is_dir():
        raise ValueError(f"--out {out!r}: the folder {str(path.parent)!r} does not exist")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise ValueError(f"--out {out!r}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"--out {out!r} is {file_kind(info.st_mode)}; deepderive writes only regular files: remove "
                         "it or choose another --out")
    return path


def run(args: argparse.Namespace) -> int:
    from numeric.files import atomic_write_text

    from derivations.exercises.checker import load_answers
    from derivations.exercises.moodle import moodle_xml

    path = _target(args.out)
    answers = load_answers(args.answers)
    students = None
    if args.students is not None:
        students = [s.strip() for s in args.students.split(",") if s.strip()]
        if not students:
            raise ValueError("--students lists no student ids")
        twice = next((s for n, s in enumerate(students) if s in students[:n]), None)
        if twice is not None:
            raise ValueError(f"--students names {twice[:64]!r} twice; each student's category and questions are "
                             "written once: list every id once")
    xml = moodle_xml(answers, students, args.category)
    try:
        atomic_write_text(path, xml)
    except OSError as exc:
        raise ValueError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
    count = len(students) if students is not None else len(answers["students"])
    questions = xml.count('<question type="') - xml.count('<question type="category"')
    print(f"export-moodle: {questions} questions for {count} students in categories {args.category}/ID; wrote {path}")
    return 0
