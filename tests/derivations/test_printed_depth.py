"""The depth topic prints its counts from the formulas its rows evaluate: a slip in the printed
text or a count that is not the network's turns a record red."""

from __future__ import annotations

from derivations.checks.printed import Formulas
from derivations.topics import depth as topic
from symbolic.networks import counts
from symbolic.regions.counts import one_input_region_count


def test_the_rows_check_the_printed_counts():
    _, row, records = topic._depth_row(2)
    assert all(r["passed"] for r in records)
    assert row["shallow_units_min"] == int(topic.SHALLOW_UNITS.subs({counts.D: topic.D_LAYER, counts.K: 2}))


def test_a_printed_shallow_count_that_is_not_the_networks_fails(monkeypatch):
    monkeypatch.setattr(topic, "SHALLOW_UNITS", one_input_region_count())  # one unit too many
    _, _, records = topic._depth_row(2)
    assert [r["passed"] for r in records if "units (one per joint" in r["name"]] == [False]


def test_a_slip_in_the_printed_count_fails():
    formulas = Formulas("depth")
    good = formulas(topic.SHALLOW_UNITS, "units")
    assert good.passed
    assert not formulas(topic.SHALLOW_UNITS, "units", typed=good.latex.replace("- 1", "+ 1")).passed


def test_a_printed_zigzag_that_is_not_the_layer_fails(monkeypatch):
    wrong = topic.ZIGZAG.rhs.xreplace({topic.x - topic.t[topic.d]: topic.x + topic.t[topic.d]})
    assert wrong != topic.ZIGZAG.rhs
    monkeypatch.setattr(topic, "ZIGZAG", type(topic.ZIGZAG)(topic.ZIGZAG.lhs, wrong))
    _, _, records = topic._depth_row(2)
    assert [r["passed"] for r in records if "printed zigzag" in r["name"]] == [False]


def test_the_book_form_of_the_zigzag_reads_back_and_a_slip_fails():
    formulas = Formulas("depth")
    assert formulas(topic.ZIGZAG, "zigzag", typed=topic.ZIGZAG_BOOK).passed
    assert not formulas(topic.ZIGZAG, "zigzag", typed=topic.ZIGZAG_BOOK.replace("d=1", "d=0")).passed
