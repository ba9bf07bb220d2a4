"""The hidden-units topic prints its networks (D hidden units, two inputs, two outputs) and its
prose formulas from the objects its checks evaluate, each read back: a slip in a printed text,
or in the object, turns a record red."""

from __future__ import annotations

import symbolic.core.printing
from derivations.checks.printed import Formulas
from derivations.topics import hidden_units
from derivations.topics.topic import TopicContext
from symbolic.networks.network import shallow_network


def _failed(records):
    return [r["name"] for r in records if not r["passed"]]


def _misprinting(monkeypatch, old: str, new: str) -> None:
    """The package printer writes ``new`` where it would write ``old``."""
    latex = symbolic.core.printing.latex
    monkeypatch.setattr(symbolic.core.printing, "latex", lambda *a, **k: latex(*a, **k).replace(old, new))


def test_every_display_is_read_back_and_passes(tmp_path):
    result = hidden_units.build(TopicContext(tmp_path))
    assert not _failed(result.records)
    for key in ("general", "two inputs", "two outputs"):
        assert any(r["kind"] == "readback" for r in result.displays[key].records), key


def test_a_misprinted_multi_input_weight_fails_the_display(monkeypatch, tmp_path):
    _misprinting(monkeypatch, r"\theta_{12} x_{2}", r"\theta_{21} x_{2}")
    assert _failed(hidden_units.build(TopicContext(tmp_path)).records) == [
        "hidden_units: printed the 2-3-1 relu network"]


def test_a_misprinted_output_weight_fails_the_multi_output_display(monkeypatch, tmp_path):
    _misprinting(monkeypatch, r"\phi_{24} h_{4}", r"\phi_{24} h_{3}")
    assert _failed(hidden_units.build(TopicContext(tmp_path)).records) == [
        "hidden_units: printed the 1-4-2 relu network"]


def test_the_general_network_is_read_back_and_checked_against_every_unit(monkeypatch):
    net = shallow_network(*hidden_units.MORE_UNITS, "relu")
    latex = hidden_units.latex
    monkeypatch.setattr(hidden_units, "latex",
                        lambda *a, **k: latex(*a, **k).replace(r"\theta_{d1} x", r"\theta_{d0} x"))
    formulas = Formulas(hidden_units.SLUG, names={r"\phi_{d}": hidden_units.phi[hidden_units.d],
                                                   r"h_{d}": hidden_units.h[hidden_units.d]})
    shown, checks = hidden_units._general(net, formulas)
    assert not shown.passed and all(r["passed"] for r in checks)
    monkeypatch.undo()
    wrong = shallow_network(*hidden_units.MORE_UNITS, "relu")
    wrong.program[-1] = (wrong.program[-1][0], wrong.program[-1][1] - wrong.phi[0, 0])  # the printed phi_0 is not its
    shown, checks = hidden_units._general(wrong, Formulas(hidden_units.SLUG, names=formulas.names))
    assert shown.passed and [r["passed"] for r in checks] == [True, False]
