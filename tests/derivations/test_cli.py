"""The command line: output formats, and bad input as exit code 2 with one `error:` line."""

import json
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
import torch

from derivations.cli import main
from numeric.model import DeepNetworkModule
from numeric.params import save_params
from symbolic.spec import NetworkSpec


def run_cli(*argv):
    """Run the CLI in a subprocess: (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "derivations", *argv], capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def test_bad_input_is_one_error_line_without_traceback():
    code, out, err = run_cli("derive", "--widths", "1,0,1", "--activation", "relu")
    assert code == 2 and out == ""
    assert err == "error: argument --widths: widths must be positive integers, got 0 at position 2\n"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["derive", "--widths", "1,-2,1"], "error: argument --widths: widths must be positive integers, got -2 at position 2"),
        (["derive", "--widths", "1,x,1"], "error: argument --widths: widths must be positive integers, got 'x' at position 2"),
        (["derive", "--widths", "4"], "error: argument --widths: widths must list at least the input and output widths (D_i, ..., D_o), got 1 entry"),
        (["derive", "--widths", "1,2,1", "--activation", "sigmod"], "error: unknown activation 'sigmod' (did you mean 'sigmoid'?)"),
        (["derive", "--widths", "1,2,1", "--format", "pdf"], "error: argument --format: invalid choice: 'pdf'"),
        (["frobnicate"], "error: argument COMMAND: invalid choice: 'frobnicate'"),
        (["derive", "--widths", "1,100000,1", "--activation", "relu"], "error: widths 1,100000,1 give 300001 parameters; the symbolic commands "
                                                "handle at most 50000: use smaller widths"),
    ],
)
def test_bad_arguments(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_derive_json_program_round_trips_through_srepr(capsys):
    assert main(["derive", "--widths", "2,3,1", "--activation", "relu", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["inputs"] == ["x_{1}", "x_{2}"] and doc["outputs"] == ["f_{1,1}"]
    assert {"name": "omega_{0,3,2}", "tensor": "omega_0", "layer": 0, "index": [2, 1]} in doc["parameters"]
    from symbolic.activations import functions as activations

    namespace = {**vars(sp), **activations.ACTIVATION_CLASSES}
    exprs = {name: eval(text, namespace) for name, text in doc["program"]}
    assert str(exprs["h_{1,2}"]) == "ReLU(f_{0,2})"


def test_derive_latex_is_checked_and_in_lecture_notation(capsys):
    assert main(["derive", "--widths", "1,3,1", "--activation", "relu"]) == 0
    out = capsys.readouterr().out
    assert "\\theta_{10}" in out and "\\phi_{0}" in out and "\\boldsymbol\\Omega_{0}" in out
    assert "% checked: compiled program (numpy, float64) = the program evaluated to 50 digits" in out


def test_evaluate_matches_torch(tmp_path, capsys):
    spec = NetworkSpec((2, 4, 2), "gelu")
    module = DeepNetworkModule(spec, generator=torch.Generator().manual_seed(5))
    save_params(tmp_path / "p.json", dict(module.named_parameters()))
    X = np.random.default_rng(0).uniform(-2, 2, (7, 2))
    (tmp_path / "d.csv").write_text("x_1,x_2\n" + "".join(f"{float(a)!r},{float(b)!r}\n" for a, b in X))
    assert main(["evaluate", "--widths", "2,4,2", "--activation", "gelu", "--params", str(tmp_path / "p.json"),
                 "--data", str(tmp_path / "d.csv")]) == 0
    outputs = np.array(json.loads(capsys.readouterr().out)["outputs"])
    with torch.no_grad():
        expected = module(torch.tensor(X)).numpy()
    assert np.max(np.abs(outputs - expected) / np.maximum(1, np.abs(expected))) <= 1e-12


def test_evaluate_missing_params_file(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("x\n1\n")
    assert main(["evaluate", "--widths", "1,2,1", "--activation", "relu", "--params", str(tmp_path / "nope.json"),
                 "--data", str(tmp_path / "d.csv")]) == 2
    assert capsys.readouterr().err == f"error: params file '{tmp_path / 'nope.json'}' not found\n"
