r"""The answer key (``answers.json``) is data: validated whole before a verdict depends on it.

``answers.json`` may come from anyone who can write to an output folder, so every field is
checked against the schema below before it is used, and a violation is a ``ValueError``
naming the entry (``deepderive check`` turns it into one ``error:`` line, exit 2). Nothing
in it is evaluated: expressions are rebuilt by :func:`derivations.exercises.srepr_reader.read_srepr`.

    {"seed": int,
     "students": {ID: [entry, ...]}}
    entry := {"id": "E01", "kind": "expression" | "number" | "integer" | "vector",
              "answer_srepr": srepr,            # expression: SymPy Expr in the variables;
                                                # number: a finite number; integer: Integer;
                                                # vector: Tuple of 1..1000 finite numbers
              "variables": [symbol name, ...],  # the names an answer may use
              "precision": null | number,       # number/vector: 0 < precision <= 1 (absolute)
              "domain": {name: [number, ...]},  # optional: a variable's finite support
              "mistakes": [{"feedback": text, "answer_srepr": srepr}, ...],  # optional
              ...}                              # other keys (question, answer, topic): text

>>> entry = {"id": "E01", "kind": "number", "answer_srepr": "Rational(1, 2)", "variables": [],
...          "precision": 1e999}
>>> parse_entry(entry, "s001")
Traceback (most recent call last):
...
ValueError: answers file: student 's001' exercise 'E01': precision must be a finite number with 0 < precision <= 1, got inf
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derivations.exercises.srepr_reader import read_srepr
from derivations.exercises.cpu_limit import CheckTimeout, time_limit
from symbolic.core.step_check import Cases

__all__ = ["KINDS", "KeyEntry", "parse_entry", "validate_answers", "domain_cases", "MAX_STUDENTS", "MAX_EXERCISES"]

KINDS = ("expression", "number", "integer", "vector")
MAX_STUDENTS = 100_000
MAX_EXERCISES = 200
MAX_MISTAKES = 50
MAX_VARIABLES = 50
MAX_DOMAIN = 1000
MAX_VECTOR = 1000
MAX_TEXT = 20_000
MAX_PRECISION = 1.0
#: CPU seconds reading one entry (or one student's entries) may take: rebuilding, validating
#: and evaluating the reference and its mistakes at a point of the domain.
KEY_TIME_LIMIT = 5.0
#: A number answer must be a float64 number of at most this size.
MAX_NUMBER = 1e300
_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_{},\\]{0,63}")
_REQUIRED = ("id", "kind", "answer_srepr", "variables", "precision")
_NON_FINITE = (sp.nan, sp.zoo, sp.oo, -sp.oo)


@dataclass(frozen=True)
class KeyEntry:
    """One validated exercise of the key: its reference, variables, tolerance, support and
    typical mistakes (each a SymPy object, or a tuple of them for a vector)."""

    id: str
    kind: str
    reference: Any
    variables: tuple[sp.Symbol, ...]
    precision: float
    domain: dict
    mistakes: tuple[tuple[str, Any], ...]


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _finite(value: int | float) -> bool:
    """A finite float64 value (an integer too large for a float is not)."""
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _value(kind: str, obj: sp.Basic, variables: set[str], fail) -> Any:
    """The SymPy value of ``kind`` in ``obj`` (a tuple for a vector), or ``fail(message)``."""
    if kind == "vector":
        if not isinstance(obj, sp.Tuple) or not 1 <= len(obj) <= MAX_VECTOR:
            raise fail(f"a vector answer is a Tuple of 1 to {MAX_VECTOR} numbers")
        items = tuple(obj)
    elif isinstance(obj, sp.Tuple) or not isinstance(obj, sp.Expr):
        raise fail(f"an answer of kind {kind} is one SymPy expression, got {type(obj).__name__}")
    else:
        items = (obj,)
    for item in items:
        if not isinstance(item, sp.Expr) or item.has(*_NON_FINITE):
            raise fail("the value is not a finite expression")
        if kind == "expression":
            unknown = sorted(s.name for s in item.free_symbols if s.name not in variables)
            if unknown:
                raise fail(f"the expression uses {', '.join(unknown)}, which are not among its variables")
        elif item.free_symbols:
            raise fail(f"an answer of kind {kind} has no variables")
        if kind == "integer" and not item.is_Integer:
            raise fail("an integer answer is a SymPy Integer")
    return items if kind == "vector" else items[0]


def parse_entry(record: Any, student: str | None = None, limit: float = KEY_TIME_LIMIT) -> KeyEntry:
    """Validate one exercise record of ``answers.json`` (of ``student``, named in messages)
    and rebuild its SymPy objects, within ``limit`` seconds of CPU time (0: the caller's limit)."""
    if limit <= 0:
        return _parse_entry(record, student)
    try:
        with time_limit(limit):
            return _parse_entry(record, student)
    except CheckTimeout:
        eid = record.get("id") if isinstance(record, dict) else None
        raise ValueError(f"answers file{'' if student is None else f': student {student!r}'} exercise "
                         f"{str(eid)[:40]!r}: the entry takes more than {limit:g} s of CPU time to read; refused") from None


def _parse_entry(record: Any, student: str | None) -> KeyEntry:
    where = "answers file" + ("" if student is None else f": student {student!r}")
    if not isinstance(record, dict):
        raise ValueError(f"{where}: an exercise is an object with keys {list(_REQUIRED)}")
    eid = record.get("id")
    if not isinstance(eid, str) or not _ID.fullmatch(eid):
        raise ValueError(f"{where}: exercise id {str(eid)[:40]!r} must be 1-32 letters, digits, '_', '.' or '-'")
    where = f"{where} exercise {eid!r}"

    def fail(message: str) -> ValueError:
        return ValueError(f"{where}: {message}")

    missing = [k for k in _REQUIRED if k not in record]
    if missing:
        raise fail(f"missing {', '.join(missing)}")
    for key, value in record.items():
        if key not in (*_REQUIRED, "domain", "mistakes") and not (isinstance(value, str) and len(value) <= MAX_TEXT):
            raise fail(f"{key!r} must be text of at most {MAX_TEXT:,} characters")
    kind = record["kind"]
    if kind not in KINDS:
        raise fail(f"unknown kind {str(kind)[:40]!r}; one of {', '.join(KINDS)}")
    names = record["variables"]
    if (not isinstance(names, list) or len(names) > MAX_VARIABLES or len(set(map(str, names))) != len(names)
            or not all(isinstance(n, str) and _NAME.fullmatch(n) for n in names)):
        raise fail(f"'variables' must be a list of at most {MAX_VARIABLES} distinct symbol names")
    if kind != "expression" and names:
        raise fail(f"an answer of kind {kind} has no variables")
    precision = _precision(kind, record["precision"], fail)
    reference = _value(kind, _read(record["answer_srepr"], fail), set(names), fail)
    found = {s.name: s for s in (reference.free_symbols if kind == "expression" else ())}
    variables = tuple(found.get(n, sp.Symbol(n, real=True)) for n in names)
    domain = _domain(record.get("domain"), variables, fail)
    mistakes = _mistakes(record.get("mistakes"), kind, set(names), fail)
    _evaluates(kind, reference, variables, domain, fail)
    for n, (_, wrong) in enumerate(mistakes, start=1):
        _evaluates(kind, wrong, variables, domain, lambda m, n=n: fail(f"mistake {n}: {m}"))
    return KeyEntry(eid, kind, reference, variables, precision, domain, mistakes)


def _point(variables: tuple[sp.Symbol, ...], domain: dict) -> dict:
    """One point of the variables' domain: a recorded support value, else one that suits the
    symbol's assumptions."""
    point = {}
    for s in variables:
        if s in domain:
            point[s] = sorted(domain[s], key=sp.default_sort_key)[0]
        elif s.is_integer:
            point[s] = sp.Integer(1 if s.is_positive else 0 if s.is_nonnegative else -1 if s.is_negative else 2)
        elif s.is_positive or s.is_nonnegative:
            point[s] = sp.Rational(3, 7)
        elif s.is_negative or s.is_nonpositive:
            point[s] = sp.Rational(-3, 7)
        else:
            point[s] = sp.Rational(5, 7)
    return point


def _evaluates(kind: str, value: Any, variables: tuple[sp.Symbol, ...], domain: dict, fail) -> None:
    """The value evaluates (to a float64 number, for number kinds) at a point of the domain;
    an entry the checker could not evaluate is refused here, not met by a student's answer."""
    point = _point(variables, domain)
    for item in (value if isinstance(value, tuple) else (value,)):
        try:
            number = complex(sp.N(item.xreplace(point), 20))
        except (TypeError, ValueError, AttributeError, ArithmeticError, NotImplementedError, RecursionError) as exc:
            raise fail(f"the value cannot be evaluated ({type(exc).__name__})") from None
        if kind != "expression" and not (math.isfinite(number.real) and abs(number) <= MAX_NUMBER):
            raise fail(f"an answer of kind {kind} must be a float64 number of size at most {MAX_NUMBER:g}")


def _printable(text: str) -> bool:
    return len(text) <= MAX_TEXT and not any(ord(c) < 32 and c not in "\n\t" or 127 <= ord(c) < 160 for c in text)


def _read(text: Any, fail) -> sp.Basic:
    if not isinstance(text, str):
        raise fail("'answer_srepr' must be srepr text")
    try:
        return read_srepr(text)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _precision(kind: str, value: Any, fail) -> float:
    if kind in ("number", "vector"):
        if not _is_number(value) or not (_finite(value) and 0 < value <= MAX_PRECISION):
            raise fail(f"precision must be a finite number with 0 < precision <= {MAX_PRECISION:g}, got {value!r}")
        return float(value)
    if value is not None and not (_is_number(value) and value == 0):
        raise fail(f"an answer of kind {kind} is checked exactly: precision must be null or 0, got {value!r}")
    return 0.0


def _domain(domain: Any, variables: tuple[sp.Symbol, ...], fail) -> dict:
    if domain is None:
        return {}
    by_name = {s.name: s for s in variables}
    if not isinstance(domain, dict):
        raise fail("'domain' must be an object {variable: [values]}")
    out = {}
    for name, values in domain.items():
        if name not in by_name:
            raise fail(f"'domain' names {str(name)[:40]!r}, which is not one of its variables")
        if (not isinstance(values, list) or not 1 <= len(values) <= MAX_DOMAIN
                or not all(_is_number(v) and _finite(v) and abs(v) <= 1e6 for v in values)):
            raise fail(f"the domain of {name!r} must be a list of 1 to {MAX_DOMAIN} finite numbers of size "
                       "at most 1e6")
        symbol = by_name[name]
        cases = [sp.Integer(v) if type(v) is int else sp.nsimplify(v, rational=True) for v in values]
        bad = next((c for c in cases if not _suits(symbol, c)), None)
        if bad is not None:
            held = [k for k in _SIGN_AND_INTEGER if getattr(symbol, f"is_{k}") is True]
            raise fail(f"the domain of {name!r} holds {bad}, which its symbol's assumptions exclude "
                       f"({', '.join(held)})")
        out[symbol] = Cases(cases)
    return out


_SIGN_AND_INTEGER = ("integer", "positive", "negative", "nonnegative", "nonpositive", "zero", "nonzero")


def _suits(symbol: sp.Symbol, value: sp.Rational) -> bool:
    """``value`` satisfies the symbol's sign and integer assumptions."""
    checks = {"positive": value > 0, "negative": value < 0, "nonnegative": value >= 0, "nonpositive": value <= 0,
              "integer": value.is_integer, "zero": value == 0, "nonzero": value != 0}
    return all(bool(ok) for key, ok in checks.items() if getattr(symbol, f"is_{key}") is True)


def domain_cases(domain: dict | None, variables) -> dict:
    """``{symbol: Cases(values)}`` of a ``domain`` entry ``{name: [values]}`` (validated)."""
    return _domain(domain or None, tuple(variables), ValueError)


def _mistakes(mistakes: Any, kind: str, names: set[str], fail) -> tuple[tuple[str, Any], ...]:
    if mistakes is None:
        return ()
    if not isinstance(mistakes, list) or len(mistakes) > MAX_MISTAKES:
        raise fail(f"'mistakes' must be a list of at most {MAX_MISTAKES} entries")
    out = []
    for n, m in enumerate(mistakes, start=1):
        if (not isinstance(m, dict) or not isinstance(m.get("feedback"), str) or not _printable(m["feedback"])
                or not isinstance(m.get("answer_srepr"), str)):
            raise fail(f"mistake {n} must be an object with 'feedback' (text of at most {MAX_TEXT:,} characters, "
                       "no control characters) and 'answer_srepr'")
        def fail_n(message: str, n=n) -> ValueError:
            return fail(f"mistake {n}: {message}")

        out.append((m["feedback"], _value(kind, _read(m["answer_srepr"], fail_n), names, fail_n)))
    return tuple(out)


def validate_answers(data: Any, path: str) -> dict:
    """The structure of a whole ``answers.json`` (each student's entries are parsed in full
    by :func:`parse_entry` when that student is checked)."""
    if not isinstance(data, dict) or not isinstance(data.get("students"), dict):
        raise ValueError(f"answers file {path!r} must be an object with 'seed' and 'students' "
                         "(as written by deepderive exercises)")
    if type(data.get("seed")) is not int:
        raise ValueError(f"answers file {path!r}: 'seed' must be a whole number")
    students = data["students"]
    if len(students) > MAX_STUDENTS:
        raise ValueError(f"answers file {path!r} has more than {MAX_STUDENTS:,} students")
    for student, entries in students.items():
        if not isinstance(entries, list) or len(entries) > MAX_EXERCISES:
            raise ValueError(f"answers file {path!r}: student {student[:40]!r} needs a list of at most "
                             f"{MAX_EXERCISES} exercises")
        for e in entries:
            if not isinstance(e, dict) or not all(k in e for k in _REQUIRED):
                raise ValueError(f"answers file {path!r}: student {student[:40]!r} needs exercises with keys "
                                 f"{list(_REQUIRED)}")
        ids = [e["id"] for e in entries]
        if len(set(map(str, ids))) != len(ids):
            raise ValueError(f"answers file {path!r}: student {student[:40]!r} has repeated exercise ids")
    return data
