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

import os
import pickle
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import torch

__all__ = [
    "FORMAT",
    "checkpoint_path",
    "list_checkpoints",
    "latest_checkpoint",
    "save_checkpoint",
    "load_checkpoint",
    "check_identity",
    "rng_state",
    "restore_rng",
    "prune_checkpoints",
    "remove_temporaries",
]

FORMAT = "deepderive-checkpoint"
VERSION = 1
_NAME = re.compile(r"^epoch-(\d+)\.pt$")
_TMP_PREFIX = ".tmp-checkpoint-"


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
    """Write ``payload`` to ``path`` atomically: temporary file, flush, fsync, ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".pt", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(dict(payload), fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    return path


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` onto the CPU; ValueError if it is not one."""
    path = Path(path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ValueError(f"checkpoint file {str(path)!r} not found") from None
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError,
            AttributeError, TypeError) as exc:
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
    return data


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


def restore_rng(state: Mapping[str, Any], generator: np.random.Generator) -> None:
    """Restore the states of :func:`rng_state` (the numpy Generator in place)."""
    torch.set_rng_state(state["torch_cpu"])
    cuda = list(state.get("torch_cuda", []))
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    generator.bit_generator.state = state["numpy"]


def prune_checkpoints(run_dir: str | os.PathLike, keep: int) -> None:
    """Delete all but the ``keep`` newest checkpoints (``keep`` <= 0 keeps them all)."""
    if keep <= 0:
        return
    for old in list_checkpoints(run_dir)[:-keep]:
        old.unlink(missing_ok=True)


def remove_temporaries(run_dir: str | os.PathLike) -> None:
    """Remove temporary files left by a write that was killed before its ``os.replace``."""
    folder = Path(run_dir) / "checkpoints"
    if folder.is_dir():
        for p in folder.glob(_TMP_PREFIX + "*"):
            p.unlink(missing_ok=True)
