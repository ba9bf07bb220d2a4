"""Backpropagation derived symbolically: the program vs ``sympy.diff`` of the composed loss
(exact / 50-digit), the lecture's matrix form, program size, gradient descent, bad input."""

import random

import numpy as np

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings

from symbolic.backprop.backprop import (adjoint_symbol, alpha, backprop, gradient_descent_step, local_partials,
                               reverse_mode)
from symbolic.losses.sample import LOSSES
from symbolic.spec import ACTIVATIONS, NetworkSpec
from tests.helpers import FIRST_ROUND, specs

#: 50-digit evaluation of two different expression trees of the same number.
DIGITS_TOL = 1e-40


def _d_o(loss: str) -> int:
    return 2  # categorical needs two classes, heteroscedastic-normal a mean and a log-variance


@pytest.mark.parametrize("loss", FIRST_ROUND)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_program_equals_sympy_diff_of_composed_loss(activation, loss):
    """Witness 1: every parameter's derived gradient = sympy.diff of the substituted loss."""
    bp = backprop((1, 2, _d_o(loss)), loss, activation)
    assert bp.diff_check(points=1, seed=7) < DIGITS_TOL


@pytest.mark.slow
@pytest.mark.parametrize("loss", FIRST_ROUND)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_two_hidden_layers_equal_sympy_diff(activation, loss):
    bp = backprop((2, 2, 1, 2), loss, activation)
    assert bp.diff_check(points=1, seed=3) < DIGITS_TOL


def test_relu_program_is_exact_in_rationals():
    """With ReLU and rational inputs both sides are exact rationals and equal."""
    bp = backprop((2, 3, 2, 1), "least-squares", "relu")
    witness = bp.substituted_gradient()
    for seed in range(3):
        point = bp.random_point(seed)
        got = bp.evaluate(point)
        for p in bp.parameters:
            value = got[adjoint_symbol(p)]
            assert value.is_Rational and value == witness[p].xreplace(point)


def test_the_witness_catches_a_wrong_backward_step():
    """The check can fail: dl/df_K off by a factor 2 (a mean-vs-sum style slip) is caught."""
    bp = backprop((1, 2, 1), "least-squares", "tanh")
    (s, e), rest = bp.backward[0], bp.backward[1:]
    bp.backward = [(s, 2 * e)] + rest
    bp.__dict__.pop("adjoints", None)
    assert bp.diff_check(points=1) > 0.1
    assert bp.matrix_form_check()  # dl/df_K no longer equals dloss/df_K


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(max_hidden_layers=3, max_width=4))
def test_matrix_form_holds_for_any_spec(spec):
    """The derived program is the lecture's matrix equations, element by element."""
    bp = backprop(spec, "least-squares")
    assert bp.matrix_form_check() == []
    assert len(bp.matrix_latex()) == 5


def test_matrix_form_check_can_fail():
    bp = backprop((2, 3, 1), "least-squares", "sigmoid")
    tampered = [(s, e.xreplace({bp.net.omega[1][0, 0]: bp.net.omega[1][0, 1]})) for s, e in bp.backward]
    bp.backward = tampered
    bp.__dict__.pop("adjoints", None)
    assert any("dl/dh_1" in p for p in bp.matrix_form_check())


def test_backward_program_has_the_lecture_shape():
    """dl/dh_k = sum_i omega_{k,i,j} dl/df_{k,i}; dl/df = a'[f] dl/dh; dl/dOmega = dl/df h^T."""
    bp = backprop((2, 3, 2), "least-squares", "sigmoid")
    net, values = bp.net, dict(bp.backward)
    g = [adjoint_symbol(f) for f in net.f[1]]
    for j in range(3):
        expected = sum(net.omega[1][i, j] * g[i] for i in range(2))
        assert sp.expand(values[adjoint_symbol(net.h[1][j])] - expected) == 0
        f = net.f[0][j]
        derived = values[adjoint_symbol(f)].rewrite(sp.exp)
        expected = sp.diff(1 / (1 + sp.exp(-f)), f) * adjoint_symbol(net.h[1][j])
        assert sp.simplify(derived - expected) == 0
    assert bp.gradient[net.omega[0][2, 1]] == adjoint_symbol(net.f[0][2]) * net.inputs[1]
    assert bp.gradient[net.beta[1][0]] == adjoint_symbol(net.f[1][0])


@pytest.mark.parametrize("D", [2, 4, 8, 16])
def test_program_size_is_linear_in_the_parameters(D):
    """Assignments and total operation count grow like the parameter count, not faster."""
    spec = NetworkSpec((2, D, D, 1), "relu")
    bp = backprop(spec, "least-squares")
    n = spec.n_parameters
    lines = len(bp.program) + len(bp.parameters)
    ops = sum(sp.count_ops(e) for _, e in bp.program) + sum(sp.count_ops(e) for e in bp.gradient.values())
    assert lines <= 2 * n + 10
    assert ops <= 5 * n + 20


def test_reverse_mode_on_a_shared_intermediate():
    """An intermediate used twice collects both contributions: l = u^2 + sin(u), u = w x."""
    x, w, u, l = sp.symbols("x w u l", real=True)
    backward, gradient = reverse_mode([(u, w * x), (l, u**2 + sp.sin(u))], l, [w, x])
    composed = (w * x) ** 2 + sp.sin(w * x)
    values = dict(backward)
    for var in (w, x):
        got = gradient[var].xreplace(values).xreplace({u: w * x})
        assert sp.simplify(got - sp.diff(composed, var)) == 0


def test_reverse_mode_gives_zero_for_unused_parameters():
    x, w, v, f, l = sp.symbols("x w v f l", real=True)
    _, gradient = reverse_mode([(f, w * x), (l, f**2)], l, [w, v])
    assert gradient[v] == 0


@pytest.mark.parametrize(
    "program, output, wrt, message",
    [
        ([], sp.Symbol("l"), [], "output l is not assigned by the program"),
        ([(sp.Symbol("l"), 1), (sp.Symbol("l"), 2)], sp.Symbol("l"), [], "assigns each symbol once"),
        ([(sp.Symbol("l"), sp.Symbol("w"))], sp.Symbol("l"), [sp.Symbol("l")], "assigned symbol l"),
    ],
)
def test_reverse_mode_bad_input(program, output, wrt, message):
    with pytest.raises(ValueError, match=message):
        reverse_mode(program, output, wrt)


def test_backprop_bad_input():
    with pytest.raises(ValueError, match="unknown loss 'least-square'.*did you mean 'least-squares'"):
        backprop((1, 2, 1), "least-square")
    with pytest.raises(ValueError, match="categorical loss needs at least two outputs"):
        backprop((1, 2, 1), "categorical")
    with pytest.raises(ValueError, match="unknown activation"):
        backprop((1, 2, 1), "least-squares", "relux")
    with pytest.raises(TypeError, match="loss must be a loss name"):
        backprop((1, 2, 1), 3)


def test_local_partials_term_by_term():
    a, b, z = sp.symbols("a b z", real=True)
    d = local_partials(a * z + b * z**2 + sp.exp(a), [a, z])
    assert sp.expand(d[a] - (z + sp.exp(a))) == 0 and sp.expand(d[z] - (a + 2 * b * z)) == 0
    assert b not in d


def test_gradient_descent_step_is_phi_minus_alpha_gradient():
    bp = backprop((1, 2, 1), "least-squares", "tanh")
    step = gradient_descent_step(bp.gradient)
    assert [s for s, _ in step] == bp.parameters
    for phi, new in step:
        assert sp.expand(new - (phi - alpha * bp.gradient[phi])) == 0
    # numbers: one exact step on the 1-2-1 linear network lowers the loss
    lin = backprop((1, 2, 1), "least-squares", "linear")
    point = lin.random_point(1)
    values = lin.evaluate(point)
    rate = sp.Rational(1, 100)
    update = gradient_descent_step({p: values[adjoint_symbol(p)] for p in lin.parameters}, rate)
    moved = dict(point)
    moved.update({phi: new.xreplace(point) for phi, new in update})
    assert lin.evaluate(moved)[lin.l] < values[lin.l]


def test_gradient_descent_step_bad_input():
    b = sp.Symbol("beta_{0,1}", real=True)
    with pytest.raises(ValueError, match="learning rate alpha must be positive, got -1/10"):
        gradient_descent_step({b: 1}, sp.Rational(-1, 10))
    with pytest.raises(TypeError, match="gradient must map parameters"):
        gradient_descent_step([b], 0.1)


def test_random_points_suit_the_loss():
    rng = random.Random(0)
    for loss in FIRST_ROUND:
        bp = backprop((1, 1, 2), loss, "relu")
        point = bp.random_point(rng.randint(0, 100))
        if loss == "categorical":
            assert sorted(point[t] for t in bp.targets) == [0, 1]
        if loss in ("poisson", "bernoulli"):
            assert all(point[t] >= 0 and point[t].is_integer for t in bp.targets)


def test_compiled_indicator_gate_equals_the_product():
    """compile_program prints I[z > 0] * g as where(z > 0, g, 0): same numbers, same dtype."""
    import numpy as np
    import torch

    from symbolic.activations.functions import Indicator
    from symbolic.core.compile import compile_program

    z, g, w = sp.symbols("z g w", real=True)
    zs = np.array([-1.5, -0.0, 0.0, 1e-30, 2.0])
    gs = np.array([3.0, 4.0, 5.0, 6.0, -7.0])
    for backend in ("numpy", "torch"):
        gate = compile_program([z, g, w], [], [Indicator(z) * g * w], backend)
        scaled = compile_program([z, g, w], [], [Indicator(z) * 3], backend)
        assert "where" in gate.source and "where" not in scaled.source  # a number times I stays a product
        args = (zs, gs, 2.0) if backend == "numpy" else (torch.tensor(zs, dtype=torch.float32),
                                                         torch.tensor(gs, dtype=torch.float32),
                                                         torch.tensor(2.0, dtype=torch.float32))
        (gated,), (constant,) = gate(*args), scaled(*args)
        assert np.asarray(gated).tolist() == [0.0, 0.0, 0.0, 12.0, -14.0]
        assert np.asarray(constant).tolist() == [0.0, 0.0, 0.0, 3.0, 3.0]
        if backend == "torch":
            assert gated.dtype == torch.float32


def test_python_float_arguments_keep_float64_in_torch_programs():
    import torch

    from symbolic.core.compile import compile_program

    x, s = sp.symbols("x sigma", real=True)
    fn = compile_program([x, s], [], [sp.log(2 * sp.pi * s**2) / 2 + x], "torch")
    (out,) = fn(torch.zeros(2, dtype=torch.float64), 0.1)
    assert out.dtype == torch.float64
    assert abs(out[0].item() - 0.5 * np.log(2 * np.pi * 0.01)) < 1e-15


def test_adjoints_are_their_own_symbols_not_a_name_prefix():
    """An adjoint prints as a partial derivative because it is an ``Adjoint``, whatever its
    name; a plain symbol that happens to be called ``dl/df`` is not one."""
    from symbolic.core.autodiff import Adjoint
    from symbolic.backprop.backprop import LOSS_SYMBOL
    from symbolic.core.printing import latex

    f = sp.Symbol("f_{1,2}", real=True)
    g = adjoint_symbol(f)
    assert isinstance(g, Adjoint) and g.wrt == f and g.output == LOSS_SYMBOL and g.is_real
    assert latex(g) == r"\frac{\partial \ell}{\partial f_{1,2}}"
    assert "partial" not in latex(sp.Symbol(g.name, real=True))
    assert g != sp.Symbol(g.name, real=True)
    # the same name with another output is another adjoint
    assert Adjoint(f, sp.Symbol("L", real=True)) != Adjoint(f, sp.Symbol("l", real=True))
    # the adjoint is last in a product: the chain rule's factor, then dl/ds
    w = sp.Symbol("omega_{1,1,2}", real=True)
    assert latex(w * g) == r"\omega_{1,1,2} \frac{\partial \ell}{\partial f_{1,2}}"


def test_adjoints_survive_pickling_and_export_as_stock_symbols():
    import pickle

    bp = backprop((1, 2, 1), "least-squares", "relu")
    assert pickle.loads(pickle.dumps(bp.program)) == bp.program
    assert all("Adjoint" not in sp.srepr(e) and "PerSampleLoss" not in sp.srepr(e)
               for _, e in bp.program + bp.gradient_assignments)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_compile_program_names_a_stray_symbol(backend):
    """A symbol that is neither an argument nor assigned earlier is named, not a NameError."""
    from symbolic.core.compile import compile_program

    x, w, f, h = sp.symbols("x w f h", real=True)
    with pytest.raises(ValueError, match=r"'w' appears in the assignment f = w\*x"):
        compile_program([x], [(f, w * x)], [f], backend)
    with pytest.raises(ValueError, match=r"'h' appears in the output"):
        compile_program([x, w], [(f, w * x)], [f + h], backend)
    fn = compile_program([x, w], [(f, w * x), (h, sp.exp(f))], [h, f], backend)
    values = [np.array([2.0]), np.array([0.5])]
    if backend == "torch":
        import torch

        values = [torch.tensor(v, dtype=torch.float64) for v in values]
    assert [float(v[0]) for v in fn(*values)] == [float(sp.exp(1)), 1.0]
