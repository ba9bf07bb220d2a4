"""What the notes say about universal approximation (``derivations.topics.universal_approximation``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section", "CONSTRUCTION"]

#: The interpolating shallow network through N = D + 1 points.
CONSTRUCTION = r"""\[ y = y_1 + \sum_{d=1}^{N-1} \Delta_d\, \mathrm{ReLU}[x - x_d], \qquad \Delta_1 = s_1,\ \
\Delta_d = s_d - s_{d-1},\ \ s_d = \frac{y_{d+1} - y_d}{x_{d+1} - x_d}, \]"""

SECTION = r"""\section{@title}
The universal approximation theorem says that for any continuous function there is a shallow
network that approximates it as closely as we like. For ReLU networks with one input there is
a direct construction: the shallow network with one hidden unit per interval,
@construction_tex
passes exactly through the $N = D + 1$ points $(x_n, f(x_n))$: it is the piecewise-linear
interpolant, each joint changing the slope to that of the next interval. For a target with a
continuous second derivative the maximum error on $[x_1, x_N]$ is at most $h^2 \max|f''| / 8$
with spacing $h$ (an upper bound, attained: for $f(x) = x^2$ the error at every midpoint is
exactly $h^2/4$, checked in exact rationals for $D = 2, 4, 8$), so the bound falls like $D^{-2}$.
For $f(x) = \sin(2\pi x) + x/2$ on $[0, 1]$ (errors: the maximum over a grid of 8001 points):
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
\caption{Top: the target (grey) and the interpolating shallow network through $D + 1$
points. Bottom: the maximum error against $D$, for the construction and for trained networks.}
\end{figure}
"""


def section(*, title: str, construction_tex: str, rows: list[dict], trained: list[dict], seed: int, figure: str) -> str:
    """The section: the construction, its errors (``rows``: ``D``, ``parameters``, ``max_error``)
    beside those of trained networks (``trained``: ``D``, ``max_error``), the figure."""
    trained_by_D = {r["D"]: r["max_error"] for r in trained}
    table = "\\\\\n".join(
        f"{r['D']} & {r['parameters']} & {r['max_error']:.3e} & "
        + (f"{trained_by_D[r['D']]:.3e}" if r["D"] in trained_by_D else "--") for r in rows)
    return fill(SECTION, title=title, construction_tex=construction_tex, rows=table, seed=seed, figure=figure)
