"""Where a distribution peaks, checked: the mode against sampled values of its support, a
discrete mode against every outcome, and a mode at a kink from its one-sided slopes.

The recipe engine (:mod:`symbolic.losses.engine`) prints a prediction step for each; the checks
here are what its records certify.
"""

from __future__ import annotations

import random
from typing import Callable

import sympy as sp

from symbolic.core.derivation import Check, Derivation
from symbolic.core.reason import Reason
from symbolic.losses.block import Block, sample_targets
from symbolic.losses.normalisation import _attempt, _parameter_point
from symbolic.spec.supports import Support

__all__: list[str] = []


def _target_sampler(support: Support) -> Callable[[random.Random], sp.Rational] | None:
    """The support's own sampler for a bounded interval; None for the real line (the
    derivation's default sampler) and for discrete supports."""
    if support.discrete or support.real_line:
        return None
    return lambda rng: sample_targets(support, rng, 1, 1)[0]


def _kinked_at(slope: sp.Expr, y: sp.Symbol, mode: sp.Expr) -> bool:
    """The slope switches at the mode: an |.|, sign, step or piece whose argument vanishes there
    (SymPy's value of sign(0) = 0 there is a convention, not a derivative)."""
    switches = [a.args[0] for a in slope.atoms(sp.Abs, sp.sign, sp.Heaviside) if a.args[0].has(y)]
    for piecewise in slope.atoms(sp.Piecewise):
        switches += [c.lhs - c.rhs for _, c in piecewise.args if isinstance(c, sp.core.relational.Relational)]
    return any(_attempt(lambda g=g: sp.simplify(g.xreplace({y: mode}))) == 0 for g in switches)


def _one_sided_slopes(d: Derivation, block: Block, log_density: sp.Expr, slope: sp.Expr, y: sp.Symbol,
                      mode: sp.Expr) -> None:
    """The slopes just left and right of a kinked mode (limits from each side), each checked at
    random parameter points a distance 10^-30 from the mode, 50 digits."""
    t = sp.Dummy("t", positive=True)
    for side, sign, words in (("-", -1, "left of"), ("+", 1, "right of")):
        value = _attempt(lambda: sp.simplify(sp.limit(slope.xreplace({y: mode + sign * t}), t, 0, "+")))
        if value is None or value.has(sp.Limit):
            return  # SymPy cannot say: the mode check below still compares densities
        sense = "positive: the log-density rises towards" if side == "-" else "negative: it falls after"
        d.add(value, Reason("the slope just @words $@at$ is @sense the peak (a kink: no derivative at the peak itself)",
                            words=words, at=sp.Eq(y, mode, evaluate=False), sense=sense),
              lhs=sp.Limit(sp.Derivative(log_density, y), y, mode, side))
        step = d.steps[-1]
        step.verify = lambda s=sign, v=value: _one_sided_check(block, slope, y, mode, s, v)


def _one_sided_check(block: Block, slope: sp.Expr, y: sp.Symbol, mode: sp.Expr, sign: int, value: sp.Expr,
                     points: int = 4, seed: int = 0) -> Check:
    """The printed one-sided slope against the slope at y = mode -+ 10^-30 (50 digits), and its
    sign as printed, at ``points`` random parameter values."""
    rng = random.Random(seed)
    worst, wrong_sign = 0.0, False
    for _ in range(points):
        values = _parameter_point(block, rng)
        at = (mode + sign * sp.Rational(1, 10**30)).xreplace(values)
        measured = sp.N(slope.xreplace(values).xreplace({y: at}), 50)
        printed = sp.N(value.xreplace(values), 50)
        worst = max(worst, float(abs(measured - printed) / max(abs(printed), 1)))
        wrong_sign |= bool(printed * -sign <= 0)
    passed = worst <= 1e-20 and not wrong_sign
    detail = "" if not wrong_sign else "the printed slope has the wrong sign for a peak"
    return Check(f"numeric (slope 1e-30 from the mode, 50 digits, {points} parameter points)", passed, worst,
                 detail)


def _mode_check(block: Block, y: sp.Symbol, mode: sp.Expr, peak: sp.Expr | None = None, points: int = 3,
                seed: int = 0) -> Check:
    """Pr(mode) >= Pr(y) at 40 random points of the support, for ``points`` random parameter values
    (where the block's ``mode_condition`` holds); ``peak``, the printed value of the density at
    the mode, equal to it at each of those parameter values."""
    rng = random.Random(seed)
    sampler = _target_sampler(block.support) or (lambda r: sp.Rational(r.randint(-4000, 4000), 1000))
    worst, used, mismatch = 0.0, 0, 0.0
    for _ in range(100):
        if used == points:
            break
        values = _parameter_point(block, rng)
        if block.mode_condition is not None and block.mode_condition.xreplace(values) is not sp.true:
            continue
        used += 1
        at = sp.N(mode.xreplace(values), 20)
        top = sp.N(block.density.xreplace(values).xreplace({y: at}), 20)
        if peak is not None:  # the printed peak value, to 12 digits
            mismatch = max(mismatch, float(abs(sp.N(peak.xreplace(values), 20) - top) / abs(top)))
        peak_value = top
        for _ in range(40):
            other = sp.N(block.density.xreplace(values).xreplace({y: sampler(rng)}), 20)
            worst = max(worst, float(other - peak_value))
    passed = used == points and worst <= 0 and mismatch <= 1e-12
    detail = "" if used == points else f"only {used} of {points} parameter points satisfy the mode's condition"
    if mismatch > 1e-12:
        detail = f"the printed value at the mode is off by {mismatch:.3g} (relative)"
    return Check(f"numeric (mode against 40 points of the support, {used} parameter points)", passed,
                 max(worst, mismatch), detail)


def _discrete_mode_check(block: Block, y: sp.Symbol, mode: sp.Expr, points: int = 6, seed: int = 0) -> Check:
    """Pr(mode) >= Pr(k) for every outcome k (counts: k = 0..60), at ``points`` random parameter values."""
    rng = random.Random(seed)
    outcomes = block.support.outcomes(len(block.outputs)) or range(61)
    worst = 0.0
    for _ in range(points):
        values = _parameter_point(block, rng, spread=3)
        density = block.density.xreplace(values)
        peak = sp.N(density.xreplace({y: mode.xreplace(values)}), 30)
        worst = max(worst, max(float(sp.N(density.xreplace({y: k}), 30) - peak) for k in outcomes))
    what = "the counts 0..60" if block.support.counts else "both outcomes" if len(outcomes) == 2 else \
        f"the {len(outcomes)} outcomes"
    return Check(f"numeric (mode against {what}, {points} parameter points)", worst <= 0, worst)
