r"""One-input ReLU networks as exact piecewise-linear functions (lecture: "forming
piecewise linear functions").

A network with one input computes a continuous function that is linear between its
*joints* ``t_1 < ... < t_J``:

    y(x) = s_r x + c_r   for  t_r < x < t_{r+1}   (t_0 = -inf, t_{J+1} = +inf).

The pieces are found by propagating piecewise-linear functions layer by layer, with
exact rational arithmetic (:class:`fractions.Fraction`; a float parameter is converted to
the exact binary value it holds):

    f_k = beta_k + Omega_k h_k   (a linear combination: same joints, combined pieces),
    h_{k+1} = ReLU[f_k]          (each piece is split where it crosses zero).

A unit's pre-activation is linear on every piece, so it crosses zero at most once there:
each layer of D units splits every piece into at most D + 1 (the bound behind (D+1)^K).
Adjacent pieces of the output with equal slopes (and so, by continuity, equal offsets)
are merged: the number left is the number of *linear regions*.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import sympy as sp

from symbolic.spec import NetworkSpec

__all__ = ["PiecewiseLinear", "exact_tensors", "network_pieces", "count_regions", "shallow_joints",
           "activation_pieces"]

_INF = math.inf


def _fraction(value: Any, name: str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError(f"parameter {name} must be a number, got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"parameter {name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"parameter {name} must be finite, got {number!r}")
    return Fraction(number)  # the exact binary value of the float


def exact_tensors(tensors: Mapping[str, Any], spec: NetworkSpec) -> dict[str, list]:
    """Parameters (DESIGN.md names; arrays, nested lists, Fractions or SymPy Rationals)
    as nested lists of exact Fractions, after checking every name and shape.

    >>> exact_tensors({"beta_0": [0.5], "omega_0": [[2]], "beta_1": [0], "omega_1": [[-1]]},
    ...               NetworkSpec((1, 1, 1)))["beta_0"]
    [Fraction(1, 2)]
    """
    out: dict[str, list] = {}
    for name, shape in spec.tensor_shapes().items():
        if name not in tensors:
            raise ValueError(f"parameters are missing tensor {name} (expected {', '.join(spec.tensor_shapes())} "
                             f"for widths {','.join(map(str, spec.widths))})")
        value = tensors[name]
        value = value.tolist() if hasattr(value, "tolist") else value
        if isinstance(value, (list, tuple)):
            value = [v.tolist() if hasattr(v, "tolist") else v for v in value]
        rows, cols = shape[0], (shape[1] if len(shape) == 2 else None)
        if not isinstance(value, (list, tuple)) or len(value) != rows or (
                cols is not None and any(not isinstance(r, (list, tuple)) or len(r) != cols for r in value)):
            raise ValueError(f"parameter tensor {name} must have shape {shape} for widths "
                             f"{','.join(map(str, spec.widths))}")
        if cols is None:
            out[name] = [_fraction(v, f"{name}[{i}]") for i, v in enumerate(value)]
        else:
            out[name] = [[_fraction(v, f"{name}[{i}][{j}]") for j, v in enumerate(r)] for i, r in enumerate(value)]
    return out


@dataclass(frozen=True)
class PiecewiseLinear:
    r"""A continuous piecewise-linear map R -> R^{D_o}: joints and, per piece, slopes and offsets.

    ``slopes[r][j]`` and ``offsets[r][j]`` give output j on piece r, the interval
    ``(joints[r-1], joints[r])``.

    >>> pl = PiecewiseLinear((Fraction(0),), ((Fraction(0),), (Fraction(1),)), ((Fraction(0),), (Fraction(0),)))
    >>> pl.regions, pl(Fraction(3)), pl(Fraction(-3))
    (2, (Fraction(3, 1),), (Fraction(0, 1),))
    """

    joints: tuple[Fraction, ...]
    slopes: tuple[tuple[Fraction, ...], ...]  # (pieces, D_o)
    offsets: tuple[tuple[Fraction, ...], ...]  # (pieces, D_o)

    @property
    def regions(self) -> int:
        """Number of pieces (linear regions once merged)."""
        return len(self.slopes)

    def interval(self, r: int) -> tuple[float | Fraction, float | Fraction]:
        """Piece r as ``(left, right)``; the outer pieces reach to -inf and +inf."""
        left = -_INF if r == 0 else self.joints[r - 1]
        right = _INF if r == len(self.joints) else self.joints[r]
        return left, right

    def piece_of(self, x: Fraction) -> int:
        """Index of the piece containing x (a joint belongs to the piece on its right)."""
        return bisect_right(self.joints, x)

    def __call__(self, x: Fraction | int) -> tuple[Fraction, ...]:
        x = Fraction(x)
        r = self.piece_of(x)
        return tuple(s * x + c for s, c in zip(self.slopes[r], self.offsets[r]))

    def evaluate(self, xs) -> "Any":
        """Float evaluation at an array of points: (I,) -> (I, D_o)."""
        import numpy as np

        xs = np.asarray(xs, dtype=float)
        r = np.searchsorted(np.array([float(t) for t in self.joints]), xs, side="right")
        S = np.array([[float(v) for v in row] for row in self.slopes])  # (pieces, D_o)
        C = np.array([[float(v) for v in row] for row in self.offsets])
        return S[r] * xs[:, None] + C[r]

    def merged(self) -> "PiecewiseLinear":
        """Merge neighbouring pieces with equal slopes and offsets (the same line)."""
        joints, slopes, offsets = [], [self.slopes[0]], [self.offsets[0]]
        for r in range(1, self.regions):
            if self.slopes[r] == slopes[-1] and self.offsets[r] == offsets[-1]:
                continue
            joints.append(self.joints[r - 1])
            slopes.append(self.slopes[r])
            offsets.append(self.offsets[r])
        return PiecewiseLinear(tuple(joints), tuple(slopes), tuple(offsets))

    def sympy_pieces(self, x: sp.Symbol, output: int = 0) -> list[tuple[sp.Expr, tuple[sp.Expr, sp.Expr]]]:
        """Each piece of one output as ``(s x + c, (left, right))`` in exact SymPy numbers."""
        out = []
        for r in range(self.regions):
            left, right = self.interval(r)
            conv = lambda v: (sp.oo if v > 0 else -sp.oo) if v in (_INF, -_INF) else sp.Rational(v.numerator, v.denominator)  # noqa: E731
            s, c = self.slopes[r][output], self.offsets[r][output]
            out.append((sp.Rational(s.numerator, s.denominator) * x + sp.Rational(c.numerator, c.denominator),
                        (conv(left), conv(right))))
        return out


def _point_inside(left, right) -> Fraction:
    if left == -_INF and right == _INF:
        return Fraction(0)
    if left == -_INF:
        return right - 1
    if right == _INF:
        return left + 1
    return (left + right) / 2


class _Layer:
    """All units of one layer on a shared partition: per piece, per unit, (slope, offset)."""

    def __init__(self, joints: list[Fraction], lines: list[list[tuple[Fraction, Fraction]]]):
        self.joints = joints  # sorted
        self.lines = lines  # (pieces, units)

    def interval(self, r: int):
        left = -_INF if r == 0 else self.joints[r - 1]
        right = _INF if r == len(self.joints) else self.joints[r]
        return left, right


def _affine(layer: _Layer, beta: list[Fraction], omega: list[list[Fraction]]) -> _Layer:
    # f = beta + Omega h, piece by piece: slopes and offsets combine linearly.
    lines = []
    for piece in layer.lines:
        row = []
        for b, w in zip(beta, omega):
            s = sum((w_j * s_j for w_j, (s_j, _) in zip(w, piece)), Fraction(0))
            c = b + sum((w_j * c_j for w_j, (_, c_j) in zip(w, piece)), Fraction(0))
            row.append((s, c))
        lines.append(row)
    return _Layer(layer.joints, lines)


@dataclass(frozen=True)
class ActivationPieces:
    r"""A continuous piecewise-linear activation with one kink t, exactly:
    ``a[z] = left_slope z + left_offset`` for z <= t, ``right_slope z + right_offset`` for z > t."""

    kink: Fraction
    left: tuple[Fraction, Fraction]  # (slope, offset) for z <= t
    right: tuple[Fraction, Fraction]  # (slope, offset) for z > t

    def line(self, s: Fraction, c: Fraction, above: bool) -> tuple[Fraction, Fraction]:
        """a[s x + c] on a piece where ``s x + c`` is above (or not above) the kink."""
        slope, offset = self.right if above else self.left
        return slope * s, slope * c + offset


def activation_pieces(spec: NetworkSpec) -> ActivationPieces:
    r"""The kink and the two lines of a spec's activation, read exactly from its SymPy
    definition (slope ``a'[p]`` and offset ``a[p] - a'[p] p`` at a point p on each side).

    >>> activation_pieces(NetworkSpec((1, 1), "leaky_relu"))
    ActivationPieces(kink=Fraction(0, 1), left=(Fraction(1, 10), Fraction(0, 1)), right=(Fraction(1, 1), Fraction(0, 1)))
    """
    from symbolic.spec.activations import check_regions_activation
    from symbolic.activations.functions import activation

    entry = check_regions_activation(spec.activation)
    t = sp.nsimplify(entry.kinks[0])
    if not t.is_Rational:
        raise ValueError(f"exact region counts need a rational kink; {spec.activation!r} has its kink at {t}")
    z = sp.Symbol("z", real=True)
    a = activation(spec)(z)
    slope = sp.diff(a, z)
    lines = []
    for p in (t - 1, t + 1):
        s_p = sp.nsimplify(slope.subs(z, p))
        c_p = sp.nsimplify(a.subs(z, p) - s_p * p)
        if not (s_p.is_Rational and c_p.is_Rational):
            raise ValueError(f"exact region counts need rational slopes; {spec.activation!r} has slope {s_p} "
                             f"and offset {c_p} near its kink")
        lines.append((_fraction(s_p, "slope"), _fraction(c_p, "offset")))
    return ActivationPieces(_fraction(t, "kink"), lines[0], lines[1])


def _activate(layer: _Layer, a: ActivationPieces) -> _Layer:
    # h = a[f]: split every piece where a unit's line crosses the kink t, then apply a piece-wise.
    new = set()
    for r, piece in enumerate(layer.lines):
        left, right = layer.interval(r)
        for s, c in piece:
            if s != 0:
                z = (a.kink - c) / s
                if left < z < right:
                    new.add(z)
    joints = sorted(set(layer.joints) | new)
    lines = []
    for r in range(len(joints) + 1):
        left = -_INF if r == 0 else joints[r - 1]
        right = _INF if r == len(joints) else joints[r]
        x = _point_inside(left, right)
        parent = layer.lines[bisect_right(layer.joints, x)]
        lines.append([a.line(s, c, s * x + c > a.kink) for s, c in parent])
    return _Layer(joints, lines)


def network_pieces(spec: NetworkSpec, tensors: Mapping[str, Any], merge: bool = True) -> PiecewiseLinear:
    r"""The exact pieces of a one-input ReLU (or leaky ReLU, or any continuous piecewise-linear
    activation with one kink t) network, propagated layer by layer.

    ``f_k = beta_k + Omega_k h_k`` combines pieces linearly and ``h_{k+1} = ReLU[f_k]``
    splits a piece at ``(t - c)/s`` where a unit's line ``s x + c`` crosses the kink inside it.
    With ``merge=False`` the pieces are the activation regions (one per pattern of
    active units met along the line) before equal neighbours are merged.

    >>> from symbolic.networks.network import lecture_1_3_1
    >>> net, values = lecture_1_3_1()
    >>> tensors = {"beta_0": [values[net.theta[d, 0]] for d in range(3)],
    ...            "omega_0": [[values[net.theta[d, 1]]] for d in range(3)],
    ...            "beta_1": [values[net.phi[0, 0]]], "omega_1": [[values[net.phi[0, d]] for d in (1, 2, 3)]]}
    >>> pl = network_pieces(net.spec, tensors)
    >>> [str(t) for t in pl.joints], pl.regions
    (['1/2', '1', '3/2'], 4)
    >>> print(sp.latex(pl.sympy_pieces(sp.Symbol("x"))[0][0]))
    \frac{7 x}{10} - \frac{1}{5}
    """
    if not isinstance(spec, NetworkSpec):
        raise TypeError(f"spec must be a NetworkSpec, got {type(spec).__name__}")
    if spec.D_i != 1:
        raise ValueError(f"exact piecewise-linear analysis needs one input (D_i = 1), got D_i = {spec.D_i}; "
                         "for two inputs use symbolic.regions.counts.activation_pattern_map")
    pieces = activation_pieces(spec)  # ValueError unless continuous piecewise linear with one kink
    exact = exact_tensors(tensors, spec)
    layer = _Layer([], [[(Fraction(1), Fraction(0))]])  # h_0 = x on one piece
    for k in range(spec.K + 1):
        layer = _affine(layer, exact[f"beta_{k}"], exact[f"omega_{k}"])
        if k < spec.K:
            layer = _activate(layer, pieces)
    pl = PiecewiseLinear(tuple(layer.joints),
                         tuple(tuple(s for s, _ in piece) for piece in layer.lines),
                         tuple(tuple(c for _, c in piece) for piece in layer.lines))
    return pl.merged() if merge else pl


def count_regions(spec: NetworkSpec, tensors: Mapping[str, Any]) -> int:
    r"""Exact number of linear regions of a one-input network: pieces of
    :func:`network_pieces` after merging neighbours on the same line.

    >>> count_regions(NetworkSpec((1, 2, 1)), {"beta_0": [0, -1], "omega_0": [[1], [1]],
    ...                                        "beta_1": [0], "omega_1": [[1, -1]]})
    3
    """
    return network_pieces(spec, tensors).regions


def shallow_joints(net) -> list[sp.Expr]:
    r"""Joints of a one-input shallow network, ``x = -theta_{d0} / theta_{d1}`` for d = 1..D.

    Unit d switches where its pre-activation ``theta_{d0} + theta_{d1} x`` is zero.

    >>> from symbolic.networks.network import shallow_network
    >>> from symbolic.core.printing import latex
    >>> print(latex(shallow_joints(shallow_network(1, 2, 1))[0]))
    - \frac{\theta_{10}}{\theta_{11}}
    """
    if net.D_i != 1:
        raise ValueError(f"joints are points only for one input (D_i = 1), got D_i = {net.D_i}")
    return [-net.theta[d, 0] / net.theta[d, 1] for d in range(net.D)]
