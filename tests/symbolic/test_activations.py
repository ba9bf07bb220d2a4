"""Each activation: exact derivative, and its numpy/torch printing, against the stock
SymPy definition evaluated with mpmath; and against the numeric twin's torch function."""

import numpy as np
import pytest
import sympy as sp
import torch

from numeric.activations import torch_activation
from symbolic.activations.functions import Indicator, ReLU, activation
from symbolic.core.compile import compile_program
from symbolic.core.derivation import check_equal
from symbolic.spec import ACTIVATIONS, NetworkSpec
from tests.helpers import assert_close

z = sp.Symbol("z", real=True)
# Points away from the kink at 0, including large |z| where naive forms overflow.
POINTS = np.array([-30.0, -4.5, -1.25, -0.3, 0.2, 0.9, 2.5, 7.0, 30.0])


def _definition(expr: sp.Expr) -> sp.Expr:
    """Rewrite the package's activation classes into stock SymPy (Piecewise, exp, erf)."""
    return expr.replace(lambda e: hasattr(e, "definition") and isinstance(e, sp.Function),
                        lambda e: type(e).definition(*e.args))


def _reference(expr: sp.Expr, points) -> np.ndarray:
    stock = _definition(expr)
    return np.array([float(stock.subs(z, sp.Float(p, 30)).evalf(40)) for p in points])


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_is_exact(name):
    a = activation(name)
    derivative = sp.diff(a(z), z)
    stock = sp.diff(_definition(a(z)), z)
    # Piecewise derivatives are compared away from the kink, at high precision.
    result = check_equal(_definition(derivative), stock, {z: lambda rng: sp.Rational(rng.choice([-1, 1]) * rng.randint(100, 3000), 1000)},
                         points=8)
    assert result.passed, (name, result)


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_printed_code_matches_definition(name, backend):
    a = activation(name)
    value, slope = a(z), sp.diff(a(z), z)
    fn = compile_program([z], [], [value, slope], backend)
    x = torch.tensor(POINTS, dtype=torch.float64) if backend == "torch" else POINTS
    got_value, got_slope = fn(x)
    assert_close(got_value, _reference(value, POINTS), 1e-14, f"{name}[z]")
    assert_close(got_slope, _reference(slope, POINTS), 1e-14, f"{name}'[z]")


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_twin_activation_matches_compiled(name):
    spec = NetworkSpec((1, 1), name)
    fn = compile_program([z], [], [activation(spec)(z)], "torch")
    x = torch.linspace(-40, 40, 1001, dtype=torch.float64)
    assert_close(torch_activation(spec)(x), fn(x)[0], 1e-15, name)


def test_relu_derivative_is_zero_at_zero_like_torch():
    assert sp.diff(ReLU(z), z).subs(z, 0) == 0
    fn = compile_program([z], [], [sp.diff(ReLU(z), z)], "torch")
    x = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch.relu(x).sum().backward()
    assert fn(x.detach())[0].tolist() == x.grad.tolist() == [0.0, 0.0, 0.0]
    assert Indicator(0) == 0 and Indicator(sp.Rational(1, 10**9)) == 1


def test_lambdify_free_of_max_and_heaviside():
    """The printers own the activations: no Max/Heaviside (which SymPy's torch printer breaks)."""
    for name in ACTIVATIONS:
        src = compile_program([z], [], [activation(name)(z), sp.diff(activation(name)(z), z)], "torch").source
        assert "Max" not in src and "Heaviside" not in src and "torch.max(0" not in src


def test_softplus_keeps_its_digits_far_below_zero():
    """log(1 + exp(z)) at working precision rounded softplus(-23.3) to 0, and SymPy then took
    Abs(-softplus(f)) at f = -23.3 for exactly 0 (a right answer was refuted there)."""
    import mpmath

    from symbolic.activations.functions import Softplus

    f = sp.Symbol("f", real=True)
    x = sp.Rational(-233, 10)
    with mpmath.workdps(60):
        exact = sp.Float(mpmath.log1p(mpmath.exp(mpmath.mpf(-233) / 10)), 60)
    for digits in (2, 15, 30):
        assert abs(Softplus(x).evalf(digits) - exact) <= exact * sp.Float(10) ** (1 - digits)
    assert sp.Abs(-Softplus(f)).subs(f, x) != 0
