"""``deepderive check``: check a student's answer (or a whole submission) against answers.json.

    deepderive check --answers DIR/answers.json --student ID
                     (--exercise EID --answer TEXT | --submission FILE) [--format text|json]

A submission is read by the reader ``grade`` uses (``derivations.exercises.submissions``):
one ``EID: answer`` per line, or JSON in a ``.json`` file; a file with a problem (a line
not in the format, an exercise answered twice) is refused naming it. Exit 0 when correct
(every answer, for a submission), 1 when not, 2 on bad input. The answer is parsed by a
grammar, never evaluated (see ``derivations.exercises.checker``).
"""

from __future__ import annotations

import argparse
import json

HELP = "check a student's answer or submission against answers.json, with feedback on typical mistakes"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", required=True, metavar="answers.json", help="written by deepderive exercises")
    parser.add_argument("--student", required=True, metavar="ID")
    parser.add_argument("--exercise", metavar="EID", help="one exercise id, e.g. E03 (with --answer)")
    parser.add_argument("--answer", metavar="TEXT", help="the answer: LaTeX or plain text")
    parser.add_argument("--submission", metavar="FILE",
                        help="the student's answers: ID.txt (one 'EID: answer' per line) or ID.json, as grade reads them")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")


def _line(text: str) -> str:
    """One line of plain text (feedback carries LaTeX math between $ signs; the terminal shows it bare)."""
    return " ".join(str(text).replace("$", "").split())


def run(args: argparse.Namespace) -> int:
    from derivations.commands.common import single_answer
    from derivations.exercises.checker import _exercise, check_answer, check_submission, load_answers, student_exercises
    from derivations.exercises.submissions import read_answers

    single = single_answer(args, "FILE")
    exercises = student_exercises(load_answers(args.answers), args.student)
    if single:
        result = check_answer(_exercise(exercises, args.exercise), args.answer)
        if args.format == "json":
            print(json.dumps(result.as_dict()))
        else:
            verdict = "correct" if result.correct else "incorrect"
            detail = "" if result.correct else f": {result.feedback}"
            print(_line(f"{args.exercise}: {verdict}{detail} [{result.method}]"))
        return 0 if result.correct else 1
    report = check_submission(exercises, read_answers(args.submission, [e["id"] for e in exercises]))
    if args.format == "json":
        print(json.dumps(report))
    else:
        for eid, r in report["results"].items():
            verdict = "correct" if r["correct"] else f"incorrect: {r['feedback']}"
            print(_line(f"{eid}: {verdict} [{r['method']}]"))
        print(f"score: {report['score']}/{report['total']}")
    return 0 if report["score"] == report["total"] else 1
