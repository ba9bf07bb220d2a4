r"""The typical mistakes, checked: each mistake the checker names is compared with an
independent computation of that slip, and the checker is run on it.

For each mistake of an exercise (``mistakes`` in ``answers.json``, read back as ``deepderive
check`` reads them) the kind supplies a :class:`~derivations.exercises.base.Witness`: the slip
made on purpose by another road (the PyTorch twin with the ReLU left out, the loss with
``reduction="mean"``, the exact joints of the network whose biases have the wrong sign). Its
record passes when the witness equals the recognised mistake (exactly, or float64 within the
twin's tolerance) and :func:`~derivations.exercises.checker.check_answer` on the witness names
that mistake. A mistake definable only as a transformation of the key (the two outputs in the
other order) has a witness without a value that says so; its record checks the checker only.

The generic sign error is such a transformation (the checker negates the key); its record
checks that ``check`` accepts the answer the worked solution prints and names the sign error
on its negative, computed by differentiating the negated function where the kind can (a derivative
or a gradient), else by negating the key.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import sympy as sp

from symbolic.core.derivation import check_equal
from symbolic.core.printing import latex
from symbolic.spec.tolerances import EXACT_RTOL, TWIN_RTOL

from derivations.exercises.base import Exercise, Witness, answer_latex

__all__ = ["mistake_records", "CHECK_LIMIT"]

#: CPU seconds a build gives one run of the checker: the build checks what the checker says,
#: not how fast (a student's check has its own limit, :data:`.checker.TIME_LIMIT`).
CHECK_LIMIT = 30.0


@functools.lru_cache(maxsize=4096)
def _checked(record_json: str, text: str):
    """``check_answer`` on a record (as JSON text) and an answer: a pure function of the two,
    remembered, since students share exercises (an NLL model, an activation and its c)."""
    from derivations.exercises.checker import check_answer

    return check_answer(json.loads(record_json), text, limit=CHECK_LIMIT)


def _check(record: dict, text: str):
    return _checked(json.dumps(record, sort_keys=True), text)


def _entries(value: Any, kind: str) -> tuple:
    return tuple(value) if kind == "vector" else (value,)


def _text(value: Any, kind: str, exact: bool) -> str:
    """A value as a student would type it: exact values as the solutions print them, float64
    values with every digit (17 significant)."""
    if kind == "expression":
        return latex(value)
    if exact or kind == "integer":
        return answer_latex(tuple(value) if kind == "vector" else value, kind)
    floats = [f"{float(v):.17g}" for v in _entries(value, kind)]
    return "(" + ", ".join(floats) + ")" if kind == "vector" else floats[0]


def _gap(kind: str, value: Any, reference: Any, exact: bool, domain) -> float:
    """How far ``value`` is from ``reference``: 0 or inf for expressions and integers (equal
    or not), else the largest difference relative to max(1, |reference|)."""
    if kind == "expression":
        return 0.0 if _expressions_equal(sp.sympify(value), sp.sympify(reference), domain) else float("inf")
    values, references = _entries(value, kind), _entries(reference, kind)
    if len(values) != len(references):
        return float("inf")
    if kind == "integer":
        return 0.0 if all(sp.Integer(int(v)) == sp.sympify(r) for v, r in zip(values, references)) else float("inf")
    worst = 0.0
    for v, r in zip(values, references):
        scale = max(1.0, abs(float(sp.N(r, 30))))
        if exact:
            worst = max(worst, abs(complex(sp.N(sp.sympify(v) - sp.sympify(r), 50))) / scale)
        else:
            worst = max(worst, abs(float(v) - float(sp.N(r, 30))) / scale)
    return worst


@functools.lru_cache(maxsize=4096)
def _equal_cached(a: sp.Expr, b: sp.Expr, domain_items: tuple) -> bool:
    return check_equal(a, b, dict(domain_items), points=6, seed=3).passed


def _expressions_equal(a: sp.Expr, b: sp.Expr, domain) -> bool:
    """Expressions equal on the domain (proven, or to 50 digits at 6 points), remembered."""
    return _equal_cached(a, b, tuple(sorted((domain or {}).items(), key=lambda kv: str(kv[0]))))


def _tolerance(witness: Witness | None) -> float:
    return EXACT_RTOL if witness is None or witness.exact or witness.value is None else TWIN_RTOL


def _record(student: str, eid: str, ex: Exercise, suffix: str, what: str, method: str, error: float,
            passed: bool, detail: str = "") -> dict:
    out = {"id": f"{student}/{eid}/{suffix}", "name": f"{student} {eid} {ex.slug}: {what}", "kind": "mistake",
           "topic": ex.topic, "method": method, "max_error": float(min(error, 1e300)), "passed": bool(passed)}
    if not passed and detail:
        out["detail"] = detail[:600]
    return out


def mistake_records(student: str, eid: str, ex: Exercise, record: dict) -> list[dict]:
    """Verification records of an exercise's mistakes: one per typical mistake of the kind
    (its witness against the recognised mistake, and the checker naming it), one for the
    generic sign error (the checker accepts the printed answer and names the sign error on
    its negative), and a failed one for a witness that names no mistake."""
    from derivations.exercises.checker import SIGN_ERROR
    from derivations.exercises.key import parse_entry

    entry = parse_entry(record, student, limit=0)
    queues: dict[str, list[Witness]] = {}  # a feedback may name several mistakes: their witnesses in order
    for w in ex.witnesses:
        queues.setdefault(w.feedback, []).append(w)
    out = []
    for k, (feedback, recognised) in enumerate(entry.mistakes, start=1):
        w = queues[feedback].pop(0) if queues.get(feedback) else None
        if w is None:
            out.append(_record(student, eid, ex, f"mistake-{k}", f"typical mistake {k} has an independent computation",
                               "none", float("inf"), False, f"no witness for the mistake {feedback!r}: compute it "
                               "independently, or state that it is a transformation of the key"))
            continue
        if w.value is None:
            error, text, method = 0.0, _text(recognised, ex.kind, True), "a transformation of the key; check names it"
        else:
            error = _gap(ex.kind, w.value, recognised, w.exact, entry.domain)
            text = _text(w.value, ex.kind, w.exact)
            method = ("exact" if w.exact or ex.kind == "integer" else "float64") + \
                ", independent computation against the recognised mistake; check names it"
        result = _check(record, text)
        named = not result.correct and result.feedback == feedback
        passed = named and error <= _tolerance(w)
        out.append(_record(student, eid, ex, f"mistake-{k}", f"typical mistake {k} ({w.how}) is the one the "
                           "checker names", method, error if named else max(error, 1.0), passed,
                           f"checker on {text[:120]!r}: {result.feedback!r}; expected {feedback!r}; "
                           f"gap to the recognised mistake {error:.3g}"))
    sign = queues.pop(SIGN_ERROR, [])
    out.append(_sign_record(student, eid, ex, record, entry, sign[0] if sign else None, SIGN_ERROR))
    left = [w for ws in queues.values() for w in ws] + sign[1:]
    for n, w in enumerate(left, start=1):
        out.append(_record(student, eid, ex, f"witness-{n}", "every witness names a mistake of the exercise",
                           "none", float("inf"), False, f"the witness {w.how!r} names no mistake: {w.feedback!r}"))
    return out


def _printed_answer(ex: Exercise) -> str | None:
    """The answer as the worked solution prints it (its answer steps' final values), or None."""
    from derivations.exercises.readback import answer_rows, final_value

    try:
        values = [final_value(printed) for _, _, printed in answer_rows(ex) if printed is not None]
    except ValueError:  # an unreadable print: the key record says so
        return None
    if len(values) != len(ex.answer_steps) or not values:
        return None
    return "(" + ", ".join(values) + ")" if ex.kind == "vector" else values[0]


def _sign_record(student, eid, ex, record, entry, witness, sign_error) -> dict:
    """The checker accepts the answer the solution prints and names the sign error on its negative."""
    key = entry.reference
    negated = tuple(-v for v in key) if ex.kind == "vector" else -key
    if witness is not None and witness.value is not None:
        error = _gap(ex.kind, witness.value, negated, witness.exact, entry.domain)
        text, how = _text(witness.value, ex.kind, witness.exact), witness.how
    else:
        error, text = 0.0, _text(negated, ex.kind, True)
        how = witness.how if witness is not None else "the negative of the key (a transformation of the key)"
    right = _check(record, _printed_answer(ex) or record["answer"])
    wrong = _check(record, text)
    own = dict(entry.mistakes)
    # the negative of the key may coincide with one of the kind's own mistakes, which the checker names first
    named = not wrong.correct and (wrong.feedback == sign_error or (
        wrong.feedback in own and _gap(ex.kind, own[wrong.feedback], negated, True, entry.domain) <= EXACT_RTOL))
    passed = right.correct and named and error <= _tolerance(witness)
    method = ("float64" if witness is not None and witness.value is not None and not witness.exact else "exact") + \
        ", the checker on the printed answer and on its negative"
    return _record(student, eid, ex, "sign-error", f"check accepts the printed answer and names the sign error on "
                   f"its negative ({how})", method, error if passed else max(error, 1.0), passed,
                   f"checker on the printed answer: {right.feedback!r}; on {text[:120]!r}: {wrong.feedback!r}; "
                   f"gap of the witness to the negative of the key {error:.3g}")
