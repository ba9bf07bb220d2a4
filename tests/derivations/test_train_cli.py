"""``deepderive train``: the run folder it writes, and bad input as exit code 2 with one
pinned ``error:`` line."""

import json

import pytest
import torch

from derivations.cli import main
from numeric.checkpoint import latest_checkpoint
from numeric.monitoring import HEADER, read_metrics
from numeric.params import load_params
from symbolic.spec.losses import LOSSES
from symbolic.spec import NetworkSpec

BASE = ["train", "--widths", "1,3,1", "--activation", "relu", "--loss", "least-squares"]


def train(tmp_path, *extra, data=("--dataset", "regression-1d")):
    return main([*BASE, *data, "--out", str(tmp_path / "run"), "--no-figure", *extra])


def error_line(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err[len("error: "):].rstrip("\n")


def test_run_folder_contents(tmp_path, capsys):
    run = tmp_path / "run"
    code = main([*BASE, "--dataset", "regression-1d", "--epochs", "4", "--batch-size", "16", "--checkpoint-every",
                 "2", "--log-steps", "--out", str(run)])
    out = capsys.readouterr().out
    assert code == 0
    assert "final loss L[phi] = " in out and "4 epochs, 12 steps" in out and "B = 16 of I = 40" in out
    assert sorted(p.name for p in run.iterdir()) == ["checkpoints", "loss_curve.png", "metrics.csv", "params.json",
                                                     "summary.json"]
    assert (run / "metrics.csv").read_text().splitlines()[0] == ",".join(HEADER)
    assert [r["samples"] for r in read_metrics(run / "metrics.csv", "step")][:3] == [16, 16, 8]
    assert len(read_metrics(run / "metrics.csv")) == 4
    load_params(run / "params.json", NetworkSpec((1, 3, 1)))  # DESIGN.md format
    summary = json.loads((run / "summary.json").read_text())
    assert summary["epochs"] == 4 and summary["dtype"] == "float64" and summary["optimizer"] == "sgd"
    assert latest_checkpoint(run).name == "epoch-000004.pt"


def test_resume_extends_a_run(tmp_path, capsys):
    assert train(tmp_path, "--epochs", "2") == 0
    assert train(tmp_path, "--epochs", "5", "--resume") == 0
    assert "5 epochs, 15 steps" in capsys.readouterr().out


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--lr", "0"], "learning rate --lr must be a positive number, got 0.0"),
        (["--lr", "-0.5"], "learning rate --lr must be a positive number, got -0.5"),
        (["--batch-size", "0"], "argument --batch-size: must be a positive integer, got 0"),
        (["--batch-size", "41"], "batch size --batch-size 41 is larger than the data set (I = 40 samples)"),
        (["--epochs", "0"], "argument --epochs: must be a positive integer, got 0"),
        (["--epochs", "-3"], "argument --epochs: must be a positive integer, got -3"),
        (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice: 'lbfgs'"),
        (["--loss", "bernouli"], "unknown loss 'bernouli' (did you mean 'bernoulli'?); choose one of "
                                 + ", ".join(LOSSES)),
        (["--loss", "normal"], "the normal loss needs its standard deviation: pass --sigma S with S > 0"),
        (["--resume"], "--resume: no checkpoint in '{run}/checkpoints'; run without --resume to start training"),
        (["--dataset", "binary-1d", "--loss", "bernoulli", "--widths", "2,3,1"],
         "dataset 'binary-1d' has D_i = 1 input(s) but the network's widths start with 2; use --widths 1,..."),
    ],
)
def test_bad_input_is_exit_2_with_one_pinned_line(tmp_path, capsys, extra, message):
    assert train(tmp_path, *extra) == 2
    assert error_line(capsys).startswith(message.format(run=tmp_path / "run"))


@pytest.mark.parametrize(
    "text, loss, widths, message",
    [
        ("x,y\n1,nan\n", "least-squares", "1,3,1", "data file '{p}' line 2 column 'y': nan is not a finite number"),
        ("x,y\n1,inf\n", "least-squares", "1,3,1", "data file '{p}' line 2 column 'y': inf is not a finite number"),
        ("x_1,y\n1,2\n", "least-squares", "2,3,1",
         "data file '{p}' is missing input column x_2 (expected x_1,x_2; header has x_1,y)"),
        ("x,z\n1,2\n", "least-squares", "1,3,1",
         "data file '{p}' is missing target column y_1 (expected y or y_1; header has x,z)"),
        ("x,y\n1,0\n2,2\n", "bernoulli", "1,3,1", "data file '{p}' line 3: target must be 0 or 1 (bernoulli loss), got 2"),
        ("x,y\n1,0\n2,3\n", "categorical", "1,3,3",
         "data file '{p}' line 3: target must be a class index 0..2 (categorical loss with D_o = 3 classes), got 3"),
        ("x,y\n1,-1\n", "poisson", "1,3,1", "data file '{p}' line 2: target must be a count 0, 1, 2, ... (poisson loss), got -1"),
    ],
)
def test_bad_data_files(tmp_path, capsys, text, loss, widths, message):
    path = tmp_path / "d.csv"
    path.write_text(text)
    code = main(["train", "--widths", widths, "--activation", "relu", "--loss", loss, "--data", str(path),
                 "--out", str(tmp_path / "run"), "--no-figure", "--optimizer", "gd"])
    assert code == 2
    assert error_line(capsys) == message.format(p=path)


def test_corrupt_and_foreign_checkpoints(tmp_path, capsys):
    assert train(tmp_path, "--epochs", "2") == 0
    capsys.readouterr()
    newest = latest_checkpoint(tmp_path / "run")
    assert main([*BASE[:2], "1,4,1", *BASE[3:], "--dataset", "regression-1d", "--out", str(tmp_path / "run"),
                 "--resume", "--no-figure"]) == 2
    assert error_line(capsys).startswith(f"checkpoint {str(newest)!r} belongs to another run: its network")
    assert train(tmp_path, "--epochs", "3", "--resume", "--lr", "0.5") == 2
    assert error_line(capsys).startswith(f"checkpoint {str(newest)!r} belongs to another run: its learning rate "
                                         "(--lr) is 0.01, this run's is 0.5")
    newest.write_bytes(b"not a checkpoint at all")
    assert train(tmp_path, "--epochs", "3", "--resume") == 2
    assert error_line(capsys).startswith(f"checkpoint file {str(newest)!r} is corrupt or not a torch checkpoint")
    torch.save({"model": {}}, newest)
    assert train(tmp_path, "--epochs", "3", "--resume") == 2
    assert error_line(capsys) == f"checkpoint file {str(newest)!r} is not a deepderive checkpoint (no format 'deepderive-checkpoint')"


def test_divergence_is_exit_1_with_one_error_line(tmp_path, capsys):
    code = train(tmp_path, "--optimizer", "gd", "--lr", "1", "--epochs", "400", "--checkpoint-every", "5")
    assert code == 1
    line = error_line(capsys)
    assert line.startswith("training diverged: loss is ") and "the last good checkpoint" in line


@pytest.mark.gpu
def test_gpu_training_reaches_the_cpu_loss(tmp_path, capsys):
    """Same seed, data and settings in float32 on CUDA and on the CPU: the same final loss
    within float32 accumulation over the run."""
    losses = {}
    for device in ("cpu", "cuda"):
        assert main([*BASE, "--dataset", "regression-1d", "--optimizer", "sgd", "--batch-size", "8", "--epochs",
                     "30", "--device", device, "--dtype", "float32", "--out", str(tmp_path / device),
                     "--no-figure"]) == 0
        losses[device] = json.loads((tmp_path / device / "summary.json").read_text())["final_loss"]
    assert json.loads((tmp_path / "cuda" / "summary.json").read_text())["device"].startswith("cuda")
    assert abs(losses["cuda"] - losses["cpu"]) <= 1e-4 * max(1.0, abs(losses["cpu"])), losses


def test_run_folder_that_is_a_file_is_bad_input(tmp_path, capsys):
    from derivations.cli import main

    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    code = main(["train", "--widths", "1,4,1", "--activation", "relu", "--loss", "least-squares",
                 "--dataset", "regression-1d", "--epochs", "1", "--out", str(blocker)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: cannot create run folder '{blocker}': it is a file, not a folder; choose another --out")


def test_unreadable_path_is_one_error_line(tmp_path, capsys):
    """Any OSError the commands let through becomes one `error:` line with exit 2."""
    from derivations.cli import main

    (tmp_path / "d.csv").mkdir()  # a folder where a file is expected
    code = main(["evaluate", "--widths", "1,2,1", "--activation", "relu", "--params", str(tmp_path / "d.csv"),
                 "--data", str(tmp_path / "d.csv")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.parametrize("command", [
    ["train", "--widths", "1,4,1", "--activation", "relu", "--loss", "least-squares", "--dataset", "regression-1d",
     "--sigma", "1"],
    ["verify", "--widths", "1,2,1", "--activation", "relu", "--loss", "poisson", "--sigma", "1"],
])
def test_sigma_for_a_loss_without_sigma_is_rejected(command, capsys, tmp_path):
    from derivations.cli import main

    argv = command + (["--out", str(tmp_path / "run")] if command[0] == "train" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --sigma applies only to the normal loss, not to ") and err.count("\n") == 1
