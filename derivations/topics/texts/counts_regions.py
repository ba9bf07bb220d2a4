"""What the notes say about parameter counts and linear regions (``derivations.topics.counts_regions``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section", "regions_display", "digits"]

SECTION = r"""\section{@title}
A network's capacity can be measured by how many linear regions its piecewise-linear function
can have. Parameters grow linearly with depth and quadratically with width, but the number of
regions a network can reach grows exponentially with depth.

\paragraph{Parameters.} A network with widths $D_0 = D_i, D_1, \dots, D_{K+1} = D_o$ has
$\sum_{k=0}^{K} D_{k+1} (D_k + 1)$ parameters (checked against the number of entries of the
PyTorch twin's tensors on a grid of @n_nets width lists); with one input, one output and $K$ layers of $D$
units (checked against the sum on a grid, and @counts_words):
@counts_tex

\paragraph{Regions of a shallow network.} Each hidden unit's joint is a hyperplane of the input
space; $D$ hyperplanes cut $\mathbb{R}^{D_i}$ into at most (Zaslavsky; an upper bound, attained
when the hyperplanes are in general position)
@zaslavsky_tex
regions, e.g. $@z23$ for $D_i = 2$, $D = 3$. The bound is attained, counted exactly for one
input ($D + 1$ regions, $D = 1, \dots, 6$) and on a grid for two inputs ($D = 2, 3, 4$ lines in
general position). With no more units than inputs every pattern occurs (@small_words):
@small_tex

\paragraph{Regions of a deep network.} A network with one input and $K$ layers of widths
$D_1, \dots, D_K$ has at most $\prod_k (D_k + 1)$ regions, $(D+1)^K$ for equal widths (an upper
bound: each layer's $D$ units split every piece of the layer before at most $D$ times).
For $D \ge 3$ it is attained: the folding construction (each layer a zigzag whose $D+1$
pieces all map onto $[0, 1]$, composed $K$ times) reaches it, counted exactly:
\begin{center}
\begin{tabular}{rrrrr}
\toprule
$D$ & $K$ & parameters & $(D+1)^K$ & regions counted \\
\midrule
@folding_rows\\
\bottomrule
\end{tabular}
\end{center}
For $D \le 2$ we claim only the upper bound: 60 random integer networks of widths 1-1-1-1 reach
at most @found_1111 regions (bound @bound_1111) and of widths 1-2-2-1 at most
@found_1221 (bound @bound_1221); no random network exceeds the bound (verification table).
The counts are exact integers however large: $D = 100$, $K = 10$ gives
$101^{10} = @big$.

With $D_i$ inputs, Prince's eq.~4.17 (after Serra et al., 2018) gives
@lower_tex
for $D$ a multiple of $D_i$ with $D \ge 3 D_i$ (otherwise it need not be an integer: $D_i = 2$,
$D = 3$, $K = 2$ gives $@non_integer$). It is a \emph{lower bound on the maximum}, a count that some
network of these widths reaches (e.g. $@deep2$ for $D_i = 2$, $D = 6$, $K = 3$); we quote it
from the literature and check only that it stays at most the upper bound
$\prod_{k=1}^{K} \sum_{j=0}^{d_k} \binom{D_k}{j}$, $d_k = \min(D_i, D_1, \dots, D_{k-1})$,
and that with one input it is $(D+1)^K$:
@regions_tex
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Linear regions against the number of parameters, for shallow networks of growing
width and deep networks of fixed width and growing depth ($K = 1, \dots, 10$). $D_i = 1$: the
maximum $(D+1)^K$ (attained for $D \ge 3$; for $D = 5, 10, 50$ by the folding construction).
$D_i = 10$: Zaslavsky's count (shallow, attained) and eq.~4.17 (deep, a lower bound on the
maximum for $D = 30, 50, 100$, multiples of $D_i$ with $D \ge 3 D_i$). Exact integers.}
\end{figure}
"""


def section(*, title: str, n_nets: int, counts_words: str, counts_tex: str, zaslavsky_tex: str, z23: int,
            small_words: str, small_tex: str, folding: list[tuple[int, int, int, int, int]],
            search: dict[tuple[int, ...], tuple[int, int]], big: int, lower_tex: str, non_integer: float,
            deep2: int, regions_tex: str, figure: str) -> str:
    """The section. ``folding``: ``(D, K, parameters, (D+1)^K, regions counted)`` of each folding
    network; ``search``: ``{widths: (most regions found, upper bound)}`` of the random search."""
    rows = "\\\\\n".join(" & ".join(map(str, row)) for row in folding)
    return fill(SECTION, title=title, n_nets=n_nets, counts_words=counts_words, counts_tex=counts_tex,
                zaslavsky_tex=zaslavsky_tex, z23=z23, small_words=small_words, small_tex=small_tex,
                folding_rows=rows, found_1111=search[(1, 1, 1, 1)][0], bound_1111=search[(1, 1, 1, 1)][1],
                found_1221=search[(1, 2, 2, 1)][0], bound_1221=search[(1, 2, 2, 1)][1], big=digits(big),
                lower_tex=lower_tex, non_integer=f"{non_integer:g}", deep2=deep2, regions_tex=regions_tex,
                figure=figure)


def regions_display(count: str) -> str:
    r"""``\[ N_r = count \]``: a number of linear regions (``count`` in LaTeX)."""
    return fill(r"\[ N_r = @count \]", count=count)


def digits(n: int) -> str:
    r"""A big integer in groups of three digits, breakable between groups.

    >>> print(digits(1234567))
    1\,\allowbreak 234\,\allowbreak 567
    """
    text = str(n)
    groups = [text[max(0, i - 3):i] for i in range(len(text), 0, -3)][::-1]
    return r"\,\allowbreak ".join(groups)
