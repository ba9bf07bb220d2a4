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
from symbolic.core.compile import CompiledProgram, compile_program
from symbolic.spec.losses import get_loss
from symbolic.spec.supports import Support
from symbolic.networks.network import DeepNetwork, deep_network
from symbolic.spec import NetworkSpec
from symbolic.spec.tolerances import CHECK_SIGMA, FLOAT32_RTOL, FLOAT64_RTOL, GRADIENT32_RTOL, GRADIENT64_RTOL

__all__ = ["TOLERANCES", "Comparison", "compare", "compile_outputs", "evaluate_outputs", "forward_check",
           "random_inputs"]

#: Relative-error tolerances by dtype (relative to max(1, |reference|)); the values live in
#: the one table, :mod:`symbolic.spec.tolerances`.
TOLERANCES = {torch.float64: FLOAT64_RTOL, torch.float32: FLOAT32_RTOL}


@dataclass
class Comparison:
    """Largest absolute and relative error between a value and its reference; ``detail`` says
    where the worst one is when that is more than the name tells."""

    name: str
    max_abs: float
    max_rel: float
    tolerance: float
    detail: str = ""

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


# ----- gradients: the derived backward pass vs torch autograd -----------------------------

#: Gradient tolerances (relative to max(1, |reference|)). The gradient of L = sum_i l_i is a
#: sum over I samples, accumulated in a different order by each side; float32 sums of a few
#: hundred terms round to about 1e-5 of their largest term, hence 1e-4 (a factor 2 or a
#: mean-versus-sum slip is still an error of order 1).
GRADIENT_TOLERANCES = {torch.float64: GRADIENT64_RTOL, torch.float32: GRADIENT32_RTOL}


def random_targets(loss: str, spec: NetworkSpec, I: int, seed: int = 0, dtype=torch.float64, device="cpu"):
    """Targets Y (I, n_targets) that suit a loss: reals, 0/1, class indices or counts."""
    from symbolic.losses.sample import n_targets

    n = n_targets(loss, spec.D_o)
    gen = torch.Generator().manual_seed(10_000 + seed)
    Y = draw_targets(get_loss(loss).support, gen, I, n, spec.D_o, dtype)
    return Y.to(device)


def draw_targets(support: Support, gen: torch.Generator, I: int, n: int, D_o: int, dtype=torch.float64):
    """Random targets (I, n) in a support, from its attributes: a permutation per row
    (rankings), a class index (one column), one of finitely many outcomes, Poisson counts with
    the mean of the support's draw range, normal reals, else uniform in the draw range."""
    if support.permutation:
        return torch.argsort(torch.rand(I, n, generator=gen), dim=1).to(dtype)
    if support.class_index:
        return torch.randint(0, D_o, (I, 1), generator=gen).to(dtype)
    outcomes = support.outcomes(D_o)
    if outcomes is not None:  # k - 1 - floor(k u): binary targets are 1 where u < 1/2 (the first round's draws)
        k = len(outcomes)
        return (outcomes.start + k - 1 - torch.floor(torch.rand(I, n, generator=gen) * k)).to(dtype)
    lo, hi = support.draw
    if support.counts:
        return torch.poisson(torch.full((I, n), (lo + hi) / 2), generator=gen).to(dtype)
    if support.real_line:
        return torch.randn(I, n, generator=gen, dtype=dtype)
    return lo + (hi - lo) * torch.rand(I, n, generator=gen, dtype=dtype)


def inputs_away_from_kinks(module, X, margin: float = 1e-4):
    """Drop samples where some pre-activation f_k lies within ``margin`` of a kink of the
    activation (its registry entry's ``kinks``: 0 for ReLU, leaky ReLU, ELU, Heaviside);
    returns X (I', D_i)."""
    kinks = module.spec.activation_entry.kink_values()
    if not kinks:
        return X
    with torch.no_grad():
        near = torch.zeros(X.shape[0], dtype=torch.bool, device=X.device)
        for f in module.hidden(X)[:-1]:  # f_0..f_{K-1}, (I, D_{k+1})
            for t in kinks:
                near |= ((f - t).abs() < margin).any(dim=1)
    return X[~near]


def autograd_reference(module, X, Y, loss: str, sigma: float | None = CHECK_SIGMA) -> dict:
    """The torch twin's outputs (I, D_o), per-sample losses (I,) and autograd gradient of
    L = sum_i l_i by tensor name (zeros where no gradient flows, e.g. through heaviside)."""
    from numeric.losses import per_sample_nll

    module.zero_grad(set_to_none=True)
    outputs = module(X)
    losses = per_sample_nll(loss, outputs, Y, sigma)
    losses.sum().backward()
    gradient = {name: (p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p.detach()))
                for name, p in module.named_parameters()}
    return {"outputs": outputs.detach(), "loss": losses.detach(), "gradient": gradient}


def gradient_check(spec: NetworkSpec, loss: str = "least-squares", I: int = 64, seed: int = 0,
                   dtype=torch.float64, device="cpu", paths: tuple[str, ...] = ("program", "layers"),
                   sigma: float = CHECK_SIGMA) -> list[Comparison]:
    """The derived backward pass vs torch autograd on the twin, on random parameters and data.

    ``paths``: ``"program"`` compiles the scalar backprop program (per-sample gradients,
    summed), ``"layers"`` its layer-wise tensor compilation. One comparison per output,
    for the per-sample losses, and per gradient tensor.
    """
    from symbolic.backprop.backprop import backprop
    from symbolic.backprop.compile import compile_backprop, compile_layers, evaluate_backprop

    unknown = [p for p in paths if p not in ("program", "layers")]
    if unknown:
        raise ValueError(f"unknown gradient path {unknown[0]!r}; choose program or layers")
    module, X = random_inputs(spec, 2 * I + 16, seed, dtype, device)
    X = inputs_away_from_kinks(module, X)[:I]
    Y = random_targets(loss, spec, X.shape[0], seed, dtype, device)
    ref = autograd_reference(module, X, Y, loss, sigma)
    tensors = {k: v.detach() for k, v in module.named_parameters()}
    bp = backprop(spec, loss)
    tol, gtol = TOLERANCES[dtype], GRADIENT_TOLERANCES[dtype]
    out: list[Comparison] = []
    for path in paths:
        with torch.no_grad():
            if path == "layers":
                result = compile_layers(bp, "torch")(X, Y, tensors, {"sigma": sigma})
            else:
                result = evaluate_backprop(bp, compile_backprop(bp, "torch"), X, Y, tensors, {"sigma": sigma})
        out += [compare(f"output y_{j + 1} [{path}]", result.outputs[:, j], ref["outputs"][:, j], tol)
                for j in range(spec.D_o)]
        out.append(compare(f"loss l_i [{path}]", result.loss, ref["loss"], tol))
        out += [compare(f"dL/d{name} [{path}]", g, ref["gradient"][name], gtol) for name, g in result.gradient.items()]
    entry = get_loss(loss)
    if entry.oracle() is not None:  # the independent oracle: -log_prob of the torch.distributions object
        with torch.no_grad():
            dist = entry.oracle()(entry, ref["outputs"], {"sigma": sigma})
            oracle = -dist.log_prob(Y if dist.event_shape else Y[:, 0])
        rtol = max(tol, entry.oracle_rtol or 0.0)
        out.append(compare("loss l_i vs torch.distributions", result.loss, oracle, rtol))
    return out
