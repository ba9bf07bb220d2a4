"""Topic: stochastic gradient descent (batches, epochs, monitoring, checkpoints).

    python -m derivations.topics.sgd --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import math
import shutil
import sys

import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import TOLERANCES, compare
from derivations.topics.deep_classifier import deep_classifier_section
from derivations.figures.training import fit_figure, loss_curve_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.checkpoint import list_checkpoints
from numeric.datasets import make_dataset
from numeric.monitoring import read_metrics
from numeric.training import TrainConfig, Trainer
from symbolic.core.compile import compile_program
from symbolic.training.gradient_descent import network_gradient
from symbolic.training.updates import GRADIENT_LATEX, apply_rule, rule_latex, update_rule
from symbolic.networks.network import deep_network, shallow_network
from symbolic.core.printing import latex, latex_lines
from symbolic.spec import NetworkSpec

TITLE = "Stochastic gradient descent"
SLUG = "sgd"
SPEC = NetworkSpec((1, 10, 1), "relu")
EPOCHS, BATCH, LR = 300, 8, 0.02
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("EPOCHS", "BATCH", "LR")


STEP_SPEC, STEP_I, STEP_B = NetworkSpec((1, 4, 1), "tanh"), 11, 4  # three steps per epoch: 4, 4, 3 samples


def align_rows(rows: list[str]) -> str:
    """An ``align*`` block of rows that already carry their ``&=``."""
    return "\\begin{align*}\n" + "\\\\\n".join(rows) + "\n\\end{align*}"


def _batch_gradient(fn, net, tensors: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    """g = sum_{i in batch} dl_i/dphi from the compiled symbolic gradient, by tensor name."""
    args = [X[:, i] for i in range(X.shape[1])] + [Y[:, j] for j in range(Y.shape[1])]
    args += [np.asarray(tensors[p.tensor], dtype=np.float64)[p.index] for p in net.parameters]
    out = {name: np.zeros_like(np.asarray(v, dtype=np.float64)) for name, v in tensors.items()}
    for p, per_sample in zip(net.parameters, fn(*args)):
        out[p.tensor][p.index] = float(np.sum(per_sample))
    return out


def optimizer_epoch_check(optimizer: str, seed: int = 3) -> dict:
    """One epoch of the PyTorch trainer (batches of 4, 4, 3 of I = 11 samples) against the
    book's update rule applied to the symbolic gradient summed over exactly those batches."""
    data = make_dataset("regression-1d")
    data = type(data)(data.X[:STEP_I], data.Y[:STEP_I], "first 11 samples")
    lr, hyper = 0.01, {"beta": 0.9, "gamma": 0.999, "epsilon": 1e-8}
    trainer = Trainer(STEP_SPEC, "least-squares", data, TrainConfig(
        optimizer=optimizer, lr=lr, batch_size=STEP_B, epochs=1, seed=seed, device="cpu", dtype="float64",
        progress=False, **hyper))
    params = {k: np.array(v, dtype=np.float64) for k, v in trainer.model.tensors().items()}
    after = trainer.run().params
    fn, net, _ = network_gradient(STEP_SPEC, "least-squares")
    rule = update_rule(optimizer)
    state = {k: {"m": np.zeros_like(v), "v": np.zeros_like(v)} for k, v in params.items()}
    perm = np.random.default_rng(seed).permutation(STEP_I)  # the trainer's shuffle of epoch 1
    for t, start in enumerate(range(0, STEP_I, STEP_B)):
        idx = perm[start:start + STEP_B]
        grads = _batch_gradient(fn, net, params, data.X[idx], data.Y[idx])
        for k in params:
            new = apply_rule(rule, {"phi": params[k], "g": grads[k], "t": t, **state[k]}, alpha=lr, **hyper)
            params[k] = new.pop("phi")
            state[k].update(new)
    c = compare(f"{optimizer}: one epoch of the PyTorch trainer (batches of 4, 4, 3 of I = 11) equals the update "
                "rule above applied to the symbolic gradient summed over each batch",
                np.concatenate([np.ravel(after[k]) for k in params]), np.concatenate([params[k].ravel() for k in params]),
                TOLERANCES[torch.float64])
    return record(c.name, "symbolic-vs-torch", c.max_rel, c.passed, "float64, relative error of the parameters",
                  id=f"update.{optimizer}")


def build(ctx: TopicContext) -> TopicResult:
    data = make_dataset("regression-1d")
    config = TrainConfig(optimizer="sgd", lr=LR, batch_size=BATCH, epochs=EPOCHS, seed=ctx.seed,
                         checkpoint_every=50, keep_checkpoints=2, log_steps=True, device=ctx.device, progress=False)
    run_dir = ctx.folder.folder("sgd_run")  # a real folder inside the output folder, never a link
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
            r"\frac{\partial \ell_i[\boldsymbol\phi_t]}{\partial \boldsymbol\phi}")
    updates = {name: optimizer_epoch_check(name) for name in ("sgd", "momentum", "adam")}
    records += list(updates.values())
    assign_ids(SLUG, records)

    def rule_tex(name: str) -> str:
        return tagged(align_rows([GRADIENT_LATEX + ","] + rule_latex(update_rule(name))), [updates[name]])

    sgd_tex, momentum_tex, adam_tex = rule_tex("sgd"), rule_tex("momentum"), rule_tex("adam")
    trained_tex = tagged(f"\\begin{{align*}}\n{equations}\n\\end{{align*}}", [records[2]])
    tex = rf"""\section{{{TITLE}}}
The loss is a sum of one term per training sample, $L[\boldsymbol\phi] = \sum_{{i}} \ell_i$.
Gradient descent uses all of them in every step; stochastic gradient descent (SGD) adds
noise to the optimisation by using only a random subset $\mathcal{{B}}_t$ of the samples, a
\emph{{batch}}, in each step, with the gradient summed over the batch:
{sgd_tex}
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
{first_rows}); a checkpoint with the parameters, the optimizer state, the epoch and step
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
{trained_tex}

\paragraph{{Momentum and Adam.}} Momentum (Prince eq.~6.11) replaces the gradient by a running
average $\mathbf{{m}}_t$ of the gradients (starting at $\mathbf{{m}}_0 = \mathbf{{0}}$):
{momentum_tex}
Adam (eqs.~6.13--6.16) also keeps a running average $\mathbf{{v}}_t$ of the squared gradients,
corrects both for their start at $\mathbf{{0}}$ and divides elementwise:
{adam_tex}
For each of the three rules, one epoch of \texttt{{deepderive train}} (a {STEP_SPEC.describe()}
network, least squares, the first $I = {STEP_I}$ samples, batches of 4, 4 and 3) ends at the
parameters these equations give when evaluated on the symbolic gradient summed over exactly the
same batches (float64; the rules are evaluated from the printed SymPy expressions).
"""
    displays = {"update": Display(f"\\[ {rule} \\]", [updates["sgd"]]),
                "trained": Display(f"\\begin{{align*}}\n{equations}\n\\end{{align*}}", records[2:3])}
    classifier_tex, classifier_figures, classifier_records = deep_classifier_section(ctx)
    return TopicResult(SLUG, TITLE, tex + "\n" + classifier_tex, [curve, fit] + classifier_figures,
                       records + classifier_records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
