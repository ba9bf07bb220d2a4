"""Checkpoints of a training run: written atomically, read with ``torch.load(weights_only=True)``.

A checkpoint ``RUN_DIR/checkpoints/epoch-000010.pt`` is a dict of plain Python values and
tensors (no pickled classes), so it loads with ``weights_only=True``::

    {"format": "deepderive-checkpoint", "version": 1,
     "identity": {"spec": ..., "loss": ..., "sigma": ..., "data_sha256": ..., "optimizer": ..., ...},
     "epoch": 10, "step": 30,                      # completed epochs and optimizer steps
     "model": {beta_k, omega_k tensors}, "optimizer": optimizer.state_dict(),
     "rng": {"torch_cpu": ByteTensor, "torch_cuda": [ByteTensor, ...], "numpy": {...}},
     "history": {"loss": [...per epoch...]}}

Writes go to a temporary file in the same folder, are flushed and fsync'ed, then renamed
over the target with ``os.replace``: a crash at any moment leaves either the old set of
checkpoints or the old set plus the complete new one, never a half-written ``.pt``.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import re
import signal
import threading
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from symbolic.spec.limits import MAX_CHECKPOINT_BYTES

from .files import atomic_write, open_regular_file, shorten

__all__ = [
    "FORMAT",
    "checkpoint_path",
    "list_checkpoints",
    "latest_checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "validate_checkpoint",
    "check_identity",
    "rng_state",
    "restore_rng",
]

FORMAT = "deepderive-checkpoint"
VERSION = 1
_NAME = re.compile(r"^epoch-(\d+)\.pt$")


def checkpoint_path(run_dir: str | os.PathLike, epoch: int) -> Path:
    """``RUN_DIR/checkpoints/epoch-{epoch:06d}.pt``."""
    return Path(run_dir) / "checkpoints" / f"epoch-{epoch:06d}.pt"


def list_checkpoints(run_dir: str | os.PathLike) -> list[Path]:
    """The run's complete checkpoints, oldest first (temporary files are ignored)."""
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _NAME.match(p.name))]
    return [p for _, p in sorted(found)]


def latest_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The newest checkpoint (highest epoch), or None."""
    found = list_checkpoints(run_dir)
    return found[-1] if found else None


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def save_checkpoint(path: str | os.PathLike, payload: Mapping[str, Any]) -> Path:
    """Write ``payload`` to ``path`` atomically: temporary file, flush, fsync, ``os.replace``
    (:func:`numeric.files.atomic_write`; the file gets the umask's permissions). Ctrl-C and
    SIGTERM wait until the write is done (a signal handled inside torch's writer surfaced as
    its RuntimeError, not as the interruption it was)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _interruptions_deferred():
        atomic_write(path, lambda fh: torch.save(dict(payload), fh))
        _fsync_dir(path.parent)
    return path


@contextlib.contextmanager
def _interruptions_deferred():
    """Block SIGINT and SIGTERM in the main thread for the block; a signal that arrives meanwhile
    is delivered (and handled as usual) when it ends."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` onto the CPU and validate every field
    (:func:`validate_checkpoint`); ValueError if it is not a complete deepderive checkpoint."""
    path = Path(path)
    with open_regular_file(path, "checkpoint file", MAX_CHECKPOINT_BYTES) as fh:
        try:
            data = torch.load(fh, map_location="cpu", weights_only=True)
        except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError,
                AttributeError, TypeError, RecursionError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"checkpoint file {str(path)!r} is corrupt or not a torch checkpoint ({reason[:120]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"checkpoint file {str(path)!r} is not a deepderive checkpoint (no format {FORMAT!r})")
    if data.get("version") != VERSION:
        raise ValueError(f"checkpoint file {str(path)!r} has format version {data.get('version')!r}; "
                         f"this deepderive reads version {VERSION}")
    missing = [k for k in ("identity", "epoch", "step", "model", "optimizer", "rng") if k not in data]
    if missing:
        raise ValueError(f"checkpoint file {str(path)!r} is incomplete: missing {', '.join(missing)}")
    validate_checkpoint(data, path)
    return data


class _Said(str):
    """A description of the value found (shown as it is, not quoted)."""


def _bad(path: str | os.PathLike, field: str, wanted: str, got: Any) -> ValueError:
    if isinstance(got, _Said):
        shown = str(got)
    elif isinstance(got, (int, float, str)) and not isinstance(got, bool):
        shown = repr(got)[:60]
    else:
        shown = f"a {type(got).__name__}"
    return ValueError(f"checkpoint file {str(path)!r} field {field} must be {wanted}, got {shown}; "
                      f"the file was changed or damaged: resume from another checkpoint or start a new --out")


#: The largest count (epoch, step, a parameter id) a checkpoint may hold: torch's int64.
MAX_COUNT = 2**63 - 1
#: How deeply the plain values of a checkpoint (identity, settings) may nest.
_MAX_DEPTH = 16


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


def _number_problem(value: Any) -> str | None:
    """None for a finite number (not a bool); else what the value is, in words."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"a {type(value).__name__}"
    if isinstance(value, int):
        if abs(value) <= MAX_COUNT:
            return None
        return f"an integer of {value.bit_length()} bits" + (", beyond float64" if value.bit_length() > 1024 else "")
    return None if math.isfinite(value) else repr(value)


def _plain_problem(value: Any, depth: int = 0) -> str | None:
    """None for a plain value (None, bool, text, a finite number, and lists, tuples and dicts
    with text keys of those); else what the first other thing found is, in words."""
    if value is None or isinstance(value, (bool, str)):
        return None
    if isinstance(value, (int, float)):
        return _number_problem(value)
    if depth >= _MAX_DEPTH and isinstance(value, (list, tuple, dict)):
        return f"a {type(value).__name__} nested more than {_MAX_DEPTH} deep"
    if isinstance(value, (list, tuple)):
        return next((p for p in (_plain_problem(v, depth + 1) for v in value) if p), None)
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            return "a dict with a key that is not text"
        return next((p for p in (_plain_problem(v, depth + 1) for v in value.values()) if p), None)
    return f"a {type(value).__name__}"


def _tensor_problem(value: Any) -> str | None:
    """None for a dense tensor in CPU memory; else what the value is, in words."""
    if not isinstance(value, torch.Tensor):
        return f"a {type(value).__name__}"
    if value.layout != torch.strided:
        return f"a {str(value.layout).replace('torch.', '')} (not dense) tensor"
    if value.device.type != "cpu":
        return f"a tensor on the {value.device.type} device, without values in memory" if value.device.type == "meta" \
            else f"a tensor on the {value.device.type} device"
    if value.is_quantized:
        return "a quantized tensor"
    return None


def _check_plain(path: str | os.PathLike, field: str, value: Any, wanted: str) -> None:
    problem = _plain_problem(value)
    if problem:
        raise _bad(path, field, wanted, _Said(problem))


def _check_optimizer(path: str | os.PathLike, opt: Any, steps: int) -> None:
    """An optimizer ``state_dict``: groups of distinct parameter ids and plain settings; per
    listed parameter, a state of dense CPU tensors and finite numbers (``step`` a count)."""
    if not (isinstance(opt, dict) and isinstance(opt.get("state"), dict) and isinstance(opt.get("param_groups"), list)
            and all(isinstance(g, dict) and isinstance(g.get("params"), list) for g in opt["param_groups"])):
        raise _bad(path, "optimizer", "an optimizer state_dict (state, param_groups)", opt)
    ids: list[int] = []
    for i, group in enumerate(opt["param_groups"]):
        for key, value in group.items():
            field = f"optimizer.param_groups[{i}].{key}"
            if not isinstance(key, str):
                raise _bad(path, f"optimizer.param_groups[{i}]", "a dict with text keys", _Said(f"the key {key!r}"))
            if key == "params":
                if not all(_count(v) for v in value):
                    raise _bad(path, field, "a list of parameter ids (integers >= 0)",
                               _Said(_number_problem(next(v for v in value if not _count(v))) or 'a negative id'))
                ids += value
            else:
                _check_plain(path, field, value, "a number, a flag, text or a list of numbers")
    if len(set(ids)) != len(ids):
        raise _bad(path, "optimizer.param_groups", "groups listing each parameter id once",
                   _Said(f"the id {next(v for v in ids if ids.count(v) > 1)} twice"))
    known = set(ids)
    for index, state in opt["state"].items():
        field = f"optimizer.state[{index!r}]"
        if not _count(index) or index not in known:
            listed = ", ".join(map(str, ids[:20])) + (", ..." if len(ids) > 20 else "")
            raise _bad(path, "optimizer.state", f"the states of the parameters the groups list (ids {listed})",
                       _Said(f"a state for the unknown id {shorten(repr(index))}"))
        if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
            raise _bad(path, field, "a dict of named tensors and numbers", state)
        for key, value in state.items():
            problem = _tensor_problem(value) if isinstance(value, torch.Tensor) else _number_problem(value)
            if problem:
                raise _bad(path, f"{field}.{key}", "a dense CPU tensor or a finite number", _Said(problem))
            if key == "step":
                if isinstance(value, torch.Tensor):
                    if value.numel() != 1 or value.is_complex():
                        raise _bad(path, f"{field}.step", "one number (the steps taken)",
                                   _Said(f"a tensor of shape {tuple(value.shape)}"))
                    value = value.item()
                if not (math.isfinite(value) and value == int(value) and 0 <= value <= steps):
                    raise _bad(path, f"{field}.step", f"a whole number of steps from 0 to the run's {steps}",
                               _Said(shorten(repr(value))))


def validate_checkpoint(data: Mapping[str, Any], path: str | os.PathLike = "checkpoint") -> None:
    """Check the type (and where it is fixed, the size and range) of every field before it is
    used: a crafted file is refused naming the field, never a traceback."""
    if not isinstance(data["identity"], dict):
        raise _bad(path, "identity", "a dict", data["identity"])
    for key, value in data["identity"].items():
        _check_plain(path, f"identity.{key}", value, "a plain value (text, numbers, lists)")
    for key in ("epoch", "step"):
        if not _count(data[key]):
            raise _bad(path, key, "an integer >= 0 (at most 2^63 - 1)", _Said(_number_problem(data[key]) or
                                                                             shorten(repr(data[key]))))
    model = data["model"]
    if not isinstance(model, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in model.items()):
        raise _bad(path, "model", "a dict of named tensors", model)
    for name, value in model.items():
        problem = _tensor_problem(value)
        if problem:
            raise _bad(path, f"model.{shorten(name)}", "a dense tensor in CPU memory", _Said(problem))
    _check_optimizer(path, data["optimizer"], data["step"])
    rng = data["rng"]
    if not isinstance(rng, dict):
        raise _bad(path, "rng", "a dict", rng)
    cpu = rng.get("torch_cpu")
    size = torch.get_rng_state().numel()
    if not (isinstance(cpu, torch.Tensor) and cpu.dtype == torch.uint8 and cpu.shape == (size,)
            and _tensor_problem(cpu) is None):
        got = _Said(f"a {cpu.dtype} tensor of shape {tuple(cpu.shape)}" if _tensor_problem(cpu) is None
                    else _tensor_problem(cpu)) if isinstance(cpu, torch.Tensor) else cpu
        raise _bad(path, "rng.torch_cpu", f"a torch CPU RNG state (uint8 tensor of {size} bytes)", got)
    cuda = rng.get("torch_cuda", [])
    if not (isinstance(cuda, (list, tuple)) and all(isinstance(t, torch.Tensor) and t.dtype == torch.uint8
                                                    and _tensor_problem(t) is None for t in cuda)):
        raise _bad(path, "rng.torch_cuda", "a list of CUDA RNG states (dense uint8 tensors)", cuda)
    state = rng.get("numpy")
    if not (isinstance(state, dict) and isinstance(state.get("bit_generator"), str) and isinstance(state.get("state"), dict)):
        raise _bad(path, "rng.numpy", "a numpy bit-generator state", state)
    history = data.get("history", {"loss": []})
    losses = history.get("loss") if isinstance(history, dict) else None
    if not (isinstance(losses, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in losses)):
        raise _bad(path, "history", "a dict with a list of numbers under 'loss'", history)
    for i, v in enumerate(losses):
        problem = _number_problem(v)
        if problem:
            raise _bad(path, f"history.loss[{i}]", "a finite loss (a run stops before it records nan or inf)",
                       _Said(problem))
    if len(losses) != data["epoch"]:
        raise _bad(path, "history.loss", f"one loss per completed epoch ({data['epoch']})", _Said(f"{len(losses)} losses"))
    if not isinstance(data.get("config", {}), dict):
        raise _bad(path, "config", "a dict of the run's settings", data["config"])
    _check_plain(path, "config", data.get("config", {}), "a dict of the run's settings")


#: How a mismatch of each identity field is described, with the fix.
_IDENTITY_NAMES = {
    "spec": "network (--widths/--activation)",
    "loss": "loss (--loss)",
    "sigma": "sigma (--sigma)",
    "data_sha256": "data (SHA-256 of inputs and targets)",
    "optimizer": "optimizer (--optimizer)",
    "lr": "learning rate (--lr)",
    "batch_size": "batch size (--batch-size)",
    "seed": "seed (--seed)",
    "dtype": "dtype (--dtype)",
    "hyper": "optimizer coefficients",
}


def check_identity(checkpoint: Mapping[str, Any], identity: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Refuse a checkpoint written for another network, loss, data set or optimizer setting."""
    stored = checkpoint["identity"]
    for key, value in identity.items():
        if stored.get(key) != value:
            what = _IDENTITY_NAMES.get(key, key)
            old, new = stored.get(key), value
            if key == "data_sha256":
                old, new = str(old)[:12] + "...", str(new)[:12] + "..."
            raise ValueError(f"checkpoint {str(path)!r} belongs to another run: its {what} is {old}, "
                             f"this run's is {new}; resume with the original settings or use a new --out")


def rng_state(generator: np.random.Generator) -> dict[str, Any]:
    """All random states a run depends on: torch CPU, every CUDA device, the numpy Generator."""
    return {
        "torch_cpu": torch.get_rng_state(),
        "torch_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": generator.bit_generator.state,
    }


def restore_rng(state: Mapping[str, Any], generator: np.random.Generator, source: str | os.PathLike = "checkpoint") -> None:
    """Restore the states of :func:`rng_state` (the numpy Generator in place)."""
    kind = type(generator.bit_generator).__name__
    numpy_state = state["numpy"]
    if numpy_state.get("bit_generator") != kind:
        raise _bad(source, "rng.numpy", f"a {kind} state (the generator that shuffles the batches)",
                   numpy_state.get("bit_generator"))
    before = generator.bit_generator.state
    try:
        generator.bit_generator.state = numpy_state
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        generator.bit_generator.state = before
        raise _bad(source, "rng.numpy", f"a valid {kind} state", _Said(str(exc).splitlines()[0][:60] or "another value")) from None
    before_torch = torch.get_rng_state()
    try:
        torch.set_rng_state(state["torch_cpu"])
    except RuntimeError as exc:  # the right size, but not a state the generator accepts
        torch.set_rng_state(before_torch)
        generator.bit_generator.state = before
        raise _bad(source, "rng.torch_cpu", "a valid torch CPU RNG state",
                   _Said(f"bytes torch refuses ({str(exc).splitlines()[0][:60]})")) from None
    cuda = list(state.get("torch_cuda", []))
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        try:
            torch.cuda.set_rng_state_all(cuda)
        except RuntimeError as exc:
            raise _bad(source, "rng.torch_cuda", "this machine's CUDA RNG states",
                       _Said(str(exc).splitlines()[0][:60])) from None
