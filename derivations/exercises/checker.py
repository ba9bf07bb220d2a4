r"""Check a student's answer against ``answers.json``, and say what went wrong.

    deepderive check --answers DIR/answers.json --student ID
                     (--exercise EID --answer TEXT | --submission FILE) [--format text|json]

An answer is parsed by the answer grammar (:mod:`derivations.exercises.answer_grammar`: never
``eval``/``sympify``), then compared with the reference (read back from its ``srepr``
without evaluation, :mod:`derivations.exercises.srepr_reader`, after the whole entry is validated by
:mod:`derivations.exercises.key`: nothing read from a file reaches ``sympify`` or ``eval``):

- **expression**: compared at points that cover the variables' domain (their assumptions, and
  the support recorded in ``domain``): both signs, magnitudes ``10^-3 .. 10^3``, both sides of
  every kink, branch point and pole of either expression, drawn from a stream seeded by the
  exercise and the answer; exact where the values are rational, else to 50 digits
  (:mod:`derivations.exercises.equivalence`). An answer that differs at a point is refuted
  there, without a proof attempt; one that agrees everywhere is proven symbolically where
  SymPy can (rewritten with ``exp`` over one denominator, then
  :func:`symbolic.core.derivation.check_equal`), and the method is reported;
- **number** / **vector**: within the exercise's stated ``precision`` (absolute), entry by
  entry; **integer**: exactly.

A wrong answer is compared with *mutated references*: the exercise's own typical mistakes
(``mistakes`` in ``answers.json``: the output of a network with the ReLU forgotten, a mean
instead of a sum, ...) and generic ones (a sign error, a factor of 2, a half, off by one
for counts, the right numbers in the wrong order); the first match names the mistake. For an
expression, "match" is the test the self-check file makes too (:mod:`.diagnosis`): equal
values at the exercise's diagnosis points, so that ``check`` and ``self-check`` name the same
mistake.

Every check runs under a limit of :data:`TIME_LIMIT` seconds of the process's CPU time
(``signal.setitimer(ITIMER_PROF)``), so a correct answer is not refused because the machine is
busy, with a wall-clock backstop of :data:`WALL_LIMIT_FACTOR` times that.
This module imports SymPy, never torch, so that a check starts quickly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import sympy as sp

from derivations.exercises.answer_grammar import AnswerSyntaxError, parse_answer
from derivations.exercises.diagnosis import diagnosis_points, same_values
from derivations.exercises.equivalence import compare, proven_by_rewriting, sample_points
from symbolic.core.derivation import check_equal

from derivations.exercises.cpu_limit import WALL_LIMIT_FACTOR, CheckTimeout, time_limit  # noqa: F401
from derivations.exercises.key import KEY_TIME_LIMIT, KeyEntry, parse_entry, validate_answers
from symbolic.spec.tolerances import IMAGINARY_ATOL, ROUNDING_RTOL

__all__ = ["CheckResult", "CheckTimeout", "TIME_LIMIT", "SIGN_ERROR", "load_answers", "student_exercises", "check_answer",
           "check_submission", "typical_mistakes", "MAX_ANSWERS_BYTES"]

#: CPU seconds one answer's check may take (parsing, equivalence, diagnosis).
TIME_LIMIT = 1.5
#: Largest answers.json read (a submission: :data:`.submissions.MAX_SUBMISSION_BYTES`).
MAX_ANSWERS_BYTES = 200_000_000


@dataclass
class CheckResult:
    """``{"correct", "feedback", "method"}`` of one answer (DESIGN.md)."""

    correct: bool
    feedback: str
    method: str

    def as_dict(self) -> dict[str, Any]:
        return {"correct": self.correct, "feedback": self.feedback, "method": self.method}


# ----- answers.json ------------------------------------------------------------------------

def _read_json(path: str | Path, what: str, limit: int) -> Any:
    """A regular UTF-8 JSON file of at most ``limit`` bytes (:func:`numeric.files.read_json_file`)."""
    from numeric.files import read_json_file

    return read_json_file(path, what, limit)


def load_answers(path: str | Path) -> dict:
    """Read and validate ``answers.json`` (``{"seed", "students": {ID: [exercise, ...]}}``,
    see :mod:`derivations.exercises.key`)."""
    return validate_answers(_read_json(path, "answers file", MAX_ANSWERS_BYTES), str(path))


def student_exercises(answers: dict, student: str) -> list[dict]:
    """The student's exercise records, each validated in full (:func:`~.key.parse_entry`)."""
    students = answers["students"]
    if student not in students:
        import difflib

        close = difflib.get_close_matches(student, list(students), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown student {student!r}{hint}; the answers file has {len(students)} students")
    exercises = students[student]
    try:
        with time_limit(KEY_TIME_LIMIT):
            for e in exercises:
                parse_entry(e, student, limit=0)
    except CheckTimeout:
        raise ValueError(f"answers file: student {student!r}: the entries take more than {KEY_TIME_LIMIT:g} s of "
                         "CPU time to read; refused") from None
    return exercises


def _exercise(exercises: list[dict], eid: str) -> dict:
    for e in exercises:
        if e["id"] == eid:
            return e
    raise ValueError(f"unknown exercise {eid!r}; this student has {', '.join(e['id'] for e in exercises)}")


# ----- comparing -----------------------------------------------------------------------------

def _sample_points(variables: list[sp.Symbol], domain: Mapping, n: int = 4, seed: int = 7) -> list[dict]:
    """Four fixed points of the variables' domain (the support where recorded, else by
    assumptions): where the build checks that the mistakes differ from the key. The checker
    compares at :func:`.equivalence.sample_points` and names mistakes, as the self-check file
    does, at :func:`expression_diagnosis_points`."""
    rng = random.Random(seed)
    points = []
    for _ in range(n):
        point = {}
        for s in variables:
            if s in domain:
                point[s] = rng.choice(sorted(domain[s], key=sp.default_sort_key))
            elif s.is_integer:
                point[s] = sp.Integer(rng.randint(0 if s.is_nonnegative else -3, 6))
            elif s.is_positive:
                point[s] = sp.Rational(rng.randint(100, 2500), 1000)
            else:
                point[s] = sp.Rational(rng.choice([-1, 1]) * rng.randint(150, 1900), 1000)
        points.append(point)
    return points


def _values(expr: sp.Expr, points: list[dict]) -> list[complex] | None:
    out = []
    for p in points:
        try:
            v = complex(sp.N(expr.xreplace(p), 20))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return None
        if not (math.isfinite(v.real) and math.isfinite(v.imag)):
            return None
        out.append(v)
    return out


def _proof(answer: sp.Expr, reference: sp.Expr, domain: Mapping) -> str | None:
    """"proven symbolically" where SymPy proves answer == reference, else None: rewritten with
    ``exp`` over one denominator first (quick), then :func:`check_equal`'s rewrites."""
    if proven_by_rewriting(answer, reference):
        return "proven symbolically (rewritten with exp)"
    check = check_equal(answer, reference, domain, points=6, seed=11)
    if check.passed and check.method.startswith("symbolic"):
        return "proven symbolically" + (" (log rules, confirmed numerically)" if "log rules" in check.method else "")
    return None


#: The checker's feedback on the negative of the correct answer.
SIGN_ERROR = "sign error: your answer is the negative of the correct one"


def _generic_mistakes(reference, kind: str) -> list[tuple[str, Any]]:
    """Mistakes of every exercise, each definable only as a transformation of the key (its
    negative, twice or half of it, one more or less, the key without its constant term); the
    build checks that :func:`check_answer` names the sign error (:mod:`.mistake_checks`)."""
    if kind == "vector":
        ref = tuple(reference)
        return [(SIGN_ERROR, tuple(-v for v in ref)),
                ("your answer is twice the correct one (a factor of 2)", tuple(2 * v for v in ref)),
                ("your answer is half the correct one (a factor of 2)", tuple(v / 2 for v in ref))]
    out = [(SIGN_ERROR, -reference),
           ("your answer is twice the correct one (a factor of 2)", 2 * reference),
           ("your answer is half the correct one (a factor of 2)", reference / 2)]
    if kind == "expression" and isinstance(reference, sp.Add):
        constant = sp.Add(*[t for t in reference.args if not t.free_symbols])
        if constant != 0:
            # (not named: the term is part of the answer, and feedback reaches the student)
            out.append(("you dropped the constant term", reference - constant))
    if kind == "integer":
        out += [("off by one: your answer is one more than the correct one", reference + 1),
                ("off by one: your answer is one less than the correct one", reference - 1)]
    return out


def typical_mistakes(entry: KeyEntry) -> list[tuple[str, Any]]:
    """``(feedback, value)`` of every mistake the checker names, in the order it tries them: the
    exercise's own, then the generic ones (the self-check file hashes the same list)."""
    return list(entry.mistakes) + _generic_mistakes(entry.reference, entry.kind)


def expression_diagnosis_points(entry: KeyEntry) -> list[dict]:
    """The diagnosis points of an expression exercise (:func:`.diagnosis.diagnosis_points` of
    its key and every typical mistake): where ``check`` and the self-check file tell them apart."""
    return diagnosis_points(entry.id, entry.reference, [m for _, m in typical_mistakes(entry)], entry.variables,
                            entry.domain)


def _number(value: sp.Expr) -> float | None:
    try:
        v = complex(sp.N(value, 30))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if abs(v.imag) > IMAGINARY_ATOL or not math.isfinite(v.real):
        return None
    return v.real


def _check(entry: KeyEntry, text: str) -> CheckResult:
    try:
        answer = parse_answer(text, entry.variables if entry.kind == "expression" else [])
    except AnswerSyntaxError as exc:
        return CheckResult(False, f"could not read the answer: {exc}", "answer grammar")
    mistakes = typical_mistakes(entry)
    if entry.kind == "expression":
        return _check_expression(entry, answer, mistakes)
    return _check_numbers(entry, answer, mistakes)


def _check_expression(entry: KeyEntry, answer, mistakes) -> CheckResult:
    if isinstance(answer, tuple):
        return CheckResult(False, "expected one expression, got a list", "answer form")
    reference, variables, domain = entry.reference, entry.variables, entry.domain
    # The points cover the domain and both sides of every switch of either expression
    # (:mod:`.equivalence`), drawn from a stream seeded by the exercise and the answer.
    salt = f"{entry.id}:{sp.srepr(reference)}:{sp.srepr(answer)}"
    points = sample_points([answer, reference], variables, domain, salt)
    seen = compare(answer, reference, variables, domain, salt, points)
    if seen.equal:
        # A proof is tried only for an answer no point refutes (a failing proof is the slowest
        # part of checking a wrong answer); without one, the points are the evidence.
        return CheckResult(True, "correct", _proof(answer, reference, domain) or seen.method)
    # The mistake is named by the test the self-check file makes (:mod:`.diagnosis`): equal
    # values at the exercise's diagnosis points, which cover the domain and both sides of every
    # switch of the key and of each mistake; a mistake that differs fails at its first point.
    diagnosis = expression_diagnosis_points(entry)
    for feedback, wrong in mistakes:
        if same_values(answer, wrong, diagnosis):
            return CheckResult(False, feedback, f"matches a typical mistake (equal values at its {len(diagnosis)} "
                               "diagnosis points, as the self-check file compares them)")
    return CheckResult(False, f"not equivalent to the correct answer ({seen.where})", seen.method)


def _check_numbers(entry: KeyEntry, answer, mistakes) -> CheckResult:
    kind, reference, tol = entry.kind, entry.reference, entry.precision
    if kind == "vector":
        if not isinstance(answer, tuple):
            answer = (answer,)
        if len(answer) != len(reference):
            return CheckResult(False, f"expected a list of {len(reference)} numbers, got {len(answer)}", "answer form")
    elif isinstance(answer, tuple):
        return CheckResult(False, "expected one number, got a list", "answer form")
    items = answer if isinstance(answer, tuple) else (answer,)
    if any(a.free_symbols for a in items):
        return CheckResult(False, "expected a number, got an expression with variables", "answer form")
    values = [_number(a) for a in items]
    if any(v is None for v in values):
        return CheckResult(False, "your answer is not a finite real number", "answer form")

    def matches(target) -> bool:
        targets = target if isinstance(target, tuple) else (target,)
        numbers = [_number(t) for t in targets]
        if len(numbers) != len(values) or any(n is None for n in numbers):
            return False
        if kind == "integer":
            return all(a == t for a, t in zip(items, targets))
        return all(abs(v - n) <= tol + ROUNDING_RTOL * max(1.0, abs(n)) for v, n in zip(values, numbers))

    if kind == "integer" and not all(a.is_Integer for a in items):
        return CheckResult(False, "expected a whole number", "answer form")
    method = "exact integer" if kind == "integer" else f"within the stated precision {tol:g} (absolute)"
    if matches(reference):
        return CheckResult(True, "correct", method)
    for feedback, wrong in mistakes:
        if matches(wrong):
            return CheckResult(False, feedback, method + "; matches a typical mistake")
    if kind == "vector":
        ref_sorted = sorted(float(v) for v in reference)
        if all(abs(a - b) <= tol + ROUNDING_RTOL * max(1.0, abs(b)) for a, b in zip(sorted(values), ref_sorted)):
            return CheckResult(False, "the right numbers in the wrong order", method)
    if kind == "integer":
        return CheckResult(False, "not the correct number", method)
    return CheckResult(False, f"not within {tol:g} of the correct value", method)


def check_answer(exercise: dict, text: Any, limit: float = TIME_LIMIT) -> CheckResult:
    """Check one answer (text) against one exercise record of ``answers.json`` (validated
    first: a malformed record is a ValueError naming it, never a verdict)."""
    entry = parse_entry(exercise)
    return guarded_verdict(lambda: _check(entry, text), text, limit)


def guarded_verdict(check: Callable[[], CheckResult], text: Any, limit: float = TIME_LIMIT) -> CheckResult:
    """``check()`` of an answer ``text`` under the CPU limit, every way an answer can break the
    check turned into a verdict the student reads (the checker's and the self-check file's)."""
    if not isinstance(text, str):
        return CheckResult(False, "the answer must be text", "answer form")
    try:
        with time_limit(limit):
            return check()
    except CheckTimeout:
        return CheckResult(False, f"the check ran out of time ({limit:g} s): write the answer more simply",
                           "time limit")
    except RecursionError:
        return CheckResult(False, "the answer is nested too deeply to check", "answer grammar")
    except (OverflowError, MemoryError, ZeroDivisionError):
        return CheckResult(False, "the answer's numbers are too large to check", "answer grammar")
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError) as exc:
        # The key was validated before: what fails here is the answer (e.g. relu(1/0), log(0)^0).
        return CheckResult(False, f"the answer cannot be evaluated ({type(exc).__name__}): check for a division "
                           "by zero or the log of zero", "answer form")


def check_submission(exercises: list[dict], submission: Any, limit: float = TIME_LIMIT) -> dict:
    """``{"results": {EID: result}, "score", "total"}`` for a submission ``{EID: answer text}``
    (as :func:`.submissions.read_answers` reads a student's file)."""
    if not isinstance(submission, dict):
        raise ValueError("a submission must be a mapping {exercise id: answer text}")
    known = {e["id"]: e for e in exercises}
    for eid, text in submission.items():
        if eid not in known:
            raise ValueError(f"submission names unknown exercise {eid!r}; this student has {', '.join(known)}")
        if not isinstance(text, str):
            raise ValueError(f"submission: the answer to {eid} must be a string, got {type(text).__name__}")
    results = {}
    for eid, e in known.items():
        if eid in submission:
            results[eid] = check_answer(e, submission[eid], limit).as_dict()
        else:
            results[eid] = CheckResult(False, "no answer", "missing").as_dict()
    return {"results": results, "score": sum(r["correct"] for r in results.values()), "total": len(results)}

