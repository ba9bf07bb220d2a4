"""The PyTorch twin of an exercise's network, in float64: the numbers every solution is
cross-checked against. The networks are the package's :class:`numeric.model.DeepNetworkModule`
built from a :class:`symbolic.spec.NetworkSpec`; nothing is written twice by hand.

The twin also makes the typical mistakes on purpose, each by changing one thing of the twin
(the activation ``"linear"``: the ReLU left out; ``relu_derivative_one``: ReLU' taken as 1;
``scale=-1``: the derivative of the negated function), so that the build can compare the
mistakes the checker recognises with an independent computation."""

from __future__ import annotations

from typing import Sequence

import sympy as sp

from symbolic.spec import NetworkSpec

__all__ = ["shallow_tensors", "module", "forward", "input_gradient", "parameter_gradient", "activation_derivative"]


def _f(v) -> float:
    return float(sp.sympify(v))


def shallow_tensors(theta: Sequence[Sequence], phi: Sequence[Sequence]) -> dict[str, list]:
    """theta (D, D_i + 1) with biases in column 0, phi (D_o, D + 1) -> the params dict
    (beta_0 = theta_{d0}, Omega_0 = theta_{di}, beta_1 = phi_{j0}, Omega_1 = phi_{jd})."""
    return {
        "beta_0": [_f(row[0]) for row in theta],
        "omega_0": [[_f(v) for v in row[1:]] for row in theta],
        "beta_1": [_f(row[0]) for row in phi],
        "omega_1": [[_f(v) for v in row[1:]] for row in phi],
    }


def module(widths: Sequence[int], tensors: dict, activation: str = "relu"):
    import torch

    from numeric.model import DeepNetworkModule

    return DeepNetworkModule(NetworkSpec(tuple(widths), activation), dtype=torch.float64).load_tensors(tensors)


def forward(widths: Sequence[int], tensors: dict, xs: Sequence[Sequence], activation: str = "relu") -> list[list[float]]:
    """Outputs (I, D_o) of the twin at inputs xs (I, D_i)."""
    import torch

    with torch.no_grad():
        X = torch.tensor([[_f(v) for v in x] for x in xs], dtype=torch.float64)
        return module(widths, tensors, activation)(X).tolist()


def input_gradient(widths: Sequence[int], tensors: dict, x: Sequence, activation: str = "relu") -> list[float]:
    """dy/dx of the twin (one output) at x, by autograd."""
    import torch

    X = torch.tensor([[_f(v) for v in x]], dtype=torch.float64, requires_grad=True)
    module(widths, tensors, activation)(X).sum().backward()
    return X.grad[0].tolist()


def parameter_gradient(widths: Sequence[int], tensors: dict, x: Sequence, y: Sequence, activation: str = "relu",
                       loss: str = "least-squares", scale: float = 1.0,
                       relu_derivative_one: bool = False) -> dict[str, list]:
    """Gradient of ``scale`` times the per-sample loss l = (y - f)^2 (or another loss) by
    autograd. ``relu_derivative_one``: the ReLU's backward pass lets every gradient through
    (ReLU' taken as 1, a straight-through ReLU: the same forward values)."""
    import torch

    from numeric.losses import nll

    net = module(widths, tensors, activation)
    if relu_derivative_one:
        net.activation = lambda f: f + (torch.relu(f) - f).detach()  # value ReLU[f], derivative 1
    X = torch.tensor([[_f(v) for v in x]], dtype=torch.float64)
    Y = torch.tensor([[_f(v) for v in y]], dtype=torch.float64)
    (scale * nll(loss, net(X), Y)).backward()
    return {name: p.grad.tolist() for name, p in net.named_parameters()}


def activation_derivative(name: str, z, scale: float = 1.0) -> tuple[float, float]:
    """(s a[z], s a'[z]) of the twin's activation at z times ``scale`` s, by autograd."""
    import torch

    from numeric.activations import torch_activation

    Z = torch.tensor(_f(z), dtype=torch.float64, requires_grad=True)
    value = scale * torch_activation(NetworkSpec((1, 1), name))(Z)
    value.backward()
    return float(value.detach()), float(Z.grad)
