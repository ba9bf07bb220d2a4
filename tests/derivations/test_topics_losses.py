"""The losses topic: a loss a plugin registered appears in the notes like a built-in one (its
recipe part by part, every step checked, and its checks against PyTorch), after the built-ins;
a plugin's torch code that raises is one failed check."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

#: A Laplace loss with its own name and torch's Laplace as the torch.distributions oracle.
PLUGIN = textwrap.dedent("""
    import sympy as sp
    from symbolic import register_loss

    y, m = sp.Symbol("y", real=True), sp.Symbol("m", real=True)
    w = sp.Symbol("w", positive=True)


    def laplace(m, w):
        import torch

        return torch.distributions.Laplace(m, w)


    register_loss("lap-topic", density=sp.exp(-sp.Abs(y - m) / w) / (2 * w), target=y,
                  link=lambda f: {m: f[0], w: sp.exp(f[1])}, outputs=2, support="real", torch_distribution=laplace)


    def broken(m, w):
        raise RuntimeError("this oracle is broken")


    register_loss("lap-broken", density=sp.exp(-sp.Abs(y - m) / w) / (2 * w), target=y,
                  link=lambda f: {m: f[0], w: sp.exp(f[1])}, outputs=2, support="real", torch_distribution=broken)
""")


def _run(*argv, cwd):
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.run([sys.executable, "-m", "derivations", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.slow
def test_a_registered_loss_has_its_section_and_checks_in_the_losses_topic(tmp_path):
    (tmp_path / "p.py").write_text(PLUGIN)
    code, out, err = _run("notes", "--plugin", "p.py", "--topics", "losses", "--no-pdf", "--out", "n", cwd=tmp_path)
    assert code == 1, err  # the broken oracle: one failed check
    tex = (tmp_path / "n" / "notes.tex").read_text()
    records = {r["id"]: r for r in json.loads((tmp_path / "n" / "verification.json").read_text())}
    section = tex.split(r"\subsection{A registered loss: \texttt{lap-topic}}", 1)
    assert len(section) == 2, "no section for the registered loss"
    body = section[1].split(r"\section", 1)[0]
    # every part of its recipe, each display tagged with its own step records, all passed
    ids = [i.strip() for line in body.splitlines() if line.startswith("% check:")
           for i in line.split(":", 1)[1].split(",")]
    for part in ("distribution", "likelihood", "per-sample", "prediction"):
        assert any(i.startswith(f"losses.lap-topic-{part}") for i in ids), (part, ids)
    assert all(records[i]["passed"] for i in ids)
    # the compiled loss and gradient against autograd of the twin, and against torch.distributions
    for check in ("losses.registered-lap-topic.autograd", "losses.registered-lap-topic.torch-distributions"):
        assert records[check]["passed"] and records[check]["kind"] == "symbolic-vs-torch", check
    assert "against autograd of the twin" in body and r"against \texttt{torch.distributions}" in body
    # the built-ins keep their sections, before it
    assert tex.index(r"\subsection{Write your own loss}") < tex.index("A registered loss")
    # a plugin's torch code that raises is its own failed check, not a lost topic
    failed = [r for r in records.values() if not r["passed"]]
    assert [r["id"] for r in failed] == ["losses.registered-lap-broken.autograd"]
    assert failed[0]["detail"] == "RuntimeError: this oracle is broken"
