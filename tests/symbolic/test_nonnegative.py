"""A plugin density that is negative somewhere is refused at registration, even when it
integrates to one (the outside pass: N(y; mu, 1)(1 + 2 sin(y - mu)), whose -log ``derive``
printed as checked), with the place where it is negative; densities that are nonnegative pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from symbolic import register_loss
from symbolic.spec.losses import LOSSES

ROOT = Path(__file__).resolve().parents[2]
y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
p = sp.Symbol("p", positive=True)
WAVY = sp.exp(-(y - mu) ** 2 / 2) / sp.sqrt(2 * sp.pi) * (1 + 2 * sp.sin(y - mu))


@pytest.fixture
def registered():
    """Names registered by a test are removed again (the registry is process-wide)."""
    names: list[str] = []
    yield names
    for name in names:
        if name in LOSSES:
            LOSSES.remove(name)


def test_a_density_that_integrates_to_one_but_is_negative_is_refused(registered):
    assert sp.simplify(sp.integrate(WAVY, (y, -sp.oo, sp.oo))) == 1  # the trap: its integral is one
    registered.append("wavy-nonneg-test")
    with pytest.raises(ValueError) as caught:
        register_loss("wavy-nonneg-test", density=WAVY, target=y, link=lambda f: {mu: f[0]}, outputs=1,
                      support="real")
    message = str(caught.value)
    assert message.startswith("the density of loss 'wavy-nonneg-test' is negative on its real support: Pr = -")
    assert " at y = " in message and ", mu = " in message
    assert "wavy-nonneg-test" not in LOSSES


def test_the_place_named_is_negative_at_50_digits(registered):
    registered.append("wavy-place-test")
    with pytest.raises(ValueError) as caught:
        register_loss("wavy-place-test", density=WAVY, target=y, link=lambda f: {mu: f[0]}, outputs=1, support="real")
    words = dict(part.split(" = ") for part in str(caught.value).split(": Pr = ")[1].split(";")[0].split(" at ")[1]
                 .split(", "))
    value = WAVY.subs({y: sp.Rational(words["y"]), mu: sp.Rational(words["mu"])})
    assert sp.N(value, 50) < 0


def test_a_discrete_density_negative_at_one_outcome_is_refused(registered):
    """Sums to one over {0, 1} ((1 + p) - p) but is -p at y = 0."""
    t = sp.Symbol("y", nonnegative=True, integer=True)
    registered.append("signed-coin-test")
    with pytest.raises(ValueError, match=r"is negative on its binary support: Pr = -[0-9.e-]+ at y = 0, p = "):
        register_loss("signed-coin-test", density=t * (1 + p) - (1 - t) * p, target=t,
                      link=lambda f: {p: sp.exp(f[0])}, outputs=1, support="binary")


def test_nonnegative_densities_sympy_cannot_prove_still_register(registered):
    """Checked on the sample, not refused: sech^2 / 2 (1 - tanh^2 may round near 0 in float64)
    and a beta-like density on (0, 1)."""
    registered.extend(["sech-nonneg-test", "arcsine-nonneg-test"])
    register_loss("sech-nonneg-test", density=(1 - sp.tanh(y - mu) ** 2) / 2, target=y, link=lambda f: {mu: f[0]},
                  outputs=1, support="real")
    u = sp.Symbol("u", real=True)
    register_loss("arcsine-nonneg-test", density=1 / (sp.pi * sp.sqrt(u * (1 - u))), target=u, link=lambda f: {},
                  outputs=1, support="unit-interval")
    assert "sech-nonneg-test" in LOSSES and "arcsine-nonneg-test" in LOSSES


def test_the_cli_refuses_the_plugin_with_one_line(tmp_path):
    plugin = tmp_path / "wavy.py"
    plugin.write_text("import sympy as sp\nfrom symbolic import register_loss\n"
                      "y, mu = sp.Symbol('y', real=True), sp.Symbol('mu', real=True)\n"
                      "register_loss('wavy', density=sp.exp(-(y - mu)**2 / 2) / sp.sqrt(2 * sp.pi) "
                      "* (1 + 2 * sp.sin(y - mu)), target=y, link=lambda f: {mu: f[0]}, outputs=1, support='real')\n")
    proc = subprocess.run([sys.executable, "-m", "derivations", "derive", "--plugin", str(plugin), "--widths",
                           "1,2,1", "--activation", "relu", "--loss", "wavy"], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert proc.stderr.count("\n") == 1 and "line 4: ValueError: the density of loss 'wavy' is negative" in proc.stderr
