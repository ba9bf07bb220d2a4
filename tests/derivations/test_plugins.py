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
