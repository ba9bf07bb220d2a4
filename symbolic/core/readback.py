r"""Read-back: every printed side of a derivation, parsed back from the exact LaTeX that
:meth:`~symbolic.core.derivation.Derivation.to_latex` prints, and proven equal to the object
its check verified.

The step checks prove ``lhs = rhs`` on SymPy objects; the notes show text. A side printed by
the package's printer (:func:`symbolic.core.printing.latex`) is read back by
:mod:`symbolic.core.latex_reader` and compared with the side's object: identical, or proven
equal by :func:`~symbolic.core.step_check.check_equal` (symbolically, else at random points of
the step's domain), after the derivation's definitions are expanded. Each side is one of

- **formula**: read back and equal (or *failed*: read back and different, or a printed side
  the reader cannot read, which only a printer mistake or a gap of the reader produces);
- **name**: a hand-typed left-hand side that names a symbol (``\Pr(y \mid \boldsymbol\theta)``
  for the symbol ``Pr``; every ``lhs_latex`` on a bare symbol that does not read back as it,
  and a side a step declares a name with ``lhs_name``/``rhs_name``). Names are read as their
  symbol wherever else they are printed;
- **not read back**: a hand-typed side none of whose parts the reader can read (notation such
  as ``\Pr(\hat{y} \mid \boldsymbol\theta)``), reported with the reason, not a pass.

A hand-typed left-hand side of a symbol that reads (``\frac{\partial L}{\partial \phi_0}`` for
``G_0``, defined as the derivative) is a formula like any other: it must equal the symbol once
the definitions are expanded. The formulas of a step's reason (:class:`symbolic.core.reason.Reason`)
are read back from the printed reason too (side ``reason``), and every fact a reason states
(kind ``fact``) is proven; so are the formulas of a title that is a :class:`~symbolic.core.reason.Reason`
(side ``title``, with the first step).

A hand-typed chain ``\mathrm{ReLU}\left[\frac{1}{4}\right] = \frac{1}{4}`` is read part by
part: every part that reads must equal the object; a printed decimal (``0.366273``, ``\approx
2.126928``) must agree with the object to half a unit of its last digit.

>>> import sympy as sp
>>> from symbolic.core.derivation import Derivation
>>> x = sp.Symbol("x", real=True)
>>> d = Derivation("square of a sum")
>>> d.add((x + 1) ** 2, "definition", lhs=sp.Symbol("q"), lhs_latex=r"\mathrm{sq}(x)", check=False)
>>> d.add(x**2 + 2 * x + 1, "expand the square")
>>> d.add(x**2 + 2 * x + 1, "a wrong hand-typed form", rhs_latex="x^{2} + 2 x - 1")
>>> [s.kind for s in read_back(d)[0].sides], read_back(d)[2].passed
(['name', 'formula'], False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symbolic.core.latex_reader import Segment, Vocabulary, read_chain
from symbolic.core.printing import upright
from symbolic.core.reason import Fact, check_reason
from symbolic.core.step_check import Check, check_equal
from symbolic.spec.tolerances import DIGITS

#: A :class:`symbolic.core.derivation.Derivation` (named in strings only: that module imports this one).
Derivation = Any

__all__ = ["Side", "ReadBack", "read_back", "readback_record"]

#: A printed decimal number, ``0.366273``, ``-1.81617``, ``1.2 \cdot 10^{-5}``.
_DECIMAL = re.compile(r"^(-?)\s*(\d+)\.(\d+)(?:\s*\\cdot\s*10\^\{(-?\d+)\})?$")


@dataclass(frozen=True)
class Side:
    """The read-back of one printed side: ``kind`` is ``"formula"``, ``"name"`` or ``"not read
    back"``; ``check`` its outcome (``passed`` False for a formula that differs or a printed
    side that cannot be read); ``unread`` the parts of a hand-typed chain not read, with why."""

    step: int
    side: str  # "lhs", "rhs", "reason" (a formula of a step's Reason) or "title" (of the derivation's)
    text: str
    typed: bool
    kind: str
    check: Check
    read: Any = None  # the object read (the first part that differs, for a failure)
    unread: tuple[str, ...] = ()

    def where(self) -> str:
        return f"step {self.step} {self.side}"


@dataclass
class ReadBack(Check):
    """The read-back of one step: a :class:`Check` over its printed sides."""

    sides: tuple[Side, ...] = field(default_factory=tuple)


def _decimal_check(segment: Segment, obj: sp.Basic) -> Check | None:
    """A printed decimal agrees with ``obj`` to half a unit of its last printed digit."""
    m = _DECIMAL.match(segment.text)
    if not m or not getattr(obj, "is_number", False):
        return None
    sign, whole, fraction, power = m.groups()
    printed = sp.Rational(f"{sign}{whole}.{fraction}") * sp.Integer(10) ** int(power or 0)
    half_unit = sp.Rational(1, 2) * sp.Integer(10) ** (int(power or 0) - len(fraction))
    try:
        error = abs(sp.N(obj - printed, DIGITS))
        ok = bool(error <= half_unit * (1 + sp.Rational(1, 10**9)))
    except (TypeError, ValueError) as exc:
        return Check(f"printed to {len(fraction)} decimals", False, float("inf"), f"could not evaluate: {exc}")
    return Check(f"printed to {len(fraction)} decimals", ok, 0.0 if ok else float(error),
                 "" if ok else f"{segment.text} is not {sp.N(obj, 15)} to its last digit")


def _equal(segment: Segment, obj: sp.Basic, derivation: Derivation, domain: dict, seed: int,
           symbolic: bool) -> Check:
    decimal = _decimal_check(segment, obj)
    if decimal is not None:
        return decimal
    if segment.value == obj:
        return Check("symbolic (identical)", True, 0.0)
    a, b = derivation._expand(segment.value), derivation._expand(obj)
    if a == b:
        return Check("symbolic (identical after the definitions)", True, 0.0)
    return check_equal(a, b, domain, seed=seed, symbolic=symbolic)


def _formula_side(number: int, which: str, text: str, obj: sp.Basic, typed: bool, vocab: Vocabulary,
                  derivation: Derivation, domain: dict, symbolic: bool) -> Side:
    segments = read_chain(text, Vocabulary.of([obj], fallback=vocab))
    read = [s for s in segments if s.value is not None]
    unread = tuple(f"{s.text}: {s.reason}" for s in segments if s.value is None)
    if not typed and (len(segments) != 1 or not read):
        reason = unread[0] if unread else f"a chain of {len(segments)} parts where one formula is printed"
        return Side(number, which, text, typed, "not read back", Check("not read back", False, float("inf"), reason))
    if not read:
        return Side(number, which, text, typed, "not read back", Check("not read back", True, 0.0, unread[0]),
                    unread=unread)
    checks = []
    for k, segment in enumerate(read):
        c = _equal(segment, obj, derivation, domain, seed=10 * number + k, symbolic=symbolic)
        if not c.passed:
            detail = f"{segment.text!r} read back as {_short(segment.value)}, not {_short(obj)}"
            return Side(number, which, text, typed, "formula",
                        Check(c.method, False, c.max_error, f"{detail} ({c.detail})" if c.detail else detail),
                        read=segment.value, unread=unread)
        checks.append(c)
    worst = max(checks, key=_weakness)
    return Side(number, which, text, typed, "formula",
                Check(worst.method, True, max(c.max_error for c in checks)), unread=unread)


def _weakness(c: Check) -> tuple:
    return (c.method.startswith("numeric"), c.method.startswith("printed"), c.max_error)


def _short(expr: Any, limit: int = 160) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= limit else text[:limit] + "..."


def _vocabularies(derivation: Derivation) -> tuple[Vocabulary, Vocabulary]:
    """Every symbol and function of the derivation; and the same with the names its hand-typed
    left-hand sides give its symbols."""
    objects: list = []
    for step in derivation.steps:
        objects += [step.rhs] + ([] if step.lhs is None else [step.lhs])
    objects += list(derivation.definitions) + list(derivation.definitions.values())
    plain = Vocabulary.of(objects)
    names = {}
    for step in derivation.steps:
        if step.lhs_latex and isinstance(step.lhs, sp.Symbol) and step.lhs_name is not False:
            text = upright(step.lhs_latex)  # as printed (Derivation.printed_cells)
            read = read_chain(text, plain)
            if len(read) == 1 and read[0].value is not None:
                continue  # the text reads as a formula (\mathrm{ELU}'\left[z\right]): not a name
            names.setdefault(text, step.lhs)
    return plain, Vocabulary.of(objects, names=names)


def _reason_sides(number: int, reason: str, vocab: Vocabulary, derivation: Derivation, domain: dict,
                  symbolic: bool, which: str = "reason") -> list[Side]:
    """The formulas of a step's reason (:class:`symbolic.core.reason.Reason`), each read back from
    the printed reason and equal to its object; a stated fact (kind ``fact``) also proven."""
    formulas = getattr(reason, "formulas", ())
    if not formulas:
        return []

    def equal(read, obj, seed):
        if read == obj:
            return Check("symbolic (identical)", True, 0.0)
        return check_equal(derivation._expand(read), derivation._expand(obj), domain, seed=seed, symbolic=symbolic)

    def prove(lhs, rhs, fact_domain, seed):
        return check_equal(derivation._expand(lhs), derivation._expand(rhs), {**domain, **fact_domain}, seed=seed,
                           symbolic=symbolic)

    checks = check_reason(reason, vocab, equal, prove)
    return [Side(number, which, reason.printed(f), False, "fact" if isinstance(f.value, Fact) else "formula", c)
            for f, c in zip(formulas, checks)]


def read_back(derivation: Derivation, symbolic: bool = True) -> list[ReadBack]:
    """The read-back of every step of ``derivation``, from :meth:`Derivation.printed_cells`."""
    try:
        plain, named = _vocabularies(derivation)
    except Exception as exc:  # the reader's own failure fails the read-back, never check() itself
        failed = Check("not read back", False, float("inf"), f"reader error: {type(exc).__name__}: {exc}")
        return [ReadBack(failed.method, False, failed.max_error, failed.detail) for _ in derivation.steps]
    out = []
    for number, (step, (left, right)) in enumerate(zip(derivation.steps, derivation.printed_cells()), start=1):
        domain = {**derivation.domain, **(step.domain or {})}
        sides = []
        for which, text, obj, typed, declared in (("lhs", left, step.lhs, bool(step.lhs_latex), step.lhs_name),
                                                   ("rhs", right, step.rhs, bool(step.rhs_latex), step.rhs_name)):
            if obj is None:
                continue
            if declared:
                sides.append(Side(number, which, text, typed, "name", Check("name", True, 0.0)))
                continue
            # a hand-typed name is read without the names (else it reads as its own symbol)
            vocab = plain if which == "lhs" and typed and isinstance(obj, sp.Symbol) else named
            try:
                side = _formula_side(number, which, text, obj, typed, vocab, derivation, domain, symbolic)
            except Exception as exc:  # the reader's own failure is reported, never a crash of check()
                side = Side(number, which, text, typed, "not read back",
                            Check("not read back", typed, float("inf"), f"reader error: {type(exc).__name__}: {exc}"))
            # a hand-typed lhs of a symbol that reads as nothing is its name; one that reads is checked
            if which == "lhs" and typed and isinstance(obj, sp.Symbol) and declared is None and side.kind != "formula":
                side = Side(number, which, text, typed, "name", Check("name", True, 0.0))
            sides.append(side)
        sides += _reason_sides(number, step.reason, named, derivation, domain, symbolic)
        if number == 1:  # a title with formulas (a Reason) is read back with the first step
            sides += _reason_sides(number, derivation.title, named, derivation, domain, symbolic, which="title")
        passed = all(s.check.passed for s in sides)
        formulas = [s.check for s in sides if s.kind in ("formula", "fact")]
        worst = max(formulas, key=_weakness) if formulas else None
        method = worst.method if worst else ("name" if any(s.kind == "name" for s in sides) else "not read back")
        detail = "; ".join(f"{s.side}: {s.check.detail}" for s in sides if s.check.detail)
        out.append(ReadBack(method, passed, max((c.max_error for c in formulas), default=0.0), detail,
                            sides=tuple(sides)))
    return out


def readback_record(derivation: Derivation) -> dict[str, Any] | None:
    """One verification record for the read-back of a derivation's printed LaTeX: passed when
    every formula side read back equal; its method counts formulas, names and hand-typed
    sides not read back; its detail names each failure, name and side not read back."""
    steps = derivation.steps
    if not steps:
        return None
    if any(getattr(s, "readback", None) is None for s in steps):
        return {"name": f"{derivation.title}: printed LaTeX read back", "kind": "readback",
                "method": "unchecked", "max_error": float("inf"), "passed": False}
    sides = [side for s in steps for side in s.readback.sides]
    formulas = [s for s in sides if s.kind in ("formula", "fact")]
    facts = [s for s in sides if s.kind == "fact"]
    names = [s for s in sides if s.kind == "name"]
    unread = [s for s in sides if s.kind == "not read back"]
    failed = [s for s in sides if not s.check.passed]
    numeric = [s.check.method for s in formulas if s.check.method.startswith("numeric")]
    decimals = any(s.check.method.startswith("printed") for s in formulas)
    lead = numeric[0] if numeric else ("symbolic" if not decimals else f"{DIGITS} digits")
    counts = [f"{len(formulas)} formula{'s' if len(formulas) != 1 else ''}"]
    counts += [f"{len(facts)} fact{'s' if len(facts) != 1 else ''} of the reasons proven"] if facts else []
    counts += [f"{len(names)} name{'s' if len(names) != 1 else ''}"] if names else []
    counts += [f"{len(unread)} not read back"] if unread else []
    parts = [f"FAILED {s.where()}: {s.check.detail or s.check.method} [{s.text[:120]}]" for s in failed]
    parts += [f"FAILED step {k}: {s.readback.detail}" for k, s in enumerate(steps, start=1)
              if not s.readback.passed and not s.readback.sides]  # the reader itself broke
    parts += [f"name {s.where()}: {s.text[:80]}" for s in names]
    parts += [f"not read back {s.where()}: {s.check.detail[:160]}" for s in unread if s.check.passed]
    parts += [f"part not read {s.where()}: {u[:120]}" for s in formulas for u in s.unread]
    record = {
        "name": f"{derivation.title}: printed LaTeX read back",
        "kind": "readback",
        "method": f"{lead}, read back: {', '.join(counts)}",
        "max_error": max((s.check.max_error for s in formulas), default=0.0),
        "passed": all(s.readback.passed for s in steps),
        "detail": "; ".join(parts)[:2000],
    }
    if failed:
        first = failed[0]
        record.update(text=first.text[:300], got=_short(first.read) if first.read is not None else "not read")
    return record
