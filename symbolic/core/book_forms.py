r"""The book's forms: what a student sees in Prince, printed from SymPy's canonical objects.

SymPy holds an expression in its canonical form, and the checks verify that form; the book
(Prince, *Understanding Deep Learning*, chapter 5) writes some of them otherwise:

- the **normal density**, which SymPy evaluates to ``sqrt(2) exp(-(y - mu)^2/(2 sigma^2)) /
  (2 sqrt(pi) sigma)``, is written ``1/sqrt(2 pi sigma^2) exp[-(y - mu)^2 / (2 sigma^2)]``;
- the **log factorial** of the Poisson loss, held as ``loggamma(y + 1)`` (what is compiled:
  finite where ``y!`` overflows), is written ``log y!``.

:func:`book_forms` finds these subexpressions; each :class:`BookForm` holds the canonical
object, the book's form as an unevaluated SymPy expression (``evaluate=False``) and proves
the two equal (:meth:`BookForm.check`). The printer (:mod:`symbolic.core.printing`) prints a
matched subexpression in the book's form, so what is printed is the unevaluated expression
that the proof compares with the object the derivation checked.

>>> import sympy as sp
>>> y, mu = sp.symbols("y mu", real=True)
>>> sigma = sp.Symbol("sigma", positive=True)
>>> density = sp.exp(-(y - mu) ** 2 / (2 * sigma**2)) / sp.sqrt(2 * sp.pi * sigma**2)
>>> density
sqrt(2)*exp(-(-mu + y)**2/(2*sigma**2))/(2*sqrt(pi)*sigma)
>>> [form] = book_forms(density)
>>> form.name, form.check().passed
('normal density', True)
>>> from symbolic.core.printing import latex
>>> print(latex(density))
\frac{1}{\sqrt{2 \pi \sigma^{2}}} \exp\left[- \frac{\left(y - \mu\right)^{2}}{2 \sigma^{2}}\right]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import sympy as sp

from symbolic.core.step_check import Check, check_equal

__all__ = ["BookForm", "book_forms", "normal_parts", "normal_book_form", "log_factorial_argument", "residual_terms"]


@dataclass(frozen=True)
class BookForm:
    """One subexpression printed in the book's form: ``canonical`` is the object SymPy holds
    (and the derivation's checks verify), ``book`` the same value as an unevaluated expression
    in the book's arrangement."""

    name: str
    canonical: sp.Expr
    book: sp.Expr

    def check(self, domain: Mapping[sp.Symbol, Any] | None = None, symbolic: bool = True) -> Check:
        """The book's form, evaluated by SymPy, equals the canonical object (proven, else at
        random points to 50 digits: :func:`~symbolic.core.step_check.check_equal`)."""
        return check_equal(self.book.doit(), self.canonical, dict(domain or {}), symbolic=symbolic)


def _plain(term: sp.Expr) -> bool:
    """A symbol or an indexed element (``y``, ``mu``, ``y[i]``)."""
    return isinstance(term, (sp.Symbol, sp.Indexed))


def residual_terms(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``(y, f)`` for a difference of two plain terms ``y - f`` (SymPy orders it ``-f + y``),
    else None: the residual the book writes target first.

    >>> y, f = sp.symbols("y f", real=True)
    >>> residual_terms(y - f), residual_terms(y + f), residual_terms(y - 2 * f)
    ((y, f), None, None)
    """
    if not isinstance(expr, sp.Add) or len(expr.args) != 2:
        return None
    negative = [t for t in expr.args if t.could_extract_minus_sign()]
    positive = [t for t in expr.args if not t.could_extract_minus_sign()]
    if len(negative) != 1 or len(positive) != 1 or not _plain(positive[0]) or not _plain(-negative[0]):
        return None
    return positive[0], -negative[0]


@lru_cache(maxsize=4096)
def normal_parts(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``(r, V)`` when ``expr`` is the normal density ``exp(-r^2 / (2 V)) / sqrt(2 pi V)`` of a
    residual ``r = y - mu`` with variance ``V`` (free of the residual's symbols), or of ``r = f``
    (mean 0) with a variance in symbols (``sigma_f^2``, not the standard normal's 1), else None.

    >>> y, f1, f2 = sp.symbols("y f_1 f_2", real=True)
    >>> normal_parts(sp.exp(-(y - f1) ** 2 / (2 * sp.exp(f2))) / sp.sqrt(2 * sp.pi * sp.exp(f2)))
    (-f_1 + y, exp(f_2))
    >>> normal_parts(y * sp.exp(-(y - f1) ** 2 / 2) / sp.sqrt(2 * sp.pi)) is None  # not a density
    True
    >>> s = sp.Symbol("sigma_f", positive=True)
    >>> normal_parts(sp.exp(-f1**2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2))  # mean 0
    (f_1, sigma_f**2)
    """
    if not isinstance(expr, sp.Mul) or not expr.has(sp.pi):
        return None
    for factor in expr.args:
        if not isinstance(factor, sp.exp):
            continue
        exponent = factor.args[0]
        squares = {p for p in exponent.atoms(sp.Pow) if p.exp == 2 and (residual_terms(p.base) is not None
                                                                          or _plain(p.base))}
        if len(squares) != 1:
            continue
        square = squares.pop()
        variance = sp.cancel(-square / (2 * exponent))
        if variance.free_symbols & square.free_symbols or variance.is_positive is False:
            continue
        if _plain(square.base) and not variance.free_symbols:  # mean 0 of a named variance only, not exp(-z^2/2)
            continue
        rest = expr / factor
        normaliser = 1 / sp.sqrt(2 * sp.pi * variance)
        if rest == normaliser or sp.simplify(rest / normaliser) == 1:
            return square.base, variance
    return None


def normal_book_form(residual: sp.Expr, variance: sp.Expr) -> sp.Expr:
    """``1/sqrt(2 pi V) exp[-r^2 / (2 V)]``, unevaluated: the book's normal density. A number
    ``V`` is multiplied out (``sqrt(18 pi)``, ``/18``): left unevaluated, ``2 * 9 * pi`` printed
    as ``2 9 \pi``, which reads as 29 pi."""
    square = sp.Pow(residual, 2, evaluate=False)
    if variance.is_number:
        root = sp.Pow(2 * variance * sp.pi, sp.S.Half, evaluate=False)
        twice = 2 * variance
        exponent = (sp.Mul(-1, square, sp.Pow(twice, -1, evaluate=False), evaluate=False) if twice.is_Integer
                    else sp.Mul(-1 / twice, square, evaluate=False))
    else:
        root = sp.Pow(sp.Mul(2, sp.pi, variance, evaluate=False), sp.S.Half, evaluate=False)
        exponent = sp.Mul(-1, square, sp.Pow(sp.Mul(2, variance, evaluate=False), -1, evaluate=False),
                          evaluate=False)
    return sp.Mul(sp.Pow(root, -1, evaluate=False), sp.exp(exponent, evaluate=False), evaluate=False)


def log_factorial_argument(expr: sp.Expr) -> sp.Expr | None:
    """``y`` when ``expr`` is ``loggamma(y + 1)`` or ``log(y!)`` of a nonnegative symbol or
    indexed element ``y`` (printed ``log y!``), else None.

    >>> y = sp.Symbol("y", real=True, nonnegative=True)
    >>> log_factorial_argument(sp.loggamma(y + 1)), log_factorial_argument(sp.loggamma(y + 2))
    (y, None)
    """
    if isinstance(expr, sp.loggamma):
        count = expr.args[0] - 1
    elif isinstance(expr, sp.log) and isinstance(expr.args[0], sp.factorial):
        count = expr.args[0].args[0]
    else:
        return None
    return count if _plain(count) and count.is_nonnegative else None


def book_forms(expr: sp.Basic) -> list[BookForm]:
    """Every subexpression of ``expr`` the printer writes in the book's form, outermost first
    (a form inside another's is listed too), once each; ``log(y!)`` is listed only where the
    object is ``loggamma(y + 1)`` (``log(y!)`` itself is printed as it is)."""
    found: dict[sp.Basic, BookForm] = {}
    for node in sp.preorder_traversal(expr):
        if node in found or not isinstance(node, sp.Basic):
            continue
        parts = normal_parts(node) if isinstance(node, sp.Mul) else None
        if parts is not None:
            found[node] = BookForm("normal density", node, normal_book_form(*parts))
        elif isinstance(node, sp.loggamma) and (count := log_factorial_argument(node)) is not None:
            found[node] = BookForm("log factorial", node, sp.log(sp.factorial(count), evaluate=False))
    return list(found.values())
