"""``derive --loss`` and ``evaluate --loss [--sigma]``: the checked derivation, the JSON
fields, the reported nll/loss against the torch twin and hand-checked numbers, bad input."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
import torch

import numeric.losses as twin
from derivations.cli import main
from numeric.model import DeepNetworkModule
from numeric.params import save_params
from symbolic.activations import functions as activations
from symbolic.losses import functions as stable_functions
from symbolic.losses.sample import LOSSES, LogSumExp, network_loss
from symbolic.spec import NetworkSpec
from tests.helpers import FIRST_ROUND, RTOL64, assert_close

WIDTHS = {"least-squares": "1,3,2", "normal": "1,3,1", "heteroscedastic-normal": "1,3,2", "bernoulli": "1,3,1",
          "categorical": "1,3,3", "poisson": "1,3,2"}


def test_derive_bernoulli_latex_prints_the_whole_checked_derivation(capsys):
    assert main(["derive", "--widths", "1,3,1", "--activation", "relu", "--loss", "bernoulli", "--format", "latex"]) == 0
    out = capsys.readouterr().out
    assert "CHECK FAILED" not in out and "all checks passed" in out
    # network, then the recipe's four parts, then the network's loss: one align* each
    assert out.count(r"\begin{align*}") == out.count(r"\end{align*}") >= 3 + 5
    for part in ("% distribution and link", "% likelihood", "% per-sample loss", "% prediction", "% the network's loss"):
        assert part in out
    assert r"\mathrm{softplus}\left[f_{1,1}\right]" in out  # the stable loss on the network's output


def test_derive_text_reports_every_step_ok(capsys):
    assert main(["derive", "--widths", "2,3,3", "--activation", "tanh", "--loss", "categorical", "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "[FAILED" not in out and out.count("[ok: ") >= 15


@pytest.mark.parametrize("name", FIRST_ROUND)
def test_derive_json_targets_and_loss_round_trip(name, capsys):
    widths = WIDTHS[name]
    assert main(["derive", "--widths", widths, "--activation", "relu", "--loss", name, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    expected = network_loss(NetworkSpec(tuple(map(int, widths.split(","))), "relu"), name).sample
    assert doc["targets"] == [t.name for t in expected.targets]
    namespace = {**vars(sp), **activations.ACTIVATION_CLASSES, "LogSumExp": LogSumExp,
                 **{name: getattr(stable_functions, name) for name in stable_functions.__all__}}
    loss = eval(doc["loss"], namespace)
    assert sp.expand(loss - expected.expr) == 0
    assert doc["outputs"] == [s.name for s in expected.outputs]


def test_derive_without_loss_keeps_empty_fields(capsys):
    assert main(["derive", "--widths", "1,2,1", "--activation", "relu", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["targets"] == [] and doc["loss"] is None


# ----- evaluate ------------------------------------------------------------------------------
def _files(tmp_path, name, widths, seed=3, I=6):
    spec = NetworkSpec(tuple(map(int, widths.split(","))), "relu")
    gen = torch.Generator().manual_seed(seed)
    module = DeepNetworkModule(spec, generator=gen)
    X = torch.rand(I, spec.D_i, generator=gen, dtype=torch.float64) * 4 - 2
    n = {"categorical": 1, "heteroscedastic-normal": spec.D_o // 2}.get(name, spec.D_o)
    if name == "bernoulli":
        Y = (torch.rand(I, n, generator=gen) < 0.5).double()
    elif name == "categorical":
        Y = torch.randint(0, spec.D_o, (I, 1), generator=gen).double()
    elif name == "poisson":
        Y = torch.randint(0, 6, (I, n), generator=gen).double()
    else:
        Y = torch.randn(I, n, generator=gen, dtype=torch.float64)
    params = tmp_path / "params.json"
    save_params(params, module.tensors())
    data = tmp_path / "data.csv"
    x_cols = ["x"] if spec.D_i == 1 else [f"x_{i + 1}" for i in range(spec.D_i)]
    y_cols = ["y"] if n == 1 else [f"y_{j + 1}" for j in range(n)]
    rows = [",".join(x_cols + y_cols)] + [",".join(repr(float(v)) for v in (*X[i], *Y[i])) for i in range(I)]
    data.write_text("\n".join(rows) + "\n")
    return module, X, Y, params, data


@pytest.mark.parametrize("name", FIRST_ROUND)
def test_evaluate_reports_nll_and_per_sample_loss_equal_to_the_twin(name, tmp_path, capsys):
    module, X, Y, params, data = _files(tmp_path, name, WIDTHS[name])
    argv = ["evaluate", "--widths", WIDTHS[name], "--activation", "relu", "--loss", name,
            "--params", str(params), "--data", str(data)]
    sigma = 0.5 if name == "normal" else None
    if sigma:
        argv += ["--sigma", "0.5"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    with torch.no_grad():
        reference = twin.per_sample_nll(name, module(X), Y, sigma)
    assert_close(doc["loss"], reference, RTOL64, f"{name}: per-sample loss vs twin")
    assert_close(doc["nll"], reference.sum(), RTOL64, f"{name}: nll vs twin")
    assert abs(doc["nll"] - math.fsum(doc["loss"])) <= 1e-12 * max(1.0, abs(doc["nll"]))
    assert len(doc["outputs"]) == len(doc["loss"]) == 6


def _zero_params(tmp_path, widths):
    spec = NetworkSpec(widths, "relu")
    path = tmp_path / "zero.json"
    save_params(path, {name: np.zeros(shape).tolist() for name, shape in spec.tensor_shapes().items()})
    return path


def _evaluate(tmp_path, capsys, widths, loss, csv_text, *extra):
    data = tmp_path / "d.csv"
    data.write_text(csv_text)
    params = _zero_params(tmp_path, widths)
    code = main(["evaluate", "--widths", ",".join(map(str, widths)), "--activation", "relu", "--loss", loss,
                 "--params", str(params), "--data", str(data), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_evaluate_hand_checked_numbers(tmp_path, capsys):
    # all-zero parameters: every output is 0
    code, out, _ = _evaluate(tmp_path, capsys, (1, 2, 1), "bernoulli", "x,y\n0.5,1\n-1,0\n2,1\n")
    doc = json.loads(out)
    assert code == 0 and doc["loss"] == pytest.approx([math.log(2)] * 3, rel=1e-15)  # lambda = 1/2
    assert doc["nll"] == pytest.approx(3 * math.log(2), rel=1e-15)
    code, out, _ = _evaluate(tmp_path, capsys, (1, 2, 1), "least-squares", "x,y\n0.5,1\n-1,-2\n2,3\n")
    assert json.loads(out)["nll"] == 14.0  # 1 + 4 + 9, the sum of squared residuals
    code, out, _ = _evaluate(tmp_path, capsys, (1, 2, 1), "normal", "x,y\n0.5,1\n-1,-2\n", "--sigma", "2")
    assert json.loads(out)["nll"] == pytest.approx(5 / 8 + math.log(8 * math.pi), rel=1e-14)  # with its constant
    code, out, _ = _evaluate(tmp_path, capsys, (1, 2, 1), "poisson", "x,y\n0.5,0\n-1,3\n")
    assert json.loads(out)["loss"] == pytest.approx([1.0, 1.0 + math.log(6)], rel=1e-15)  # exp(0) + log y!
    code, out, _ = _evaluate(tmp_path, capsys, (1, 2, 3), "categorical", "x,y\n0.5,2\n")
    assert json.loads(out)["loss"] == pytest.approx([math.log(3)], rel=1e-15)  # softmax of zeros: 1/3
    code, out, _ = _evaluate(tmp_path, capsys, (1, 2, 2), "heteroscedastic-normal", "x,y\n0.5,1\n")
    assert json.loads(out)["loss"] == pytest.approx([0.5 + math.log(2 * math.pi) / 2], rel=1e-15)


def test_evaluate_text_format(tmp_path, capsys):
    code, out, _ = _evaluate(tmp_path, capsys, (1, 2, 1), "bernoulli", "x,y\n0.5,1\n-1,0\n", "--format", "text")
    assert code == 0
    assert out.splitlines()[:3] == ["sample 0: outputs 0  loss 0.69314718056", "sample 1: outputs 0  loss 0.69314718056",
                                "nll (sum over 2 samples): 1.38629436112"]


@pytest.mark.parametrize(
    "widths, loss, csv_text, extra, message",
    [
        ((1, 2, 1), "bernouli", "x,y\n0,1\n", [], "error: unknown loss 'bernouli' (did you mean 'bernoulli'?); choose "
         "one of " + ", ".join(LOSSES)),
        ((1, 2, 1), "categorical", "x,y\n0,0\n", [], "error: categorical loss needs at least two outputs (one per "
         "class), got D_o = 1"),
        ((1, 2, 3), "heteroscedastic-normal", "x,y\n0,0\n", [], "error: heteroscedastic-normal loss needs two "
         "outputs per target (mean and log-variance), got odd D_o = 3"),
        ((1, 2, 1), "bernoulli", "x,y\n0,1\n1,2\n", [], "error: bernoulli targets must be 0 or 1, got 2 at sample 1 "
         "(column y); encode the two classes as 0 and 1"),
        ((1, 2, 1), "poisson", "x,y\n0,-1\n", [], "error: poisson targets must be nonnegative integer counts, got -1 "
         "at sample 0 (column y)"),
        ((1, 2, 1), "poisson", "x,y\n0,1.5\n", [], "error: poisson targets must be nonnegative integer counts, got "
         "1.5 at sample 0 (column y)"),
        ((1, 2, 3), "categorical", "x,y\n0,3\n", [], "error: categorical targets must be class indices 0..2 (one per "
         "output), got 3 at sample 0 (column y); a network with D_o = 3 outputs has 3 classes"),
        ((1, 2, 1), "normal", "x,y\n0,1\n", ["--sigma", "0"], "error: sigma must be a positive finite number (the "
         "normal loss's standard deviation), got 0.0; pass --sigma S with S > 0"),
        ((1, 2, 1), "normal", "x,y\n0,1\n", ["--sigma", "-2"], "error: sigma must be a positive finite number (the "
         "normal loss's standard deviation), got -2.0; pass --sigma S with S > 0"),
        ((1, 2, 1), "normal", "x,y\n0,1\n", [], "error: the normal loss needs its standard deviation: pass --sigma S "
         "with S > 0"),
        ((1, 2, 1), "bernoulli", "x,y\n0,1\n", ["--sigma", "1"], "error: --sigma applies only to the normal loss, "
         "not to 'bernoulli'; leave it out"),
        ((1, 2, 1), "least-squares", "x,y\n0,nan\n", [], "error: data file"),  # NaN: load_csv's message
        ((1, 2, 2), "least-squares", "x,y\n0,1\n", [], "error: data file"),  # y_1, y_2 missing
    ],
)
def test_evaluate_bad_input(tmp_path, capsys, widths, loss, csv_text, extra, message):
    code, out, err = _evaluate(tmp_path, capsys, widths, loss, csv_text, *extra)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_evaluate_nan_and_missing_target_messages(tmp_path, capsys):
    _, _, err = _evaluate(tmp_path, capsys, (1, 2, 1), "least-squares", "x,y\n0,nan\n")
    assert err.endswith("line 2 column 'y': nan is not a finite number\n")
    _, _, err = _evaluate(tmp_path, capsys, (1, 2, 2), "least-squares", "x,y\n0,1\n")
    assert "is missing target columns y_1, y_2" in err


def test_bad_loss_is_exit_2_without_traceback_in_a_subprocess(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "derivations", "derive", "--widths", "1,3,1", "--activation", "relu",
                           "--loss", "gaussian"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == ("error: unknown loss 'gaussian' (did you mean 'gaussian-mixture'?); choose one of "
                           + ", ".join(LOSSES) + "\n")


def test_sigma_without_loss_is_an_error(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("x\n0\n")
    params = _zero_params(tmp_path, (1, 2, 1))
    code = main(["evaluate", "--widths", "1,2,1", "--activation", "relu", "--params", str(params), "--data", str(data),
                 "--sigma", "1"])
    assert code == 2
    assert capsys.readouterr().err == "error: --sigma needs --loss normal (it is the normal loss's standard deviation)\n"


def test_overflow_is_one_error_line_not_invalid_json(tmp_path, capsys):
    """Parameters of 1e300 overflow float64: no Infinity/NaN in the JSON, one error line, exit 2."""
    import json as _json

    from derivations.cli import main

    big = {"beta_0": [1e300, 1e300], "omega_0": [[1e300], [1e300]], "beta_1": [0.0], "omega_1": [[1e300, 1e300]]}
    (tmp_path / "p.json").write_text(_json.dumps(big))
    (tmp_path / "d.csv").write_text("x,y\n1,0\n2,1\n")
    code = main(["evaluate", "--widths", "1,2,1", "--activation", "relu", "--params", str(tmp_path / "p.json"),
                 "--data", str(tmp_path / "d.csv"), "--loss", "bernoulli"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.startswith("error: the outputs overflow to inf or nan") and captured.err.count("\n") == 1


# ----- sigma at the edges of float64 (issue 24) ----------------------------------------------
def test_evaluate_normal_loss_with_a_huge_sigma_is_the_true_total(tmp_path, capsys):
    """sigma^2 overflows beyond 1.3e154; the loss, computed with log sigma and (y - f)/sigma, does not."""
    import mpmath as mp

    code, out, err = _evaluate(tmp_path, capsys, (1, 2, 1), "normal", "x,y\n0.5,0.7\n-1,-2\n", "--sigma", "1e160")
    assert code == 0 and err == ""
    doc = json.loads(out)
    with mp.workdps(50):  # -log N(y; 0, sigma^2) from the density, summed: outputs are 0
        s = mp.mpf("1e160")
        exact = [float(-mp.log(mp.exp(-mp.mpf(y) ** 2 / (2 * s**2)) / mp.sqrt(2 * mp.pi * s**2))) for y in (0.7, -2)]
    assert doc["loss"] == pytest.approx(exact, rel=1e-14)
    assert doc["nll"] == pytest.approx(sum(exact), rel=1e-14)
    assert all(math.isfinite(v) for g in doc["gradient"].values() for v in np.ravel(g))


@pytest.mark.parametrize("sigma", ["1e155", "1e300"])
def test_verify_normal_loss_with_a_huge_sigma_passes_without_traceback(sigma, capsys):
    code = main(["verify", "--widths", "1,2,1", "--activation", "tanh", "--loss", "normal", "--sigma", sigma,
                 "--samples", "8", "--device", "cpu"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""


def test_train_normal_loss_with_a_huge_sigma_runs(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("x,y\n0.5,0.7\n-1,-2\n1,0.3\n")
    code = main(["train", "--widths", "1,2,1", "--activation", "tanh", "--loss", "normal", "--sigma", "1e155",
                 "--data", str(data), "--epochs", "2", "--optimizer", "gd", "--out", str(tmp_path / "run"),
                 "--no-figure", "--device", "cpu"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err and "error:" not in captured.err
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    # the squared residuals over sigma are ~1e-310: the loss is I (log sigma + log(2 pi)/2)
    assert summary["final_loss"] == pytest.approx(3 * (math.log(1e155) + math.log(2 * math.pi) / 2), rel=1e-12)
