"""A failing derivation step is marked and recorded, and every other step is still checked."""

import derivations.topics.losses
from derivations.topics.topic import TopicContext
from symbolic.losses.recipes import checked_recipe, recipe


def _broken_bernoulli():
    r = recipe("bernoulli")
    first = next(iter(r.parts.values()))
    # the last checked step (the logistic sigmoid): no later step of the part is checked against it
    step = [s for s in first.steps if s.checked][-1]
    step.rhs = step.rhs + 1  # a wrong equality in the first part
    return r


def test_recipe_check_checks_every_part_after_a_failure():
    r = _broken_bernoulli()
    assert r.check() is False
    steps = [s for d in r.derivations() for s in d.steps]
    assert all(s.check is not None for s in steps)  # later parts were checked, not skipped
    assert sum(not s.check.passed for s in steps) == 1
    failed = [rec for rec in r.records() if not rec["passed"]]
    assert len(failed) == 1
    assert {"name", "method", "expected", "got"} <= set(failed[0])
    assert "+ 1" in failed[0]["got"] or "1 +" in failed[0]["got"]


def test_losses_topic_marks_a_failed_step_and_continues(tmp_path, monkeypatch):
    def fake(name, D_o=None):
        if name == "bernoulli":
            r = _broken_bernoulli()
            r.check()
            return r
        return checked_recipe(name, D_o)

    monkeypatch.setattr(derivations.topics.losses, "checked_recipe", fake)
    result = derivations.topics.losses.build(TopicContext(tmp_path))
    failed = [r for r in result.records if not r["passed"]]
    assert len(failed) == 1 and failed[0]["expected"] and failed[0]["got"]
    assert "CHECK FAILED" in result.latex
    assert any(r["kind"] == "symbolic-vs-torch" for r in result.records)
