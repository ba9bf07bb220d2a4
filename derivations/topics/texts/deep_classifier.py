"""What the notes say about the trained deep classifier (``derivations.topics.deep_classifier``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section", "rounded_loss"]

SECTION = r"""\subsection*{A deep network for binary classification}
The same trainer fits deep networks to any of the losses. A network with two hidden layers
of eight ReLU units (@parameters parameters) predicts the logit $f$ of a Bernoulli
distribution, $@link$, for the $@I$ points of the 2-D binary
toy data; Adam ($@lr$, batches of @batch, @epochs epochs, @steps steps on
\texttt{@device}) minimises the binary cross-entropy summed over each batch. The
final loss is $@loss$ ($@loss_per_sample$ per
sample); predicting $@predicted$ where $\lambda$ exceeds $@threshold$ classifies @accuracy\% of the
training points correctly (Figure~\ref{fig:deep-classifier}). In matrix notation the network is
@matrix_tex
and with the trained numbers (three digits shown) the first hidden unit and the output $y$, the
logit $f[\mathbf{x}, \boldsymbol\phi]$, read
@trained_tex
With all digits, the symbolic network reproduces PyTorch's logits on every training point to a
relative error of @twin_error (float64).
\begin{figure}[ht]
\centering
\includegraphics[width=0.55\textwidth]{@figure}
\caption{The trained 2-8-8-1 network: $@caption_link$
(shading), the decision boundary $@boundary$ (black) and the training points.}
\label{fig:deep-classifier}
\end{figure}
"""


def rounded_loss(loss: float) -> str:
    """The final loss as the notes print it (two decimals)."""
    return f"{loss:.2f}"


def section(*, spec, batch: int, epochs: int, result, device: str, accuracy: float, matrix_tex: str, trained_tex: str,
            twin_error: float, figure: str, **printed: str) -> str:
    """The subsection: the training of ``spec`` (``result``: the trainer's), its accuracy, its
    equations in matrix form and with the trained numbers, and how well SymPy reproduces PyTorch;
    ``printed``: the prose's formulas, read back (``link``, ``I``, ``lr``, ``loss``,
    ``predicted``, ``threshold``, ``caption_link``, ``boundary``)."""
    return fill(SECTION, parameters=spec.n_parameters, batch=batch, epochs=epochs, steps=result.steps, device=device,
                loss_per_sample=f"{result.loss_per_sample:.3f}", accuracy=f"{100 * accuracy:.0f}",
                matrix_tex=matrix_tex, trained_tex=trained_tex, twin_error=f"{twin_error:.0e}", figure=figure,
                **printed)
