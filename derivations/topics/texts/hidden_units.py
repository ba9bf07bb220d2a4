"""What the notes say about more hidden units, inputs and outputs (``derivations.topics.hidden_units``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section"]

SECTION = r"""\section{@title}
\subsection*{More hidden units}
Adding hidden units adds more linear transformations of the input, each passed through
the activation; the output is a linear combination of all of them. With $D$ hidden units:
@general_tex
With ReLU activations every hidden unit adds one joint, so the output is piecewise linear
with at most $@regions$ linear regions.

\subsection*{Multiple inputs}
With several inputs each hidden unit applies the activation to a linear combination of all
inputs; the output is formed as before. Two inputs and three hidden units:
@inputs_tex

\subsection*{Multiple outputs}
With several outputs the hidden units are shared and each output is its own linear
combination of them. One input, four hidden units, two outputs:
@outputs_tex
Both outputs are piecewise linear with the \emph{same} joints, those of the shared hidden units
(Figure~\ref{fig:shared-joints}).
\begin{figure}[ht]
\centering
\includegraphics[width=0.75\textwidth]{@figure}
\caption{The two outputs of a 1-4-2 ReLU network with random parameters: different
slopes, the same joints $@joint$ (dotted).}
\label{fig:shared-joints}
\end{figure}

Each of these networks, compiled from its SymPy equations, agrees with the PyTorch network
built from the same spec on 200 random inputs (float64; see the Verification section).
"""


def section(*, title: str, general_tex: str, inputs_tex: str, outputs_tex: str, figure: str, regions: object,
            joint: object) -> str:
    """The section: D hidden units, several inputs, several outputs sharing their joints; ``regions``
    (at most D + 1 for one input) and ``joint`` (unit d's) are printed formulas."""
    return fill(SECTION, title=title, general_tex=general_tex, inputs_tex=inputs_tex, outputs_tex=outputs_tex,
                figure=figure, regions=regions, joint=joint)
