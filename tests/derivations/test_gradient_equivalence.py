"""Gradient equivalence: the derived backward pass (compiled two ways) vs torch autograd on
the twin, and vs central finite differences (micrograd's pattern: every gradient twice)."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.checks.crosscheck import (CHECK_SIGMA, GRADIENT_TOLERANCES, autograd_reference, compare, gradient_check,
                                    inputs_away_from_kinks, random_inputs, random_targets)
from numeric.losses import nll
from symbolic.backprop.backprop import backprop
from symbolic.backprop.compile import compile_backprop, compile_layers, evaluate_backprop
from symbolic.losses.sample import LOSSES
from symbolic.spec import ACTIVATIONS, NetworkSpec
from tests.helpers import FIRST_ROUND, RTOL32, RTOL64, assert_close, spec_id, specs

#: float64 gradients: derived vs autograd (sums over samples in different orders).
GTOL64 = 1e-10
assert GRADIENT_TOLERANCES[torch.float64] == GTOL64


def _fit(spec: NetworkSpec, loss: str) -> NetworkSpec:
    """Adjust D_o so that it suits the loss (two classes at least, or an even width)."""
    D_o = spec.D_o
    if loss == "categorical":
        D_o = max(D_o, 2)
    if loss == "heteroscedastic-normal" and D_o % 2:
        D_o += 1
    return NetworkSpec(spec.widths[:-1] + (D_o,), spec.activation)


def _assert_all_pass(checks, what):
    assert checks, what
    for c in checks:
        assert c.passed, f"{what}: {c.name} relative error {c.max_rel:.2e} > {c.tolerance:.0e}"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(max_hidden_layers=3, max_width=5), loss=st.sampled_from(FIRST_ROUND), seed=st.integers(0, 1000))
def test_derived_gradients_equal_autograd_float64(spec, loss, seed):
    spec = _fit(spec, loss)
    checks = gradient_check(spec, loss, I=24, seed=seed)
    _assert_all_pass(checks, f"{spec_id(spec)} {loss}")
    assert max(c.max_rel for c in checks if c.name.startswith("dL/d")) <= GTOL64


@pytest.mark.parametrize("loss", FIRST_ROUND)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_and_loss(activation, loss):
    spec = _fit(NetworkSpec((2, 3, 3, 2), activation), loss)
    _assert_all_pass(gradient_check(spec, loss, I=20, seed=5, paths=("layers",)), f"{activation} {loss}")


def _finite_difference_gradient(module, X, Y, loss, h=1e-6):
    """Central differences of L = sum_i l_i on the twin, one parameter at a time."""
    grads = {}
    with torch.no_grad():
        for name, p in module.named_parameters():
            g = torch.zeros_like(p)
            for index in np.ndindex(*p.shape):
                old = p[index].item()
                p[index] = old + h
                up = nll(loss, module(X), Y, CHECK_SIGMA).item()
                p[index] = old - h
                down = nll(loss, module(X), Y, CHECK_SIGMA).item()
                p[index] = old
                g[index] = (up - down) / (2 * h)
            grads[name] = g
    return grads


@pytest.mark.parametrize(
    "activation, loss",
    [(a, "least-squares") for a in ACTIVATIONS if a != "heaviside"]
    + [("tanh", loss) for loss in FIRST_ROUND if loss != "least-squares"]
    + [("heaviside", "bernoulli")],
)
def test_derived_gradients_equal_finite_differences(activation, loss):
    """Witness 3: central differences (error ~ h^2 + eps/h, about 1e-9 here)."""
    spec = _fit(NetworkSpec((2, 3, 2), activation), loss)
    module, X = random_inputs(spec, 40, seed=2)
    X = inputs_away_from_kinks(module, X, margin=1e-3)[:12]
    Y = random_targets(loss, spec, X.shape[0], seed=2)
    tensors = {k: v.detach().clone() for k, v in module.named_parameters()}
    derived = compile_layers(backprop(spec, loss), "torch")(X, Y, tensors, {"sigma": CHECK_SIGMA}).gradient
    numeric = _finite_difference_gradient(module, X, Y, loss)
    for name, g in derived.items():
        assert_close(g, numeric[name], 1e-6, f"{activation} {loss} {name}")


def test_scalar_program_equals_layerwise_and_numpy_equals_torch():
    spec = NetworkSpec((3, 4, 4, 2), "swish")
    bp = backprop(spec, "poisson")
    module, X = random_inputs(spec, 30, seed=4)
    Y = random_targets("poisson", spec, 30, seed=4)
    tensors = {k: v.detach() for k, v in module.named_parameters()}
    layers = compile_layers(bp, "torch")(X, Y, tensors)
    program = evaluate_backprop(bp, compile_backprop(bp, "torch"), X, Y, tensors)
    numpy_layers = compile_layers(bp, "numpy")(X.numpy(), Y.numpy(), {k: v.numpy() for k, v in tensors.items()})
    for name in spec.tensor_shapes():
        assert_close(program.gradient[name], layers.gradient[name], RTOL64, name)
        assert_close(numpy_layers.gradient[name], layers.gradient[name], RTOL64, name)
    assert_close(program.loss, layers.loss, RTOL64, "l_i")
    assert_close(numpy_layers.outputs, layers.outputs, RTOL64, "outputs")


def test_a_mean_instead_of_a_sum_is_caught():
    """The comparison can fail: dividing the gradient by I (torch's default mean) is an error."""
    spec = NetworkSpec((2, 3, 1), "tanh")
    module, X = random_inputs(spec, 16)
    Y = random_targets("least-squares", spec, 16)
    ref = autograd_reference(module, X, Y, "least-squares")
    got = compile_layers(backprop(spec, "least-squares"), "torch")(X, Y, {k: v.detach() for k, v in
                                                                        module.named_parameters()}).gradient
    assert compare("ok", got["omega_1"], ref["gradient"]["omega_1"], GTOL64).passed
    assert not compare("mean", got["omega_1"] / 16, ref["gradient"]["omega_1"], GTOL64).passed
    assert not compare("twice", 2 * got["beta_0"], ref["gradient"]["beta_0"], GTOL64).passed


def test_targets_of_the_wrong_shape_are_rejected():
    spec = NetworkSpec((1, 2, 3), "relu")
    fn = compile_layers(backprop(spec, "categorical"), "torch")
    module, X = random_inputs(spec, 4)
    with pytest.raises(ValueError, match=r"categorical loss needs targets of shape \(I, 1\), got \(4, 3\)"):
        fn(X, torch.zeros(4, 3, dtype=torch.float64), dict(module.named_parameters()))
    fn = compile_layers(backprop(NetworkSpec((1, 2, 1), "relu"), "normal"), "torch")
    module, X = random_inputs(NetworkSpec((1, 2, 1), "relu"), 4)
    with pytest.raises(ValueError, match="normal loss needs a value for sigma"):
        fn(X, torch.zeros(4, 1, dtype=torch.float64), dict(module.named_parameters()))


def test_float32_on_cpu_within_float32_tolerance():
    checks = gradient_check(NetworkSpec((2, 6, 6, 1), "tanh"), "least-squares", I=100, dtype=torch.float32)
    _assert_all_pass(checks, "float32")
    assert max(c.max_rel for c in checks if c.name.startswith("output")) <= RTOL32


@pytest.mark.gpu
@settings(max_examples=8, deadline=None)
@given(spec=specs(max_hidden_layers=3, max_width=6), loss=st.sampled_from(FIRST_ROUND))
def test_compiled_gradients_on_gpu_equal_autograd_on_gpu_float32(spec, loss):
    spec = _fit(spec, loss)
    bp = backprop(spec, loss)
    module, X = random_inputs(spec, 64, seed=3, dtype=torch.float32, device="cuda")
    X = inputs_away_from_kinks(module, X)
    Y = random_targets(loss, spec, X.shape[0], seed=3, dtype=torch.float32, device="cuda")
    ref = autograd_reference(module, X, Y, loss)
    tensors = {k: v.detach() for k, v in module.named_parameters()}
    with torch.no_grad():
        for result in (compile_layers(bp, "torch")(X, Y, tensors, {"sigma": CHECK_SIGMA}),
                       evaluate_backprop(bp, compile_backprop(bp, "torch"), X, Y, tensors, {"sigma": CHECK_SIGMA})):
            assert result.loss.device.type == "cuda"
            assert_close(result.loss, ref["loss"], RTOL32, f"{spec_id(spec)} {loss} l_i")
            for name, g in result.gradient.items():
                assert g.device.type == "cuda" and g.dtype == torch.float32
                assert_close(g, ref["gradient"][name], GRADIENT_TOLERANCES[torch.float32], f"{spec_id(spec)} {name}")
