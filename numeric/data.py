"""Data files (``--data``): CSV with a header, inputs ``x_1..x_{D_i}`` (or ``x``), targets
``y`` (or ``y_1..y_n``). Validated: missing columns, non-numbers, NaN and inf are errors;
:func:`validate_targets` checks that targets lie in the support of a loss's distribution
(bernoulli 0/1, categorical class indices 0..D_o-1, poisson counts 0, 1, 2, ...).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from symbolic.spec.losses import get_loss  # plain Python
from symbolic.spec.limits import MAX_DATA_COLUMNS

from .files import decode_text, read_regular_file, shorten

#: A number in a data cell: decimal digits, optional sign, point and exponent. Python's own
#: literal forms (``1_000``, ``0x1f``, ``inf``, ``nan``, ``Infinity``) are not CSV numbers.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")

__all__ = ["Dataset", "load_csv", "input_columns", "target_columns", "validate_targets"]


@dataclass
class Dataset:
    """Inputs X (I, D_i) and targets Y (I, n_targets) or None, float64."""

    X: np.ndarray
    Y: np.ndarray | None
    name: str = "data"

    @property
    def I(self) -> int:  # noqa: E743 - the lecture's symbol for the number of samples
        return self.X.shape[0]


def input_columns(D_i: int) -> list[list[str]]:
    """Accepted input column names: ``x`` when D_i = 1, else ``x_1..x_{D_i}``."""
    cols = [[f"x_{i}" for i in range(1, D_i + 1)]]
    if D_i == 1:
        cols.insert(0, ["x"])
    return cols


def target_columns(n: int) -> list[list[str]]:
    cols = [[f"y_{i}" for i in range(1, n + 1)]]
    if n == 1:
        cols.insert(0, ["y"])
    return cols


def _pick(header: list[str], options: list[list[str]], what: str, path: str) -> list[int]:
    position = {n: i for i, n in reversed(list(enumerate(header)))}  # name -> first column, one pass
    for names in options:
        if all(n in position for n in names):
            return [position[n] for n in names]
    wanted = " or ".join(",".join(o) for o in options)
    missing = [n for n in options[-1] if n not in position]
    raise ValueError(f"data file {path!r} is missing {what} column{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(missing)} (expected {wanted}; header has {shorten(','.join(header)) or 'nothing'})")


def load_csv(path: str | os.PathLike, D_i: int, n_targets: int = 0) -> Dataset:
    """Read a data CSV for a network with D_i inputs and ``n_targets`` target columns."""
    path = Path(path)
    name = str(path)
    text = decode_text(read_regular_file(path, "data file"), "data file", path)
    try:
        reader = (r for r in csv.reader(io.StringIO(text, newline="")) if any(c.strip() for c in r))
        first = next(reader, None)
        if first is None:
            raise ValueError(f"data file {name!r} is empty (it needs a header and at least one row)")
        if len(first) > MAX_DATA_COLUMNS:  # before any row is read
            raise ValueError(f"data file {name!r} has {len(first)} columns in its header; at most {MAX_DATA_COLUMNS} "
                             f"are read: keep the input and target columns only")
        rows = [first, *reader]
    except csv.Error as exc:
        raise ValueError(f"data file {name!r} is not a readable CSV: {exc}") from None
    header = [c.strip() for c in rows[0]]
    counts = Counter(header)  # one pass: the header may be long
    repeated = [c for c in header if counts[c] > 1]
    if repeated:
        raise ValueError(f"data file {name!r} has the column {shorten(min(repeated))!r} more than once; name each "
                         f"column once")
    for short, long in (("x", "x_1"), ("y", "y_1")):
        if short in header and long in header:
            raise ValueError(f"data file {name!r} has both columns {short!r} and {long!r}; keep one of them")
    x_idx = _pick(header, input_columns(D_i), "input", name)
    y_idx = _pick(header, target_columns(n_targets), "target", name) if n_targets else []
    body = rows[1:]
    if not body:
        raise ValueError(f"data file {name!r} has a header but no rows")
    X = np.empty((len(body), len(x_idx)))
    Y = np.empty((len(body), len(y_idx))) if y_idx else None
    for r, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"data file {name!r} line {r} has {len(row)} fields, the header has {len(header)}")
        for targets, idx in ((X, x_idx), (Y, y_idx)):
            for c, i in enumerate(idx):
                text = row[i].strip()
                if not _DECIMAL.match(text):
                    shown = text if len(text) <= 40 else text[:40] + "..."
                    if text.lstrip("+-").lower() in ("nan", "inf", "infinity"):
                        raise ValueError(f"data file {name!r} line {r} column {header[i]!r}: {text} is not a finite number")
                    raise ValueError(f"data file {name!r} line {r} column {header[i]!r}: {shown!r} is not a number (a "
                                     f"cell holds a decimal number: digits, optional sign, point and exponent, e.g. -1.5e-3)")
                value = float(text)
                if not math.isfinite(value):
                    raise ValueError(f"data file {name!r} line {r} column {header[i]!r}: {text} is too large for "
                                     f"float64 (at most about 1.8e308)")
                targets[r - 2, c] = value  # type: ignore[index]
    return Dataset(X, Y, path.name)


def validate_targets(Y: np.ndarray, loss: str, D_o: int, source: str = "data", first_line: int | None = None) -> None:
    """Raise ValueError unless every target lies in the support of the loss's distribution.

    The support is the registry entry's (bernoulli: y in {0, 1}; categorical: a class index in
    {0, ..., D_o - 1}; poisson: y in {0, 1, 2, ...}; beta: 0 < y < 1; ...); the normal losses
    accept any finite real. ``Y`` is (I, n_targets).
    ``first_line`` is the file line of sample 0 (2 for a CSV with a header), used in the
    message; without it samples are counted from 0.
    """
    Y = np.asarray(Y, dtype=np.float64)  # (I, n_targets)
    if not np.all(np.isfinite(Y)):
        i = int(np.argwhere(~np.isfinite(Y))[0][0])
        raise ValueError(f"{source} {_where(i, first_line)}: targets must be finite numbers, got {Y[i].tolist()}")
    entry = get_loss(loss)
    if entry.support.real_line:  # finite is all it asks
        return
    bad, wanted = entry.bad_targets(Y, D_o), entry.support.singular(D_o, entry.name)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"{source} {_where(i, first_line)}: target must be {wanted}, got {Y[i, j]:g}")


def _where(i: int, first_line: int | None) -> str:
    return f"line {i + first_line}" if first_line is not None else f"sample {i}"
