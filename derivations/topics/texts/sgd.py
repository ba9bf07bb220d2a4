"""What the notes say about stochastic gradient descent (``derivations.topics.sgd``)."""

from __future__ import annotations

import math

from derivations.topics.texts import fill

__all__ = ["section", "UPDATE", "rounded_loss"]

#: The SGD update, as the lecture's slide writes it (read back against ``update_rule("sgd")``).
UPDATE = (r"\boldsymbol\phi_{t+1} = \boldsymbol\phi_t - \alpha \sum_{i \in \mathcal{B}_t}"
          r"\frac{\partial \ell_i[\boldsymbol\phi_t]}{\partial \boldsymbol\phi}")

SECTION = r"""\section{@title}
The loss is a sum of one term per training sample, $@loss$.
Gradient descent uses all of them in every step; stochastic gradient descent (SGD) adds
noise to the optimisation by using only a random subset $\mathcal{B}_t$ of the samples, a
\emph{batch}, in each step, with the gradient summed over the batch:
@sgd_tex
The batch holds from one sample to the whole training set (then SGD is gradient descent).
A full pass through the training set is an \emph{epoch}: the samples are shuffled without
replacement and cut into batches, so every sample is used exactly once per epoch.

We train a shallow network (@spec, least squares) on the $@I_tex$ points
of the 1-D regression toy data with \texttt{deepderive train --optimizer sgd --lr @lr
--batch-size @batch --epochs @epochs}: $@n_batches$ batches per epoch (the last holds
$@last_batch$ samples), @steps steps in all. The gradient of each
step is the loss summed over the batch, as in the formula above.

\paragraph{Monitoring and checkpointing.} Every step and every epoch appends a row to
\texttt{metrics.csv} (the loss per sample of the first five epochs:
@first_losses); a checkpoint with the parameters, the optimizer state, the epoch and step
and every random state is written atomically every @checkpoint_every epochs (kept: @checkpoints). This
run was stopped after @half epochs and resumed from its checkpoint; it ends with the
same parameters as an uninterrupted run (checked). The final loss is
$@final_loss$ ($@loss_per_sample$ per sample).
\begin{figure}[h]
\centering
\includegraphics[width=0.49\textwidth]{@curve}
\includegraphics[width=0.49\textwidth]{@fit}
\caption{Left: loss per sample of each batch (grey) and of each epoch (blue). Right: the
trained network through the data.}
\end{figure}

The trained parameters substituted into the symbolic network (shown to three digits; the
full numbers reproduce PyTorch's predictions to @twin_error):
@trained_tex

\paragraph{Momentum and Adam.} Momentum (Prince eq.~6.11) replaces the gradient by a running
average $\mathbf{m}_t$ of the gradients (starting at $@m_0$):
@momentum_tex
Adam (eqs.~6.15--6.17) also keeps a running average $\mathbf{v}_t$ of the squared gradients,
corrects both for their start at $\mathbf{0}$ and divides elementwise:
@adam_tex
For each of the three rules, one epoch of \texttt{deepderive train} (a @step_spec
network, least squares, the first $@step_I$ samples, batches of @step_batches) ends at the
parameters these equations give when evaluated on the symbolic gradient summed over exactly the
same batches (float64; the rules are evaluated from the printed SymPy expressions).
"""


def rounded_loss(loss: float) -> str:
    """The final loss as the notes print it (four decimals)."""
    return f"{loss:.4f}"


def section(*, title: str, spec, I: int, lr: float, batch: int, epochs: int, stopped_after: int, steps: int,
            epoch_rows: list[dict],
            checkpoints: list[str], loss_per_sample: float, curve: str, fit: str, twin_error: float,
            sgd_tex: str, trained_tex: str, momentum_tex: str, adam_tex: str, step_spec, loss: str, final_loss: str,
            m_0: str, step_I: str, I_tex: str, step_batches: list[int], checkpoint_every: int) -> str:
    """The section: SGD's rule, the training run (``epoch_rows``: metrics.csv's epoch rows,
    ``checkpoints``: the files kept), the trained network, momentum and Adam (``step_spec``:
    the network of their one-epoch checks); ``loss``, ``final_loss``, ``m_0``, ``step_I``,
    ``I_tex``: the prose's formulas, printed and read back; ``step_batches``: the batch sizes the
    one-epoch checks used, ``checkpoint_every``: the run's checkpoint interval in epochs."""
    *first, last = step_batches
    n_batches = math.ceil(I / batch)
    return fill(SECTION, title=title, sgd_tex=sgd_tex, spec=spec.describe(), I_tex=I_tex, lr=f"{lr:g}", batch=batch,
                epochs=epochs, n_batches=n_batches, last_batch=I - (n_batches - 1) * batch, steps=steps,
                first_losses=", ".join(f"{r['loss_per_sample']:.3f}" for r in epoch_rows[:5]),
                checkpoints=", ".join(fill(r"\texttt{@name}", name=name) for name in checkpoints), half=stopped_after,
                final_loss=final_loss, loss_per_sample=f"{loss_per_sample:.4f}", curve=curve, fit=fit,
                twin_error=f"{twin_error:.0e}", trained_tex=trained_tex, momentum_tex=momentum_tex, adam_tex=adam_tex,
                step_spec=step_spec.describe(), step_I=step_I, loss=loss, m_0=m_0, checkpoint_every=checkpoint_every,
                step_batches=", ".join(map(str, first)) + (" and " if first else "") + str(last))
