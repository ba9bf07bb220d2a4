"""What the notes say about depth versus width (``derivations.topics.depth``)."""

from __future__ import annotations

from typing import Any, Mapping

import sympy as sp

from derivations.checks.tables import Column
from derivations.topics.texts import fill

__all__ = ["section", "columns"]

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
@table
\end{center}
The deep network's parameters grow linearly in $K$, the shallow network's exponentially.
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Left: the function of the deep folding network with $@shown_K$ layers of $@shown_D$ units
(pieces in alternating colours). Right: parameters needed for $@regions$ regions, deep
(one layer more per factor $@per_layer$) against shallow (one unit per joint).}
\end{figure}
Other reasons given in the lecture: more advanced architectures that use parameters more
efficiently are easier to specify with many layers; moderately deep networks are often
easier to train than shallow ones; and deep networks typically generalise better to new data.
"""


def columns(regions: str, formula: sp.Basic, at: Mapping[Any, Any]) -> list[Column]:
    """The table's columns: its headers and the row field each states; ``regions`` is the printed
    region count its header shows, ``formula`` that count at the row's values ``at``."""
    return [Column("$K$", "K"), Column("deep params.", "deep_parameters"),
            Column(f"regions ${regions}$", "regions", formula=formula, at=at),
            Column("shallow units, min.", "shallow_units_min"), Column("twin's units", "shallow_units"),
            Column("its params.", "shallow_parameters")]


def section(*, title: str, table: str, figure: str, pieces: int, zigzag: str, nested: str, shown_K: str,
            shown_D: str, per_layer: str, regions: str, parameters: str, shallow_units: str) -> str:
    """The section: folding networks against their shallow twins (``table``: the printed
    :func:`columns` table); ``pieces``: the pieces of one layer; ``zigzag`` .. ``shallow_units``:
    the printed formulas."""
    return fill(SECTION, title=title, pieces=pieces, zigzag=zigzag, nested=nested, shown_K=shown_K,
                shown_D=shown_D, per_layer=per_layer, regions=regions, parameters=parameters,
                shallow_units=shallow_units, table=table, figure=figure)
