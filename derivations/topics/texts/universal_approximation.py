"""What the notes say about universal approximation (``derivations.topics.universal_approximation``)."""

from __future__ import annotations

from typing import Sequence

from derivations.topics.texts import fill

__all__ = ["section"]

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
For $@target$ on $[0, 1]$ (errors: the maximum over a grid of 8001 points):
\begin{center}
\begin{tabular}{rrrr}
\toprule
$D$ & parameters & grid max error, construction & grid max error, trained (Adam) \\
\midrule
@rows\\
\bottomrule
\end{tabular}
\end{center}
Shallow networks of the same widths trained by Adam (1500 full-batch steps on 100 samples,
least-squares loss, seed @seed) need not find such a good solution: gradient descent from
a random start can leave units unused, and the theorem says a good network exists, not that
training finds it.
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Top: the target (grey) and the interpolating shallow network through $@caption_points$
points. Bottom: the maximum error against $D$, for the construction and for trained networks.}
\end{figure}
"""


def section(*, title: str, construction_tex: str, rows: list[dict], trained: list[dict], seed: int, figure: str,
            attained_widths: Sequence[int], attained_width: str, **printed: str) -> str:
    """The section: the construction, its errors (``rows``: ``D``, ``parameters``, ``max_error``)
    beside those of trained networks (``trained``: ``D``, ``max_error``), the figure; the
    widths where the bound is attained are ``attained_width`` (printed ``D = 2``) and then
    ``attained_widths``; ``printed``: the prose's read-back formulas (``points``, ``bound``,
    ``attained_target``, ``attained_bound``, ``rate``, ``target``, ``caption_points``)."""
    trained_by_D = {r["D"]: r["max_error"] for r in trained}
    table = "\\\\\n".join(
        f"{r['D']} & {r['parameters']} & {r['max_error']:.3e} & "
        + (f"{trained_by_D[r['D']]:.3e}" if r["D"] in trained_by_D else "--") for r in rows)
    *others, last = attained_widths
    widths = fill("$@first$", first=attained_width) + "".join(f", ${w}$" for w in others) + f" and ${last}$"
    return fill(SECTION, title=title, construction_tex=construction_tex, rows=table, seed=seed, figure=figure,
                attained_widths=widths, **printed)
