r"""Private self-check files: one per student, checking that student's answers and nothing else.

``answers.json`` holds every student's answers; it is the lecturer's key and never leaves
the lecturer. ``deepderive exercises`` also writes ``self-check/ID.json`` for every student
(:func:`self_check_document`), which ``deepderive self-check --key ID.json --exercise EID
--answer TEXT`` reads (:func:`check_self`). The file names no other student and holds no
answer in the clear: for each exercise, a salted, stretched hash (PBKDF2-SHA256) of a
canonical form of the answer and of each typical mistake, labelled ``correct`` or with the
mistake's feedback. A student's answer is put in the same canonical form, hashed and looked up:

- **integer**: the whole number itself;
- **number**: the multiple of the stated precision ``p`` nearest to it, ``floor(a/p + 1/2)``:
  an exact answer (``-51/4``) or one rounded to the precision (``0.740`` for ``p = 0.001``)
  lands on the answer's multiple; an answer one multiple off is told it is close and how to
  write it (the grader accepts anything within ``p``, so it may accept an answer the
  self-check calls close, never the other way round);
- **vector**: the nearest multiples of every entry, in order (and sorted, to name the right
  numbers in the wrong order);
- **expression**: its values at the exercise's *diagnosis points* (stored in the file), each
  to 20 significant digits, imaginary parts too (:mod:`.diagnosis`): the very test ``check``
  names a mistake by, at the same points, so both name the same mistake for the same answer.

What it hides, honestly: an expression cannot be recovered from the hash of its values at
a few dozen points (the points themselves show where the key and its mistakes have kinks,
which the question shows too). A whole number, or a number on the precision's grid, can: whoever tries
candidates one by one pays :data:`ITERATIONS` rounds of PBKDF2 (about 3 ms) per try, so an
answer among a thousand candidates falls in seconds and one among 200,000 (any number from
-100 to 100 to 0.001) in about ten minutes. The files stop a student from reading an answer
off the file, and never show anyone else's.

>>> import json
>>> record = {"id": "E01", "kind": "number", "answer_srepr": "Rational(-51, 4)", "variables": [],
...           "precision": 0.001, "mistakes": [{"feedback": "you dropped the output bias $\\phi_0$",
...                                            "answer_srepr": "Rational(-59, 4)"}]}
>>> doc = self_check_document("s001", [record])
>>> [text in json.dumps(doc) for text in ("-51/4", "12.75", "12750")]
[False, False, False]
>>> check_self(doc, "E01", "-12.75").correct, check_self(doc, "E01", "-14.75").feedback
(True, 'you dropped the output bias $\\phi_0$')
>>> check_self(doc, "E01", "-12.7509").feedback
'close, but not the correct value rounded to the stated precision 0.001: give the exact value (a fraction) or round to the nearest multiple of 0.001'
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Any, Sequence

import sympy as sp

from derivations.exercises.answer_grammar import AnswerSyntaxError, parse_answer
from derivations.exercises.checker import (TIME_LIMIT, CheckResult, expression_diagnosis_points, guarded_verdict,
                                           typical_mistakes)
from derivations.exercises.diagnosis import DIGITS, MAX_DIAGNOSIS_POINTS, UNDEFINED, canonical_form
from derivations.exercises.key import KINDS, MAX_EXERCISES, MAX_TEXT, parse_entry

__all__ = ["FORMAT", "VERSION", "ITERATIONS", "self_check_document", "check_self", "load_self_check",
           "validate_self_check", "CORRECT", "WRONG_ORDER"]

FORMAT = "deepderive self-check"
VERSION = 1
#: PBKDF2-SHA256 rounds of each hash (about 0.3 ms on a laptop core: a token cost, see the module docstring).
ITERATIONS = 1_000
#: Largest self-check file read.
MAX_BYTES = 4_000_000
#: The label of the answer's hash.
CORRECT = "correct"
#: The label of a vector answer's entries, sorted.
WRONG_ORDER = "the right numbers in the wrong order"
CLOSE = ("close, but not the correct value rounded to the stated precision {p}: give the exact value (a fraction) or "
         "round to the nearest multiple of {p}")

_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}\Z")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_{},\\]{0,63}\Z")
_RATIONAL = re.compile(r"(-?[0-9]{1,40})(?:/(0*[1-9][0-9]{0,39}))?\Z")  # no zero denominator
_HEX = re.compile(r"[0-9a-f]{64}\Z")
_SALT = re.compile(r"[0-9a-f]{32}\Z")


# ----- canonical forms ------------------------------------------------------------------------

def _finite(value: sp.Expr, digits: int = 50) -> sp.Float | None:
    """``value`` to ``digits`` digits, when it is a finite real number."""
    try:
        v = sp.N(value, digits)
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
        return None
    if not v.is_number:
        return None
    re_part, im_part = v.as_real_imag()
    if im_part.is_zero is False and abs(float(im_part)) > 1e-30:
        return None
    if not re_part.is_finite or re_part.has(sp.nan, sp.zoo):
        return None
    return re_part


def _cell(value: sp.Expr, step: sp.Rational) -> int | None:
    """The multiple of ``step`` nearest to ``value``: ``floor(value/step + 1/2)``."""
    if isinstance(value, sp.Rational):
        return int(sp.floor(value / step + sp.Rational(1, 2)))
    number = _finite(value / step + sp.Rational(1, 2), 30)
    if number is None or abs(number) > 10 ** 40:
        return None
    return int(sp.floor(number))


def _form(kind: str, value: Any, step: sp.Rational, points: Sequence[dict]) -> str | None:
    """The canonical text of an answer ``value`` (see the module docstring), None when it has none."""
    if kind == "expression":
        return canonical_form(value, points)
    items = value if isinstance(value, tuple) else (value,)
    if kind == "integer":
        return f"integer:{int(items[0])}" if isinstance(items[0], sp.Integer) else None
    cells = [_cell(v, step) for v in items]
    if None in cells:
        return None
    return f"{kind}:" + ",".join(map(str, cells))


def _sorted_form(form: str) -> str:
    cells = sorted(int(c) for c in form.split(":", 1)[1].split(","))
    return "vector-sorted:" + ",".join(map(str, cells))


def _hash(form: str, salt: str, iterations: int) -> str:
    return hashlib.pbkdf2_hmac("sha256", form.encode(), bytes.fromhex(salt), iterations).hex()


def _step(precision: float) -> sp.Rational:
    return sp.Rational(repr(float(precision))) if precision else sp.Integer(1)


# ----- writing --------------------------------------------------------------------------------

def self_check_document(student: str, records: Sequence[dict], iterations: int = ITERATIONS) -> dict:
    """The self-check file of ``student`` from their records of ``answers.json`` (each
    validated by :func:`~derivations.exercises.key.parse_entry`): per exercise its id, kind,
    precision, number of entries, variables, the points of an expression, a salt and the
    hashes of the answer and of every mistake the checker names."""
    exercises = []
    for record in records:
        entry = parse_entry(record, student)
        step = _step(entry.precision)
        points = expression_diagnosis_points(entry) if entry.kind == "expression" else []
        salt = hashlib.sha256(f"{FORMAT}:{student}:{entry.id}".encode()).hexdigest()[:32]
        verdicts: dict[str, str] = {}
        candidates = [(CORRECT, entry.reference), *typical_mistakes(entry)]
        for label, value in candidates:
            form = _form(entry.kind, value, step, points)
            if form is None:
                continue
            forms = [form]
            if entry.kind == "vector" and label == CORRECT:
                forms.append(_sorted_form(form))
            for n, text in enumerate(forms):
                digest = _hash(text, salt, iterations)
                verdicts.setdefault(digest, WRONG_ORDER if n else label)
        exercises.append({
            "id": entry.id, "kind": entry.kind, "precision": entry.precision if entry.kind in ("number", "vector")
            else 0, "entries": len(entry.reference) if entry.kind == "vector" else 1,
            "variables": [s.name for s in entry.variables],
            "points": [{s.name: str(v) for s, v in p.items()} for p in points], "salt": salt, "verdicts": verdicts,
        })
    return {"format": FORMAT, "version": VERSION, "student": student,
            "hash": {"name": "pbkdf2-sha256", "iterations": iterations}, "exercises": exercises}


# ----- reading --------------------------------------------------------------------------------

def load_self_check(path: str | Path) -> dict:
    """Read and validate a self-check file (a regular UTF-8 JSON file, see :func:`validate_self_check`)."""
    from numeric.files import read_json_file

    return validate_self_check(read_json_file(path, "self-check file", MAX_BYTES), str(path))


def validate_self_check(doc: Any, name: str = "self-check file") -> dict:
    """``doc`` if it is a self-check file as :func:`self_check_document` writes it; else a
    ValueError naming the field. Nothing in it is evaluated: points are fractions read by a
    pattern, hashes are hexadecimal text."""
    where = f"self-check file {name!r}"

    def fail(message: str) -> ValueError:
        return ValueError(f"{where}: {message}")

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{where} is not a self-check file (written by deepderive exercises as self-check/ID.json)")
    if doc.get("version") != VERSION:
        raise fail(f"version {str(doc.get('version'))[:20]!r} is not {VERSION}; ask for a new self-check file")
    if not isinstance(doc.get("student"), str) or not _ID.match(doc["student"]):
        raise fail("'student' must be a student id")
    hashing = doc.get("hash")
    if (not isinstance(hashing, dict) or hashing.get("name") != "pbkdf2-sha256"
            or type(hashing.get("iterations")) is not int or not 1 <= hashing["iterations"] <= 1_000_000):
        raise fail("'hash' must be {'name': 'pbkdf2-sha256', 'iterations': 1 to 1000000}")
    exercises = doc.get("exercises")
    if not isinstance(exercises, list) or len(exercises) > MAX_EXERCISES:
        raise fail(f"'exercises' must be a list of at most {MAX_EXERCISES}")
    for n, e in enumerate(exercises, start=1):
        _validate_exercise(e, lambda m, n=n: fail(f"exercise {n}: {m}"))
    return doc


def _validate_exercise(e: Any, fail) -> None:
    if not isinstance(e, dict) or not isinstance(e.get("id"), str) or not _ID.match(e["id"]):
        raise fail("an exercise is an object with an 'id' (letters, digits, '_.-')")
    if e.get("kind") not in KINDS:
        raise fail(f"'kind' must be one of {', '.join(KINDS)}")
    p = e.get("precision")
    if e["kind"] in ("number", "vector"):
        if type(p) not in (int, float) or not (math.isfinite(p) and 0 < p <= 1):
            raise fail("'precision' must be a number with 0 < precision <= 1")
    elif p not in (0, None):
        raise fail("'precision' must be 0 for an exact answer")
    if type(e.get("entries")) is not int or not 1 <= e["entries"] <= 1000:
        raise fail("'entries' must be a whole number from 1 to 1000")
    names = e.get("variables")
    if not isinstance(names, list) or len(names) > 50 or not all(isinstance(v, str) and _NAME.match(v)
                                                                 for v in names):
        raise fail("'variables' must be a list of at most 50 symbol names")
    points = e.get("points")
    if not isinstance(points, list) or len(points) > MAX_DIAGNOSIS_POINTS or not all(
            isinstance(p, dict) and set(p) <= set(names) and all(isinstance(v, str) and _RATIONAL.match(v)
                                                                 for v in p.values()) for p in points):
        raise fail(f"'points' must be a list of at most {MAX_DIAGNOSIS_POINTS} objects {{variable: 'p/q'}}")
    if e["kind"] == "expression" and not points:
        raise fail("an expression needs its points")
    if not isinstance(e.get("salt"), str) or not _SALT.match(e["salt"]):
        raise fail("'salt' must be 32 hexadecimal digits")
    verdicts = e.get("verdicts")
    if (not isinstance(verdicts, dict) or len(verdicts) > 200
            or not all(_HEX.match(k) and isinstance(v, str) and len(v) <= MAX_TEXT for k, v in verdicts.items())):
        raise fail(f"'verdicts' must map at most 200 hashes (64 hexadecimal digits) to text of at most "
                   f"{MAX_TEXT:,} characters")


def _rational(text: str) -> sp.Rational:
    top, bottom = _RATIONAL.match(text).groups()
    return sp.Rational(int(top), int(bottom or 1))


# ----- checking -------------------------------------------------------------------------------

def check_self(doc: dict, eid: str, text: Any, limit: float = TIME_LIMIT) -> CheckResult:
    """Check one answer against the self-check file ``doc`` (validated by
    :func:`validate_self_check`); ``eid`` unknown is a ValueError naming the file's exercises."""
    exercises = {e["id"]: e for e in doc["exercises"]}
    if eid not in exercises:
        from derivations.exercises.submissions import match_exercise

        found = match_exercise(eid, list(exercises))
        if found is None:
            raise ValueError(f"unknown exercise {eid!r}; this self-check file has {', '.join(exercises)}")
        eid = found
    return guarded_verdict(lambda: _check(exercises[eid], doc["hash"]["iterations"], text), text, limit)


def _check(e: dict, iterations: int, text: str) -> CheckResult:
    kind, verdicts, salt = e["kind"], e["verdicts"], e["salt"]
    symbols = [sp.Symbol(name, real=True) for name in e["variables"]]
    try:
        answer = parse_answer(text, symbols if kind == "expression" else [])
    except AnswerSyntaxError as exc:
        return CheckResult(False, f"could not read the answer: {exc}", "answer grammar")
    step = _step(e["precision"])
    if kind == "expression":
        if isinstance(answer, tuple):
            return CheckResult(False, "expected one expression, got a list", "answer form")
        by_name = {s.name: s for s in symbols}
        points = [{by_name[n]: _rational(v) for n, v in p.items()} for p in e["points"]]
        form = _form(kind, answer, step, points)
        how = f"self-check: values at {len(points)} points of the domain to {DIGITS} digits"
        label = verdicts.get(_hash(form, salt, iterations))
        if label == CORRECT:
            return CheckResult(True, "correct", how)
        if label is not None:
            return CheckResult(False, label, how + "; matches a typical mistake")
        if UNDEFINED in form.split(":", 1)[1].split(";"):
            return CheckResult(False, "your answer is not finite at some points of the domain", how)
        return CheckResult(False, "not equivalent to the correct answer", how)
    items = answer if isinstance(answer, tuple) else (answer,)
    if kind == "vector" and len(items) != e["entries"]:
        return CheckResult(False, f"expected a list of {e['entries']} numbers, got {len(items)}", "answer form")
    if kind != "vector" and isinstance(answer, tuple):
        return CheckResult(False, "expected one number, got a list", "answer form")
    if any(a.free_symbols for a in items):
        return CheckResult(False, "expected a number, got an expression with variables", "answer form")
    if kind == "integer" and not all(isinstance(a, sp.Integer) for a in items):
        return CheckResult(False, "expected a whole number", "answer form")
    form = _form(kind, answer, step, [])
    if form is None:
        return CheckResult(False, "your answer is not a finite real number", "answer form")
    how = "self-check: exact" if kind == "integer" else f"self-check: rounded to the stated precision {e['precision']:g}"
    label = verdicts.get(_hash(form, salt, iterations))
    if label == CORRECT:
        return CheckResult(True, "correct", how)
    if label is not None:
        return CheckResult(False, label, how + "; matches a typical mistake")
    if kind == "vector" and verdicts.get(_hash(_sorted_form(form), salt, iterations)) == WRONG_ORDER:
        return CheckResult(False, WRONG_ORDER, how)
    if kind == "number":
        cell = int(form.split(":", 1)[1])
        for near in (cell - 1, cell + 1):
            if verdicts.get(_hash(f"number:{near}", salt, iterations)) == CORRECT:
                return CheckResult(False, CLOSE.format(p=f"{e['precision']:g}"), how)
    if kind == "integer":
        return CheckResult(False, "not the correct number", how)
    return CheckResult(False, f"not the correct value at the stated precision {e['precision']:g}", how)
