"""What the notes say about shallow neural networks (``derivations.topics.shallow``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section", "combined_display"]

SECTION = r"""\section{@title}
A shallow network computes linear functions of the input, passes them through an
activation function $\mathrm{a}[\cdot]$ and returns a linear combination of these hidden
units. With one input, three hidden units and the ReLU activation (the lecture's example):
@network_tex
The parameters $\theta_{d0}, \theta_{d1}$ set where each hidden unit switches on (its
\emph{joint} at $@joint$) and $\phi_d$ weights its contribution. With the
worked example's numbers:
@numbers_tex
\begin{figure}[h]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{The 1-3-1 ReLU network of the worked example, unit by unit: pre-activations
$@pre_activation$, activations $h_d$, weighted activations $\phi_d h_d$, and
their sum with $\phi_0$, a piecewise-linear function with joints at @joints_at.}
\end{figure}

The shallow network is the deep network of the later sections with one hidden layer
($@layers$); the renaming is checked, not assumed:
@identity_tex
"""


def section(*, title: str, network_tex: str, numbers_tex: str, figure: str, identity_tex: str, joint: object,
            pre_activation: object, joints_at: str, layers: object) -> str:
    """The section: the network's equations, with the example's numbers, and as a deep network;
    ``joint``, ``pre_activation`` (unit d), ``joints_at`` (the example's, each in ``$..$``) and
    ``layers`` (K = 1) are printed formulas."""
    return fill(SECTION, title=title, network_tex=network_tex, numbers_tex=numbers_tex, figure=figure,
                identity_tex=identity_tex, joint=joint, pre_activation=pre_activation, joints_at=joints_at,
                layers=layers)


def combined_display(lines: list[str]) -> str:
    """``y = ...`` in one ``align*``, its right-hand side given as LaTeX ``lines`` (continued indented)."""
    return "\\begin{align*}\ny &= " + "\\\\\n&\\qquad ".join(lines) + "\n\\end{align*}"
