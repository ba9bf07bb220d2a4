r"""Training in PyTorch: gradient descent and SGD over batches and epochs, with checkpoints.

The lecture's loss is a sum over samples, ``L[phi] = sum_i l_i``. One optimizer step uses
the gradient of the loss **summed** over its batch B_t (Prince eq. 6.4), never the mean::

    g_t = sum_{i in B_t} dl_i/dphi [phi_t],        phi_{t+1} = phi_t - alpha g_t   (gd, sgd)

so full-batch gradient descent steps on exactly the gradient of L[phi] that the symbolic
side derives (``symbolic.training.gradient_descent``), and one step of both agrees to float64
rounding. The update rules of ``momentum`` and ``adam`` are in :mod:`numeric.optimizers`.

An epoch is one pass over the training set: the I samples are shuffled without replacement
(a fresh permutation from the run's numpy Generator) and cut into ceil(I / B) batches,
the last one holding the I mod B remaining samples when B does not divide I. ``gd`` uses
the whole set in its original order as its single batch.

A run folder (``run_dir``) holds ``metrics.csv`` (:mod:`numeric.monitoring`),
``checkpoints/epoch-NNNNNN.pt`` (:mod:`numeric.checkpoint`), ``params.json`` of the final
parameters and ``summary.json``; :class:`numeric.run_folder.RunFolder` checks it and does
every write into it. A run killed at any moment and resumed from its newest
checkpoint ends with bit-identical parameters on the CPU.

    trainer = Trainer(NetworkSpec((1, 8, 1), "relu"), "least-squares", make_dataset("regression-1d"),
                      TrainConfig(optimizer="sgd", batch_size=8, epochs=50), run_dir="runs/demo")
    result = trainer.run()
"""

from __future__ import annotations

import inspect
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from symbolic.spec.limits import check_seed
from symbolic.spec import NetworkSpec, Problem

from . import checkpoint as ckpt
from .data import Dataset
from .datasets import data_hash
from .losses import get_loss, nll
from .model import DeepNetworkModule, resolve_device
from .monitoring import progress_bar
from .optimizers import DEFAULT_LR, OPTIMIZERS, make_optimizer
from .run_folder import RunFolder

#: The targets are validated once, when the data is loaded; the loss need not re-check them
#: on every step (a host sync each time) when it offers to skip that.
_NLL_OPTIONS = {"validate": False} if "validate" in inspect.signature(nll).parameters else {}

__all__ = ["TrainConfig", "TrainResult", "Trainer", "TrainingDiverged", "shuffled_batches", "total_loss",
           "resolve_dtype"]


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; names the epoch and step and the last good checkpoint."""

    def __init__(self, message: str, epoch: int, step: int, checkpoint: Path | None) -> None:
        super().__init__(message)
        self.epoch, self.step, self.checkpoint = epoch, step, checkpoint


@dataclass
class TrainConfig:
    """Hyperparameters of a run. ``lr`` None: :data:`numeric.optimizers.DEFAULT_LR`;
    ``batch_size`` None: I for gd, min(I, 16) otherwise; ``dtype`` auto: float64 on CPU,
    float32 on CUDA; ``checkpoint_every`` E: a checkpoint after every E epochs and the last."""

    optimizer: str = "sgd"
    lr: float | None = None
    batch_size: int | None = None
    epochs: int = 100
    seed: int = 0
    sigma: float | None = None
    beta: float = 0.9  # momentum / Adam first moment
    gamma: float = 0.999  # Adam second moment
    epsilon: float = 1e-8  # Adam
    checkpoint_every: int = 10
    keep_checkpoints: int = 3
    log_steps: bool = False
    device: str = "auto"
    dtype: str = "auto"
    progress: bool | None = None  # None: a bar when stderr is a terminal


@dataclass
class TrainResult:
    """What a run ends with: parameters, the full-data loss L[phi] and the history."""

    params: dict[str, list]
    loss: float  # L[phi] on the whole training set, final parameters
    epochs: int
    steps: int
    seconds: float
    I: int  # number of training samples
    history: list[float] = field(default_factory=list)  # epoch losses (metrics.csv `loss`)
    run_dir: Path | None = None

    @property
    def loss_per_sample(self) -> float:
        """L[phi] / I."""
        return self.loss / self.I


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """``auto``: float64 on CPU (exact cross-checks), float32 on CUDA."""
    if name == "auto":
        return torch.float64 if device.type == "cpu" else torch.float32
    table = {"float64": torch.float64, "float32": torch.float32}
    if name not in table:
        raise ValueError(f"dtype must be auto, float64 or float32, got {name!r}")
    return table[name]


def batch_bounds(I: int, B: int) -> list[tuple[int, int]]:
    """The batching rule of an epoch: positions ``[start, stop)`` of its ceil(I / B) batches in
    the shuffled order, the last one holding the I - B (ceil(I / B) - 1) remaining samples.
    The trainer (:meth:`Trainer._batches`) and the exercises' count of updates both cut with it.

    >>> batch_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    return [(start, min(start + B, I)) for start in range(0, I, B)]


def shuffled_batches(I: int, B: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch's batches: a permutation of 0..I-1 cut by :func:`batch_bounds` into
    ceil(I / B) pieces, the last of I - B (ceil(I / B) - 1) samples. Every sample appears
    exactly once.

    >>> batches = shuffled_batches(5, 2, np.random.default_rng(0))
    >>> [len(b) for b in batches], sorted(np.concatenate(batches).tolist())
    ([2, 2, 1], [0, 1, 2, 3, 4])
    """
    perm = rng.permutation(I)  # (I,)
    return [perm[start:stop] for start, stop in batch_bounds(I, B)]


def total_loss(model: torch.nn.Module, loss: str, X: torch.Tensor, Y: torch.Tensor, sigma: float | None = None) -> float:
    """L[phi] = sum_i l_i over all samples, X (I, D_i), Y (I, n_targets), without gradients."""
    with torch.no_grad():
        return float(nll(loss, model(X), Y, sigma, **_NLL_OPTIONS))


def _check_positive_int(value: Any, what: str, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{what} must be a positive integer, got {value!r}{fix}")
    return int(value)


class Trainer:
    """Trains the torch twin of ``spec`` on ``data`` with ``loss`` (a sum over samples)."""

    def __init__(self, spec: NetworkSpec, loss: str, data: Dataset, config: TrainConfig | None = None,
                 run_dir: str | os.PathLike | None = None) -> None:
        cfg = config or TrainConfig()
        entry = get_loss(loss)
        self.problem = Problem.of(spec, entry, cfg.sigma if entry.uses_sigma else None)  # resolved once
        self.entry, self.sigma = self.problem.loss, self.problem.sigma
        loss = self.entry.name
        self.spec, self.loss, self.config = spec, loss, cfg
        n = self.problem.n_targets
        if data.Y is None or data.Y.shape[1] != n or data.X.shape[1] != spec.D_i:
            raise ValueError(f"data has shapes X {data.X.shape}, Y {None if data.Y is None else data.Y.shape}; "
                             f"loss {loss!r} with widths {spec.widths} needs (I, {spec.D_i}) and (I, {n})")
        if not (np.all(np.isfinite(data.X)) and np.all(np.isfinite(data.Y))):
            raise ValueError("data holds NaN or infinite values; every input and target must be a finite number")
        self.I = data.I
        if cfg.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {cfg.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        self.lr = DEFAULT_LR[cfg.optimizer] if cfg.lr is None else float(cfg.lr)
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"learning rate --lr must be a positive number, got {cfg.lr!r}")
        default_B = self.I if cfg.optimizer == "gd" else min(self.I, 16)
        self.B = default_B if cfg.batch_size is None else _check_positive_int(cfg.batch_size, "batch size --batch-size", "")
        if self.B > self.I:
            raise ValueError(f"batch size --batch-size {self.B} is larger than the data set (I = {self.I} samples)")
        if cfg.optimizer == "gd" and self.B != self.I:
            raise ValueError(f"--optimizer gd uses the whole data set (I = {self.I}) in each step; "
                             f"omit --batch-size or use --optimizer sgd for batches of {self.B}")
        check_seed(cfg.seed, "seed --seed")
        _check_positive_int(cfg.epochs, "number of epochs --epochs", "")
        _check_positive_int(cfg.checkpoint_every, "--checkpoint-every", " (epochs between checkpoints)")
        self.device = resolve_device(cfg.device)
        self.dtype = resolve_dtype(cfg.dtype, self.device)

        # Data resident on the device for the whole run.
        self.X = torch.as_tensor(data.X, dtype=self.dtype, device=self.device)  # (I, D_i)
        y_dtype = torch.long if self.entry.support.class_index else self.dtype  # class indices
        self.Y = torch.as_tensor(data.Y, dtype=y_dtype, device=self.device)  # (I, n_targets)
        self.identity = {
            "spec": spec.to_dict(), "loss": loss, "sigma": self.sigma, "data_sha256": data_hash(data),
            "optimizer": cfg.optimizer, "lr": self.lr, "batch_size": self.B, "seed": int(cfg.seed),
            "dtype": str(self.dtype).replace("torch.", ""), "hyper": [cfg.beta, cfg.gamma, cfg.epsilon],
        }
        self.model = DeepNetworkModule(spec, self.dtype, self.device, torch.Generator().manual_seed(int(cfg.seed)))
        self.optimizer = make_optimizer(cfg.optimizer, self.model.parameters(), self.lr, cfg.beta, cfg.gamma,
                                        cfg.epsilon)
        self.rng = np.random.default_rng(int(cfg.seed))  # shuffles the batches
        self.epoch, self.step = 0, 0
        self.history: list[float] = []
        self.run_dir = None if run_dir is None else Path(run_dir)
        self.folder = None if run_dir is None else RunFolder(run_dir)
        self.last_checkpoint: Path | None = None
        self.resumed_from: int | None = None  # the checkpoint's epoch when resumed

    # ----- one epoch ----------------------------------------------------------------------
    def _batches(self) -> list[torch.Tensor | None]:
        if self.config.optimizer == "gd":
            return [None]  # the whole set, original order
        perm = torch.from_numpy(self.rng.permutation(self.I)).to(self.device)  # (I,)
        return [perm[start:stop] for start, stop in batch_bounds(self.I, self.B)]  # the one batching rule

    def _epoch(self) -> tuple[list[float] | torch.Tensor, list[int]]:
        """Run one epoch; return the batch losses and sizes. On the CPU the losses are floats
        (reading a CPU scalar costs nothing); on a GPU they stay on the device, (n_batches,),
        so the epoch needs only one sync."""
        model, opt, loss, sigma, options = self.model, self.optimizer, self.loss, self.sigma, _NLL_OPTIONS
        on_cpu = self.device.type == "cpu"
        losses: list = []
        sizes: list[int] = []
        for idx in self._batches():
            xb, yb = (self.X, self.Y) if idx is None else (self.X[idx], self.Y[idx])  # (B, D_i), (B, n_targets)
            opt.zero_grad(set_to_none=True)
            value = nll(loss, model(xb), yb, sigma, **options)  # sum_{i in B_t} l_i
            value.backward()
            opt.step()
            losses.append(value.item() if on_cpu else value.detach())
            sizes.append(xb.shape[0])
        if on_cpu:
            return losses, sizes
        return (losses[0].reshape(1) if len(losses) == 1 else torch.stack(losses)), sizes

    # ----- checkpoints --------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The checkpoint payload of the current state (tensors moved to the CPU)."""
        def cpu(value: Any) -> Any:
            if isinstance(value, torch.Tensor):
                return value.detach().cpu()
            if isinstance(value, dict):
                return {k: cpu(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cpu(v) for v in value)
            return value

        return {
            "format": ckpt.FORMAT, "version": ckpt.VERSION, "identity": self.identity,
            "epoch": self.epoch, "step": self.step,
            "model": cpu(self.model.state_dict()), "optimizer": cpu(self.optimizer.state_dict()),
            "rng": ckpt.rng_state(self.rng), "history": {"loss": list(self.history)},
            "config": {k: v for k, v in asdict(self.config).items() if k not in ("progress",)},
        }

    def load_state(self, data: dict[str, Any], source: str | os.PathLike = "checkpoint") -> None:
        """Continue from a checkpoint payload (after checking it belongs to this run and that
        every field fits this network and optimizer)."""
        ckpt.check_identity(data, self.identity, source)
        self._check_model_state(data["model"], source)
        steps_per_epoch = len(range(0, self.I, self.B))  # ceil(I / B); gd: 1
        if data["step"] != data["epoch"] * steps_per_epoch:
            raise ValueError(f"checkpoint file {str(source)!r} field step is {data['step']}, but {data['epoch']} epochs "
                             f"of {steps_per_epoch} steps (I = {self.I}, B = {self.B}) make "
                             f"{data['epoch'] * steps_per_epoch}; the file was changed or damaged: resume from "
                             f"another checkpoint or start a new --out")
        fresh_groups = self.optimizer.state_dict()["param_groups"]
        self._loaded_step = int(data["step"])
        try:
            self.model.load_state_dict(data["model"])
            self.optimizer.load_state_dict(data["optimizer"])
        except (RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"checkpoint {str(source)!r} does not fit this network: {str(exc).splitlines()[0]}") from None
        self._check_optimizer_state(fresh_groups, source)
        ckpt.restore_rng(data["rng"], self.rng, source)
        self.epoch, self.step = int(data["epoch"]), int(data["step"])
        self.history = [float(v) for v in data.get("history", {}).get("loss", [])]

    def _check_model_state(self, state: dict[str, Any], source: str | os.PathLike) -> None:
        """Every tensor of this network, by name, of its shape and dtype, finite, and no other
        (a checkpoint is written only with finite parameters)."""
        def bad(what: str) -> ValueError:
            return ValueError(f"checkpoint file {str(source)!r} field model{what}; the file was changed or damaged: "
                              f"resume from another checkpoint or start a new --out")

        expected = self.model.state_dict()
        widths = ",".join(map(str, self.spec.widths))
        for name in expected:
            if name not in state:
                raise bad(f" lacks the tensor {name} (widths {widths} have {', '.join(expected)})")
        for name in state:
            if name not in expected:
                raise bad(f" has a tensor {name!r} that widths {widths} do not have (they have {', '.join(expected)})")
        for name, value in state.items():
            want = expected[name]
            if tuple(value.shape) != tuple(want.shape):
                raise bad(f".{name} has shape {tuple(value.shape)}, this network's {name} has {tuple(want.shape)}")
            if value.dtype != want.dtype:
                raise bad(f".{name} is {str(value.dtype).replace('torch.', '')}, this run trains in "
                          f"{str(want.dtype).replace('torch.', '')}")
            if not bool(torch.isfinite(value).all()):
                raise bad(f".{name} holds non-finite numbers")

    def _check_optimizer_state(self, fresh_groups: list[dict[str, Any]], source: str | os.PathLike) -> None:
        """The loaded optimizer must have this run's coefficients and, per parameter, finite
        state tensors of that parameter's shape (else the first step would fail or be wrong)."""
        for i, (group, fresh) in enumerate(zip(self.optimizer.param_groups, fresh_groups)):
            for key, value in fresh.items():
                if key != "params" and key in group and group[key] != value:
                    raise ValueError(f"checkpoint {str(source)!r} field optimizer.param_groups[{i}].{key} is "
                                     f"{group[key]!r}, this run's optimizer has {value!r}; resume with the original "
                                     f"settings or use a new --out")
        names = dict((id(p), n) for n, p in self.model.named_parameters())
        expected = self._state_keys() if self.step_of(source) > 0 else None
        if expected:
            listed = [p for group in self.optimizer.param_groups for p in group["params"]]
            for index, p in enumerate(listed):
                have = set(self.optimizer.state.get(p, {}))
                if have != expected:
                    missing = ", ".join(sorted(expected - have)) or "none"
                    extra = ", ".join(sorted(have - expected)) or "none"
                    raise ValueError(f"checkpoint file {str(source)!r} field optimizer.state[{index}] ({names.get(id(p))}) "
                                     f"has keys {sorted(have)}; after a step this optimizer keeps {sorted(expected)} "
                                     f"(missing: {missing}; unknown: {extra}): resume from another checkpoint or "
                                     "start a new --out")
        for p, state in self.optimizer.state.items():
            for key, value in state.items():
                if not isinstance(value, torch.Tensor):
                    continue
                if value.ndim and tuple(value.shape) != tuple(p.shape):
                    raise ValueError(f"checkpoint {str(source)!r} field optimizer state {key!r} of {names.get(id(p))} "
                                     f"has shape {tuple(value.shape)}, the parameter has {tuple(p.shape)}")
                if value.is_floating_point() and not bool(torch.isfinite(value).all()):
                    raise ValueError(f"checkpoint {str(source)!r} field optimizer state {key!r} of "
                                     f"{names.get(id(p))} holds non-finite numbers")
                if key.endswith("exp_avg_sq") and bool((value < 0).any()):  # a mean of squares
                    raise ValueError(f"checkpoint file {str(source)!r} field optimizer state {key!r} of "
                                     f"{names.get(id(p))} holds negative numbers (it is a mean of squared "
                                     "gradients)")

    def step_of(self, source: str | os.PathLike) -> int:
        """The step count the loaded state claims (set by :meth:`load_state` before the check)."""
        return getattr(self, "_loaded_step", 0)

    def _state_keys(self) -> set[str] | None:
        """The state keys this optimizer keeps per parameter after one step (None: unknown)."""
        try:
            probe = torch.zeros(1, dtype=torch.float64, requires_grad=True)
            optimizer = type(self.optimizer)([probe], **self.optimizer.defaults)
            probe.grad = torch.zeros_like(probe)
            optimizer.step()
            return set(optimizer.state[probe])
        except Exception:  # noqa: BLE001 - an optimizer that cannot be probed keeps its old check
            return None

    def save_checkpoint(self) -> Path:
        """Write ``checkpoints/epoch-NNNNNN.pt`` atomically; refuse non-finite parameters."""
        assert self.folder is not None
        for name, p in self.model.named_parameters():
            if not bool(torch.isfinite(p).all()):
                raise self._diverged(f"parameter {name} became non-finite during epoch {self.epoch}",
                                     self.epoch, self.step)
        path = self.folder.save_checkpoint(self.epoch, self.state(), self.config.keep_checkpoints)
        self.last_checkpoint = path
        return path

    def _diverged(self, what: str, epoch: int, step: int) -> TrainingDiverged:
        where = (f"the last good checkpoint {str(self.last_checkpoint)!r} is intact"
                 if self.last_checkpoint else "no checkpoint was written")
        return TrainingDiverged(f"training diverged: {what} (epoch {epoch}, step {step}); {where}; "
                                f"try a smaller --lr (now {self.lr:g})", epoch, step, self.last_checkpoint)

    # ----- the loop -----------------------------------------------------------------------
    def run(self, resume: bool = False, on_epoch: Callable[["Trainer", float], None] | None = None) -> TrainResult:
        """Train until ``config.epochs`` epochs are complete (continuing from the newest
        checkpoint with ``resume``); raise :class:`TrainingDiverged` on a NaN/inf loss. The
        run folder's lock is held throughout (:meth:`RunFolder.locked`): one writer per folder.
        The global torch generator is seeded with the run's seed (a resumed run restores it
        from the checkpoint), so that identical runs write identical checkpoints."""
        if self.folder is None:
            return self._run(resume, on_epoch)
        with self.folder.locked():
            return self._run(resume, on_epoch)

    def _run(self, resume: bool, on_epoch: Callable[["Trainer", float], None] | None) -> TrainResult:
        cfg = self.config
        start = time.perf_counter()
        log = None
        torch.manual_seed(int(cfg.seed))  # the state every checkpoint saves (rng.torch_cpu)
        if self.folder is not None:
            found = self.folder.start(resume, cfg.epochs)  # the whole folder checked; nothing touched yet
            if found is not None:
                latest, data = found
                self.load_state(data, latest)
                self.last_checkpoint, self.resumed_from = latest, self.epoch
            log = self.folder.open_metrics(self.resumed_from)
        elif resume:
            raise ValueError("--resume needs a run folder (--out RUN_DIR)")
        bar = progress_bar(cfg.epochs, min(self.epoch, cfg.epochs), cfg.progress)
        steps_before = self.step
        try:
            while self.epoch < cfg.epochs:
                losses, sizes = self._epoch()  # (n_batches,)
                if isinstance(losses, list):
                    epoch_loss = math.fsum(losses)
                else:
                    epoch_loss = float(losses.sum())  # one device sync per epoch
                    losses = losses.cpu().tolist() if not math.isfinite(epoch_loss) or cfg.log_steps else losses
                epoch = self.epoch + 1
                if not math.isfinite(epoch_loss):
                    values = list(losses)
                    bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), len(values) - 1)
                    if log is not None:
                        log.rows(epoch, self.step + 1, values[:bad + 1], sizes[:bad + 1])
                    raise self._diverged(f"loss is {values[bad]} at step {bad + 1} of the epoch",
                                         epoch, self.step + bad + 1)
                self.epoch, self.step = epoch, self.step + len(sizes)
                self.history.append(epoch_loss)
                if log is not None:
                    if cfg.log_steps:
                        log.rows(epoch, self.step - len(sizes) + 1, list(losses), sizes)
                    log.row(epoch, self.step, epoch_loss, self.I, "epoch")
                    if epoch % cfg.checkpoint_every == 0 or epoch == cfg.epochs:
                        log.flush()
                        self.save_checkpoint()
                    else:
                        log.maybe_flush()
                bar.update(1)
                if bar.disable is False:
                    bar.set_postfix_str(f"loss {epoch_loss:.4g}", refresh=False)
                if on_epoch is not None:
                    on_epoch(self, epoch_loss)
        finally:
            bar.close()
            if log is not None:
                log.close()
        seconds = time.perf_counter() - start
        final = total_loss(self.model, self.loss, self.X, self.Y, self.sigma)
        if not math.isfinite(final):
            raise self._diverged(f"final loss is {final}", self.epoch, self.step)
        result = TrainResult(self.model.tensors(), final, self.epoch, self.step, seconds, self.I,
                             list(self.history), self.run_dir)
        if self.folder is not None:
            self.folder.write_params(dict(self.model.named_parameters()))
            summary = {"spec": self.spec.describe(), "loss": self.loss, "optimizer": cfg.optimizer, "lr": self.lr,
                       "batch_size": self.B, "I": self.I, "epochs": self.epoch, "steps": self.step,
                       "steps_this_session": self.step - steps_before, "seconds": seconds, "final_loss": final,
                       "final_loss_per_sample": final / self.I, "device": str(self.device),
                       "dtype": self.identity["dtype"], "seed": cfg.seed}
            self.folder.write_summary(summary)
        return result
