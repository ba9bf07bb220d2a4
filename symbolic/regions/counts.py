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

Where the bound is attained, :func:`attained_regions` builds a network that attains it and
counts its regions exactly, without the formula: a random shallow network's hyperplanes
(:func:`arrangement_regions`), or the folding construction for one input.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction
from math import comb, lcm, prod
from typing import Any, Mapping, Sequence

import sympy as sp

from symbolic.networks.counts import D, D_i, K
from symbolic.core.derivation import Derivation
from symbolic.core.reason import Fact, Reason
from symbolic.regions.constructions import folding_network
from symbolic.regions.piecewise import network_pieces
from symbolic.spec import NetworkSpec, parse_widths

__all__ = ["j", "shallow_region_count", "deep_region_count", "one_input_region_count", "region_value",
           "max_regions", "max_regions_is_exact", "lecture_regions", "region_count_derivation",
           "zaslavsky_small_width_derivation", "parameters_and_regions",
           "activation_pattern_map", "arrangement_regions", "Attained", "attained_regions", "D", "D_i", "K"]

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
    d.add(deep_region_count(), Reason("Prince eq. 4.17, a lower bound on the maximum ($@wide$)", wide=sp.Ge(D, 3 * D_i)),
          lhs=N, check=False)
    d.add(deep_region_count().subs(D_i, 1), Reason("one input, $@one$", one=sp.Eq(D_i, 1, evaluate=False)),
          rename={D_i: sp.S.One})
    first = [sp.binomial(D, n, evaluate=False) for n in (0, 1)]
    d.add((D + 1) ** (K - 1) * sp.Add(*first, evaluate=False), "write out the sum over j = 0, 1")
    d.add((D + 1) ** (K - 1) * (D + 1), Reason("$@zero$, $@one$", zero=Fact(first[0], sp.S.One), one=Fact(first[1], D)))
    d.add(one_input_region_count(), Reason("collect the powers of $@base$", base=D + 1))
    d.domain = {K: lambda rng: rng.randint(1, 6), D: lambda rng: rng.randint(1, 9)}
    return d


def zaslavsky_small_width_derivation() -> Derivation:
    r"""With no more units than inputs, ``sum_{j=0}^{D_i} binom(D, j) = 2^D`` (``D <= D_i``).

    >>> zaslavsky_small_width_derivation().check().passed
    True
    """
    N = sp.Symbol("N_r")
    d = Derivation(Reason("shallow regions when $@narrow$", narrow=sp.Le(D, D_i)))
    d.add(shallow_region_count(), "Zaslavsky's count", lhs=N, check=False)
    d.add(sp.Sum(sp.binomial(D, j), (j, 0, D)),
          Reason("terms with $@beyond$ vanish when $@narrow$", beyond=sp.Gt(j, D), narrow=sp.Le(D, D_i)))
    d.add(2 ** D, Reason("binomial theorem, $@theorem$", theorem=Fact(
        sp.Sum(sp.binomial(D, j), (j, 0, D)), sp.Pow(sp.Add(1, 1, evaluate=False), D, evaluate=False))))
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


#: The time an attainment count may take, in microseconds as estimated before counting.
_ATTAINED_MICROSECONDS = 500_000


def _meet(rows: Sequence[Sequence[int]], n: int) -> list[Fraction] | None:
    # A point x of R^n with theta_{d0} + sum_i theta_{di} x_i = 0 for every row (free coordinates 0),
    # by Gauss-Jordan elimination in rationals; None unless the rows' normals are independent.
    m = [[Fraction(v) for v in row[1:]] + [Fraction(-row[0])] for row in rows]
    pivots = []
    for r in range(len(m)):
        col = next((c for c in range(n) if m[r][c] != 0), None)
        if col is None:
            return None
        m[r] = [v / m[r][col] for v in m[r]]
        for other in range(len(m)):
            if other != r and m[other][col] != 0:
                m[other] = [a - m[other][col] * b for a, b in zip(m[other], m[r])]
        pivots.append(col)
    x = [Fraction(0)] * n
    for r, col in enumerate(pivots):
        x[col] = m[r][n]
    return x


def arrangement_regions(theta: Sequence[Sequence[int]]) -> tuple[int, int]:
    r"""Regions of the hyperplanes ``theta_{d0} + sum_{i=1}^{D_i} theta_{di} x_i = 0``, d = 1..D,
    in ``R^{D_i}``: ``N_r = #{sign(theta_{d0} + theta_d . x)_{d=1..D} : x in R^{D_i}}``, counted.

    Next to a point where r = min(D, D_i) of the hyperplanes meet with independent normals
    and no other passes, all 2^r sign patterns of those r occur (their values cover a
    neighbourhood of 0 in R^r) while the others keep their signs. The distinct patterns met
    next to all such points are regions, each its own, so their number is a lower bound; in
    general position every region touches such a point (a vertex when D >= D_i) and it is
    the number of regions. Exact integer and rational arithmetic, no formula.

    Parameters
    ----------
    theta : D rows ``(theta_{d0}, theta_{d1}, ..., theta_{dD_i})`` of integers.

    Returns ``(N_r, points)``: the regions counted and the meeting points they were found at.

    >>> arrangement_regions([[0, 1, 0], [0, 0, 1], [-1, 1, 1]])  # x_1 = 0, x_2 = 0, x_1 + x_2 = 1
    (7, 3)
    >>> print(sp.latex(sp.Integer(arrangement_regions([[1, 1], [-2, 1], [0, 3]])[0])))
    4
    """
    D, n = len(theta), len(theta[0]) - 1
    r = min(D, n)
    patterns: set[int] = set()
    points = 0
    for S in itertools.combinations(range(D), r):
        x = _meet([theta[d] for d in S], n)
        if x is None:
            continue
        den = lcm(*(v.denominator for v in x))
        q = [v.numerator * (den // v.denominator) for v in x]  # x = q / den, den > 0
        base, others = 0, [d for d in range(D) if d not in S]
        values = [theta[d][0] * den + sum(w * v for w, v in zip(theta[d][1:], q)) for d in others]
        if 0 in values:
            continue  # another hyperplane passes here: not a point of general position
        for d, value in zip(others, values):
            base |= (value > 0) << d
        points += 1
        for signs in range(2**r):
            patterns.add(base | sum(1 << d for b, d in enumerate(S) if signs >> b & 1))
    return len(patterns), points


@dataclass(frozen=True)
class Attained:
    """A network built to attain the maximal regions, and its regions counted exactly."""

    regions: int
    how: str


def attained_regions(widths: Sequence[int] | str, activation: str = "relu", seed: int = 0) -> Attained | None:
    r"""``N_r`` of a network built to attain :func:`max_regions`, counted without the formula.

    * K = 1, D hidden units: a random shallow network (integer weights) whose D hyperplanes
      ``theta_{d0} + theta_d . x = 0`` cut ``R^{D_i}`` into :func:`arrangement_regions`
      regions, each a linear region of its own when the output weights are nonzero;
    * one input, every ``D_k >= 3``, ReLU: the folding construction
      (:func:`symbolic.regions.constructions.folding_network`), its linear regions counted
      exactly by :func:`symbolic.regions.piecewise.network_pieces`.

    None where neither applies, or where the count would take more than about a second.

    Parameters
    ----------
    widths : ``D_i, D_1, ..., D_K, D_o``.
    activation : relu or leaky_relu (the folding construction is built for relu).
    seed : the random shallow network's seed.

    >>> attained_regions("2,3,1").regions, attained_regions("1,3,3,1").regions, attained_regions("2,4,4,1")
    (7, 16, None)
    >>> print(sp.latex(sp.Integer(attained_regions("3,5,1").regions)))
    26
    """
    widths = parse_widths(widths)
    shown = "-".join(map(str, widths))
    hidden = widths[1:-1]
    if len(hidden) == 1:
        (D_1,), n = hidden, widths[0]
        r = min(D_1, n)
        if comb(D_1, r) * (D_1 * n + 2**r + 3 * r * r * n) > _ATTAINED_MICROSECONDS:  # per point: signs, patterns, solve
            return None
        rng = random.Random(seed)
        theta = [[rng.randint(-10**6, 10**6) for _ in range(n + 1)] for _ in range(D_1)]
        regions, points = arrangement_regions(theta)
        return Attained(regions, f"a random {shown} network (integer weights, seed {seed}): the sign patterns of its "
                                 f"{D_1} hyperplane{'s' * (D_1 > 1)} theta_d0 + theta_d . x = 0 in R^{n}, counted next "
                                 + (f"to its {points} vert{'ices' if points != 1 else 'ex'}" if r == n else
                                    f"to a point where all {D_1} meet") + " (exact arithmetic)")
    if widths[0] != 1 or min(hidden) < 3 or activation != "relu":
        return None
    sizes = [1, *hidden, 1]
    pieces, work = 1, 0
    for D_k, D_next in zip(sizes, sizes[1:]):
        work += pieces * D_k * D_next  # each piece's D_next lines combine D_k lines: about 10 us each
        pieces *= D_next + 1
    if 10 * work > _ATTAINED_MICROSECONDS:
        return None
    spec, tensors = folding_network(widths)
    return Attained(network_pieces(spec, tensors).regions,
                    f"the folding construction {shown} (a zigzag per layer): its linear regions counted exactly "
                    "in rational arithmetic")
