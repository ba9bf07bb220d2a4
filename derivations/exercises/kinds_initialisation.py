r"""Exercise kinds on initialisation (UDL 7.5): the variance of the next layer's pre-activations
through a ReLU layer, and the weight variance that keeps it (He's rule).

The mathematics is :mod:`symbolic.training.initialisation`'s: the solution of
``init-variance`` prints its derivation :func:`~symbolic.training.initialisation.forward_variance`
(``sigma_{f'}^2 = D_h sigma_Omega^2 sigma_f^2 / 2``, every step checked) and puts the sheet's
numbers into its last step; ``he-variance`` takes that last step, keeps the variance
(``sigma_{f'}^2 = sigma_f^2``) with :func:`~symbolic.training.initialisation.he_rule`'s
``sigma_Omega^2 = 2 / D_h``, checked by putting the rule into the derived variance, and puts
in the sheet's ``D_h``. The answer is the last step of each.

The twins are PyTorch's own: ``torch.distributions`` for the second moment of a ReLU unit
(``P(f > 0) E[f^2 | f > 0]`` from ``Normal`` and ``HalfNormal``) and ``torch.nn.init`` for
the rules (``kaiming_normal_``, ``xavier_normal_``: the standard deviation of their draws read
off against standard normal draws of the same generator state). Each typical mistake is made
again on purpose by the same roads: the ReLU left out (``Normal``'s variance for ``E[h^2]``;
``kaiming_normal_`` with ``nonlinearity="linear"``), the fan-out for the fan-in (the
``(D_{h'}, D_h)`` weight matrix's other dimension; ``mode="fan_out"``), the standard deviation
for the variance, and Glorot's ``xavier_normal_`` for a ReLU layer.
"""

from __future__ import annotations

import functools
import random
from typing import Callable

import sympy as sp

from symbolic.core.derivation import Check, Derivation
from symbolic.core.printing import latex
from symbolic.training import initialisation as init

from derivations.exercises.base import Exercise, R, Witness, kind, pick
from derivations.exercises.question import Question

#: Widths the layers are drawn from (D_h and D_{h'}; never one twice the other, where the
#: fan-out mistake would be the ReLU's lost 1/2).
WIDTHS = (16, 25, 32, 50, 64, 100, 128, 200, 256, 400, 512)
#: The answer's precision of ``he-variance`` (its answers are near 2 / D_h, a few hundredths).
HE_PRECISION = 0.0001


@functools.lru_cache(maxsize=None)
def forward_derivation() -> Derivation:
    """The notes' derivation of sigma_{f'}^2 = D_h sigma_Omega^2 sigma_f^2 / 2, checked once
    (its integrals take seconds) and shared by every student's solution."""
    d = init.forward_variance()
    d.check()
    return d


def _derived(variance: sp.Expr) -> Check:
    """``variance`` is the last step of the notes' derivation, and every step of it passed."""
    forward = forward_derivation()
    same = sp.simplify(variance - forward.steps[-1].rhs) == 0
    ok = same and forward.passed
    detail = "" if ok else ("a step of the derivation failed its check" if same else
                            f"{variance} is not the derived {forward.steps[-1].rhs}")
    return Check(f"symbolic (the last step of the derivation, its {len(forward.steps)} steps checked)", ok,
                 0.0 if ok else float("inf"), detail)


def _kept(variance: sp.Expr, rule: sp.Expr) -> Check:
    """``sigma_Omega^2 = rule`` put into the derived ``variance`` gives ``sigma_f^2`` back."""
    kept = variance.subs(init.sigma_Omega, sp.sqrt(rule))
    ok = sp.simplify(kept - init.sigma_f**2) == 0
    return Check("symbolic (the rule put into the derived variance)", ok, 0.0 if ok else float("inf"),
                 "" if ok else f"the variance becomes {kept}, not sigma_f^2")


def _substituted(expr: sp.Expr, values: dict) -> str:
    """``expr`` with ``values`` put in, unevaluated, then ``= its value``: the arithmetic as printed."""
    with sp.evaluate(False):
        shown = expr.xreplace(values)
    return f"{latex(shown)} = {latex(expr.xreplace(values))}"


def _layer_shape(D_h: int, D_next: int) -> tuple[int, int]:
    """(fan-in, fan-out) of the torch twin's layer from D_h to D_{h'}: its weight is (D_{h'}, D_h)."""
    import torch

    weight = torch.nn.Linear(D_h, D_next, bias=False, device="meta").weight  # (D_{h'}, D_h)
    return weight.shape[1], weight.shape[0]


def _relu_second_moment(variance: sp.Rational, relu: bool = True) -> float:
    """E[h^2] for h = ReLU[f], f ~ N(0, variance), by torch.distributions: P(f > 0) times
    E[f^2 | f > 0] (the HalfNormal's variance plus its squared mean); ``relu=False``: E[f^2]."""
    import torch
    from torch.distributions import HalfNormal, Normal

    scale = torch.tensor(float(sp.sqrt(variance)), dtype=torch.float64)
    f = Normal(torch.zeros((), dtype=torch.float64), scale)
    if not relu:
        return float(f.variance)
    folded = HalfNormal(scale)
    return float(f.cdf(torch.zeros((), dtype=torch.float64)) * (folded.variance + folded.mean**2))


#: The book's forms the feedback prints (answers.json keeps its words), each read back against its object.
TYPED = {"half": "1/2", "moment": r"\mathbb{E}[h^2] = \sigma_f^2 / 2", "linear moment": r"\sigma_f^2",
         "variance": r"\sigma_\Omega^2", "linear rule": "1/D_h", "backward rule": "2/D_{h'}",
         "glorot": "2/(D_h + D_{h'})", "he": "2/D_h"}


def _words(slug: str) -> Question:
    """The printed parts of an initialisation solution's words; ``E[h^2]`` names a ReLU unit's
    second moment, derived (:func:`~symbolic.training.initialisation.relu_second_moment`)."""
    return Question(slug, names={r"\mathbb{E}[h^2]": init.relu_second_moment()}, of="solution")


def _torch_variance(D_h: int, D_next: int, std: sp.Rational, variance: sp.Rational, relu: bool = True,
                    fan: str = "in", square: bool = True) -> float:
    """The next layer's variance, fan x Var[Omega] x E[h^2], from torch: the fan read off the
    twin's weight matrix, Var[Omega] from ``Normal(0, std)`` (``square=False``: its standard
    deviation, the slip), E[h^2] from :func:`_relu_second_moment`."""
    import torch
    from torch.distributions import Normal

    fan_in, fan_out = _layer_shape(D_h, D_next)
    weights = Normal(torch.zeros((), dtype=torch.float64), torch.tensor(float(std), dtype=torch.float64))
    spread = float(weights.variance if square else weights.stddev)
    return (fan_in if fan == "in" else fan_out) * spread * _relu_second_moment(variance, relu)


def _distinct(values: list, precision: float) -> bool:
    """The candidate answers differ pairwise by more than twice the precision (with room)."""
    numbers = [float(v) for v in values]
    return all(abs(a - b) > 3 * precision for i, a in enumerate(numbers) for b in numbers[i + 1:])


@kind("init-variance", "initialisation")
def init_variance(rng: random.Random) -> Exercise:
    while True:
        D_h, D_next = pick(rng, WIDTHS), pick(rng, WIDTHS)
        std = R(1, pick(rng, [4, 5, 8, 10, 16, 20]))
        variance = pick(rng, [R(1, 2), R(1), R(3, 2), R(2), R(5, 2), R(3), R(4)])
        gain = D_h * std**2  # D_h sigma_Omega^2: He's value is 2
        drawn = gain * variance / 2  # only to choose the draw
        candidates = [drawn, 2 * drawn, drawn / 2, -drawn, D_next * std**2 * variance / 2, D_h * std * variance / 2]
        if R(1, 2) <= gain <= 4 and D_next not in (D_h, 2 * D_h) and 2 * D_next != D_h \
                and _distinct(candidates, 0.001):
            break
    forward = forward_derivation()
    values = {init.D_h: sp.Integer(D_h), init.sigma_Omega: std, init.sigma_f**2: variance}
    d = Derivation("with the sheet's numbers", layout="block")
    d.add(forward.steps[-1].rhs, "the derivation above", lhs=init.sigma_next**2,
          verify=lambda: _derived(d.steps[0].rhs))
    e = _words("init-variance")
    numbers = ", ".join(f"${e(sp.Eq(s, v, evaluate=False), f'the value of {s}')}$" for s, v in values.items())
    d.add(d.steps[0].rhs.xreplace(values), numbers, rename=values, rhs_latex=_substituted(d.steps[0].rhs, values))
    answer = d.steps[-1].rhs  # the answer: the derived variance with the sheet's numbers
    d.definitions.update({**values, init.D_next: sp.Integer(D_next)})  # what the question states
    # the slips as the module's formulas make them: a linear (tanh) layer's factor, the backward
    # pass's fan D_{h'}, and sigma_Omega where sigma_Omega^2 belongs
    linear = (init.variance_ratio("forward", "tanh") * init.sigma_f**2).xreplace(values)
    wide = (init.variance_ratio("backward") * init.sigma_f**2).xreplace({**values, init.D_next: sp.Integer(D_next)})
    spread = d.steps[0].rhs.subs(init.sigma_Omega**2, init.sigma_Omega).xreplace(values)
    factor = e(init.relu_second_moment() / init.sigma_f**2, "the ReLU's factor", typed=TYPED["half"])
    moment = e((init.relu_second_moment(), init.sigma_f**2 / 2), "a ReLU unit's second moment", typed=TYPED["moment"])
    plain = e(init.sigma_f**2, "a linear unit's second moment", typed=TYPED["linear moment"])
    half = (f"your answer is twice the correct one: you left out the ReLU's ${factor}$, ${moment}$, "
            f"not ${plain}$ (that is the answer for a linear layer, or tanh near 0)")
    fan_out = (r"you used $D_{h'}$ (the fan-out): each pre-activation $f'_i$ sums over the $D_h$ units of the "
               "layer below")
    std_text = ("you used the standard deviation $\\sigma_\\Omega$ where the variance "
                f"${e(init.sigma_Omega**2, 'the variance', typed=TYPED['variance'])}$ belongs")
    q = Question("init-variance")
    question = (r"A layer computes $\mathbf{f}'$ from the activations $\mathbf{h}$ of the layer below by its weights "
                r"$\boldsymbol\Omega$ (no bias): each $f'_i$ is the sum over $j$ of $\Omega_{ij} h_j$, where "
                r"$\mathbf{h}$ is the ReLU of the pre-activations $\mathbf{f}$ below. The layer below has "
                f"${q.given(init.D_h, D_h, 'the fan-in')}$ units and this layer has "
                f"${q.given(init.D_next, D_next, 'the fan-out')}$. The pre-activations $f_j$ are normal with mean 0 "
                f"and variance ${q.given(init.sigma_f**2, variance, 'the variance')}$; the weights $\\Omega_{{ij}}$ "
                "are drawn independently (of each other and of $\\mathbf{h}$) from a normal distribution with mean 0 "
                f"and standard deviation ${q.given(init.sigma_Omega, std, 'the standard deviation')}$. What is the "
                f"variance ${q(init.sigma_next**2, 'the variance asked for')}$ of each of the next layer's "
                "pre-activations $f'_i$?")
    return Exercise(
        "init-variance", "initialisation", "number", question, d.steps[-1:], precision=0.001,
        solution=[r"Each $f'_i$ sums $\Omega_{ij} h_j$ over the $D_h$ units $j$ below; the notes' derivation, "
                  "every step checked:", forward,
                  r"With the sheet's numbers ($\sigma_\Omega$ is a standard deviation: the variance is its square):",
                  d],
        mistakes=[(half, linear), (fan_out, wide), (std_text, spread)],
        witnesses=[Witness(half, "torch: D_h Var[Omega] times Normal(0, sigma_f^2)'s variance (the ReLU left out)",
                           _torch_variance(D_h, D_next, std, variance, relu=False)),
                   Witness(fan_out, "torch: the fan-out, the (D_{h'}, D_h) weight matrix's first dimension, "
                           "times Var[Omega] E[h^2]", _torch_variance(D_h, D_next, std, variance, fan="out")),
                   Witness(std_text, "torch: D_h times Normal(0, sigma_Omega)'s standard deviation times E[h^2]",
                           _torch_variance(D_h, D_next, std, variance, square=False))],
        twin=[("the variance from torch.distributions: the weights' variance and a ReLU unit's second moment "
               "(Normal, HalfNormal)",
               _torch_variance(D_h, D_next, std, variance), answer)],
        title="The variance through a ReLU layer", printed=q, explained=e)


def _init_std(fill: Callable, D_h: int, D_next: int) -> float:
    """The standard deviation ``torch.nn.init``'s ``fill(weight, generator)`` draws a (D_{h'}, D_h)
    weight matrix with (torch's layout: fan-in D_h, fan-out D_{h'}), read off against standard
    normal draws from the same generator state (``normal_`` scales them: exact up to rounding)."""
    import torch

    weight = torch.empty(D_next, D_h, dtype=torch.float64)  # (D_{h'}, D_h)
    fill(weight, torch.Generator().manual_seed(0))
    standard = torch.empty_like(weight).normal_(0.0, 1.0, generator=torch.Generator().manual_seed(0))
    return float(weight.norm() / standard.norm())


def _kaiming(mode: str = "fan_in", nonlinearity: str = "relu") -> Callable:
    import torch

    return lambda w, g: torch.nn.init.kaiming_normal_(w, mode=mode, nonlinearity=nonlinearity, generator=g)


def _xavier(w, g):
    import torch

    return torch.nn.init.xavier_normal_(w, generator=g)


@kind("he-variance", "initialisation")
def he_variance(rng: random.Random) -> Exercise:
    while True:
        D_h, D_next = pick(rng, WIDTHS), pick(rng, WIDTHS)
        drawn = R(2, D_h)  # only to choose the draw
        candidates = [drawn, 2 * drawn, drawn / 2, -drawn, R(2, D_next), R(2, D_h + D_next), sp.sqrt(drawn)]
        if D_next not in (D_h, 2 * D_h) and 2 * D_next != D_h and _distinct(candidates, HE_PRECISION):
            break
    d = Derivation("He's rule", layout="block")
    e = _words("he-variance")
    kept = e(sp.Eq(init.sigma_next**2, init.sigma_f**2, evaluate=False), "the condition")
    solved = e(init.sigma_Omega**2, "the weights' variance")
    d.add(forward_derivation().steps[-1].rhs, "the variance through a ReLU layer, derived step by step in the notes",
          lhs=init.sigma_next**2, verify=lambda: _derived(d.steps[0].rhs))
    d.add(init.he_rule().rhs, f"the variance kept, ${kept}$: solve for ${solved}$",
          lhs=init.sigma_Omega**2, verify=lambda: _kept(d.steps[0].rhs, d.steps[1].rhs))
    values = {init.D_h: sp.Integer(D_h)}
    d.add(d.steps[1].rhs.xreplace(values), f"${e(sp.Eq(init.D_h, D_h, evaluate=False), 'the fan-in')}$, the fan-in",
          rename=values,
          rhs_latex=_substituted(d.steps[1].rhs, values))
    answer = d.steps[-1].rhs  # the answer: He's rule with the sheet's D_h
    d.definitions.update({init.D_h: sp.Integer(D_h), init.D_next: sp.Integer(D_next)})  # what the question states
    # the slips as the module's rules make them: a linear (tanh) layer's, the backward pass's,
    # Glorot's, and the standard deviation
    widths = {init.D_h: sp.Integer(D_h), init.D_next: sp.Integer(D_next)}
    linear = sp.solve(sp.Eq(init.variance_ratio("forward", "tanh"), 1), init.sigma_Omega)[0] ** 2
    mistakes = [linear.subs(widths), init.he_backward_rule().rhs.subs(widths), init.glorot_rule().rhs.subs(widths),
                sp.sqrt(answer)]
    factor = e(init.relu_second_moment() / init.sigma_f**2, "the ReLU's factor", typed=TYPED["half"])
    half = (f"your answer is half the correct one: you left out the ReLU's ${factor}$ "
            f"(${e(linear, 'the linear rule', typed=TYPED['linear rule'])}$ keeps the variance "
            "through a linear layer, or tanh near 0, not through ReLU)")
    backward = e(init.he_backward_rule().rhs, "He's backward rule", typed=TYPED["backward rule"])
    fan_out = (f"that is He's rule for the gradients, ${backward}$ (the fan-out): the forward pass sums over the "
               r"$D_h$ units below")
    glorot = (f"that is Glorot's compromise for tanh, ${e(init.glorot_rule().rhs, 'the Glorot rule', typed=TYPED['glorot'])}$: "
              f"a ReLU layer keeps the variance with ${e(init.he_rule().rhs, 'He rule', typed=TYPED['he'])}$")
    std_text = ("that is the standard deviation $\\sigma_\\Omega$; the question asks for the variance "
                f"${e(init.sigma_Omega**2, 'the variance', typed=TYPED['variance'])}$")
    q = Question("he-variance")
    question = (r"A ReLU layer (no bias) takes the units of the layer below, "
                f"${q.given(init.D_h, D_h, 'the fan-in')}$ of them, to ${q.given(init.D_next, D_next, 'the fan-out')}$ "
                r"units; its weights $\Omega_{ij}$ are drawn independently from a normal distribution with mean 0, "
                r"and the pre-activations $\mathbf{f}$ are normal with mean 0. What variance "
                f"${q(init.sigma_Omega**2, 'the variance asked for')}$ of the weights keeps the variance of the "
                "pre-activations from one layer to the next, "
                f"${q(sp.Eq(init.sigma_next**2, init.sigma_f**2, evaluate=False), 'the condition')}$ (He's "
                "initialisation)?")
    he = _init_std(_kaiming(), D_h, D_next) ** 2
    return Exercise(
        "he-variance", "initialisation", "number", question, d.steps[-1:], precision=HE_PRECISION,
        solution=[d, f"Numerically, the variance is ${e(answer, 'the answer', typed=f'{float(answer):.6g}')}$."],
        mistakes=list(zip((half, fan_out, glorot, std_text), mistakes)),
        witnesses=[Witness(half, "the variance of torch.nn.init.kaiming_normal_'s draws with nonlinearity='linear'",
                           _init_std(_kaiming(nonlinearity="linear"), D_h, D_next) ** 2),
                   Witness(fan_out, "the variance of torch.nn.init.kaiming_normal_'s draws with mode='fan_out'",
                           _init_std(_kaiming(mode="fan_out"), D_h, D_next) ** 2),
                   Witness(glorot, "the variance of torch.nn.init.xavier_normal_'s draws",
                           _init_std(_xavier, D_h, D_next) ** 2),
                   Witness(std_text, "the standard deviation of torch.nn.init.kaiming_normal_'s draws (not squared)",
                           _init_std(_kaiming(), D_h, D_next))],
        twin=[("the variance of torch.nn.init.kaiming_normal_'s draws (mode='fan_in', nonlinearity='relu')", he,
               answer)],
        title="He's initialisation", printed=q, explained=e)
