"""What the notes say about depth versus width (``derivations.topics.depth``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section"]

SECTION = r"""\section{@title}
The universal approximation theorem holds for shallow networks, so why go deep? There are
functions for which shallow networks need exponentially more hidden units than deep ones.
A ReLU network with one input folds its input: here each layer is a zigzag $@zigzag$ whose
$@per_layer$ pieces (here @pieces) each map onto $[0,1]$,
and composing $K$ of them (for $@shown_K$, $@nested$) repeats every fold inside every other:
$@regions$ linear regions from $@parameters$ parameters. A shallow network makes at
most one joint per hidden unit, so the same function needs at least $@shallow_units$ hidden
units; the shallow twin built from the deep function's joints (checked equal to it) uses
\begin{center}\small
\begin{tabular}{rrrrrr}
\toprule
$K$ & deep params. & regions $@regions$ & shallow units, min. & twin's units & its params. \\
\midrule
@rows\\
\bottomrule
\end{tabular}
\end{center}
The deep network's parameters grow linearly in $K$, the shallow network's exponentially.
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Left: the function of the deep folding network with three layers of three units
(pieces in alternating colours). Right: parameters needed for $@regions$ regions, deep
(one layer more per factor $@per_layer$) against shallow (one unit per joint).}
\end{figure}
Other reasons given in the lecture: more advanced architectures that use parameters more
efficiently are easier to specify with many layers; moderately deep networks are often
easier to train than shallow ones; and deep networks typically generalise better to new data.
"""


def section(*, title: str, rows: list[dict], figure: str, pieces: int, zigzag: str, nested: str, shown_K: str,
            per_layer: str, regions: str, parameters: str, shallow_units: str) -> str:
    """The section: folding networks against their shallow twins (``rows``: ``K``,
    ``deep_parameters``, ``regions``, ``shallow_units_min``, ``shallow_units``,
    ``shallow_parameters``); ``pieces``: the pieces of one layer; ``zigzag`` .. ``shallow_units``:
    the printed formulas."""
    table = "\\\\\n".join(f"{r['K']} & {r['deep_parameters']} & {r['regions']} & {r['shallow_units_min']} & "
                          f"{r['shallow_units']} & {r['shallow_parameters']}" for r in rows)
    return fill(SECTION, title=title, pieces=pieces, zigzag=zigzag, nested=nested, shown_K=shown_K,
                per_layer=per_layer, regions=regions, parameters=parameters,
                shallow_units=shallow_units, rows=table, figure=figure)
