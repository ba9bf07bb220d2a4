"""The numeric twin: a torch ``nn.Module`` built from the same spec as the SymPy network.

    h_1 = a[beta_0 + Omega_0 x],  h_{k+1} = a[beta_k + Omega_k h_k],  y = beta_K + Omega_K h_K

Parameters are named after the symbols: ``beta_k`` (D_{k+1},) and ``omega_k``
(D_{k+1}, D_k), as in the ``--params`` JSON format.
"""

from __future__ import annotations

import math
from typing import Mapping

import torch
from torch import nn

from symbolic.spec import NetworkSpec

from .activations import torch_activation

__all__ = ["DeepNetworkModule", "resolve_device"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``auto`` picks CUDA when available, else CPU; ``cuda`` without CUDA is an error."""
    name = str(device)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError("--device cuda requested but CUDA is not available on this machine; use --device cpu or auto")
        return torch.device(name)
    if name == "cpu":
        return torch.device("cpu")
    raise ValueError(f"device must be auto, cpu or cuda, got {name!r}")


class DeepNetworkModule(nn.Module):
    """A fully connected network of a :class:`NetworkSpec`, parameters ``beta_k``, ``omega_k``."""

    def __init__(self, spec: NetworkSpec, dtype: torch.dtype = torch.float64,
                 device: torch.device | str = "cpu", generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.spec = spec
        self.activation = torch_activation(spec)
        for k, (d_in, d_out) in enumerate(zip(spec.widths, spec.widths[1:])):
            bound = 1.0 / math.sqrt(d_in)  # nn.Linear's default uniform range
            beta = (torch.rand(d_out, generator=generator, dtype=dtype) * 2 - 1) * bound
            omega = (torch.rand(d_out, d_in, generator=generator, dtype=dtype) * 2 - 1) * bound
            self.register_parameter(f"beta_{k}", nn.Parameter(beta.to(device)))  # (D_{k+1},)
            self.register_parameter(f"omega_{k}", nn.Parameter(omega.to(device)))  # (D_{k+1}, D_k)

    @property
    def K(self) -> int:
        return self.spec.K

    def layers(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """[(beta_k, omega_k), k = 0..K] (the registered parameters themselves)."""
        params = self._parameters
        return [(params[f"beta_{k}"], params[f"omega_{k}"]) for k in range(self.spec.K + 1)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (I, D_i) -> y: (I, D_o)."""
        h = x  # h_0 = x, (I, D_0)
        K = self.spec.K
        for k, (beta, omega) in enumerate(self.layers()):
            f = torch.addmm(beta, h, omega.T)  # f_k = beta_k + Omega_k h_k, batched: (I, D_{k+1})
            h = self.activation(f) if k < K else f
        return h

    def hidden(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Pre-activations f_0..f_K for inspection, each (I, D_{k+1})."""
        out, h = [], x
        for k, (beta, omega) in enumerate(self.layers()):
            f = beta + h @ omega.T
            out.append(f)
            h = self.activation(f)
        return out

    def load_tensors(self, tensors: Mapping[str, object]) -> "DeepNetworkModule":
        """Copy a params dict (DESIGN.md names and shapes) into the module."""
        with torch.no_grad():
            for name, param in self.named_parameters():
                value = torch.as_tensor(tensors[name], dtype=param.dtype, device=param.device)
                if value.shape != param.shape:
                    raise ValueError(f"params tensor {name} has shape {tuple(value.shape)}, expected {tuple(param.shape)}")
                param.copy_(value)
        return self

    def tensors(self) -> dict[str, list]:
        """The parameters as a JSON-ready params dict (nested lists of floats)."""
        return {name: p.detach().cpu().double().tolist() for name, p in self.named_parameters()}
