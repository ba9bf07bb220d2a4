"""The shallow topic prints its network, the worked example's numbers and its prose formulas from
the objects its checks evaluate, each read back: a slip in a printed text, or in the object,
turns a record red."""

from __future__ import annotations

import sympy as sp

import symbolic.core.printing
from derivations.checks.printed import Formulas
from derivations.topics import shallow
from derivations.topics.topic import TopicContext


def _by_name(records):
    return {r["name"]: r for r in records}


def _misprinting(monkeypatch, old: str, new: str) -> None:
    """The package printer writes ``new`` where it would write ``old``."""
    latex = symbolic.core.printing.latex
    monkeypatch.setattr(symbolic.core.printing, "latex", lambda *a, **k: latex(*a, **k).replace(old, new))


def test_every_display_and_formula_of_the_section_reads_back(tmp_path):
    result = shallow.build(TopicContext(tmp_path))
    readbacks = [r for r in result.records if r["kind"] == "readback"]
    assert len(readbacks) >= 8 and all(r["passed"] for r in result.records)
    for key in ("network", "numbers", "combined"):
        assert any(r["kind"] == "readback" for r in result.displays[key].records), key
    assert "joints at $x = 1 / 2$, $x = 1$ and $x = 3 / 2$" in result.latex


def test_a_misprinted_number_fails_the_numbers_display(monkeypatch, tmp_path):
    _misprinting(monkeypatch, r"\frac{7}{10} h_{2}", r"\frac{7}{11} h_{2}")
    records = _by_name(shallow.build(TopicContext(tmp_path)).records)
    assert not records["shallow: printed the worked example's numbers"]["passed"]
    assert records["shallow: printed the 1-3-1 network"]["passed"]


def test_a_misprinted_joint_in_the_caption_fails(monkeypatch):
    net, values = shallow._example()
    _misprinting(monkeypatch, "3 / 2", "5 / 2")
    formulas = Formulas(shallow.SLUG)
    shallow._prose(formulas, net, values)
    failed = [r["name"] for r in formulas.records if not r["passed"]]
    assert failed == ["shallow: printed a joint of the example"]


def test_a_general_formula_that_is_not_every_units_fails_its_check(monkeypatch):
    net, values = shallow._example()
    swap = {net.theta[0, 0]: sp.Symbol("theta_{d,1}", real=True), net.theta[0, 1]: sp.Symbol("theta_{d,0}", real=True)}
    monkeypatch.setattr(shallow, "unit_d", lambda net, expr: expr.xreplace(swap))  # theta_{d1}/theta_{d0}
    formulas = Formulas(shallow.SLUG)
    _, checks = shallow._prose(formulas, net, values)
    assert all(r["passed"] for r in formulas.records)  # printed as computed ...
    assert [r["passed"] for r in checks] == [False, False]  # ... but not the units' joints and pre-activations
