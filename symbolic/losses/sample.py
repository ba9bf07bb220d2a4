r"""Per-sample losses l_i from maximum likelihood, in their numerically stable forms.

The network outputs ``f = (f_1, ..., f_{D_o})`` predict the parameters of a distribution
over the targets; the per-sample loss is the negative log-likelihood
``l_i = -log Pr(y_i | f[x_i, phi])`` with all its constants, and the total loss is the
sum ``L[phi] = sum_i l_i`` (lecture). The step-by-step derivations of these forms live in
:mod:`symbolic.losses.recipes`; this module is the registry that compilation, backpropagation and
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
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import sympy as sp

from symbolic.activations.functions import StockDefined
from symbolic.spec.losses import LOSSES, Likelihood, check_sigma, get_loss
from symbolic.spec import check_loss_width, n_targets

if TYPE_CHECKING:  # pragma: no cover
    from symbolic.core.compile import CompiledProgram
    from symbolic.networks.network import DeepNetwork
    from symbolic.spec import NetworkSpec

__all__ = ["LOSSES", "LogSumExp", "SampleLoss", "sample_loss", "check_loss_width", "check_sigma", "n_targets", "sigma",
           "NetworkLoss", "network_loss"]


#: The fixed standard deviation of the ``normal`` loss.
sigma = sp.Symbol("sigma", positive=True)


class LogSumExp(StockDefined, sp.Function):
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

    def _latex(self, printer, exp=None):
        tex = r"\operatorname{logsumexp}\left[" + ", ".join(printer._print(a) for a in self.args) + r"\right]"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None

    # Code printing (used by symbolic.core.printing's printers).
    def _torchcode(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return f"torch.logsumexp(torch.stack(torch.broadcast_tensors({args})), dim=0)"

    def _numpycode(self, printer):
        args = ", ".join(printer._print(a) for a in self.args)
        return f"scipy.special.logsumexp(numpy.stack(numpy.broadcast_arrays({args})), axis=0)"


@dataclass(frozen=True)
class SampleLoss:
    """A per-sample loss: its target symbols, the expression, and how targets are encoded.

    ``target_encoding`` is ``"values"`` (one data column per target symbol) or ``"one-hot"``
    (each of the ``data_targets`` columns, an index, becomes indicators t_c = [y = c]).
    """

    name: str
    outputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    expr: sp.Expr
    target_encoding: str
    data_targets: int | None = None

    @property
    def entry(self):
        """The registry entry (:class:`symbolic.spec.losses.Likelihood`) of this loss."""
        return get_loss(self.name)

    @property
    def n_data_targets(self) -> int:
        """Number of target columns in a data file."""
        if self.target_encoding == "one-hot":
            return self.data_targets or 1
        return len(self.targets)

    def target_columns(self, Y: Any) -> list[Any]:
        """Target columns of Y (I, n_targets), numpy or torch: one-hot t_c = [y == c] where encoded."""
        n = self.n_data_targets
        shape = tuple(getattr(Y, "shape", ()))
        if len(shape) != 2 or shape[1] != n:
            raise ValueError(f"{self.name} loss needs targets of shape (I, {n}), got {shape if shape else None}")
        if self.target_encoding != "one-hot":
            return [Y[:, j] for j in range(n)]
        width = len(self.targets) // n
        columns = [(Y[:, j] == c) * 1.0 for j in range(n) for c in range(width)]
        dtype = getattr(Y, "dtype", None)
        if hasattr(Y, "is_floating_point"):  # torch: keep the data's dtype
            columns = [c.to(dtype) for c in columns]
        return columns

    def decode(self, values: Mapping[sp.Symbol, Any]) -> list[float]:
        """One sample's data row from exact target values (the inverse of the encoding)."""
        if self.target_encoding != "one-hot":
            return [float(values[t]) for t in self.targets]
        n = self.n_data_targets
        width = len(self.targets) // n
        return [float(next(c for c in range(width) if values[self.targets[j * width + c]] == 1)) for j in range(n)]


def sample_loss(loss: "str | Likelihood", outputs: Sequence[sp.Symbol]) -> SampleLoss:
    r"""The stable per-sample NLL ``l_i`` of a loss (a name or a registry entry), in terms of
    the network outputs.

    >>> f = [sp.Symbol("f", real=True)]
    >>> print(sp.latex(sample_loss("bernoulli", f).expr))
    - f y + \mathrm{softplus}\left[f\right]
    >>> print(sp.latex(sample_loss("least-squares", f).expr))
    \left(- f + y\right)^{2}
    """
    entry = get_loss(loss)
    outputs = tuple(outputs)
    entry.n_targets(len(outputs))
    return entry.model().sample(outputs)


@dataclass
class NetworkLoss:
    r"""A network and a loss: ``L[phi] = sum_{i=1}^{I} l_i`` with ``l_i = loss[f[x_i, phi], y_i]``.

    For display, the total is the indexed sum over samples; for compilation, the network's
    straight-line program is extended by one assignment ``l = l_i`` (the registry's stable
    per-sample expression in the output symbols f_{K,j}), compiled with the program.

    >>> from symbolic.spec import NetworkSpec
    >>> nl = network_loss(NetworkSpec((1, 2, 1), "relu"), "bernoulli")
    >>> print(nl.total_latex())
    L[\boldsymbol\phi] = \sum_{i=1}^{I} \left(- f_{1,1} y + \mathrm{softplus}\left[f_{1,1}\right]\right)_{\mathbf{x} = \mathbf{x}_i,\, y = y_i}
    >>> [round(float(v), 12) for v in nl.evaluate([[0.0]], [[1.0]], {"beta_0": [0.0, 0.0], "omega_0": [[1.0], [1.0]],
    ...                                                            "beta_1": [0.0], "omega_1": [[1.0, 1.0]]})[1]]
    [0.69314718056]
    """

    net: "DeepNetwork"
    sample: SampleLoss

    #: The per-sample loss as a program symbol.
    l = sp.Symbol("l", real=True)

    @property
    def name(self) -> str:
        return self.sample.name

    @property
    def program(self) -> list[tuple[sp.Symbol, sp.Expr]]:
        """The forward program, then ``l = loss[f_K, y]``."""
        return list(self.net.program) + [(self.l, self.sample.expr)]

    @property
    def constants(self) -> list[sp.Symbol]:
        """Symbols of the loss that are neither outputs nor targets (sigma of ``normal``)."""
        known = set(self.sample.outputs) | set(self.sample.targets)
        return sorted((s for s in self.sample.expr.free_symbols if s not in known), key=lambda s: s.name)

    @property
    def args(self) -> list[sp.Symbol]:
        """Compiled arguments: x_1..x_{D_i}, the targets, the constants, the parameters."""
        return self.net.inputs + list(self.sample.targets) + self.constants + self.net.parameter_symbols

    def compile(self, backend: str = "numpy") -> "CompiledProgram":
        """Compile ``args -> [l, f_{K,1}, ..., f_{K,D_o}]`` (one value per sample)."""
        from symbolic.core.compile import compile_program

        return compile_program(self.args, self.program, [self.l] + list(self.net.outputs), backend)

    def target_columns(self, Y: Any) -> list[Any]:
        """Target columns of Y (I, n_targets): one-hot t_c = [y == c] where the loss encodes them."""
        return self.sample.target_columns(Y)

    def evaluate(self, X: Any, Y: Any, tensors: Any, sigma: float | None = None,
                 compiled: "CompiledProgram | None" = None) -> tuple[Any, Any]:
        """Outputs (I, D_o) and per-sample losses l_i (I,) of the compiled program.

        X (I, D_i) and Y (I, n_targets) are arrays (numpy, or torch for a torch-compiled
        program); ``tensors`` the parameters by name (DESIGN.md shapes).
        """
        import numpy as np

        is_numpy = compiled is None or compiled.backend == "numpy"
        if is_numpy:
            X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
            tensors = {k: np.asarray(v, dtype=float) for k, v in dict(tensors).items()}
        compiled = compiled or self.compile("numpy")
        values = check_sigma(self.name, sigma)
        args = [X[:, i] for i in range(X.shape[1])] + self.target_columns(Y)
        if self.constants and not is_numpy:  # a 0-d tensor of the data's dtype: no float32 detour
            import torch

            values = torch.as_tensor(values, dtype=X.dtype, device=X.device)
        args += [values] if self.constants else []
        args += [tensors[p.tensor][p.index] for p in self.net.parameters]
        l, *outputs = compiled(*args)
        if is_numpy:
            return np.stack(outputs, axis=1), l
        import torch

        return torch.stack(outputs, dim=1), l

    def total_latex(self) -> str:
        """``L[phi] = sum_i (l)_{x = x_i, y = y_i}``: the indexed sum over samples."""
        from symbolic.core.printing import latex

        targets = r"\mathbf{y} = \mathbf{y}_i" if self.sample.n_data_targets > 1 else "y = y_i"
        return (r"L[\boldsymbol\phi] = \sum_{i=1}^{I} \left(" + latex(self.sample.expr)
                + r"\right)_{\mathbf{x} = \mathbf{x}_i,\, " + targets + "}")


def network_loss(spec: "NetworkSpec | DeepNetwork", name: "str | Likelihood") -> NetworkLoss:
    """The network of a spec with the per-sample loss ``name`` (or a registry entry) on its outputs f_{K,j}."""
    from symbolic.networks.network import DeepNetwork, deep_network

    net = spec if isinstance(spec, DeepNetwork) else deep_network(spec)
    return NetworkLoss(net, sample_loss(name, net.outputs))
