"""The update rules, written out by hand as in the book (Prince eqs. 6.3-6.16) and compared
with the optimizers the trainer runs, step by step, in float64."""

import numpy as np
import pytest
import torch

from numeric.optimizers import BookMomentum, make_optimizer

G = [np.array([0.5, -2.0, 3.0]), np.array([-1.0, 0.25, 2.0]), np.array([4.0, 1.0, -0.5]), np.array([0.1, 0.2, 0.3])]
PHI0 = np.array([1.0, -1.0, 0.5])


def run(optimizer_factory, grads=G):
    """Apply the optimizer to a parameter whose gradients are prescribed, step by step."""
    phi = torch.tensor(PHI0, dtype=torch.float64, requires_grad=True)
    opt = optimizer_factory([phi])
    out = []
    for g in grads:
        phi.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(phi.detach().numpy().copy())
    return out


def test_momentum_is_the_books_rule():
    alpha, beta = 0.1, 0.9
    phi, m, expected = PHI0.copy(), np.zeros(3), []
    for g in G:
        m = beta * m + (1 - beta) * g  # eq. 6.11
        phi = phi - alpha * m
        expected.append(phi.copy())
    got = run(lambda p: make_optimizer("momentum", p, alpha, beta=beta))
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=1e-15)
    assert isinstance(make_optimizer("momentum", [torch.zeros(1, requires_grad=True)], alpha), BookMomentum)


def test_books_momentum_is_not_torchs_but_equals_it_with_a_rescaled_rate():
    alpha, beta = 0.1, 0.9
    book = run(lambda p: BookMomentum(p, lr=alpha, beta=beta))
    torch_plain = run(lambda p: torch.optim.SGD(p, lr=alpha, momentum=beta))
    torch_damped = run(lambda p: torch.optim.SGD(p, lr=alpha, momentum=beta, dampening=beta))
    assert np.abs(book[0] - torch_plain[0]).max() > 0.1  # torch steps by alpha g on step 1
    assert np.abs(book[0] - torch_damped[0]).max() > 0.1  # torch skips dampening on step 1
    rescaled = run(lambda p: torch.optim.SGD(p, lr=alpha * (1 - beta), momentum=beta))  # m_t = (1 - beta) b_t
    np.testing.assert_allclose(book, rescaled, rtol=1e-14, atol=1e-15)


def test_adam_is_the_books_rule():
    alpha, beta, gamma, eps = 0.05, 0.9, 0.999, 1e-8
    phi, m, v, expected = PHI0.copy(), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(G):
        m = beta * m + (1 - beta) * g  # eq. 6.13
        v = gamma * v + (1 - gamma) * g**2  # eq. 6.14
        m_hat, v_hat = m / (1 - beta ** (t + 1)), v / (1 - gamma ** (t + 1))  # eq. 6.15
        phi = phi - alpha * m_hat / (np.sqrt(v_hat) + eps)  # eq. 6.16
        expected.append(phi.copy())
    got = run(lambda p: make_optimizer("adam", p, alpha, beta=beta, gamma=gamma, epsilon=eps))
    np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["gd", "sgd"])
def test_gradient_descent_rule(name):
    got = run(lambda p: make_optimizer(name, p, 0.2))
    np.testing.assert_allclose(got[-1], PHI0 - 0.2 * sum(G), rtol=1e-15, atol=1e-15)


def test_bad_optimizer_settings():
    p = [torch.zeros(1, requires_grad=True)]
    with pytest.raises(ValueError, match=r"^momentum beta must be in \[0, 1\), got 1.0$"):
        BookMomentum(p, lr=0.1, beta=1.0)
    with pytest.raises(ValueError, match=r"^learning rate must be a positive finite number, got -0.1$"):
        make_optimizer("sgd", p, -0.1)
