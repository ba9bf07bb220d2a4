r"""Per-sample losses l_i from maximum likelihood, in their numerically stable forms.

The network outputs ``f = (f_1, ..., f_{D_o})`` predict the parameters of a distribution
over the targets; the per-sample loss is the negative log-likelihood
``l_i = -log Pr(y_i | f[x_i, phi])`` with all its constants, and the total loss is the
sum ``L[phi] = sum_i l_i`` (lecture). The step-by-step derivations of these forms live in
:mod:`symbolic.recipes`; this module is the registry that compilation, backpropagation and
training share.

=========================  =====================  =============================================
loss                        outputs -> parameters   per-sample loss
=========================  =====================  =============================================
least-squares               mu_j = f_j              sum_j (y_j - f_j)^2   (no constants)
normal (sigma)              mu_j = f_j              sum_j (y_j - f_j)^2/(2 sigma^2) + log(2 pi sigma^2)/2
heteroscedastic-normal      mu_j = f_j,             sum_j (y_j - mu_j)^2 exp(-f_{n+j})/2 + f_{n+j}/2 + log(2 pi)/2
                            sigma_j^2 = exp(f_{n+j})
bernoulli                   lambda_j = sig[f_j]     sum_j softplus[f_j] - y_j f_j
categorical                 softmax[f]              logsumexp[f] - sum_c t_c f_c   (t one-hot of y)
poisson                     lambda_j = exp(f_j)     sum_j exp(f_j) - y_j f_j + log(y_j!)
=========================  =====================  =============================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import sympy as sp

from .activations import Softplus

__all__ = ["LOSSES", "LogSumExp", "SampleLoss", "sample_loss", "check_loss_width", "n_targets", "sigma"]

LOSSES: tuple[str, ...] = ("least-squares", "normal", "heteroscedastic-normal", "bernoulli", "categorical", "poisson")

#: The fixed standard deviation of the ``normal`` loss.
sigma = sp.Symbol("sigma", positive=True)


class LogSumExp(sp.Function):
    r"""``logsumexp[z_1, ..., z_n] = log sum_c exp(z_c)``, printed to ``torch.logsumexp``.

    Its derivative with respect to z_c is the softmax ``exp(z_c - logsumexp[z])``, which
    never overflows.

    >>> a, b = sp.symbols("a b", real=True)
    >>> print(sp.latex(LogSumExp(a, b)))
    \operatorname{logsumexp}\left[a, b\right]
    >>> print(sp.diff(LogSumExp(a, b), a))
    exp(a - LogSumExp(a, b))
    """

    @classmethod
    def definition(cls, *args):
        return sp.log(sum(sp.exp(a) for a in args))

    def fdiff(self, argindex=1):
        return sp.exp(self.args[argindex - 1] - self)

    def _latex(self, printer):
        return r"\operatorname{logsumexp}\left[" + ", ".join(printer._print(a) for a in self.args) + r"\right]"

    def _eval_evalf(self, prec):
        if all(a.is_number for a in self.args):
            return self.definition(*self.args)._eval_evalf(prec)
        return None

    def _eval_rewrite(self, rule, args, **hints):
        return self.definition(*args)

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None

    # Code printing (used by symbolic.printing's printers).
    def _torchcode(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return f"torch.logsumexp(torch.stack(torch.broadcast_tensors({args})), dim=0)"

    def _numpycode(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return f"scipy.special.logsumexp(numpy.stack(numpy.broadcast_arrays({args})), axis=0)"


@dataclass(frozen=True)
class SampleLoss:
    """A per-sample loss: its target symbols, the expression, and how targets are encoded."""

    name: str
    outputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    expr: sp.Expr
    target_encoding: str  # "values" (one column per target) or "one-hot" (class index -> t_c)

    @property
    def n_data_targets(self) -> int:
        """Number of target columns in a data file."""
        return 1 if self.target_encoding == "one-hot" else len(self.targets)


def check_loss_width(name: str, D_o: int) -> None:
    """Raise ValueError when the network's output width D_o does not suit the loss."""
    if name not in LOSSES:
        import difflib

        close = difflib.get_close_matches(name, LOSSES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown loss {name!r}{hint}; choose one of {', '.join(LOSSES)}")
    if name == "categorical" and D_o < 2:
        raise ValueError(f"categorical loss needs at least two outputs (one per class), got D_o = {D_o}")
    if name == "heteroscedastic-normal" and D_o % 2:
        raise ValueError(
            f"heteroscedastic-normal loss needs two outputs per target (mean and log-variance), got odd D_o = {D_o}"
        )


def n_targets(name: str, D_o: int) -> int:
    """Target columns a data file needs for this loss and output width."""
    check_loss_width(name, D_o)
    if name == "categorical":
        return 1
    if name == "heteroscedastic-normal":
        return D_o // 2
    return D_o


def _targets(n: int, prefix: str = "y", **assumptions) -> tuple[sp.Symbol, ...]:
    if n == 1 and prefix == "y":
        return (sp.Symbol("y", **assumptions),)
    return tuple(sp.Symbol(f"{prefix}_{{{j}}}", **assumptions) for j in range(1, n + 1))


def sample_loss(name: str, outputs: Sequence[sp.Symbol]) -> SampleLoss:
    r"""The stable per-sample NLL ``l_i`` of a loss, in terms of the network outputs.

    >>> f = [sp.Symbol("f", real=True)]
    >>> print(sp.latex(sample_loss("bernoulli", f).expr))
    - f y + \mathrm{softplus}\left[f\right]
    >>> print(sp.latex(sample_loss("least-squares", f).expr))
    \left(- f + y\right)^{2}
    """
    outputs = tuple(outputs)
    D_o = len(outputs)
    check_loss_width(name, D_o)
    if name in ("least-squares", "normal"):
        y = _targets(D_o, real=True)
        if name == "least-squares":
            expr = sum(((yj - fj) ** 2 for yj, fj in zip(y, outputs)), sp.S.Zero)
        else:
            expr = sum(((yj - fj) ** 2 / (2 * sigma**2) + sp.log(2 * sp.pi * sigma**2) / 2
                        for yj, fj in zip(y, outputs)), sp.S.Zero)
        return SampleLoss(name, outputs, y, expr, "values")
    if name == "heteroscedastic-normal":
        n = D_o // 2
        y = _targets(n, real=True)
        mu, log_var = outputs[:n], outputs[n:]
        expr = sum(((yj - m) ** 2 * sp.exp(-s) / 2 + s / 2 + sp.log(2 * sp.pi) / 2
                    for yj, m, s in zip(y, mu, log_var)), sp.S.Zero)
        return SampleLoss(name, outputs, y, expr, "values")
    if name == "bernoulli":
        y = _targets(D_o, real=True)
        expr = sum((Softplus(fj) - yj * fj for yj, fj in zip(y, outputs)), sp.S.Zero)
        return SampleLoss(name, outputs, y, expr, "values")
    if name == "categorical":
        t = tuple(sp.Symbol(f"t_{{{c}}}", real=True) for c in range(D_o))  # one-hot of class y
        expr = LogSumExp(*outputs) - sum((tc * fc for tc, fc in zip(t, outputs)), sp.S.Zero)
        return SampleLoss(name, outputs, t, expr, "one-hot")
    # poisson
    y = _targets(D_o, real=True, nonnegative=True)
    expr = sum((sp.exp(fj) - yj * fj + sp.loggamma(yj + 1) for yj, fj in zip(y, outputs)), sp.S.Zero)
    return SampleLoss(name, outputs, y, expr, "values")
