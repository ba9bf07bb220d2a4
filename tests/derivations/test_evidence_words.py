"""The front page's count of how things were checked names what each check actually did."""

from derivations.checks.evidence import evidence_summary, method_class


def test_mode_checks_are_named_as_modes_not_as_a_tables_trend():
    records = [{"kind": "derivation-step", "method": "numeric (mode against 40 points of the support, 3 parameter points)"},
               {"kind": "derivation-step", "method": "numeric (mode against both outcomes, 6 parameter points)"},
               {"kind": "derivation-step", "method": "symbolic"}]
    assert [method_class(r) for r in records] == ["mode", "mode", "proven"]
    text = evidence_summary(records)
    assert "2 are maxima checked against the density at sampled values (modes)" in text
    assert "trend" not in text and "row counts" not in text


def test_other_checks_list_only_the_kinds_present():
    records = [{"kind": "trend", "method": "table (largest rise between rows)"},
               {"kind": "training-log", "method": "row counts"}]
    text = evidence_summary(records)
    assert text == "Of the 2 checks, 2 are other checks (a table's trend and log row counts)."
    one = evidence_summary([{"kind": "odd", "method": "a method nobody named"}])
    assert one == "Of the 1 check, 1 is another kind of check (a method nobody named)."
