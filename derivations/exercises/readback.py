r"""The key read back from the printed solution: ``answers.json`` holds what the final step prints.

An exercise's answer is the right-hand side of its answer steps (:func:`.base.key_of`), the
SymPy object the step's check verified. This module closes the loop from the printed end:
it renders the answer step's derivation as the solution prints it
(:meth:`~symbolic.core.derivation.Derivation.to_latex`), cuts out that step's row, takes the
value after its last ``=`` (or ``\approx``), reads it back with the students' answer grammar
(:func:`~derivations.exercises.answer_grammar.parse_answer`) and compares it with the key as
``deepderive check`` reads it from the exercise's record (``answer_srepr`` through the srepr
reader, :func:`~derivations.exercises.key.parse_entry`). A key computed apart from the
solution, a printed line typed beside its check, or an answer step that is a definition
rather than a checked step, fails here.

>>> print(final_value(r"2 \cdot \left(-3\right) + 1 = -5"))
-5
>>> print(final_value(r"\frac{e^{1}}{e^{1} + e^{2}} \approx 0.268941"))
0.268941
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from symbolic.core.derivation import Derivation, Step, check_equal
from symbolic.spec.tolerances import EXACT_RTOL

from derivations.exercises.base import Exercise

__all__ = ["printed_rows", "final_value", "answer_rows", "key_record"]

#: What :meth:`Derivation.to_latex` appends to the row of a step whose check failed.
_FAILED_MARK = r"\quad\textbf{(CHECK FAILED)}"
#: A number literal as the solutions print an approximation (``0.268941``, ``-1.81617``, ``1.2e-05``).
_LITERAL = re.compile(r"^-?\s*(\d+)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$")


def printed_rows(derivation: Derivation) -> list[str]:
    r"""The printed right-hand side of every step, cut out of :meth:`Derivation.to_latex` (a
    step merged into the row above, for printing the same line, gets that row).

    A row is ``left &= rhs && \text{reason}`` (reasons inline) or ``left &= rhs`` followed by
    the reason on lines of its own (``&\qquad\text{...}``); a long right-hand side continues
    on lines ``&\qquad ...``.

    >>> x = sp.Symbol("x")
    >>> d = Derivation("t")
    >>> d.add(x + 1, "definition", lhs=sp.Symbol("q"), check=False)
    >>> d.add(sp.Integer(3), "at x = 2", rhs_latex="2 + 1 = 3")
    >>> printed_rows(d)
    ['x + 1', '2 + 1 = 3']
    """
    tex = derivation.to_latex()
    body = tex.split("\n", 1)[1].rsplit("\n", 1)[0]  # inside \begin{align*} ... \end{align*}
    rows: list[str] = []
    for line in body.split("\\\\\n"):
        if line.startswith(("&\\qquad\\text{", "&\\qquad\\quad\\text{")):
            continue  # a reason on a line of its own
        if line.startswith("&\\qquad "):
            rows[-1] += " " + line[len("&\\qquad "):].replace(_FAILED_MARK, "")  # a long right-hand side
            continue
        if "&= " not in line:
            raise ValueError(f"{derivation.title}: cannot read the printed row {line[:80]!r}")
        rhs = line.split("&= ", 1)[1].split(" && \\text{", 1)[0]
        rows.append(rhs.replace(_FAILED_MARK, ""))
    # a step that prints the line above it again is merged into that row (Derivation.printed_rows):
    # each step gets the printed row that shows it
    merged = derivation.printed_rows()
    if len(rows) != len(merged):
        raise ValueError(f"{derivation.title}: {len(rows)} printed rows for {len(merged)} rows of "
                         f"{len(derivation.steps)} steps")
    by_step = [""] * len(derivation.steps)
    for text, (_, _, steps) in zip(rows, merged):
        for k in steps:
            by_step[k] = text
    return by_step


def final_value(rhs_tex: str) -> str:
    r"""The part of a printed right-hand side after its last top-level ``=`` or ``\approx``
    (outside braces and ``\left ... \right``): the value the row ends with."""
    depth, cut, i = 0, 0, 0
    while i < len(rhs_tex):
        if rhs_tex.startswith("\\left", i) and not rhs_tex[i + 5:i + 6].isalpha():
            depth, i = depth + 1, i + 5
            continue
        if rhs_tex.startswith("\\right", i) and not rhs_tex[i + 6:i + 7].isalpha():
            depth, i = depth - 1, i + 6
            continue
        if rhs_tex.startswith("\\approx", i):
            if depth == 0:
                cut = i + len("\\approx")
            i += len("\\approx")
            continue
        ch = rhs_tex[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "=" and depth == 0:
            cut = i + 1
        i += 1
    return rhs_tex[cut:].strip()


def answer_rows(ex: Exercise) -> list[tuple[Step, Derivation | None, str | None]]:
    """Each answer step with the derivation of the solution that prints it and its printed
    right-hand side (None, None when the step is not printed in the solution)."""
    out = []
    for step in ex.answer_steps:
        for d in ex.derivations():
            index = next((i for i, s in enumerate(d.steps) if s is step), None)
            if index is not None:
                out.append((step, d, printed_rows(d)[index]))
                break
        else:
            out.append((step, None, None))
    return out


def _rounding(text: str) -> float | None:
    """Half a unit in the last printed digit of a number literal (None: not a literal)."""
    match = _LITERAL.match(text.strip())
    if not match:
        return None
    digits = len(match.group(2) or "")
    exponent = int(match.group(3) or 0)
    return 0.5 * 10.0 ** (exponent - digits)


def _number_gap(printed: sp.Expr, key: sp.Expr) -> float:
    """|printed - key| relative to max(1, |key|), both evaluated to 50 digits (inf if not numbers)."""
    try:
        gap = abs(complex(sp.N(printed - key, 50)))
        scale = max(1.0, abs(complex(sp.N(key, 30))))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return float("inf")
    return gap / scale


def _compare_entry(kind: str, printed_text: str, step: Step, key: Any, entry) -> tuple[bool, float, str]:
    """(agrees, error, method) of one printed answer entry against its key entry."""
    from derivations.exercises.answer_grammar import AnswerSyntaxError, parse_answer

    try:
        printed = parse_answer(printed_text, entry.variables if kind == "expression" else [])
    except AnswerSyntaxError as exc:
        return False, float("inf"), f"the printed value does not read back ({exc})"
    if isinstance(printed, tuple):
        return False, float("inf"), "the printed value is a list, not one entry"
    if kind == "expression":
        printed_vs_key = check_equal(printed, key, entry.domain, points=6, seed=5)
        step_vs_key = check_equal(step.rhs, key, entry.domain, points=6, seed=6)
        agree = printed_vs_key.passed and step_vs_key.passed
        return agree, 0.0 if agree else 1.0, f"{printed_vs_key.method}, printed step read back"
    step_gap = _number_gap(step.rhs, key)
    if kind == "integer":
        agree = printed == key and step.rhs == key
        return bool(agree), 0.0 if agree else 1.0, "exact integer, printed step read back"
    rounding = _rounding(printed_text) if not sp.sympify(key).is_Rational else None
    gap = _number_gap(printed, key)
    if rounding is None:  # printed exactly: the value itself
        agree = gap <= EXACT_RTOL and step_gap <= EXACT_RTOL
        return agree, gap, "exact, printed step read back (50 digits)"
    agree = abs(complex(sp.N(printed - key, 30))) <= rounding * (1 + 1e-9) and step_gap <= EXACT_RTOL
    return agree, gap, "printed step read back, within the rounding of its printed digits"


def key_record(student: str, eid: str, ex: Exercise, record: dict) -> dict:
    """The verification record: the key in ``record`` (an ``answers.json`` entry) is the
    printed final step of the checked solution, read back; every answer step is a checked
    step (not a definition) of a printed derivation."""
    from derivations.exercises.key import parse_entry

    entry = parse_entry(record, student, limit=0)
    keys = entry.reference if ex.kind == "vector" else (entry.reference,)
    base = {"id": f"{student}/{eid}/key", "name": f"{student} {eid} {ex.slug}: the key in answers.json is the "
            "printed final step of the checked solution, read back", "kind": "answer-key", "topic": ex.topic}
    try:
        rows = answer_rows(ex)
    except ValueError as exc:  # the printed solution cannot be read: the key is not confirmed
        return {**base, "method": "read back", "max_error": 1.0, "passed": False, "detail": str(exc)[:600]}
    problems, methods, worst = [], [], 0.0
    if len(rows) != len(keys):
        problems.append(f"{len(rows)} answer steps for {len(keys)} entries of the key")
    for n, ((step, derivation, printed), key) in enumerate(zip(rows, keys), start=1):
        if derivation is None:
            problems.append(f"answer step {n} is not a step of the printed solution")
            continue
        if not step.checked:
            problems.append(f"answer step {n} ({step.reason}) is a definition, not a checked step")
        value = final_value(printed)
        agree, error, method = _compare_entry(ex.kind, value, step, key, entry)
        methods.append(method)
        worst = max(worst, error)
        if not agree:
            problems.append(f"entry {n}: printed {value!r}, key {sp.sstr(key)}, checked step {sp.sstr(step.rhs)}")
    method = methods[0] if len(set(methods)) == 1 else "; ".join(dict.fromkeys(methods)) or "read back"
    out = {**base, "method": method, "max_error": float(worst if not problems else max(worst, 1.0)),
           "passed": not problems}
    if problems:
        out["detail"] = "; ".join(problems)[:600]
    return out
