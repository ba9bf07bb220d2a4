"""Topic: stochastic gradient descent (batches, epochs, monitoring, checkpoints).

    python -m derivations.topics.sgd --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import TOLERANCES, compare
from derivations.checks.printed import Formulas
from derivations.topics.deep_classifier import deep_classifier_section
from derivations.figures.training import fit_figure, loss_curve_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import compared
from derivations.topics.texts import sgd as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.checkpoint import list_checkpoints
from numeric.datasets import make_dataset
from numeric.monitoring import read_metrics
from numeric.training import TrainConfig, Trainer
from symbolic.core.compile import compile_program
from symbolic.core.printing import latex, latex_lines
from symbolic.training.gradient_descent import network_gradient
from symbolic.training import updates
from symbolic.training.updates import GRADIENT_LATEX, apply_rule, rule_latex, update_rule
from symbolic.networks.network import deep_network, shallow_network
from symbolic.spec import NetworkSpec

TITLE = "Stochastic gradient descent"
SLUG = "sgd"
SPEC = NetworkSpec((1, 10, 1), "relu")
EPOCHS, BATCH, LR = 300, 8, 0.02
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("EPOCHS", "BATCH", "LR")


#: The training run writes a checkpoint every this many epochs.
CHECKPOINT_EVERY = 50
STEP_SPEC, STEP_I, STEP_B = NetworkSpec((1, 4, 1), "tanh"), 11, 4  # three steps per epoch: 4, 4, 3 samples
#: The optimiser's state m_0 = v_0 at the first step (a vector of zeros).
START = sp.Integer(0)

# The lecture's symbols: the gradient summed over the batch B_t, the loss L and its terms l_i.
i, I = sp.symbols("i I", integer=True, positive=True)
batch_gradient = sp.Symbol("g_B", real=True)
L = sp.Symbol("L", real=True)
ell = sp.IndexedBase("ell", real=True)
m_0 = sp.Symbol("m_0", real=True)
#: The batch sum as the update rules write it (a named sum over the set B_t: not read term by term).
BATCH_SUM = GRADIENT_LATEX.split(" &= ", 1)[1]
#: How the displays and the prose write the symbols: the update rules' names, the batch sum, the loss.
NAMES = {**{text: symbol for symbol, text in updates._LATEX.items()}, r"\boldsymbol\phi_t": updates.phi,
         BATCH_SUM: batch_gradient, r"L[\boldsymbol\phi]": L, r"\ell_i": ell[i], r"\mathbf{m}_0": m_0,
         r"\mathbf{0}": sp.Integer(0)}


def rule_rows(name: str) -> tuple[list[sp.Equality], list[str]]:
    """The rows of optimiser ``name``'s display: ``g_t`` = the batch sum, then
    :func:`~symbolic.training.updates.update_rule`'s assignments, with their printed forms."""
    rule = update_rule(name)
    rows = [sp.Eq(updates.g, batch_gradient)] + [sp.Eq(lhs, rhs) for lhs, rhs in rule]
    typed = [GRADIENT_LATEX] + rule_latex(rule)
    return rows, [line.replace(" &= ", " = ", 1) for line in typed]


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
    state = {k: {"m": np.full_like(v, float(START)), "v": np.full_like(v, float(START))} for k, v in params.items()}
    perm = np.random.default_rng(seed).permutation(STEP_I)  # the trainer's shuffle of epoch 1
    sizes = []
    for t, start in enumerate(range(0, STEP_I, STEP_B)):
        idx = perm[start:start + STEP_B]
        sizes.append(len(idx))
        grads = _batch_gradient(fn, net, params, data.X[idx], data.Y[idx])
        for k in params:
            new = apply_rule(rule, {"phi": params[k], "g": grads[k], "t": t, **state[k]}, alpha=lr, **hyper)
            params[k] = new.pop("phi")
            state[k].update(new)
    c = compare(f"{optimizer}: one epoch of the PyTorch trainer (batches of {', '.join(map(str, sizes))} of "
                f"I = {STEP_I}; the trainer took {trainer.step} steps) equals the update rule above applied to the "
                "symbolic gradient summed over each batch",
                np.concatenate([np.ravel(after[k]) for k in params]), np.concatenate([params[k].ravel() for k in params]),
                TOLERANCES[torch.float64])
    checked = compared(c, method="float64, relative error of the parameters", id=f"update.{optimizer}", batches=sizes)
    if trainer.step != len(sizes):  # the trainer's batches are not the ones the rule was applied to
        checked.update(passed=False, max_error=float("inf"),
                       detail=f"the trainer took {trainer.step} steps, the rule {len(sizes)} batches")
    return checked


def _stopped_after() -> int:
    """The first session's epochs: the run stops there and resumes from its checkpoint."""
    return EPOCHS // 2


def _train(ctx: TopicContext, data) -> tuple[Trainer, object, TrainConfig, Path]:
    """SGD on ``data`` in two sessions into ``out/build/sgd_run`` (the run's checkpoints and log are
    working files, not for the reader): half the epochs, then ``--resume``
    from the newest checkpoint. Returns the resumed trainer, its result, the config and the run folder."""
    config = TrainConfig(optimizer="sgd", lr=LR, batch_size=BATCH, epochs=EPOCHS, seed=ctx.seed,
                         checkpoint_every=CHECKPOINT_EVERY, keep_checkpoints=2, log_steps=True, device=ctx.device, progress=False)
    run_dir = ctx.folder.folder("build/sgd_run")  # a real folder inside the output folder, never a link
    shutil.rmtree(run_dir, ignore_errors=True)
    first_config = TrainConfig(**{**config.__dict__, "epochs": _stopped_after()})
    first = Trainer(SPEC, "least-squares", data, first_config, run_dir)
    first.run()
    trainer = Trainer(SPEC, "least-squares", data, config, run_dir)
    return trainer, trainer.run(resume=True), config, run_dir


def _resume_checks(trainer, result, config: TrainConfig, data, run_dir: Path) -> tuple[list[dict], list[dict]]:
    """The resumed run ends where an uninterrupted one does, and its log has a row per epoch and
    per step: metrics.csv's epoch rows and the records."""
    straight = Trainer(SPEC, "least-squares", data, config).run()  # uninterrupted, no run folder
    exact = trainer.device.type == "cpu"
    c = compare(f"SGD resumed from its epoch-{_stopped_after()} checkpoint equals the uninterrupted run",
                np.concatenate([np.ravel(v) for v in result.params.values()]),
                np.concatenate([np.ravel(v) for v in straight.params.values()]), 0.0 if exact else TOLERANCES[torch.float32])
    resumed = compared(c, "resume-equality", "bitwise (CPU)" if exact else "float32 tolerance (CUDA)")
    epochs = read_metrics(run_dir / "metrics.csv", "epoch")
    steps = read_metrics(run_dir / "metrics.csv", "step")
    logged = record("metrics.csv has one row per epoch and one per step, each epoch visiting I samples",
                    "training-log", 0.0, len(epochs) == EPOCHS and len(steps) == result.steps
                    and all(r["samples"] == data.I for r in epochs), "row counts")
    return epochs, [resumed, logged]


def _symbolic_twin(trainer, result, xs: np.ndarray):
    """The trained numbers back in the symbolic network: its predictions at ``xs`` against
    PyTorch's (comparison); the shallow network's assignments with the full numbers against
    the deep network's predictions (comparison); and those assignments with the numbers to 3
    digits, as printed (rows)."""
    deep = deep_network(SPEC)
    values = deep.parameter_values(result.params)
    y_sym = deep.substituted_outputs()[0].xreplace(values)
    predict = compile_program(deep.inputs, [], [y_sym], "numpy")
    with torch.no_grad():
        X = torch.as_tensor(xs[:, None], dtype=trainer.dtype, device=trainer.device)
        y_torch = trainer.model(X)[:, 0]
    y_symbolic = predict(xs)[0]
    c = compare("trained network: symbolic expression with the trained numbers vs PyTorch (301 points)",
                y_symbolic, y_torch, TOLERANCES[trainer.dtype])
    shallow = shallow_network(1, SPEC.hidden[0], 1, SPEC.activation)
    rename = shallow.as_deep_parameters(deep)
    full = {s: values[d] for s, d in rename.items()}
    y_shallow = compile_program(shallow.inputs, [(h, e.xreplace(full)) for h, e in shallow.program],
                                [shallow.outputs[0]], "numpy")
    same = compare("the printed assignments (shallow notation) with the full trained numbers give the deep network's "
                   "predictions (301 points)", y_shallow(xs)[0], y_symbolic, TOLERANCES[torch.float64])
    rounded = {s: sp.Float(f"{float(values[d]):.3g}") for s, d in rename.items()}  # three significant digits
    rows = [sp.Eq(h, e.xreplace(rounded)) for h, e in shallow.program]
    return y_symbolic, c, same, rows


def _printed(trained_rows: list[sp.Equality], data, result) -> tuple[Formulas, dict[str, object]]:
    """Every display and prose formula of the section, printed from the objects the checks
    evaluate and read back: the three rules' displays (and SGD's one-line form for slides), the
    trained network, and the prose's formulas."""
    formulas = Formulas(SLUG, names=NAMES)
    printed = {}
    for name in ("sgd", "momentum", "adam"):
        rows, typed = rule_rows(name)
        printed[f"rule.{name}"] = formulas.display(rows, f"{name} update rule", typed=typed,
                                                   notes=[","] + [""] * (len(rows) - 1))
    (new, step), = update_rule("sgd")
    printed["rule.sgd.slide"] = formulas.display([sp.Eq(new, step.xreplace({updates.g: batch_gradient}))],
                                                 "sgd update in one line", typed=[text.UPDATE])
    printed["trained"] = formulas.display(trained_rows, "trained network, three digits", typed=[
        f"{latex(row.lhs)} = " + "\\\\\n&\\qquad ".join(latex_lines(row.rhs)) for row in trained_rows])
    loss_shown = sp.Float(text.rounded_loss(result.loss))
    printed |= {
        "loss": formulas(sp.Eq(L, sp.Sum(ell[i], (i, 1, I))), "loss as a sum over the samples",
                         typed=r"L[\boldsymbol\phi] = \sum_{i=1}^{I} \ell_i"),
        "I": formulas(sp.Eq(I, data.I), "training samples"),
        "final_loss": formulas(sp.Eq(L, loss_shown), "final loss (four decimals)",
                               typed=f"L[\\boldsymbol\\phi] = {text.rounded_loss(result.loss)}"),
        "m_0": formulas(sp.Eq(m_0, START), "momentum's start", typed=r"\mathbf{m}_0 = \mathbf{0}"),
        "step_I": formulas(sp.Eq(I, STEP_I), "samples of the one-epoch checks"),
    }
    for key, shown in printed.items():
        shown.record["id"] = f"printed.{key}"
    return formulas, printed


def build(ctx: TopicContext) -> TopicResult:
    # Train in two sessions: half the epochs, then --resume from the newest checkpoint.
    data = make_dataset("regression-1d")
    trainer, result, config, run_dir = _train(ctx, data)
    epochs, records = _resume_checks(trainer, result, config, data, run_dir)

    # The trained numbers back in the symbolic network: equation and predictions.
    xs = np.linspace(0.0, 3.0, 301)
    y_symbolic, c, same, trained_rows = _symbolic_twin(trainer, result, xs)
    twin = compared(c, method=f"{trainer.identity['dtype']}, relative error")
    shallow = compared(same, method="float64, relative error", id="trained.shallow-notation")
    records += [twin, shallow]
    curve = ctx.save_figure(loss_curve_figure(run_dir / "metrics.csv", f"{SPEC.describe()}, SGD, B = {BATCH}"),
                            "sgd_loss_curve")
    fit = ctx.save_figure(fit_figure(data.X[:, 0], data.Y[:, 0], xs, [(y_symbolic, "trained network")]), "sgd_fit")

    # Momentum and Adam: one epoch of the trainer against each printed update rule.
    updates_checked = {name: optimizer_epoch_check(name) for name in ("sgd", "momentum", "adam")}
    records += list(updates_checked.values())
    formulas, printed = _printed(trained_rows, data, result)
    records += formulas.records
    assign_ids(SLUG, records)
    rules = {name: [printed[f"rule.{name}"].record, updates_checked[name]] for name in updates_checked}
    trained = [printed["trained"].record, twin, shallow]
    tex = text.section(title=TITLE, spec=SPEC, lr=LR, batch=BATCH, epochs=EPOCHS, stopped_after=_stopped_after(),
                       steps=result.steps, I=data.I,
                       epoch_rows=epochs, checkpoints=[p.name for p in list_checkpoints(run_dir)],
                       loss_per_sample=result.loss_per_sample, curve=curve, fit=fit, twin_error=c.max_rel,
                       sgd_tex=tagged(printed["rule.sgd"].latex, rules["sgd"]),
                       trained_tex=tagged(printed["trained"].latex, trained),
                       momentum_tex=tagged(printed["rule.momentum"].latex, rules["momentum"]),
                       adam_tex=tagged(printed["rule.adam"].latex, rules["adam"]), step_spec=STEP_SPEC,
                       step_batches=updates_checked["sgd"]["batches"], checkpoint_every=config.checkpoint_every,
                       **{k: str(printed[k]) for k in ("loss", "final_loss", "m_0", "step_I")}, I_tex=str(printed["I"]))
    displays = {"update": Display(printed["rule.sgd.slide"].latex, [printed["rule.sgd.slide"].record, updates_checked["sgd"]]),
                "trained": Display(printed["trained"].latex, trained)}
    classifier_tex, classifier_figures, classifier_records = deep_classifier_section(ctx)
    return TopicResult(SLUG, TITLE, tex + "\n" + classifier_tex, [curve, fit] + classifier_figures,
                       records + classifier_records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
