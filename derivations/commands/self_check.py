"""``deepderive self-check``: a student checks their own answers with their private self-check file.

    deepderive self-check --key self-check/ID.json (--exercise EID --answer TEXT | --submission FILE)
                          [--format text|json]

The file (written by ``deepderive exercises``) holds hashes of that student's answers and
typical mistakes, no answer in the clear and nobody else's (see
``derivations.exercises.self_check``). Exit 0 when correct (every answer, for a
submission), 1 when not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json

HELP = "check your own answers with your private self-check file (self-check/ID.json), without answers.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", required=True, metavar="ID.json", help="your self-check file")
    parser.add_argument("--exercise", metavar="EID", help="one exercise id, e.g. E03 (with --answer)")
    parser.add_argument("--answer", metavar="TEXT", help="the answer: LaTeX or plain text")
    parser.add_argument("--submission", metavar="FILE",
                        help="your answers: ID.txt (one 'EID: answer' per line) or ID.json")
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")


def run(args: argparse.Namespace) -> int:
    from derivations.commands.common import single_answer
    from derivations.exercises.readable import readable
    from derivations.exercises.self_check import check_self, load_self_check
    from derivations.exercises.submissions import read_answers

    single = single_answer(args, "FILE")
    doc = load_self_check(args.key)
    if single:
        result = check_self(doc, args.exercise, args.answer)
        if args.format == "json":
            print(json.dumps(result.as_dict()))
        else:
            detail = "" if result.correct else f": {readable(result.feedback)}"
            print(f"{args.exercise}: {'correct' if result.correct else 'incorrect'}{detail} [{result.method}]")
        return 0 if result.correct else 1
    known = [e["id"] for e in doc["exercises"]]
    mapped = read_answers(args.submission, known)
    results = {eid: check_self(doc, eid, mapped[eid]).as_dict() if eid in mapped
               else {"correct": False, "feedback": "no answer", "method": "missing"} for eid in known}
    score = sum(r["correct"] for r in results.values())
    if args.format == "json":
        print(json.dumps({"results": results, "score": score, "total": len(results)}))
    else:
        for eid, r in results.items():
            verdict = "correct" if r["correct"] else f"incorrect: {readable(r['feedback'])}"
            print(f"{eid}: {verdict} [{r['method']}]")
        print(f"score: {score}/{len(results)}")
    return 0 if score == len(results) else 1

