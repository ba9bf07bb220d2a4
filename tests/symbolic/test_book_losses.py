"""The book's table of distributions (fig. 5.11): every built-in derived by the recipe engine,
compiled, and cross-checked against torch.distributions in float64, with gradients; trainable;
targets outside the support refused."""

import math

import numpy as np
import pytest
import sympy as sp
import torch

import numeric.losses as twin
from derivations.checks.crosscheck import gradient_check, random_inputs, random_targets
from numeric.data import validate_targets
from numeric.datasets import Dataset
from numeric.training import TrainConfig, Trainer
from symbolic.spec.losses import LOSSES, get_loss
from symbolic.losses.sample import network_loss
from symbolic.losses.engine import check_normalised, normalisation_check
from symbolic.losses.recipes import checked_recipe, recipe
from symbolic.spec import NetworkSpec
from tests.helpers import FIRST_ROUND, RTOL64, assert_close

BOOK = tuple(n for n in LOSSES if n not in FIRST_ROUND)



def test_the_book_table_is_registered():
    assert BOOK == ("laplace", "student-t", "gaussian-mixture", "exponential", "gamma", "beta", "von-mises",
                    "multivariate-normal", "plackett-luce")


@pytest.mark.parametrize("name", BOOK)
def test_recipe_is_derived_and_every_step_checked(name):
    r = checked_recipe(name)
    assert r.passed, [(d.title, s.reason, s.check) for d in r.derivations() for s in d.steps if not s.check.passed]
    assert list(r.parts) == ["distribution and link", "likelihood", "per-sample loss", "prediction"]
    for d in r.derivations():
        assert any(s.checked for s in d.steps), d.title
        for s in d.steps:
            assert (s.check.method == "definition") == (not s.checked)
    # the chain ends at the compiled expression
    assert r.per_sample_loss == get_loss(name).model().sample(r.outputs).expr


@pytest.mark.parametrize("name", ["laplace", "gamma", "von-mises"])
def test_a_wrong_stable_form_is_caught(name):
    r = recipe(name)
    per = r.parts["per-sample loss"]
    per.steps[-1].rhs = per.steps[-1].rhs * sp.Rational(1001, 1000)
    assert not per.check().passed


def _mode_step(r):
    return next(s for s in r.parts["prediction"].steps if s.lhs_latex and s.lhs_latex.startswith(r"\max_y"))


@pytest.mark.parametrize("name", ["normal", "laplace", "gamma", "bernoulli", "poisson"])
def test_the_printed_mode_is_checked(name):
    """The mode step prints max_y Pr(y | theta): both the value and the location are checked."""
    r = recipe(name)
    step = _mode_step(r)
    assert step.verify().passed
    step.rhs = step.rhs * sp.Rational(11, 10)
    if step.rhs_latex is None:  # continuous: the value at the mode is printed
        assert not step.verify().passed and "printed value" in step.verify().detail


def test_a_wrong_mode_is_caught():
    from symbolic.losses.engine import _mode_check

    block = get_loss("gamma").model().block()
    y, (alpha, beta) = block.targets[0], block.parameters
    mode = (alpha - 1) / beta  # where alpha > 1, the block's mode condition
    assert _mode_check(block, y, mode).passed
    assert not _mode_check(block, y, mode * sp.Rational(3, 2)).passed


def test_a_density_that_is_not_normalised_is_refused():
    block = get_loss("laplace").model().block()
    import dataclasses

    half = dataclasses.replace(block, density=block.density / 2)
    check = normalisation_check(half)
    assert not check.passed and check.max_error == pytest.approx(0.5, abs=1e-12) and "1/2" in check.detail
    with pytest.raises(ValueError, match=r"is not normalised over the real line: it integrates to 1/2"):
        check_normalised(half)


def _spec(name: str, hidden=(4,), D_o: int | None = None) -> NetworkSpec:
    return NetworkSpec((2, *hidden, D_o or get_loss(name).model().default_D_o), "tanh")


#: Each loss at its default width, and the multivariate normal also at n = 3 (D_o = 9): at n = 2
#: the Cholesky factor's entries row by row, (1,1), (2,1), (2,2), are also its entries column by
#: column, so a row/column slip in the factor is invisible there (test_mvn_cholesky_order.py).
WIDTHS = [pytest.param(name, None, id=name) for name in BOOK] + \
    [pytest.param("multivariate-normal", 9, id="multivariate-normal-n3")]


@pytest.mark.parametrize("name, D_o", WIDTHS)
def test_compiled_equals_printed_torch_equals_twin_equals_torch_distributions(name, D_o):
    spec = _spec(name, D_o=D_o)
    module, X = random_inputs(spec, 40, seed=3)
    Y = random_targets(name, spec, 40, seed=3)
    nl = network_loss(spec, name)
    tensors = {k: v.detach() for k, v in module.named_parameters()}
    with torch.no_grad():
        f = module(X)
        reference = twin.per_sample_nll(name, f, Y)
        _, compiled_numpy = nl.evaluate(X.numpy(), Y.numpy(), {k: v.numpy() for k, v in tensors.items()})
        _, compiled_torch = nl.evaluate(X, Y, tensors, compiled=nl.compile("torch"))
    assert_close(compiled_numpy, reference, RTOL64, f"{name} numpy")
    assert_close(compiled_torch, reference, RTOL64, f"{name} torch")
    entry = get_loss(name)
    if entry.oracle() is not None:
        dist = entry.oracle()(entry, f, {})
        oracle = -dist.log_prob(Y if dist.event_shape else Y[:, 0])
        assert_close(compiled_numpy, oracle, entry.oracle_rtol or RTOL64, f"{name} vs torch.distributions")


@pytest.mark.parametrize("name, D_o", WIDTHS)
def test_derived_gradients_equal_autograd(name, D_o):
    checks = gradient_check(_spec(name, D_o=D_o), name, I=24, seed=1, paths=("layers",))
    bad = [c for c in checks if not c.passed]
    assert not bad, bad
    assert any(c.name.startswith("dL/d") for c in checks)
    assert any(c.name == "loss l_i vs torch.distributions" for c in checks) == (get_loss(name).oracle() is not None)


def test_von_mises_oracle_is_only_used_to_its_own_accuracy():
    # torch's VonMises approximates log I_0 by polynomials (~1e-8); the twin prints i0e from SymPy
    entry = get_loss("von-mises")
    f = torch.tensor([[0.3, 1.5], [-1.0, 4.0]], dtype=torch.float64)
    y = torch.tensor([[0.1], [2.0]], dtype=torch.float64)
    ours = twin.per_sample_nll(entry, f, y)
    oracle = -entry.oracle()(entry, f, {}).log_prob(y[:, 0])
    gap = float((ours - oracle).abs().max())
    assert 1e-13 < gap < entry.oracle_rtol
    from scipy.special import i0e

    kappa = np.exp(f[:, 1].numpy())
    exact = -kappa * np.cos(y[:, 0].numpy() - f[:, 0].numpy()) + np.log(2 * np.pi) + np.log(i0e(kappa)) + kappa
    assert_close(ours, torch.as_tensor(exact), RTOL64, "von-mises vs scipy")


def test_plackett_luce_probabilities_of_all_rankings_sum_to_one():
    for n in (2, 3, 4, 5):
        f = torch.randn(1, n, dtype=torch.float64)
        import itertools

        total = sum(math.exp(-float(twin.per_sample_nll("plackett-luce", f, torch.tensor([list(p)], dtype=torch.float64))))
                    for p in itertools.permutations(range(n)))
        assert abs(total - 1) < 1e-12, n


def _data(name: str, I: int = 64) -> Dataset:
    """Targets drawn from the distribution with parameters that vary with x (seeded)."""
    spec = _spec(name, hidden=(6,))
    gen = torch.Generator().manual_seed(7)
    X = torch.rand(I, 2, generator=gen, dtype=torch.float64) * 2 - 1
    entry = get_loss(name)
    teacher, _ = random_inputs(spec, 1, seed=11)
    with torch.no_grad():
        f = teacher(X)
        if entry.oracle() is not None:
            torch.manual_seed(5)
            Y = entry.oracle()(entry, f, {}).sample()
            Y = Y if Y.ndim == 2 else Y[:, None]
        else:  # rankings by sorting perturbed scores (Gumbel trick: exactly Plackett-Luce)
            g = -torch.log(-torch.log(torch.rand(f.shape, generator=gen, dtype=torch.float64)))
            Y = torch.argsort(f + g, dim=1, descending=True).double()
    if name == "beta":
        Y = Y.clamp(1e-6, 1 - 1e-6)
    return Dataset(X.numpy(), Y.numpy(), name)


@pytest.mark.parametrize("name", BOOK)
def test_trainable_loss_falls_on_generated_data(name):
    data = _data(name)
    validate_targets(data.Y, name, _spec(name).D_o)
    trainer = Trainer(_spec(name, hidden=(6,)), name, data, TrainConfig(optimizer="adam", lr=0.02, epochs=60, seed=0))
    trainer.run()
    history = trainer.history
    assert all(math.isfinite(v) for v in history)
    assert history[-1] < 0.9 * history[0] or history[-1] < history[0] - 0.1 * data.I, (history[0], history[-1])


@pytest.mark.parametrize("name, D_o, y, message", [
    ("beta", 2, [[0.5], [1.0]], "beta targets must be strictly between 0 and 1 (0 < y < 1), got 1 at sample 1"),
    ("beta", 2, [[0.0]], "beta targets must be strictly between 0 and 1 (0 < y < 1), got 0 at sample 0"),
    ("von-mises", 2, [[3.5]], "von-mises targets must be angles in [-pi, pi], got 3.5 at sample 0"),
    ("gamma", 2, [[0.0]], "gamma targets must be positive numbers (y > 0), got 0 at sample 0"),
    ("exponential", 1, [[-1.0]], "exponential targets must be nonnegative numbers (y >= 0), got -1 at sample 0"),
    ("plackett-luce", 3, [[0, 1, 2], [0, 0, 2]], "plackett-luce targets must be rankings: each row a permutation "
                                                 "of the item indices 0..2, got 0 at sample 1 (column y_2)"),
    ("plackett-luce", 3, [[0, 1, 3]], "plackett-luce targets must be rankings: each row a permutation of the item "
                                      "indices 0..2, got 3 at sample 0 (column y_3)"),
])
def test_targets_outside_the_support_are_refused(name, D_o, y, message):
    with pytest.raises(ValueError) as error:
        twin.check_targets(name, torch.tensor(y, dtype=torch.float64), D_o)
    assert str(error.value).startswith(message)
    with pytest.raises(ValueError, match="target must be"):
        validate_targets(np.array(y, dtype=float), name, D_o)


@pytest.mark.parametrize("name, D_o, message", [
    ("gaussian-mixture", 3, "gaussian-mixture loss needs D_o = 3K outputs (K mixture weights, K means, K "
                            "log-variances) with K >= 2, got D_o = 3"),
    ("multivariate-normal", 4, "multivariate-normal loss needs D_o = n + n(n+1)/2 outputs"),
    ("laplace", 3, "laplace loss needs D_o = 2 outputs (mu = f_1, b = exp f_2), got D_o = 3"),
    ("plackett-luce", 1, "plackett-luce loss needs D_o = n >= 2 outputs"),
])
def test_width_rules(name, D_o, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        get_loss(name).n_targets(D_o)
