"""`verify` probes every loss at extreme outputs (+-40, +-700, +-1e4) against 50-digit values: a
registered loss that is only its expanded -log (the Bernoulli pmf with the sigmoid link written
out, nan at f = 40) fails with exit 1 and a line naming the loss and the output; every built-in
passes."""

from __future__ import annotations

import itertools
import json

import pytest

from derivations.checks.extremes import EXTREME_OUTPUTS, extreme_check
from derivations.cli import main
from symbolic.losses import custom
from symbolic.spec.losses import LOSSES, get_loss

_names = (f"verify-extremes-{k}" for k in itertools.count())

#: A plugin file: the issue's logistic loss, the Bernoulli pmf with the sigmoid link written out;
#: ``{stable}`` is empty (a stable form is derived) or the naive expanded -log.
PLUGIN = '''import sympy as sp
from symbolic import register_loss

y = sp.Symbol("y", integer=True, nonnegative=True)
lam = sp.Symbol("lambda", positive=True)
pmf = lam**y * (1 - lam) ** (1 - y)
link = lambda f: {{lam: 1 / (1 + sp.exp(-f[0]))}}
naive = lambda f: sp.expand(sp.expand_log(-sp.log(pmf.xreplace(link(f))), force=True))
register_loss("{name}", density=pmf, target=y, link=link, outputs=1, support="binary"{stable})
'''

def _width(name: str, least: int) -> int | None:
    """The smallest number of outputs from ``least`` up to 15 that the loss takes (None: none)."""
    entry = get_loss(name)
    for D_o in range(least, 16):
        try:
            entry.check_width(D_o)
            return D_o
        except ValueError:
            continue
    return None


#: Each built-in at its smallest width, and at its next one for several targets or classes.
WIDTHS = [pytest.param(name, D_o, id=f"{name}-{D_o}") for name in LOSSES if get_loss(name).builtin
          for D_o in sorted({_width(name, 1), _width(name, _width(name, 1) + 1)} - {None})]


@pytest.mark.parametrize("name, D_o", WIDTHS)
def test_every_builtin_loss_passes_the_extreme_output_probe(name, D_o):
    """gamma (d/d log-concentration: two terms of size e^{f_2} y cancelled) and student-t (psi(nu/2)
    - log(nu/2) cancelled, 1 - e^{-L} rounded to 0) failed it before their derivatives were fixed."""
    checks = extreme_check(name, D_o)
    assert [c.passed for c in checks] == [True, True], [c.detail for c in checks]
    assert all(" points)" in c.name and not c.name.endswith("(float64, 0 points)") for c in checks)


def _plugin(tmp_path, stable: str = "") -> tuple[str, str]:
    name = next(_names)
    path = tmp_path / f"{name}.py"
    path.write_text(PLUGIN.format(name=name, stable=stable))
    return name, str(path)


def _verify(path: str, name: str, *extra: str) -> int:
    return main(["verify", "--plugin", path, "--widths", "1,3,1", "--activation", "tanh", "--loss", name,
                 "--device", "cpu", *extra])


def _rows(out: str) -> dict[str, str]:
    """verify's table: quantity -> ok column."""
    lines = out.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("quantity")) + 1
    return {line.rsplit(None, 4)[0]: line.split()[-1] for line in lines[start:] if line.split()[-1] in ("yes", "NO")}


def test_an_unstable_registered_loss_fails_verify_naming_the_loss_and_the_output(tmp_path, capsys):
    name, path = _plugin(tmp_path, ", stable=naive")
    assert _verify(path, name) == 1
    out = capsys.readouterr().out
    rows = _rows(out)
    # verify's random outputs are a few units in size: there the naive form is right
    assert all(ok == "yes" for q, ok in rows.items() if "extreme" not in q), rows
    assert [ok for q, ok in rows.items() if "extreme" in q] == ["NO", "NO"]
    assert f"{name}: l_i at output f_1 = 40 (outputs 40) (targets 0) is nan in float64; the exact value (50 digits) " \
           f"is 40.0" in out
    assert out.rstrip().endswith(f"2 of {len(rows)} checks FAILED")


def test_with_the_auto_stabilisation_off_the_expanded_nll_fails_verify(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(custom, "stable_form", lambda neg_log: None)
    name, path = _plugin(tmp_path)
    assert _verify(path, name, "--format", "json") == 1
    doc = json.loads(capsys.readouterr().out)
    failed = [c for c in doc["checks"] if not c["passed"]]
    assert [c["name"] for c in failed] == ["loss l_i at extreme outputs (float64, 10 points)",
                                           "dl_i/df at extreme outputs (float64, 10 points)"]
    assert failed[0]["detail"].startswith(f"{name}: l_i at output f_1 = 40 ") and "is nan in float64" in failed[0]["detail"]


def test_the_derived_stable_form_passes_verify(tmp_path, capsys):
    name, path = _plugin(tmp_path)
    assert _verify(path, name) == 0
    rows = _rows(capsys.readouterr().out)
    assert [ok for q, ok in rows.items() if "extreme" in q] == ["yes", "yes"]


def test_the_probe_reaches_the_outputs_the_issue_names():
    assert {40.0, -40.0, 1e4, -1e4} <= set(EXTREME_OUTPUTS)


def test_a_cauchy_loss_that_loses_its_residual_fails_and_its_derived_form_passes():
    """The location alone (scale 1): f^2 - 2 f y + y^2 + 1 cancels beside y = f + 0.7 at f = 1e4."""
    import sympy as sp

    from symbolic import register_loss

    y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    density = 1 / (sp.pi * (1 + (y - mu) ** 2))
    naive, derived = next(_names), next(_names)
    register_loss(naive, density=density, target=y, link=lambda f: {mu: f[0]}, outputs=1, support="real",
                  stable=lambda f: sp.expand(sp.log(sp.pi) + sp.log(1 + (y - f[0]) ** 2)))
    register_loss(derived, density=density, target=y, link=lambda f: {mu: f[0]}, outputs=1, support="real")
    loss, gradient = extreme_check(naive, 1)
    assert not loss.passed and loss.detail.startswith(f"{naive}: l_i at output f_1 = ")
    assert [c.passed for c in extreme_check(derived, 1)] == [True, True]
