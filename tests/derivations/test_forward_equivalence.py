"""Forward equivalence: the compiled symbolic network equals the torch twin built from the
same spec (micrograd's pattern: every value written twice, compared in float64)."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings

from derivations.checks.crosscheck import compile_outputs, evaluate_outputs, forward_check, random_inputs
from symbolic.networks.network import deep_network
from symbolic.spec import ACTIVATIONS, NetworkSpec
from tests.helpers import RTOL32, RTOL64, assert_close, spec_id, specs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(max_hidden_layers=4, max_width=6))
def test_compiled_symbolic_equals_torch_float64(spec):
    module, X = random_inputs(spec, I=17, seed=1)
    net = deep_network(spec)
    with torch.no_grad():
        expected = module(X)
        tensors = {k: v.detach() for k, v in module.named_parameters()}
        got_torch = evaluate_outputs(net, X, tensors, compile_outputs(net, "torch"))
    got_numpy = evaluate_outputs(net, X.numpy(), {k: v.numpy() for k, v in tensors.items()},
                                 compile_outputs(net, "numpy"))
    assert_close(got_torch, expected, RTOL64, f"{spec_id(spec)} torch")
    assert_close(got_numpy, expected, RTOL64, f"{spec_id(spec)} numpy")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_two_layers(activation):
    spec = NetworkSpec((3, 5, 4, 2), activation)
    assert all(c.passed for c in forward_check(spec, I=50, seed=3))


def test_float32_on_cpu_within_float32_tolerance():
    for c in forward_check(NetworkSpec((2, 6, 6, 1), "tanh"), dtype=torch.float32):
        assert c.passed and c.max_rel <= RTOL32


def test_compiled_outputs_keep_autograd():
    """The compiled torch program is differentiable: gradients flow to the parameters."""
    spec = NetworkSpec((1, 3, 1), "softplus")
    module, X = random_inputs(spec, I=5)
    net = deep_network(spec)
    tensors = dict(module.named_parameters())
    evaluate_outputs(net, X, tensors, compile_outputs(net, "torch")).sum().backward()
    compiled_grad = {k: v.grad.clone() for k, v in tensors.items()}
    module.zero_grad()
    module(X).sum().backward()
    for k, v in tensors.items():
        assert_close(compiled_grad[k], v.grad, RTOL64, k)


def test_a_wrong_network_is_caught():
    """The check can fail: a module with one perturbed weight disagrees."""
    spec = NetworkSpec((2, 3, 1), "relu")
    module, X = random_inputs(spec, I=20)
    net = deep_network(spec)
    tensors = {k: v.detach().clone() for k, v in module.named_parameters()}
    tensors["omega_1"][0, 0] += 1e-6
    got = evaluate_outputs(net, X, tensors, compile_outputs(net, "torch"))
    with torch.no_grad(), pytest.raises(AssertionError):
        assert_close(got, module(X), RTOL64)


@pytest.mark.gpu
@settings(max_examples=10, deadline=None)
@given(spec=specs(max_hidden_layers=4, max_width=6))
def test_compiled_symbolic_equals_torch_on_gpu_float32(spec):
    module, X = random_inputs(spec, I=33, seed=2, dtype=torch.float32, device="cuda")
    net = deep_network(spec)
    with torch.no_grad():
        got = evaluate_outputs(net, X, {k: v.detach() for k, v in module.named_parameters()},
                               compile_outputs(net, "torch"))
        assert got.device.type == "cuda"
        assert_close(got, module(X), RTOL32, spec_id(spec))
