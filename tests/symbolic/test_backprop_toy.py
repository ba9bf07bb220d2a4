"""The chain-rule toy: every forward value and every backward factor, checked three ways
(50-digit values of the composed expression, sympy.diff of the composed loss, torch autograd)."""

import math

import pytest
import sympy as sp
import torch

from symbolic.backprop.backprop import adjoint_symbol
from symbolic.backprop.toy import chain_rule_example, toy_values

TOL = 1e-40  # two 50-digit evaluations of the same number


@pytest.fixture(scope="module")
def toy():
    ex = chain_rule_example()
    values = toy_values(ex)
    return ex, values, ex.evaluate(values, digits=50)


def test_composed_function_is_the_slides_expression(toy):
    ex, _, _ = toy
    b, w, x = ex.beta, ex.omega, ex.x
    slide = b[3] + w[3] * sp.cos(b[2] + w[2] * sp.exp(b[1] + w[1] * sp.sin(b[0] + w[0] * x)))
    assert ex.composed() == slide
    assert sp.expand(ex.composed_loss() - (ex.y - slide) ** 2) == 0


def test_every_forward_value(toy):
    """f_0 .. f_3, h_1 .. h_3 and l against the same numbers computed in mpmath by hand."""
    ex, values, got = toy
    num = {s: sp.Float(v, 50) for s, v in values.items()}
    b, w = [num[s] for s in ex.beta], [num[s] for s in ex.omega]
    f0 = b[0] + w[0] * num[ex.x]
    h1 = sp.sin(f0)
    f1 = b[1] + w[1] * h1
    h2 = sp.exp(f1)
    f2 = b[2] + w[2] * h2
    h3 = sp.cos(f2)
    f3 = b[3] + w[3] * h3
    expected = dict(zip(ex.f, (f0, f1, f2, f3)))
    expected.update(dict(zip(ex.h[1:], (h1, h2, h3))))
    expected[ex.l] = (num[ex.y] - f3) ** 2
    for s, v in expected.items():
        assert abs(got[s] - v.evalf(50)) < TOL, s
    assert abs(got[ex.f[3]] - ex.composed().xreplace(values).evalf(50)) < TOL


def test_every_backward_factor(toy):
    """Each local factor dt/ds equals sympy.diff of t's own defining expression, and the
    factors chain to dl/df_0 as in the lecture (product of all factors)."""
    ex, _, got = toy
    definitions = dict(ex.forward)
    assert len(ex.factors) == 7
    for t, s, d in ex.factors:
        assert sp.simplify(d - sp.diff(definitions[t], s)) == 0
    product = sp.Mul(*[d for _, _, d in ex.factors]).xreplace(got).evalf(50)
    assert abs(product - got[adjoint_symbol(ex.f[0])]) < TOL


def test_every_adjoint_equals_diff_of_the_loss_in_that_intermediate(toy):
    """dl/ds for every intermediate s: sympy.diff of the loss written as a function of s."""
    ex, _, got = toy
    order = [s for s, _ in ex.forward]
    for index, s in enumerate(order[:-1]):
        tail = {s: s}
        for t, e in ex.forward[index + 1:]:
            tail[t] = e.xreplace(tail)
        expected = sp.diff(tail[ex.l], s).xreplace(got).evalf(50)
        assert abs(got[adjoint_symbol(s)] - expected) < TOL * max(1, abs(expected)), s


def test_gradient_equals_sympy_diff_and_autograd(toy):
    ex, values, got = toy
    loss = ex.composed_loss()
    as_float = {s: float(v) for s, v in values.items()}
    params = {p: torch.tensor(as_float[p], dtype=torch.float64, requires_grad=True) for p in ex.parameters}
    b, w = [params[s] for s in ex.beta], [params[s] for s in ex.omega]
    x, y = as_float[ex.x], as_float[ex.y]
    f = [b[0] + w[0] * x]
    h = [None, torch.sin(f[0])]
    f.append(b[1] + w[1] * h[1])
    h.append(torch.exp(f[1]))
    f.append(b[2] + w[2] * h[2])
    h.append(torch.cos(f[2]))
    f.append(b[3] + w[3] * h[3])
    for t in f + h[1:]:
        t.retain_grad()
    ((y - f[3]) ** 2).backward()
    for p in ex.parameters:
        derived = got[adjoint_symbol(p)]
        assert abs(derived - sp.diff(loss, p).xreplace(values).evalf(50)) < TOL * max(1, abs(derived))
        assert math.isclose(float(derived), params[p].grad.item(), rel_tol=1e-13, abs_tol=1e-13)
    for k in range(4):
        assert math.isclose(float(got[adjoint_symbol(ex.f[k])]), f[k].grad.item(), rel_tol=1e-13)
    for k in range(1, 4):
        assert math.isclose(float(got[adjoint_symbol(ex.h[k])]), h[k].grad.item(), rel_tol=1e-13)


def test_printed_lines_carry_the_numbers(toy):
    ex, _, got = toy
    forward = ex.forward_latex(got)
    assert len(forward) == 8 and forward[0].endswith("= 1")
    assert len(ex.backward_latex(got)) == 7 + 8
    assert len(ex.factor_latex(got)) == 7
