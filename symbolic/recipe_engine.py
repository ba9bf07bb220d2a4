r"""The recipe engine: the lecture's loss recipe derived, as checked derivations, from a distribution alone.

Given a :class:`symbolic.distributions.Block` (the density ``Pr(y | theta)``, the link
``theta = link[f]`` and the support), :func:`engine_recipe` builds the four parts of a
:class:`symbolic.recipes.Recipe`:

1. **distribution and link**: the density; that it is normalised over the support
   (``sympy.integrate``/``summation`` where SymPy finishes, else mpmath quadrature at random
   linked parameters; :func:`normalisation_check`); the links; the linked density;
2. **likelihood**: ``Pr(y_1..y_I) = prod_i Pr(y_i | link[f_i])``, ``L = -log prod = sum_i -log``,
   and the sum of the stable per-sample terms;
3. **per-sample loss**: ``l_i = -log Pr(y | link[f])``, its logarithm expanded, and the stable
   form (proven equal where SymPy can, else at 50 digits at random points);
4. **prediction**: the slope of the log-density, and the mode (solved by SymPy where it
   can, or the block's stated mode), checked to be a maximum at random points.

>>> from symbolic.likelihood import get_loss
>>> r = get_loss("exponential").model().recipe()
>>> r.check()
True
>>> r.parts["distribution and link"].steps[2].check.method
'symbolic (sympy.integrate)'
"""

from __future__ import annotations

import random
import signal
import threading
from contextlib import contextmanager
from typing import Any, Callable

import mpmath
import sympy as sp

from .derivation import Check, Derivation
from .distributions import Block, support_interval

__all__ = ["engine_recipe", "normalisation_check", "check_normalised", "NORMALISATION_TOLERANCE"]

#: Largest |integral - 1| a numerically checked density may show (quadrature at 30 digits).
NORMALISATION_TOLERANCE = 1e-12
_DPS = 30
_SYMBOLIC_SECONDS = 2

i = sp.Symbol("i", integer=True, positive=True)
I = sp.Symbol("I", integer=True, positive=True)  # noqa: E741 - the lecture's symbol


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: int):
    """Stop a SymPy attempt after ``seconds`` (main thread only; elsewhere no limit is set)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def handler(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    # Repeat every 0.1 s after the first: an exception raised inside a garbage-collector callback
    # is swallowed by Python, and a one-shot alarm would then never stop the attempt.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _attempt(fn: Callable[[], Any], seconds: int = _SYMBOLIC_SECONDS) -> Any:
    """``fn()``, or None when SymPy gives up, fails or runs out of time."""
    try:
        with _time_limit(seconds):
            return fn()
    except (_Timeout, NotImplementedError, ValueError, TypeError, AttributeError, RecursionError,
            ZeroDivisionError, sp.PolynomialError):
        return None


def _random_outputs(block: Block, rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    return {f: sp.Rational(rng.randint(-900, 900), 1000) for f in block.outputs}


def _parameter_point(block: Block, rng: random.Random) -> dict[sp.Symbol, sp.Expr]:
    """Parameters that satisfy every constraint: the link of random outputs."""
    f = _random_outputs(block, rng)
    return {p: e.xreplace(f) for p, e in block.link.items()}


def _is_one(expr: sp.Expr) -> bool:
    return _attempt(lambda: sp.simplify(expr - 1) == 0) is True


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
    interval = support_interval(support)
    if interval is not None:
        def iterated():  # the last target first: y_n, then y_{n-1}, ... (a Gaussian integral each)
            total = density
            for t in reversed(y):
                total = sp.integrate(total, (t, *interval), conds="none")
            return total

        total = _attempt(iterated)
        if total is not None and not total.has(sp.Integral) and not total.free_symbols:
            error = float(abs(sp.N(total - 1, _DPS)))
            return Check("symbolic (sympy.integrate)", error == 0, error, f"integrates to {total}")
        if total is not None and not total.has(sp.Integral) and _is_one(total):
            return Check("symbolic (sympy.integrate)", True, 0.0)
    if support == "count" and len(y) == 1:
        total = _attempt(lambda: sp.summation(density, (y[0], 0, sp.oo)))
        if total is not None and not total.has(sp.Sum) and _is_one(total):
            return Check("symbolic (sympy.summation)", True, 0.0)
    rng = random.Random(seed)
    worst, measured = 0.0, []
    for _ in range(points):
        values = _parameter_point(block, rng)
        locations = [v for p, v in values.items() if not p.is_positive]  # kinks and peaks sit there
        total = _numeric_total(block, density.xreplace(values), locations)
        measured.append(total)
        worst = max(worst, abs(total - 1))
    method = {"ranking": "sum over all n! rankings (30 digits)", "class": "sum over the classes (30 digits)",
              "binary": "sum over 0 and 1 (30 digits)", "count": "sum of 400 terms (30 digits)"}.get(
        support, f"numeric (mpmath quadrature, {_DPS} digits)")
    detail = "integrates to " + ", ".join(mpmath.nstr(t, 15) for t in measured) + f" at {points} parameter points"
    return Check(f"{method}, {points} parameter points", worst < NORMALISATION_TOLERANCE, float(worst), detail)


def _numeric_total(block: Block, density: sp.Expr, locations=()) -> mpmath.mpf:
    """The total probability of a density with numeric parameters."""
    y, support = block.targets, block.support
    with mpmath.workdps(_DPS if len(y) == 1 or block.one_hot else 15):  # 2-D quadrature: 15 digits
        if block.one_hot:  # every outcome of the data columns (rankings: permutations)
            import itertools

            n = block.data_targets or 1
            width = len(y) // n
            outcomes = itertools.permutations(range(width)) if support == "ranking" else \
                itertools.product(range(width), repeat=n)
            return mpmath.fsum(mpmath.mpf(sp.N(density.xreplace(block.encode(o)), _DPS)) for o in outcomes)
        if support in ("binary", "class"):
            values = (0, 1) if support == "binary" else range(len(block.outputs))
            return mpmath.fsum(mpmath.mpf(sp.N(density.xreplace({y[0]: v}), _DPS)) for v in values)
        if support == "count":
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
        where = {"real": "the real line", "positive": "y > 0", "nonnegative": "y >= 0", "unit-interval": "(0, 1)",
                 "circular": "[-pi, pi]"}.get(block.support, f"its {block.support} support")
        raise ValueError(f"the density of loss {block.name!r} is not normalised over {where}: it "
                         f"{check.detail} ({check.method}), not 1; divide by its integral or fix the support")
    return check


# ----- the parts --------------------------------------------------------------------------
def _target_sampler(support: str) -> Callable[[random.Random], sp.Rational] | None:
    R = lambda rng, lo, hi: sp.Rational(rng.randint(int(lo * 1000), int(hi * 1000)), 1000)  # noqa: E731
    return {"unit-interval": lambda rng: R(rng, 0.02, 0.98), "circular": lambda rng: R(rng, -3.1, 3.1),
            "positive": lambda rng: R(rng, 0.05, 3), "nonnegative": lambda rng: R(rng, 0, 3)}.get(support)


def _domain(block: Block, symbols) -> dict:
    sampler = _target_sampler(block.support)
    return {} if sampler is None else {s: sampler for s in symbols}


def _distribution_part(block: Block) -> Derivation:
    Pr = sp.Symbol("Pr")
    d = Derivation(f"{block.distribution} distribution and its link", domain=_domain(block, block.targets))
    d.add(block.density, f"the {block.distribution} distribution over the targets ({block.support} support)",
          lhs=Pr, check=False, lhs_latex=r"Pr(\mathbf{y} \mid \boldsymbol\theta)" if len(block.targets) > 1
          else r"Pr(y \mid \boldsymbol\theta)")
    d.add(block.linked, "the network's outputs $f_j$ give the parameters through the links below",
          rename=dict(block.link))
    interval = support_interval(block.support)
    if interval is not None and len(block.targets) == 1:
        total = sp.Integral(block.density, (block.targets[0], *interval))
        reason = "a probability density: it integrates to one over the support"
    elif interval is not None:
        total = sp.Integral(block.density, *[(t, *interval) for t in block.targets])
        reason = "a probability density: it integrates to one over the support"
    else:
        total = sp.Symbol(r"\sum_{\mathbf{y}} Pr")
        reason = "a distribution: the probabilities of all outcomes add up to one"
    d.add(sp.S.One, reason, lhs=total, verify=lambda: normalisation_check(block))
    for p, e in block.link.items():
        constrained = " (positive for every output)" if p.is_positive else ""
        d.add(e, f"link{constrained}", lhs=p, check=False)
    return d


def _indexed(block: Block) -> tuple[dict, dict]:
    """Sample-i versions of targets and outputs: y -> y_i (or y_{i,j}), f_j -> f_{i,j}."""
    assumptions = {"positive": True} if block.support in ("positive", "unit-interval") else \
        {"nonnegative": True} if block.support == "nonnegative" else {"real": True}
    Y = sp.IndexedBase("y", **assumptions) if not block.one_hot else sp.IndexedBase("t", nonnegative=True)
    F = sp.IndexedBase("f", real=True)
    ys = block.targets
    mapping = {t: (Y[i] if len(ys) == 1 else Y[i, k + 1]) for k, t in enumerate(ys)}
    mapping.update({f: F[i, k + 1] for k, f in enumerate(block.outputs)})
    sampler = _target_sampler(block.support)
    return mapping, ({} if sampler is None else {Y: sampler})


def _likelihood_part(block: Block, per_sample: sp.Expr) -> Derivation:
    from .recipes import I as I_r, L_LATEX, P_LATEX, _L, _P, i as i_r

    mapping, domain = _indexed(block)
    linked_i = block.linked.xreplace(mapping)
    d = Derivation(f"{block.distribution} likelihood and negative log-likelihood", domain=domain)
    d.definitions = {_P: sp.Product(linked_i, (i_r, 1, I_r))}
    d.add(sp.Product(linked_i, (i_r, 1, I_r)), "the samples are independent, each with its own parameters",
          lhs=_P, check=False, lhs_latex=P_LATEX)
    d.add(-sp.log(_P), "negative log-likelihood: a sum is easier than a product, and we minimise",
          lhs=_L, check=False, lhs_latex=L_LATEX, rhs_latex=r"-\log " + P_LATEX)
    d.add(sp.Sum(-sp.log(linked_i), (i_r, 1, I_r)), "the logarithm of a product is the sum of the logarithms")
    d.add(sp.Sum(per_sample.xreplace(mapping), (i_r, 1, I_r)), "each term is the per-sample loss derived below")
    return d


def _per_sample_part(block: Block) -> Derivation:
    from .recipes import _l

    d = Derivation(f"{block.distribution} per-sample loss", domain=_domain(block, block.targets))
    neg_log = -sp.log(block.linked)
    d.add(neg_log, "one sample's term, index $i$ dropped", lhs=_l, check=False, lhs_latex=r"\ell_i")
    expanded = sp.expand(sp.expand_log(neg_log, force=True))
    d.add(expanded, "the logarithm of the density, expanded")
    if block.stable is not None and block.stable != expanded:
        d.add(block.stable, "the numerically stable form that is compiled")
    return d


def _prediction_part(block: Block) -> tuple[Derivation, str]:
    d = Derivation(f"{block.distribution} prediction", domain=_domain(block, block.targets))
    log_density = sp.log(block.density)
    if len(block.targets) == 1 and support_interval(block.support) is not None:
        y = block.targets[0]
        slope = sp.diff(log_density, y)
        simple = _attempt(lambda: sp.simplify(slope)) or slope
        d.add(simple, "the slope of the log-density", lhs=sp.Derivative(log_density, y))
        mode = block.mode
        if mode is None:
            solved = _attempt(lambda: sp.solve(simple, y))
            if solved and len(solved) == 1 and not solved[0].has(sp.I):
                mode = solved[0]
        if mode is None:
            return d, block.mode_note or "the full distribution (its mode has no closed form)"
        if (_attempt(lambda: sp.simplify(simple.xreplace({y: mode}))) == 0):
            d.add(sp.S.Zero, f"zero at $y = {sp.latex(mode)}$", lhs=sp.Subs(sp.Derivative(log_density, y), y, mode))
        d.add(sp.S.One, f"the mode: $Pr(y = {sp.latex(mode)})$ is the largest value of the density "
              + (f"({block.mode_note})" if block.mode_note else ""),
              lhs=sp.Symbol(r"\mathrm{is\ mode}"), verify=lambda: _mode_check(block, y, mode))
        return d, f"the mode y = {sp.sstr(mode)} of the distribution with the linked parameters"
    if block.support == "real":  # multivariate normal: the gradient vanishes at the mean
        mean = dict(zip(block.targets, block.parameters[:len(block.targets)]))
        for t in block.targets:
            d.add(sp.S.Zero, "the gradient of the log-density vanishes at the mean",
                  lhs=sp.Subs(sp.Derivative(log_density, t), tuple(mean), tuple(mean.values())))
        return d, "the mean (f_1..f_n), the mode of the normal"
    # rankings: the probability that item c comes first is the softmax of the scores
    n = block.data_targets or 1
    width = len(block.targets) // n
    import itertools

    lam = block.parameters
    first = sp.Add(*[block.density.xreplace(block.encode(p)) for p in itertools.permutations(range(width))
                     if p[0] == 0])
    d.add(lam[0] / sp.Add(*lam), "the rankings with item 0 first: their probabilities add up to "
          "$\\lambda_0 / \\sum_c \\lambda_c$, so the highest score is most likely first", lhs=first)
    return d, block.mode_note or "the full distribution"


def _mode_check(block: Block, y: sp.Symbol, mode: sp.Expr, points: int = 3, seed: int = 0) -> Check:
    """Pr(mode) >= Pr(y) at 40 random points of the support, for ``points`` random parameter values."""
    rng = random.Random(seed)
    sampler = _target_sampler(block.support) or (lambda r: sp.Rational(r.randint(-4000, 4000), 1000))
    worst = 0.0
    for _ in range(points):
        values = _parameter_point(block, rng)
        at = sp.N(mode.xreplace(values), 20)
        if block.mode_note.startswith("for") and not _condition(block, values):
            continue
        peak = sp.N(block.density.xreplace(values).xreplace({y: at}), 20)
        for _ in range(40):
            other = sp.N(block.density.xreplace(values).xreplace({y: sampler(rng)}), 20)
            worst = max(worst, float(other - peak))
    return Check(f"numeric (mode against 40 points of the support, {points} parameter points)", worst <= 0, worst)


def _condition(block: Block, values: dict) -> bool:
    """The mode of gamma and beta needs its shape parameters above 1."""
    return all(float(v) > 1 for p, v in values.items() if p.name in ("alpha", "beta"))


def engine_recipe(name: str, block: Block):
    """The recipe of a loss derived from its block alone (see the module docstring)."""
    from .losses import SampleLoss
    from .recipes import Recipe

    per = _per_sample_part(block)
    per_sample = per.steps[-1].rhs
    prediction, rule = _prediction_part(block)
    parts = {"distribution and link": _distribution_part(block), "likelihood": _likelihood_part(block, per_sample),
             "per-sample loss": per, "prediction": prediction}
    sample = SampleLoss(name, block.outputs, block.targets, per_sample, "one-hot" if block.one_hot else "values",
                        block.data_targets)
    target = block.targets[0] if len(block.targets) == 1 else None
    domain = _domain(block, block.targets) or None
    return Recipe(name, block.distribution, f"a {block.distribution} distribution whose parameters the network "
                  "predicts", rule, block.density, target, block.parameters, dict(block.link), sample, parts,
                  whole=True, target_domain=domain)
