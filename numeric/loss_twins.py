"""The numeric twin of each built-in loss: torch's own losses and ``torch.distributions``.

Importing this module binds these functions onto the built-in entries of
:mod:`symbolic.spec.losses` (the registry names no torch module); nothing here dispatches on a
loss name. Per-sample losses have shape (I,) for outputs f (I, D_o) and
targets y (I, n_targets); every total is a sum over samples (the lecture's L[phi]).

- ``least-squares``: ``mse_loss(f, y, reduction="sum")`` (sum of squared residuals);
- ``normal``: ``gaussian_nll_loss`` of the standardised residual ``z = (f - y)/sigma`` against 0 with
  variance 1 (full: adds log(2 pi)/2), plus ``log sigma``: the same loss as
  ``gaussian_nll_loss(f, y, var=sigma^2)``, but ``sigma^2`` is never formed (it overflows beyond
  sigma ~ 1.3e154 and underflows below ~ 1e-154);
- ``heteroscedastic-normal``: outputs ``(mu_1..mu_n, s_1..s_n)``, log-variance ``s``: likewise
  ``z = (mu - y) e^{-s/2}`` and ``+ s/2`` (``var = exp(s)`` overflows beyond s ~ 709.8);
- ``bernoulli``: ``binary_cross_entropy_with_logits(f, y)``;
- ``categorical``: ``cross_entropy(f, y)`` with class indices;
- ``poisson``: ``poisson_nll_loss(f, y, log_input=True, full=False) + lgamma(y + 1)``; torch's
  ``full=True`` adds only Stirling's *approximation* of log(y!) (and only for y > 1), so the
  exact constant is added here instead;
- the book's other distributions (fig. 5.11): ``-log_prob`` of the ``torch.distributions``
  object of the linked parameters (``Laplace``, ``MixtureSameFamily`` of ``Normal``,
  ``Exponential``, ``MultivariateNormal`` with ``scale_tril``); for student-t, gamma, beta and
  von Mises that object (``StudentT``, ``Gamma``, ``Beta``, ``VonMises``) is only the oracle of
  ``verify``: their ``log Gamma``/``log I_0`` terms of size nu log nu or kappa cancel at large
  concentrations, so the twin is their SymPy stable form printed to torch;
- ``plackett-luce``: the scores in ranked order ``s_k = f_{y_k}``, ``sum_k logsumexp(s_k..s_n) - s_k``
  by ``logcumsumexp`` (no torch distribution exists for rankings).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import distributions as D

from symbolic.spec.losses import get_loss, register_twin_defaults

__all__ = ["nll_from_distribution", "printed_torch_nll"]


# ----- the six losses of the first round: torch's built-in losses ----------------------------
def least_squares(entry, f, y, constants):
    return F.mse_loss(f, y, reduction="none").sum(dim=1)


def least_squares_sum(f, y):
    return F.mse_loss(f, y, reduction="sum")


def _standard_normal_nll(z):
    """-log N(z; 0, 1) elementwise, torch's ``gaussian_nll_loss`` with variance 1."""
    return F.gaussian_nll_loss(z, torch.zeros_like(z), torch.ones_like(z), full=True, reduction="none", eps=0.0)


def normal(entry, f, y, constants):
    sigma = float(constants["sigma"])
    return (_standard_normal_nll((f - y) / sigma) + math.log(sigma)).sum(dim=1)


def heteroscedastic(entry, f, y, constants):
    n = f.shape[1] // 2
    mu, s = f[:, :n], f[:, n:]  # (I, n) each
    return (_standard_normal_nll((mu - y) * torch.exp(-s / 2)) + s / 2).sum(dim=1)


def bernoulli(entry, f, y, constants):
    return F.binary_cross_entropy_with_logits(f, y, reduction="none").sum(dim=1)


def bernoulli_sum(f, y):
    return F.binary_cross_entropy_with_logits(f, y, reduction="sum")


def categorical(entry, f, y, constants):
    return F.cross_entropy(f, y.reshape(-1).long(), reduction="none")


def categorical_sum(f, y):
    if y.shape != (f.shape[0], 1):
        return categorical(None, f, y, {}).sum()
    return F.cross_entropy(f, y.reshape(-1).long(), reduction="sum")


def poisson(entry, f, y, constants):
    return (F.poisson_nll_loss(f, y, log_input=True, full=False, reduction="none") + torch.lgamma(y + 1)).sum(dim=1)


def plackett_luce(entry, f, y, constants):
    s = torch.gather(f, 1, y.long())  # (I, n): scores first to last
    tail = torch.logcumsumexp(s.flip(1), dim=1).flip(1)  # logsumexp(s_k..s_n)
    return (tail - s).sum(dim=1)


# ----- torch.distributions: the oracle of the book's table ------------------------------------
def nll_from_distribution(entry, f, y, constants):
    """``-log_prob(y)`` of the entry's ``torch.distributions`` object, per sample (I,)."""
    dist = entry.oracle()(entry, f, constants)
    value = y if dist.event_shape else y[:, 0]
    return -dist.log_prob(value)


def laplace(entry, f, constants):
    return D.Laplace(f[:, 0], torch.exp(f[:, 1]))


def student_t(entry, f, constants):
    return D.StudentT(torch.exp(f[:, 2]), f[:, 0], torch.exp(f[:, 1]))


def gaussian_mixture(entry, f, constants):
    K = f.shape[1] // 3
    return D.MixtureSameFamily(D.Categorical(logits=f[:, :K]), D.Normal(f[:, K:2 * K], torch.exp(f[:, 2 * K:] / 2)))


def exponential(entry, f, constants):
    return D.Exponential(torch.exp(f[:, 0]))


def gamma(entry, f, constants):
    return D.Gamma(torch.exp(f[:, 0]), torch.exp(f[:, 1]))


def beta(entry, f, constants):
    return D.Beta(torch.exp(f[:, 0]), torch.exp(f[:, 1]))


def von_mises(entry, f, constants):
    return D.VonMises(f[:, 0], torch.exp(f[:, 1]))


def cholesky_factor(f: torch.Tensor, n: int) -> torch.Tensor:
    """L (I, n, n) from the outputs after the mean: row by row (L_11, L_21, L_22, ...), diagonal through exp."""
    rows, cols = torch.tril_indices(n, n, device=f.device)
    values = f[:, n:]  # (I, n(n+1)/2)
    values = torch.where(rows == cols, torch.exp(values), values)
    L = f.new_zeros(f.shape[0], n, n)
    L[:, rows, cols] = values
    return L


def multivariate_normal(entry, f, constants):
    n = entry.n_targets(f.shape[1])
    return D.MultivariateNormal(f[:, :n], scale_tril=cholesky_factor(f, n))


def printed_torch_nll(entry, f, y, constants):
    """The per-sample NLL of an entry printed from its SymPy form to torch (cached per D_o)."""
    import sympy as sp

    from symbolic import losses  # noqa: F401  (binds the built-ins' SymPy models)
    from symbolic.core.compile import compile_program

    D_o = f.shape[1]
    cache = entry._cache.setdefault("printed", {})
    if D_o not in cache:
        outputs = tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, D_o + 1))
        sample = entry.model().sample(outputs)
        consts = sorted((s for s in sample.expr.free_symbols if s not in set(outputs) | set(sample.targets)),
                        key=lambda s: s.name)
        cache[D_o] = (sample, consts, compile_program(list(outputs) + list(sample.targets) + consts, [],
                                                      [sample.expr], "torch"))
    sample, consts, fn = cache[D_o]
    columns = sample.target_columns(y)
    values = [constants[c.name] for c in consts]
    return fn(*[f[:, j] for j in range(D_o)], *columns, *values)[0]


# ----- the twins, bound onto the registry's entries ----------------------------------------------
register_twin_defaults(printed=printed_torch_nll, from_distribution=nll_from_distribution)
for _name, _parts in {
    "least-squares": dict(torch_nll=least_squares, fused_sum=least_squares_sum),
    "normal": dict(torch_nll=normal),
    "heteroscedastic-normal": dict(torch_nll=heteroscedastic),
    "bernoulli": dict(torch_nll=bernoulli, fused_sum=bernoulli_sum),
    "categorical": dict(torch_nll=categorical, fused_sum=categorical_sum),
    "poisson": dict(torch_nll=poisson),
    "laplace": dict(torch_distribution=laplace),
    "student-t": dict(torch_distribution=student_t),
    "gaussian-mixture": dict(torch_distribution=gaussian_mixture),
    "exponential": dict(torch_distribution=exponential),
    "gamma": dict(torch_distribution=gamma),
    "beta": dict(torch_distribution=beta),
    "von-mises": dict(torch_distribution=von_mises),
    "multivariate-normal": dict(torch_distribution=multivariate_normal),
    "plackett-luce": dict(torch_nll=plackett_luce),
}.items():
    get_loss(_name).bind(**_parts)
del _name, _parts
