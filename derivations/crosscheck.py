"""The symbolic <-> numeric cross-check harness.

Compiles the symbolic network's program (SymPy -> torch or numpy code with CSE) and
compares it with the torch module built from the same spec, on the same parameters and
inputs. Tolerances live in one place, :data:`TOLERANCES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from numeric.model import DeepNetworkModule
from symbolic.compile import CompiledProgram, compile_program
from symbolic.networks import DeepNetwork, deep_network
from symbolic.spec import NetworkSpec

__all__ = ["TOLERANCES", "Comparison", "compare", "compile_outputs", "evaluate_outputs", "forward_check", "random_inputs"]

#: Relative-error tolerances by dtype (relative to max(1, |reference|)).
TOLERANCES = {torch.float64: 1e-12, torch.float32: 1e-5}


@dataclass
class Comparison:
    """Largest absolute and relative error between a value and its reference."""

    name: str
    max_abs: float
    max_rel: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return bool(self.max_rel <= self.tolerance)

    def record(self, kind: str = "symbolic-vs-torch") -> dict:
        return {"name": self.name, "kind": kind, "max_error": self.max_rel, "max_abs_error": self.max_abs,
                "tolerance": self.tolerance, "passed": self.passed}


def compare(name: str, value, reference, tolerance: float) -> Comparison:
    """Compare arrays/tensors; relative error is |a - b| / max(1, |b|), elementwise max."""
    a = value.detach().cpu().double().numpy() if isinstance(value, torch.Tensor) else np.asarray(value, float)
    b = reference.detach().cpu().double().numpy() if isinstance(reference, torch.Tensor) else np.asarray(reference, float)
    if a.shape != b.shape:
        raise ValueError(f"{name}: shape {a.shape} differs from reference shape {b.shape}")
    diff = np.abs(a - b)
    if not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        same_nonfinite = np.array_equal(np.isfinite(a), np.isfinite(b)) and np.all(a[~np.isfinite(a)] == b[~np.isfinite(b)])
        if not same_nonfinite:
            return Comparison(name, float("inf"), float("inf"), tolerance)
        diff = np.where(np.isfinite(b), diff, 0.0)
    rel = diff / np.maximum(1.0, np.abs(np.where(np.isfinite(b), b, 1.0)))
    return Comparison(name, float(diff.max(initial=0.0)), float(rel.max(initial=0.0)), tolerance)


def compile_outputs(net: DeepNetwork, backend: str = "torch") -> CompiledProgram:
    """Compile the network's forward program: args (x_1..x_{D_i}, parameters...) -> outputs."""
    return compile_program(net.inputs + net.parameter_symbols, net.program, net.outputs, backend)


def _arguments(net: DeepNetwork, X, tensors: Mapping[str, object], backend: str):
    args = [X[:, i] for i in range(X.shape[1])]
    for p in net.parameters:
        value = tensors[p.tensor]
        args.append(value[p.index])
    return args


def evaluate_outputs(net: DeepNetwork, X, tensors: Mapping[str, object], compiled: CompiledProgram | None = None):
    """Outputs (I, D_o) of the compiled symbolic network for inputs X (I, D_i)."""
    compiled = compiled or compile_outputs(net, "torch" if isinstance(X, torch.Tensor) else "numpy")
    columns = compiled(*_arguments(net, X, tensors, compiled.backend))
    if compiled.backend == "torch":
        return torch.stack(columns, dim=1)
    return np.stack(columns, axis=1)


def random_inputs(spec: NetworkSpec, I: int, seed: int = 0, dtype=torch.float64, device="cpu"):
    """Parameters and inputs for a cross-check: a seeded module and X (I, D_i) ~ U(-2, 2)."""
    gen = torch.Generator().manual_seed(seed)
    module = DeepNetworkModule(spec, dtype=dtype, generator=gen).to(device)
    X = (torch.rand(I, spec.D_i, generator=gen, dtype=dtype) * 4 - 2).to(device)
    return module, X


def forward_check(spec: NetworkSpec, I: int = 64, seed: int = 0, dtype=torch.float64, device="cpu") -> list[Comparison]:
    """Compiled symbolic outputs vs the torch module, one comparison per output."""
    net = deep_network(spec)
    module, X = random_inputs(spec, I, seed, dtype, device)
    tensors = dict(module.named_parameters())
    with torch.no_grad():
        reference = module(X)
        got = evaluate_outputs(net, X, {k: v.detach() for k, v in tensors.items()}, compile_outputs(net, "torch"))
    tol = TOLERANCES[dtype]
    return [compare(f"output y_{j + 1}", got[:, j], reference[:, j], tol) for j in range(spec.D_o)]
