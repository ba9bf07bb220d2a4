import json

import pytest
import torch

from numeric.data import load_csv
from numeric.model import DeepNetworkModule
from numeric.params import load_params, save_params
from symbolic.spec import NetworkSpec

SPEC = NetworkSpec((2, 3, 1), "relu")


def test_params_round_trip_through_json(tmp_path):
    module = DeepNetworkModule(SPEC, generator=torch.Generator().manual_seed(0))
    path = tmp_path / "p.json"
    save_params(path, dict(module.named_parameters()))
    loaded = load_params(path, SPEC)
    twin = DeepNetworkModule(SPEC).load_tensors(loaded)
    for (name, a), (_, b) in zip(module.named_parameters(), twin.named_parameters()):
        assert torch.equal(a, b), name  # float64 survives JSON exactly
    assert list(json.loads(path.read_text())) == ["beta_0", "omega_0", "beta_1", "omega_1"]


def _write(tmp_path, obj):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(obj))
    return path


GOOD = {"beta_0": [0, 0, 0], "omega_0": [[1, 2], [3, 4], [5, 6]], "beta_1": [0], "omega_1": [[1, 1, 1]]}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"beta_1": None}, "params file 'p.json' is missing tensor beta_1 (expected beta_0, omega_0, beta_1, omega_1 for widths 2,3,1)"),
        ({"omega_0": [[1, 2, 3], [3, 4, 5], [5, 6, 7]]}, "params file 'p.json' tensor omega_0 has shape (3, 3), expected (3, 2) for widths 2,3,1"),
        ({"beta_0": [0, "a", 0]}, "params tensor beta_0 holds a non-number 'a'"),
        ({"omega_2": [[1]]}, "params file 'p.json' has unexpected tensor 'omega_2' for widths 2,3,1 (expected beta_0, omega_0, beta_1, omega_1)"),
    ],
)
def test_bad_params_are_named(tmp_path, change, message):
    obj = dict(GOOD)
    for k, v in change.items():
        if v is None:
            obj.pop(k)
        else:
            obj[k] = v
    with pytest.raises(ValueError) as info:
        load_params(_write(tmp_path, obj), SPEC)
    assert str(info.value) == message


def test_params_not_json(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{beta_0: ")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_params(path, SPEC)


def test_csv_reads_inputs_and_targets(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x_1,x_2,y\n1,2,0\n3,4.5,1\n")
    data = load_csv(path, 2, 1)
    assert data.X.tolist() == [[1.0, 2.0], [3.0, 4.5]] and data.Y.tolist() == [[0.0], [1.0]]
    single = tmp_path / "s.csv"
    single.write_text("x\n0.5\n")
    assert load_csv(single, 1).X.shape == (1, 1)


@pytest.mark.parametrize(
    "text, message",
    [
        ("x_1,y\n1,2\n", "data file '{p}' is missing input column x_2 (expected x_1,x_2; header has x_1,y)"),
        ("x_1,x_2\n1,2\n", "data file '{p}' is missing target column y_1 (expected y or y_1; header has x_1,x_2)"),
        ("x_1,x_2,y\n1,abc,2\n", "data file '{p}' line 2 column 'x_2': 'abc' is not a number (a cell holds a decimal number: digits, "
                                  "optional sign, point and exponent, e.g. -1.5e-3)"),
        ("x_1,x_2,y\n1,nan,2\n", "data file '{p}' line 2 column 'x_2': nan is not a finite number"),
        ("x_1,x_2,y\n", "data file '{p}' has a header but no rows"),
    ],
)
def test_bad_csv_is_named(tmp_path, text, message):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_csv(path, 2, 1)
    assert str(info.value) == message.format(p=path)


@pytest.mark.parametrize("text, message", [
    ("x,y,y\n1,0,1\n", "has the column 'y' more than once; name each column once"),
    ("x,x_1,y\n1,2,0\n", "has both columns 'x' and 'x_1'; keep one of them"),
])
def test_ambiguous_csv_headers_are_rejected(tmp_path, text, message):
    path = tmp_path / "d.csv"
    path.write_text(text)
    with pytest.raises(ValueError) as info:
        load_csv(path, 1, 1)
    assert str(info.value) == f"data file '{path}' {message}"
