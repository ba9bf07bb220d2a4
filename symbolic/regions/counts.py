r"""Counting linear regions (lecture: "parameter counts and number of linear regions").

Formulas, as SymPy expressions in ``D_i``, ``D`` and ``K`` (the symbols of
:mod:`symbolic.networks.counts`):

* shallow network, D hidden units, D_i inputs (Zaslavsky: D hyperplanes in general
  position cut R^{D_i} into) ``N_r = sum_{j=0}^{D_i} binom(D, j)`` regions, which is
  ``2^D`` when ``D <= D_i``;
* deep network, K layers of D units, D a multiple of D_i with D >= 3 D_i (Serra et al. 2018,
  as in Prince eq. 4.17): ``N_r = (D/D_i + 1)^{D_i (K-1)} sum_{j=0}^{D_i} binom(D, j)``, a
  lower bound on the maximal number of regions (quoted, not proven here; for other D it need
  not be an integer);
* one input: ``N_r = (D + 1)^K``, an upper bound, attained for D >= 3 (folding construction).

For given widths, :func:`max_regions` is the upper bound
``prod_{k=1}^{K} sum_{j=0}^{d_k} binom(D_k, j)`` with ``d_k = min(D_i, D_1, ..., D_{k-1})``:
every region of the first k-1 layers is mapped affinely into a space of dimension at
most d_k, where the D_k units of layer k cut it into at most that many pieces.

For two inputs, :func:`activation_pattern_map` labels the points of a grid by the
pattern of active hidden units (each pattern's region is convex, so distinct patterns are
distinct regions).
"""

from __future__ import annotations

from math import comb, prod
from typing import Any, Mapping, Sequence

import sympy as sp

from symbolic.networks.counts import D, D_i, K
from symbolic.core.derivation import Derivation
from symbolic.spec import NetworkSpec, parse_widths

__all__ = ["j", "shallow_region_count", "deep_region_count", "one_input_region_count", "region_value",
           "max_regions", "max_regions_is_exact", "lecture_regions", "region_count_derivation",
           "zaslavsky_small_width_derivation", "parameters_and_regions",
           "activation_pattern_map", "D", "D_i", "K"]

j = sp.Symbol("j", integer=True, nonnegative=True)


def shallow_region_count() -> sp.Expr:
    r"""Zaslavsky's count for a shallow network: ``N_r = sum_{j=0}^{D_i} binom(D, j)``.

    >>> print(sp.latex(shallow_region_count()))
    \sum_{j=0}^{D_{i}} {\binom{D}{j}}
    >>> region_value(shallow_region_count(), D_i=2, D=3)
    7
    """
    return sp.Sum(sp.binomial(D, j), (j, 0, D_i))


def deep_region_count() -> sp.Expr:
    r"""Regions of a deep network: ``N_r = (D/D_i + 1)^{D_i (K-1)} sum_{j=0}^{D_i} binom(D, j)``.

    >>> print(sp.latex(deep_region_count()))
    \left(\frac{D}{D_{i}} + 1\right)^{D_{i} \left(K - 1\right)} \sum_{j=0}^{D_{i}} {\binom{D}{j}}
    >>> region_value(deep_region_count(), D_i=2, D=4, K=2)
    99
    """
    return (D / D_i + 1) ** (D_i * (K - 1)) * shallow_region_count()


def one_input_region_count() -> sp.Expr:
    r"""One input, K layers of D units: ``N_r = (D + 1)^K``.

    >>> print(sp.latex(one_input_region_count()))
    \left(D + 1\right)^{K}
    """
    return (D + 1) ** K


def region_value(expr: sp.Expr, **values: int) -> int:
    r"""The exact (big-integer) value of a count at given ``D_i``, ``D``, ``K``: ``N_r(D_i, D, K)``.

    >>> region_value(one_input_region_count(), D=3, K=20)
    1099511627776
    >>> print(sp.latex(sp.Integer(region_value(one_input_region_count(), D=3, K=2))))
    16
    """
    names = {"D_i": D_i, "D": D, "K": K}
    unknown = [n for n in values if n not in names]
    if unknown:
        raise ValueError(f"region counts take D_i, D and K, got {unknown[0]!r}")
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    value = sp.sympify(expr).subs({names[n]: v for n, v in values.items()}).doit()
    if not value.is_Integer:
        raise ValueError(f"the count is not an integer at {values} (got {value}); "
                         "the deep formula needs D to be a multiple of D_i")
    return int(value)


def _dimensions(widths: Sequence[int]) -> list[int]:
    # d_k = min(D_i, D_1, ..., D_{k-1}) for the hidden layers k = 1..K
    dims, d = [], widths[0]
    for width in widths[1:-1]:
        dims.append(d)
        d = min(d, width)
    return dims


def max_regions(widths: Sequence[int] | str) -> int:
    r"""Upper bound on the linear regions: ``prod_{k=1}^{K} sum_{j=0}^{d_k} binom(D_k, j)``,
    ``d_k = min(D_i, D_1, ..., D_{k-1})``.

    It is Zaslavsky's count for a shallow network and ``prod_k (D_k + 1)`` for one input
    (``(D + 1)^K``); both are attained (see :func:`max_regions_is_exact`).

    >>> max_regions("2,3,1"), max_regions("1,3,3,1"), max_regions("3,2,1")
    (7, 16, 4)
    >>> print(sp.latex(sp.Integer(max_regions("1,3,3,3,1"))))
    64
    """
    widths = parse_widths(widths)
    return prod(sum(comb(D_k, m) for m in range(d + 1)) for D_k, d in zip(widths[1:-1], _dimensions(widths)))


def max_regions_is_exact(widths: Sequence[int] | str) -> bool:
    r"""True where :func:`max_regions` is attained: ``K = 1``, or ``D_i = 1`` with every
    ``D_k >= 3`` (the folding construction of :mod:`symbolic.regions.constructions`).

    >>> max_regions_is_exact("1,3,3,1"), max_regions_is_exact("1,2,2,1"), max_regions_is_exact("2,5,1")
    (True, False, True)
    """
    widths = parse_widths(widths)
    return len(widths) == 3 or (widths[0] == 1 and min(widths[1:-1]) >= 3)


def lecture_regions(widths: Sequence[int] | str) -> int | None:
    r"""The lecture's count ``(D/D_i + 1)^{D_i (K-1)} sum_{j=0}^{D_i} binom(D, j)`` for K
    layers of equal width D, a multiple of D_i; None for other widths.

    >>> lecture_regions("2,4,4,1"), lecture_regions("1,3,3,1"), lecture_regions("2,3,4,1")
    (99, 16, None)
    """
    widths = parse_widths(widths)
    hidden = set(widths[1:-1])
    if len(hidden) != 1:
        return None
    (width,) = hidden
    if width < widths[0] or width % widths[0]:
        return None
    return region_value(deep_region_count(), D_i=widths[0], D=width, K=len(widths) - 2)


def region_count_derivation() -> Derivation:
    r"""The one-input count ``(D + 1)^K`` as the case ``D_i = 1`` of the deep formula, checked.

    >>> d = region_count_derivation()
    >>> d.check().passed
    True
    >>> print("\n".join(d.to_latex().splitlines()[-3:-1]))
    &= \left(D + 1\right)^{K}\\
    &\qquad\text{\footnotesize(collect the powers of $D + 1$)}
    """
    N = sp.Symbol("N_r")
    d = Derivation("number of linear regions of a one-input deep network")
    d.add(deep_region_count(), "Prince eq. 4.17, a lower bound on the maximum ($D \\ge 3 D_i$)", lhs=N, check=False)
    d.add(deep_region_count().subs(D_i, 1), "one input, $D_i = 1$", rename={D_i: sp.S.One})
    d.add((D + 1) ** (K - 1) * sp.Add(sp.binomial(D, 0, evaluate=False), sp.binomial(D, 1, evaluate=False),
                                      evaluate=False), "write out the sum over j = 0, 1")
    d.add((D + 1) ** (K - 1) * (D + 1), r"$\binom{D}{0} = 1$, $\binom{D}{1} = D$")
    d.add(one_input_region_count(), "collect the powers of $D + 1$")
    d.domain = {K: lambda rng: rng.randint(1, 6), D: lambda rng: rng.randint(1, 9)}
    return d


def zaslavsky_small_width_derivation() -> Derivation:
    r"""With no more units than inputs, ``sum_{j=0}^{D_i} binom(D, j) = 2^D`` (``D <= D_i``).

    >>> zaslavsky_small_width_derivation().check().passed
    True
    """
    N = sp.Symbol("N_r")
    d = Derivation(r"shallow regions when $D \le D_i$")
    d.add(shallow_region_count(), "Zaslavsky's count", lhs=N, check=False)
    d.add(sp.Sum(sp.binomial(D, j), (j, 0, D)), "terms with $j > D$ vanish when $D \\le D_i$")
    d.add(2 ** D, "binomial theorem, $(1 + 1)^D$")
    d.domain = {D: lambda rng: rng.randint(1, 5), D_i: lambda rng: rng.randint(5, 9)}  # D <= D_i
    return d


def parameters_and_regions(widths: Sequence[int] | str) -> dict[str, int]:
    """Parameters ``sum_k D_{k+1}(D_k + 1)`` and the maximal regions of a width list.

    >>> parameters_and_regions("1,3,3,1")
    {'parameters': 22, 'max_regions': 16}
    """
    spec = NetworkSpec(parse_widths(widths))
    return {"parameters": spec.n_parameters, "max_regions": max_regions(spec.widths)}


def activation_pattern_map(spec: NetworkSpec, tensors: Mapping[str, Any], extent: float = 4.0,
                           n: int = 401) -> tuple[Any, Any, int]:
    r"""Activation regions of a two-input ReLU network on an n x n grid over ``[-extent, extent]^2``.

    Each grid point gets the pattern ``(I[f_{k,i} > 0])`` of all hidden units; the points
    with one pattern form one convex region. Returns ``(xs, labels, count)``: the grid
    coordinates (n,), the region label of every point (n, n) (row = x_2, column = x_1)
    and the number of distinct patterns seen, a lower bound on the activation regions
    that meet the square (a region thinner than the grid spacing can be missed).

    >>> import numpy as np
    >>> t = {"beta_0": [0, 0, -1], "omega_0": [[1, 0], [0, 1], [1, 1]], "beta_1": [0], "omega_1": [[1, 1, 1]]}
    >>> activation_pattern_map(NetworkSpec((2, 3, 1)), t, 3.0, 61)[2]
    7
    """
    import numpy as np

    from symbolic.regions.piecewise import activation_pieces, exact_tensors

    if spec.D_i != 2:
        raise ValueError(f"region maps are drawn for two inputs (D_i = 2), got D_i = {spec.D_i}; "
                         "for one input count exactly with symbolic.regions.piecewise.count_regions")
    pieces = activation_pieces(spec)  # ValueError unless continuous piecewise linear with one kink
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"grid size n must be an integer >= 2, got {n!r}")
    if not (isinstance(extent, (int, float)) and 0 < extent < float("inf")):
        raise ValueError(f"extent must be a positive finite number, got {extent!r}")
    exact = exact_tensors(tensors, spec)  # validates names and shapes
    xs = np.linspace(-extent, extent, n)
    X1, X2 = np.meshgrid(xs, xs)
    h = np.stack([X1.ravel(), X2.ravel()], axis=1)  # (n^2, D_i)
    t = float(pieces.kink)
    (s_left, c_left), (s_right, c_right) = [tuple(map(float, line)) for line in (pieces.left, pieces.right)]
    patterns = []
    for k in range(spec.K):
        beta = np.array([float(v) for v in exact[f"beta_{k}"]])
        omega = np.array([[float(v) for v in row] for row in exact[f"omega_{k}"]])
        f = beta + h @ omega.T  # f_k: (n^2, D_{k+1})
        active = f > t
        patterns.append(active)
        h = np.where(active, s_right * f + c_right, s_left * f + c_left)
    bits = np.concatenate(patterns, axis=1)  # (n^2, sum_k D_k)
    _, labels = np.unique(np.packbits(bits, axis=1), axis=0, return_inverse=True)
    labels = labels.reshape(n, n)
    return xs, labels, int(labels.max()) + 1
