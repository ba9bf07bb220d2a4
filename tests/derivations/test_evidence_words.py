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


def test_one_sided_slopes_are_counted_as_slopes_with_their_own_numbers():
    """A slope checked 1e-30 from a kinked mode at 4 parameter points is not a check "at 6
    random points" (it used to borrow the count of the other records)."""
    records = [{"kind": "derivation-step", "method": "numeric (slope 1e-30 from the mode, 50 digits, 4 parameter points)"},
               {"kind": "derivation-step", "method": "numeric (slope 1e-30 from the mode, 50 digits, 4 parameter points)"},
               {"kind": "derivation-step", "method": "numeric (mpmath, 50 digits, 6 points)"}]
    assert [method_class(r) for r in records] == ["slope", "slope", "points"]
    text = evidence_summary(records)
    assert "1 is checked at 6 random points to 50 digits" in text
    assert "2 are one-sided slopes beside a kinked maximum checked 1e-30 from it to 50 digits at 4 parameter points" \
        in text


def test_digits_and_points_are_read_from_the_records():
    records = [{"kind": "trend", "method": "30 digits, absolute error"},
               {"kind": "derivation-step", "method": "numeric (mpmath, 40 digits, 1 points)"}]
    text = evidence_summary(records)
    assert "1 is evaluated to 30 digits at given points" in text
    assert "1 is checked at 1 point to 40 digits" in text


def test_a_float_evaluation_against_50_digits_is_not_a_comparison_with_pytorch():
    records = [{"kind": "stability", "method": "float32 vs mpmath 50 digits, relative error"},
               {"kind": "symbolic-vs-torch", "method": "float64, relative error"}]
    assert [method_class(r) for r in records] == ["float", "torch"]
    text = evidence_summary(records)
    assert "1 compares with PyTorch in floating point" in text
    assert "1 compares a floating-point evaluation with 50-digit values" in text


def test_numeric_steps_say_how_each_was_checked():
    from derivations.checks.evidence import checked_numerically

    records = [{"method": "numeric (mode against 40 points of the support, 3 parameter points)"}] * 3 + [
        {"method": "numeric (mode against the counts 0..60, 6 parameter points)"},
        {"method": "numeric (mpmath, 50 digits, 6 points)"}, {"method": "symbolic"}, {"method": "definition"}]
    assert checked_numerically(records) == (
        "5 were checked numerically: 1 by evaluation at 6 random points to 50 digits and 4 maxima by comparing the "
        "density there with its value elsewhere (3 against 40 points of the support at 3 parameter points and 1 "
        "against the counts 0..60 at 6 parameter points)")
    assert checked_numerically([{"method": "symbolic"}]) == ""
