"""What the notes say about backpropagation (``derivations.topics.backprop``)."""

from __future__ import annotations

from derivations.topics.texts import fill
from symbolic.spec import ACTIVATIONS

__all__ = ["chain_rule", "deep_network", "number", "MODEL", "LOSS", "INPUT_LAYER", "WEIGHT_DERIVATIVE"]

#: The book's name of the composed model, and its least-squares loss (read back: the name as
#: the composed expression).
MODEL = r"f[x, \boldsymbol\phi]"
LOSS = r"\ell = (y - " + MODEL + ")^2"
#: The derivative of the loss with respect to a weight, inline as the book writes it.
WEIGHT_DERIVATIVE = r"\partial\ell/\partial\omega_{k}"
#: The input as the zeroth layer's activations, as the book writes it.
INPUT_LAYER = r"\mathbf{h}_0 = \mathbf{x}"

CHAIN_RULE = r"""\section{@title}
Backpropagation is an efficient way to compute the derivatives of the loss with respect to
every parameter: it applies the chain rule. A \emph{forward pass} computes and stores every
intermediate value needed for the loss; a \emph{backward pass} then goes through the same
intermediates in reverse order, multiplying each derivative found so far by one small local
derivative. Below, SymPy derives the backward pass from the forward pass (one
\texttt{sympy.diff} per assignment), never by expanding the loss into one expression.

\subsection*{The chain rule on a composed function}
Take the one-input model
$@model$ and the least-squares loss
$@loss$, at $@given$. The forward pass stores every intermediate:
@forward_tex
Each step of the backward pass needs one local derivative, read off its assignment:
@factors_tex
The backward pass multiplies them, from the loss back to the first layer; the derivatives with
respect to the parameters follow from those with respect to the $f_k$:
@backward_tex
Every value here equals the one PyTorch's autograd computes (largest relative error
@autograd_error), and at this point every derivative agrees with \texttt{sympy.diff} of
the composed loss (evaluated to 30 digits, largest absolute error @diff_error). Figure~\ref{fig:backprop-tangents}
shows each derivative $@weight_derivative$ as the slope of the loss along $\omega_k$.
\begin{figure}[h]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{The chain-rule example: the loss $\ell$ as one weight $\omega_k$ varies (the others
fixed at the worked values), and the line through the worked point whose slope is the
backpropagated $@weight_derivative$.}
\label{fig:backprop-tangents}
\end{figure}

"""

DEEP_NETWORK = r"""\subsection*{Backpropagation in a deep network}
For a deep network the same two passes, written per layer, read (with
$\odot$ the elementwise product, $@input_layer$, and here
$@slope$, the derivative SymPy finds for the activation):
@matrix_tex
These are checked element by element against the derived program for the network below
(@matrix_verdict). For the @small network of
@small_parameters parameters with the least-squares loss, the whole program is:
@program_tex
It has @n_assignments assignments and @n_program operations;
the gradients written out as expressions of $x$ and the parameters instead take @n_ops
operations, and the gap widens with every layer. The program's gradient agrees with
\texttt{sympy.diff} of the substituted loss at 3 random exact points (evaluated to 50 digits,
largest relative error @witness).

Compiled to PyTorch, the derived gradients agree with autograd on the PyTorch twin of each
network, for each of the @n_activations registered activations with each of the @n_losses registered losses
(@n_networks networks; random inputs, kept away from the kinks; largest relative error of a
gradient @grid_worst, float64). On the same networks the compiled outputs and per-sample losses
agree with the twin's (largest relative error @values_worst), and for the @n_oracle losses that
have a \texttt{torch.distributions} object the per-sample loss agrees with its negative
log-probability (largest relative error @oracle_worst). The derived gradients agree with
autograd also with pre-activations exactly at $0$, where the pieces of @kinked meet
(relative error @kink_worst), and layer by layer, as matrix products, for the @big network
(@big_parameters parameters; largest relative error of a gradient @big_worst).
"""


def number(value) -> str:
    """A worked example's number as printed: four decimals."""
    return f"{float(value):.4f}"


def chain_rule(*, title: str, printed: dict, forward_tex: str, factors_tex: str, backward_tex: str,
               autograd_error: float, diff_error: float, figure: str) -> str:
    """The section's opening and the worked chain rule; ``printed`` holds the read-back model,
    loss, given values and a weight's derivative."""
    return fill(CHAIN_RULE, title=title, model=printed["model"], loss=printed["loss"],
                given=", ".join(str(p) for p in printed["given"]), weight_derivative=printed["slope"],
                forward_tex=forward_tex,
                factors_tex=factors_tex, backward_tex=backward_tex, autograd_error=f"{autograd_error:.1e}",
                diff_error=f"{diff_error:.1e}", figure=figure)


def _titles(names: list[str]) -> str:
    """Activations by their registry titles: "ReLU, ELU and Heaviside step"."""
    titles = [ACTIVATIONS.get(n).title for n in names]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def deep_network(*, slope, input_layer, matrix_tex: str, matrix_passed: bool, small, program_tex: str,
                 n_assignments: int, n_program: int, n_ops: int, witness: float, grid: list[dict], kink: dict, big,
                 big_worst: float) -> str:
    """Backpropagation through a deep network: the matrix form, the whole program of the
    ``small`` network, and the compiled programs against PyTorch, from their records: ``grid``
    (the gradients vs autograd, the outputs and losses vs the twin, the losses vs
    ``torch.distributions``, each naming the activations and losses it covers), ``kink`` (the
    gradients at the kinks, naming its activations) and ``big`` (the largest network)."""
    gradients, values, oracle = grid
    return fill(DEEP_NETWORK, slope=slope, input_layer=input_layer, matrix_tex=matrix_tex,
                matrix_verdict="passed" if matrix_passed else "FAILED", small=small.describe(),
                small_parameters=small.n_parameters, program_tex=program_tex, n_assignments=n_assignments,
                n_program=n_program, n_ops=n_ops, witness=f"{witness:.1e}",
                n_activations=len(gradients["activations"]), n_losses=len(gradients["losses"]),
                n_networks=gradients["networks"],
                grid_worst=f"{gradients['max_error']:.1e}", values_worst=f"{values['max_error']:.1e}",
                n_oracle=len(oracle["losses"]), oracle_worst=f"{oracle['max_error']:.1e}",
                kinked=_titles(kink["activations"]), kink_worst=f"{kink['max_error']:.1e}", big=big.describe(),
                big_parameters=big.n_parameters, big_worst=f"{big_worst:.1e}")
