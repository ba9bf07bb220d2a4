"""What each student gets besides the sheet: a submission template and a private self-check file.

:func:`write_handouts` runs after ``answers.json`` is written (``deepderive exercises`` calls
it) and writes, for every student of the key:

- ``submissions/ID.txt``: the template of a submission (:func:`.submissions.submission_template`),
  one empty ``EID:`` line per exercise under a comment saying what the answer is. A file
  there that already holds answers (a student's, copied back) is kept, never overwritten;
- ``self-check/ID.json``: the student's self-check file (:mod:`.self_check`), which checks
  that student's answers and names no one else.
"""

from __future__ import annotations

import json
import re
from typing import Callable

from derivations.tex import OutputFolder

from derivations.exercises.key import validate_answers
from derivations.exercises.self_check import self_check_document
from derivations.exercises.submissions import filled_in, submission_template

__all__ = ["write_handouts", "describe_answer"]

_STUDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")  # a roster id: it names files


def describe_answer(exercise: dict) -> str:
    """What the answer is, in the words of the template, from an exercise of a self-check file.

    >>> describe_answer({"kind": "vector", "entries": 2, "precision": 0.001, "variables": []})
    'a list of 2 numbers (a, b), each within 0.001 (exact, or rounded to 0.001)'
    """
    kind, p = exercise["kind"], exercise["precision"]
    if kind == "integer":
        return "a whole number"
    if kind == "number":
        return f"a number within {p:g} (exact, e.g. a fraction, or rounded to {p:g})"
    if kind == "vector":
        n = exercise["entries"]
        shape = "(a, b)" if n == 2 else "(a, b, c)" if n == 3 else "(a, b, ...)"
        return f"a list of {n} numbers {shape}, each within {p:g} (exact, or rounded to {p:g})"
    names = ", ".join(exercise["variables"])
    return f"an expression in {names}" if names else "an expression"


def write_handouts(folder: OutputFolder, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Write ``submissions/ID.txt`` and ``self-check/ID.json`` for every student of the
    folder's ``answers.json``; return how many templates were written and kept and how many
    self-check files were written."""
    say = progress or (lambda line: None)
    answers = validate_answers(json.loads(folder.read_bytes("answers.json")), str(folder.path / "answers.json"))
    written = kept = checks = 0
    for student, records in answers["students"].items():
        if not _STUDENT.match(student):
            raise ValueError(f"answers file: student id {student[:64]!r} must be 1-64 letters, digits, '_', '.' or '-' "
                             "(it names files)")
        document = self_check_document(student, records)  # validates every record
        template = f"submissions/{student}.txt"
        path = folder.file(template)
        if path.exists() and filled_in(folder.read_bytes(template)):
            kept += 1
        else:
            folder.write_text(template, submission_template(student, [(e["id"], describe_answer(e))
                                                                for e in document["exercises"]]))
            written += 1
        folder.write_text(f"self-check/{student}.json", json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        checks += 1
    say(f"wrote {written} submission templates (submissions/ID.txt) and {checks} private self-check files "
        "(self-check/ID.json)" + (f"; kept {kept} submission file{'s' if kept > 1 else ''} that already hold{'' if kept > 1 else 's'} answers"
           if kept else ""))
    return {"templates": written, "kept": kept, "self_checks": checks}
