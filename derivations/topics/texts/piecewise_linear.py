"""What the notes say about ReLU networks as piecewise-linear functions (``derivations.topics.piecewise_linear``)."""

from __future__ import annotations

import sympy as sp

from derivations.topics.texts import fill
from symbolic.core.printing import latex

__all__ = ["section", "pieces_typed"]

SECTION = r"""\section{@title}
With ReLU activations every hidden unit is zero on one side of its \emph{joint} and linear on
the other, so the network's output, a weighted sum of hidden units, is a continuous
piecewise-linear function of the input. For the shallow network, hidden unit $d$ switches where
$@unit_line$, at
@joints_tex
Between neighbouring joints every unit is either off or linear, and the lecture's @example
network is, exactly,
@pieces_tex
(@regions linear regions: $D$ joints make $@regions_formula$ regions).

For a deep network the same reasoning holds layer by layer: the pre-activations
$@layer$ are linear on every piece of
$\mathbf{h}_k$, and $\mathrm{ReLU}$ splits a piece where a unit's line $@line$ crosses zero,
at $@crossing$. Propagating pieces this way in exact rational arithmetic (never by
sampling), and merging neighbouring pieces on the same line, gives every joint and the exact
number of linear regions; the random @deep network below has exactly @deep_regions
(Figure~\ref{fig:pieces}; its PyTorch twin, sampled on a fine grid, bends at the same number of
joints). At most $@deep_bound$ are possible (an upper bound, attained by the
folding networks of the section on parameter counts and linear regions).
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure_1d}
\caption{The linear pieces (alternating colours) and joints (dots) found exactly.}
\label{fig:pieces}
\end{figure}

\paragraph{Multiple inputs.} With two inputs each hidden unit's joint is a line
$@plane_line$ of the plane, and the lines cut the plane
into convex regions, one for each pattern of active units. Labelling the points of a grid by
their pattern draws the regions (Figure~\ref{fig:regionmap}); @lines lines in general position
make $@plane_regions$ regions. In a deep network the second layer's joints bend where
they cross the first layer's.
\begin{figure}[ht]
\centering
\includegraphics[width=0.8\textwidth]{@figure_2d}
\caption{Linear regions of two-input ReLU networks: each colour is one pattern of active
hidden units, counted on a $@grid$ grid of the square where $x_1$ and $x_2$ run from $@low$ to $@high$
(a region thinner than the grid could be missed, so the count is a lower bound).}
\label{fig:regionmap}
\end{figure}
"""


def section(*, title: str, joints_tex: str, pieces_tex: str, example: str, regions: int, deep: str,
            deep_regions: int, lines: int, figure_1d: str, figure_2d: str, **formulas: object) -> str:
    """The section: the example's joints and pieces, a deep network's exact regions, and the regions
    of the plane; ``formulas`` are the printed formulas of its sentences (``deep_bound``: at most
    (D+1)^K, ``plane_regions``: three lines in general position, ``grid``, ``low``, ``high``: the
    region maps' grid, ...); ``example``, ``deep``: the widths of the lecture's and of the random
    network, ``regions``, ``deep_regions``: their regions, counted exactly (the records' values);
    ``lines``: the joint lines of the plane network."""
    return fill(SECTION, title=title, joints_tex=joints_tex, pieces_tex=pieces_tex, example=example,
                regions=regions, deep=deep, deep_regions=deep_regions, lines=lines, figure_1d=figure_1d,
                figure_2d=figure_2d, **formulas)


def pieces_typed(y: sp.Symbol, x: sp.Symbol, pieces: list) -> str:
    r"""``y = \begin{cases} ... \end{cases}``, the lecture's form of exact ``pieces`` (``(line, (left,
    right))``, :meth:`~symbolic.regions.piecewise.PiecewiseLinear.sympy_pieces`): one line per piece,
    ``\text{if } left \le x < right``; its read-back is checked against the pieces' ``Piecewise``."""
    rows = []
    for line, (left, right) in pieces:
        bounds = ([rf"{latex(left)} \le"] if left != -sp.oo else []) + [latex(x)] + \
            ([f"< {latex(right)}"] if right != sp.oo else [])
        rows.append(fill(r"@line & \text{if } @where", line=latex(line), where=" ".join(bounds)))
    return fill(r"@y = \begin{cases}" + "\n@rows\n" + r"\end{cases}", y=latex(y), rows="\\\\\n".join(rows))
