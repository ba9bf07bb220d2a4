r"""A step's reason whose mathematics is objects: printed from them, read back, its facts proven.

A reason is one line of words beside a step ("take the logarithm"). Where it states
mathematics ("since $\log \mathrm{sig}[f] = -\mathrm{softplus}[-f]$"), typing that formula
beside the step would certify nothing. A :class:`Reason` is a template whose ``@name`` gaps
are filled from objects:

- a SymPy expression, printed by the package's printer (:func:`symbolic.core.printing.latex`);
- a :class:`Fact` ``lhs = rhs``, printed as the equation and **proven** (SymPy, else at 50
  digits at random points of the step's domain: :func:`symbolic.core.step_check.check_equal`);
- a condition (``sp.Gt(lam, 1/2)``), printed as the relation; an unevaluated ``sp.Eq`` (a value
  taken, ``D_i = 1``) is printed and read back side by side, not proven;
- a :class:`Shown` expression, printed with printer settings of its own;
- a :class:`Renamed` change of notation ``old \to new``, checked to be an entry of the step's renaming;
- words (a ``str``, or another :class:`Reason`, whose formulas come along).

Every formula prints in the book's light form for math in a line of text (the printer's
``inline`` setting: ``\log \mathrm{sig}[f]``, ``e^{- f_{2} / 2}``, ``\sum_{i} (y_{i} - f_{i})^{2}``),
which the reader reads.

A :class:`Reason` *is* the printed text (a ``str``), so every printer of a derivation prints
it unchanged; it also knows where each formula sits in that text. :meth:`Derivation.check`
(:mod:`symbolic.core.readback`) reads every formula back from the text, with the package's
own LaTeX reader, proves it equal to its object, and proves every fact.

>>> import sympy as sp
>>> from symbolic.activations.functions import Softplus, sig
>>> f = sp.Symbol("f", real=True)
>>> r = Reason("since $@fact$", fact=Fact(sp.log(sig(f)), -Softplus(-f)))
>>> print(r)
since $\log \mathrm{sig}[f] = - \mathrm{softplus}[- f]$
>>> [c.passed for c in check_reason(r)]
[True]
>>> [c.passed for c in check_reason(Reason("since $@fact$", fact=Fact(sp.log(sig(f)), Softplus(-f))))]
[False]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import sympy as sp

from symbolic.core.latex_reader import Vocabulary, read_chain, read_condition
from symbolic.core.printing import latex, upright
from symbolic.core.step_check import Check, check_equal

__all__ = ["Fact", "Formula", "Reason", "Renamed", "Shown", "check_reason"]

#: A gap of a template: ``@name`` (letters, digits, underscores).
_GAP = re.compile(r"@([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Fact:
    """An equation a reason states, ``lhs = rhs``: printed, read back and proven true
    (in ``domain``, merged over the step's domain, when the fact needs one)."""

    lhs: Any  # an expression, or a :class:`Shown` one
    rhs: Any
    domain: Mapping[sp.Basic, Any] | None = None
    #: ``"rhs"``: only the right-hand side is printed ("derivative by $\phi_0$: $2 \sum_i ...$"),
    #: the fact ``lhs = rhs`` is still proven.
    shown: str = "both"

    def __post_init__(self):
        if self.shown not in ("both", "rhs"):
            raise ValueError(f"a fact shows 'both' sides or the 'rhs', got {self.shown!r}")


@dataclass(frozen=True)
class Shown:
    """An expression printed with printer settings of its own (``order="none"``: the terms of an
    unevaluated sum in the order given, ``phi - alpha dL/dphi``); read back like any expression."""

    expr: sp.Basic
    settings: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Renamed:
    r"""A change of notation a reason states, ``old \to new``: printed, both sides read back, and
    checked to be an entry of ``table``, the renaming the step applies (``table[old] == new``)."""

    old: sp.Basic
    new: sp.Basic
    table: Mapping[sp.Basic, sp.Basic]


@dataclass(frozen=True)
class Formula:
    """One formula of a reason: its gap, its object (an expression, a :class:`Fact` or a
    condition) and where its printed text sits in the reason (``start:end``)."""

    name: str
    value: Any
    start: int
    end: int


def _expr(value: Any) -> sp.Basic:
    """The expression of a side (a :class:`Shown` side's own)."""
    return value.expr if isinstance(value, Shown) else value


#: How a reason's formulas print: the book's light form for math in a line of text
#: (``\log \mathrm{sig}[f]``, ``e^{- f_{2} / 2}``, ``\sum_{i} (y_{i} - f_{i})^{2}``); a
#: :class:`Shown` expression's settings override it.
INLINE = {"inline": True}


def _printed(value: Any) -> str:
    if isinstance(value, Renamed):
        return rf"{_printed(value.old)} \to {_printed(value.new)}"
    if isinstance(value, Fact):
        return _printed(value.rhs) if value.shown == "rhs" else f"{_printed(value.lhs)} = {_printed(value.rhs)}"
    if isinstance(value, Shown):
        return latex(value.expr, **{**INLINE, **dict(value.settings or {})})
    return latex(value, **INLINE)


class Reason(str):
    """The printed reason (a ``str``) with its formulas: ``Reason(template, **gaps)``.

    A gap filled by a ``str`` is words, inserted as they are (a :class:`Reason` brings its
    formulas along); anything else is a formula, printed by the package's printer.
    Concatenating a :class:`Reason` with a ``str`` keeps the formulas."""

    formulas: tuple[Formula, ...]

    def __new__(cls, template: str, /, **gaps: Any) -> "Reason":
        text, formulas, at = "", [], 0
        for m in _GAP.finditer(template):
            name = m.group(1)
            if name not in gaps:
                raise ValueError(f"the reason {template!r} has a gap @{name} but no value for it "
                                 f"(given: {', '.join(sorted(gaps)) or 'none'})")
            text += template[at:m.start()]
            value = gaps[name]
            if isinstance(value, str):
                formulas += [Formula(f.name, f.value, f.start + len(text), f.end + len(text))
                             for f in getattr(value, "formulas", ())]
                text += str.__str__(value)
            else:
                printed = _printed(value)
                formulas.append(Formula(name, value, len(text), len(text) + len(printed)))
                text += printed
            at = m.end()
        unused = set(gaps) - {m.group(1) for m in _GAP.finditer(template)}
        if unused:
            raise ValueError(f"the reason {template!r} has no gap for {', '.join(sorted(unused))}")
        return cls._of(text + template[at:], formulas)

    @classmethod
    def _of(cls, text: str, formulas: list[Formula]) -> "Reason":
        out = str.__new__(cls, text)
        out.formulas = tuple(formulas)
        return out

    def __add__(self, other: str) -> "Reason":
        if not isinstance(other, str):
            return NotImplemented
        shift = len(self)
        moved = [Formula(f.name, f.value, f.start + shift, f.end + shift) for f in getattr(other, "formulas", ())]
        return Reason._of(str.__str__(self) + str.__str__(other), list(self.formulas) + moved)

    def __radd__(self, other: str) -> "Reason":
        if not isinstance(other, str):
            return NotImplemented
        return Reason._of(other + str.__str__(self),
                          [Formula(f.name, f.value, f.start + len(other), f.end + len(other)) for f in self.formulas])

    def printed(self, formula: Formula) -> str:
        """The text of ``formula`` as the reason prints it (``Pr`` upright, as printed)."""
        return upright(str.__str__(self)[formula.start:formula.end])


def _objects(value: Any) -> list:
    """The objects a formula's printed parts stand for, in order."""
    if isinstance(value, sp.Equality):  # a value taken (``D_i = 1``): both sides read back, nothing proven
        return [value.lhs, value.rhs]
    if isinstance(value, Renamed):
        return [value.old, value.new]
    if isinstance(value, Fact):
        return [_expr(value.rhs)] if value.shown == "rhs" else [_expr(value.lhs), _expr(value.rhs)]
    if isinstance(value, Shown):
        return [value.expr]
    return [value]


def check_reason(reason: str, vocabulary: Vocabulary | None = None,
                 equal: Callable[[sp.Basic, sp.Basic, int], Check] | None = None,
                 prove: Callable[[sp.Basic, sp.Basic, Mapping, int], Check] | None = None) -> list[Check]:
    """One check per formula of ``reason`` (none for plain words): its printed text read back
    and equal to its object; for a :class:`Fact`, also the fact proven. ``equal(read, obj,
    seed)`` compares a read part with its object (default :func:`check_equal`), ``prove(lhs,
    rhs, domain, seed)`` proves a fact (default :func:`check_equal` in the fact's domain);
    a derivation passes its definitions and domain through them."""
    equal = equal or (lambda a, b, seed: check_equal(a, b, seed=seed))
    prove = prove or (lambda a, b, domain, seed: check_equal(a, b, domain, seed=seed))
    out = []
    for k, formula in enumerate(getattr(reason, "formulas", ())):
        text = reason.printed(formula)
        label = f"@{formula.name} {text!r}"
        try:
            objects = _objects(formula.value) + ([_expr(formula.value.lhs)] if isinstance(formula.value, Fact) else [])
            out.append(_check_formula(formula.value, text, label, Vocabulary.of(objects, fallback=vocabulary),
                                      equal, prove, seed=100 + 10 * k))
        except Exception as exc:  # the reader's or prover's own failure fails this formula, never check()
            out.append(Check("not read back", False, float("inf"), f"{label}: {type(exc).__name__}: {exc}"))
    return out


def _check_formula(value: Any, text: str, label: str, vocab: Vocabulary, equal, prove, seed: int) -> Check:
    if isinstance(value, sp.core.relational.Relational) and not isinstance(value, sp.Eq):
        read = read_condition(text, vocab)
        if type(read) is not type(value):
            return Check("read back", False, float("inf"), f"{label} reads as {read}, not {value}")
        checks = [equal(r, v, seed + j) for j, (r, v) in enumerate(zip(read.args, value.args))]
        return _worst(checks, label, "read back")
    if isinstance(value, Renamed):
        return _check_renamed(value, text, label, vocab, equal, seed)
    parts = read_chain(text, vocab)
    objects = _objects(value)
    unread = [p for p in parts if p.value is None]
    if unread:
        return Check("not read back", False, float("inf"), f"{label}: {unread[0].text!r}: {unread[0].reason}")
    if len(parts) != len(objects) or any(p.relation != "=" for p in parts):
        return Check("read back", False, float("inf"),
                     f"{label} prints {len(parts)} parts where {len(objects)} stand")
    checks = [equal(p.value, obj, seed + j) for j, (p, obj) in enumerate(zip(parts, objects))]
    if isinstance(value, Fact):
        fact = prove(_expr(value.lhs), _expr(value.rhs), value.domain or {}, seed + 5)
        checks.append(Check(f"fact {fact.method}", fact.passed, fact.max_error,
                            "" if fact.passed else f"the fact is false: {fact.detail}"))
    return _worst(checks, label, "read back")


def _check_renamed(value: Renamed, text: str, label: str, vocab: Vocabulary, equal, seed: int) -> Check:
    """``old \to new`` read back side by side, and an entry of the step's renaming."""
    sides = text.split(r" \to ")
    if len(sides) != 2:
        return Check("read back", False, float("inf"), f"{label} prints {len(sides)} sides of a renaming, not 2")
    checks = []
    for j, (side, obj) in enumerate(zip(sides, (value.old, value.new))):
        (part, *rest) = read_chain(side, vocab)
        if part.value is None or rest:
            return Check("not read back", False, float("inf"), f"{label}: {side!r}: {part.reason or 'a chain'}")
        checks.append(equal(part.value, obj, seed + j))
    entry = value.table.get(value.old)
    checks.append(Check("fact (an entry of the renaming)", entry == value.new, 0.0 if entry == value.new else float("inf"),
                        "" if entry == value.new else f"the renaming takes {value.old} to {entry}, not {value.new}"))
    return _worst(checks, label, "read back")


def _worst(checks: list[Check], label: str, method: str) -> Check:
    failed = [c for c in checks if not c.passed]
    if failed:
        return Check(failed[0].method, False, failed[0].max_error, f"{label}: {failed[0].detail or 'differs'}")
    weakest = [c.method for c in checks if "numeric" in c.method] + [c.method for c in checks
                                                                     if c.method.startswith("fact")]
    return Check(weakest[0] if weakest else f"symbolic ({method})", True, max((c.max_error for c in checks), default=0.0))
