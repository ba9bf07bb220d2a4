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

import math
import os
import pickle
import re
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

from symbolic.limits import MAX_CHECKPOINT_BYTES

from .files import atomic_write, open_regular_file

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
    (:func:`numeric.files.atomic_write`; the file gets the umask's permissions)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda fh: torch.save(dict(payload), fh))
    _fsync_dir(path.parent)
    return path


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


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def validate_checkpoint(data: Mapping[str, Any], path: str | os.PathLike = "checkpoint") -> None:
    """Check the type (and where it is fixed, the size) of every field before it is used."""
    if not isinstance(data["identity"], dict):
        raise _bad(path, "identity", "a dict", data["identity"])
    for key in ("epoch", "step"):
        if not _count(data[key]):
            raise _bad(path, key, "an integer >= 0", data[key])
    model = data["model"]
    if not isinstance(model, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in model.items()):
        raise _bad(path, "model", "a dict of named tensors", model)
    opt = data["optimizer"]
    if not (isinstance(opt, dict) and isinstance(opt.get("state"), dict) and isinstance(opt.get("param_groups"), list)
            and all(isinstance(g, dict) and isinstance(g.get("params"), list) for g in opt["param_groups"])):
        raise _bad(path, "optimizer", "an optimizer state_dict (state, param_groups)", opt)
    for index, state in opt["state"].items():
        if not isinstance(state, dict) or not all(isinstance(v, (torch.Tensor, int, float)) for v in state.values()):
            raise _bad(path, f"optimizer.state[{index}]", "a dict of tensors and numbers", state)
    rng = data["rng"]
    if not isinstance(rng, dict):
        raise _bad(path, "rng", "a dict", rng)
    cpu = rng.get("torch_cpu")
    size = torch.get_rng_state().numel()
    if not (isinstance(cpu, torch.Tensor) and cpu.dtype == torch.uint8 and cpu.shape == (size,)):
        got = _Said(f"a {cpu.dtype} tensor of shape {tuple(cpu.shape)}") if isinstance(cpu, torch.Tensor) else cpu
        raise _bad(path, "rng.torch_cpu", f"a torch CPU RNG state (uint8 tensor of {size} bytes)", got)
    cuda = rng.get("torch_cuda", [])
    if not (isinstance(cuda, (list, tuple)) and all(isinstance(t, torch.Tensor) and t.dtype == torch.uint8 for t in cuda)):
        raise _bad(path, "rng.torch_cuda", "a list of CUDA RNG states (uint8 tensors)", cuda)
    state = rng.get("numpy")
    if not (isinstance(state, dict) and isinstance(state.get("bit_generator"), str) and isinstance(state.get("state"), dict)):
        raise _bad(path, "rng.numpy", "a numpy bit-generator state", state)
    history = data.get("history", {"loss": []})
    losses = history.get("loss") if isinstance(history, dict) else None
    if not (isinstance(losses, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in losses)):
        raise _bad(path, "history", "a dict with a list of numbers under 'loss'", history)
    if not all(math.isfinite(v) for v in losses):
        bad = next(i for i, v in enumerate(losses) if not math.isfinite(v))
        raise _bad(path, f"history.loss[{bad}]", "a finite loss (a run stops before it records nan or inf)", losses[bad])
    if len(losses) != data["epoch"]:
        raise _bad(path, "history.loss", f"one loss per completed epoch ({data['epoch']})", _Said(f"{len(losses)} losses"))
    if not isinstance(data.get("config", {}), dict):
        raise _bad(path, "config", "a dict of the run's settings", data["config"])


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
