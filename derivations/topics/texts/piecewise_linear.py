"""What the notes say about ReLU networks as piecewise-linear functions (``derivations.topics.piecewise_linear``)."""

from __future__ import annotations

import sympy as sp

from derivations.topics.texts import fill
from symbolic.core.printing import latex

__all__ = ["section", "joints_display", "pieces_display"]

SECTION = r"""\section{@title}
With ReLU activations every hidden unit is zero on one side of its \emph{joint} and linear on
the other, so the network's output, a weighted sum of hidden units, is a continuous
piecewise-linear function of the input. For the shallow network, hidden unit $d$ switches where
$\theta_{d0} + \theta_{d1} x = 0$, at
@joints_tex
Between neighbouring joints every unit is either off or linear, and the lecture's 1-3-1
network is, exactly,
@pieces_tex
(@regions linear regions: $D$ joints make $D + 1$ regions).

For a deep network the same reasoning holds layer by layer: the pre-activations
$\mathbf{f}_k = \boldsymbol\beta_k + \boldsymbol\Omega_k \mathbf{h}_k$ are linear on every piece of
$\mathbf{h}_k$, and $\mathrm{ReLU}$ splits a piece where a unit's line $s x + c$ crosses zero,
at $x = -c/s$. Propagating pieces this way in exact rational arithmetic (never by
sampling), and merging neighbouring pieces on the same line, gives every joint and the exact
number of linear regions; the random 1-3-3-1 network below has exactly @deep_regions
(Figure~\ref{fig:pieces}; its PyTorch twin, sampled on a fine grid, bends at the same number of
joints). At most $(D+1)^K = @deep_bound$ are possible (an upper bound, attained by the
folding networks of the section on parameter counts and linear regions).
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure_1d}
\caption{The linear pieces (alternating colours) and joints (dots) found exactly.}
\label{fig:pieces}
\end{figure}

\paragraph{Multiple inputs.} With two inputs each hidden unit's joint is a line
$\theta_{d0} + \theta_{d1} x_1 + \theta_{d2} x_2 = 0$ of the plane, and the lines cut the plane
into convex regions, one for each pattern of active units. Labelling the points of a grid by
their pattern draws the regions (Figure~\ref{fig:regionmap}); three lines in general position
make $1 + 3 + 3 = @plane_regions$ regions. In a deep network the second layer's joints bend where
they cross the first layer's.
\begin{figure}[ht]
\centering
\includegraphics[width=0.8\textwidth]{@figure_2d}
\caption{Linear regions of two-input ReLU networks: each colour is one pattern of active
hidden units, counted on a $601 \times 601$ grid over $[-3, 3]^2$ (a region thinner than the
grid could be missed, so the count is a lower bound).}
\label{fig:regionmap}
\end{figure}
"""


def section(*, title: str, joints_tex: str, pieces_tex: str, regions: int, deep_regions: int, deep_bound: int,
            figure_1d: str, plane_regions: int, figure_2d: str) -> str:
    """The section: the example's joints and pieces, a deep network's exact regions (``deep_bound``:
    at most (D+1)^K), and the regions of the plane (``plane_regions``: three lines in general position)."""
    return fill(SECTION, title=title, joints_tex=joints_tex, pieces_tex=pieces_tex, regions=regions,
                deep_regions=deep_regions, deep_bound=deep_bound, figure_1d=figure_1d, plane_regions=plane_regions,
                figure_2d=figure_2d)


def joints_display(joints: list, values: dict) -> str:
    r"""``\[ x = -theta_d0/theta_d1: joint = number, ... \]``: each joint, symbolic and at ``values``."""
    joint_list = ", ".join(f"{latex(j)} = {latex(v)}" for j, v in zip(joints, [j.xreplace(values) for j in joints]))
    return fill(r"\[ x = -\frac{\theta_{d0}}{\theta_{d1}}: \qquad @joint_list. \]", joint_list=joint_list)


def pieces_display(pl, x: sp.Symbol) -> str:
    r"""``\[ y = \begin{cases} ... \end{cases} \]``: the exact pieces of ``pl``, one line per piece."""
    rows = []
    for line, (left, right) in pl.sympy_pieces(x):
        if left == -sp.oo:
            where = rf"{latex(x)} < {latex(right)}"
        elif right == sp.oo:
            where = rf"{latex(left)} \le {latex(x)}"
        else:
            where = rf"{latex(left)} \le {latex(x)} < {latex(right)}"
        rows.append(fill(r"@line & \text{if } @where", line=latex(line), where=where))
    return fill(r"\[ y = \begin{cases}" + "\n@rows\n" + r"\end{cases} \]", rows="\\\\\n".join(rows))
