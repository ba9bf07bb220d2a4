"""Topic: stochastic gradient descent (batches, epochs, monitoring, checkpoints).

    python -m derivations.sgd --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import math
import shutil
import sys

import numpy as np
import sympy as sp
import torch

from derivations.crosscheck import TOLERANCES, compare
from derivations.deep_classifier import deep_classifier_section
from derivations.figures.training import fit_figure, loss_curve_figure
from derivations.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.checkpoint import list_checkpoints
from numeric.datasets import make_dataset
from numeric.monitoring import read_metrics
from numeric.training import TrainConfig, Trainer
from symbolic.compile import compile_program
from symbolic.networks import deep_network, shallow_network
from symbolic.printing import latex, latex_lines
from symbolic.spec import NetworkSpec

TITLE = "Stochastic gradient descent"
SLUG = "sgd"
SPEC = NetworkSpec((1, 10, 1), "relu")
EPOCHS, BATCH, LR = 300, 8, 0.02
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("EPOCHS", "BATCH", "LR")


def build(ctx: TopicContext) -> TopicResult:
    data = make_dataset("regression-1d")
    config = TrainConfig(optimizer="sgd", lr=LR, batch_size=BATCH, epochs=EPOCHS, seed=ctx.seed,
                         checkpoint_every=50, keep_checkpoints=2, log_steps=True, device=ctx.device, progress=False)
    run_dir = ctx.out / "sgd_run"
    shutil.rmtree(run_dir, ignore_errors=True)
    records = []

    # Train in two sessions: half the epochs, then --resume from the newest checkpoint.
    first = Trainer(SPEC, "least-squares", data, TrainConfig(**{**config.__dict__, "epochs": EPOCHS // 2}), run_dir)
    first.run()
    trainer = Trainer(SPEC, "least-squares", data, config, run_dir)
    result = trainer.run(resume=True)
    straight = Trainer(SPEC, "least-squares", data, config).run()  # uninterrupted, no run folder
    exact = trainer.device.type == "cpu"
    c = compare(f"SGD resumed from its epoch-{EPOCHS // 2} checkpoint equals the uninterrupted run",
                np.concatenate([np.ravel(v) for v in result.params.values()]),
                np.concatenate([np.ravel(v) for v in straight.params.values()]), 0.0 if exact else TOLERANCES[torch.float32])
    records.append(record(c.name, "resume-equality", c.max_rel, c.passed,
                          "bitwise (CPU)" if exact else "float32 tolerance (CUDA)"))
    epochs = read_metrics(run_dir / "metrics.csv", "epoch")
    steps = read_metrics(run_dir / "metrics.csv", "step")
    records.append(record("metrics.csv has one row per epoch and one per step, each epoch visiting I samples",
                          "training-log", 0.0, len(epochs) == EPOCHS and len(steps) == result.steps
                          and all(r["samples"] == data.I for r in epochs), "row counts"))

    # The trained numbers back in the symbolic network: equation and predictions.
    deep = deep_network(SPEC)
    values = deep.parameter_values(result.params)
    y_sym = deep.substituted_outputs()[0].xreplace(values)
    xs = np.linspace(0.0, 3.0, 301)
    predict = compile_program(deep.inputs, [], [y_sym], "numpy")
    with torch.no_grad():
        X = torch.as_tensor(xs[:, None], dtype=trainer.dtype, device=trainer.device)
        y_torch = trainer.model(X)[:, 0]
    y_symbolic = predict(xs)[0]
    c = compare("trained network: symbolic expression with the trained numbers vs PyTorch (301 points)",
                y_symbolic, y_torch, TOLERANCES[trainer.dtype])
    records.append(record(c.name, "symbolic-vs-torch", c.max_rel, c.passed, f"{trainer.identity['dtype']}, relative error"))

    shallow = shallow_network(1, SPEC.hidden[0], 1, SPEC.activation)
    rename = shallow.as_deep_parameters(deep)
    rounded = {s: sp.Float(float(values[d]), 3) for s, d in rename.items()}
    equations = "\\\\\n".join(f"{latex(s)} &= " + "\\\\\n&\\qquad ".join(latex_lines(e.xreplace(rounded)))
                              for s, e in shallow.program)

    curve = ctx.save_figure(loss_curve_figure(run_dir / "metrics.csv", f"{SPEC.describe()}, SGD, B = {BATCH}"),
                            "sgd_loss_curve")
    fit = ctx.save_figure(fit_figure(data.X[:, 0], data.Y[:, 0], xs, [(y_symbolic, "trained network")]), "sgd_fit")
    n_batches = math.ceil(data.I / BATCH)
    checkpoints = ", ".join(f"\\texttt{{{p.name}}}" for p in list_checkpoints(run_dir))
    first_rows = ", ".join(f"{r['loss_per_sample']:.3f}" for r in epochs[:5])
    rule = (r"\boldsymbol\phi_{t+1} = \boldsymbol\phi_t - \alpha \sum_{i \in \mathcal{B}_t}"
            r"\frac{\partial l_i[\boldsymbol\phi_t]}{\partial \boldsymbol\phi}")
    definition = record("SGD update: phi_{t+1} = phi_t - alpha sum over the batch B_t of dl_i/dphi", "definition",
                        0.0, True, "definition")
    records.append(definition)
    tex = rf"""\section{{{TITLE}}}
The loss is a sum of one term per training sample, $L[\boldsymbol\phi] = \sum_{{i}} l_i$.
Gradient descent uses all of them in every step; stochastic gradient descent (SGD) adds
noise to the optimisation by using only a random subset $\mathcal{{B}}_t$ of the samples, a
\emph{{batch}}, in each step:
\begin{{equation*}}
{rule}.
\end{{equation*}}
The batch holds from one sample to the whole training set (then SGD is gradient descent).
A full pass through the training set is an \emph{{epoch}}: the samples are shuffled without
replacement and cut into batches, so every sample is used exactly once per epoch.

We train a shallow network ({SPEC.describe()}, least squares) on the $I = {data.I}$ points
of the 1-D regression toy data with \texttt{{deepderive train --optimizer sgd --lr {LR:g}
--batch-size {BATCH} --epochs {EPOCHS}}}: ${n_batches}$ batches per epoch (the last holds
${data.I - (n_batches - 1) * BATCH}$ samples), {result.steps} steps in all. The gradient of each
step is the loss summed over the batch, as in the formula above.

\paragraph{{Monitoring and checkpointing.}} Every step and every epoch appends a row to
\texttt{{metrics.csv}} (the loss per sample of the first five epochs:
${first_rows}$); a checkpoint with the parameters, the optimizer state, the epoch and step
and every random state is written atomically every 50 epochs (kept: {checkpoints}). This
run was stopped after {EPOCHS // 2} epochs and resumed from its checkpoint; it ends with the
same parameters as an uninterrupted run (checked). The final loss is
$L[\boldsymbol\phi] = {result.loss:.4f}$ (${result.loss_per_sample:.4f}$ per sample).
\begin{{figure}}[h]
\centering
\includegraphics[width=0.49\textwidth]{{{curve}}}
\includegraphics[width=0.49\textwidth]{{{fit}}}
\caption{{Left: loss per sample of each batch (grey) and of each epoch (blue). Right: the
trained network through the data.}}
\end{{figure}}

The trained parameters substituted into the symbolic network (shown to three digits; the
full numbers reproduce PyTorch's predictions to {c.max_rel:.0e}):
\begin{{align*}}
{equations}
\end{{align*}}
"""
    displays = {"update": Display(f"\\[ {rule} \\]", [definition]),
                "trained": Display(f"\\begin{{align*}}\n{equations}\n\\end{{align*}}", records[2:3])}
    classifier_tex, classifier_figures, classifier_records = deep_classifier_section(ctx)
    return TopicResult(SLUG, TITLE, tex + "\n" + classifier_tex, [curve, fit] + classifier_figures,
                       records + classifier_records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
