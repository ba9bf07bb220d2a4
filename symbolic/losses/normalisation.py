r"""Is a density normalised? The recipe engine's first check, and the SymPy attempts it makes.

:func:`normalisation_check` integrates (or sums) ``Pr(y | theta)`` over the block's support:
symbolically where SymPy finishes within a CPU-time budget (:func:`_attempt`), a Gaussian in
every target in closed form (:func:`gaussian_integral`), else at random linked parameter values
by mpmath quadrature or exact sums over the outcomes. :func:`check_normalised` turns a failure
into the error a lecturer's plugin sees.

>>> from symbolic.spec.losses import get_loss
>>> check = normalisation_check(get_loss("exponential").model().block(1))
>>> check.passed, check.method
(True, 'symbolic (sympy.integrate)')
"""

from __future__ import annotations

import random
from typing import Any, Callable

import mpmath
import sympy as sp

from symbolic.core.derivation import Check
from symbolic.core.time_limit import time_limit
from symbolic.losses.block import Block, support_interval

__all__ = ["normalisation_check", "check_normalised", "gaussian_integral", "symbolic_total", "NORMALISATION_TOLERANCE"]

#: Largest |integral - 1| a numerically checked density may show (quadrature at 30 digits).
NORMALISATION_TOLERANCE = 1e-12
_DPS = 30
_SYMBOLIC_SECONDS = 2
#: CPU seconds for the numeric total at one parameter point (quadrature of a density SymPy
#: could not integrate; the built-ins take well under one).
_NUMERIC_SECONDS = 20


class _Timeout(Exception):
    pass


def _time_limit(seconds: float):
    """Stop a SymPy attempt after ``seconds`` of this process's CPU time in user mode (main
    thread only; user time, so that it may run inside an answer check's limit).

    CPU time, not wall-clock time: on a busy machine the attempt gets the same work done before
    it is stopped, so the derivation (symbolic or numeric, which step it prints) does not depend
    on the machine's load.
    """
    return time_limit(seconds, _Timeout, user_time_only=True)


def _attempt(fn: Callable[[], Any], seconds: int = _SYMBOLIC_SECONDS) -> Any:
    """``fn()``, or None when SymPy gives up, fails or runs out of time."""
    try:
        with _time_limit(seconds):
            return fn()
    except (_Timeout, NotImplementedError, ValueError, TypeError, AttributeError, RecursionError,
            ZeroDivisionError, sp.PolynomialError):
        return None


def _random_outputs(block: Block, rng: random.Random, spread: float = 0.9) -> dict[sp.Symbol, sp.Rational]:
    bound = int(spread * 1000)
    return {f: sp.Rational(rng.randint(-bound, bound), 1000) for f in block.outputs}


def _parameter_point(block: Block, rng: random.Random, spread: float = 0.9) -> dict[sp.Symbol, sp.Expr]:
    """Parameters that satisfy every constraint: the link of random outputs in [-spread, spread]
    (and the fixed constants, such as the normal's sigma, between 1/2 and 2)."""
    f = _random_outputs(block, rng, spread)
    values = {p: e.xreplace(f) for p, e in block.link.items()}
    values.update({c: sp.Rational(rng.randint(500, 2000), 1000) for c in block.constants})
    return values


def _is_one(expr: sp.Expr) -> bool:
    return _attempt(lambda: sp.simplify(expr - 1) == 0) is True


def symbolic_total(block: Block) -> tuple[sp.Expr, str] | None:
    """The integral of the density over a continuous support in the parameter symbols, and how
    it was found; None when SymPy does not finish within its budget (or the support is discrete).

    A Gaussian in every target (the multivariate normal) integrates in closed form, one target
    at a time: polynomial work bounded by the number of targets, so no time limit; else
    ``sympy.integrate``, the last target first.
    """
    interval = support_interval(block.support)
    if interval is None:
        return None
    y = block.targets

    def iterated():  # the last target first: y_n, then y_{n-1}, ...
        total = block.density
        for t in reversed(y):
            total = sp.integrate(total, (t, *interval), conds="none")
        return total

    method, total = "symbolic (Gaussian integrals, one target at a time)", block.density
    for t in reversed(y) if block.support.real_line else ():
        total = gaussian_integral(total, t)
        if total is None:
            break
    if total is None or total.has(*y):
        method, total = "symbolic (sympy.integrate)", _attempt(iterated)
    if total is None or total.has(sp.Integral):
        return None
    return total, method


def normalisation_check(block: Block, points: int = 3, seed: int = 0) -> Check:
    r"""Check ``integral (or sum) of Pr(y | theta) over the support = 1``.

    Symbolic (``sympy.integrate``/``sympy.summation`` in the parameter symbols) where SymPy
    finishes in a few seconds; else at ``points`` random linked parameter values, by mpmath
    quadrature at 30 digits (continuous), a sum to 400 terms (counts), or the exact sum over
    every outcome (classes, rankings: all n! of them). ``max_error`` is the largest
    ``|total - 1|`` seen; ``detail`` states the total measured.
    """
    support, y = block.support, block.targets
    density = block.density
    found = symbolic_total(block)
    if found is not None:
        total, method = found
        if not total.free_symbols:
            error = float(abs(sp.N(total - 1, _DPS)))
            return Check(method, error == 0, error, f"integrates to {total}")
        if _is_one(total):
            return Check(method, True, 0.0)
    if support.counts and len(y) == 1:
        k = sp.Dummy("k", integer=True, nonnegative=True)
        total = _attempt(lambda: sp.summation(density.xreplace({y[0]: k}), (k, 0, sp.oo)))
        if total is not None and not total.has(sp.Sum) and _is_one(total):
            return Check("symbolic (sympy.summation)", True, 0.0)
    outcomes = support.outcomes(len(block.outputs))
    if outcomes is not None and not support.class_index and len(y) == 1:  # every outcome's linked probability
        total = sp.Add(*[block.linked.xreplace({y[0]: v}) for v in outcomes])
        if _is_one(total):
            return Check(f"symbolic (sum over y = {', '.join(map(str, outcomes))})", True, 0.0)
    if support.class_index and block.one_hot:  # the linked class probabilities, for every output
        total = sp.Add(*[block.linked.xreplace(block.encode([c])) for c in range(len(y))])
        if _is_one(total):
            return Check(f"symbolic (sum over the {len(y)} classes)", True, 0.0)
    rng = random.Random(seed)
    worst, measured = 0.0, []
    for _ in range(points):
        values = _parameter_point(block, rng)
        locations = [v for p, v in values.items() if not p.is_positive]  # kinks and peaks sit there
        try:
            with _time_limit(_NUMERIC_SECONDS):
                total = _numeric_total(block, density.xreplace(values), locations)
        except _Timeout:  # a density quadrature cannot settle: refused, with what happened, never a hang
            return Check(f"numeric (mpmath quadrature, {_DPS} digits)", False, float("inf"),
                         f"could not be integrated: mpmath quadrature did not settle within {_NUMERIC_SECONDS} s "
                         "of CPU time, so")
        measured.append(total)
        worst = max(worst, abs(total - 1))
    method = f"{support.summed} (30 digits)" if support.discrete else f"numeric (mpmath quadrature, {_DPS} digits)"
    detail = "integrates to " + ", ".join(mpmath.nstr(t, 15) for t in measured) + f" at {points} parameter points"
    return Check(f"{method}, {points} parameter points", worst < NORMALISATION_TOLERANCE, float(worst), detail)


def gaussian_integral(expr: sp.Expr, t: sp.Symbol) -> sp.Expr | None:
    r"""``integral over the real line of c exp(a t^2 + b t + d) dt = c sqrt(pi / -a) exp(d - b^2 / 4a)``
    for ``a < 0`` (c, a, b, d free of t); None when ``expr`` is not of that form.

    The multivariate normal integrates in closed form one target at a time this way (SymPy's
    ``integrate`` leaves forms that grow with every target: minutes for n = 3).

    >>> from symbolic.core.printing import latex
    >>> t, m = sp.Symbol("t", real=True), sp.Symbol("mu", real=True)
    >>> s = sp.Symbol("sigma", positive=True)
    >>> print(latex(gaussian_integral(sp.exp(-(t - m)**2 / (2 * s**2)), t)))
    \sqrt{2} \sqrt{\pi} \sigma
    """
    factors = sp.Mul.make_args(expr)
    constant = sp.Mul(*[f for f in factors if not f.has(t)])
    exponent = sp.Add(*[f.exp for f in factors if f.has(t) and isinstance(f, sp.exp)])
    if any(f.has(t) and not isinstance(f, sp.exp) for f in factors):
        return None
    terms = sp.collect(sp.expand(exponent), t, evaluate=False)  # {t**2: a, t: b, 1: d}
    if not set(terms) <= {sp.S.One, t, t**2} or any(c.has(t) for c in terms.values()):
        return None
    a, b, d = (terms.get(k, sp.S.Zero) for k in (t**2, t, sp.S.One))
    if a.is_negative is not True:
        return None
    peak = sp.expand(d - b**2 / (4 * a))
    return constant * sp.sqrt(sp.pi / sp.factor(-a)) * sp.exp(peak)


def _numeric_total(block: Block, density: sp.Expr, locations=()) -> mpmath.mpf:
    """The total probability of a density with numeric parameters."""
    y, support = block.targets, block.support
    with mpmath.workdps(_DPS if len(y) == 1 or block.one_hot else 15):  # 2-D quadrature: 15 digits
        if block.one_hot:  # every outcome of the data columns (rankings: permutations)
            import itertools

            n = block.data_targets or 1
            width = len(y) // n
            outcomes = itertools.permutations(range(width)) if support.permutation else \
                itertools.product(range(width), repeat=n)
            return mpmath.fsum(mpmath.mpf(sp.N(density.xreplace(block.encode(o)), _DPS)) for o in outcomes)
        values = support.outcomes(len(block.outputs))
        if values is not None:
            return mpmath.fsum(mpmath.mpf(sp.N(density.xreplace({y[0]: v}), _DPS)) for v in values)
        if support.counts:
            g = sp.lambdify(y[0], density, "mpmath")
            return mpmath.fsum(g(k) for k in range(400))
        lo, hi = (mpmath.mpf(sp.N(v, _DPS)) if sp.sympify(v).is_finite else (mpmath.inf if v > 0 else -mpmath.inf)
                  for v in support_interval(support))
        g = sp.lambdify(y, density, "mpmath")
        inner = sorted({mpmath.mpf(0), *(mpmath.mpf(sp.N(v, _DPS)) for v in locations)})
        limits = [[lo, *[p for p in inner if lo < p < hi], hi] for _ in y]
        return mpmath.quad(g, *limits)


def check_normalised(block: Block) -> Check:
    """:func:`normalisation_check`, raising ValueError (naming the total) when the density is not normalised."""
    check = normalisation_check(block)
    if not check.passed:
        where = block.support.where
        raise ValueError(f"the density of loss {block.name!r} is not normalised over {where}: it "
                         f"{check.detail} ({check.method}), not 1; divide by its integral or fix the support")
    return check
