"""One run folder, one writer: a process that trains holds an exclusive lock on the run
folder (``train.lock``, holding its pid); a second ``train`` on that folder, ``--resume``
too, is refused naming the holder's pid, and a killed holder leaves no stale lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from derivations.cli import main
from numeric.run_folder import LOCK_FILE, RunFolder

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
         "regression-1d", "--no-figure", "--epochs", "2"]

HOLD = """
import sys
from numeric.run_folder import RunFolder
with RunFolder(sys.argv[1]).locked():
    print("locked", flush=True)
    sys.stdin.read()  # until the test closes stdin or kills this process
"""


def one_error(capsys, code: int) -> str:
    out = capsys.readouterr()
    assert code == 2, out
    assert out.err.count("\n") == 1 and out.err.startswith("error: "), out.err
    return out.err.strip()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of ``tmp_path/run`` through the same helper."""
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(run)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield run, proc
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_second_train_is_refused_naming_the_holder_then_runs_after_a_kill(holder, capsys):
    run, proc = holder
    before = snapshot(run)
    for extra in ([], ["--resume"], ["--seed", "5"]):
        line = one_error(capsys, main(TRAIN + ["--out", str(run)] + extra))
        assert f"run folder {str(run)!r} is in use by another training run (pid {proc.pid}," in line
    assert snapshot(run) == before  # nothing written, the holder's lock file as it was
    assert (run / LOCK_FILE).read_text().strip() == str(proc.pid)
    proc.kill()  # SIGKILL: no clean-up runs; the kernel releases the lock
    proc.wait(timeout=30)
    assert main(TRAIN + ["--out", str(run)]) == 0
    assert sorted(p.name for p in run.iterdir()) == ["checkpoints", "metrics.csv", "params.json", "summary.json"]


def test_a_second_train_of_a_finished_run_is_refused_while_it_is_resumed(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(TRAIN + ["--out", str(run), "--checkpoint-every", "1"]) == 0
    capsys.readouterr()
    seen = []

    def resume_meanwhile(trainer, loss):  # while the first resumed run trains, another tries
        if not seen:
            seen.append(main(TRAIN[:-1] + ["4", "--out", str(run), "--resume"]))

    from numeric.datasets import make_dataset
    from numeric.training import TrainConfig, Trainer
    from symbolic.spec import NetworkSpec

    config = TrainConfig(epochs=3, checkpoint_every=1, keep_checkpoints=0, progress=False, device="cpu")
    Trainer(NetworkSpec((1, 2, 1), "relu"), "least-squares", make_dataset("regression-1d"), config,
            run).run(resume=True, on_epoch=resume_meanwhile)
    assert seen == [2]
    assert f"is in use by another training run (pid {os.getpid()}," in capsys.readouterr().err
    assert not (run / LOCK_FILE).exists()
    assert [p.name for p in sorted((run / "checkpoints").iterdir())] == [f"epoch-00000{k}.pt" for k in (1, 2, 3)]


def test_the_lock_is_reentrant_for_one_folder_object_and_exclusive_between_objects(tmp_path):
    folder = RunFolder(tmp_path / "run")
    with folder.locked():
        with folder.locked():
            assert (tmp_path / "run" / LOCK_FILE).read_text().strip() == str(os.getpid())
        with pytest.raises(ValueError, match=f"in use by another training run \\(pid {os.getpid()},"):
            with RunFolder(tmp_path / "run").locked():
                pass
    assert not (tmp_path / "run").exists()  # made for the lock only, and empty again


def test_a_link_at_the_lock_file_is_refused_before_anything_is_touched(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (run / LOCK_FILE).symlink_to(outside)
    line = one_error(capsys, main(TRAIN + ["--out", str(run)]))
    assert f"{LOCK_FILE}' is a symbolic link" in line
    assert outside.read_text() == "keep me" and [p.name for p in run.iterdir()] == [LOCK_FILE]
