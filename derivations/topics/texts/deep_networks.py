"""What the notes say about deep networks (``derivations.topics.deep_networks``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section", "nested_line", "by_layer"]

SECTION = r"""\section{@title}
\subsection*{From shallow to deep: adding another network}
A simple way to extend a shallow network is to pass its output $y$ into a second shallow
network (with parameters $\theta'$, $\phi'$). The second network folds and re-maps the
piecewise-linear function of the first (Figure~\ref{fig:composition}).
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Composing two shallow ReLU networks: the first maps $x$ to $y$, the second maps
$y$ to $y'$; the composition has more linear regions than either network alone.}
\label{fig:composition}
\end{figure}

\subsection*{Changing perspective}
Inserting the first network's output into the second network's hidden units gives a deep
network with two hidden layers (here with two hidden units each):
@composition_tex
The second layer's weights form a rank-one matrix, $@psi$: a
general two-layer network, with all of $\boldsymbol\Omega_1$ free, is strictly more flexible.

\subsection*{Matrix notation}
With $\mathbf{h}_k$ the vector of hidden units of layer $k$, $\boldsymbol\beta_k$ the biases
and $\boldsymbol\Omega_k$ the weights, the two-layer network is
@two_tex
and in general, with $K$ hidden layers of widths $D_1, \dots, D_K$ (here $@D_i$, @hidden layers
of @width units, $@D_o$):
@general_tex
Element by element, the two-layer network reads
@scalar_tex
These matrix products are what GPUs compute fast. The matrix equations, expanded element by
element, equal the scalar equations (checked symbolically), and each network compiled from
SymPy agrees with the PyTorch network of the same spec (float64).
"""


def section(*, title: str, figure: str, composition_tex: str, two_tex: str, general_tex: str, scalar_tex: str,
            psi: str, D_i: str, D_o: str, hidden: int, width: int) -> str:
    """The section: composing two shallow networks, the deep network they make, matrix notation
    (``psi``, ``D_i``, ``D_o``: printed formulas; ``hidden`` layers of ``width`` units)."""
    return fill(SECTION, title=title, figure=figure, composition_tex=composition_tex, two_tex=two_tex,
                general_tex=general_tex, scalar_tex=scalar_tex, psi=psi, D_i=D_i, D_o=D_o, hidden=hidden, width=width)


def nested_line(net) -> str:
    r"""``y = beta_K + Omega_K a[... a[beta_0 + Omega_0 x]]`` (the left side ``\mathbf{y}``),
    from the network's matrix lines."""
    lines = net.matrix_equations_latex()
    out = lines[-1]
    for k in range(net.K, 0, -1):
        out = out.replace(fill(r"\mathbf{h}_{@k}", k=k), lines[k - 1].split(" = ", 1)[1])
    return out


def by_layer(lines: list[str]) -> dict[str, list[str]]:
    """Scalar equations grouped as "layer 1", "layer 2", ..., "output" (h_{k,i} lines by k)."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        left = line.split(" = ", 1)[0]
        key = f"layer {left[3:].split(',')[0]}" if left.startswith("h_{") else "output"
        groups.setdefault(key, []).append(line)
    return groups
