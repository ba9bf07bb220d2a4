"""What the notes say about parameter counts and linear regions (``derivations.topics.counts_regions``)."""

from __future__ import annotations

import sympy as sp

from derivations.checks.tables import Column
from derivations.topics.texts import fill
from symbolic.regions.counts import D, K

__all__ = ["section", "columns", "digits", "PRINTED"]

#: The printed formulas the section's gaps take (``section(**printed)``).
PRINTED = ("parameter_sum", "z23_at", "one_input_shallow", "one_input_bound", "one_input", "big_at",
           "non_integer_at", "deep2_at", "upper_bound", "first_dimension", "next_dimension", "ten_inputs")

SECTION = r"""\section{@title}
A network's capacity can be measured by how many linear regions its piecewise-linear function
can have. Parameters grow linearly with depth and quadratically with width, but the number of
regions a network can reach grows exponentially with depth.

\paragraph{Parameters.} A network whose layers have widths $D_k$ (the first the $D_i$ inputs,
the last the $D_o$ outputs) has $@parameter_sum$ parameters (checked against the number of entries of the
PyTorch twin's tensors on a grid of @n_nets width lists); with one input, one output and $K$ layers of $D$
units (checked against the sum on a grid, and @counts_words):
@counts_tex

\paragraph{Regions of a shallow network.} Each hidden unit's joint is a hyperplane of the input
space; $D$ hyperplanes cut the $D_i$-dimensional input space into at most (Zaslavsky; an upper bound, attained
when the hyperplanes are in general position)
@zaslavsky_tex
regions, e.g. $@z23$ for @z23_at. The bound is attained, counted exactly for one
input ($@one_input_shallow$ regions, for $D$ from @attained_1d_first to @attained_1d_last) and on a grid
for two inputs (@attained_2d lines in general position). With no more units than inputs every pattern
occurs (@small_words):
@small_tex

\paragraph{Regions of a deep network.} A network with one input and $K$ layers of widths
$D_1, \dots, D_K$ has at most $@one_input_bound$ regions, $@one_input$ for equal widths (an upper
bound: each layer's $D$ units split every piece of the layer before at most $D$ times).
For $D \ge 3$ it is attained: the folding construction (each layer a zigzag whose $@one_input_shallow$
pieces all map onto $[0, 1]$, composed $K$ times) reaches it, counted exactly:
\begin{center}
@folding
\end{center}
For $D \le 2$ we claim only the upper bound: @searched random integer networks of widths 1-1-1-1 reach
at most @found_1111 regions (bound @bound_1111) and of widths 1-2-2-1 at most
@found_1221 (bound @bound_1221); no random network exceeds the bound (verification table).
The counts are exact integers however large: @big_at gives
$@big$.

With $D_i$ inputs, Prince's eq.~4.17 (after Serra et al., 2018) gives
@lower_tex
for $D$ a multiple of $D_i$ with $D \ge 3 D_i$ (otherwise it need not be an integer:
@non_integer_at gives $@non_integer$). It is a \emph{lower bound on the maximum}, a count that some
network of these widths reaches (e.g. $@deep2$ for @deep2_at); we quote it
from the literature and check only that it stays at most the upper bound
$@upper_bound$, with $@first_dimension$ and $@next_dimension$ (the dimension layer $k$ can split),
and that with one input it is $@one_input$:
@regions_tex
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Linear regions against the number of parameters, for shallow networks of growing
width and deep networks of fixed width and growing depth ($K$ from @depth_first to @depth_last). One input: the
maximum $@one_input$ (attained for $D \ge 3$; for @widths_1 units by the folding construction).
$@ten_inputs$: Zaslavsky's count (shallow, attained) and eq.~4.17 (deep, a lower bound on the
maximum for @widths_10 units, multiples of $D_i$ with $D \ge 3 D_i$). Exact integers.}
\end{figure}
"""


def columns(one_input: str, formula: sp.Basic) -> list[Column]:
    """The folding table's columns; ``one_input``: the printed one-input count its header shows,
    ``formula`` that count (each cell is compared with it at the row's D and K)."""
    return [Column("$D$", "D"), Column("$K$", "K"), Column("parameters", "parameters"),
            Column(f"${one_input}$", "formula", formula=formula, at={D: "D", K: "K"}),
            Column("regions counted", "regions")]


def section(*, title: str, numel: dict, counts_words: str, counts_tex: str, zaslavsky_tex: str,
            small_words: str, small_tex: str, folding: str, search: dict, lower_tex: str, regions_tex: str,
            figure: str, attained: list[dict], figure_widths: dict[int, tuple[int, ...]], figure_depths: range,
            **printed: str) -> str:
    """The section. ``numel``: the record of the parameter count against the twin (its ``value``: the
    networks compared); ``folding``: the printed table of folding networks; ``search``: the record of
    the random search (``value``: ``[widths, most regions found, upper bound]`` per width list,
    ``networks``: how many each); ``attained``: the records that Zaslavsky's count is attained with
    one and two inputs (``widths``: the D they counted); ``printed``: the formulas and example counts,
    printed and read back (``parameter_sum``, ``z23_at``, ``z23``, ``big``, ...)."""
    found = {tuple(widths): (most, bound) for widths, most, bound in search["value"]}
    one, two = (r["widths"] for r in attained)
    return fill(SECTION, title=title, n_nets=numel["value"], counts_words=counts_words, counts_tex=counts_tex,
                zaslavsky_tex=zaslavsky_tex, small_words=small_words, small_tex=small_tex,
                folding=folding, searched=search["networks"], found_1111=found[(1, 1, 1, 1)][0],
                bound_1111=found[(1, 1, 1, 1)][1], found_1221=found[(1, 2, 2, 1)][0],
                bound_1221=found[(1, 2, 2, 1)][1], lower_tex=lower_tex, regions_tex=regions_tex, figure=figure,
                attained_1d_first=one[0], attained_1d_last=one[-1], attained_2d=", ".join(map(str, two)),
                depth_first=figure_depths[0], depth_last=figure_depths[-1],
                widths_1=", ".join(map(str, figure_widths[1])), widths_10=", ".join(map(str, figure_widths[10])),
                **printed)


def digits(n: int) -> str:
    r"""A big integer in groups of three digits, breakable between groups.

    >>> print(digits(1234567))
    1\,\allowbreak 234\,\allowbreak 567
    """
    text = str(n)
    groups = [text[max(0, i - 3):i] for i in range(len(text), 0, -3)][::-1]
    return r"\,\allowbreak ".join(groups)
