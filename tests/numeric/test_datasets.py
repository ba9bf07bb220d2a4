"""Toy data sets are deterministic and in their loss's support; bad data is named."""

import numpy as np
import pytest

from numeric.data import validate_targets
from numeric.datasets import TOY_DATASETS, data_hash, make_dataset, training_data


@pytest.mark.parametrize("name", list(TOY_DATASETS))
def test_toy_data_is_deterministic_and_valid(name):
    a, b = make_dataset(name), make_dataset(name)
    problem = TOY_DATASETS[name]
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Y, b.Y) and data_hash(a) == data_hash(b)
    assert a.X.shape == (problem.I, problem.D_i) and a.Y.shape == (problem.I, 1)
    assert np.all(np.isfinite(a.X)) and np.all(np.isfinite(a.Y))
    D_o = 3 if name == "classes-3" else 1
    for loss in problem.losses:
        validate_targets(a.Y, loss, D_o)  # does not raise
    assert make_dataset(name, I=7).I == 7


def test_toy_labels_cover_their_classes():
    assert set(make_dataset("classes-3").Y.ravel()) == {0.0, 1.0, 2.0}
    assert set(make_dataset("binary-1d").Y.ravel()) == {0.0, 1.0}
    counts = make_dataset("counts-1d").Y
    assert counts.min() >= 0 and np.array_equal(counts, np.round(counts)) and counts.max() > 2


def test_data_hash_sees_one_changed_bit():
    a, b = make_dataset("regression-1d"), make_dataset("regression-1d")
    b.X[0, 0] = np.nextafter(b.X[0, 0], 10)
    assert data_hash(a) != data_hash(b)


@pytest.mark.parametrize(
    "loss, D_o, Y, message",
    [
        ("bernoulli", 1, [[0], [0.5]], "data sample 1: target must be 0 or 1 (bernoulli loss), got 0.5"),
        ("categorical", 3, [[0], [3]], "data sample 1: target must be a class index 0..2 (categorical loss with D_o = 3 classes), got 3"),
        ("categorical", 3, [[1.5]], "data sample 0: target must be a class index 0..2 (categorical loss with D_o = 3 classes), got 1.5"),
        ("poisson", 1, [[2], [-1]], "data sample 1: target must be a count 0, 1, 2, ... (poisson loss), got -1"),
        ("poisson", 1, [[2.5]], "data sample 0: target must be a count 0, 1, 2, ... (poisson loss), got 2.5"),
    ],
)
def test_targets_outside_the_support_are_named(loss, D_o, Y, message):
    with pytest.raises(ValueError) as info:
        validate_targets(np.array(Y, dtype=float), loss, D_o)
    assert str(info.value) == message


def test_csv_targets_are_checked_with_line_numbers(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n0.5,1\n1.5,2\n")
    with pytest.raises(ValueError) as info:
        training_data(1, 1, "bernoulli", path=str(path))
    assert str(info.value) == f"data file {str(path)!r} line 3: target must be 0 or 1 (bernoulli loss), got 2"
    assert training_data(1, 1, "least-squares", path=str(path)).Y.tolist() == [[1.0], [2.0]]


@pytest.mark.parametrize(
    "args, message",
    [
        ((2, 1, "least-squares", "regression-1d"),
         "dataset 'regression-1d' has D_i = 1 input(s) but the network's widths start with 2; use --widths 1,..."),
        ((1, 1, "bernoulli", "regression-1d"),
         "dataset 'regression-1d' (made for least-squares, normal, heteroscedastic-normal) sample 0: target must be 0 or 1 (bernoulli loss), got"),
        ((1, 2, "least-squares", "regression-1d"),
         "dataset 'regression-1d' has 1 target column(s) but loss 'least-squares' with D_o = 2 needs 2"),
        ((1, 1, "least-squares", "regresion-1d"),
         "unknown dataset 'regresion-1d' (did you mean 'regression-1d'?); choose one of regression-1d, binary-1d"),
    ],
)
def test_dataset_network_mismatch_is_named(args, message):
    with pytest.raises(ValueError) as info:
        training_data(*args)
    assert str(info.value).startswith(message)
