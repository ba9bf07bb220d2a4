r"""A density is nonnegative on its support: ``Pr(y | theta) >= 0`` for every target y in the
support and every parameter value the link can give.

Integrating to one does not make a density: ``N(y; mu, 1) (1 + 2 sin(y - mu))`` integrates
to one and is negative near ``y = mu - pi/2``, where ``-log Pr`` is the log of a negative
number. :func:`nonnegativity_check` proves ``Pr >= 0`` with SymPy's assumptions where they
decide it (the target carries its support's assumption: ``y > 0`` on the positive support);
else it evaluates the density in float64 on a dense sample, every target on a fine grid of
the support (every outcome of a discrete one) at :data:`POINTS` random linked parameter
values, and confirms each negative value found at 50 digits.

>>> from symbolic.losses.book import LAPLACE
>>> nonnegativity_check(LAPLACE.block()).method
"symbolic (SymPy's assumptions)"
>>> y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
>>> f = (sp.Symbol("f_{1}", real=True),)
>>> wavy = sp.exp(-(y - mu)**2 / 2) / sp.sqrt(2 * sp.pi) * (1 + 2 * sp.sin(y - mu))
>>> check = nonnegativity_check(Block("wavy", "real", f, (y,), (mu,), wavy, {mu: f[0]}))
>>> check.passed, check.detail
(False, 'Pr = -0.171 at y = -0.175, mu = 0.94')
"""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import numpy as np
import sympy as sp

from symbolic.core.compile import compile_program
from symbolic.core.derivation import Check
from symbolic.losses.book import Block
from symbolic.losses.normalisation import _attempt
from symbolic.spec.supports import Support

__all__ = ["nonnegativity_check", "check_nonnegative", "POINTS"]

#: Random linked parameter points (outputs f drawn in [-3, 3]; the first is f = 0).
POINTS = 8
#: Target samples of a density of several (non-one-hot) continuous targets, per parameter point.
_MULTI_SAMPLES = 4000
#: A value counts as negative when its 50-digit evaluation is below this (not rounding).
_NEGATIVE = sp.Float("-1e-40")

def _grid(support: Support) -> np.ndarray:
    """Target values on a fine grid of a one-dimensional continuous support (float64, exact binary):
    steps of 1/40 on [-12, 12] for the real line; a finite interval in 800 steps with both
    ends (closed) or geometric steps towards them (open); a half-line geometric from 1e-8 to
    1e3 and linear to 20 (its end 0 included when it is closed)."""
    if support.real_line:
        return np.linspace(-12.0, 12.0, 961)  # steps of 1/40
    lo, hi = support.interval
    closed = not support.test(np.array([lo]), 1)[0]
    if math.isinf(hi):
        values = np.concatenate([np.geomspace(1e-8, 1e3, 400), np.linspace(0.025, 20.0, 800)])
        return np.concatenate([[0.0], values]) if closed else values
    if closed:
        return np.linspace(lo, hi, 801)
    width = hi - lo
    return np.concatenate([lo + width * np.geomspace(1e-9, 0.5, 200), lo + width * np.linspace(0.001, 0.999, 999),
                           hi - width * np.geomspace(1e-9, 0.5, 200)])


def _outcomes(block: Block, rng: random.Random) -> list[dict[sp.Symbol, Any]]:
    """Every outcome of a discrete support (rankings: all n! up to n = 6, else 720 random ones)."""
    if block.one_hot:
        n = block.data_targets or 1
        width = len(block.targets) // n
        if block.support.permutation:
            if width <= 6:
                rows = list(itertools.permutations(range(width)))
            else:
                rows = [tuple(rng.sample(range(width), width)) for _ in range(720)]
        else:
            rows = list(itertools.product(range(width), repeat=n)) if width**n <= 4096 else \
                [tuple(rng.randrange(width) for _ in range(n)) for _ in range(4096)]
        return [block.encode(list(r)) for r in rows]
    values = block.support.outcomes(len(block.outputs)) or range(101)  # counts: 0..100
    if len(block.targets) == 1:
        return [{block.targets[0]: v} for v in values]
    return [{t: rng.choice(list(values)) for t in block.targets} for _ in range(_MULTI_SAMPLES)]


def _targets(block: Block, rng: random.Random) -> list[dict[sp.Symbol, Any]] | dict[sp.Symbol, np.ndarray]:
    """The target sample: a dict of arrays (continuous) or a list of outcomes (discrete)."""
    if block.support.discrete:
        return _outcomes(block, rng)
    grid = _grid(block.support)
    if len(block.targets) == 1:
        return {block.targets[0]: grid}
    return {t: np.array([rng.choice(grid) for _ in range(_MULTI_SAMPLES)]) for t in block.targets}


def _parameters(block: Block, rng: random.Random, k: int) -> tuple[dict, dict[sp.Symbol, sp.Expr]]:
    """Outputs f (0 first, then uniform in [-3, 3]) and the exact linked parameter values."""
    f = {s: sp.S.Zero if k == 0 else sp.Rational(rng.randint(-300, 300), 100) for s in block.outputs}
    values = {p: sp.sympify(e).xreplace(f) for p, e in block.link.items()}
    values.update({c: sp.Rational(rng.randint(500, 2000), 1000) for c in block.constants})
    return f, values


def _symbolic(block: Block) -> bool:
    """SymPy's assumptions prove ``Pr >= 0`` (the density, or the density with the link inserted)."""
    assumed = {t: sp.Dummy(t.name, **block.support.assumptions) for t in block.targets}
    for expr in (block.density, block.linked):
        if _attempt(lambda: expr.xreplace(assumed).is_nonnegative) is True:
            return True
    return False


def _show(point: dict[sp.Symbol, Any]) -> str:
    return ", ".join(f"{s} = {float(v):.6g}" for s, v in point.items())


def nonnegativity_check(block: Block, points: int = POINTS, seed: int = 0) -> Check:
    r"""Check ``Pr(y | theta) >= 0`` on the support, for parameters the link gives.

    Proven by SymPy's assumptions where they decide it; else in float64 on a dense sample of
    targets at ``points`` random linked parameter values, each negative value confirmed at 50
    digits. ``detail`` names the most negative value confirmed, with its target and parameters.
    """
    if _symbolic(block):
        return Check("symbolic (SymPy's assumptions)", True, 0.0)
    parameters = list(block.link) + list(block.constants)
    density = block.density
    fn = compile_program(list(block.targets) + parameters, [], [density], "numpy")
    rng = random.Random(seed)
    worst, where, n_values = sp.S.Zero, "", 0
    for k in range(points):
        f, values = _parameters(block, rng, k)
        floats = [float(sp.N(values[p], 17)) for p in parameters]
        sample = _targets(block, rng)
        if isinstance(sample, dict):  # continuous: arrays of targets
            columns = [sample[t] for t in block.targets]
            rows = None
        else:
            columns = [np.array([float(o[t]) for o in sample]) for t in block.targets]
            rows = sample
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*columns, *floats)[0], dtype=float)
        n_values += out.size
        candidates = np.argsort(np.where(np.isfinite(out), out, np.inf))[:5]
        for j in candidates:
            if not out[j] < 0:
                break
            target = rows[j] if rows is not None else {t: sp.Rational(float(sample[t][j])) for t in block.targets}
            exact = sp.N(density.xreplace(values).xreplace(target), 50)
            if exact.is_real and exact < _NEGATIVE and exact < worst:
                worst = exact
                where = f"Pr = {float(exact):.3g} at {_show(target)}, {_show(values)}"
    method = f"numeric (float64 on {n_values} samples of the support at {points} parameter points, " \
             f"negative values confirmed at 50 digits)"
    return Check(method, worst == 0, float(-worst), where)


def check_nonnegative(block: Block) -> Check:
    """:func:`nonnegativity_check`, raising ValueError naming where the density is negative."""
    check = nonnegativity_check(block)
    if not check.passed:
        raise ValueError(f"the density of loss {block.name!r} is negative on its {block.support} support: "
                         f"{check.detail}; a density must be >= 0 for every target and every parameter the link "
                         f"gives (it integrating to one is not enough)")
    return check
