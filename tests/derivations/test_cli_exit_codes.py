"""Exit codes that say whose fault it was: 2 for bad input only, 1 for a failure of our own
code after the input was validated (a failed check, named), 130 for Ctrl-C anywhere.

Also the one spelling of numbers on the command line: ASCII digits, no ``_``, no full-width
or other Unicode digits that Python's ``int``/``float`` would take.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from derivations.cli import main

ROOT = Path(__file__).resolve().parents[2]
DERIVE = ["derive", "--widths", "1,1", "--activation", "relu", "--format", "text"]


def one_line(capsys, code: int, expected_code: int) -> str:
    out = capsys.readouterr()
    assert code == expected_code, out
    assert out.err.count("\n") == 1 and out.err.startswith("error: "), out.err
    assert "Traceback" not in out.err
    return out.err.strip()


# Internal failures are failed checks (exit 1), not bad input (exit 2) ------------------------
@pytest.mark.parametrize("exc", [ValueError("boom"), TypeError("Cannot convert complex to float"), KeyError("x")])
def test_an_exception_from_a_derivation_step_is_a_failed_check(monkeypatch, capsys, exc):
    import symbolic.losses.recipes

    def broken(net, name):
        raise exc

    monkeypatch.setattr(symbolic.losses.recipes, "derive_loss", broken)
    line = one_line(capsys, main([*DERIVE, "--loss", "least-squares"]), 1)
    assert line.startswith("error: internal check failed: derive --widths 1,1 --activation relu --loss least-squares: "
                           f"{type(exc).__name__}"), line


def test_a_wrong_beta_mode_condition_fails_the_mode_check_by_name(monkeypatch, capsys):
    """The mutation that found it: the beta mode's condition alpha, beta > 0 instead of > 1
    puts the mode outside (0, 1), where the density is complex."""
    import symbolic.losses.book as distributions

    right = distributions._beta

    def wrong(f):
        block = right(f)
        a, b = block.parameters
        return dataclasses.replace(block, mode_condition=(a > 0) & (b > 0))

    from symbolic.losses.recipes import checked_recipe

    monkeypatch.setattr(distributions.BETA, "_build", wrong)
    monkeypatch.setattr(distributions.BETA, "_blocks", {})
    checked_recipe.cache_clear()  # a recipe another test checked in this process is not the mutated one
    try:
        line = one_line(capsys, main(["derive", "--widths", "1,2", "--activation", "relu", "--loss", "beta",
                                      "--format", "text"]), 1)
    finally:
        checked_recipe.cache_clear()  # nor is the mutated one kept for the tests after this one
    assert line.startswith("error: internal check failed: derive --widths 1,2 --activation relu --loss beta "
                           "(beta prediction, step 2: the mode"), line
    assert line.endswith("TypeError: Cannot convert complex to float"), line


def test_bad_input_to_the_same_command_is_still_exit_2(capsys):
    line = one_line(capsys, main([*DERIVE, "--loss", "leastsquares"]), 2)
    assert "leastsquares" in line and "internal" not in line


def test_verify_and_evaluate_report_internal_failures_as_failed_checks(monkeypatch, capsys, tmp_path):
    import derivations.checks.crosscheck as crosscheck

    def broken(*args, **kwargs):
        raise ValueError("shapes (3,) and (4,) differ")

    monkeypatch.setattr(crosscheck, "gradient_check", broken)
    monkeypatch.setattr(crosscheck, "evaluate_outputs", broken)
    line = one_line(capsys, main(["verify", "--widths", "1,2,1", "--activation", "relu", "--samples", "2"]), 1)
    assert line == ("error: internal check failed: verify --widths 1,2,1 --activation relu --loss least-squares: "
                    "ValueError: shapes (3,) and (4,) differ")
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"beta_0": [0.0], "omega_0": [[1.0]], "beta_1": [0.0], "omega_1": [[1.0]]}))
    data = tmp_path / "d.csv"
    data.write_text("x\n0.5\n")
    line = one_line(capsys, main(["evaluate", "--widths", "1,1,1", "--activation", "relu", "--params", str(params),
                                  "--data", str(data)]), 1)
    assert line.startswith("error: internal check failed: evaluate --widths 1,1,1 --activation relu: the compiled "
                           "network: ValueError"), line


def test_memory_failures_inside_the_work_keep_their_own_message(monkeypatch, capsys):
    import symbolic.losses.recipes

    def hungry(net, name):
        raise MemoryError()

    monkeypatch.setattr(symbolic.losses.recipes, "derive_loss", hungry)
    line = one_line(capsys, main([*DERIVE, "--loss", "least-squares"]), 2)
    assert line.startswith("error: not enough memory")


# Ctrl-C: one line and exit 130, at start-up too ---------------------------------------------
def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("module", ["argparse", "warnings", "typing"])
def test_ctrl_c_while_the_console_script_imports_the_cli(module):
    """The console script runs ``from derivations.cli import main`` before main(): a
    KeyboardInterrupt in those imports is the same one line as anywhere else."""
    proc = _python(f"""
import builtins, sys
real = builtins.__import__
def interrupt(name, globals=None, *args, **kwargs):
    if name == {module!r} and (globals or {{}}).get("__name__") == "derivations.cli":
        raise KeyboardInterrupt
    return real(name, globals, *args, **kwargs)
builtins.__import__ = interrupt
from derivations.cli import main
sys.exit(main())
""")
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, "", "error: interrupted\n")


def test_ctrl_c_after_the_command_while_the_program_exits():
    proc = _python("""
import os, signal, sys, time
from derivations.cli import main
sys.argv = ["deepderive", "regions", "--widths", "1,3,1", "--format", "json"]
code = main()
os.kill(os.getpid(), signal.SIGINT)  # as if during the interpreter's shutdown
time.sleep(60)
sys.exit(code)
""")
    assert proc.returncode == 130 and proc.stderr == "error: interrupted\n", proc.stderr
    assert json.loads(proc.stdout)["parameters"] == 10


def test_ctrl_c_inside_a_command(monkeypatch, capsys):
    import derivations.commands.regions as regions

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(regions, "run", interrupted)
    assert main(["regions", "--widths", "1,3,1"]) == 130
    assert capsys.readouterr().err == "error: interrupted\n"


# Numbers: ASCII digits only ------------------------------------------------------------------
def _parse_only(monkeypatch, command: str) -> None:
    """Stop after argument parsing: the command's run() returns 0 at once."""
    import importlib

    module = importlib.import_module(f"derivations.commands.{command}")
    monkeypatch.setattr(module, "run", lambda args: 0)


OPTIONS = [  # (command line before the option, option, a good value)
    (["exercises", "--out", "OUT"], "--students", "3"),
    (["train", *DERIVE[1:5], "--loss", "least-squares", "--dataset", "regression-1d"], "--epochs", "3"),
    (["train", *DERIVE[1:5], "--loss", "least-squares", "--dataset", "regression-1d"], "--batch-size", "3"),
    (["train", *DERIVE[1:5], "--loss", "least-squares", "--dataset", "regression-1d"], "--keep-checkpoints", "3"),
    (["verify", *DERIVE[1:5]], "--samples", "3"),
    (["verify", *DERIVE[1:5]], "--seed", "3"),
    (["regions", "--widths", "2,3,1"], "--grid", "30"),
]
FLOATS = [
    (["train", *DERIVE[1:5], "--loss", "least-squares", "--dataset", "regression-1d"], "--lr", "0.01"),
    (["train", *DERIVE[1:5], "--loss", "normal", "--dataset", "regression-1d"], "--sigma", "1e-1"),
    (["verify", *DERIVE[1:5], "--loss", "normal"], "--sigma", ".5"),
    (["evaluate", *DERIVE[1:5], "--params", "P", "--data", "D", "--loss", "normal"], "--sigma", "2"),
    (["regions", "--widths", "2,3,1"], "--extent", "3.5"),
]
BAD_COUNTS = ["0_1", "\uff11", "\u0661", "1\u00a0", "0x1", "1.0", "1e1", "\u00b9", ""]
BAD_NUMBERS = ["0_1", "\uff11", "\u0661.5", "1e\u0663", "\uff11e-3", "1_0.5", "0x1p-3", "infinity", "nan", "1e999",
               "\u22121", "1.5\u2009"]


@pytest.mark.parametrize("before, option, good", OPTIONS + FLOATS, ids=lambda v: v if isinstance(v, str) else None)
def test_numbers_in_ascii_digits_are_accepted(monkeypatch, capsys, before, option, good):
    _parse_only(monkeypatch, before[0])
    assert main([*before, option, good]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("bad", BAD_COUNTS, ids=ascii)
@pytest.mark.parametrize("before, option, good", OPTIONS, ids=lambda v: v if isinstance(v, str) and v.startswith("--")
                         else "")
def test_counts_accept_ascii_digits_only(monkeypatch, capsys, before, option, good, bad):
    _parse_only(monkeypatch, before[0])
    line = one_line(capsys, main([*before, option, bad]), 2)
    assert line.startswith(f"error: argument {option}: must be "), line


@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=ascii)
@pytest.mark.parametrize("before, option, good", FLOATS, ids=lambda v: v if isinstance(v, str) and v.startswith("--")
                         else "")
def test_real_numbers_accept_ascii_digits_only(monkeypatch, capsys, before, option, good, bad):
    _parse_only(monkeypatch, before[0])
    line = one_line(capsys, main([*before, option, bad]), 2)
    assert line.startswith(f"error: argument {option}: must be "), line
