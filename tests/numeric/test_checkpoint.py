"""Checkpoints: atomic writes, weights_only loading, refusal of foreign checkpoints, exact
resume (also after a real SIGKILL), and divergence leaving the last good checkpoint intact."""

import json
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

import numeric.checkpoint as ckpt
from derivations.cli import main
from numeric.datasets import make_dataset
from numeric.monitoring import read_metrics
from numeric.training import TrainConfig, Trainer, TrainingDiverged
from symbolic.spec import NetworkSpec

SPEC = NetworkSpec((1, 4, 1), "tanh")


def trainer(run_dir=None, **kw):
    cfg = TrainConfig(**{"optimizer": "adam", "batch_size": 7, "epochs": 6, "checkpoint_every": 2,
                         "keep_checkpoints": 0, "progress": False, "device": "cpu", "seed": 3, **kw})
    return Trainer(SPEC, "least-squares", make_dataset("regression-1d"), cfg, run_dir)


def params_equal(a, b):
    return json.dumps(a) == json.dumps(b)


def test_checkpoint_holds_everything_and_loads_weights_only(tmp_path):
    t = trainer(tmp_path)
    t.run()
    assert [p.name for p in ckpt.list_checkpoints(tmp_path)] == [f"epoch-{e:06d}.pt" for e in (2, 4, 6)]
    data = torch.load(ckpt.latest_checkpoint(tmp_path), weights_only=True)
    assert data["format"] == ckpt.FORMAT and data["epoch"] == 6 and data["step"] == 6 * 6
    assert set(data["model"]) == {"beta_0", "omega_0", "beta_1", "omega_1"}
    assert data["optimizer"]["state"] and set(data["rng"]) == {"torch_cpu", "torch_cuda", "numpy"}
    assert data["identity"]["spec"]["widths"] == [1, 4, 1] and len(data["identity"]["data_sha256"]) == 64
    assert torch.equal(data["model"]["omega_0"], t.model.omega_0.detach())


def test_resume_in_process_equals_uninterrupted_run(tmp_path):
    straight = trainer(tmp_path / "a").run()
    trainer(tmp_path / "b", epochs=3).run()  # stops at epoch 3 (checkpoint at 2 and 3)
    resumed = trainer(tmp_path / "b").run(resume=True)
    assert params_equal(resumed.params, straight.params)
    assert (tmp_path / "a" / "metrics.csv").read_text() == (tmp_path / "b" / "metrics.csv").read_text()


def test_resume_cuts_metrics_back_to_the_checkpoint(tmp_path):
    trainer(tmp_path, epochs=5).run()  # checkpoints at 2, 4, 5
    (tmp_path / "checkpoints" / "epoch-000005.pt").unlink()  # as if killed during epoch 5
    with open(tmp_path / "metrics.csv", "a") as fh:
        fh.write("5,99,1.0")  # a row cut by the crash
    trainer(tmp_path, epochs=6).run(resume=True)
    rows = read_metrics(tmp_path / "metrics.csv")
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4, 5, 6]


def test_sigkill_at_any_moment_then_resume_gives_the_same_parameters(tmp_path):
    args = ["train", "--widths", "1,4,1", "--activation", "tanh", "--loss", "least-squares", "--dataset",
            "regression-1d", "--optimizer", "momentum", "--batch-size", "3", "--epochs", "300",
            "--checkpoint-every", "3", "--seed", "7", "--no-figure", "--log-steps"]
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "derivations", *args, "--out", str(killed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while ckpt.latest_checkpoint(killed) is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(random.uniform(0.0, 0.05))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (killed / "params.json").exists()
    assert main([*args, "--out", str(killed), "--resume"]) == 0
    assert main([*args, "--out", str(tmp_path / "straight")]) == 0
    resumed = json.loads((killed / "params.json").read_text())
    straight = json.loads((tmp_path / "straight" / "params.json").read_text())
    assert resumed == straight  # bit for bit (JSON floats round-trip exactly)
    assert (killed / "metrics.csv").read_text() == (tmp_path / "straight" / "metrics.csv").read_text()


def test_interrupted_checkpoint_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    t = trainer(tmp_path, epochs=2)
    t.run()
    previous = ckpt.latest_checkpoint(tmp_path)
    before = previous.read_bytes()

    def dying_save(obj, fh, *a, **kw):
        fh.write(b"PK\x03\x04 half a checkpoint")
        raise KeyboardInterrupt  # killed mid-write

    monkeypatch.setattr(ckpt.torch, "save", dying_save)
    t.epoch = 4
    with pytest.raises(KeyboardInterrupt):
        t.save_checkpoint()
    monkeypatch.undo()
    assert ckpt.list_checkpoints(tmp_path) == [previous] and previous.read_bytes() == before
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == [previous.name]  # temporary removed
    assert ckpt.load_checkpoint(previous)["epoch"] == 2
    # A temporary file left by a SIGKILL (no cleanup) is ignored and removed on resume.
    (tmp_path / "checkpoints" / ".tmp-checkpoint-x.pt").write_bytes(b"garbage")
    assert ckpt.latest_checkpoint(tmp_path) == previous
    trainer(tmp_path, epochs=3).run(resume=True)
    assert not list((tmp_path / "checkpoints").glob(".tmp*"))


def test_corrupt_foreign_and_alien_checkpoints_are_refused(tmp_path):
    trainer(tmp_path, epochs=2).run()
    path = ckpt.latest_checkpoint(tmp_path)
    other = Trainer(NetworkSpec((1, 5, 1), "tanh"), "least-squares", make_dataset("regression-1d"),
                    TrainConfig(optimizer="adam", batch_size=7, seed=3, progress=False), tmp_path)
    with pytest.raises(ValueError) as info:
        other.run(resume=True)
    assert str(info.value).startswith(f"checkpoint {str(path)!r} belongs to another run: its network "
                                      "(--widths/--activation) is {'widths': [1, 4, 1]")
    data = make_dataset("regression-1d")
    data.Y[0, 0] += 1e-9
    shifted = Trainer(SPEC, "least-squares", data, trainer().config, tmp_path)
    with pytest.raises(ValueError, match=r"belongs to another run: its data \(SHA-256 of inputs and targets\) is"):
        shifted.run(resume=True)
    bad = tmp_path / "bad.pt"
    bad.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"^checkpoint file '.*bad.pt' is corrupt or not a torch checkpoint"):
        ckpt.load_checkpoint(bad)
    torch.save({"state_dict": {"w": torch.zeros(2)}}, bad)
    with pytest.raises(ValueError, match=r"^checkpoint file '.*bad.pt' is not a deepderive checkpoint"):
        ckpt.load_checkpoint(bad)


def test_resume_without_checkpoint_and_restart_over_checkpoints(tmp_path):
    with pytest.raises(ValueError, match=r"^--resume: no checkpoint in '.*checkpoints'; run without --resume"):
        trainer(tmp_path).run(resume=True)
    trainer(tmp_path, epochs=2).run()
    with pytest.raises(ValueError, match=r"already holds checkpoints; pass --resume to continue it or choose a new --out"):
        trainer(tmp_path).run()


def test_divergence_names_epoch_and_step_and_keeps_the_last_good_checkpoint(tmp_path):
    t = Trainer(NetworkSpec((1, 3, 1), "relu"), "least-squares", make_dataset("regression-1d"),
                TrainConfig(optimizer="gd", lr=1.0, epochs=400, checkpoint_every=5, keep_checkpoints=2,
                            progress=False, device="cpu"), tmp_path)
    with pytest.raises(TrainingDiverged) as info:
        t.run()
    exc = info.value
    good = ckpt.latest_checkpoint(tmp_path)
    assert exc.checkpoint == good and exc.epoch > int(good.stem.split("-")[1])
    assert str(exc).startswith("training diverged: loss is ")
    assert f"(epoch {exc.epoch}, step {exc.step}); the last good checkpoint {str(good)!r} is intact" in str(exc)
    state = ckpt.load_checkpoint(good)
    assert all(bool(torch.isfinite(v).all()) for v in state["model"].values())
    assert not (tmp_path / "params.json").exists()
