"""Topic: gradient descent (the 1-D linear-regression iterates, and one step of the trainer).

    python -m derivations.topics.gradient_descent --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import torch

from derivations.checks.crosscheck import TOLERANCES, compare
from derivations.figures.training import trajectory_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.datasets import make_dataset
from numeric.training import TrainConfig, Trainer
from symbolic.training.gradient_descent import (lecture_linear_regression, linear_regression_descent,
                                       linear_regression_iterates, network_gradient_step)
from symbolic.spec import NetworkSpec

TITLE = "Gradient descent"
SLUG = "gradient_descent"
ONE_STEP_LR = 0.01
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("ONE_STEP_LR",)


def one_step_check(spec: NetworkSpec, loss: str, dataset: str) -> dict:
    """One full-batch step of the torch trainer (float64, CPU) vs the compiled symbolic gradient."""
    data = make_dataset(dataset)
    trainer = Trainer(spec, loss, data, TrainConfig(optimizer="gd", lr=ONE_STEP_LR, epochs=1, device="cpu",
                                                    dtype="float64", progress=False))
    before = {k: np.array(v) for k, v in trainer.model.tensors().items()}
    after = trainer.run().params
    symbolic = network_gradient_step(spec, loss, before, data.X, data.Y, ONE_STEP_LR)
    c = compare(f"one gradient-descent step, {spec.describe()} {loss} on {dataset} (I = {data.I}): "
                f"compiled symbolic gradient vs PyTorch trainer",
                np.concatenate([symbolic[k].ravel() for k in before]),
                np.concatenate([np.asarray(after[k]).ravel() for k in before]), TOLERANCES[torch.float64])
    return record(c.name, "symbolic-vs-torch", c.max_rel, c.passed, "float64, relative error of the parameters")


def build(ctx: TopicContext) -> TopicResult:
    example = lecture_linear_regression()
    derivation = linear_regression_descent(example, steps=3)
    derivation.check()
    records = derivation.records()
    records.append(one_step_check(NetworkSpec((1, 3, 1), "relu"), "least-squares", "regression-1d"))
    records.append(one_step_check(NetworkSpec((2, 3, 1), "tanh"), "bernoulli", "binary-2d"))

    iterates = linear_regression_iterates(example, steps=60)  # (61, 2)
    x = np.array([float(v) for v in example.x])
    y = np.array([float(v) for v in example.y])

    def loss(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
        return sum((p0 + p1 * xi - yi) ** 2 for xi, yi in zip(x, y))

    figure = ctx.save_figure(trajectory_figure(loss, iterates, x, y), "gradient_descent_trajectory")
    final = iterates[-1]
    gradient = r"\frac{\partial L}{\partial \boldsymbol\phi} &= \sum_{i=1}^{I} \frac{\partial \ell_i}{\partial \boldsymbol\phi}"
    update = r"\boldsymbol\phi &\leftarrow \boldsymbol\phi - \alpha \frac{\partial L}{\partial \boldsymbol\phi}"
    assign_ids(SLUG, records)
    rule_tex = tagged(f"\\begin{{align*}}\n{gradient},\n& {update},\n\\end{{align*}}", records[-2:])
    descent_tex = tagged(derivation.to_latex(), records[:-2])
    tex = rf"""\section{{{TITLE}}}
Having defined a loss, we need the parameters that minimise it. Gradient descent uses the
gradient of the loss to get there, repeating two steps: compute the gradient of the loss
with respect to the parameters, then move the parameters a small distance against it,
{rule_tex}
where the learning rate $\alpha$ sets the size of the step. For the 1-D linear regression
model $y = \phi_0 + \phi_1 x$ with the least-squares loss everything can be done exactly
(every step below is checked; the iterates are checked against the update applied to the
\texttt{{sympy.diff}} gradient):
{descent_tex}
After 60 steps the iterates reach $\boldsymbol\phi^{{[60]}} \approx ({final[0]:.4f}, {final[1]:.4f})$,
close to the least-squares solution $(0.45, 0.7)$; the slope overshoots back and forth because
$\alpha$ is close to the largest stable step along the steep direction of the loss surface.
\begin{{figure}}[h]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Gradient descent on the least-squares loss of 1-D linear regression
($\alpha = 1/20$, from $\boldsymbol\phi^{{[0]}} = (2, -1/2)$): the iterates on the loss surface
(left) and the first and last lines through the data (right).}}
\end{{figure}}

The same step for a neural network is taken by the PyTorch trainer (\texttt{{deepderive
train --optimizer gd}}), whose gradient is the loss \emph{{summed}} over the samples, as in
the lecture. One step from the same initial parameters agrees with the step computed from
the compiled symbolic gradient to float64 rounding (relative error
{records[-2]['max_error']:.1e} for a 1-3-1 ReLU network with least squares and
{records[-1]['max_error']:.1e} for a 2-3-1 tanh network with the Bernoulli loss).
"""
    steps = records[-2:]  # one trainer step = phi - alpha dL/dphi with the summed symbolic gradient
    displays = {
        "gradient": Display(f"\\begin{{align*}}\n{gradient}\n\\end{{align*}}", steps),
        "update": Display(f"\\begin{{align*}}\n{update}\n\\end{{align*}}", steps),
        "descent": Display(derivation.to_latex(), records[:-2], derivation),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
