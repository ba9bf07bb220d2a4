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
from derivations.checks.verdicts import compared
from derivations.topics.texts import gradient_descent as text
from derivations.topics.topic import Display, TopicContext, TopicResult, topic_main
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
    return compared(c, method="float64, relative error of the parameters")


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
    assign_ids(SLUG, records)
    steps = records[-2:]  # one trainer step = phi - alpha dL/dphi with the summed symbolic gradient
    tex = text.section(title=TITLE, rule_tex=tagged(text.rule_display(), steps),
                       descent_tex=tagged(derivation.to_latex(), records[:-2]), final=iterates[-1], figure=figure,
                       relu_error=records[-2]["max_error"], tanh_error=records[-1]["max_error"])
    displays = {
        "gradient": Display(text.row_display(text.GRADIENT), steps),
        "update": Display(text.row_display(text.UPDATE), steps),
        "descent": Display(derivation.to_latex(), records[:-2], derivation),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
