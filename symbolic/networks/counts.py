r"""Parameter counts as SymPy formulas (lecture: "parameter counts and linear regions").

General widths: ``sum_{k=0}^{K} D_{k+1} (D_k + 1)``; shallow: ``(D_i + 1) D + (D + 1) D_o``;
one input, one output, K layers of D units: ``3D + 1 + (K - 1) D (D + 1)``.
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp

from symbolic.core.derivation import Derivation

__all__ = ["D_i", "D", "D_o", "K", "parameter_count", "shallow_parameter_count",
           "deep_parameter_count", "parameter_count_derivation"]

D_i, D, D_o, K = sp.symbols("D_i D D_o K", integer=True, positive=True)


def parameter_count(widths: Sequence[int | sp.Expr]) -> sp.Expr:
    r"""Number of parameters ``sum_k D_{k+1} (D_k + 1)`` of a network with these widths.

    >>> parameter_count([1, 3, 1])
    10
    >>> print(sp.latex(parameter_count([D_i, D, D_o])))
    D \left(D_{i} + 1\right) + D_{o} \left(D + 1\right)
    """
    widths = [sp.sympify(w) for w in widths]
    return sum((w_out * (w_in + 1) for w_in, w_out in zip(widths, widths[1:])), sp.S.Zero)


def shallow_parameter_count() -> sp.Expr:
    r"""Shallow network: ``(D_i + 1) D + (D + 1) D_o``.

    >>> print(sp.latex(shallow_parameter_count()))
    D \left(D_{i} + 1\right) + D_{o} \left(D + 1\right)
    """
    return (D_i + 1) * D + (D + 1) * D_o


def deep_parameter_count() -> sp.Expr:
    r"""One input, one output, K hidden layers of D units: ``3D + 1 + (K - 1) D (D + 1)``.

    >>> print(sp.latex(deep_parameter_count()))
    D \left(D + 1\right) \left(K - 1\right) + 3 D + 1
    >>> deep_parameter_count().subs({D: 3, K: 2})
    22
    """
    return 3 * D + 1 + (K - 1) * D * (D + 1)


def parameter_count_derivation() -> Derivation:
    r"""The lecture's count ``3D + 1 + (K-1) D (D+1)`` from the general sum, checked step by step.

    >>> d = parameter_count_derivation()
    >>> d.check().passed
    True
    """
    k = sp.Symbol("k", integer=True)
    d = Derivation("parameter count of a one-input deep network")
    n = sp.Symbol("N_{\\phi}")
    general = sp.Sum(D * (D + 1), (k, 1, K - 1))
    first = sp.Mul(D, sp.Add(1, 1, evaluate=False), evaluate=False)  # D units, 1 weight + 1 bias each
    last = sp.Mul(1, D + 1, evaluate=False)  # 1 output, D weights + 1 bias
    d.add(sp.Add(first, general, last, evaluate=False), "input layer, K-1 hidden-to-hidden layers, output layer",
          lhs=n, check=False)
    d.add(sp.Add(2 * D, (K - 1) * D * (D + 1), D + 1, evaluate=False), "the K-1 middle layers are equal")
    d.add(deep_parameter_count(), "collect terms")
    d.domain = {K: lambda rng: rng.randint(1, 6), D: lambda rng: rng.randint(1, 9)}
    return d
