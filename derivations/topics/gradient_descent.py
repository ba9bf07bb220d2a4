"""Topic: gradient descent (the 1-D linear-regression iterates, and one step of the trainer).

    python -m derivations.topics.gradient_descent --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import TOLERANCES, compare
from derivations.checks.printed import Formulas
from derivations.figures.training import trajectory_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import compared
from derivations.topics.texts import gradient_descent as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.datasets import make_dataset
from numeric.training import TrainConfig, Trainer
from symbolic.losses.sample import sample_loss
from symbolic.training import updates
from symbolic.training.gradient_descent import (least_squares_loss, lecture_linear_regression, linear_regression_descent,
                                                linear_regression_iterates, network_gradient, phi_0, phi_1)
from symbolic.spec import NetworkSpec

TITLE = "Gradient descent"
SLUG = "gradient_descent"
ONE_STEP_LR = 0.01
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("ONE_STEP_LR",)

# The lecture's symbols: the gradient dL/dphi of the loss, the per-sample gradients dl_i/dphi.
i, I = sp.symbols("i I", integer=True, positive=True)
dL = sp.Symbol("dL/dphi", real=True)
dl = sp.IndexedBase("dl/dphi", real=True)
x, y = sp.symbols("x y", real=True)
#: How the prose and the displays write these symbols (the update rules' names besides).
NAMES = {r"\frac{\partial L}{\partial \boldsymbol\phi}": dL, r"\frac{\partial \ell_i}{\partial \boldsymbol\phi}": dl[i],
         **{text: symbol for symbol, text in updates._LATEX.items()}}
#: The 1-D linear regression model whose least-squares loss the exact iterates descend.
MODEL = phi_0 + phi_1 * x


def rule() -> list[sp.Equality]:
    """Gradient descent: the gradient, a sum over the I samples, and the update, which is
    :func:`~symbolic.training.updates.update_rule` ``("sgd")`` with the whole sum as its gradient."""
    (new, step), = updates.update_rule("sgd")
    return [sp.Eq(dL, sp.Sum(dl[i], (i, 1, I))), sp.Eq(new, step.xreplace({updates.g: dL}))]


def rule_step(rows: list[sp.Equality], spec: NetworkSpec, loss: str, tensors: dict, X: np.ndarray, Y: np.ndarray,
              lr: float) -> dict[str, np.ndarray]:
    """The printed ``rows`` evaluated: the sum over the I samples of the per-sample gradients
    (``sympy.diff``, compiled), then the update with alpha = ``lr``; the new parameters by tensor name."""
    gradient, update = rows
    fn, net, _ = network_gradient(spec, loss)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    args = [X[:, k] for k in range(X.shape[1])] + sample_loss(loss, net.outputs).target_columns(Y)
    args += [np.asarray(tensors[p.tensor], dtype=np.float64)[p.index] for p in net.parameters]
    total = gradient.rhs.subs(I, X.shape[0]).doit()  # dl[1] + ... + dl[I]
    new = sp.lambdify([updates.phi, dL, updates.alpha], update.rhs, "numpy")
    out = {name: np.array(value, dtype=np.float64, copy=True) for name, value in tensors.items()}
    for p, per_sample in zip(net.parameters, fn(*args)):
        summed = float(total.xreplace({dl[k + 1]: sp.Float(float(v), 17) for k, v in enumerate(per_sample)}))
        out[p.tensor][p.index] = new(out[p.tensor][p.index], summed, lr)
    return out


def one_step_check(spec: NetworkSpec, loss: str, dataset: str, rows: list[sp.Equality] | None = None) -> dict:
    """One full-batch step of the torch trainer (float64, CPU) vs the printed rule ``rows``
    evaluated on the compiled symbolic gradient."""
    data = make_dataset(dataset)
    trainer = Trainer(spec, loss, data, TrainConfig(optimizer="gd", lr=ONE_STEP_LR, epochs=1, device="cpu",
                                                    dtype="float64", progress=False))
    before = {k: np.array(v) for k, v in trainer.model.tensors().items()}
    after = trainer.run().params
    symbolic = rule_step(rows or rule(), spec, loss, before, data.X, data.Y, ONE_STEP_LR)
    c = compare(f"one gradient-descent step, {spec.describe()} {loss} on {dataset} (I = {data.I}): "
                f"the printed rule on the compiled symbolic gradient vs PyTorch trainer",
                np.concatenate([symbolic[k].ravel() for k in before]),
                np.concatenate([np.asarray(after[k]).ravel() for k in before]), TOLERANCES[torch.float64])
    return compared(c, method="float64, relative error of the parameters")


def _printed(rows: list[sp.Equality], example) -> tuple[Formulas, dict[str, object]]:
    """The rule's display (and its two rows alone, for slides) and the prose's formulas, printed
    from the objects the checks evaluate and read back."""
    formulas = Formulas(SLUG, names=NAMES)
    gradient_tex = r"\frac{\partial L}{\partial \boldsymbol\phi} = \sum_{i=1}^{I} \frac{\partial \ell_i}{\partial \boldsymbol\phi}"
    update_tex = r"\boldsymbol\phi_{t+1} = \boldsymbol\phi_{t} - \alpha \frac{\partial L}{\partial \boldsymbol\phi}"
    printed = {
        "rule": formulas.display(rows, "rule", typed=[gradient_tex, update_tex], notes=[",", ","]),
        "gradient": formulas.display(rows[:1], "gradient", typed=[gradient_tex]),
        "update": formulas.display(rows[1:], "update", typed=[update_tex]),
        "model": formulas(sp.Eq(y, MODEL), "model", typed=r"y = \phi_0 + \phi_1 x"),
        "alpha": formulas(sp.Eq(updates.alpha, example.alpha), "learning rate", typed=r"\alpha = 1/20"),
        "start_0": formulas(sp.Eq(phi_0, example.start[0]), "start", typed=r"\phi_0 = 2"),
        "start_1": formulas(sp.Eq(phi_1, example.start[1]), "start", typed=r"\phi_1 = -1/2"),
    }
    solution = least_squares_solution(example)
    printed |= {f"solution_{k}": formulas(sp.Eq(p, solution[p]), "least-squares solution",
                                          typed=f"\\phi_{k} = {sp.numer(solution[p])}/{sp.denom(solution[p])}")
                for k, p in enumerate((phi_0, phi_1))}
    for key, shown in printed.items():
        shown.record["id"] = f"printed.{key}"
    return formulas, printed


def least_squares_solution(example) -> dict[sp.Symbol, sp.Rational]:
    """The minimum of the least-squares loss: where both derivatives vanish (exact)."""
    loss = least_squares_loss(example.x, example.y)
    return sp.solve([sp.diff(loss, phi_0), sp.diff(loss, phi_1)], [phi_0, phi_1], dict=True)[0]


def approach_check(iterates: np.ndarray, solution: dict) -> dict:
    """The last iterate is within 1e-3 of the least-squares solution (each coordinate)."""
    gap = float(np.max(np.abs(iterates[-1] - [float(solution[phi_0]), float(solution[phi_1])])))
    return record(f"after {len(iterates) - 1} steps the iterates are within 1e-3 of the least-squares solution",
                  "bound", gap, gap <= 1e-3, "float64, largest coordinate gap", id="approach")


def model_check(example) -> dict:
    """The printed model is the model of the loss the iterates descend: (y - f)^2 summed is the loss."""
    loss = least_squares_loss(example.x, example.y)
    ours = sp.Add(*[(MODEL.subs(x, xi) - yi) ** 2 for xi, yi in zip(example.x, example.y)])
    same = sp.expand(loss - ours) == 0
    return record("the printed model y = phi_0 + phi_1 x is the model of the least-squares loss", "exact",
                  0.0 if same else float("inf"), same, "symbolic (expanded)", id="model")


def build(ctx: TopicContext) -> TopicResult:
    example = lecture_linear_regression()
    derivation = linear_regression_descent(example, steps=3)
    derivation.check()
    records = derivation.records()
    rows = rule()
    formulas, printed = _printed(rows, example)
    steps = [one_step_check(NetworkSpec((1, 3, 1), "relu"), "least-squares", "regression-1d", rows),
             one_step_check(NetworkSpec((2, 3, 1), "tanh"), "bernoulli", "binary-2d", rows)]
    records += steps

    iterates = linear_regression_iterates(example, steps=60)  # (61, 2)
    xs = np.array([float(v) for v in example.x])
    ys = np.array([float(v) for v in example.y])

    def loss(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
        return sum((p0 + p1 * xi - yi) ** 2 for xi, yi in zip(xs, ys))

    figure = ctx.save_figure(trajectory_figure(loss, iterates, xs, ys), "gradient_descent_trajectory")
    descent_records = list(records[:-2])
    records += [model_check(example), approach_check(iterates, least_squares_solution(example)), *formulas.records]
    assign_ids(SLUG, records)
    # one trainer step = the printed rule evaluated on the summed symbolic gradient
    rule_records = [printed["rule"].record, *steps]
    tex = text.section(title=TITLE, rule_tex=tagged(printed["rule"].latex, rule_records),
                       descent_tex=tagged(derivation.to_latex(), descent_records), iterates=iterates, figure=figure,
                       relu_error=steps[0]["max_error"], tanh_error=steps[1]["max_error"],
                       model=str(printed["model"]), alpha=str(printed["alpha"]), start_0=str(printed["start_0"]),
                       start_1=str(printed["start_1"]), solution_0=str(printed["solution_0"]),
                       solution_1=str(printed["solution_1"]))
    displays = {
        "gradient": Display(printed["gradient"].latex, [printed["gradient"].record, *steps]),
        "update": Display(printed["update"].latex, [printed["update"].record, *steps]),
        "descent": Display(derivation.to_latex(), descent_records, derivation),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
