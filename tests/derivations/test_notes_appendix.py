"""The notes' verification tables are read back against the records they list: a misprinted
verdict, error, name, id, a row left out or a count that is not the records' turns the
appendix's record red."""

from __future__ import annotations

import pytest

import derivations.documents.notes as notes
from derivations.topics.topic import record

RECORDS = [
    record("a gradient, $x^2$ & 50% of it", "exact", 0.0, True, "exact rationals", topic="t", id="t.gradient"),
    record("a twin", "symbolic-vs-torch", 3.2e-16, True, "float64, relative error", topic="t", id="t.twin"),
    record("the normal density", "definition", 0.0, True, "definition", topic="t", id="t.normal"),
    record("a band", "monte-carlo", 0.0123, True, "within 4 standard errors", topic="u", id="u.band"),
]


def _read(records=RECORDS, edit=lambda tex: tex, intro_edit=lambda tex: tex):
    tex = notes.latex_document([], records)
    return notes.read_appendix(edit(tex), records, intro_edit(tex))


def test_the_tables_as_written_read_back():
    result = _read()
    assert result["passed"], result.get("detail")
    assert "4 rows by id" in result["method"]


@pytest.mark.parametrize("edit, says", [
    (lambda tex: tex.replace(r"$3.2\times10^{-16}$ & yes", r"$3.2\times10^{-16}$ & \textbf{NO}"), "verdict"),
    (lambda tex: tex.replace(r"$1.2\times10^{-2}$", r"$1.4\times10^{-2}$"), "the record has 0.0123"),
    (lambda tex: tex.replace("a twin &", "a second twin &"), "name"),
    (lambda tex: tex.replace("% t.twin", "% t.gradient"), "id"),
    (lambda tex: "\n".join(line for line in tex.split("\n") if not line.endswith("% u.band")), "printed 3 rows"),
    (lambda tex: tex.replace("3 of 3 checks passed", "4 of 4 checks passed"), "checks passed"),
    (lambda tex: tex.replace("within 4 standard", "within 3 standard"), "method"),
])
def test_a_misprinted_table_fails(edit, says):
    result = _read(edit=edit)  # the tables as written edited, the notes' opening as it was
    assert not result["passed"] and says in result["detail"], result.get("detail")


def test_a_count_in_the_notes_opening_that_is_not_the_records_fails():
    result = _read(intro_edit=lambda tex: tex.replace("All 3 checks passed", "All 4 checks passed"))
    assert not result["passed"] and "the notes state All 4" in result["detail"]
    result = _read(intro_edit=lambda tex: tex.replace("(1 more records", "(2 more records"))
    assert not result["passed"] and "definitions" in result["detail"]


def test_a_failed_definition_is_not_hidden_behind_a_dash():
    failed = [dict(r, passed=False) if r["id"] == "t.normal" else r for r in RECORDS]
    result = _read(failed)
    assert not result["passed"] and "printed '--' (a definition) for a record that failed" in result["detail"]


def test_the_built_notes_keep_the_appendix_record_and_fail_with_a_misprinted_table(tmp_path, monkeypatch):
    built = notes.build_notes(tmp_path / "ok", topics=["shallow"], pdf=False)
    assert built.records[-1]["id"] == "notes.appendix" and built.records[-1]["passed"] and built.passed
    tables = notes.verification_tables
    monkeypatch.setattr(notes, "verification_tables", lambda *a, **k: tables(*a, **k).replace(" & yes ", " & no ", 1))
    broken = notes.build_notes(tmp_path / "broken", topics=["shallow"], pdf=False)
    assert not broken.records[-1]["passed"] and not broken.passed
