"""Answer keys and mistakes come from the checked derivation: the key of every exercise is the
right-hand side of its solution's answer steps, read back from the printed line; a key computed
apart (flipped, E08-style) or a printed line typed beside its check turns the build red; each
typical mistake is an independent computation that the checker names; the count of SGD updates
uses the trainer's own batching rule."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises import load_kinds
from derivations.exercises.base import KINDS, key_of
from derivations.exercises.build import _check_records, build_exercises, exercises_for
from derivations.exercises.readback import answer_rows, final_value, printed_rows
from symbolic.core.derivation import Derivation, check_equal

load_kinds()


@pytest.fixture(scope="module")
def exercises():
    return {student: exercises_for(student, 11) for student in ("k001", "k002")}


def _records(student, eid, ex):
    records, _ = _check_records(student, eid, ex)
    return {r["id"].split("/", 2)[2]: r for r in records}


def _wrap(monkeypatch, slug, change):
    """Replace the kind ``slug`` by one whose exercise goes through ``change`` after it is made."""
    topic, make = KINDS[slug]

    def changed(rng):
        ex = make(rng)
        change(ex)
        return ex

    monkeypatch.setitem(KINDS, slug, (topic, changed))


# ----- the key is the last step ------------------------------------------------------------

def test_every_key_is_its_checked_final_step_read_back(exercises):
    for student, items in exercises.items():
        for eid, ex in items:
            assert ex.answer == key_of(ex.answer_steps, ex.kind), ex.slug
            key = _records(student, eid, ex)["key"]  # (checks every step of the solution)
            assert key["passed"] and key["kind"] == "answer-key", (ex.slug, key)
            for step, derivation, printed in answer_rows(ex):
                assert derivation is not None and step.checked and step.check.passed, (ex.slug, step.reason)
                assert printed is not None and final_value(printed), ex.slug


def test_a_flipped_key_turns_the_build_red(monkeypatch, tmp_path, capsys):
    """E08-style: the key flipped while the solution still prints phi_d = its value. Before, the
    build passed and ``check`` called the printed (right) answer a sign error."""
    def flip(ex):
        ex.answer = -ex.answer

    _wrap(monkeypatch, "interpolation-weight", flip)
    result = build_exercises(tmp_path / "built", ["s001"], seed=0, topics=["universal_approximation"], pdf=False)
    failed = {r["id"] for r in result.records if not r["passed"]}
    assert "s001/E01/key" in failed  # the printed final step does not read back as the key
    assert "s001/E01/sign-error" in failed  # and check calls the printed answer wrong
    assert main(["exercises", "--out", str(tmp_path / "cli"), "--students", "1", "--topics",
                 "universal_approximation", "--no-pdf"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: s001 E01 interpolation-weight: the key in answers.json is the printed final step" in out


def test_an_unflipped_build_is_green(tmp_path):
    result = build_exercises(tmp_path, ["s001"], seed=0, topics=["universal_approximation"], pdf=False)
    assert result.passed


@pytest.mark.parametrize("slug", ["shallow-output", "multi-output", "total-nll"])
def test_a_printed_final_step_altered_turns_the_key_red(monkeypatch, slug):
    def alter(ex):
        step = ex.answer_steps[-1]
        text = step.rhs_latex
        step.rhs_latex = text[:len(text) - len(final_value(text))] + ("7" if ex.kind != "number" or
                                                                        "." not in text else "7.000000")

    _wrap(monkeypatch, slug, alter)
    (eid, ex), = [item for item in exercises_for("s001", 0, topics=[KINDS[slug][0]]) if item[1].slug == slug]
    key = _records("s001", eid, ex)["key"]
    assert not key["passed"] and "printed '7" in key["detail"], key


def test_a_key_that_is_a_definition_is_refused(monkeypatch):
    def stated(ex):
        ex.answer_steps[-1].checked = False  # the answer only stated, not checked

    _wrap(monkeypatch, "region-slope", stated)
    (eid, ex), = [i for i in exercises_for("s001", 0, topics=["piecewise_linear"]) if i[1].slug == "region-slope"]
    key = _records("s001", eid, ex)["key"]
    assert not key["passed"] and "is a definition" in key["detail"]


def test_printed_rows_follow_to_latex_wrapping_and_failure_marks():
    x = sp.Symbol("x", real=True)
    long = sum(sp.Symbol(f"a_{{{k}}}") * x**k for k in range(40))
    d = Derivation("t")
    d.add(long, "a long sum, wrapped onto several lines with a reason on a line of its own", lhs=sp.Symbol("q"),
          check=False)
    d.add(sp.Integer(3), "a deliberately wrong value", lhs=sp.Integer(2), rhs_latex=r"1 + 1 = 3")
    d.check()
    rows = printed_rows(d)
    assert len(rows) == 2 and "CHECK FAILED" not in rows[1] and final_value(rows[1]) == "3"
    assert "a_{39}" in rows[0] and "\\qquad" not in rows[0]
    assert final_value(r"\mathrm{ReLU}\left[1 = 2\right] = \frac{1}{2}") == r"\frac{1}{2}"


def test_an_unreadable_print_fails_the_key_record_not_the_build(monkeypatch):
    monkeypatch.setattr(Derivation, "to_latex", lambda self, *args, **kw: "\\begin{align*}\nx\n\\end{align*}")
    (eid, ex), = exercises_for("s001", 0, topics=["shallow"])
    key = _records("s001", eid, ex)["key"]
    assert not key["passed"] and "cannot read the printed row" in key["detail"]


# ----- mistakes ------------------------------------------------------------------------------

def test_every_mistake_is_witnessed_and_named(exercises):
    """Each typical mistake has an independent computation (or says it is a transformation of
    the key), equal to the one the checker recognises, and the checker names it; the sign
    error is named on the negative of the printed answer and the printed answer is accepted."""
    for student, items in exercises.items():
        for eid, ex in items:
            records = _records(student, eid, ex)
            mistakes = [r for k, r in records.items() if k.startswith("mistake-")]
            assert len(mistakes) == len(ex.mistakes), ex.slug
            assert all(r["passed"] for r in mistakes), [r for r in mistakes if not r["passed"]]
            assert records["sign-error"]["passed"], records["sign-error"]
            assert not any(k.startswith("witness-") for k in records), ex.slug
    independent = [w for _, items in exercises.items() for _, ex in items for w in ex.witnesses if w.value is not None]
    assert len(independent) >= 40


def test_a_recognised_mistake_unlike_its_independent_computation_is_red(monkeypatch):
    def shifted(ex):  # the "ReLU forgotten" mistake the checker recognises, off by 1/2
        feedback, value = ex.mistakes[0]
        ex.mistakes[0] = (feedback, value + sp.Rational(1, 2))

    _wrap(monkeypatch, "shallow-output", shifted)
    (eid, ex), = exercises_for("s001", 0, topics=["shallow"])
    records = _records("s001", eid, ex)
    assert not records["mistake-1"]["passed"] and records["mistake-2"]["passed"]
    assert "linear activation" in records["mistake-1"]["name"]


def test_a_mistake_without_witness_and_a_stray_witness_are_red(monkeypatch):
    def orphan(ex):
        ex.witnesses = ex.witnesses[1:] + [type(ex.witnesses[0])("a feedback no mistake has", "nothing", 1.0)]

    _wrap(monkeypatch, "composition", orphan)
    (eid, ex), = exercises_for("s001", 0, topics=["deep_networks"])
    records = _records("s001", eid, ex)
    assert not records["mistake-1"]["passed"] and "no witness" in records["mistake-1"]["detail"]
    assert not records["witness-1"]["passed"]


def test_the_sign_error_record_needs_the_checker_to_name_it(monkeypatch):
    from derivations.exercises import checker, mistake_checks

    mistake_checks._checked.cache_clear()
    generic = checker._generic_mistakes
    monkeypatch.setattr(checker, "_generic_mistakes", lambda reference, kind: [
        m for m in generic(reference, kind) if m[0] != checker.SIGN_ERROR])
    (eid, ex), = exercises_for("s001", 0, topics=["shallow"])
    assert not _records("s001", eid, ex)["sign-error"]["passed"]
    mistake_checks._checked.cache_clear()


def test_witnesses_are_the_slips_made_on_purpose():
    """Spot checks of what the witnesses compute, by hand."""
    ex = KINDS["total-nll"][1](random.Random("w"))
    mean = [w for w in ex.witnesses if "mean" in w.how][0]
    assert mean.value == pytest.approx(float(ex.answer) / 3, rel=1e-12)  # the loss divided by I
    ex = KINDS["shallow-output"][1](random.Random("w"))
    linear = [w for w in ex.witnesses if "linear" in w.how][0]
    assert linear.value == pytest.approx(float(ex.mistakes[0][1]), rel=1e-12)
    ex = KINDS["activation-derivative"][1](random.Random("w"))
    sign = [w for w in ex.witnesses if w.feedback.startswith("sign error")][0]
    assert check_equal(sign.value, -ex.answer).passed  # d/dz of -a[cz], differentiated, is minus the key


# ----- E18: one batching rule -------------------------------------------------------------------

def test_steps_per_epoch_counts_with_the_trainers_batching_rule(monkeypatch):
    """A change of the batching rule (the last, smaller batch dropped) changes both the trainer's
    batches and the exercise's key, and the solution's check against ceil(I / B) then fails."""
    import numeric.training as training
    from numeric.data import Dataset
    from symbolic.spec import NetworkSpec

    ex = KINDS["steps-per-epoch"][1](random.Random("e18"))
    I, B, epochs = (int(v) for v in _question_numbers(ex.question))
    assert ex.answer == epochs * -(-I // B)

    def trainer_batches():
        data = Dataset(np.arange(I, dtype=float)[:, None], np.zeros((I, 1)), "ids")
        trainer = training.Trainer(NetworkSpec((1, 2, 1), "relu"), "least-squares", data,
                                   training.TrainConfig(optimizer="sgd", batch_size=B, epochs=1, progress=False,
                                                        device="cpu"))
        return trainer._batches()

    assert len(trainer_batches()) == -(-I // B)
    rule = training.batch_bounds
    monkeypatch.setattr(training, "batch_bounds", lambda I, B: [b for b in rule(I, B) if b[1] - b[0] == B])
    assert len(trainer_batches()) == I // B  # the trainer follows the rule
    changed = KINDS["steps-per-epoch"][1](random.Random("e18"))
    assert changed.answer == epochs * (I // B)  # and so does the key
    records = {r["id"]: r for r in _check_records("s", "E18", changed)[0]}
    assert not records["s/E18/step-1"]["passed"]  # no longer ceil(I / B) per epoch


def _question_numbers(question: str) -> tuple[int, int, int]:
    import re

    epochs = re.search(r"\$E = (\d+)\$ epochs", question).group(1)
    I = re.search(r"\$I = (\d+)\$", question).group(1)
    B = re.search(r"\$B = (\d+)\$", question).group(1)
    return int(I), int(B), int(epochs)


def test_answers_json_keys_unchanged_for_a_fixed_seed(tmp_path):
    """The keys are the same SymPy objects as before the key came from the final step (spot
    check of two kinds' srepr for one student)."""
    build_exercises(tmp_path, ["s001"], seed=0, topics=["universal_approximation", "sgd"], pdf=False)
    data = json.loads((tmp_path / "answers.json").read_text())["students"]["s001"]
    by_topic = {e["topic"]: e for e in data}
    assert by_topic["universal_approximation"]["answer_srepr"] == "Integer(-3)"


def test_a_step_merged_into_the_row_above_gets_that_rows_printed_text():
    import sympy as sp

    from derivations.exercises.readback import printed_rows
    from symbolic.core.derivation import Derivation

    x = sp.Symbol("x", real=True)
    d = Derivation("merged")
    d.add(x + 1, "definition", lhs=sp.Symbol("q"), check=False)
    d.add(1 + x, "the same, another way")  # prints the line above again: merged into it
    d.add(2 * x + 2 - x - 1, "again")
    d.add(sp.Integer(3), "at x = 2", rhs_latex="2 + 1 = 3")
    assert printed_rows(d) == ["x + 1", "x + 1", "x + 1", "2 + 1 = 3"]


def test_every_key_reads_back_where_the_solution_merges_a_repeated_line(tmp_path, capsys):
    from derivations.cli import main

    roster = tmp_path / "roster.csv"
    roster.write_text("id\ns009\ns011\n")  # with seed 12345 their E13 solutions merge a repeated line
    assert main(["exercises", "--out", str(tmp_path / "ex"), "--roster", str(roster), "--seed", "12345",
                 "--topics", "losses", "--no-pdf"]) == 0, capsys.readouterr().out
