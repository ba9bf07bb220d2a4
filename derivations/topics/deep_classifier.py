"""Worked example for the notes: a deep network trained for binary classification.

A 2-8-8-1 ReLU network with the Bernoulli loss (binary cross-entropy on the logit),
trained with Adam by the numeric trainer on the lecture's 2-D binary toy data, on the
notes' device. The trained numbers go back into the symbolic network, whose compiled
predictions must equal PyTorch's (float64). Used by the SGD topic (``derivations.topics.sgd``).
"""

from __future__ import annotations

import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import TOLERANCES, compare, compile_outputs, evaluate_outputs
from derivations.checks.printed import Formulas
from derivations.figures.training import decision_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import compared
from derivations.topics.deep_networks import matrix_names, matrix_rows
from derivations.topics.texts import deep_classifier as text
from derivations.topics.topic import TopicContext
from numeric.datasets import make_dataset
from numeric.model import DeepNetworkModule
from numeric.training import TrainConfig, Trainer
from symbolic.core.printing import latex, latex_lines
from symbolic.losses.lecture import bernoulli
from symbolic.networks.network import deep_network
from symbolic.spec import NetworkSpec

SPEC = NetworkSpec((2, 8, 8, 1), "relu")
EPOCHS, BATCH, LR = 150, 16, 0.02
#: The Bernoulli loss's model: its link lambda = sig[f] and its prediction (y = 1 where lambda > 1/2).
MODEL = bernoulli()
(LAMBDA, LINK), = MODEL.link.items()
(PREDICTED, ABOVE), _ = MODEL.mode.args  # (1, lambda > 1/2), (0, True)
THRESHOLD = ABOVE.rhs
# The lecture's symbols of the prose: I samples, the learning rate, the loss, the prediction, the logit.
I, alpha, L = sp.Symbol("I", integer=True, positive=True), sp.Symbol("alpha", positive=True), sp.Symbol("L", real=True)
y_hat, logit = sp.Symbol("yhat", real=True), sp.Symbol("f_x", real=True)
NAMES = {r"L[\boldsymbol\phi]": L, r"\hat y": y_hat, r"f[\mathbf{x}, \boldsymbol\phi]": logit}


def deep_classifier_section(ctx: TopicContext) -> tuple[str, list[str], list[dict]]:
    """LaTeX subsection, figures and records of the trained deep classifier."""
    data = make_dataset("binary-2d")
    config = TrainConfig(optimizer="adam", lr=LR, batch_size=BATCH, epochs=EPOCHS, seed=ctx.seed,
                         device=ctx.device, progress=False)
    trainer = Trainer(SPEC, "bernoulli", data, config)
    result = trainer.run()

    # The trained numbers in float64 on the CPU: torch twin vs the compiled symbolic network.
    twin = DeepNetworkModule(SPEC).load_tensors(result.params)
    net = deep_network(SPEC)
    c, f_torch = _twin_check(net, twin, data, result.params)
    records = [compared(c)]
    lam = torch.sigmoid(f_torch)
    accuracy = float(((lam > float(THRESHOLD)).double() * float(PREDICTED) == torch.as_tensor(data.Y[:, 0])).double().mean())

    # The matrix equations and, with the trained numbers (three digits), the first hidden unit and the output.
    values = {s: sp.Float(f"{float(v):.3g}") for s, v in net.parameter_values(result.params).items()}
    program = dict(net.program)
    trained_rows = [sp.Eq(net.h[1][0], program[net.h[1][0]].xreplace({net.f[0][0]: program[net.f[0][0]]}).xreplace(values)),
                    sp.Eq(net.outputs[0], program[net.outputs[0]].xreplace(values))]
    figure = _decision_figure(ctx, twin, data)

    shown = Formulas("sgd", names=matrix_names(net))
    matrix = shown.display(matrix_rows(net), f"{SPEC.describe()} network in matrix notation",
                           typed=net.matrix_equations_latex())
    trained = shown.display(trained_rows, "trained classifier's first hidden unit and output, three digits",
                                     typed=[f"{name} = " + "\\\\\n&\\qquad ".join(latex_lines(row.rhs))
                                            for name, row in zip((latex(net.h[1][0]), "y"), trained_rows)])
    prose = _prose(data, result)
    matrix.record["id"], trained.record["id"] = "printed.classifier.matrix", "printed.classifier.trained"
    records += shown.records + [p.record for p in prose.values()]

    assign_ids("sgd", records)  # this section is part of the SGD topic
    tex = text.section(spec=SPEC, batch=BATCH, epochs=EPOCHS, result=result,
                       device=trainer.device.type, accuracy=accuracy,
                       matrix_tex=tagged(matrix.latex, [matrix.record, records[0]]),
                       trained_tex=tagged(trained.latex, [trained.record, records[0]]), twin_error=c.max_rel,
                       figure=figure, **{k: str(v) for k, v in prose.items()})
    return tex, [figure], records


def _prose(data, result) -> dict:
    """The subsection's formulas, printed from the constants and the loss model the code uses
    and read back: the link, I, alpha, the final loss, the prediction and its threshold."""
    formulas = Formulas("sgd", names=NAMES)
    f = MODEL.outputs[0]
    prose = {
        "link": formulas(sp.Eq(LAMBDA, LINK), "Bernoulli link"),
        "I": formulas(sp.Eq(I, data.I), "classifier's training samples"),
        "lr": formulas(sp.Eq(alpha, sp.Float(repr(LR))), "classifier's learning rate"),
        "loss": formulas(sp.Eq(L, sp.Float(text.rounded_loss(result.loss))), "classifier's final loss (two decimals)",
                         typed=f"L[\\boldsymbol\\phi] = {text.rounded_loss(result.loss)}"),
        "predicted": formulas(sp.Eq(y_hat, PREDICTED), "predicted class", typed=r"\hat y = 1"),
        "threshold": formulas(THRESHOLD, "decision threshold", typed="1/2"),
        "caption_link": formulas(sp.Eq(LAMBDA, LINK.xreplace({f: logit})), "Bernoulli link of the network's logit",
                                 typed=r"\lambda = \mathrm{sig}\left[f[\mathbf{x}, \boldsymbol\phi]\right]"),
        "boundary": formulas(sp.Eq(LAMBDA, THRESHOLD), "decision boundary", typed=r"\lambda = 1/2"),
    }
    for key, shown in prose.items():
        shown.record["id"] = f"printed.classifier.{key}"
    return prose


def _twin_check(net, twin, data, params):
    """The compiled symbolic logits with the trained numbers vs the twin's, on every training
    point: the comparison and the twin's logits f[x_i, phi] (I,)."""
    X = torch.as_tensor(data.X, dtype=torch.float64)  # (I, 2)
    tensors = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in params.items()}
    with torch.no_grad():
        f_torch = twin(X)[:, 0]  # logits f[x_i, phi]
        f_symbolic = evaluate_outputs(net, X, tensors, compile_outputs(net, "torch"))[:, 0]
    c = compare("deep classifier (2-8-8-1 relu, Bernoulli): compiled symbolic logits with the trained numbers vs "
                "PyTorch twin (all training points)", f_symbolic, f_torch, TOLERANCES[torch.float64])
    return c, f_torch


def _decision_figure(ctx: TopicContext, twin, data) -> str:
    """lambda = sig[f] of the trained twin on a grid over [-1, 1]^2, with the training points."""
    grid = np.linspace(-1.0, 1.0, 201)
    gx, gy = np.meshgrid(grid, grid)
    G = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))  # (201^2, 2)
    with torch.no_grad():
        lam = torch.sigmoid(twin(G)[:, 0]).numpy().reshape(gx.shape)  # lambda = sig[f]
    return ctx.save_figure(decision_figure(data.X, data.Y[:, 0], gx, gy, lam), "deep_classifier")
