r"""Which typical mistake a wrong answer is: one test, shared by ``check`` and the self-check file.

    answer is mistake M  <=>  form(answer, x) = form(M, x) at every diagnosis point x

A wrong expression is named as typical mistake ``M`` (the exercise's own mistakes, then the
generic ones, the first that matches) when its values equal ``M``'s at the exercise's
*diagnosis points* (:func:`diagnosis_points`): the points of :func:`.equivalence.sample_points`
for the key and every mistake that lie within ``|x| <=`` :data:`MAX_COORDINATE` (both signs,
magnitudes ``10^-3 .. 10^2``, the recorded support, both sides of every switch of the key and
of every mistake there), drawn from a stream seeded by the exercise alone (mistakes differ
from the key on the whole domain; the points beyond 100, where ``sig(2 z)`` needs thousands
of digits to be told from 1, are left to the checker's test of correctness). They depend on the key, not on the answer, so the build writes them
into the self-check file, and the checker computes the same ones from ``answers.json``.

A value's *canonical form* (:func:`canonical_value`) is the number to :data:`DIGITS`
significant digits, evaluated with SymPy's precision tracking (``N(..., strict=True)``, so
that a form that cancels, ``(1 - sig(f)) e^f`` at ``f = 1000``, gets its true value), its
imaginary part too where it has one (a mistake may be complex on part of the domain: the
logarithm of a negative ``f`` when the link is missing), ``0`` below ``10^-30`` in size, or
``undefined``. The checker compares the forms point by point (:func:`same_values`); the
self-check file holds a salted hash of each candidate's joined forms (:func:`canonical_form`)
and hashes the student's answer the same way. Both therefore name the same mistake for the
same answer. Whether an answer is *correct* is another test: the checker's sound comparison
(:mod:`.equivalence`, at points drawn for the answer too, or a proof); the self-check file
can only compare the forms at the diagnosis points.

>>> import sympy as sp
>>> f = sp.Symbol("f", real=True)
>>> [canonical_value(e, {f: sp.Integer(-2)}) for e in (f - sp.log(f), sp.Rational(1, 3), 1 / f**0 - 1)]
['-2.6931471805599453094e+0,-3.1415926535897932385e+0i', '3.3333333333333333333e-1', '0']
>>> same_values(f - sp.log(f), -sp.log(f) + f, [{f: sp.Integer(-2)}, {f: sp.Rational(1, 2)}])
True
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Mapping, Sequence

import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from derivations.exercises.equivalence import sample_points

__all__ = ["DIGITS", "UNDEFINED", "MAX_DIAGNOSIS_POINTS", "diagnosis_points", "canonical_value", "canonical_form",
           "same_values"]

#: Significant digits of a value's canonical form (computed to 50).
DIGITS = 20
#: The canonical form of a value that is not a finite number.
UNDEFINED = "undefined"
#: Most diagnosis points of one exercise (a self-check file stores them).
MAX_DIAGNOSIS_POINTS = 120
#: Largest size of a diagnosis point's coordinate.
MAX_COORDINATE = 100
#: Digits SymPy may work with to get a value right (``maxn`` of ``N``).
_MAX_WORKING_DIGITS = 1000
_TINY = sp.Float("1e-30")


def diagnosis_points(exercise_id: str, reference: sp.Expr, mistakes: Sequence[sp.Expr],
                     variables: Sequence[sp.Symbol], domain: Mapping) -> list[dict]:
    """The points where an exercise's answers are told apart from its mistakes (see the
    module docstring): a function of the key alone.

    >>> z = sp.Symbol("z", real=True)
    >>> from symbolic.activations.functions import ReLU
    >>> points = diagnosis_points("E02", ReLU(z + sp.Rational(1, 2)), [z + sp.Rational(1, 2)], [z], {})
    >>> any(-sp.Rational(1, 2) - 10**-5 < p[z] < -sp.Rational(1, 2) for p in points), len(points) <= 120
    (True, True)
    """
    exprs = [reference, *mistakes]
    salt = f"diagnosis:{exercise_id}:{sp.srepr(reference)}"
    points, _ = sample_points(exprs, list(variables), domain, salt)
    moderate = [p for p in points if all(abs(v) <= MAX_COORDINATE for v in p.values())]
    return (moderate or points)[:MAX_DIAGNOSIS_POINTS]


def _text(x: sp.Expr) -> str:
    """A real number to :data:`DIGITS` significant digits (``0`` below 1e-30 in size)."""
    if abs(x) < _TINY:
        return "0"
    with localcontext() as context:
        context.prec = DIGITS
        return format(+Decimal(str(sp.Float(x, 50))), "e")


def canonical_value(expr: sp.Expr, point: Mapping) -> str:
    """The canonical form of ``expr`` at ``point`` (see the module docstring)."""
    try:
        value = expr.xreplace(dict(point))
        if not value.is_Rational:
            try:
                value = sp.N(value, 50, maxn=_MAX_WORKING_DIGITS, strict=True)
            except PrecisionExhausted:  # a zero SymPy cannot certify (sig(0) - 1/2): its plain value
                value = sp.N(value, 50)
        if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return UNDEFINED
        re_part, im_part = value.as_real_imag()
        if not (re_part.is_number and im_part.is_number and re_part.is_finite and im_part.is_finite):
            return UNDEFINED
        real = _text(re_part)
        return real if abs(im_part) < _TINY else f"{real},{_text(im_part)}i"
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
        return UNDEFINED


def canonical_form(expr: sp.Expr, points: Sequence[Mapping]) -> str:
    """``expression:`` and the canonical forms of ``expr`` at every point, joined by ``;``
    (the text the self-check file hashes)."""
    return "expression:" + ";".join(canonical_value(expr, p) for p in points)


def same_values(answer: sp.Expr, mistake: sp.Expr, points: Sequence[Mapping]) -> bool:
    """The canonical forms of ``answer`` and ``mistake`` agree at every point (``canonical_form``
    of both equal), stopping at the first point where they differ."""
    return all(canonical_value(answer, p) == canonical_value(mistake, p) for p in points)
