"""The depth topic prints its counts from the formulas its rows evaluate: a slip in the printed
text or a count that is not the network's turns a record red."""

from __future__ import annotations

from derivations.checks.printed import Formulas
from derivations.checks.tables import stated
from derivations.topics.topic import TopicContext
from derivations.topics import depth as topic
from symbolic.networks import counts
from symbolic.regions.counts import one_input_region_count


def test_the_rows_check_the_printed_counts():
    _, row, records = topic._depth_row(2)
    assert all(r["passed"] for r in records)
    assert stated(row["shallow_units_min"]) == int(topic.SHALLOW_UNITS.subs({counts.D: topic.D_LAYER, counts.K: 2}))


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


def _build(tmp_path, monkeypatch, edit):
    """The depth section (K = 1..3) built with ``edit`` applied to the text its template fills."""
    monkeypatch.setattr(topic, "K_MAX", 3)  # three rows are enough (and quick)
    section = topic.text.section
    monkeypatch.setattr(topic.text, "section", lambda **kw: edit(section(**kw)))
    return topic.build(TopicContext(tmp_path))


def _table(result):
    return next(r for r in result.records if r.get("id") == "printed.table")


def test_the_printed_table_reads_back_by_header(tmp_path, monkeypatch):
    result = _build(tmp_path, monkeypatch, lambda tex: tex)
    assert _table(result)["passed"] and result.passed
    assert "1 & 10 & 4 & 3 & 4 & 13" in result.latex


def test_a_misprinted_cell_fails_the_table(tmp_path, monkeypatch):
    result = _build(tmp_path, monkeypatch, lambda tex: tex.replace("3 & 34 & 64 &", "3 & 34 & 65 &"))
    assert not _table(result)["passed"] and "row 3, column regions" in _table(result)["detail"]


def test_swapped_headers_fail_the_table(tmp_path, monkeypatch):
    # the columns' values stay, their headers swap: each cell is compared with the field its header names
    result = _build(tmp_path, monkeypatch, lambda tex: tex.replace("$K$ & deep params. &", "deep params. & $K$ &"))
    assert not _table(result)["passed"]


def test_a_table_whose_header_is_reworded_is_not_found(tmp_path, monkeypatch):
    result = _build(tmp_path, monkeypatch, lambda tex: tex.replace("twin's units", "units of the twin"))
    assert not _table(result)["passed"] and "no printed table" in _table(result)["detail"]


def test_a_row_left_out_fails_the_table(tmp_path, monkeypatch):
    result = _build(tmp_path, monkeypatch, lambda tex: tex.replace("3 & 34 & 64 & 63 & 64 & 193\\\\\n", ""))
    assert not _table(result)["passed"]


def test_the_caption_states_the_drawn_network(tmp_path, monkeypatch):
    monkeypatch.setattr(topic, "K_SHOWN", 2)
    result = _build(tmp_path, monkeypatch, lambda tex: tex)
    assert "folding network with $K = 2$ layers of $D = 3$ units" in result.latex
