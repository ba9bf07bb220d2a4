"""Verification ids and display tags: the checker finds every kind of problem."""

from derivations.checks.records import assign_ids, check_tags, tag_line, tagged


def _records():
    recs = [{"name": "q: step 1 (definition)", "method": "definition", "passed": True},
            {"name": "q: step 2 (expand)", "method": "symbolic", "passed": True},
            {"name": "twin check", "method": "float64", "passed": True, "id": "twin"},
            {"name": "twin check", "method": "float64", "passed": False}]
    assign_ids("t", recs)
    return recs


def test_ids_are_unique_stable_and_prefixed():
    recs = _records()
    assert [r["id"] for r in recs] == ["t.q.1", "t.q.2", "t.twin", "t.twin-check"]
    assert assign_ids("t", recs) == [r["id"] for r in recs]  # idempotent
    assert assign_ids("t", [{"name": "x", "id": "S1/E01/step-1"}]) == ["S1/E01/step-1"]


def test_tag_kinds():
    recs = _records()
    assert tag_line(recs[:1]) == "% definition: t.q.1"
    assert tag_line(recs[:2]) == "% check: t.q.1, t.q.2"


def test_check_tags_finds_each_problem():
    recs = _records()
    good = tagged("\\begin{align*}\nq &= 1\n\\end{align*}", recs[:3])
    assert check_tags(good, recs) == []
    assert "has no" in check_tags("text\n\\[ q \\]", recs)[0]
    assert "unknown id 't.nope'" in check_tags("% check: t.nope\n\\[ q \\]", recs)[0]
    assert "did not pass" in check_tags(tagged("\\[ q \\]", recs[3:]), recs)[0]
    assert "is a check" in check_tags("% definition: t.q.2\n\\[ q \\]", recs)[0]
    assert "does not start its own line" in check_tags("% check: t.q.2\nso \\[ q \\]", recs)[0]
    assert "used by two records" in check_tags("", recs + [dict(recs[0])])[0]
    assert check_tags("\\title{a\\\\[0.3em]b}", recs) == []  # a line break, not a display
