"""What the notes say about gradient descent (``derivations.topics.gradient_descent``)."""

from __future__ import annotations

from derivations.topics.texts import fill

__all__ = ["section"]

SECTION = r"""\section{@title}
Having defined a loss, we need the parameters that minimise it. Gradient descent uses the
gradient of the loss to get there, repeating two steps: compute the gradient of the loss
with respect to the parameters, then move the parameters a small distance against it,
@rule_tex
where the learning rate $\alpha$ sets the size of the step. For the 1-D linear regression
model $@model$ with the least-squares loss everything can be done exactly
(every step below is checked; the iterates are checked against the update applied to the
\texttt{sympy.diff} gradient):
@descent_tex
After @n_steps steps the iterates reach $(@phi_0, @phi_1)$ (to four decimals),
close to the least-squares solution $@solution_0$, $@solution_1$ (checked); the slope overshoots back and forth because
$\alpha$ is close to the largest stable step along the steep direction of the loss surface.
\begin{figure}[h]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Gradient descent on the least-squares loss of 1-D linear regression
($@alpha$, from $@start_0$, $@start_1$): the iterates on the loss surface
(left) and the first and last lines through the data (right).}
\end{figure}

The same step for a neural network is taken by the PyTorch trainer (\texttt{deepderive
train --optimizer gd}), whose gradient is the loss \emph{summed} over the samples, as in
the lecture. One step from the same initial parameters agrees with the step the equations
above give on the compiled symbolic gradient to float64 rounding (relative error
@relu_error for a 1-3-1 ReLU network with least squares and
@tanh_error for a 2-3-1 tanh network with the Bernoulli loss).
"""


def section(*, title: str, rule_tex: str, descent_tex: str, iterates, figure: str, relu_error: float,
            tanh_error: float, model: str, alpha: str, start_0: str, start_1: str, solution_0: str,
            solution_1: str) -> str:
    """The section: the rule, the exact iterates of 1-D linear regression (``iterates``: the
    start and every step; the last is quoted),
    and one step of the trainer against the printed rule (its relative errors); ``model``,
    ``alpha``, ``start_0``, ``start_1``, ``solution_0``, ``solution_1``: the example's model, learning
    rate, start and least-squares solution, printed."""
    final = iterates[-1]
    return fill(SECTION, title=title, rule_tex=rule_tex, descent_tex=descent_tex, phi_0=f"{final[0]:.4f}",
                phi_1=f"{final[1]:.4f}", n_steps=len(iterates) - 1, figure=figure, relu_error=f"{relu_error:.1e}",
                tanh_error=f"{tanh_error:.1e}",
                model=model, alpha=alpha, start_0=start_0, start_1=start_1, solution_0=solution_0,
                solution_1=solution_1)
