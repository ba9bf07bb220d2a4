r"""Gradient descent, symbolically (lecture: "Gradient descent -- the algorithm").

The two steps of the algorithm, with the total loss ``L[phi] = sum_i l_i``:

    1. compute the gradient   dL/dphi = sum_i dl_i/dphi
    2. update the parameters  phi <- phi - alpha dL/dphi      (alpha: the learning rate)

:func:`linear_regression_descent` runs them in exact rational arithmetic on the lecture's
1-D linear regression ``y = phi_0 + phi_1 x`` with least squares, as a checked
:class:`~symbolic.core.derivation.Derivation` whose last steps are the iterates phi^{[t]}.
:func:`network_gradient_step` is one step for any network and loss, from the compiled
symbolic gradient (``sympy.diff`` of the substituted per-sample loss; small networks only),
the reference the PyTorch trainer is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import sympy as sp

from symbolic.core.compile import CompiledProgram, compile_program
from symbolic.core.derivation import Derivation
from symbolic.spec.losses import check_sigma, get_loss
from symbolic.losses.sample import sample_loss, sigma as sigma_symbol
from symbolic.networks.network import DeepNetwork, deep_network
from symbolic.core.printing import latex
from symbolic.core.reason import Fact, Reason, Shown
from symbolic.losses.recipes import L_LATEX
from symbolic.spec import NetworkSpec

__all__ = ["alpha", "phi_0", "phi_1", "LinearRegression", "lecture_linear_regression", "least_squares_loss",
           "linear_regression_descent", "linear_regression_iterates", "network_gradient", "network_gradient_step"]

#: The learning rate alpha.
alpha = sp.Symbol("alpha", positive=True)
#: Intercept and slope of the 1-D linear regression model y = phi_0 + phi_1 x.
phi_0, phi_1 = sp.Symbol("phi_{0}", real=True), sp.Symbol("phi_{1}", real=True)


@dataclass(frozen=True)
class LinearRegression:
    """Data (x_i, y_i), a learning rate alpha and a start phi^{[0]}, all exact rationals."""

    x: tuple[sp.Rational, ...]
    y: tuple[sp.Rational, ...]
    alpha: sp.Rational
    start: tuple[sp.Rational, sp.Rational]

    @property
    def I(self) -> int:  # noqa: E743 - the lecture's number of samples
        return len(self.x)


def lecture_linear_regression() -> LinearRegression:
    """The worked example: I = 4 points, alpha = 1/20, phi^{[0]} = (2, -1/2).

    >>> ex = lecture_linear_regression()
    >>> ex.I, ex.alpha, ex.start
    (4, 1/20, (2, -1/2))
    """
    R = sp.Rational
    return LinearRegression((R(0), R(1), R(2), R(3)), (R(1, 2), R(1), R(2), R(5, 2)), R(1, 20), (R(2), R(-1, 2)))


def least_squares_loss(x: Sequence[sp.Expr], y: Sequence[sp.Expr]) -> sp.Expr:
    r"""L[phi] = sum_i (phi_0 + phi_1 x_i - y_i)^2, with the data's numbers.

    >>> print(latex(least_squares_loss([0, 1], [1, 2])))
    \left(\phi_{0} - 1\right)^{2} + \left(\phi_{0} + \phi_{1} - 2\right)^{2}
    """
    return sp.Add(*[(phi_0 + phi_1 * xi - yi) ** 2 for xi, yi in zip(x, y)])


def _closed_form_gradient(x: Sequence[sp.Expr], y: Sequence[sp.Expr]) -> tuple[sp.Expr, sp.Expr]:
    """The normal-equation form: dL/dphi_0 = 2 (I phi_0 + Sx phi_1 - Sy),
    dL/dphi_1 = 2 (Sx phi_0 + Sxx phi_1 - Sxy), written from the sums, not by ``diff``."""
    I, Sx, Sy = len(x), sum(x), sum(y)
    Sxx, Sxy = sum(xi * xi for xi in x), sum(xi * yi for xi, yi in zip(x, y))
    return 2 * I * phi_0 + 2 * Sx * phi_1 - 2 * Sy, 2 * Sx * phi_0 + 2 * Sxx * phi_1 - 2 * Sxy


def linear_regression_descent(example: LinearRegression | None = None, steps: int = 3) -> Derivation:
    r"""Gradient descent on L[phi] = sum_i (phi_0 + phi_1 x_i - y_i)^2, exact iterates included:

        phi^{[t+1]} = phi^{[t]} - alpha dL/dphi [phi^{[t]}].

    Each iterate is checked against the update applied to the ``sympy.diff`` gradient.

    >>> d = linear_regression_descent(steps=1)
    >>> d.check().passed
    True
    >>> print(latex(d.steps[-2].rhs), latex(d.steps[-1].rhs))  # phi^{[1]} from phi^{[0]} = (2, -1/2)
    \frac{21}{10} \frac{1}{4}
    """
    ex = example or lecture_linear_regression()
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 9:
        raise ValueError(f"steps must be an integer from 1 to 9 (each iterate is expanded when checked), got {steps!r}")
    L = least_squares_loss(ex.x, ex.y)
    g0, g1 = _closed_form_gradient(ex.x, ex.y)
    d = Derivation("Gradient descent for 1-D linear regression")
    L_sym, G0, G1 = sp.Symbol("L"), sp.Symbol("G_0"), sp.Symbol("G_1")
    d.definitions.update({L_sym: L, G0: sp.diff(L, phi_0), G1: sp.diff(L, phi_1)})
    data = ", ".join(f"({latex(a)}, {latex(b)})" for a, b in zip(ex.x, ex.y))
    i, I = sp.Symbol("i", integer=True, positive=True), sp.Symbol("I", integer=True, positive=True)
    x, y = sp.IndexedBase("x", real=True), sp.IndexedBase("y", real=True)
    residual = phi_0 + phi_1 * x[i] - y[i]
    general = sp.Sum(residual**2, (i, 1, I))  # the loss for any data
    d.add(L, Reason("least squares $@general$ over the @count samples $(x_i, y_i)$: $@data$", general=general,
                    count=sp.Integer(ex.I), data=data), lhs=L_sym, lhs_latex=L_LATEX, check=False)
    d.add(sp.expand(L), "expand the squares")
    for parameter, gradient, factor in ((phi_0, g0, 1), (phi_1, g1, x[i])):
        # the reason states the derivative of the loss for any data; the fact is proven
        d.add(gradient, Reason("derivative by $@p$: $@slope$", p=parameter, slope=Fact(
            sp.Derivative(general, parameter), 2 * sp.Sum(factor * residual, (i, 1, I)), shown="rhs")),
            lhs=sp.Derivative(L_sym, parameter))
    previous = (sp.Symbol("phi_0^[0]"), sp.Symbol("phi_1^[0]"))
    d.definitions.update(dict(zip(previous, ex.start)))
    d.definitions[alpha] = ex.alpha
    d.add(ex.start[0], "start", lhs=previous[0], check=False)
    d.add(ex.start[1], "start", lhs=previous[1], check=False)
    value = ex.start
    for t in range(1, steps + 1):
        at = {phi_0: value[0], phi_1: value[1]}
        value = (sp.nsimplify(value[0] - ex.alpha * g0.xreplace(at)), sp.nsimplify(value[1] - ex.alpha * g1.xreplace(at)))
        current = (sp.Symbol(f"phi_0^[{t}]"), sp.Symbol(f"phi_1^[{t}]"))
        at_previous = {phi_0: previous[0], phi_1: previous[1]}
        for j, (sym, old, gradient, parameter) in enumerate(zip(current, previous, (G0, G1), (phi_0, phi_1))):
            # the update rule with the sympy.diff gradient, evaluated at the previous iterate
            d.definitions[sym] = old - alpha * d.definitions[gradient].xreplace(at_previous)
            rule = sp.Add(old, -alpha * sp.Derivative(L_sym, parameter), evaluate=False)
            d.add(value[j], Reason("$@rule$, $@alpha$", rule=Shown(rule, {"order": "none"}),
                                   alpha=Fact(alpha, ex.alpha)), lhs=sym, rhs_latex=_number_latex(value[j]))
        previous = current
    return d


def _number_latex(value: sp.Rational) -> str:
    if sp.Rational(value).q <= 1000:
        return latex(value)
    return rf"{latex(value)} \approx {float(value):.6f}"


def linear_regression_iterates(example: LinearRegression | None = None, steps: int = 60) -> np.ndarray:
    """Float iterates phi^{[0]}, ..., phi^{[T]} as an array (T + 1, 2), from the compiled gradient."""
    ex = example or lecture_linear_regression()
    L = least_squares_loss(ex.x, ex.y)
    gradient = compile_program([phi_0, phi_1], [], [sp.diff(L, phi_0), sp.diff(L, phi_1)], "numpy")
    phi = np.array([float(v) for v in ex.start])  # (2,)
    out = [phi.copy()]
    for _ in range(steps):
        phi = phi - float(ex.alpha) * np.array([float(g) for g in gradient(phi[0], phi[1])])
        out.append(phi.copy())
    return np.array(out)


def network_gradient(spec: NetworkSpec, loss: str, sigma: float | None = None
                     ) -> tuple[CompiledProgram, DeepNetwork, tuple[sp.Symbol, ...]]:
    r"""Per-sample gradient dl_i/dphi of a small network, by ``sympy.diff`` of the substituted loss.

    Returns the compiled numpy program (arguments: inputs x, targets, then the parameters in
    DESIGN.md order; outputs: one derivative per parameter), the network and the target symbols.

    >>> fn, net, targets = network_gradient(NetworkSpec((1, 1, 1), "linear"), "least-squares")
    >>> [float(v) for v in fn(1.0, 0.0, 0.0, 1.0, 0.0, 1.0)]  # x, y, beta_0, omega_0, beta_1, omega_1
    [2.0, 2.0, 2.0, 2.0]
    """
    net = deep_network(spec)
    sl = sample_loss(loss, net.outputs)
    expr = sl.expr.xreplace(dict(zip(net.outputs, net.substituted_outputs())))
    if get_loss(loss).uses_sigma:
        expr = expr.xreplace({sigma_symbol: sp.Float(check_sigma(loss, sigma), 17)})
    gradient = [sp.diff(expr, p) for p in net.parameter_symbols]
    fn = compile_program(list(net.inputs) + list(sl.targets) + net.parameter_symbols, [], gradient, "numpy")
    return fn, net, sl.targets


def network_gradient_step(spec: NetworkSpec, loss: str, tensors: Mapping[str, np.ndarray], X: np.ndarray,
                          Y: np.ndarray, learning_rate: float, sigma: float | None = None) -> dict[str, np.ndarray]:
    r"""One gradient-descent step phi - alpha sum_i dl_i/dphi from the compiled symbolic gradient.

    ``tensors``: params dict (DESIGN.md names and shapes); X (I, D_i); Y (I, n_targets), class
    indices for the categorical loss. Returns the updated params dict (float64 arrays).
    """
    fn, net, targets = network_gradient(spec, loss, sigma)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    columns = sample_loss(loss, net.outputs).target_columns(Y)  # one-hot t_c where the loss encodes
    args = [X[:, i] for i in range(X.shape[1])] + columns
    args += [np.asarray(tensors[p.tensor], dtype=np.float64)[p.index] for p in net.parameters]
    per_sample = fn(*args)  # one (I,) array per parameter
    out = {name: np.array(value, dtype=np.float64, copy=True) for name, value in tensors.items()}
    for p, g in zip(net.parameters, per_sample):
        out[p.tensor][p.index] -= learning_rate * float(np.sum(g))  # dL/dphi = sum_i dl_i/dphi
    return out
