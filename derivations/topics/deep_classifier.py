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
from derivations.topics.topic import TopicContext, align, record
from numeric.datasets import make_dataset
from numeric.model import DeepNetworkModule
from numeric.training import TrainConfig, Trainer
from symbolic.networks.network import deep_network
from symbolic.core.printing import latex, latex_lines
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
    X = torch.as_tensor(data.X, dtype=torch.float64)  # (I, 2)
    net = deep_network(SPEC)
    tensors = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in result.params.items()}
    with torch.no_grad():
        f_torch = twin(X)[:, 0]  # logits f[x_i, phi]
        f_symbolic = evaluate_outputs(net, X, tensors, compile_outputs(net, "torch"))[:, 0]
    c = compare("deep classifier (2-8-8-1 relu, Bernoulli): compiled symbolic logits with the trained numbers vs "
                "PyTorch twin (all training points)", f_symbolic, f_torch, TOLERANCES[torch.float64])
    records = [record(c.name, "symbolic-vs-torch", c.max_rel, c.passed, "float64, relative error")]
    accuracy = float(((f_torch > 0).double() == torch.as_tensor(data.Y[:, 0])).double().mean())

    # One hidden unit and the output, with the trained numbers (three digits).
    values = {s: sp.Float(float(v), 3) for s, v in net.parameter_values(result.params).items()}
    program = dict(net.program)
    f01 = program[net.f[0][0]].xreplace(values)
    lines = [f"h_{{1,1}} = \\mathrm{{ReLU}}\\left[{latex(f01)}\\right]",
             "y = " + "\\\\\n&\\qquad ".join(latex_lines(program[net.outputs[0]].xreplace(values)))]

    grid = np.linspace(-1.0, 1.0, 201)
    gx, gy = np.meshgrid(grid, grid)
    G = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], axis=1))  # (201^2, 2)
    with torch.no_grad():
        lam = torch.sigmoid(twin(G)[:, 0]).numpy().reshape(gx.shape)  # lambda = sig[f]
    figure = ctx.save_figure(decision_figure(data.X, data.Y[:, 0], gx, gy, lam), "deep_classifier")

    assign_ids("sgd", records)  # this section is part of the SGD topic
    matrix_tex = tagged(align(net.matrix_equations_latex()), records)
    trained_tex = tagged(align(lines), records)
    tex = rf"""\subsection*{{A deep network for binary classification}}
The same trainer fits deep networks to any of the losses. A network with two hidden layers
of eight ReLU units ({SPEC.n_parameters} parameters) predicts the logit $f$ of a Bernoulli
distribution, $\lambda = \mathrm{{sig}}[f]$, for the $I = {data.I}$ points of the 2-D binary
toy data; Adam ($\alpha = {LR:g}$, batches of {BATCH}, {EPOCHS} epochs, {result.steps} steps on
\texttt{{{trainer.device.type}}}) minimises the binary cross-entropy summed over each batch. The
final loss is $L[\boldsymbol\phi] = {result.loss:.2f}$ (${result.loss_per_sample:.3f}$ per
sample); predicting $\hat y = 1$ where $\lambda > 1/2$ classifies {100 * accuracy:.0f}\% of the
training points correctly (Figure~\ref{{fig:deep-classifier}}). In matrix notation the network is
{matrix_tex}
and with the trained numbers (three digits shown) the first hidden unit and the output, the
logit $y = f[\mathbf{{x}}, \boldsymbol\phi]$, read
{trained_tex}
With all digits, the symbolic network reproduces PyTorch's logits on every training point to a
relative error of {c.max_rel:.0e} (float64).
\begin{{figure}}[ht]
\centering
\includegraphics[width=0.55\textwidth]{{{figure}}}
\caption{{The trained 2-8-8-1 network: $\lambda = \mathrm{{sig}}[f[\mathbf{{x}}, \boldsymbol\phi]]$
(shading), the decision boundary $\lambda = 1/2$ (black) and the training points.}}
\label{{fig:deep-classifier}}
\end{{figure}}
"""
    return tex, [figure], records
