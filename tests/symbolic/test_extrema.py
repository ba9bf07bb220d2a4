"""Stock ``Max``/``Min`` in a program: compiled to numpy and torch, and differentiated by
``reverse_mode`` with torch autograd's value at every tie (micrograd's pattern: the value
and every gradient against float64 PyTorch, on a grid that holds all the ties)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
import torch

from symbolic.core.autodiff import reverse_mode
from symbolic.core.compile import compile_program
from tests.helpers import assert_close

a, b, c, h, l = sp.symbols("a b c h l", real=True)

# (the program's Max/Min expression, the same function written with torch's own operations)
CASES = {
    "Max(0, c)": (sp.Max(0, c), lambda a, b, c: torch.relu(c)),
    "Max(c, 0)": (sp.Max(c, 0), lambda a, b, c: torch.nn.functional.relu(c)),
    "Min(0, c)": (sp.Min(0, c), lambda a, b, c: -torch.relu(-c)),
    "Max(a, b)": (sp.Max(a, b), lambda a, b, c: torch.maximum(a, b)),
    "Min(a, b)": (sp.Min(a, b), lambda a, b, c: torch.minimum(a, b)),
    "Max(1/2, c)": (sp.Max(sp.Rational(1, 2), c), lambda a, b, c: torch.maximum(torch.full_like(c, 0.5), c)),
    "Max(a, b, c)": (sp.Max(a, b, c), lambda a, b, c: torch.maximum(torch.maximum(a, b), c)),
    "Max(0, a, b)": (sp.Max(0, a, b), lambda a, b, c: torch.maximum(torch.relu(a), b)),
    "Min(a, b - c)": (sp.Min(a, b - c), lambda a, b, c: torch.minimum(a, b - c)),
    "2 Max(0, c) + Min(0, a b)": (2 * sp.Max(0, c) + sp.Min(0, a * b),
                                  lambda a, b, c: 2 * torch.relu(c) - torch.relu(-(a * b))),
}

#: Every point of {-1, 0, 1/2, 1}^3: a = b, b = c, a = b = c, zeros (all exact in binary).
GRID = np.array(list(itertools.product([-1.0, 0.0, 0.5, 1.0], repeat=3))).T  # (3, 64)


def _torch_reference(function):
    """Value and gradient of l = 3 h + h^2 with h = function(a, b, c), by autograd."""
    a_, b_, c_ = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in GRID)
    h_ = function(a_, b_, c_)
    loss = 3 * h_ + h_ * h_
    grads = torch.autograd.grad(loss.sum(), (a_, b_, c_), allow_unused=True)
    return h_.detach(), [torch.zeros_like(a_) if g is None else g for g in grads]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("name", list(CASES))
def test_max_and_min_compile_and_differentiate_as_torch(name, backend):
    expr, function = CASES[name]
    program = [(h, expr), (l, 3 * h + h**2)]
    backward, gradient = reverse_mode(program, l, [a, b, c])
    fn = compile_program([a, b, c], program + backward, [h, gradient[a], gradient[b], gradient[c]], backend)
    inputs = [torch.tensor(v, dtype=torch.float64) for v in GRID] if backend == "torch" else list(GRID)
    value, *grads = fn(*inputs)
    h_ref, grads_ref = _torch_reference(function)
    assert_close(value, h_ref, what=f"{name} value")
    for symbol, got, want in zip("abc", grads, grads_ref):
        assert_close(got, want, what=f"d l / d {symbol} of {name}")


def test_the_tie_of_max_0_c_is_relus_zero_not_heavisides_half():
    backward, gradient = reverse_mode([(h, sp.Max(0, c))], h, [c])
    assert gradient[c].subs(c, 0) == 0 and gradient[c].subs(c, 1) == 1 and gradient[c].subs(c, -1) == 0
    assert not gradient[c].has(sp.Heaviside)
    fn = compile_program([c], [(h, sp.Max(0, c))], [gradient[c]], "numpy")
    assert fn(np.array([-1.0, 0.0, 2.0]))[0].tolist() == [0.0, 0.0, 1.0]


def test_the_gradient_keeps_stock_max_and_min():
    """Nothing private escapes: the backward pass holds stock Max/Min (and the package's
    indicator), so its srepr reads back in stock SymPy plus the activation classes."""
    _, gradient = reverse_mode([(h, sp.Max(a, b, c))], h, [a, b, c])
    names = {type(e).__name__ for g in gradient.values() for e in sp.preorder_traversal(g)}
    assert "_Max2" not in names and "_Min2" not in names and "Max" in names
