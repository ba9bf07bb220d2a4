"""What the notes say about universal approximation (``derivations.topics.universal_approximation``)."""

from __future__ import annotations

from typing import Sequence

from derivations.checks.tables import Column
from derivations.topics.texts import fill

__all__ = ["section", "columns"]

SECTION = r"""\section{@title}
The universal approximation theorem says that for any continuous function there is a shallow
network that approximates it as closely as we like. For ReLU networks with one input there is
a direct construction: the shallow network with one hidden unit per interval,
@construction_tex
passes exactly through the $@points$ points $(x_n, f(x_n))$: it is the piecewise-linear
interpolant, each joint changing the slope to that of the next interval. For a target with a
continuous second derivative the maximum error on $[x_1, x_N]$ is at most $@bound$
with spacing $h$ (an upper bound, attained: for $@attained_target$ the error at every midpoint is
exactly $@attained_bound$, checked in exact rationals for @attained_widths), so the bound falls like $@rate$.
For $@target$ on $[0, 1]$ (errors: the maximum over a grid of @grid_points points):
\begin{center}
@table
\end{center}
Shallow networks of the same widths trained by Adam (@steps full-batch steps on @samples samples,
@loss loss, seed @seed) need not find such a good solution: gradient descent from
a random start can leave units unused (here @unused hidden units are inactive on all of
$[0, 1]$), and the theorem says a good network exists, not that
training finds it.
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Top: the target (grey) and the interpolating shallow network through $@caption_points$
points. Bottom: the maximum error against $D$, for the construction and for trained networks.}
\end{figure}
"""


def columns() -> list[Column]:
    """The table's columns: its headers and the row field each states (``D``, ``parameters``,
    ``construction`` and ``trained``: the records of the checks that evaluated them)."""
    return [Column("$D$", "D"), Column("parameters", "parameters"),
            Column("grid max error, construction", "construction", fmt=".3e"),
            Column("grid max error, trained (Adam)", "trained", fmt=".3e")]


def section(*, title: str, construction_tex: str, table: str, grid_points: int, steps: int, samples: int, loss: str,
            unused: Sequence[tuple[int, int]], seed: int, figure: str, attained_widths: Sequence[int],
            attained_width: str, **printed: str) -> str:
    """The section: the construction, the printed :func:`columns` ``table`` of its errors beside
    those of trained networks (each the maximum over ``grid_points`` points; the trained networks
    took ``steps`` full-batch steps on ``samples`` samples of the ``loss`` and left ``unused``
    ``(units, of D)`` inactive), the figure; the widths where the bound is attained are ``attained_width`` (printed ``D = 2``) and then
    ``attained_widths``; ``printed``: the prose's read-back formulas (``points``, ``bound``,
    ``attained_target``, ``attained_bound``, ``rate``, ``target``, ``caption_points``)."""
    *others, last = attained_widths
    widths = fill("$@first$", first=attained_width) + "".join(f", ${w}$" for w in others) + f" and ${last}$"
    counts = [f"{n} of {D}" for n, D in unused]
    unused_words = ", ".join(counts[:-1]) + (" and " if len(counts) > 1 else "") + counts[-1]
    return fill(SECTION, title=title, construction_tex=construction_tex, table=table, grid_points=grid_points,
                unused=unused_words, steps=steps, samples=samples, loss=loss, seed=seed, figure=figure,
                attained_widths=widths, **printed)
