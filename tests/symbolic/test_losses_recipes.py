"""Maximum-likelihood recipes: every step checked, wrong steps caught, the per-sample chain
ends at the registry's stable loss, and the lecture's worked examples."""

import random

import pytest

from tests.helpers import FIRST_ROUND
import sympy as sp

from symbolic.activations.functions import Softplus, sig
from symbolic.core.derivation import Cases, Derivation, check_equal
from symbolic.losses.sample import LOSSES, LogSumExp, sample_loss, sigma
from symbolic.losses.recipes import Softmax, checked_recipe, network_loss_derivation, recipe
from symbolic.spec import NetworkSpec


@pytest.mark.parametrize("name", FIRST_ROUND)
def test_every_step_of_every_recipe_is_checked_and_passes(name):
    r = checked_recipe(name)
    assert r.passed
    for d in r.derivations():
        for step in d.steps:
            assert step.check is not None and step.check.passed, (d.title, step.reason, step.check)
            # only steps marked as definitions skip the proof
            assert (step.check.method == "definition") == (not step.checked)
    # every part has at least one proven (non-definition) step
    assert all(any(s.checked for s in d.steps) for d in r.derivations())


@pytest.mark.parametrize("name", FIRST_ROUND)
def test_per_sample_chain_ends_exactly_at_the_compiled_registry_loss(name):
    r = checked_recipe(name)
    registry = sample_loss(name, r.outputs)
    assert r.per_sample_loss == registry.expr  # the very expression that is compiled
    assert r.sample.targets == registry.targets


@pytest.mark.parametrize("name", FIRST_ROUND)
def test_stable_forms_are_proven_symbolically(name):
    r = checked_recipe(name)
    last = r.parts["per-sample loss"].steps[-1]
    assert last.check.method.startswith("symbolic"), last.check


@pytest.mark.parametrize("name", FIRST_ROUND)
def test_numeric_witness_agrees_with_every_likelihood_and_per_sample_step(name):
    r = recipe(name)
    for part in ("likelihood", "per-sample loss"):
        d = r.parts[part]
        assert d.check(symbolic=False).passed, [(s.reason, s.check) for s in d.steps if not s.check.passed]
        assert all(s.check.method.startswith(("numeric", "definition")) for s in d.steps)


def _perturb(d: Derivation, k: int, factor=sp.Rational(1001, 1000)):
    d.steps[k].rhs = d.steps[k].rhs * factor


@pytest.mark.parametrize("name, part", [(name, "per-sample loss") for name in FIRST_ROUND]
                         + [("poisson", "likelihood")])
def test_a_deliberately_wrong_step_is_caught(name, part):
    r = recipe(name)
    d = r.parts[part]
    _perturb(d, len(d.steps) - 1)  # the last step, 0.1% off
    d.check()
    assert not d.passed
    assert [s for s in d.steps if not s.check.passed] == [d.steps[-1]]
    assert r"\textbf{(CHECK FAILED)}" in d.to_latex()


def test_wrong_stable_bernoulli_form_is_caught():
    r = recipe("bernoulli")
    per = r.parts["per-sample loss"]
    f, y = r.outputs[0], r.target
    per.steps[-1].rhs = Softplus(-f) - y * f  # sign slip inside softplus
    assert not per.check().passed
    assert per.steps[-1].check.method.startswith("numeric") and per.steps[-1].check.max_error > 0.1


def test_least_squares_minimiser_does_not_depend_on_sigma():
    # The lecture's point, on numbers: for targets 1, 2, 6 and a constant prediction f,
    # the normal NLL is minimised at the mean 3 for every sigma.
    f = sp.Symbol("f", real=True)
    pdf = checked_recipe("normal").pmf
    mu, y = checked_recipe("normal").parameters[0], checked_recipe("normal").target
    L = sum(-sp.log(pdf.subs({mu: f, y: t})) for t in (1, 2, 6))
    assert sp.solve(sp.diff(L, f), f) == [3]
    assert sp.diff(L, f, 2).equals(3 / sigma**2)
    # and least squares is 2 sigma^2 L - constant, checked in the recipe
    ls = checked_recipe("least-squares").parts["least squares"]
    assert ls.passed and ls.steps[-1].check.method.startswith("symbolic")


def test_bernoulli_worked_example():
    r = checked_recipe("bernoulli")
    lam, y = r.parameters[0], r.target
    assert [r.pmf.subs({lam: sp.Rational(1, 5), y: v}) for v in (0, 1)] == [sp.Rational(4, 5), sp.Rational(1, 5)]
    f = r.outputs[0]
    # f = 0 gives lambda = 1/2 and the loss log 2 for either label
    assert r.link[lam].subs(f, 0) == sp.Rational(1, 2)
    assert [sp.simplify(r.per_sample_loss.subs({f: 0, y: v}) - sp.log(2)) for v in (0, 1)] == [0, 0]
    # prediction: y = 1 exactly when f > 0
    assert sig(sp.Rational(1, 10)).evalf() > 0.5 > sig(-sp.Rational(1, 10)).evalf()


def test_categorical_worked_example():
    r = checked_recipe("categorical")  # three classes
    f = r.outputs
    probs = [Softmax(c, *f).subs({fc: 0 for fc in f}) for c in range(3)]
    assert [Softmax.definition(sp.Integer(c), *[sp.Integer(0)] * 3) for c in range(3)] == [sp.Rational(1, 3)] * 3
    assert all(p.evalf() == pytest.approx(1 / 3) for p in probs)
    one_hot = {t: int(c == 2) for c, t in enumerate(r.sample.targets)}
    loss = r.per_sample_loss.subs(one_hot).subs({f[0]: 1, f[1]: 2, f[2]: 3})
    expected = sp.log(sp.exp(1) + sp.exp(2) + sp.exp(3)) - 3
    assert abs(float(loss.evalf(30) - expected.evalf(30))) < 1e-25


def test_poisson_worked_example_and_mode():
    r = checked_recipe("poisson")
    lam, y = r.parameters[0], r.target
    assert r.pmf.subs({lam: 2, y: 0}) == sp.exp(-2)
    assert r.pmf.subs({lam: 2, y: 3}) == sp.Rational(4, 3) * sp.exp(-2)
    values = [float(r.pmf.subs({lam: sp.Rational(37, 10), y: k})) for k in range(10)]
    assert values.index(max(values)) == 3  # floor(3.7)


def test_normal_worked_example():
    r = checked_recipe("normal")
    mu, y = r.parameters[0], r.target
    peak = r.pmf.subs({y: mu, sigma: 2})
    assert sp.simplify(peak - 1 / sp.sqrt(8 * sp.pi)) == 0


@pytest.mark.parametrize("name", FIRST_ROUND)
@pytest.mark.parametrize("widths", [(1, 2, 2), (2, 3, 4)], ids=["1-2-2", "2-3-4"])
def test_network_loss_derivation_reaches_the_registry(name, widths):
    spec = NetworkSpec(widths, "relu")
    d = network_loss_derivation(spec, name)
    assert d.check().passed
    from symbolic.losses.sample import network_loss

    assert d.steps[-1].rhs == network_loss(spec, name).sample.expr


def test_check_equal_case_split_needs_the_full_support():
    y = sp.Symbol("y", real=True)
    # y (y - 1) = 0 holds on {0, 1}: a proof with Cases, only sample points with a plain set
    assert check_equal(y * (y - 1), 0, {y: Cases({0, 1})}).method.startswith("symbolic (case by case")
    assert check_equal(y * (y - 1), 0, {y: {0, 1}}).method.startswith("numeric")
    assert not check_equal(y * (y - 1), 0, {y: Cases({0, 1, 2})}).passed


def test_check_equal_sums_over_samples():
    i, I = sp.Symbol("i", integer=True, positive=True), sp.Symbol("I", integer=True, positive=True)
    p, r = sp.IndexedBase("p", positive=True), sp.IndexedBase("r", real=True)
    assert check_equal(-sp.log(sp.Product(p[i], (i, 1, I))), sp.Sum(-sp.log(p[i]), (i, 1, I))).passed
    lhs = sp.Sum(r[i] ** 2 / 2 + 1, (i, 1, I))
    assert check_equal(lhs, sp.Sum(r[i] ** 2, (i, 1, I)) / 2 + I).method.startswith("symbolic")
    wrong = check_equal(lhs, sp.Sum(r[i] ** 2, (i, 1, I)) / 2 + 1)  # the constant counted once
    assert not wrong.passed and wrong.method.startswith("numeric") and wrong.max_error > 0.1
    # the numeric witness draws I and then every r_i
    assert check_equal(lhs, sp.Sum(r[i] ** 2, (i, 1, I)) / 2 + I, symbolic=False).passed


def test_logsumexp_and_softmax_definitions_at_high_precision():
    rng = random.Random(3)
    f = [sp.Rational(rng.randint(-3000, 3000), 1000) for _ in range(3)]
    lse = LogSumExp(*f).evalf(40)
    assert abs(lse - sp.log(sum(sp.exp(v) for v in f)).evalf(40)) < 1e-35
    total = sum(Softmax(c, *f).evalf(40) for c in range(3))
    assert abs(total - 1) < 1e-35
