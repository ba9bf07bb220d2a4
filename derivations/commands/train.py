"""``deepderive train``: train the PyTorch twin of a network on a toy data set or a CSV file.

    deepderive train --widths 1,8,1 --activation relu --loss least-squares \\
        --dataset regression-1d --optimizer sgd --lr 0.01 --batch-size 8 --epochs 200 --out runs/demo

The gradient of each step is the loss *summed* over the batch (the lecture's L[phi] is a
sum over samples). The run folder gets ``metrics.csv``, ``checkpoints/``, ``params.json``,
``summary.json`` and ``loss_curve.png`` (the loss curve; for a 1-input 1-output network the
fitted function over the data beside it); ``--resume`` continues from the newest checkpoint.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from numeric.datasets import TOY_DATASETS
from numeric.optimizers import DEFAULT_LR, OPTIMIZERS
from symbolic.spec import LOSSES, Problem

from derivations.commands.common import (add_seed_argument, add_spec_arguments, finite_float, nonnegative_int, positive_int,
                     spec_from_args)

if TYPE_CHECKING:
    from derivations.figures.training import RunFit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--loss", required=True, metavar="L", help=f"loss: {', '.join(LOSSES)}")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dataset", metavar="NAME", help=f"a lecture toy data set: {', '.join(TOY_DATASETS)}")
    source.add_argument("--data", metavar="D.csv", help="a data CSV (columns x_1.. and y..)")
    parser.add_argument("--optimizer", default="sgd", choices=OPTIMIZERS, help="update rule (default sgd)")
    parser.add_argument("--lr", type=finite_float, default=None, metavar="A",
                        help="learning rate alpha (default " + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items()) + ")")
    parser.add_argument("--batch-size", type=positive_int, default=None, metavar="B",
                        help="samples per step (default: all for gd, min(I, 16) otherwise)")
    parser.add_argument("--epochs", type=positive_int, default=100, metavar="E", help="passes over the data (default 100)")
    add_seed_argument(parser, "seed of initialisation and shuffling, 0 to 2^32 - 1 (default 0)")
    parser.add_argument("--out", default="runs/train", metavar="RUN_DIR", help="run folder (default runs/train)")
    parser.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in RUN_DIR")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--dtype", default="auto", choices=["auto", "float64", "float32"],
                        help="auto: float64 on CPU, float32 on CUDA")
    parser.add_argument("--sigma", type=finite_float, default=None, metavar="S", help="standard deviation of the normal loss")
    parser.add_argument("--beta", type=finite_float, default=0.9, help="momentum coefficient (momentum, Adam; default 0.9)")
    parser.add_argument("--checkpoint-every", type=positive_int, default=10, metavar="N", help="epochs between checkpoints")
    parser.add_argument("--keep-checkpoints", type=nonnegative_int, default=3, metavar="N",
                        help="newest checkpoints kept (0: all; default 3)")
    parser.add_argument("--log-steps", action="store_true", help="also write one metrics.csv row per step")
    parser.add_argument("--no-figure", action="store_true", help="skip loss_curve.png")


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    problem = Problem.of(spec, args.loss, args.sigma)  # the registry's messages: unknown loss, width, sigma
    if args.dataset is None and args.data is None:  # pragma: no cover - argparse enforces it
        raise ValueError("give --dataset NAME or --data D.csv")
    if not 0 <= args.beta < 1:
        raise ValueError(f"--beta must be in [0, 1), got {args.beta}")
    if args.keep_checkpoints < 0:
        raise ValueError(f"--keep-checkpoints must be 0 (keep all) or positive, got {args.keep_checkpoints}")
    from numeric.datasets import training_data
    from numeric.run_folder import check_run_dir
    from symbolic.spec.limits import check_bytes, training_bytes

    data = training_data(spec.D_i, spec.D_o, problem.loss.name, args.dataset, args.data)
    B = min(data.I, args.batch_size or data.I)
    itemsize = 4 if args.dtype == "float32" else 8
    check_bytes(f"train --widths {','.join(map(str, spec.widths))} on I = {data.I} samples",
                training_bytes(spec.widths, data.I, B, problem.n_targets, itemsize,
                               {"adam": 2, "momentum": 1}.get(args.optimizer, 0)), "use smaller widths")
    check_run_dir(args.out)  # before torch is imported: a bad run folder answers at once

    from numeric.training import TrainConfig, Trainer, TrainingDiverged

    config = TrainConfig(optimizer=args.optimizer, lr=args.lr, batch_size=args.batch_size, epochs=args.epochs,
                         seed=args.seed, sigma=args.sigma, beta=args.beta, checkpoint_every=args.checkpoint_every,
                         keep_checkpoints=args.keep_checkpoints, log_steps=args.log_steps, device=args.device,
                         dtype=args.dtype)
    trainer = Trainer(spec, problem.loss, data, config, Path(args.out))
    out = Path(args.out)
    written = ["params.json", "metrics.csv", "summary.json"]
    why_not = ""  # why loss_curve.png has no fitted-function panel
    with trainer.folder.locked():  # one writer, from the first checkpoint read to the loss curve
        try:
            result = trainer.run(resume=args.resume)
        except TrainingDiverged as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        written.append(f"checkpoints/{trainer.last_checkpoint.name}")
        if not args.no_figure:
            import matplotlib.pyplot as plt

            from derivations.figures.training import run_figure

            fit, why_not = fitted_function(trainer, data)
            figure = run_figure(trainer.folder.metrics, title=f"{spec.describe()}, {args.loss}, {args.optimizer}",
                                fit=fit)
            try:
                trainer.folder.write_loss_curve(figure)
            finally:
                plt.close(figure)
            written.append("loss_curve.png")
    what = (f"{spec.describe()} ({args.loss} loss, {args.optimizer}, alpha = {trainer.lr:g}, B = {trainer.B} of "
            f"I = {trainer.I}) on {trainer.device} {trainer.identity['dtype']}")
    if trainer.resumed_from is not None and trainer.resumed_from == args.epochs:
        print(f"nothing to train: the run {what} already has {args.epochs} epochs "
              f"({trainer.last_checkpoint.name}); give a larger --epochs to continue it")
    else:
        resumed = f"resumed from epoch {trainer.resumed_from}, " if trainer.resumed_from is not None else ""
        print(f"trained {what}: {resumed}{result.epochs} epochs, {result.steps} steps in {result.seconds:.2f} s")
    print(f"final loss L[phi] = {result.loss:.10g} ({result.loss_per_sample:.6g} per sample)")
    if why_not:
        print(f"loss_curve.png has no fitted-function panel: {why_not}")
    print(f"wrote {out}/: " + ", ".join(written))
    return 0


#: Points of the grid the fitted function is drawn on.
GRID_POINTS = 200


def fitted_function(trainer, data) -> tuple["RunFit | None", str]:
    """The trained twin's own output f[x, phi] on a grid over the data's x range (1-input
    1-output networks), with the data; else None and the reason no such panel is drawn."""
    import numpy as np
    import torch

    from derivations.figures.training import RunFit  # noqa: F811 - the class itself, at run time

    spec = trainer.spec
    if (spec.D_i, spec.D_o) != (1, 1):
        return None, (f"the network has D_i = {spec.D_i} input(s) and D_o = {spec.D_o} output(s); "
                      "the panel is drawn for 1-input 1-output networks")
    x, y = data.X[:, 0], data.Y[:, 0]  # (I,)
    pad = 0.05 * (x.max() - x.min()) or 0.5
    xs = np.linspace(x.min() - pad, x.max() + pad, GRID_POINTS)  # (G,)
    with torch.no_grad():
        f = trainer.model(torch.as_tensor(xs[:, None], dtype=trainer.dtype, device=trainer.device))  # (G, 1)
    same_scale = trainer.entry.support.interval == (-math.inf, math.inf)  # f predicts a real target itself
    return RunFit(xs, f[:, 0].cpu().numpy().astype(float), x, y, same_scale), ""

