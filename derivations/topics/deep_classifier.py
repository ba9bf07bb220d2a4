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
from derivations.figures.training import decision_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import compared
from derivations.topics.texts import deep_classifier as text
from derivations.topics.topic import TopicContext, align
from numeric.datasets import make_dataset
from numeric.model import DeepNetworkModule
from numeric.training import TrainConfig, Trainer
from symbolic.networks.network import deep_network
from symbolic.spec import NetworkSpec

SPEC = NetworkSpec((2, 8, 8, 1), "relu")
EPOCHS, BATCH, LR = 150, 16, 0.02


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
    accuracy = float(((f_torch > 0).double() == torch.as_tensor(data.Y[:, 0])).double().mean())

    # One hidden unit and the output, with the trained numbers (three digits).
    values = {s: sp.Float(float(v), 3) for s, v in net.parameter_values(result.params).items()}
    program = dict(net.program)
    lines = text.trained_lines(program[net.f[0][0]].xreplace(values), program[net.outputs[0]].xreplace(values))
    figure = _decision_figure(ctx, twin, data)

    assign_ids("sgd", records)  # this section is part of the SGD topic
    tex = text.section(spec=SPEC, I=data.I, lr=LR, batch=BATCH, epochs=EPOCHS, result=result,
                       device=trainer.device.type, accuracy=accuracy,
                       matrix_tex=tagged(align(net.matrix_equations_latex()), records),
                       trained_tex=tagged(align(lines), records), twin_error=c.max_rel, figure=figure)
    return tex, [figure], records


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
