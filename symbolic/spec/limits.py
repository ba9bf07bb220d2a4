"""The limits on what deepderive accepts, in one place: sizes, seeds and input files.

Plain Python (no SymPy, no torch), so both sides and the command line share it. Every
limit is checked *before* anything is allocated or read, and its message names the size
that was asked for, the limit and what to do.

>>> check_seed(7)
7
>>> check_seed(-1)
Traceback (most recent call last):
...
ValueError: --seed must be an integer from 0 to 4294967295, got -1
>>> check_bytes("train --widths 1,100000,100000,1", 10**10 * 8 * 4, "use smaller widths")
Traceback (most recent call last):
...
ValueError: train --widths 1,100000,100000,1 needs about 298.0 GiB of memory, more than the limit of 16.0 GiB: use smaller widths
"""

from __future__ import annotations

from typing import Any, Sequence

__all__ = [
    "MAX_SEED",
    "MAX_SYMBOLIC_PARAMETERS",
    "MAX_HIDDEN_LAYERS",
    "MAX_EXACT_REGIONS_PARAMETERS",
    "MAX_MEMORY_BYTES",
    "MAX_INPUT_FILE_BYTES",
    "MAX_CHECKPOINT_BYTES",
    "MAX_DATA_COLUMNS",
    "MAX_DERIVED_TARGETS",
    "MAX_DERIVED_RANKING_ITEMS",
    "MAX_DERIVED_OUTPUTS",
    "check_seed",
    "check_bytes",
    "format_bytes",
    "training_bytes",
    "crosscheck_bytes",
    "grid_bytes",
]

#: Seeds are integers 0 <= N <= 2^32 - 1 everywhere (torch, numpy and Python all take them).
MAX_SEED = 2**32 - 1

#: Largest network the symbolic commands (derive, evaluate, verify) build: every parameter is
#: a SymPy symbol and every unit an assignment (the benchmark goes to 12,673 parameters).
MAX_SYMBOLIC_PARAMETERS = 50_000

#: Deepest network any command builds (hidden layers K).
MAX_HIDDEN_LAYERS = 1000

#: Largest network whose linear regions ``regions --params`` counts exactly for one input
#: (rational arithmetic; 1,100,100,1 with 10,401 parameters takes about 7 s).
MAX_EXACT_REGIONS_PARAMETERS = 20_000

#: Largest memory one request may ask for (parameters, optimizer state, data and the
#: intermediates of a batch, estimated before anything is allocated).
MAX_MEMORY_BYTES = 16 * 2**30

#: ``--params`` and ``--data`` files are read up to this size (they are regular files).
MAX_INPUT_FILE_BYTES = 256 * 2**20

#: A checkpoint is read up to this size.
MAX_CHECKPOINT_BYTES = 4 * 2**30

#: Continuous targets of a density whose loss ``derive --loss`` derives and checks: its
#: normalisation is n nested integrals and its 50-digit step checks grow steeply with n (the
#: multivariate normal: n = 3 in about 4 s, n = 4 in about 12 s, n = 5 in about 50 s on one
#: core). ``evaluate``, ``verify`` and ``train`` take any n.
MAX_DERIVED_TARGETS = 4
#: Rankings of at most this many items are derived and checked symbolically: the recipe sums
#: over all n! rankings (Plackett-Luce: n = 3 in about 3 s, n = 4 about a minute on a busy
#: core, n = 5 over two minutes). ``evaluate``, ``verify`` and ``train`` take any n.
MAX_DERIVED_RANKING_ITEMS = 3
#: ``derive --loss`` takes at most this many outputs: the recipe's checks grow with D_o
#: (a Gaussian mixture of K = 4, 6, 10 components, D_o = 3K: about 18, 25, 54 s on a busy core;
#: K = 20 over two minutes; the categorical loss with 24 classes 7 s).
MAX_DERIVED_OUTPUTS = 24

#: Columns of a ``--data`` CSV (inputs, targets and any others): its header is checked
#: against this before any row is read (the lecture's data sets have 2 to a few hundred).
MAX_DATA_COLUMNS = 20_000

def check_seed(value: Any, what: str = "--seed") -> int:
    """The one rule for seeds: an integer from 0 to :data:`MAX_SEED`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        shown = value if not isinstance(value, int) or abs(value) < 10**30 else f"an integer of {len(str(abs(value)))} digits"
        raise ValueError(f"{what} must be an integer from 0 to {MAX_SEED}, got {shown}")
    return value


def format_bytes(n: float) -> str:
    """``1.5 GiB`` style (powers of 1024, one decimal)."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    

def check_bytes(what: str, n_bytes: float, fix: str, limit: int = MAX_MEMORY_BYTES) -> None:
    """Refuse a request whose estimated memory exceeds ``limit``, naming both sizes."""
    if not n_bytes <= limit:
        raise ValueError(f"{what} needs about {format_bytes(n_bytes)} of memory, more than the limit of "
                         f"{format_bytes(limit)}: {fix}")


def _parameters(widths: Sequence[int]) -> int:
    return sum(w_out * (w_in + 1) for w_in, w_out in zip(widths, widths[1:]))


def training_bytes(widths: Sequence[int], I: int, B: int, n_targets: int, itemsize: int = 8,
                   optimizer_slots: int = 2) -> int:
    """Estimated memory of training: parameters, their gradients and ``optimizer_slots``
    state tensors each (Adam keeps two), the data (I samples) and, for one batch of B
    samples, every unit's pre-activation, activation and their gradients."""
    P = _parameters(widths)
    data = I * (widths[0] + n_targets)
    batch = 4 * B * sum(widths) + B  # f_k, h_k and their gradients; a permutation index
    return itemsize * ((2 + optimizer_slots) * P + data + batch)


def crosscheck_bytes(widths: Sequence[int], I: int, itemsize: int = 8) -> int:
    """Estimated memory of a symbolic-vs-PyTorch cross-check on I samples (``verify``): the
    compiled scalar program keeps, per sample, every unit and every parameter's gradient,
    and the twin's autograd keeps the batch's intermediates (sampled at 2 I + 16 points)."""
    P = _parameters(widths)
    return itemsize * (2 * I + 16) * (2 * P + 6 * sum(widths))


def grid_bytes(widths: Sequence[int], n: int) -> int:
    """Estimated memory of an activation-pattern map on an n x n grid (``regions`` with two
    inputs): per point, a layer's pre-activations, activations and mask (float64), and one
    bit-pattern byte per hidden unit."""
    hidden = list(widths[1:-1]) or [0]
    return n * n * (3 * 8 * max(hidden + [widths[0]]) + sum(hidden) + 16)
