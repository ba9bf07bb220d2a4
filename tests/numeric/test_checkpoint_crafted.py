"""A crafted checkpoint is refused with one line naming the field (exit 2), never a
traceback; and identical runs write byte-identical checkpoints (the global torch generator,
whose state every checkpoint saves, is seeded with the run's seed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from derivations.cli import main

TRAIN = ["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
         "regression-1d", "--no-figure", "--checkpoint-every", "2"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> dict[str, Path]:
    """A two-epoch run per optimizer (SGD: no optimizer state; Adam: step and moments)."""
    runs = {}
    for optimizer in ("sgd", "adam"):
        run = tmp_path_factory.mktemp(optimizer) / "run"
        assert main(TRAIN + ["--optimizer", optimizer, "--epochs", "2", "--out", str(run)]) == 0
        runs[optimizer] = run
    return runs


def _state(d):
    return d["optimizer"]["state"][0]


def _meta_like(t: torch.Tensor) -> torch.Tensor:
    return torch.empty(t.shape, dtype=t.dtype, device="meta")


CRAFTED = {
    "history loss 10**400": ("sgd", lambda d: d["history"].__setitem__("loss", [10**400, 1.0]), "history.loss[0]"),
    "optimizer step 10**400": ("adam", lambda d: _state(d).__setitem__("step", 10**400), "optimizer.state[0].step"),
    "optimizer step inf": ("adam", lambda d: _state(d).__setitem__("step", torch.tensor(float("inf"))),
                           "optimizer.state[0].step"),
    "optimizer step negative": ("adam", lambda d: _state(d).__setitem__("step", torch.tensor(-5.0)),
                                "optimizer.state[0].step"),
    "optimizer step of two numbers": ("adam", lambda d: _state(d).__setitem__("step", torch.tensor([1.0, 2.0])),
                                      "optimizer.state[0].step"),
    "lr a 2-element tensor (sgd)": ("sgd", lambda d: d["optimizer"]["param_groups"][0].__setitem__(
        "lr", torch.tensor([0.1, 0.2])), "optimizer.param_groups[0].lr"),
    "lr a 2-element tensor (adam)": ("adam", lambda d: d["optimizer"]["param_groups"][0].__setitem__(
        "lr", torch.tensor([0.1, 0.2])), "optimizer.param_groups[0].lr"),
    "a group setting 10**400": ("adam", lambda d: d["optimizer"]["param_groups"][0].__setitem__(
        "betas", (0.9, 10**400)), "optimizer.param_groups[0].betas"),
    "a sparse weight": ("sgd", lambda d: d["model"].__setitem__("omega_0", d["model"]["omega_0"].to_sparse()),
                        "model.omega_0"),
    "a meta-device weight": ("sgd", lambda d: d["model"].__setitem__("omega_0", _meta_like(d["model"]["omega_0"])),
                             "model.omega_0"),
    "a sparse optimizer moment": ("adam", lambda d: _state(d).__setitem__("exp_avg", _state(d)["exp_avg"].to_sparse()),
                                  "optimizer.state[0].exp_avg"),
    "a meta-device optimizer moment": ("adam", lambda d: _state(d).__setitem__("exp_avg", _meta_like(_state(d)["exp_avg"])),
                                       "optimizer.state[0].exp_avg"),
    "state of an unknown parameter id": ("adam", lambda d: d["optimizer"]["state"].__setitem__(99, dict(_state(d))),
                                         "optimizer.state must be the states of the parameters the groups list"),
    "state under a text id": ("adam", lambda d: d["optimizer"]["state"].__setitem__("x", dict(_state(d))),
                              "optimizer.state must be the states of the parameters the groups list"),
    "a group listing an id twice": ("sgd", lambda d: d["optimizer"]["param_groups"][0].__setitem__("params", [0, 0, 1, 2]),
                                    "optimizer.param_groups must be groups listing each parameter id once"),
    "a moment that is None": ("adam", lambda d: _state(d).__setitem__("exp_avg", None), "optimizer.state[0].exp_avg"),
    "epoch 10**400": ("sgd", lambda d: d.__setitem__("epoch", 10**400), "field epoch must be an integer >= 0"),
    "identity holding a tensor": ("sgd", lambda d: d["identity"].__setitem__("lr", torch.tensor([1.0, 2.0])),
                                  "identity.lr"),
    "an Adam state without exp_avg_sq": ("adam", lambda d: _state(d).pop("exp_avg_sq"), "optimizer.state[0]"),
    "an Adam exp_avg_sq below 0": ("adam", lambda d: _state(d).__setitem__("exp_avg_sq", -1 - _state(d)["exp_avg_sq"]),
                                   "exp_avg_sq"),
    "no Adam state after two epochs": ("adam", lambda d: d["optimizer"].__setitem__("state", {}), "optimizer.state[0]"),
    "a meta-device rng state": ("sgd", lambda d: d["rng"].__setitem__("torch_cpu", _meta_like(d["rng"]["torch_cpu"])),
                                "rng.torch_cpu"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_checkpoint_is_refused_naming_the_field(finished, tmp_path, capsys, name):
    optimizer, change, field = CRAFTED[name]
    run = tmp_path / "run"
    shutil.copytree(finished[optimizer], run)
    path = run / "checkpoints" / "epoch-000002.pt"
    data = torch.load(path, weights_only=True)
    change(data)
    torch.save(data, path)
    before = {p: p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()}
    code = main(TRAIN + ["--optimizer", optimizer, "--epochs", "4", "--out", str(run), "--resume"])
    out = capsys.readouterr()
    assert code == 2, out
    assert out.err.count("\n") == 1 and out.err.startswith(f"error: checkpoint file {str(path)!r} field "), out.err
    assert field in out.err, out.err
    assert {p: p.read_bytes() for p in sorted(run.rglob("*")) if p.is_file()} == before


def test_identical_runs_write_byte_identical_checkpoints(tmp_path, capsys):
    """The process's global generator differs between processes (torch seeds it at random);
    here two different states stand for two processes."""
    files = []
    for k, other_state in enumerate((12345, 67890)):
        torch.manual_seed(other_state)
        run = tmp_path / f"run{k}"
        assert main(TRAIN + ["--optimizer", "adam", "--epochs", "4", "--out", str(run)]) == 0
        files.append([p.read_bytes() for p in sorted((run / "checkpoints").iterdir())])
    assert len(files[0]) == 2 and files[0] == files[1]
    first = torch.load(tmp_path / "run0" / "checkpoints" / "epoch-000002.pt", weights_only=True)
    torch.manual_seed(0)  # the run's seed (--seed default 0)
    assert torch.equal(first["rng"]["torch_cpu"], torch.get_rng_state())
