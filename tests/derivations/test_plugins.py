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


_LOSS = """import sympy as sp
from symbolic import register_loss, register_activation
y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
s = sp.Symbol("s", positive=True)
normal = sp.exp(-(y - mu)**2 / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))


def make(loc, scale):
    import torch

    return torch.distributions.Normal(loc, scale)


"""


@pytest.mark.parametrize("registration, message", [
    # a torch_distribution whose keywords are not the parameter symbols
    ('register_loss("n", density=normal, target=y, link=lambda f: {mu: f[0], s: sp.exp(f[1])}, outputs=2,\n'
     '              support="real", torch_distribution=make)',
     "ValueError: the torch_distribution of loss 'n' is called with the density's parameters by name, "
     "make(mu=..., s=...), but its keywords do not match: missing keywords mu, s; extra keywords loc, scale "
     "(the density has no parameter of that name); the parameter symbols are mu, s: take them by these names "
     "(torch_distribution=lambda mu, s: ...), or name the symbols after its keywords"),
    # a link past the outputs
    ('register_loss("n", density=normal, target=y, link=lambda f: {mu: f[0], s: sp.exp(f[2])}, outputs=2,\n'
     '              support="real")',
     "ValueError: the link of loss 'n' uses f[2], but the loss declares outputs=2: its outputs are f[0] and f[1] "
     "(counted from 0); use one of them, or declare outputs=3"),
    # a misspelt torch path, for a loss and for an activation
    ('register_loss("n", density=normal, target=y, link=lambda f: {mu: f[0], s: sp.exp(f[1])}, outputs=2,\n'
     '              support="real", torch_distribution="torch.distributions.Normall")',
     "ValueError: the torch_distribution of loss 'n': 'torch.distributions.Normall' does not exist: "
     "torch.distributions has no 'Normall' (did you mean 'Normal'?)"),
    ('register_activation("soft", y / (1 + sp.Abs(y)), torch="torch.nn.functional.softsgn")',
     "ValueError: the torch function of activation 'soft': 'torch.nn.functional.softsgn' does not exist: "
     "torch.nn.functional has no 'softsgn' (did you mean 'softsign'?)"),
    # a density without its normalising factor 1/(s sqrt(2 pi)): the integral depends on s
    ('register_loss("n", density=normal * s * sp.sqrt(2 * sp.pi), target=y, link=lambda f: {mu: f[0], s: sp.exp(f[1])},\n'
     '              outputs=2, support="real")',
     "ValueError: the density of loss 'n' is not normalised over the real line: it integrates to sqrt(2)*sqrt(pi)*s "
     "(symbolic (Gaussian integrals, one target at a time)), not 1: it depends on the parameter s, and a density must integrate to 1 for every "
     "parameter value; fix its normalising factor (a function of s) or the support"),
], ids=["torch-keywords", "link-index", "loss-torch-path", "activation-torch-path", "unnormalised"])
def test_a_plugin_mistake_is_refused_at_registration_with_the_fix(tmp_path, registration, message):
    (tmp_path / "p.py").write_text(_LOSS + registration + "\n")
    code, out, err = _run("derive", "--plugin", "p.py", "--widths", "1,1", cwd=tmp_path)
    line = _LOSS.count("\n") + 1  # the registration's line
    assert code == 2 and err == f"error: plugin 'p.py', line {line}: {message}\n", err
    assert "divide" not in err  # an integral in the parameters is no number to divide by


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
