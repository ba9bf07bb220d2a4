"""A registered loss without ``stable=``: a stable form derived by rewrites where one applies, and
a recipe that says what it compiles; the built-in derivatives the extreme-output probe found
cancelling (gamma's log-concentration, student-t's log degrees of freedom)."""

from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
import torch

from symbolic import register_loss
from symbolic.activations.functions import Softplus
from symbolic.core.compile import compile_program
from symbolic.core.step_check import check_equal
from symbolic.losses import custom
from symbolic.losses.functions import ExpPhi, Log1pSquare, LogGammaStirling, LogGammaStirlingPrime
from symbolic.losses.recipes import derive_loss
from symbolic.losses.stabilise import REWRITES, stable_form
from symbolic.spec import NetworkSpec
from symbolic.spec.tolerances import FLOAT64_RTOL

_names = (f"derived-stable-{k}" for k in itertools.count())
y01 = sp.Symbol("y", integer=True, nonnegative=True)
lam = sp.Symbol("lambda", positive=True)
BERNOULLI_PMF = lam**y01 * (1 - lam) ** (1 - y01)
y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
gamma = sp.Symbol("gamma", positive=True)
CAUCHY = 1 / (sp.pi * gamma * (1 + ((y - mu) / gamma) ** 2))


def _logistic(**kw) -> str:
    """The issue's logistic loss: the Bernoulli pmf with the sigmoid link written out, no stable=."""
    name = next(_names)
    register_loss(name, density=BERNOULLI_PMF, target=y01, link=lambda f: {lam: 1 / (1 + sp.exp(-f[0]))}, outputs=1,
                  support="binary", **kw)
    return name


def _cauchy(**kw) -> str:
    name = next(_names)
    register_loss(name, density=CAUCHY, target=y, link=lambda f: {mu: f[0], gamma: sp.exp(f[1])}, outputs=2,
                  support="real", **kw)
    return name


def _compiled(name: str, D_o: int, backend: str = "torch"):
    from symbolic.spec.losses import get_loss

    outputs = tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, D_o + 1))
    sample = get_loss(name).model().sample(outputs)
    fn = compile_program(list(outputs) + list(sample.targets), [], [sample.expr], backend)
    if backend == "torch":
        return lambda *values: float(fn(*[torch.tensor([v], dtype=torch.float64) for v in values])[0])
    return lambda *values: float(np.asarray(fn(*[np.array([v]) for v in values])[0]).reshape(-1)[0])


@pytest.mark.parametrize("name", list(REWRITES))
def test_each_rewrite_is_an_identity(name):
    r = REWRITES[name]
    assert check_equal(r.lhs, r.rhs).passed, name


def test_the_logistic_loss_is_rewritten_to_softplus_and_is_exact_at_f_40():
    name = _logistic()
    from symbolic.spec.losses import get_loss

    block = get_loss(name).model().block(1)
    assert [r.name for r in block.derived.rewrites] == ["sigmoid", "softplus"]
    f = block.outputs[0]
    assert sp.expand(block.stable - (y01 * Softplus(-f) + (1 - y01) * Softplus(f))) == 0  # exact for y in {0, 1}
    with mp.workdps(400):  # -log of the pmf itself, from its definition
        exact = {(v, t): float(-mp.log(mp.mpf(1) / (1 + mp.exp(-v)) if t else 1 - mp.mpf(1) / (1 + mp.exp(-v))))
                 for v in (-700.0, -40.0, 40.0, 700.0) for t in (0, 1)}
    for backend in ("torch", "numpy"):
        loss = _compiled(name, 1, backend)
        for (v, t), want in exact.items():
            got = loss(v, t)
            assert math.isfinite(got) and abs(got - want) <= FLOAT64_RTOL * abs(want), (backend, v, t, got, want)
    assert exact[40.0, 1] == pytest.approx(4.248354255291589e-18, rel=1e-15)


def test_the_recipe_says_the_logistic_form_was_derived_and_proves_it():
    name = _logistic()
    d = derive_loss(NetworkSpec((1, 2, 1), "tanh"), name)
    assert d.passed
    last = d.recipe.parts["per-sample loss"].steps[-1]
    assert last.reason.startswith("a numerically stable form, derived by rewriting: ")
    assert r"\mathrm{softplus}" in last.reason and last.check.passed and last.check.method.startswith("symbolic")
    assert d.network.steps[-1].reason == "the recipe's stable form, derived by rewrites in its per-sample loss"


def _reasons(d) -> list[str]:
    return [s.reason for s in d.recipe.parts["per-sample loss"].steps] + [s.reason for s in d.network.steps]


def test_without_a_stable_form_the_recipe_says_it_compiles_the_expanded_nll(monkeypatch):
    """The old text called the expanded -log "the recipe's stable form"."""
    monkeypatch.setattr(custom, "stable_form", lambda neg_log: None)  # auto-stabilisation off
    name = _logistic()
    d = derive_loss(NetworkSpec((1, 2, 1), "tanh"), name)
    assert d.passed
    assert not any("stable form" in r for r in _reasons(d)), _reasons(d)
    assert d.network.steps[-1].reason.startswith("the recipe's per-sample loss: the expanded negative "
                                                 "log-likelihood, not a stabilised form")
    assert "not a stabilised form" in d.recipe.parts["per-sample loss"].steps[-1].reason


def test_a_loss_no_rewrite_applies_to_is_printed_as_expanded():
    name = next(_names)
    register_loss(name, density=sp.exp(-(y - mu) ** 2 / 2) / sp.sqrt(2 * sp.pi), target=y, link=lambda f: {mu: f[0]},
                  outputs=1, support="real")
    d = derive_loss(NetworkSpec((1, 2, 1), "tanh"), name)
    assert d.passed and d.recipe.stable == ""
    assert not any("stable form" in r for r in _reasons(d)), _reasons(d)
    assert "not a stabilised form" in d.network.steps[-1].reason


def test_the_cauchy_loss_keeps_its_residual_at_f_1e8():
    name = _cauchy()
    from symbolic.spec.losses import get_loss

    block = get_loss(name).model().block(2)
    assert [r.name for r in block.derived.rewrites] == ["log1p-square"]
    f1, f2 = block.outputs
    assert block.stable.has(Log1pSquare) and check_equal(block.stable, -sp.log(block.linked)).passed
    expanded = sp.expand(sp.expand_log(-sp.log(block.linked), force=True))  # what was compiled before
    naive = compile_program([f1, f2, y], [], [expanded], "numpy")
    loss = _compiled(name, 2, "numpy")
    want = math.log(math.pi) + math.log1p(0.25)  # residual 0.5, scale 1
    assert loss(1e8, 0.0, 1e8 + 0.5) == pytest.approx(want, rel=FLOAT64_RTOL)
    before = np.asarray(naive(np.array([1e8]), np.array([0.0]), np.array([1e8 + 0.5]))[0]).reshape(-1)[0]
    assert not abs(before - want) <= 1e-3  # nan, or the residual lost


def test_a_derived_form_that_disagrees_with_the_nll_is_not_used(monkeypatch):
    from symbolic.losses.stabilise import StableForm

    monkeypatch.setattr(custom, "stable_form", lambda neg_log: StableForm(neg_log + 1, (REWRITES["log1p"],)))
    name = _logistic()
    from symbolic.spec.losses import get_loss

    block = get_loss(name).model().block(1)
    assert block.stable is None and block.derived is None


def test_stable_form_leaves_an_expression_without_logs_of_sums_alone():
    f = sp.Symbol("f", real=True)
    assert stable_form(f**2 / 2 + sp.log(2 * sp.pi) / 2) is None


# ----- the built-in derivatives the probe found cancelling ----------------------------------------
def _torch(expr, args, point):
    return float(compile_program(args, [], [expr], "torch")(*[torch.tensor([v], dtype=torch.float64)
                                                               for v in point])[0])


@pytest.mark.parametrize("x", [1e-3, 0.5, 7.3, 19.999, 20.0, 20.001, 1e3, 2.35e17, 1e300])
def test_the_stirling_remainder_derivative_is_accurate_on_both_sides_of_20(x):
    s = sp.Symbol("x", positive=True)
    assert sp.diff(LogGammaStirling(s), s) == LogGammaStirlingPrime(s)
    with mp.workdps(800):
        want = float(mp.digamma(mp.mpf(x)) - mp.log(x) + 1 / (2 * mp.mpf(x)))
    for got in (_torch(LogGammaStirlingPrime(s), [s], [x]),
                float(np.asarray(compile_program([s], [], [LogGammaStirlingPrime(s)], "numpy")(np.array([x]))[0])
                      .reshape(-1)[0])):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300)
    if x > 1e3:  # x times it (how a loss uses it, x = e^f): psi(x) - log(x) + 1/(2x) in floats gave 1/2 at 2.35e17
        assert abs(x * _torch(LogGammaStirlingPrime(s), [s], [x])) < 1e-3


def test_exp_phi_is_differentiated_without_cancelling_terms():
    """gamma's ExpPhi(f_1, f_2 + log y - f_1): d/df_1 is -t e^{f_1}, not two terms of size e^{f_2} y."""
    a, b, yy = sp.symbols("a b y", real=True)
    e = ExpPhi(a, b + sp.log(yy) - a)
    assert sp.diff(e, a) == -(b + sp.log(yy) - a) * sp.exp(a)
    assert check_equal(sp.diff(e, a), sp.diff(ExpPhi.definition(a, b + sp.log(yy) - a), a),
                       domain={yy: lambda rng: sp.Rational(rng.randint(1, 3000), 1000)}).passed
    assert check_equal(sp.diff(e, b), sp.diff(ExpPhi.definition(a, b + sp.log(yy) - a), b),
                       domain={yy: lambda rng: sp.Rational(rng.randint(1, 3000), 1000)}).passed


def test_log1p_square_slope_in_s_is_accurate_where_the_log_is_tiny():
    u, s = sp.symbols("u s", real=True)
    slope = sp.diff(Log1pSquare(u, s), s)
    assert check_equal(slope, sp.diff(Log1pSquare.definition(u, s), s)).passed
    for point in ([40.7, -20.0], [0.0, 700.0], [3.0, 400.0], [1e-200, 0.0]):
        with mp.workdps(900):
            w = (mp.mpf(point[0]) * mp.exp(point[1])) ** 2
            want = float(2 * w / (1 + w))
        assert _torch(slope, [u, s], point) == pytest.approx(want, rel=1e-13, abs=1e-300), point
