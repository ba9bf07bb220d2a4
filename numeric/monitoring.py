"""Monitoring a training run: ``metrics.csv`` rows and a progress bar on terminals.

``metrics.csv`` has the header ``epoch,step,loss,loss_per_sample,samples,kind``:

- ``kind = epoch``: one row per completed epoch; ``step`` counts optimizer steps so far,
  ``loss`` is the sum over the epoch's batches of the batch loss sum_{i in B_t} l_i (each at
  the parameters before that step; for full-batch gradient descent exactly L[phi_t]),
  ``samples`` is I and ``loss_per_sample = loss / I``;
- ``kind = step`` (``--log-steps``): one row per optimizer step with the batch's loss and size.

Rows are appended as training runs and flushed at least every ``flush_seconds`` and at every
checkpoint, so a crash loses at most a fraction of a second of monitoring. On resume the
file is cut back to the checkpoint's epoch, so a resumed run's file equals an uninterrupted one.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import time
from pathlib import Path
from typing import Iterable

from .files import atomic_write_text

__all__ = ["HEADER", "MetricsLog", "read_metrics", "progress_bar"]

HEADER = ("epoch", "step", "loss", "loss_per_sample", "samples", "kind")


class MetricsLog:
    """Append-only writer of ``metrics.csv`` (header written once)."""

    def __init__(self, path: str | os.PathLike, flush_seconds: float = 0.25) -> None:
        self.path = Path(path)
        self.flush_seconds = flush_seconds
        new = not self.path.exists() or self.path.stat().st_size == 0
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)  # never through a link
        self._fh = os.fdopen(os.open(self.path, flags, 0o666), "a", newline="")
        if new:
            self._fh.write(",".join(HEADER) + "\n")
            self._fh.flush()
        self._last_flush = time.monotonic()

    def row(self, epoch: int, step: int, loss: float, samples: int, kind: str) -> None:
        """Append one row (``repr`` of floats: exact round trip)."""
        self._fh.write(f"{epoch},{step},{loss!r},{loss / samples!r},{samples},{kind}\n")

    def rows(self, epoch: int, first_step: int, losses: Iterable[float], sizes: Iterable[int]) -> None:
        """Append one ``step`` row per optimizer step of an epoch."""
        for offset, (loss, size) in enumerate(zip(losses, sizes)):
            self.row(epoch, first_step + offset, loss, size, "step")

    def maybe_flush(self) -> None:
        now = time.monotonic()
        if now - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        self._fh.flush()
        self._last_flush = time.monotonic()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            self._fh.close()

    @staticmethod
    def truncate(path: str | os.PathLike, epoch: int) -> None:
        """Keep the header and the complete rows of epochs <= ``epoch`` (atomic rewrite)."""
        path = Path(path)
        if not path.exists():
            return
        text = path.read_text()
        lines = text.split("\n")
        complete = lines[:-1]  # a last line without its newline was cut by a crash
        keep = [complete[0]] if complete and complete[0] == ",".join(HEADER) else [",".join(HEADER)]
        for line in complete[1:]:
            fields = line.split(",")
            if len(fields) == len(HEADER) and fields[0].isdigit() and int(fields[0]) <= epoch:
                keep.append(line)
        atomic_write_text(path, "\n".join(keep) + "\n")


def read_metrics(path: str | os.PathLike, kind: str = "epoch") -> list[dict[str, float]]:
    """The rows of one ``kind`` as dicts of numbers (epoch, step, loss, loss_per_sample, samples)."""
    with Path(path).open(newline="") as fh:
        reader = csv.DictReader(io.StringIO(fh.read()))
        return [{k: float(v) for k, v in r.items() if k != "kind"} for r in reader if r.get("kind") == kind]


def progress_bar(total: int, initial: int, enabled: bool | None):
    """A tqdm bar over epochs on stderr when it is a terminal (``enabled=None``), else silent."""
    from tqdm.auto import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=total, initial=initial, unit="epoch", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, leave=True)
