"""A lecturer's own activations: ``register_activation`` from one SymPy expression.

Each registered activation is checked the micrograd way: its derivative (SymPy's), compiled
to torch, against autograd of the twin's forward; its values against 30-digit evaluation of
the expression; and in a network, the derived outputs and gradients against the torch twin.
Random activations built from sums and products of stock functions (hypothesis) cover what
nobody thought of.
"""

from __future__ import annotations

import contextlib
import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.checks.crosscheck import forward_check, gradient_check
from numeric.activations import torch_activation
from symbolic import register_activation
from symbolic.activations.functions import ACTIVATION_CLASSES
from symbolic.core.compile import compile_program
from symbolic.activations.custom import make_activation
from symbolic.regions.piecewise import count_regions, network_pieces
from symbolic.spec import ACTIVATIONS, NetworkSpec
from derivations.exercises.srepr_reader import read_srepr
from tests.helpers import assert_close

z = sp.Symbol("z", real=True)
_names = (f"test-act-{i}" for i in itertools.count())


@contextlib.contextmanager
def registered(expr, **options):
    """Register ``expr`` under a fresh name for the block, then take it out again."""
    name = next(_names)
    entry = register_activation(name, expr, **options)
    try:
        yield name, entry
    finally:
        ACTIVATIONS.remove(name)
        ACTIVATION_CLASSES.pop(entry.sympy.__name__, None)


def _points(entry, n: int = 64) -> torch.Tensor:
    """Points in [-3, 3] at least 1e-3 from every kink, float64."""
    zs = torch.linspace(-3, 3, n, dtype=torch.float64) + 0.0123
    for t in entry.kink_values():
        zs = zs[(zs - t).abs() > 1e-3]
    return zs


def _derivative_roundtrip(name: str, entry) -> None:
    """a and a' compiled to torch vs the twin and its autograd; a vs 30-digit SymPy values."""
    spec = NetworkSpec((1, 1), name)
    zs = _points(entry).requires_grad_(True)
    value = torch_activation(spec)(zs)
    grad = torch.autograd.grad(value.sum(), zs)[0]
    a = entry.sympy_function()(z)
    got, slope = compile_program([z], [], [a + 0 * z, sp.diff(a, z) + 0 * z], "torch")(zs.detach())
    assert_close(got, value, 1e-10, f"{name}: compiled a vs twin")
    assert_close(slope, grad, 1e-10, f"{name}: compiled a' vs autograd")
    exact = [float(sp.N(entry.sympy_class().definition(z).subs(z, sp.Float(float(p), 30)), 30)) for p in zs[:8]]
    assert_close(value.detach()[:8], np.array(exact), 1e-12, f"{name}: twin vs 30-digit values")


def test_softsign_end_to_end_against_torch_softsign():
    with registered(z / (1 + sp.Abs(z)), torch="torch.nn.functional.softsign") as (name, entry):
        assert entry.kinks == () and not entry.piecewise_linear  # |z| switches at 0, its slopes there agree
        _derivative_roundtrip(name, entry)  # the twin is torch's own softsign: an independent oracle
        spec = NetworkSpec((2, 3, 2), name)
        checks = forward_check(spec) + gradient_check(spec, "least-squares")
        assert all(c.passed for c in checks), [c for c in checks if not c.passed]
        # srepr of a derivation round-trips through the reader, which knows the new class
        expr = entry.sympy_function()(z / 2 + 1)
        assert read_srepr(sp.srepr(expr)) == expr


def test_piecewise_linear_activation_counts_regions_exactly():
    # abs-relu: slope -1/2 left of 0, 3/2 right of it; a 1-3-1 network's joints are -beta/omega.
    with registered(sp.Max(0, z) + sp.Abs(z) / 2) as (name, entry):
        assert entry.kinks == (0,) and entry.piecewise_linear and entry.continuous and entry.regions_ready
        spec = NetworkSpec((1, 3, 1), name)
        tensors = {"beta_0": [0.5, -1.0, 0.25], "omega_0": [[1.0], [2.0], [-1.5]], "beta_1": [0.1],
                   "omega_1": [[1.0, -2.0, 0.5]]}
        pl = network_pieces(spec, tensors)
        assert pl.joints == (Fraction(-1, 2), Fraction(1, 6), Fraction(1, 2)) and count_regions(spec, tensors) == 4
        # the exact pieces agree with the torch twin on a grid
        from numeric.model import DeepNetworkModule

        module = DeepNetworkModule(spec, dtype=torch.float64).load_tensors(tensors)
        xs = np.linspace(-3, 3, 601)
        with torch.no_grad():
            twin = module(torch.tensor(xs[:, None])).numpy()
        assert_close(pl.evaluate(xs), twin, 1e-12, "pieces vs twin")


def test_detects_kinks_linearity_and_continuity():
    hard_tanh = make_activation("hard-tanh", sp.Max(-1, sp.Min(1, z)))
    assert hard_tanh.kinks == (-1, 1) and hard_tanh.piecewise_linear and not hard_tanh.regions_ready
    step = make_activation("step", sp.Heaviside(z - 1))
    assert step.kinks == (1,) and step.piecewise_linear and not step.continuous
    # SymPy's Heaviside is rewritten to I[z > 0]: 0 at the step, as the package's heaviside
    assert step.sympy_function()(sp.Integer(1)) == 0
    smooth = make_activation("smooth", z * sp.tanh(z) + sp.sin(z))
    assert smooth.kinks == () and not smooth.piecewise_linear
    stated = make_activation("stated", sp.Abs(sp.sin(z)), kinks=[0])
    assert stated.kinks == (0,)


def test_a_symbol_without_assumptions_is_taken_as_real():
    w = sp.Symbol("w")
    entry = make_activation("w-act", w * sp.exp(-w ** 2))
    (symbol,) = entry.sympy_class().definition(z).free_symbols
    assert symbol == z


@pytest.mark.parametrize("expr, options, message", [
    (z * sp.Symbol("mu"), {}, r"^activation 'bad' must be an expression in one real symbol, got 2: mu, z$"),
    (sp.Integer(3), {}, r"^activation 'bad' must be an expression in one real symbol, got a constant$"),
    (sp.log(z), {}, r"^activation 'bad' is not a finite real number at z = -3.7 .*defined for every real z$"),
    (1 / z, {}, r"^activation 'bad' is not a finite real number at z = 0.0 "),
    (sp.Abs(sp.sin(z)), {}, r"^activation 'bad': cannot find where sin\(z\) = 0 .*pass kinks=\[\.\.\.\]"),
    (sp.tanh(z), {"derivative": 1 - sp.tanh(z)}, r"^activation 'bad': the given derivative 1 - tanh\(z\) differs"),
])
def test_bad_expressions_are_refused_with_the_reason(expr, options, message):
    with pytest.raises(ValueError, match=message):
        register_activation("bad", expr, **options)
    assert "bad" not in ACTIVATIONS


def test_taken_and_malformed_names_and_non_expressions_are_refused():
    with pytest.raises(ValueError, match=r"^activation 'relu' is already registered; choose another name$"):
        register_activation("relu", z / (1 + sp.Abs(z)))
    with pytest.raises(ValueError, match=r"^activation name must be a non-empty string without spaces"):
        register_activation("two words", z)
    with pytest.raises(TypeError, match=r"^activation 'txt' must be a SymPy expression in one real symbol, got str"):
        register_activation("txt", "z/(1 + Abs(z))")  # a string is never parsed (sympify would eval it)


@pytest.mark.parametrize("path, message", [
    ("torch.nn.functional.softsgn", r"^the torch function of activation 'bad': 'torch.nn.functional.softsgn' does "
                                    r"not exist: torch.nn.functional has no 'softsgn' \(did you mean 'softsign'\?\)$"),
    ("torch.tanhh", r"^the torch function of activation 'bad': 'torch.tanhh' does not exist: torch has no 'tanhh' "
                    r"\(did you mean 'tanh'\?\)$"),
    ("torch.nn.functional", r"^the torch function of activation 'bad', 'torch.nn.functional', is a module, not a "
                            r"function"),
])
def test_a_torch_path_that_names_no_function_is_refused_at_registration(path, message):
    with pytest.raises(ValueError, match=message):
        register_activation("bad", z / (1 + sp.Abs(z)), torch=path)
    assert "bad" not in ACTIVATIONS


def test_a_torch_path_its_module_defines_is_checked_without_importing_torch():
    import subprocess
    import sys

    code = ("import sys, sympy as sp\nfrom symbolic.activations.custom import make_activation\n"
            "z = sp.Symbol('z', real=True)\n"
            "make_activation('s', z / (1 + sp.Abs(z)), torch='torch.nn.functional.softsign')\n"
            "print('torch' in sys.modules)\n"
            "try:\n    make_activation('s', z / (1 + sp.Abs(z)), torch='torch.nn.functional.softsgn')\n"
            "except ValueError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == "False"  # the right path: read from torch's source, not imported
    assert out.splitlines()[1].endswith("(did you mean 'softsign'?)")  # the wrong one: imported, and refused


def test_a_given_correct_derivative_is_accepted_and_used():
    entry = make_activation("tanh-mine", sp.tanh(z), derivative=1 - sp.tanh(z) ** 2)
    assert sp.diff(entry.sympy_function()(z), z) == 1 - sp.tanh(z) ** 2


def test_regions_refuses_an_activation_that_is_not_piecewise_linear():
    from symbolic.regions.counts import activation_pattern_map

    with registered(z / (1 + sp.Abs(z))) as (name, _):
        spec = NetworkSpec((2, 2, 1), name)
        zeros = {k: np.zeros(s) for k, s in spec.tensor_shapes().items()}
        with pytest.raises(ValueError, match=rf"^linear regions assume a piecewise-linear activation \(relu or "
                                             rf"leaky_relu\), got '{name}'; use --activation relu$"):
            activation_pattern_map(spec, zeros)


# ----- random activations: derive -> compile -> torch --------------------------------------

_ATOMS = (z, z ** 2, sp.exp(z / 2), sp.tanh(z), sp.sin(z), sp.cos(z), sp.atan(z), sp.Abs(z), sp.Abs(z - 1),
          sp.sqrt(1 + z ** 2), sp.Max(0, z), sp.erf(z))
_coefficients = st.sampled_from([sp.Rational(p, q) for p in (-3, -1, 1, 2, 5) for q in (1, 2, 3)])
_terms = st.tuples(_coefficients, st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=2)).map(
    lambda t: t[0] * sp.Mul(*t[1]))
_expressions = st.lists(_terms, min_size=1, max_size=3).map(lambda ts: sp.Add(*ts)).filter(lambda e: e.has(z))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions)
def test_random_registered_activations_round_trip_to_torch(expr):
    with registered(expr) as (name, entry):
        _derivative_roundtrip(name, entry)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions, st.sampled_from(["least-squares", "bernoulli", "poisson"]))
def test_random_registered_activations_in_networks_match_the_twin(expr, loss):
    with registered(expr) as (name, _):
        spec = NetworkSpec((2, 3, 1), name)
        checks = forward_check(spec, I=16) + gradient_check(spec, loss, I=16)
        assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_a_switch_with_equal_slopes_is_not_a_kink_and_a_jump_is():
    from symbolic.activations.custom import switch_kind

    assert switch_kind(z / (1 + sp.Abs(z)), z, 0)[0] == "smooth"  # softsign: slopes 1 and 1
    elu = sp.Piecewise((z, z > 0), (sp.exp(z) - 1, True))
    assert switch_kind(elu, z, 0)[0] == "smooth"  # ELU with alpha = 1
    assert switch_kind(sp.Piecewise((z, z > 0), (2 * (sp.exp(z) - 1), True)), z, 0)[0] == "kink"  # alpha = 2
    kind, left, right = switch_kind(sp.Abs(z), z, 0)
    assert (kind, float(left), float(right)) == ("kink", -1.0, 1.0)
    assert switch_kind(sp.Piecewise((1, z > 0), (0, True)), z, 0)[0] == "step"
    with registered(sp.Abs(z)) as (name, entry):
        assert entry.kinks == (0,)
