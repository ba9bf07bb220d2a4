"""The initialisation topic prints its table from the records that checked each cell and reads
it back by header: a misprinted cell, word or header turns the table's record red."""

from __future__ import annotations

import pytest

import derivations.topics.initialisation as topic
from derivations.topics.topic import TopicContext


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The topic at a size a unit test affords, built once: the result and the table's rows."""
    tables = []
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (("LAYERS", 8), ("NETWORKS", 12), ("INPUTS", 64), ("WIDTH", 60)):
            mp.setattr(topic, name, value)
        table = topic._table
        mp.setattr(topic, "_table", lambda *a: tables.append(table(*a)) or tables[-1])
        result = topic.build(TopicContext(tmp_path_factory.mktemp("init")))
    return result, tables[0]


def _record(result, key):
    return next(r for r in result.records if r["id"] == f"initialisation.{key}")


def _read_back(built, edit):
    """The table's read-back of the built section with ``edit`` applied to its text."""
    result, table = built
    columns = topic.text.columns(r"\frac{1}{2} D_{h} \sigma_{\Omega}^{2}", topic.init.variance_ratio("forward"),
                                 {topic.init.sigma_Omega: "sigma", topic.init.D_h: 60}, 8, topic.init.he_rule().rhs)
    return topic.read_table(edit(result.latex), columns, table, topic.SLUG, "table")


def _row(result, words):
    return next(line for line in result.latex.splitlines() if f"({words})" in line and " & " in line)


def test_the_table_is_printed_from_the_band_records_and_reads_back(built):
    result, _ = built
    assert result.passed and _record(result, "printed.table")["passed"]
    up, down = _record(result, "forward.factor.x4")["value"], _record(result, "backward.factor.x4")["value"]
    assert _row(result, "twice He") == (r"$\sigma_{\Omega}^{2} = \frac{4}{D_{h}}$ (twice He) & 2 & "
                                        rf"{up:.3f} & {down:.3f} & $2^{{8}}$\\")
    assert "(12 networks per variance," in result.latex and "within 4 standard errors" in result.latex
    # the prose's formulas are read back and recorded
    assert next(r for r in result.records if r["name"] == "initialisation: printed the weight variance")["passed"]


@pytest.mark.parametrize("edit, column", [
    (lambda line: line.replace("& 2 &", "& 4 &"), "one layer's factor"),  # the derived factor
    (lambda line: line.replace("& 1.9", "& 2.9").replace("& 2.0", "& 3.0"), "measured"),  # a measured factor
    (lambda line: line.replace("$2^{8}$", "$2^{7}$"), "derived, over 8 layers"),  # the factor over the layers
    (lambda line: line.replace("(twice He)", "(He)"), "weight variance"),  # the words
    (lambda line: line.replace(r"\frac{4}{D_{h}}", r"\frac{3}{D_{h}}"), "weight variance"),  # the variance
])
def test_a_misprinted_cell_fails_the_table(built, edit, column):
    result, _ = built
    line = _row(result, "twice He")
    record = _read_back(built, lambda tex: tex.replace(line, edit(line)))
    assert not record["passed"] and column in record["detail"], record.get("detail")


def test_swapped_measured_headers_fail_the_table(built):
    result, _ = built
    record = _read_back(built, lambda tex: tex.replace("& forward & backward &", "& backward & forward &"))
    assert not record["passed"]


def test_a_derived_factor_that_differs_backward_fails():
    assert topic._derived_record({"factor": 0.5, "factor_back": 0.5}, 1)["passed"]
    assert not topic._derived_record({"factor": 0.5, "factor_back": 1.0}, 1)["passed"]
