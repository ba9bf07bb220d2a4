"""What the notes say about the trained deep classifier (``derivations.topics.deep_classifier``)."""

from __future__ import annotations

from derivations.topics.texts import fill
from symbolic.core.printing import latex, latex_lines

__all__ = ["section", "trained_lines"]

SECTION = r"""\subsection*{A deep network for binary classification}
The same trainer fits deep networks to any of the losses. A network with two hidden layers
of eight ReLU units (@parameters parameters) predicts the logit $f$ of a Bernoulli
distribution, $\lambda = \mathrm{sig}[f]$, for the $I = @I$ points of the 2-D binary
toy data; Adam ($\alpha = @lr$, batches of @batch, @epochs epochs, @steps steps on
\texttt{@device}) minimises the binary cross-entropy summed over each batch. The
final loss is $L[\boldsymbol\phi] = @loss$ ($@loss_per_sample$ per
sample); predicting $\hat y = 1$ where $\lambda > 1/2$ classifies @accuracy\% of the
training points correctly (Figure~\ref{fig:deep-classifier}). In matrix notation the network is
@matrix_tex
and with the trained numbers (three digits shown) the first hidden unit and the output, the
logit $y = f[\mathbf{x}, \boldsymbol\phi]$, read
@trained_tex
With all digits, the symbolic network reproduces PyTorch's logits on every training point to a
relative error of @twin_error (float64).
\begin{figure}[ht]
\centering
\includegraphics[width=0.55\textwidth]{@figure}
\caption{The trained 2-8-8-1 network: $\lambda = \mathrm{sig}[f[\mathbf{x}, \boldsymbol\phi]]$
(shading), the decision boundary $\lambda = 1/2$ (black) and the training points.}
\label{fig:deep-classifier}
\end{figure}
"""


def section(*, spec, I: int, lr: float, batch: int, epochs: int, result, device: str, accuracy: float,
            matrix_tex: str, trained_tex: str, twin_error: float, figure: str) -> str:
    """The subsection: the training of ``spec`` (``result``: the trainer's), its accuracy, its
    equations in matrix form and with the trained numbers, and how well SymPy reproduces PyTorch."""
    return fill(SECTION, parameters=spec.n_parameters, I=I, lr=f"{lr:g}", batch=batch, epochs=epochs,
                steps=result.steps, device=device, loss=f"{result.loss:.2f}",
                loss_per_sample=f"{result.loss_per_sample:.3f}", accuracy=f"{100 * accuracy:.0f}",
                matrix_tex=matrix_tex, trained_tex=trained_tex, twin_error=f"{twin_error:.0e}", figure=figure)


def trained_lines(f01, output) -> list[str]:
    """``h_{1,1} = ReLU[f01]`` and ``y = output`` (broken over lines) for an ``align*``."""
    return [fill(r"h_{1,1} = \mathrm{ReLU}\left[@f\right]", f=latex(f01)),
            "y = " + "\\\\\n&\\qquad ".join(latex_lines(output))]
