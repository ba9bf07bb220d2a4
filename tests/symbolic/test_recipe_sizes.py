"""Sizes the recipe engine can derive and check in seconds, and a clear refusal beyond them.

The three-dimensional normal (``derive --widths 1,2,9 --loss multivariate-normal``) took
over nine minutes: SymPy's ``integrate`` left forms that grew with every target, and the
fallback was a 3-D mpmath quadrature. The normalisation is now a closed-form Gaussian
integral per target, and more than :data:`symbolic.spec.limits.MAX_DERIVED_TARGETS` continuous
targets are refused before any work. Work is bounded by a CPU-time limit on a child
process, never asserted in wall-clock time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from derivations.cli import main
from symbolic import register_loss
from symbolic.losses.book import MULTIVARIATE_NORMAL
from symbolic.spec.limits import MAX_DERIVED_TARGETS
from symbolic.losses.engine import gaussian_integral, normalisation_check

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("D_o, n", [(5, 2), (9, 3), (14, 4)])
def test_the_multivariate_normal_is_normalised_in_closed_form(D_o, n):
    check = normalisation_check(MULTIVARIATE_NORMAL.block(D_o))
    assert check.passed and check.max_error == 0 and check.method.startswith("symbolic (Gaussian integrals")


def test_the_gaussian_rule_returns_the_true_integral_and_declines_other_forms():
    t, m = sp.Symbol("t", real=True), sp.Symbol("m", real=True)
    s = sp.Symbol("s", positive=True)
    assert sp.simplify(gaussian_integral(3 * sp.exp(-(t - m) ** 2 / (2 * s**2) + 1), t)
                       - 3 * sp.E * sp.sqrt(2 * sp.pi) * s) == 0
    assert gaussian_integral(sp.exp(-sp.Abs(t)), t) is None  # not quadratic
    assert gaussian_integral(sp.exp(t**2), t) is None  # does not converge
    assert gaussian_integral(t * sp.exp(-(t**2)), t) is None  # a factor in t that is not exp
    assert gaussian_integral(sp.exp(-(t**2)) + sp.exp(-2 * t**2), t) is None  # a sum


def test_a_gaussian_that_integrates_to_two_is_still_refused():
    y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    with pytest.raises(ValueError, match=r"is not normalised over the real line: it integrates to 2 \(symbolic "
                                         r"\(Gaussian integrals"):
        register_loss("twice-normal-sizes-test", density=2 * sp.exp(-(y - mu) ** 2 / 2) / sp.sqrt(2 * sp.pi),
                      target=y, link=lambda f: {mu: f[0]}, outputs=1, support="real")


def test_more_continuous_targets_than_the_engine_derives_are_refused_at_once(capsys):
    assert MAX_DERIVED_TARGETS == 4
    code = main(["derive", "--widths", "1,2,20", "--activation", "relu", "--loss", "multivariate-normal"])
    out = capsys.readouterr()
    assert code == 2 and out.out == "" and out.err.count("\n") == 1, out
    assert out.err.startswith("error: the multivariate-normal loss with D_o = 20 outputs has n = 5 continuous "
                              "targets; the recipe engine derives and checks at most 4"), out.err
    assert "use D_o = 5, 9 or 14" in out.err


@pytest.mark.slow
def test_the_three_dimensional_normal_derives_with_bounded_work():
    """The issue's command, in a child limited to 120 CPU seconds (it takes a few)."""
    child = ("import resource, sys\n"
             "resource.setrlimit(resource.RLIMIT_CPU, (120, 120))\n"
             "from derivations.cli import main\n"
             "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", child, "derive", "--widths", "1,2,9", "--activation", "relu",
                           "--loss", "multivariate-normal", "--format", "text"],
                          capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stderr[-800:]
    assert "3-dimensional normal" in proc.stdout and "[FAILED" not in proc.stdout
    assert "symbolic (Gaussian integrals, one target at a time)" in proc.stdout


@pytest.mark.parametrize("D_o", [4, 5, 8])
def test_rankings_past_the_limit_are_refused_before_any_work(capsys, D_o):
    """Plackett-Luce sums over n! rankings: n = 5 ran past two minutes; now one line, exit 2."""
    code = main(["derive", "--widths", f"1,2,{D_o}", "--activation", "relu", "--loss", "plackett-luce"])
    out, err = capsys.readouterr()
    assert code == 2 and not out and len(err.splitlines()) == 1
    assert err.startswith(f"error: the plackett-luce loss with D_o = {D_o} outputs ranks n = {D_o} items")


@pytest.mark.parametrize("loss,D_o", [("gaussian-mixture", 30), ("gaussian-mixture", 60), ("categorical", 25)])
def test_losses_of_more_than_24_outputs_are_refused_before_any_work(capsys, loss, D_o):
    """A Gaussian mixture of K = 10 components (D_o = 30) took about a minute, K = 20 over two."""
    code = main(["derive", "--widths", f"1,2,{D_o}", "--activation", "relu", "--loss", loss])
    out, err = capsys.readouterr()
    assert code == 2 and not out and len(err.splitlines()) == 1
    assert err.startswith(f"error: the {loss} loss with D_o = {D_o} outputs: the recipe engine derives")
