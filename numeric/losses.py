"""The numeric twin's losses, as sums over samples (the lecture's ``L[phi] = sum_i l_i``;
``reduction="mean"`` divides by I). Every loss is a registry entry of
:mod:`symbolic.spec.losses` (plain Python); the torch code of the built-ins is in
:mod:`numeric.loss_twins` (torch's own losses, or ``torch.distributions``), a lecturer's
own loss is printed from its SymPy definition.

Bad input raises ValueError naming the condition: an unknown loss, an output width the
loss cannot use, targets outside the distribution's support, sigma <= 0. The messages come
from the registry entry, so both sides say the same.
"""

from __future__ import annotations

import math

import torch

from symbolic.spec.losses import LOSSES, Likelihood, check_sigma, get_loss  # plain Python: no SymPy here

from numeric import loss_twins  # noqa: F401,E402  (binds the twins onto the registry's entries)

__all__ = ["LOSSES", "get_loss", "nll", "per_sample_nll", "check_width", "check_targets", "check_sigma"]


def check_width(loss: str | Likelihood, D_o: int, n_targets: int | None = None) -> None:
    """ValueError unless the loss can use D_o outputs (and ``n_targets`` target columns)."""
    get_loss(loss).check_width(D_o, n_targets)


def _column_name(n: int, j: int) -> str:
    return "y" if n == 1 else f"y_{j + 1}"


def check_targets(loss: str | Likelihood, y, D_o: int) -> None:
    """ValueError unless the targets y (I, n_targets) are finite and in the loss's support
    (bernoulli 0 or 1, poisson counts, categorical class indices 0..D_o-1, beta in (0, 1), ...)."""
    entry = get_loss(loss)
    y = torch.as_tensor(y)
    if y.ndim != 2:
        raise ValueError(f"targets must have shape (I, n_targets), got {tuple(y.shape)}")
    entry.check_width(D_o, y.shape[1])
    y = y.detach().double().cpu()
    n = y.shape[1]

    def first(bad, requirement: str, fix: str) -> None:
        bad = torch.as_tensor(bad)
        if bool(bad.any()):
            i, j = (int(v) for v in torch.nonzero(bad)[0])
            value = float(y[i, j])
            shown = int(value) if math.isfinite(value) and value.is_integer() else value
            raise ValueError(f"{entry.name} targets must be {requirement}, got {shown} at sample {i} "
                             f"(column {_column_name(n, j)}){fix}")

    first(~torch.isfinite(y), "finite numbers", "")
    if not entry.support.real_line:
        first(entry.bad_targets(y.numpy(), D_o), entry.support.plural(D_o), entry.support.fix(D_o))


def per_sample_nll(loss: str | Likelihood, f: torch.Tensor, y: torch.Tensor, sigma: float | None = None,
                   validate: bool = True) -> torch.Tensor:
    """Per-sample losses l_i, shape (I,). f: (I, D_o); y: (I, n_targets) (class index for categorical).

    ``validate`` checks the targets' values (one host sync; a training loop that checked
    its data set once with :func:`check_targets` may pass False). Shapes and sigma are
    always checked.
    """
    entry = get_loss(loss)
    if f.ndim != 2 or y.ndim != 2 or f.shape[0] != y.shape[0]:
        raise ValueError(f"outputs f must be (I, D_o) and targets y (I, n_targets) with the same I, "
                         f"got {tuple(f.shape)} and {tuple(y.shape)}")
    entry.check_width(f.shape[1], y.shape[1])
    constants = {"sigma": check_sigma(entry, sigma)} if entry.uses_sigma else {}  # other losses ignore sigma
    if validate:
        check_targets(entry, y, f.shape[1])
    return entry.torch_nll_function()(entry, f, y, constants)


def nll(loss: str | Likelihood, f: torch.Tensor, y: torch.Tensor, sigma: float | None = None, reduction: str = "sum",
        validate: bool = True) -> torch.Tensor:
    """Total loss L[phi] = sum_i l_i (``reduction="mean"``: divided by the batch size I)."""
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
    entry = get_loss(loss)
    if reduction == "sum" and not validate and entry.fused_sum is not None:
        # The training loop's path: one fused built-in with sum reduction per step (same values
        # as summing per_sample_nll; tests compare the two).
        if f.ndim == 2 and y.ndim == 2 and y.shape[0] == f.shape[0] and y.shape[1] == entry.n_targets(f.shape[1]):
            return entry.fused_sum(f, y)
    losses = per_sample_nll(entry, f, y, sigma, validate)
    return losses.sum() if reduction == "sum" else losses.mean()
