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
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "nll", "per_sample_nll"]

LOSSES = ("least-squares", "normal", "heteroscedastic-normal", "bernoulli", "categorical", "poisson")


def per_sample_nll(name: str, f: torch.Tensor, y: torch.Tensor, sigma: float | None = None) -> torch.Tensor:
    """Per-sample losses l_i, shape (I,). f: (I, D_o); y: (I, n_targets) (class index for categorical)."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    if name == "least-squares":
        return F.mse_loss(f, y, reduction="none").sum(dim=1)
    if name == "normal":
        if sigma is None or not sigma > 0:
            raise ValueError(f"normal loss needs sigma > 0, got {sigma}")
        var = torch.full_like(f, float(sigma) ** 2)
        return F.gaussian_nll_loss(f, y, var, full=True, reduction="none", eps=0.0).sum(dim=1)
    if name == "heteroscedastic-normal":
        n = f.shape[1] // 2
        mu, s = f[:, :n], f[:, n:]
        return F.gaussian_nll_loss(mu, y, torch.exp(s), full=True, reduction="none", eps=0.0).sum(dim=1)
    if name == "bernoulli":
        return F.binary_cross_entropy_with_logits(f, y, reduction="none").sum(dim=1)
    if name == "categorical":
        return F.cross_entropy(f, y.reshape(-1).long(), reduction="none")
    # poisson
    return (F.poisson_nll_loss(f, y, log_input=True, full=False, reduction="none") + torch.lgamma(y + 1)).sum(dim=1)


def nll(name: str, f: torch.Tensor, y: torch.Tensor, sigma: float | None = None, reduction: str = "sum") -> torch.Tensor:
    """Total loss L[phi] = sum_i l_i (``reduction="mean"``: divided by the batch size I)."""
    losses = per_sample_nll(name, f, y, sigma)
    if reduction == "sum":
        return losses.sum()
    if reduction == "mean":
        return losses.mean()
    raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
