r"""Backpropagation as a straight-line program (lecture, "the backpropagation algorithm").

The forward pass computes and stores every intermediate value; the backward pass applies
the chain rule to them, last assignment first. For a deep network and a per-sample loss
``l = loss[f_K, y]`` (Prince, *Understanding Deep Learning*, eqs. 7.17-7.23):

    forward:   f_0 = beta_0 + Omega_0 x,   h_k = a[f_{k-1}],   f_k = beta_k + Omega_k h_k,   l
    backward:  dl/df_K = dloss/df_K,
               dl/dh_k = Omega_k^T dl/df_k,           dl/df_{k-1} = a'[f_{k-1}] (.) dl/dh_k,
               dl/dbeta_k = dl/df_k,                  dl/dOmega_k = dl/df_k h_k^T.

These equations are not typed in: the generic core :func:`symbolic.core.autodiff.reverse_mode`
derives the backward assignments of *any* straight-line program from the local partial
derivatives of each assignment (``sympy.diff`` of one small expression at a time); this
module applies it to a network and a loss, and :meth:`Backprop.matrix_form_check`
checks, element by element, that for a network they are the lecture's matrix equations.
Intermediates are never substituted into one tree; :meth:`Backprop.substituted_gradient`
does that only for small networks, as the independent ``sympy.diff`` witness.

The gradient-descent update ``phi <- phi - alpha dL/dphi`` built on these gradients is
:func:`gradient_descent_step`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping, Sequence

import sympy as sp

from symbolic.activations.functions import activation, activation_latex
from symbolic.spec.losses import Likelihood
# The generic reverse-mode core; its names stay importable from here.
from symbolic.core.autodiff import Adjoint, Program, _independent_runs, local_partials, reverse_mode  # noqa: F401
from symbolic.losses.block import sample_targets
from symbolic.losses.sample import SampleLoss, sample_loss
from symbolic.networks.network import DeepNetwork, deep_network
from symbolic.core.printing import latex
from symbolic.spec import NetworkSpec

__all__ = [
    "Adjoint",
    "Backprop",
    "LOSS_SYMBOL",
    "PerSampleLoss",
    "adjoint_symbol",
    "backprop",
    "gradient_descent_step",
    "local_partials",
    "reverse_mode",
    "backprop_latex",
    "alpha",
]

#: The learning rate alpha of gradient descent.
alpha = sp.Symbol("alpha", positive=True)

class PerSampleLoss(sp.Symbol):
    r"""The per-sample loss l_i as a program symbol: a real symbol named ``l`` printed ``\ell``
    (the output whose adjoints the backward pass computes). Its ``srepr`` is a plain symbol's.

    >>> print(latex(LOSS_SYMBOL), sp.srepr(LOSS_SYMBOL))
    \ell Symbol('l', real=True)
    """

    def __new__(cls) -> "PerSampleLoss":
        return sp.Symbol.__xnew__(cls, "l", real=True)

    def __getnewargs_ex__(self):
        return (), {}

    def _latex(self, printer) -> str:
        return r"\ell"

    def _sympyrepr(self, printer) -> str:
        return printer._print(sp.Symbol(self.name, real=True))


#: The per-sample loss l_i as a program symbol (printed \ell).
LOSS_SYMBOL = PerSampleLoss()


def adjoint_symbol(s: sp.Symbol) -> Adjoint:
    r"""The adjoint ``dl/ds`` that holds the derivative of the per-sample loss l w.r.t. ``s``.

    >>> print(backprop_latex(adjoint_symbol(sp.Symbol("f_{1,2}", real=True))))
    \frac{\partial \ell}{\partial f_{1,2}}
    """
    return Adjoint(s, LOSS_SYMBOL)


def backprop_latex(expr: sp.Basic, **settings) -> str:
    r"""LaTeX in the lecture's notation (:func:`symbolic.core.printing.latex`; adjoints print as
    partial derivatives, last in a product).

    >>> print(backprop_latex(adjoint_symbol(sp.Symbol("beta_{0,1}")) * LOSS_SYMBOL))
    \ell \frac{\partial \ell}{\partial \beta_{0,1}}
    """
    return latex(expr, **settings)


@dataclass
class Backprop:
    r"""The forward and backward pass of a network and a per-sample loss, as one program.

    ``program`` is ``forward + backward``: the network's assignments, the loss ``l``, then
    the adjoints ``dl/df_{k,i}`` and ``dl/dh_{k,i}``. ``gradient`` maps each parameter to
    its derivative in terms of those symbols (``dl/dbeta_{k,i} = dl/df_{k,i}``,
    ``dl/domega_{k,i,j} = dl/df_{k,i} h_{k,j}``).

    >>> bp = backprop(NetworkSpec((1, 1, 1), "relu"), "least-squares")
    >>> for line in bp.scalar_latex():
    ...     print(line)
    f_{0,1} = \beta_{0,1} + \omega_{0,1,1} x_{1}
    h_{1,1} = \mathrm{ReLU}\left[f_{0,1}\right]
    f_{1,1} = \beta_{1,1} + \omega_{1,1,1} h_{1,1}
    \ell = \left(y - f_{1,1}\right)^{2}
    \frac{\partial \ell}{\partial f_{1,1}} = 2 f_{1,1} - 2 y
    \frac{\partial \ell}{\partial h_{1,1}} = \omega_{1,1,1} \frac{\partial \ell}{\partial f_{1,1}}
    \frac{\partial \ell}{\partial f_{0,1}} = \mathbb{I}\left[f_{0,1} > 0\right] \frac{\partial \ell}{\partial h_{1,1}}
    \frac{\partial \ell}{\partial \beta_{0,1}} = \frac{\partial \ell}{\partial f_{0,1}}
    \frac{\partial \ell}{\partial \omega_{0,1,1}} = x_{1} \frac{\partial \ell}{\partial f_{0,1}}
    \frac{\partial \ell}{\partial \beta_{1,1}} = \frac{\partial \ell}{\partial f_{1,1}}
    \frac{\partial \ell}{\partial \omega_{1,1,1}} = h_{1,1} \frac{\partial \ell}{\partial f_{1,1}}
    """

    net: DeepNetwork
    loss: SampleLoss
    forward: Program
    backward: Program
    gradient: dict[sp.Symbol, sp.Expr]
    l: sp.Symbol = field(default=LOSS_SYMBOL)

    @property
    def spec(self) -> NetworkSpec:
        return self.net.spec

    @property
    def program(self) -> Program:
        """Forward then backward assignments, in order."""
        return self.forward + self.backward

    @property
    def parameters(self) -> list[sp.Symbol]:
        return self.net.parameter_symbols

    @property
    def targets(self) -> list[sp.Symbol]:
        return list(self.loss.targets)

    @cached_property
    def constants(self) -> list[sp.Symbol]:
        """Loss symbols that are neither outputs nor targets (sigma of the ``normal`` loss)."""
        known = set(self.loss.outputs) | set(self.loss.targets)
        return sorted((s for s in self.loss.expr.free_symbols if s not in known), key=lambda s: s.name)

    @property
    def gradient_assignments(self) -> Program:
        """``(dl/dphi, expression)`` for every parameter phi, in the DESIGN.md order."""
        return [(adjoint_symbol(p), self.gradient[p]) for p in self.parameters]

    @cached_property
    def adjoints(self) -> dict[sp.Symbol, sp.Expr]:
        """Backward assignments by symbol; an absent adjoint is identically 0."""
        return dict(self.backward)

    def adjoint(self, s: sp.Symbol) -> sp.Expr:
        """The symbol ``dl/ds`` when the program assigns it, else 0 (l does not depend on s)."""
        a = adjoint_symbol(s)
        return a if a in self.adjoints else sp.S.Zero

    # ----- display -------------------------------------------------------------------
    def scalar_latex(self) -> list[str]:
        """Every assignment of the program and every parameter gradient, ``lhs = rhs``."""
        return [f"{backprop_latex(s)} = {backprop_latex(e)}" for s, e in self.program + self.gradient_assignments]

    def matrix_latex(self) -> list[str]:
        r"""The general equations in matrix notation (checked by :meth:`matrix_form_check`).

        >>> for line in backprop(NetworkSpec((1, 2, 1), "tanh")).matrix_latex()[3:]:
        ...     print(line)
        \frac{\partial \ell}{\partial \mathbf{h}_{k}} = \boldsymbol\Omega_{k}^{T} \frac{\partial \ell}{\partial \mathbf{f}_{k}}, \quad \frac{\partial \ell}{\partial \mathbf{f}_{k-1}} = \tanh'\left[\mathbf{f}_{k-1}\right] \odot \frac{\partial \ell}{\partial \mathbf{h}_{k}} \quad (k = 1)
        \frac{\partial \ell}{\partial \boldsymbol\beta_{k}} = \frac{\partial \ell}{\partial \mathbf{f}_{k}}, \quad \frac{\partial \ell}{\partial \boldsymbol\Omega_{k}} = \frac{\partial \ell}{\partial \mathbf{f}_{k}} \mathbf{h}_{k}^{T} \quad (k = 0, 1,\ \mathbf{h}_{0} = \mathbf{x})
        """
        a = activation_latex(self.spec)
        K = self.net.K

        def d(v: str) -> str:
            return r"\frac{\partial \ell}{\partial " + v + "}"

        f_k, f_prev, f_K = r"\mathbf{f}_{k}", r"\mathbf{f}_{k-1}", rf"\mathbf{{f}}_{{{K}}}"
        h_k, beta_k, omega_k = r"\mathbf{h}_{k}", r"\boldsymbol\beta_{k}", r"\boldsymbol\Omega_{k}"
        def over(first: int, last: int) -> str:  # "k = 2, 1" for a few values, "k = 1, ..., 5" for many
            values = list(range(first, last + 1) if first <= last else range(first, last - 1, -1))
            shown = values if len(values) <= 3 else [values[0], r"\ldots", values[-1]]
            return "k = " + ", ".join(str(v) for v in shown)

        up, down = over(1, K), over(K, 1)
        lines = [r"\mathbf{f}_{0} = \boldsymbol\beta_{0} + \boldsymbol\Omega_{0} \mathbf{x}"]
        if K >= 1:
            lines.append(rf"{h_k} = {a}\left[{f_prev}\right], \quad {f_k} = {beta_k} + {omega_k} {h_k}"
                         rf" \quad ({up})")
        lines.append(rf"\ell = \mathrm{{loss}}\left[{f_K}, \mathbf{{y}}\right]")
        if K >= 1:
            lines.append(rf"{d(h_k)} = {omega_k}^{{T}} {d(f_k)}, \quad {d(f_prev)} = {a}'\left[{f_prev}\right]"
                         rf" \odot {d(h_k)} \quad ({down})")
        lines.append(rf"{d(beta_k)} = {d(f_k)}, \quad {d(omega_k)} = {d(f_k)} {h_k}^{{T}}"
                     rf" \quad ({over(0, K)},\ \mathbf{{h}}_{{0}} = \mathbf{{x}})")
        return lines

    def to_latex(self, scalar_limit: int = 120) -> str:
        r"""The matrix form and (up to ``scalar_limit`` parameters) every scalar assignment,
        as LaTeX ``align*`` blocks with comment headers."""
        align = lambda lines: ("\\begin{align*}\n" + "\\\\\n".join(l.replace(" = ", " &= ", 1) for l in lines)  # noqa: E731
                               + "\n\\end{align*}")
        parts = [f"% backpropagation, loss {self.loss.name}: matrix form", align(self.matrix_latex())]
        if self.spec.n_parameters <= scalar_limit:
            parts += ["% backpropagation: every assignment (scalar form)", align(self.scalar_latex())]
        else:
            parts.append(f"% scalar form omitted: {len(self.program) + len(self.parameters)} assignments for "
                         f"{self.spec.n_parameters} parameters (see --format text or json)")
        return "\n".join(parts)

    def to_text(self) -> str:
        """Every assignment and gradient as plain text, one per line."""
        lines = [f"backpropagation, loss {self.loss.name}: {len(self.forward)} forward and "
                 f"{len(self.backward)} backward assignments, {len(self.parameters)} gradients"]
        lines += [f"  {s} = {sp.sstr(e)}" for s, e in self.program + self.gradient_assignments]
        return "\n".join(lines)

    def matrix_form_check(self) -> list[str]:
        r"""Check the derived program against the lecture's matrix equations, elementwise.

        Multiplies out ``Omega_k^T g``, ``a'[f] (.) g`` and ``g h^T`` as SymPy matrices of the
        network's symbols and compares every element with the derived assignment (equal, or
        ``expand`` of the difference is 0). Returns the mismatches (empty when all agree).
        """
        net, K = self.net, self.net.K
        z = sp.Symbol("z", real=True)
        a = activation(self.spec)
        a_prime = sp.diff(a(z), z)
        values = dict(self.program)
        problems: list[str] = []

        def same(x: sp.Expr, y: sp.Expr, what: str) -> None:
            if x != y and sp.expand(x - y) != 0:
                problems.append(f"{what}: derived {x} != matrix form {y}")

        for k in range(K + 1):
            rows, cols = net.omega[k].shape
            g = sp.Matrix([self.adjoint(f) for f in net.f[k]])  # dl/df_k: (D_{k+1}, 1)
            h = sp.Matrix(net.h[k])  # h_k: (D_k, 1), h_0 = x
            outer = g * h.T  # dl/dOmega_k = dl/df_k h_k^T: (D_{k+1}, D_k)
            for i in range(rows):
                same(self.gradient[net.beta[k][i]], g[i], f"dl/dbeta_{k}[{i}]")
                for j in range(cols):
                    same(self.gradient[net.omega[k][i, j]], outer[i, j], f"dl/dOmega_{k}[{i},{j}]")
            if k == 0:
                continue
            back = net.omega[k].T * g  # dl/dh_k = Omega_k^T dl/df_k: (D_k, 1)
            for j in range(cols):
                h_kj, f_prev = net.h[k][j], net.f[k - 1][j]
                same(values.get(adjoint_symbol(h_kj), sp.S.Zero), back[j], f"dl/dh_{k}[{j}]")
                same(values.get(h_kj), a(f_prev), f"h_{k}[{j}]")
                same(values.get(adjoint_symbol(f_prev), sp.S.Zero),
                     a_prime.xreplace({z: f_prev}) * self.adjoint(h_kj), f"dl/df_{k - 1}[{j}]")
        for j, f in enumerate(net.outputs):
            same(values.get(adjoint_symbol(f), sp.S.Zero), sp.diff(self.loss.expr, f), f"dl/df_{K}[{j}]")
        return problems

    # ----- the independent witness (small networks only) -------------------------------
    def substituted_loss(self) -> sp.Expr:
        """The loss as one expression in x, y and the parameters (small networks only)."""
        outputs = self.net.substituted_outputs()
        return self.loss.expr.xreplace(dict(zip(self.net.outputs, outputs)))

    def substituted_gradient(self) -> dict[sp.Symbol, sp.Expr]:
        """``sympy.diff`` of :meth:`substituted_loss` for every parameter (small networks only)."""
        composed = self.substituted_loss()
        return {p: sp.diff(composed, p) for p in self.parameters}

    def random_point(self, seed: int = 0) -> dict[sp.Symbol, sp.Rational]:
        """Exact rational values for x, the targets, the constants and the parameters.

        Inputs in [-2, 2], parameters in [-1, 1] (denominators up to 16); targets that
        suit the loss (reals, 0/1, a one-hot class, counts); sigma = 3/4.
        """
        rng = random.Random(seed)
        R = lambda lo, hi: sp.Rational(rng.randint(lo * 16, hi * 16), 16)  # noqa: E731
        values: dict[sp.Symbol, sp.Rational] = {x: R(-2, 2) for x in self.net.inputs}
        values.update({p: R(-1, 1) for p in self.parameters})
        n = self.loss.n_data_targets
        row = sample_targets(self.loss.entry.support, rng, len(self.targets), n, denominator=16)
        if self.loss.target_encoding == "one-hot":
            width = len(self.targets) // n
            values.update({self.targets[j * width + c]: sp.Integer(int(int(v) == c)) for j, v in enumerate(row)
                           for c in range(width)})
        else:
            values.update(dict(zip(self.targets, row)))
        values.update({c: sp.Rational(3, 4) for c in self.constants})
        return values

    def diff_check(self, points: int = 3, seed: int = 0, digits: int = 50) -> float:
        """The independent witness: largest relative error between the program's gradient
        and ``sympy.diff`` of the substituted loss, at ``points`` random exact points,
        evaluated to ``digits`` significant digits (small networks only)."""
        witness = self.substituted_gradient()
        worst = 0.0
        for n in range(points):
            point = self.random_point(seed + n)
            got = self.evaluate(point, digits)
            for p in self.parameters:
                expected = witness[p].xreplace(point).evalf(digits)
                err = abs(sp.N(got[adjoint_symbol(p)] - expected, digits))
                worst = max(worst, float(err / max(1, abs(expected))))
        return worst

    def as_json(self) -> dict[str, object]:
        """The program and gradient for DESIGN.md's ``derive --format json`` (``srepr`` strings)."""
        return {
            "targets": [t.name for t in self.targets],
            "program": [[s.name, sp.srepr(e)] for s, e in self.program],
            "loss": sp.srepr(self.loss.expr),
            "gradient": {p.name: sp.srepr(self.gradient[p]) for p in self.parameters},
        }

    def evaluate(self, values: Mapping[sp.Symbol, sp.Expr], digits: int | None = None) -> dict[sp.Symbol, sp.Expr]:
        """Run the program on numbers (exact, or to ``digits`` significant digits).

        ``values`` gives x, the targets, the constants and the parameters; the result holds
        every assigned symbol and ``dl/dphi`` for every parameter.
        """
        known: dict[sp.Symbol, sp.Expr] = dict(values)
        for s, e in self.program + self.gradient_assignments:
            v = e.xreplace(known)
            known[s] = v.evalf(digits) if digits else v
        return known


def backprop(spec: NetworkSpec | DeepNetwork | Sequence[int], loss: "str | Likelihood" = "least-squares",
             activation_name: str = "relu") -> Backprop:
    r"""Derive the backward pass of a network and a loss by :func:`reverse_mode`:

        dl/dh_k = Omega_k^T dl/df_k,  dl/df_{k-1} = a'[f_{k-1}] (.) dl/dh_k,
        dl/dbeta_k = dl/df_k,  dl/dOmega_k = dl/df_k h_k^T.

    ``loss`` is a registered name or a :class:`symbolic.spec.losses.Likelihood` (the per-sample NLL of
    :func:`symbolic.losses.sample.sample_loss`).

    >>> bp = backprop(NetworkSpec((2, 2, 1), "sigmoid"), "bernoulli")
    >>> print(backprop_latex(bp.backward[0][1]))
    - y + \mathrm{sig}\left[f_{1,1}\right]
    >>> bp.matrix_form_check()
    []
    """
    if isinstance(spec, DeepNetwork):
        net = spec
    else:
        net = deep_network(spec if isinstance(spec, NetworkSpec) else NetworkSpec(tuple(spec), activation_name))
    sl = sample_loss(loss, net.outputs)
    forward = list(net.program) + [(LOSS_SYMBOL, sl.expr)]
    backward, gradient = reverse_mode(forward, LOSS_SYMBOL, net.parameter_symbols)
    return Backprop(net, sl, forward, backward, gradient)


def gradient_descent_step(
    gradient: Mapping[sp.Symbol, sp.Expr], learning_rate: sp.Expr = alpha
) -> list[tuple[sp.Symbol, sp.Expr]]:
    r"""One gradient-descent step on every parameter (lecture, "gradient descent"):

        phi <- phi - alpha dL/dphi,   with L[phi] = sum_i l_i the total loss.

    ``gradient`` maps each parameter phi to dL/dphi (an expression, or a number); the
    result is the update as assignments ``(phi, phi - alpha dL/dphi)``, in that order.

    >>> b = sp.Symbol("beta_{0,1}", real=True)
    >>> for s, e in gradient_descent_step({b: sp.Symbol("g", real=True)}):
    ...     print(backprop_latex(s), r"\leftarrow", backprop_latex(e))
    \beta_{0,1} \leftarrow \beta_{0,1} - \alpha g
    >>> gradient_descent_step({b: 2}, sp.Rational(1, 4))[0][1]
    beta_{0,1} - 1/2
    """
    if not isinstance(gradient, Mapping):
        raise TypeError(f"gradient must map parameters to derivatives, got {type(gradient).__name__}")
    learning_rate = sp.sympify(learning_rate)
    if learning_rate.is_number and not learning_rate.is_positive:
        raise ValueError(f"the learning rate alpha must be positive, got {learning_rate}")
    return [(phi, phi - learning_rate * sp.sympify(g)) for phi, g in gradient.items()]
