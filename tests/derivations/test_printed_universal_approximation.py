"""The universal-approximation topic prints its construction and its prose formulas from the
objects its checks use: a slip in a printed formula, or in the object, turns a record red."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.topics import universal_approximation as ua


def _failed(records):
    return [r["name"] for r in records if not r["passed"]]


def test_the_printed_construction_reads_back_and_is_the_network_the_checks_build():
    rows = ua.construction()
    formulas, shown, _ = ua._printed(rows)
    assert shown.passed and not _failed(formulas.records)
    assert not _failed(ua._construction_checks(rows))


def test_a_slip_in_the_construction_fails_the_exact_check():
    network, delta_1, delta_d, slope = ua.construction()
    plus = sp.Eq(delta_d.lhs, ua.s[ua.d] + ua.s[ua.d - 1])  # Delta_d = s_d + s_{d-1}
    records = ua._construction_checks([network, delta_1, plus, slope])
    assert len(_failed(records)) == len(records)
    joints = sp.Sum(ua.Delta[ua.d] * ua.ReLU(ua.x - ua.x_n[ua.d + 1]), (ua.d, 1, ua.N - 1))  # ReLU[x - x_{d+1}]
    shifted = sp.Eq(network.lhs, ua.y_n[1] + joints)
    assert _failed(ua._construction_checks([shifted, delta_1, delta_d, slope]))


def test_the_printed_first_row_is_the_object(monkeypatch):
    """The first row is typed in the book's order (Delta_d before ReLU): a changed object no
    longer reads back equal."""
    network, *rest = ua.construction()
    wrong = sp.Eq(network.lhs, network.rhs.subs(ua.N, ua.N + 1))  # the sum up to N
    _, shown, _ = ua._printed([wrong, *rest])
    assert not shown.passed and shown.record["detail"].startswith("row 1:")


def test_the_prose_formulas_are_the_objects_the_checks_use(monkeypatch):
    monkeypatch.setattr(ua, "TARGET", sp.sin(3 * sp.pi * ua.x) + ua.x / 2)
    monkeypatch.setattr(ua, "error_bound", lambda h, max_f2: h**2 * max_f2 / 4)
    formulas, _, _ = ua._printed(ua.construction())
    failed = _failed(formulas.records)
    assert "universal_approximation: printed target" in failed
    assert "universal_approximation: printed error bound" in failed
    assert "universal_approximation: printed bound for x^2" in failed
    # the attained bound is checked with the same function: it is no longer attained
    assert _failed(ua._attained_checks(formulas, {"bound": "", "attained_target": ""}))



@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The section built once with three widths of which D = 4 is trained (briefly): the result
    and the table's rows (each cell the record that checked it)."""
    from derivations.topics.topic import TopicContext

    tables = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ua, "WIDTHS", [2, 4, 8])
        mp.setattr(ua, "TRAINED_WIDTHS", [4])
        mp.setattr(ua, "TRAIN_EPOCHS", 30)
        table_rows = ua._table_rows
        mp.setattr(ua, "_table_rows", lambda *a: tables.append(table_rows(*a)) or tables[-1])
        result = ua.build(TopicContext(tmp_path_factory.mktemp("ua")))
    return result, tables[0]


def _record(result, key):
    return next(r for r in result.records if r["id"] == f"universal_approximation.{key}")


def _read_back(built, edit):
    """The table's read-back record of the built section with ``edit`` applied to its text."""
    result, table = built
    return ua.read_table(edit(result.latex), ua.text.columns(), table, ua.SLUG, "table")


def test_the_table_is_printed_from_the_records_and_reads_back(built):
    result, _ = built
    assert result.passed, _failed(result.records)
    assert _record(result, "printed.table")["passed"]
    trained = _record(result, "trained.D4")
    construction = _record(result, "bound.D4")
    assert f"4 & 13 & {construction['value']:.3e} & {trained['value']:.3e}" in result.latex
    assert "8 & 25 & " in result.latex and "& --\\\\" in result.latex  # D = 8 was not trained
    # the prose's numbers are the records' fields
    runs = _record(result, "trained.runs")
    assert runs["steps"] == 30 and runs["samples"] == ua.TRAIN_SAMPLES
    assert f"({runs['steps']} full-batch steps on {runs['samples']} samples" in result.latex
    assert f"a grid of {_record(result, 'table.grid')['value']} points):" in result.latex
    assert _record(result, "table.grid")["value"] == ua.GRID_SAMPLES
    unused = _record(result, "unused.D4")["value"]
    assert f"(here {unused} of 4 hidden units are inactive" in result.latex


def test_a_misprinted_trained_error_fails_the_table(built):
    def edit(tex):
        line = next(ln for ln in tex.splitlines() if ln.startswith("4 & 13 & "))
        return tex.replace(line, line.rsplit("&", 1)[0] + "& 9.999e-01\\\\")
    table = _read_back(built, edit)
    assert not table["passed"] and "row 2, column grid max error, trained (Adam)" in table["detail"]


def test_swapped_error_headers_fail_the_table(built):
    table = _read_back(built, lambda tex: tex.replace(
        "grid max error, construction & grid max error, trained (Adam)",
        "grid max error, trained (Adam) & grid max error, construction"))
    assert not table["passed"]


def test_a_trained_error_evaluated_on_another_grid_fails(built):
    """The table's errors are maxima over one grid: the trained networks' grid must be the construction's."""
    _, table = built
    assert ua._grid_record(table)["passed"]
    other = [dict(row, trained=dict(row["trained"], grid=4001)) if row["trained"] else row for row in table]
    assert not ua._grid_record(other)["passed"]


def test_a_trained_error_that_is_not_the_networks_fails(monkeypatch):
    rows = [{"D": 4, "max_error": 0.5, "pieces_error": 0.25, "grid": 11, "optimizer": "adam", "unused": 0,
             "unused_grid": 0}]
    assert not ua._trained_records(rows)[0]["passed"]
    rows[0]["pieces_error"] = 0.5
    assert ua._trained_records(rows)[0]["passed"]


def test_the_training_the_prose_states_is_checked():
    run = {"steps": 1500, "samples": 100, "batch": 100, "optimizer": "adam", "loss": "least-squares"}
    assert ua._runs_record([run, dict(run)])["passed"]
    assert not ua._runs_record([run, dict(run, batch=50)])["passed"]  # not full batch
    assert not ua._runs_record([run, dict(run, steps=1499)])["passed"]  # the runs differ
    assert not ua._runs_record([dict(run, optimizer="sgd")])["passed"]


def test_the_claim_that_training_can_fall_short_is_checked():
    cell = lambda value: {"value": value}  # noqa: E731
    rows = [{"D": 4, "construction": cell(0.2), "trained": cell(0.1)}, {"D": 8, "construction": cell(0.07), "trained": None}]
    assert not ua._worse_record(rows)["passed"]
    rows[0]["trained"] = cell(1.1)
    assert ua._worse_record(rows)["passed"]


def test_a_parameter_count_that_is_not_the_networks_fails():
    assert ua._parameter_records([{"D": 4, "parameters": 13}])[0]["passed"]
    assert not ua._parameter_records([{"D": 4, "parameters": 12}])[0]["passed"]


def test_the_unused_units_the_prose_counts_are_checked():
    run = {"D": 4, "max_error": 0.5, "pieces_error": 0.5, "grid": 11, "optimizer": "adam", "unused": 1, "unused_grid": 1}
    assert all(r["passed"] for r in ua._trained_records([run]))
    unused = ua._trained_records([dict(run, unused_grid=2)])[1]  # the two counts differ
    assert not unused["passed"]
    assert ua._unused_record([run])["passed"]
    assert not ua._unused_record([dict(run, unused=0)])["passed"]  # the prose's claim with no unused unit
