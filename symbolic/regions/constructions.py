r"""Networks built by hand to attain the region counts, and to interpolate (lecture:
"universal approximation theorem", "why deep networks").

All parameters are exact Fractions in the DESIGN.md tensor layout (``beta_k`` (D_{k+1},),
``omega_k`` (D_{k+1}, D_k), as nested lists); :func:`float_tensors` gives numpy arrays
for the torch twin.

* :func:`shallow_construction`: a 1-D-1 network with D + 1 regions.
* :func:`folding_layer` / :func:`folding_network`: a zigzag
  ``g(x) = b + sum_d Delta_d ReLU[sigma_d (x - t_d)]`` whose D + 1 pieces each map onto
  [0, 1], and the deep network ``y = g_K(g_{K-1}(... g_1(x)))`` with
  ``prod_k (D_k + 1)`` regions (``(D + 1)^K``), for D_k >= 3.
* :func:`shallow_twin`: the shallow network computing the same function as any one-input
  piecewise-linear function (depth versus width).
* :func:`interpolating_network`: the shallow network through N points,
  ``y = y_1 + sum_{d=1}^{N-1} Delta_d ReLU[x - x_d]`` (universal approximation).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Mapping, Sequence

import sympy as sp

from symbolic.regions.piecewise import PiecewiseLinear, _fraction
from symbolic.spec import NetworkSpec, parse_widths

__all__ = ["shallow_construction", "folding_layer", "folding_network", "shallow_twin",
           "interpolating_network", "interpolation_errors", "float_tensors", "tensors_from_shallow"]

Tensors = dict[str, list]


def float_tensors(tensors: Mapping[str, Any]) -> dict[str, Any]:
    """Exact tensors -> float64 numpy arrays (for the torch twin and for plotting)."""
    import numpy as np

    return {name: np.array(value, dtype=float) for name, value in tensors.items()}


def tensors_from_shallow(net, values: Mapping[sp.Symbol, Any]) -> Tensors:
    r"""The tensors ``beta_0 = theta_{.0}``, ``Omega_0 = theta_{.i}``, ``beta_1 = phi_{.0}``,
    ``Omega_1 = phi_{.d}`` of a shallow network's parameter values (exact Fractions).

    >>> from symbolic.networks.network import lecture_1_3_1
    >>> net, values = lecture_1_3_1()
    >>> [str(v) for v in tensors_from_shallow(net, values)["beta_0"]]
    ['-1/2', '1', '-3/2']
    """
    th, ph = net.theta, net.phi
    conv = lambda s: _fraction(values[s], s.name)  # noqa: E731
    return {
        "beta_0": [conv(th[d, 0]) for d in range(net.D)],
        "omega_0": [[conv(th[d, i]) for i in range(1, net.D_i + 1)] for d in range(net.D)],
        "beta_1": [conv(ph[jj, 0]) for jj in range(net.D_o)],
        "omega_1": [[conv(ph[jj, d]) for d in range(1, net.D + 1)] for jj in range(net.D_o)],
    }


def _check_width(D: Any, least: int, what: str) -> int:
    if isinstance(D, bool) or not isinstance(D, int) or D < least:
        raise ValueError(f"{what} needs D >= {least} hidden units, got {D!r}")
    return D


def shallow_construction(D: int) -> tuple[NetworkSpec, Tensors]:
    r"""A 1-D-1 ReLU network with ``D + 1`` regions: ``y = sum_d Delta_d ReLU[x - d]`` with
    slope changes ``Delta = (1, -2, 2, -2, ...)``, so the slopes are ``0, 1, -1, 1, ...``.

    >>> from symbolic.regions.piecewise import network_pieces
    >>> spec, t = shallow_construction(4)
    >>> pl = network_pieces(spec, t)
    >>> pl.regions, [str(s[0]) for s in pl.slopes]
    (5, ['0', '1', '-1', '1', '-1'])
    >>> print(sp.latex(pl.sympy_pieces(sp.Symbol("x"))[2][0]))
    3 - x
    """
    D = _check_width(D, 1, "the shallow construction")
    delta = [Fraction(1)] + [Fraction(2 * (-1) ** d) for d in range(1, D)]
    tensors = {
        "beta_0": [Fraction(-d) for d in range(1, D + 1)],
        "omega_0": [[Fraction(1)] for _ in range(D)],
        "beta_1": [Fraction(0)],
        "omega_1": [delta],
    }
    return NetworkSpec((1, D, 1)), tensors


def folding_layer(D: int) -> tuple[list[Fraction], list[int], list[Fraction], Fraction]:
    r"""A zigzag ``g(x) = b + sum_{d=1}^{D} Delta_d ReLU[sigma_d (x - t_d)]`` with D joints
    ``t_d`` in (0, 1) and values ``g(0) = 1, g(t_1) = 0, g(t_2) = 1, ...``: each of its D + 1
    pieces maps its part of [0, 1] onto [0, 1].

    The slopes are ``s_r = (-1)^{r+1} / w_r`` (w_r the width of piece r) and the weights the
    slope changes ``Delta_d = s_d - s_{d-1}``. Units that face left (``sigma_d = -1``) are
    active for x < t_d, so ``s_0 = -sum_{sigma_d = -1} Delta_d``; widths that satisfy this
    exist for D >= 3 (for D = 1, 2 no three alternating slopes do):
    D odd: only unit D faces left, ``1/w_0 = 1/w_{D-1} + 1/w_D``;
    D even: units D-1 and D face left, ``1/w_0 = 1/w_{D-2} - 1/w_D``.

    Returns ``(t, sigma, Delta, b)``.

    >>> from symbolic.activations.functions import ReLU
    >>> from symbolic.core.printing import latex
    >>> t, sigma, delta, b = folding_layer(3)
    >>> x, R = sp.Symbol("x", real=True), lambda v: sp.Rational(v.numerator, v.denominator)
    >>> g = R(b) + sum(R(dl) * ReLU(sg * (x - R(td))) for td, sg, dl in zip(t, sigma, delta))
    >>> print(latex(g))
    6 \mathrm{ReLU}\left[\frac{2}{3} - x\right] - 9 \mathrm{ReLU}\left[x - \frac{1}{3}\right] + 12 \mathrm{ReLU}\left[x - \frac{1}{6}\right] - 3
    >>> [g.subs(x, v) for v in [0] + [R(td) for td in t] + [1]]
    [1, 0, 1, 0, 1]
    """
    D = _check_width(D, 3, "the folding construction (three alternating slopes)")
    if D % 2:
        w0 = Fraction(1, D + 3)
        widths = [w0] * (D - 1) + [2 * w0, 2 * w0]
        left = {D}
    else:
        w0 = Fraction(2, 2 * D + 1)
        widths = [w0] * (D + 1)
        widths[D - 2] = w0 / 2
        left = {D - 1, D}
    t, position = [], Fraction(0)
    for w in widths[:-1]:
        position += w
        t.append(position)
    s = [Fraction((-1) ** (r + 1)) / w for r, w in enumerate(widths)]
    delta = [s[d] - s[d - 1] for d in range(1, D + 1)]
    sigma = [-1 if d in left else 1 for d in range(1, D + 1)]
    assert s[0] == -sum(delta[d - 1] for d in left)  # the outer slope the units produce
    # b from g(0) = 1: only the left-facing units are active at x = 0.
    b = 1 - sum(delta[d - 1] * t[d - 1] for d in left)
    return t, sigma, delta, b


def folding_network(widths: Sequence[int] | str) -> tuple[NetworkSpec, Tensors]:
    r"""Deep one-input network ``y = g_K(g_{K-1}(... g_1(x)))`` of zigzags (:func:`folding_layer`)
    with ``prod_{k=1}^{K} (D_k + 1)`` regions, ``(D + 1)^K`` for equal widths.

    Layer k's pre-activations are ``f_{k,d} = sigma_d (g_k(x) - t_d)``: ``beta_0 = -sigma t``,
    ``Omega_0 = sigma``; ``Omega_k = sigma Delta^T`` (rank one), ``beta_k = sigma (b - t)``;
    output ``beta_K = b``, ``Omega_K = Delta^T``.

    >>> from symbolic.regions.piecewise import count_regions
    >>> spec, t = folding_network("1,3,3,1")
    >>> count_regions(spec, t)
    16
    >>> print(sp.latex(sp.Integer(count_regions(*folding_network("1,4,3,5,1")))))
    120
    """
    widths = parse_widths(widths)
    if widths[0] != 1 or widths[-1] != 1:
        raise ValueError(f"the folding construction has one input and one output (widths 1,D_1,...,D_K,1), "
                         f"got {','.join(map(str, widths))}")
    hidden = widths[1:-1]
    layers = [folding_layer(D_k) for D_k in hidden]
    t1, sigma1, _, _ = layers[0]
    tensors: Tensors = {"beta_0": [-s * t for s, t in zip(sigma1, t1)], "omega_0": [[Fraction(s)] for s in sigma1]}
    for k in range(1, len(hidden)):
        _, _, delta, b = layers[k - 1]
        t, sigma, _, _ = layers[k]
        tensors[f"beta_{k}"] = [s * (b - t_d) for s, t_d in zip(sigma, t)]
        tensors[f"omega_{k}"] = [[s * dl for dl in delta] for s in sigma]
    _, _, delta, b = layers[-1]
    K = len(hidden)
    tensors[f"beta_{K}"] = [b]
    tensors[f"omega_{K}"] = [list(delta)]
    return NetworkSpec(widths), tensors


def shallow_twin(pl: PiecewiseLinear) -> tuple[NetworkSpec, Tensors]:
    r"""A shallow network equal to a one-output piecewise-linear function with joints t_1..t_J:
    ``y = y(t_1) + a ReLU[t_1 - x] + sum_{d=1}^{J} Delta'_d ReLU[x - t_d]``.

    Each hidden unit makes at most one joint, so at least J units are needed; this twin
    uses J units when an outer slope is zero (all units face one way) and J + 1 otherwise
    (``a = -s_0`` carries the first slope, ``Delta'_1 = s_1``, ``Delta'_d = s_d - s_{d-1}``).

    >>> from symbolic.regions.piecewise import network_pieces
    >>> pl = network_pieces(*folding_network("1,3,3,1"))
    >>> spec, t = shallow_twin(pl)
    >>> spec.widths, network_pieces(spec, t) == pl
    ((1, 16, 1), True)
    """
    if len(pl.slopes[0]) != 1:
        raise ValueError(f"shallow_twin needs one output (D_o = 1), got D_o = {len(pl.slopes[0])}")
    s = [row[0] for row in pl.slopes]
    J = len(pl.joints)
    if J == 0:
        # y = s x + c: ReLU[x] - ReLU[-x] = x.
        spec = NetworkSpec((1, 2, 1))
        return spec, {"beta_0": [Fraction(0), Fraction(0)], "omega_0": [[Fraction(1)], [Fraction(-1)]],
                      "beta_1": [pl.offsets[0][0]], "omega_1": [[s[0], -s[0]]]}
    t = list(pl.joints)
    delta = [s[d] - s[d - 1] for d in range(1, J + 1)]
    if s[0] == 0 or s[-1] == 0:
        right = s[0] == 0  # all units face right (zero slope far left) or all face left
        sigma = [1 if right else -1] * J
        weights = delta  # a unit's weight is its slope change, whichever way it faces
        # value at the last joint a unit switches on at: all units are zero there
        anchor = t[0] if right else t[-1]
        bias = pl(anchor)[0]
    else:
        t = [t[0]] + t
        sigma = [-1] + [1] * J
        weights = [-s[0], s[1]] + delta[1:]
        bias = pl(t[0])[0]
    spec = NetworkSpec((1, len(t), 1))
    tensors = {"beta_0": [-sg * td for sg, td in zip(sigma, t)], "omega_0": [[Fraction(sg)] for sg in sigma],
               "beta_1": [bias], "omega_1": [list(weights)]}
    return spec, tensors


def interpolating_network(xs: Sequence[Any], ys: Sequence[Any]) -> tuple[NetworkSpec, Tensors]:
    r"""The shallow network through N points ``(x_n, y_n)``, x_1 < ... < x_N:
    ``y = y_1 + sum_{d=1}^{N-1} Delta_d ReLU[x - x_d]``, ``Delta_1 = s_1``,
    ``Delta_d = s_d - s_{d-1}``, ``s_d = (y_{d+1} - y_d)/(x_{d+1} - x_d)``.

    It is the piecewise-linear interpolant on [x_1, x_N] (D = N - 1 hidden units), so for
    a continuous target the error on [x_1, x_N] falls to zero as D grows.

    >>> from symbolic.regions.piecewise import network_pieces
    >>> spec, t = interpolating_network([0, 1, 2], [0, 1, 0])
    >>> pl = network_pieces(spec, t)
    >>> [pl(x)[0] for x in (0, 1, 2)] == [0, 1, 0]
    True
    >>> print(sp.latex(pl.sympy_pieces(sp.Symbol("x"))[2][0]))
    2 - x
    """
    if len(xs) != len(ys):
        raise ValueError(f"interpolation needs as many y as x values, got {len(xs)} and {len(ys)}")
    if len(xs) < 2:
        raise ValueError(f"interpolation needs at least N = 2 points, got {len(xs)}")
    X = [_fraction(v, f"x_{n + 1}") for n, v in enumerate(xs)]
    Y = [_fraction(v, f"y_{n + 1}") for n, v in enumerate(ys)]
    if any(b <= a for a, b in zip(X, X[1:])):
        raise ValueError("interpolation points must be strictly increasing: sort x and drop repeats")
    s = [(Y[n + 1] - Y[n]) / (X[n + 1] - X[n]) for n in range(len(X) - 1)]
    delta = [s[0]] + [s[d] - s[d - 1] for d in range(1, len(s))]
    D = len(s)
    tensors = {"beta_0": [-x for x in X[:-1]], "omega_0": [[Fraction(1)] for _ in range(D)],
               "beta_1": [Y[0]], "omega_1": [delta]}
    return NetworkSpec((1, D, 1)), tensors


def interpolation_errors(target: Callable[[Any], Any], interval: tuple[float, float], hidden: Sequence[int],
                         samples: int = 4001) -> list[dict[str, float]]:
    r"""Maximum error ``max_x |f(x) - y(x)|`` on a dense grid of ``interval`` of the
    :func:`interpolating_network` through D + 1 equally spaced points, for each D in ``hidden``.

    >>> import numpy as np
    >>> rows = interpolation_errors(np.sin, (0.0, 3.0), [2, 8])
    >>> rows[1]["max_error"] < rows[0]["max_error"]
    True
    """
    import numpy as np

    from symbolic.regions.piecewise import network_pieces

    a, b = interval
    grid = np.linspace(a, b, samples)
    rows = []
    for D in hidden:
        D = _check_width(D, 1, "interpolation")
        nodes = np.linspace(a, b, D + 1)
        spec, tensors = interpolating_network(nodes, target(nodes))
        y = network_pieces(spec, tensors).evaluate(grid)[:, 0]
        rows.append({"D": D, "parameters": spec.n_parameters,
                     "max_error": float(np.max(np.abs(target(grid) - y)))})
    return rows
