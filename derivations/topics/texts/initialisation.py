"""What the notes say about initialisation (``derivations.topics.initialisation``)."""

from __future__ import annotations

from typing import Any, Mapping

import sympy as sp

from derivations.checks.tables import Column
from derivations.topics.texts import fill

__all__ = ["section", "columns"]

SECTION = r"""\section{@title}
Training starts from random parameters, and their scale matters: every layer multiplies the
size of the activations on the way forward, and of the gradients on the way back, by a factor
that depends on the variance of the weights. Over many layers a factor a little below one makes
them vanish, a little above one makes them explode. Take a layer whose pre-activations $f'$ are
weighted sums of the ReLU activations $h$ of the $D_h$ units below, with no bias and with
weights drawn independently with mean 0 and variance $@weight_variance$; let the pre-activations
$f$ below have mean 0 and variance $@input_variance$. Then
@forward_tex
On the way back the chain rule runs through the same weights and the ReLU's derivative:
@backward_tex
Each ReLU layer multiplies the variance forward by $@forward_factor$ and backward by
$@backward_factor$, so the weight variance that keeps both is
@rules_tex
He's rule, $@he$, is what \texttt{torch.nn.init.kaiming\_normal\_} draws and Glorot's is
\texttt{xavier\_normal\_} (both checked above against the library's own draws).

For a network of @layers ReLU layers of @width units, with half of He's variance every layer
halves the activations' mean square, a factor of $@half$ over the whole network; with twice
He's variance it doubles every layer. On the PyTorch twin (@networks networks per variance,
@inputs inputs each; Figure~\ref{fig:initialisation}), one layer's factor, measured as the mean
over the layers and the networks, is the derived one within @band standard errors:
\begin{center}\small
@table
\end{center}
The one-layer factors are what the derivation predicts; over the layers they multiply, which the
same draws confirm exactly: with half or twice He's variance the last layer's mean square is the
factor to the power of the layers times He's (a ReLU network scales with its weights).
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{The mean square of the pre-activations (left) and of the gradients (right) layer by
layer, at initialisation: dots measured on the PyTorch twin, lines derived; only He's variance
keeps both.}
\label{fig:initialisation}
\end{figure}
"""


#: What the table says of a weight variance, by its ratio to He's.
_TO_HE = {sp.Rational(1, 2): "(half of He)", sp.Integer(1): "(He)", sp.Integer(2): "(twice He)"}


def columns(factor: str, formula: sp.Basic, at: Mapping[Any, Any], layers: int, he: sp.Basic) -> list[Column]:
    """The table's columns: the weight variance (its words: its ratio to He's variance ``he``),
    one layer's derived factor (the printed ``factor``, ``formula`` at the row's values ``at``),
    the measured forward and backward factors, and the derived factor over ``layers`` layers
    (one layer's factor to that power)."""
    c, L = sp.symbols("c L", positive=True)
    return [Column(("", "weight variance"), "variance", align="l",
                   words=lambda v: _TO_HE.get(sp.simplify(v.rhs / he), "")),
            Column(("one layer's", f"factor ${factor}$"), "factor", fmt="g", align="c", formula=formula, at=at),
            Column(("measured", "forward"), "forward", fmt=".3f", align="c"),
            Column(("measured", "backward"), "backward", fmt=".3f", align="c"),
            Column(("derived, over", f"{layers} layers"), "total", align="c", formula=c**L,
                   at={c: "factor", L: layers})]


def section(*, title: str, forward_tex: str, backward_tex: str, rules_tex: str, he: str, half: str, width: int,
            layers: int, networks: int, inputs: int, band: float, table: str,
            weight_variance: str, input_variance: str, forward_factor: str, backward_factor: str, figure: str) -> str:
    """The section: the two derivations, the rules, the experiment's printed :func:`columns`
    ``table`` and the figure; the other strings are printed formulas for the prose."""
    return fill(SECTION, title=title, forward_tex=forward_tex, backward_tex=backward_tex, rules_tex=rules_tex,
                he=he, half=half, width=width, layers=layers, networks=networks, inputs=inputs, band=f"{band:g}",
                table=table, figure=figure, weight_variance=weight_variance, input_variance=input_variance,
                forward_factor=forward_factor, backward_factor=backward_factor)
