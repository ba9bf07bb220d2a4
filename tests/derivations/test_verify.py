"""`deepderive verify` and `derive --gradients`: tables, JSON, exit codes, bad input."""

import json

import pytest
import sympy as sp
import torch

from derivations.cli import main
from symbolic.activations import functions as activations
from symbolic.core.autodiff import stock_symbols
from symbolic.backprop.backprop import backprop
from symbolic.losses.sample import LogSumExp


def test_verify_text_table_passes(capsys):
    assert main(["verify", "--widths", "2,3,3,2", "--activation", "elu", "--loss", "categorical",
                 "--device", "cpu", "--seed", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["quantity", "max", "abs", "err", "max", "rel", "err", "tolerance", "ok"]
    rows = {line.split()[0] + " " + line.split()[1]: line.split() for line in out[2:-1]}
    for path in ("program", "layers"):
        for name in ["dL/dbeta_0", "dL/domega_0", "dL/dbeta_2", "dL/domega_2"]:
            assert rows[f"{name} [{path}]"][-1] == "yes"
            assert float(rows[f"{name} [{path}]"][3]) <= 1e-10
        assert f"output y_2 [{path}]" in " ".join(out)
    assert out[-1] == "all checks passed"


def test_verify_json_float32(capsys):
    assert main(["verify", "--widths", "1,4,1", "--activation", "gelu", "--loss", "poisson", "--dtype", "float32",
                 "--device", "cpu", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["passed"] and doc["dtype"] == "float32" and doc["device"] == "cpu"
    names = {c["name"] for c in doc["checks"]}
    assert {"loss l_i [layers]", "dL/domega_1 [program]", "output y_1 [program]"} <= names
    assert all(c["max_rel_error"] <= c["tolerance"] for c in doc["checks"])


def test_verify_exits_1_when_a_check_fails(monkeypatch, capsys):
    """A wrong derivative (here ReLU' = 2 I[z > 0]) makes verify fail with exit code 1."""
    monkeypatch.setattr(activations.ReLU, "fdiff", lambda self, argindex=1: 2 * activations.Indicator(self.args[0]))
    assert main(["verify", "--widths", "1,3,1", "--activation", "relu", "--device", "cpu"]) == 1
    out = capsys.readouterr().out
    assert "NO" in out and out.rstrip().endswith("checks FAILED")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without CUDA")
def test_verify_cuda_without_cuda_is_a_clear_error(capsys):
    assert main(["verify", "--widths", "1,2,1", "--activation", "relu", "--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --device cuda requested but CUDA is not available") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--loss", "categorical"], "error: categorical loss needs at least two outputs (one per class), got D_o = 1"),
        (["--loss", "gaussian"], "error: unknown loss 'gaussian'"),
        (["--dtype", "float16"], "error: argument --dtype: invalid choice: 'float16'"),
        (["--samples", "0"], "error: argument --samples: must be a positive integer, got 0"),
        (["--loss", "normal", "--sigma", "-1"], "error: sigma must be a positive finite number (the normal loss's standard deviation), got -1.0"),
        (["--seed", "x"], "error: argument --seed: must be an integer from 0 to 4294967295, got 'x'"),
        (["--seed", "-1"], "error: argument --seed: must be an integer from 0 to 4294967295, got -1"),
    ],
)
def test_verify_bad_input(argv, message, capsys):
    assert main(["verify", "--widths", "1,2,1", "--activation", "tanh", "--device", "cpu", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_derive_gradients_json_round_trips(capsys):
    assert main(["derive", "--widths", "2,2,3", "--activation", "sigmoid", "--gradients", "--format", "json",
                 "--loss", "categorical"]) == 0
    doc = json.loads(capsys.readouterr().out)
    bp = backprop((2, 2, 3), "categorical", "sigmoid")
    namespace = {**vars(sp), **activations.ACTIVATION_CLASSES, "LogSumExp": LogSumExp}
    program = [(sp.Symbol(name, real=True), eval(text, namespace)) for name, text in doc["program"]]
    # JSON is stock SymPy: adjoints and the loss symbol read back as plain real symbols.
    assert program == [(stock_symbols(s), stock_symbols(e)) for s, e in bp.program]
    assert set(doc["gradient"]) == {p.name for p in bp.parameters}
    for p in bp.parameters:
        assert eval(doc["gradient"][p.name], namespace) == stock_symbols(bp.gradient[p])
    assert doc["targets"] == [t.name for t in bp.targets]



def test_derive_gradients_latex_is_checked(capsys):
    assert main(["derive", "--widths", "1,2,1", "--activation", "tanh", "--gradients"]) == 0
    out = capsys.readouterr().out
    assert "% checked: derived backward program = matrix form" in out
    assert "% checked: gradient = sympy.diff of the substituted loss" in out
    assert "% checked: gradient of L = sum of 4 random samples = central differences of L" in out
    assert "% checked: compiled gradient (numpy, layer-wise, float64) = the derived gradient" in out
    assert "CHECK FAILED" not in out
    assert r"\frac{\partial \ell}{\partial \boldsymbol\Omega_{k}}" in out
    assert r"\frac{\partial \ell}{\partial \omega_{1,1,2}} &= h_{1,2} \frac{\partial \ell}{\partial f_{1,1}}" in out


def test_derive_gradients_text(capsys):
    assert main(["derive", "--widths", "1,2,1", "--activation", "relu", "--gradients", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "  dl/df_{0,1} = Indicator(f_{0,1})*dl/dh_{1,1}" in out or "dl/df_{0,1} = dl/dh_{1,1}*Indicator(f_{0,1})" in out


@pytest.mark.parametrize("loss, activation, D_o", [("categorical", "tanh", 3), ("normal", "relu", 1),
                                                   ("heteroscedastic-normal", "softplus", 2)])
def test_evaluate_reports_the_derived_gradient_of_the_total_loss(tmp_path, capsys, loss, activation, D_o):
    """`evaluate --loss` reports dL/dphi of L = sum_i l_i, equal to autograd on the twin."""
    import numpy as np

    from derivations.checks.crosscheck import random_targets
    from numeric.losses import nll
    from numeric.model import DeepNetworkModule
    from numeric.params import save_params
    from symbolic.spec import NetworkSpec

    spec = NetworkSpec((2, 4, D_o), activation)
    module = DeepNetworkModule(spec, generator=torch.Generator().manual_seed(4))
    save_params(tmp_path / "p.json", dict(module.named_parameters()))
    X = np.random.default_rng(2).uniform(-2, 2, (11, 2))
    Y = random_targets(loss, spec, 11, seed=3).numpy()
    columns = ["y"] if Y.shape[1] == 1 else [f"y_{j + 1}" for j in range(Y.shape[1])]
    rows = [",".join(repr(float(v)) for v in list(x) + list(y)) for x, y in zip(X, Y)]
    (tmp_path / "d.csv").write_text("x_1,x_2," + ",".join(columns) + "\n" + "\n".join(rows) + "\n")
    sigma = ["--sigma", "0.5"] if loss == "normal" else []
    assert main(["evaluate", "--widths", f"2,4,{D_o}", "--activation", activation, "--loss", loss, *sigma,
                 "--params", str(tmp_path / "p.json"), "--data", str(tmp_path / "d.csv")]) == 0
    doc = json.loads(capsys.readouterr().out)
    nll(loss, module(torch.tensor(X)), torch.tensor(Y), 0.5 if sigma else None).backward()
    assert list(doc["gradient"]) == list(spec.tensor_shapes())
    for name, p in module.named_parameters():
        got = np.array(doc["gradient"][name])
        assert got.shape == tuple(p.shape)
        assert np.max(np.abs(got - p.grad.numpy()) / np.maximum(1, np.abs(p.grad.numpy()))) <= 1e-10, name
