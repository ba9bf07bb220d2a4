"""The numeric twin's losses: torch's built-in losses, as sums over samples (the lecture's
``L[phi] = sum_i l_i``; ``reduction="mean"`` divides by I), with every difference of
parameterisation made explicit:

- ``least-squares``: ``mse_loss(f, y, reduction="sum")`` (sum of squared residuals);
- ``normal``: ``gaussian_nll_loss(f, y, var=sigma^2, full=True)`` (full: adds log(2 pi)/2);
- ``heteroscedastic-normal``: outputs ``(mu_1..mu_n, s_1..s_n)``, ``var = exp(s)``,
  ``gaussian_nll_loss(mu, y, var, full=True)`` (``eps=0``: no clamping of the variance);
- ``bernoulli``: ``binary_cross_entropy_with_logits(f, y)``;
- ``categorical``: ``cross_entropy(f, y)`` with class indices;
- ``poisson``: ``poisson_nll_loss(f, y, log_input=True, full=False) + lgamma(y + 1)``; torch's
  ``full=True`` adds only Stirling's *approximation* of log(y!) (and only for y > 1), so the
  exact constant is added here instead.

Bad input raises ValueError naming the condition: an unknown loss, an output width the
loss cannot use, targets outside the distribution's support, sigma <= 0. The messages are
shared with :mod:`symbolic.losses` through the plain-Python :mod:`symbolic.spec`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from symbolic.spec import LOSSES, check_loss_width, check_sigma  # plain Python: no SymPy here

__all__ = ["LOSSES", "nll", "per_sample_nll", "check_width", "check_targets", "check_sigma"]


def check_width(name: str, D_o: int, n_targets: int | None = None) -> None:
    """ValueError unless the loss can use D_o outputs (and ``n_targets`` target columns)."""
    check_loss_width(name, D_o)
    if n_targets is None:
        return
    if name == "categorical":
        if n_targets != 1:
            raise ValueError(f"categorical loss needs one target column of class indices, got {n_targets} columns")
    elif name == "heteroscedastic-normal":
        if D_o != 2 * n_targets:
            raise ValueError(f"heteroscedastic-normal loss needs two outputs per target (mean and log-variance): "
                             f"D_o = {D_o} outputs for {n_targets} target column{'s' if n_targets != 1 else ''}")
    elif D_o != n_targets:
        raise ValueError(f"{name} loss needs one output per target: D_o = {D_o} outputs for {n_targets} target "
                         f"column{'s' if n_targets != 1 else ''}")


def _column_name(n: int, j: int) -> str:
    return "y" if n == 1 else f"y_{j + 1}"


def check_targets(name: str, y, D_o: int) -> None:
    """ValueError unless the targets y (I, n_targets) are finite and in the loss's support:
    bernoulli 0 or 1, poisson nonnegative integer counts, categorical class indices 0..D_o-1."""
    y = torch.as_tensor(y)
    if y.ndim != 2:
        raise ValueError(f"targets must have shape (I, n_targets), got {tuple(y.shape)}")
    check_width(name, D_o, y.shape[1])
    y = y.detach().double().cpu()
    n = y.shape[1]

    def first(bad: torch.Tensor, requirement: str, fix: str) -> None:
        if bool(bad.any()):
            i, j = (int(v) for v in torch.nonzero(bad)[0])
            value = float(y[i, j])
            shown = int(value) if math.isfinite(value) and value.is_integer() else value
            raise ValueError(f"{name} targets must be {requirement}, got {shown} at sample {i} "
                             f"(column {_column_name(n, j)}){fix}")

    first(~torch.isfinite(y), "finite numbers", "")
    if name == "bernoulli":
        first((y != 0) & (y != 1), "0 or 1", "; encode the two classes as 0 and 1")
    elif name == "poisson":
        first((y < 0) | (y != torch.floor(y)), "nonnegative integer counts", "")
    elif name == "categorical":
        first((y < 0) | (y >= D_o) | (y != torch.floor(y)), f"class indices 0..{D_o - 1} (one per output)",
              f"; a network with D_o = {D_o} outputs has {D_o} classes")


def per_sample_nll(name: str, f: torch.Tensor, y: torch.Tensor, sigma: float | None = None,
                   validate: bool = True) -> torch.Tensor:
    """Per-sample losses l_i, shape (I,). f: (I, D_o); y: (I, n_targets) (class index for categorical).

    ``validate`` checks the targets' values (one host sync; a training loop that checked
    its data set once with :func:`check_targets` may pass False). Shapes and sigma are
    always checked.
    """
    if f.ndim != 2 or y.ndim != 2 or f.shape[0] != y.shape[0]:
        raise ValueError(f"outputs f must be (I, D_o) and targets y (I, n_targets) with the same I, "
                         f"got {tuple(f.shape)} and {tuple(y.shape)}")
    check_width(name, f.shape[1], y.shape[1])
    sigma = check_sigma(name, sigma) if name == "normal" else None  # other losses ignore sigma
    if validate:
        check_targets(name, y, f.shape[1])
    if name == "least-squares":
        return F.mse_loss(f, y, reduction="none").sum(dim=1)
    if name == "normal":
        var = torch.full_like(f, float(sigma) ** 2)
        return F.gaussian_nll_loss(f, y, var, full=True, reduction="none", eps=0.0).sum(dim=1)
    if name == "heteroscedastic-normal":
        n = f.shape[1] // 2
        mu, s = f[:, :n], f[:, n:]  # (I, n) each
        return F.gaussian_nll_loss(mu, y, torch.exp(s), full=True, reduction="none", eps=0.0).sum(dim=1)
    if name == "bernoulli":
        return F.binary_cross_entropy_with_logits(f, y, reduction="none").sum(dim=1)
    if name == "categorical":
        return F.cross_entropy(f, y.reshape(-1).long(), reduction="none")
    # poisson
    return (F.poisson_nll_loss(f, y, log_input=True, full=False, reduction="none") + torch.lgamma(y + 1)).sum(dim=1)


def nll(name: str, f: torch.Tensor, y: torch.Tensor, sigma: float | None = None, reduction: str = "sum",
        validate: bool = True) -> torch.Tensor:
    """Total loss L[phi] = sum_i l_i (``reduction="mean"``: divided by the batch size I)."""
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
    if reduction == "sum" and not validate and name in _FUSED_SUM:
        # The training loop's path: one fused built-in with sum reduction per step (same values
        # as summing per_sample_nll; tests compare the two).
        if f.ndim != 2 or y.shape != (f.shape[0], f.shape[1] if name != "categorical" else 1):
            return per_sample_nll(name, f, y, sigma, validate).sum()
        return _FUSED_SUM[name](f, y)
    losses = per_sample_nll(name, f, y, sigma, validate)
    return losses.sum() if reduction == "sum" else losses.mean()


#: Sum-reduced built-ins for the losses whose targets need no reshaping (least squares and
#: bernoulli) or only an index view (categorical).
_FUSED_SUM = {
    "least-squares": lambda f, y: F.mse_loss(f, y, reduction="sum"),
    "bernoulli": lambda f, y: F.binary_cross_entropy_with_logits(f, y, reduction="sum"),
    "categorical": lambda f, y: F.cross_entropy(f, y.reshape(-1).long(), reduction="sum"),
}
