"""Gradient descent, symbolically: the exact 1-D linear-regression iterates, one step of the
torch trainer against the compiled symbolic gradient (float64), and trained numbers back in
the symbolic network."""

import numpy as np
import pytest
import sympy as sp
import torch

from numeric.datasets import make_dataset
from numeric.training import TrainConfig, Trainer
from symbolic.training.gradient_descent import (lecture_linear_regression, least_squares_loss, linear_regression_descent,
                                       linear_regression_iterates, network_gradient_step, phi_0, phi_1)
from symbolic.core.compile import compile_program
from symbolic.networks.network import deep_network
from symbolic.core.printing import latex
from symbolic.spec import NetworkSpec
from tests.helpers import RTOL64, assert_close, spec_id


def test_linear_regression_iterates_are_exact_and_checked():
    ex = lecture_linear_regression()
    d = linear_regression_descent(ex, steps=4)
    assert d.check().passed
    L = least_squares_loss(ex.x, ex.y)
    phi = sp.Matrix(ex.start)
    for _ in range(4):  # the update written once more, independently
        grad = sp.Matrix([sp.diff(L, p) for p in (phi_0, phi_1)]).subs({phi_0: phi[0], phi_1: phi[1]})
        phi = phi - ex.alpha * grad
    assert [d.steps[-2].rhs, d.steps[-1].rhs] == list(phi)
    floats = linear_regression_iterates(ex, steps=4)
    np.testing.assert_allclose(floats[-1], [float(v) for v in phi], rtol=1e-14)


def test_a_wrong_iterate_fails_its_check():
    d = linear_regression_descent(steps=2)
    d.steps[-1].rhs += sp.Rational(1, 10**6)
    assert not d.check().passed and d.steps[-1].check.method != "definition"


def test_iterates_converge_to_the_least_squares_solution():
    final = linear_regression_iterates(steps=400)[-1]
    np.testing.assert_allclose(final, [0.45, 0.7], atol=1e-10)  # normal equations: (9/20, 7/10)


CASES = [  # spec, loss, dataset, sigma
    (NetworkSpec((1, 3, 1), "relu"), "least-squares", "regression-1d", None),
    (NetworkSpec((1, 2, 1), "gelu"), "normal", "regression-1d", 0.7),
    (NetworkSpec((1, 2, 2), "swish"), "heteroscedastic-normal", "regression-1d", None),
    (NetworkSpec((2, 3, 1), "tanh"), "bernoulli", "binary-2d", None),
    (NetworkSpec((1, 2, 3), "sigmoid"), "categorical", "classes-3", None),
    (NetworkSpec((1, 3, 1), "softplus"), "poisson", "counts-1d", None),
    (NetworkSpec((1, 2, 2, 1), "leaky_relu"), "least-squares", "regression-1d", None),
]


@pytest.mark.parametrize("spec, loss, dataset, sigma", CASES, ids=[f"{spec_id(c[0])}-{c[1]}" for c in CASES])
def test_one_step_of_the_trainer_equals_the_symbolic_step(spec, loss, dataset, sigma):
    data = make_dataset(dataset)
    trainer = Trainer(spec, loss, data, TrainConfig(optimizer="gd", lr=0.01, epochs=1, sigma=sigma, device="cpu",
                                                   progress=False))
    before = {k: np.array(v) for k, v in trainer.model.tensors().items()}
    after = trainer.run().params
    expected = network_gradient_step(spec, loss, before, data.X, data.Y, 0.01, sigma)
    for name in before:
        assert np.abs(expected[name] - before[name]).max() > 1e-6, "the step must move the parameters"
        assert_close(after[name], expected[name], RTOL64, what=name)


def test_first_momentum_step_is_alpha_one_minus_beta_times_the_gradient():
    spec, data = NetworkSpec((1, 3, 1), "tanh"), make_dataset("regression-1d")
    trainer = Trainer(spec, "least-squares", data, TrainConfig(optimizer="momentum", lr=0.02, batch_size=data.I,
                                                              epochs=1, beta=0.75, progress=False, device="cpu"))
    before = {k: np.array(v) for k, v in trainer.model.tensors().items()}
    after = trainer.run().params
    # batch = I, so the permutation only reorders the sum: float64 rounding, not exactness
    expected = network_gradient_step(spec, "least-squares", before, data.X, data.Y, 0.02 * (1 - 0.75))
    for name in before:
        assert_close(after[name], expected[name], RTOL64, what=name)


def test_trained_numbers_in_the_symbolic_network_print_and_predict_like_torch():
    spec, data = NetworkSpec((1, 4, 1), "relu"), make_dataset("regression-1d")
    trainer = Trainer(spec, "least-squares", data, TrainConfig(optimizer="adam", epochs=20, progress=False,
                                                              device="cpu"))
    params = trainer.run().params
    net = deep_network(spec)
    y = net.substituted_outputs()[0].xreplace(net.parameter_values(params))
    assert y.free_symbols == set(net.inputs)
    text = latex(y)
    assert r"\mathrm{ReLU}" in text and "x_{1}" in text and f"{abs(params['beta_1'][0]):.15g}"[:5] in text
    xs = np.linspace(-0.5, 3.5, 97)
    predicted = compile_program(net.inputs, [], [y], "numpy")(xs)[0]
    with torch.no_grad():
        reference = trainer.model(torch.tensor(xs[:, None]))[:, 0]
    assert_close(predicted, reference, RTOL64, what="prediction")
