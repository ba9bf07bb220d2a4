"""``--plugin FILE.py`` as a user runs it: bad plugin files answer with one error line."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*argv, cwd):
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.run([sys.executable, "-m", "derivations", *argv], capture_output=True, text=True, cwd=cwd, env=env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("text, message", [
    (None, "error: plugin 'p.py': no such file"),
    ("def f(:\n", "error: plugin 'p.py', line 1: SyntaxError: invalid syntax"),
    ("x = 1\n\nraise ValueError('boom')\n", "error: plugin 'p.py', line 3: ValueError: boom"),
    ("from symbolic import register_activation\nimport sympy as sp\nregister_activation('relu', sp.Symbol('z'))\n",
     "error: plugin 'p.py', line 3: ValueError: activation 'relu' is already registered; choose another name"),
])
def test_bad_plugin_is_one_error_line(tmp_path, text, message):
    if text is not None:
        (tmp_path / "p.py").write_text(text)
    code, out, err = _run("derive", "--plugin", "p.py", "--widths", "1,1", cwd=tmp_path)
    assert code == 2 and err == message + "\n" and "Traceback" not in err


def test_example_plugin_verify_and_regions(tmp_path):
    plugin = os.path.join(ROOT, "examples", "my_losses.py")
    code, out, err = _run("verify", "--plugin", plugin, "--widths", "2,3,2", "--activation", "softsign",
                          "--loss", "laplace-mine", cwd=tmp_path)
    assert code == 0 and "all checks passed" in out, err
    code, out, err = _run("regions", "--plugin", plugin, "--widths", "1,3,1", "--activation", "softsign", cwd=tmp_path)
    assert code == 2 and err.startswith("error: linear regions assume a piecewise-linear activation") and "'softsign'" in err


def test_example_plugin_derive_never_imports_torch(tmp_path):
    # derive with a plugin is symbolic work: a torch that cannot be imported must not matter
    (tmp_path / "torch.py").write_text("raise ImportError('torch is not importable here')\n")
    plugin = os.path.join(ROOT, "examples", "my_losses.py")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), ROOT])}
    proc = subprocess.run([sys.executable, "-m", "derivations", "derive", "--plugin", plugin, "--widths", "1,2,2",
                           "--activation", "softsign", "--loss", "laplace-mine", "--format", "text"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "softsign(f_{0,1})" in proc.stdout, proc.stderr


@pytest.mark.slow
def test_example_plugin_train_then_evaluate_then_notes(tmp_path):
    plugin = os.path.join(ROOT, "examples", "my_losses.py")
    rows = "\n".join(f"{x / 10:.1f},{2 * x / 10 + (0.3 if x % 2 else -0.2):.2f}" for x in range(-10, 11))
    (tmp_path / "d.csv").write_text("x,y\n" + rows + "\n")
    common = ["--plugin", plugin, "--widths", "1,4,2", "--activation", "softsign", "--loss", "laplace-mine"]
    code, out, err = _run("train", *common, "--data", "d.csv", "--epochs", "40", "--optimizer", "adam",
                          "--lr", "0.05", "--out", "run", "--seed", "0", cwd=tmp_path)
    assert code == 0, err
    import csv

    with open(tmp_path / "run" / "metrics.csv") as fh:
        losses = [float(r["loss"]) for r in csv.DictReader(fh)]
    assert losses[-1] < losses[0]  # the lecturer's loss trains
    code, out, err = _run("evaluate", *common, "--params", "run/params.json", "--data", "d.csv", "--format", "json",
                          cwd=tmp_path)
    assert code == 0, err
    import json

    report = json.loads(out)
    assert len(report["outputs"]) == 21 and set(report["gradient"]) == {"beta_0", "omega_0", "beta_1", "omega_1"}
    code, out, err = _run("notes", "--plugin", plugin, "--no-pdf", "--topics", "activations", "--out", "n",
                          cwd=tmp_path)
    assert code == 0, err
    records = json.loads((tmp_path / "n" / "verification.json").read_text())
    assert records and all(r["passed"] for r in records)


def test_a_command_that_needs_torch_says_so_when_torch_cannot_be_imported(tmp_path):
    (tmp_path / "torch.py").write_text("raise ImportError('torch is not importable here')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), ROOT])}
    proc = subprocess.run([sys.executable, "-m", "derivations", "verify", "--widths", "1,2,1", "--activation", "relu"],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("error: this command needs a package that cannot be imported (torch is not")
