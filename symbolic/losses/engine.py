r"""The recipe engine: the lecture's loss recipe derived, as checked derivations, from a distribution alone.

Given a :class:`symbolic.losses.book.Block` (the density ``Pr(y | theta)``, the link
``theta = link[f]`` and the support), :func:`engine_recipe` builds the four parts of a
:class:`symbolic.losses.recipes.Recipe`:

1. **distribution and link**: the density; that it is normalised over the support
   (``sympy.integrate``/``summation`` where SymPy finishes, else mpmath quadrature at random
   linked parameters; :func:`normalisation_check`); the links; the linked density;
2. **likelihood**: ``Pr(y_1..y_I) = prod_i Pr(y_i | link[f_i])``, ``L = -log prod = sum_i -log``,
   and the sum of the stable per-sample terms;
3. **per-sample loss**: ``l_i = -log Pr(y | link[f])``, its logarithm expanded, and the stable
   form, given or derived by rewrites (:mod:`symbolic.losses.stabilise`; proven equal where
   SymPy can, else at 50 digits at random points); without one, the expansion is what is
   compiled, and its step says so;
4. **prediction**: the slope of the log-density, and the mode (solved by SymPy where it
   can, or the block's stated mode), checked to be a maximum at random points.

>>> from symbolic.spec.losses import get_loss
>>> r = get_loss("exponential").model().recipe()
>>> r.check()
True
>>> r.parts["distribution and link"].steps[1].check.method
'symbolic (sympy.integrate)'
"""

from __future__ import annotations

from typing import Any, Callable

import sympy as sp

from symbolic.core.derivation import Derivation
from symbolic.core.reason import Reason
from symbolic.core.step_check import Cases
from symbolic.spec.losses import get_loss
from symbolic.losses.block import Block, Lesson, Model, support_interval
from symbolic.losses.modes import (  # noqa: F401 - the engine's names before the split
    _discrete_mode_check, _kinked_at, _mode_check, _one_sided_slopes, _target_sampler)
from symbolic.losses.normalisation import (  # noqa: F401 - the engine's names before the split
    NORMALISATION_TOLERANCE, _attempt, _parameter_point, check_normalised, gaussian_integral,
    normalisation_check)
from symbolic.losses.recipes import I as I_r, L_LATEX, P_LATEX, Recipe, _L, _P, _l, i as i_r
from symbolic.losses.sample import SampleLoss

__all__ = ["engine_recipe", "normalisation_check", "check_normalised", "gaussian_integral",
           "NORMALISATION_TOLERANCE"]


i = sp.Symbol("i", integer=True, positive=True)
I = sp.Symbol("I", integer=True, positive=True)  # noqa: E741 - the lecture's symbol


# ----- the parts --------------------------------------------------------------------------
#: Sample values of a count target: a plain set (sample points, not a proof case by case).
COUNT_VALUES = frozenset({0, 1, 2, 3, 5, 8, 13})


def _target_values(block: Block) -> Any:
    """The values a target symbol takes in a check: a sampler, the complete cases, or sample counts."""
    outcomes = block.support.outcomes(len(block.outputs))
    if outcomes is not None and not block.support.class_index:
        return Cases(set(outcomes))
    if block.support.counts:
        return COUNT_VALUES
    return _target_sampler(block.support)


def _domain(block: Block, symbols=None) -> dict:
    """The domain of a per-sample part: the targets' values (for a one-hot block: its class
    symbol's cases) and the lesson's parameter samplers."""
    domain: dict = {}
    if block.indicator is not None:
        domain[block.indicator] = Cases(range(len(block.targets)))
    else:
        values = _target_values(block)
        if values is not None:
            domain.update({s: values for s in (block.targets if symbols is None else symbols)})
    if block.lesson is not None:
        domain.update(block.lesson.domain)
    return domain


def _definitions(block: Block) -> dict:
    """One-hot targets as indicators of the class symbol, t_c = [y = c] (categorical)."""
    if block.indicator is None:
        return {}
    return {t: sp.KroneckerDelta(block.indicator, c) for c, t in enumerate(block.targets)}


def _lesson(block: Block):

    return block.lesson or Lesson()


def _title(block: Block, part: str) -> str:
    return _lesson(block).titles.get(part) or f"{block.distribution} {part}"


def _distribution_part(block: Block) -> Derivation:
    lesson = _lesson(block)
    Pr = sp.Symbol("Pr")
    d = Derivation(_title(block, "distribution and its link"), domain=_domain(block))
    d.definitions = _definitions(block)
    pr_latex = r"Pr(\mathbf{y} \mid \boldsymbol\theta)" if len(block.targets) > 1 and block.indicator is None \
        else r"Pr(y \mid \boldsymbol\theta)"
    density_reason = lesson.density or f"the {block.distribution} distribution over the targets ({block.support.name} support)"
    if lesson.cases is not None:  # the case form is stated; the density is proven equal to it
        d.add(lesson.cases[0], density_reason, lhs=Pr, check=False, lhs_latex=pr_latex)
        d.add(block.density, lesson.cases[1])
    else:
        d.add(block.density, density_reason, lhs=Pr, check=False, lhs_latex=pr_latex)
    interval = support_interval(block.support)
    if interval is not None and len(block.targets) == 1:
        total = sp.Integral(block.density, (block.targets[0], *interval))
        reason = "a probability density: it integrates to one over the support"
    elif interval is not None:
        total = sp.Integral(block.density, *[(t, *interval) for t in block.targets])
        reason = "a probability density: it integrates to one over the support"
    else:
        total = sp.Symbol("sum_y Pr")
        reason = "a distribution: the probabilities of all outcomes add up to one"
    over = block.support.sum_latex(len(block.targets)) or None
    d.add(sp.S.One, reason, lhs=total, verify=lambda: normalisation_check(block),
          lhs_latex=None if over is None else over + pr_latex)
    for p, e in block.link.items():
        constrained = " (positive for every output)" if p.is_positive else ""
        d.add(e, lesson.links.get(p) or f"link{constrained}", lhs=p, check=False)
        for form, why in lesson.link_forms.get(p, ()):
            d.add(form, why)
    given = r"\mathbf{f}" if len(block.outputs) > 1 else "f"
    d.add(block.linked, "the links inserted: the distribution the network predicts", lhs=sp.Symbol("Pr_f"),
          check=False, lhs_latex=pr_latex.replace(r"\boldsymbol\theta", given))
    return d


def _indexed(block: Block) -> tuple[dict, dict, dict]:
    """Sample-i versions of targets and outputs: y -> y_i (or y_{i,j}), f_j -> f_{i,j}; the
    domain of the indexed targets and the definitions of indexed one-hot targets."""
    assumptions = block.support.assumptions
    F = sp.IndexedBase("f", real=True)
    ys, fs = block.targets, block.outputs
    named = lambda k: k if any(s.name.endswith("{0}") for s in fs) else k + 1  # noqa: E731  (f_0.. or f_1..)
    outputs = {f: (F[i] if len(fs) == 1 else F[i, named(k)]) for k, f in enumerate(fs)}
    if block.indicator is not None:  # t_{i,c} = [y_i = c]
        Y = sp.IndexedBase("y", integer=True, nonnegative=True)
        T = sp.IndexedBase("t", real=True)
        mapping = {t: T[i, c] for c, t in enumerate(ys)}
        definitions = {T[i, c]: sp.KroneckerDelta(Y[i], c) for c in range(len(ys))}
        return {**mapping, **outputs}, {Y: Cases(range(len(ys)))}, definitions
    Y = sp.IndexedBase("y", **assumptions) if not block.one_hot else sp.IndexedBase("t", nonnegative=True)
    mapping = {t: (Y[i] if len(ys) == 1 else Y[i, k + 1]) for k, t in enumerate(ys)}
    values = None if block.one_hot else _target_values(block)
    domain = {} if values is None else {Y: values}
    if block.lesson is not None:
        domain.update(block.lesson.domain)
    return {**mapping, **outputs}, domain, {}


def _likelihood_part(block: Block, per_sample: sp.Expr) -> Derivation:

    lesson = _lesson(block)
    mapping, domain, definitions = _indexed(block)
    S = lambda expr: sp.Sum(sp.sympify(expr).xreplace(mapping), (i_r, 1, I_r))  # noqa: E731
    linked_i = block.linked.xreplace(mapping)
    factor = lesson.factor(mapping) if lesson.factor is not None else linked_i
    product = lambda term: sp.Product(term, (i_r, 1, I_r))  # noqa: E731
    d = Derivation(_title(block, "likelihood and negative log-likelihood"), domain=domain)
    d.definitions = {_P: product(factor), **definitions}
    independent = "the samples are independent, each with its own parameters"
    if lesson.insert_links:  # the product in the parameters theta_i first, then the links inserted
        params = {p: sp.IndexedBase(p.name, **p.assumptions0)[i_r] for p in block.link}
        d.add(product(block.density.xreplace(mapping).xreplace(params)), independent, lhs=_P, check=False,
              lhs_latex=P_LATEX)
        d.add(product(factor), lesson.insert_links,
              rename={params[p]: e.xreplace(mapping) for p, e in block.link.items()})
    else:
        d.add(product(factor), independent, lhs=_P, check=False, lhs_latex=P_LATEX)
    d.add(-sp.log(_P), "negative log-likelihood: a sum is easier than a product, and we minimise",
          lhs=_L, check=False, lhs_latex=L_LATEX, rhs_latex=r"-\log " + P_LATEX)
    d.add(sp.Sum(-sp.log(factor), (i_r, 1, I_r)), "the logarithm of a product is the sum of the logarithms")
    for summand, why in lesson.likelihood:
        d.add(S(summand), why)
    if block.scale is None:  # a rescaled loss: its own part relates the sums (see _scaled_part)
        d.add(S(per_sample), lesson.likelihood_last or "each term is the per-sample loss derived below")
    if lesson.total is not None:
        d.add(*lesson.total(S, I_r))
    return d


def _scaled_part(block: Block) -> Derivation:
    """``L = sum_i l_i = factor L_N - I offset`` for a rescaled NLL (least squares)."""

    lesson = _lesson(block)
    factor, offset = block.scale
    mapping, domain, definitions = _indexed(block)
    L_N = sp.Symbol(r"L_{\mathcal{N}}")
    d = Derivation(_title(block, "least squares"), domain=domain)
    d.definitions = {L_N: -sp.log(sp.Product(block.linked.xreplace(mapping), (i_r, 1, I_r))), **definitions}
    d.add(sp.Sum(block.stable.xreplace(mapping), (i_r, 1, I_r)), "the loss: the sum of the per-sample losses",
          lhs=_L, check=False, lhs_latex=L_LATEX)
    d.add(factor * L_N - I_r * offset, lesson.scaled_total or "an increasing function of the NLL $L_{\\mathcal{N}}$: "
          "the same minimiser")
    return d


def _per_sample_part(block: Block) -> Derivation:

    lesson = _lesson(block)
    d = Derivation(_title(block, "per-sample loss"), domain=_domain(block))
    d.definitions = _definitions(block)
    neg_log = -sp.log(block.linked)
    if block.scale is not None:
        factor, offset = block.scale
        d.add(factor * neg_log - offset, lesson.scaled or "the negative log-likelihood, rescaled", lhs=_l,
              check=False, lhs_latex=r"\ell_i")
    else:
        d.add(neg_log, "one sample's term, index $i$ dropped", lhs=_l, check=False, lhs_latex=r"\ell_i")
    if lesson.per_sample is None:
        expanded = "the logarithm of the density, expanded"
        if block.stable is None:
            expanded += ": the negative log-likelihood as it is compiled, not a stabilised form (no rewrite applied)"
        steps = [(sp.expand(sp.expand_log(neg_log, force=True)), expanded)]
    else:
        steps = list(lesson.per_sample)
    for expr, why in steps:
        d.add(expr, why)
    if block.stable is not None and block.stable != d.steps[-1].rhs:
        derived = block.derived.reason() if block.derived is not None else ""
        d.add(block.stable, lesson.stable or derived or "the numerically stable form that is compiled")
    return d


def _prediction_part(block: Block) -> tuple[Derivation, str]:
    lesson = _lesson(block)
    d = Derivation(_title(block, "prediction"), domain=_domain(block))
    d, rule = _prediction_steps(block, d)
    return d, lesson.rule or rule


def _prediction_steps(block: Block, d: Derivation) -> tuple[Derivation, str]:
    lesson = _lesson(block)
    log_density = sp.log(block.density)
    if len(block.targets) == 1 and support_interval(block.support) is not None:
        y = block.targets[0]
        slope = sp.diff(log_density, y)
        simple = _attempt(lambda: sp.simplify(slope)) or slope
        where = ""
        if isinstance(simple, sp.Piecewise) and block.mode is not None and _kinked_at(slope, y, block.mode):
            # SymPy's value at the kink (sign(0) = 0) is a convention, not a slope: print the slope off it
            simple, where = simple.args[-1][0], Reason(" (for $@off$)", off=sp.Ne(y, block.mode))
        d.add(simple, "the slope of the log-density" + where, lhs=sp.Derivative(log_density, y))
        mode = block.mode
        if mode is None:
            solved = _attempt(lambda: sp.solve(simple, y))
            if solved and len(solved) == 1 and not solved[0].has(sp.I):
                mode = solved[0]
        if mode is None:
            _add_all(d, lesson.prediction)
            return d, block.mode_note or "the full distribution (its mode has no closed form)"
        if _kinked_at(slope, y, mode):  # no derivative at the mode: its one-sided slopes say it is a peak
            _one_sided_slopes(d, block, log_density, slope, y, mode)
        elif (_attempt(lambda: sp.simplify(simple.xreplace({y: mode}))) == 0):
            d.add(sp.S.Zero, Reason("zero at $@at$", at=sp.Eq(y, mode, evaluate=False)),
                  lhs=sp.Subs(sp.Derivative(log_density, y), y, mode))
        at_mode = block.density.xreplace({y: mode})
        peak = _attempt(lambda: sp.simplify(at_mode)) or at_mode
        note = f" ({block.mode_note})" if block.mode_note else ""
        d.add(peak, Reason("the mode $@mode$: no sampled $y$ has a larger density", mode=sp.Eq(_MODE, mode, evaluate=False))
              + note, lhs=_MAX, lhs_latex=_MAX_LATEX)
        step = d.steps[-1]  # the check reads the printed value, whatever it is when checked
        step.verify = lambda: _mode_check(block, y, mode, step.rhs)
        _add_all(d, lesson.prediction)
        return d, f"the mode y = {sp.sstr(mode)} of the distribution with the linked parameters"
    if block.support.discrete and not block.support.permutation:  # discrete: the lesson's steps, then the mode
        _add_all(d, lesson.prediction)
        if block.mode is not None:
            y = block.targets[0]
            what = lesson.mode_text or Reason("$@mode$", mode=sp.Eq(_MODE, block.mode, evaluate=False))
            outcomes = "any count" if block.support.counts else \
                "either outcome" if len(block.support.outcomes(len(block.outputs))) == 2 else "any outcome"
            d.add(block.density.xreplace({y: block.mode}),
                  Reason("the mode @what is at least as probable as @outcomes", what=what, outcomes=outcomes),
                  lhs=_MAX, lhs_latex=_MAX_LATEX,
                  rhs_latex=r"Pr(\hat{y} \mid \boldsymbol\theta)",
                  verify=lambda: _discrete_mode_check(block, y, block.mode))
            return d, f"the mode y = {sp.sstr(block.mode)} of the distribution with the linked parameters"
        return d, block.mode_note or "the full distribution"
    if block.support.real_line:  # multivariate normal: the gradient vanishes at the mean
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
    d.add(lam[0] / sp.Add(*lam), Reason("the rankings with item 0 first: their probabilities add up to $@share$, so "
                                        "the highest score is most likely first", share=lam[0] / sp.Add(*lam)), lhs=first)
    return d, block.mode_note or "the full distribution"


_MAX = sp.Symbol("max_y Pr")
#: The predicted outcome, the mode (printed ``\hat{y}``).
_MODE = sp.Symbol("yhat")
_MAX_LATEX = r"\max_y Pr(y \mid \boldsymbol\theta)"


def _add_all(d: Derivation, steps) -> None:
    for step in steps:
        step = dict(step)
        d.add(step.pop("rhs"), step.pop("reason"), **step)


def engine_recipe(name: str, block: Block, *, whole: bool = True, per_target: int = 1, scaled: bool = False):
    """The recipe of a loss derived from its block alone (see the module docstring).

    ``whole``: the recipe is the distribution of all the network's outputs (else of one target,
    which the network's loss adds over independent targets, ``per_target`` outputs each);
    ``scaled``: the loss is a rescaled NLL (the block's ``scale``).
    """

    lesson = _lesson(block)
    per = _per_sample_part(block)
    per_sample = per.steps[-1].rhs
    prediction, rule = _prediction_part(block)
    parts = {"distribution and link": _distribution_part(block), "likelihood": _likelihood_part(block, per_sample)}
    if block.scale is not None:
        parts["least squares"] = _scaled_part(block)
    parts.update({"per-sample loss": per, "prediction": prediction})
    sample = SampleLoss(name, block.outputs, block.targets, per_sample, "one-hot" if block.one_hot else "values",
                        block.data_targets)
    target = block.indicator if block.indicator is not None else block.targets[0] if len(block.targets) == 1 else None
    if lesson.target_domain is not None:
        domain = lesson.target_domain
    else:
        domain = _domain(block) or None
    distribution = lesson.distribution or block.distribution
    idea = lesson.idea or f"a {block.distribution} distribution whose parameters the network predicts"
    stable = "" if block.stable is None else "derived" if block.derived is not None else "given"
    return Recipe(name, distribution, idea, rule, block.density, target, block.parameters, dict(block.link), sample,
                  parts, whole=whole, per_target=per_target, scaled=scaled, target_domain=domain, stable=stable)


# ----- a loss the engine derives -----------------------------------------------------------
class Engine(Model):
    """A loss the recipe engine derives from a :class:`Block` builder ``build(outputs) -> Block``."""

    def __init__(self, name: str, build: Callable[[tuple[sp.Symbol, ...]], Block], default_D_o: int) -> None:
        self.name, self._build, self.default_D_o = name, build, default_D_o
        self._blocks: dict[int, Block] = {}

    def block(self, D_o: int | None = None) -> Block:
        """The block for D_o outputs named ``f_{1}..f_{D_o}`` (checked against the registry's width rule)."""

        D_o = self.default_D_o if D_o is None else D_o
        get_loss(self.name).n_targets(D_o)
        if D_o not in self._blocks:
            outputs = tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, D_o + 1))
            self._blocks[D_o] = self._build(outputs)
        return self._blocks[D_o]

    def sample(self, outputs):
        outputs = tuple(outputs)
        block = self.block(len(outputs))
        expr = block.per_sample().xreplace(dict(zip(block.outputs, outputs)))
        return SampleLoss(self.name, outputs, block.targets, expr, "one-hot" if block.one_hot else "values",
                          block.data_targets)

    def recipe(self, D_o=None):
        return engine_recipe(self.name, self.block(D_o))
