"""The activations a[.] in torch, one per name of :data:`symbolic.spec.ACTIVATIONS`.

The symbolic side prints to the same torch calls (see ``symbolic.activations``); the
equivalence tests compare the two realisations.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from symbolic.spec import NetworkSpec

__all__ = ["torch_activation"]


def _heaviside(z: torch.Tensor) -> torch.Tensor:
    # I[z > 0]: 0 at 0, matching the symbolic Indicator.
    return (z > 0).to(z.dtype)


def torch_activation(spec: NetworkSpec) -> Callable[[torch.Tensor], torch.Tensor]:
    """The torch function of a spec's activation (softplus as exact ``logaddexp(0, z)``)."""
    params = {k: float(v) for k, v in spec.activation_params.items()}
    table: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "relu": torch.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, params["slope"]),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softplus": lambda z: torch.logaddexp(torch.zeros_like(z), z),
        "elu": lambda z: F.elu(z, params["alpha"]),
        "gelu": F.gelu,
        "swish": F.silu,
        "heaviside": _heaviside,
        "linear": lambda z: z,
    }
    return table[spec.activation]
