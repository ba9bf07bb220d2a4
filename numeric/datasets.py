"""Training data: the lecture's toy problems, generated deterministically, and user CSV files.

Each toy problem draws its inputs and targets from a fixed ``numpy`` Generator, so the
same name always gives the same numbers on every machine:

=================  =====  ========  ==================================================
name               D_i    targets   what it is (lecture example)
=================  =====  ========  ==================================================
regression-1d      1      y real    y = sin(2x) + x/2 + noise, x in [0, 3]   (1-D regression)
binary-1d          1      y in 0/1  Pr(y = 1 | x) = sig[4 sin(2x)], x in [0, 3] (binary classification)
binary-2d          2      y in 0/1  above/below x_2 = sin(pi x_1)/2, 5% labels flipped
classes-3          1      y in 0..2 three classes along x in [0, 3]  (multiclass classification)
counts-1d          1      y count   Poisson with lambda = exp(1 + sin(2x))  (counts)
=================  =====  ========  ==================================================

:func:`training_data` combines a source (toy name or CSV path) with a network and loss:
it checks the input width D_i, the number of target columns and the targets' support.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from numeric.data import Dataset, load_csv, validate_targets
from symbolic.spec.losses import get_loss  # plain Python

__all__ = ["TOY_DATASETS", "ToyProblem", "make_dataset", "training_data", "data_hash", "targets_for"]


@dataclass(frozen=True)
class ToyProblem:
    """A deterministic toy data set: its widths, the losses it suits and its generator."""

    name: str
    D_i: int
    n_targets: int
    losses: tuple[str, ...]
    I: int
    seed: int
    draw: Callable[[np.random.Generator, int], tuple[np.ndarray, np.ndarray]]
    description: str


def _regression_1d(rng: np.random.Generator, I: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(rng.uniform(0.0, 3.0, I))  # (I,)
    y = np.sin(2 * x) + x / 2 + rng.normal(0.0, 0.1, I)
    return x[:, None], y[:, None]  # (I, 1), (I, 1)


def _binary_1d(rng: np.random.Generator, I: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(rng.uniform(0.0, 3.0, I))
    p = 1.0 / (1.0 + np.exp(-4 * np.sin(2 * x)))  # sig[4 sin 2x]
    y = (rng.uniform(size=I) < p).astype(np.float64)
    return x[:, None], y[:, None]


def _binary_2d(rng: np.random.Generator, I: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1.0, 1.0, (I, 2))  # (I, 2)
    y = (x[:, 1] > 0.5 * np.sin(np.pi * x[:, 0])).astype(np.float64)  # above a wavy boundary
    flip = rng.uniform(size=I) < 0.05
    y[flip] = 1.0 - y[flip]
    return x, y[:, None]


def _classes_3(rng: np.random.Generator, I: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(rng.uniform(0.0, 3.0, I))
    scores = np.stack([-2 * (x - 0.5) ** 2, -2 * (x - 1.5) ** 2, -2 * (x - 2.5) ** 2], axis=1) * 3  # (I, 3)
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=row) for row in p], dtype=np.float64)
    return x[:, None], y[:, None]


def _counts_1d(rng: np.random.Generator, I: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.sort(rng.uniform(0.0, 3.0, I))
    y = rng.poisson(np.exp(1.0 + np.sin(2 * x))).astype(np.float64)
    return x[:, None], y[:, None]


_NORMAL = ("least-squares", "normal", "heteroscedastic-normal")

#: The toy problems by name, in the lecture's order.
TOY_DATASETS: dict[str, ToyProblem] = {
    p.name: p
    for p in (
        ToyProblem("regression-1d", 1, 1, _NORMAL, 40, 1, _regression_1d, "1-D regression, y = sin(2x) + x/2 + noise"),
        ToyProblem("binary-1d", 1, 1, ("bernoulli",), 40, 2, _binary_1d, "1-D binary classification"),
        ToyProblem("binary-2d", 2, 1, ("bernoulli",), 60, 3, _binary_2d, "2-D binary classification (a wavy boundary)"),
        ToyProblem("classes-3", 1, 1, ("categorical",), 60, 4, _classes_3, "1-D classification into 3 classes"),
        ToyProblem("counts-1d", 1, 1, ("poisson",), 40, 5, _counts_1d, "1-D counts (Poisson regression)"),
    )
}


def make_dataset(name: str, I: int | None = None) -> Dataset:
    """The toy problem ``name`` with its default (or ``I``) samples; always the same numbers.

    >>> data = make_dataset("binary-2d")
    >>> data.X.shape, data.Y.shape, sorted(set(data.Y.ravel().tolist()))
    ((60, 2), (60, 1), [0.0, 1.0])
    """
    if name not in TOY_DATASETS:
        import difflib

        close = difflib.get_close_matches(name, list(TOY_DATASETS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown dataset {name!r}{hint}; choose one of {', '.join(TOY_DATASETS)}")
    problem = TOY_DATASETS[name]
    n = problem.I if I is None else I
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"dataset size I must be a positive integer, got {n!r}")
    X, Y = problem.draw(np.random.default_rng(problem.seed), n)
    return Dataset(X.astype(np.float64), Y.astype(np.float64), name)


def targets_for(loss, D_o: int) -> int:
    """Target columns a data set needs for ``loss`` (a name or a registry entry) with D_o outputs."""
    return get_loss(loss).n_targets(D_o)


def training_data(D_i: int, D_o: int, loss: str, dataset: str | None = None, path: str | None = None) -> Dataset:
    """Load ``--dataset NAME`` or ``--data D.csv`` for a network (D_i, ..., D_o) and a loss, validated."""
    if (dataset is None) == (path is None):
        raise ValueError("give exactly one of --dataset NAME or --data D.csv")
    n = targets_for(loss, D_o)
    if path is not None:
        data = load_csv(path, D_i, n)
        assert data.Y is not None
        validate_targets(data.Y, loss, D_o, f"data file {str(path)!r}", first_line=2)
        return data
    data = make_dataset(dataset)  # type: ignore[arg-type]
    problem = TOY_DATASETS[dataset]  # type: ignore[index]
    if problem.D_i != D_i:
        raise ValueError(f"dataset {dataset!r} has D_i = {problem.D_i} input(s) but the network's widths start "
                         f"with {D_i}; use --widths {problem.D_i},...")
    if problem.n_targets != n:
        raise ValueError(f"dataset {dataset!r} has {problem.n_targets} target column(s) but loss {loss!r} with "
                         f"D_o = {D_o} needs {n}")
    assert data.Y is not None
    validate_targets(data.Y, loss, D_o, f"dataset {dataset!r} (made for {', '.join(problem.losses)})")
    return data


def data_hash(data: Dataset) -> str:
    """SHA-256 of the float64 inputs and targets and their shapes (identifies a run's data)."""
    h = hashlib.sha256()
    for array in (data.X, data.Y):
        a = np.ascontiguousarray(np.zeros((0,)) if array is None else array, dtype=np.float64)
        h.update(repr(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()
