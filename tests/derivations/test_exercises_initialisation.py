"""The initialisation exercises (UDL 7.5): the variance through a ReLU layer and He's rule.
Each solution passes its checks and its answer is its last step; each typical mistake is
named by the checker (as the key holds it, typed plainly, and as its torch witness computes
it); a wrong answer is wrong; breaking the ReLU's 1/2 in the mathematics turns the build red;
the kinds come after every other topic's, so no other exercise is renumbered."""

from __future__ import annotations

import json
import random

import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises import kinds_initialisation as ki
from derivations.exercises import load_kinds
from derivations.exercises.base import answer_latex
from derivations.exercises.build import _check_records, _kinds_for, build_exercises, exercise_record, exercises_for
from derivations.exercises.checker import check_answer
from derivations.exercises.key import parse_entry
from derivations.exercises.latex import answer_instructions
from derivations.lecture import TOPICS
from symbolic.training import initialisation as init

SLUGS = ("init-variance", "he-variance")
STUDENTS = ("s001", "s002", "s003")
#: What the checker answers, not how fast (a loaded machine may outrun a student's 1.5 s).
LIMIT = 30.0


@pytest.fixture(scope="module")
def exercises():
    """Three students' initialisation exercises with their answers.json records."""
    return {student: [(eid, ex, exercise_record(eid, ex)) for eid, ex in exercises_for(student, 0, ["initialisation"])]
            for student in STUDENTS}


def _items(exercises, slug):
    return [(student, eid, ex, record) for student, items in exercises.items()
            for eid, ex, record in items if ex.slug == slug]


def test_the_kinds_come_last_so_no_other_exercise_is_renumbered():
    kinds = load_kinds()
    assert [kinds[s][0] for s in SLUGS] == ["initialisation", "initialisation"]
    slugs = _kinds_for(None)  # after every earlier topic's kinds; only later topics' kinds follow
    start = slugs.index(SLUGS[0])
    assert slugs[start:start + 2] == list(SLUGS)
    assert all(TOPICS.index(kinds[s][0]) > TOPICS.index("initialisation") for s in slugs[start + 2:])


@pytest.mark.parametrize("slug", SLUGS)
def test_the_solution_passes_its_checks_and_the_answer_is_its_last_step(exercises, slug):
    for student, eid, ex, _ in _items(exercises, slug):
        records, _ = _check_records(student, eid, ex)
        assert all(r["passed"] for r in records), [r["id"] for r in records if not r["passed"]]
        kinds = {r["kind"] for r in records}
        assert {"derivation-step", "answer-key", "mistake", "symbolic-vs-torch"} <= kinds
        last = ex.derivations()[-1].steps[-1]
        assert ex.answer_steps == [last] and ex.answer == last.rhs


def test_the_variance_is_the_derived_formula_with_the_sheets_numbers(exercises):
    forward = ki.forward_derivation()
    assert forward.passed
    formula = init.D_h * init.sigma_Omega**2 * init.sigma_f**2 / 2
    assert sp.simplify(forward.steps[-1].rhs - formula) == 0
    for _, _, ex, _ in _items(exercises, "init-variance"):
        numbers = ex.derivations()[-1].steps[-1].rename  # the sheet's D_h, sigma_Omega and sigma_f^2
        assert ex.answer == formula.xreplace(numbers)
        assert f"D_{{h}} = {numbers[init.D_h]}" in ex.question
    for _, _, ex, _ in _items(exercises, "he-variance"):
        D_h = ex.derivations()[-1].steps[-1].rename[init.D_h]
        assert ex.answer == sp.Rational(2, D_h) == init.he_rule().rhs.subs(init.D_h, D_h)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_named_mistake_is_recognised_with_its_name(exercises, slug):
    for _, _, ex, record in _items(exercises, slug):
        assert len(ex.mistakes) == (3 if slug == "init-variance" else 4)
        witnesses = {w.feedback: w for w in ex.witnesses}
        for feedback, wrong in ex.mistakes:
            witness = f"{float(witnesses[feedback].value):.17g}"
            for text in (answer_latex(wrong, "number"), f"{float(wrong):.6f}", witness):
                result = check_answer(record, text, limit=LIMIT)
                assert not result.correct and result.feedback == feedback, (text, result)
            # the witness (torch's own computation of the slip) is the mistake the key holds
            assert float(witnesses[feedback].value) == pytest.approx(float(wrong), rel=1e-12)


def test_the_mistakes_are_the_slips_the_brief_names(exercises):
    """The ReLU's 1/2 lost, the fan-out, the standard deviation, and (He) Glorot's rule: each as
    the module's own rules put it, with the sheet's widths."""
    for _, _, ex, _ in _items(exercises, "he-variance"):
        D_h = ex.derivations()[-1].steps[-1].rename[init.D_h]
        D_next = int(ex.question.split("D_{h'} = ")[1].split("$")[0])
        widths = {init.D_h: D_h, init.D_next: D_next}
        linear = sp.solve(sp.Eq(init.variance_ratio("forward", "tanh"), 1), init.sigma_Omega)[0] ** 2  # 1/D_h
        expected = [linear.subs(widths), init.he_backward_rule().rhs.subs(widths), init.glorot_rule().rhs.subs(widths),
                    sp.sqrt(ex.answer)]
        assert [m for _, m in ex.mistakes] == expected
    for _, _, ex, _ in _items(exercises, "init-variance"):
        numbers = dict(ex.derivations()[-1].steps[-1].rename)
        D_next = int(ex.question.split("D_{h'} = ")[1].split("$")[0])
        linear = init.variance_ratio("forward", "tanh") * init.sigma_f**2
        fan_out = init.variance_ratio("backward") * init.sigma_f**2
        std = init.D_h * init.sigma_Omega * init.sigma_f**2 / 2
        expected = [linear.xreplace(numbers), fan_out.xreplace({**numbers, init.D_next: D_next}), std.xreplace(numbers)]
        assert [m for _, m in ex.mistakes] == expected


@pytest.mark.parametrize("slug", SLUGS)
def test_a_wrong_answer_is_wrong_and_a_close_one_right(exercises, slug):
    for _, _, ex, record in _items(exercises, slug):
        value, p = float(ex.answer), ex.precision
        assert check_answer(record, f"{value + 0.9 * p:.8f}", limit=LIMIT).correct
        result = check_answer(record, f"{value + 37 * p:.8f}", limit=LIMIT)
        assert not result.correct and result.feedback.startswith("not within")
        assert "sign error" in check_answer(record, f"{-value:.8f}", limit=LIMIT).feedback


def test_he_asks_for_four_decimal_places(exercises):
    (_, _, ex, _), *_ = _items(exercises, "he-variance")
    assert ex.precision == 0.0001 and "to 4 decimal places" in answer_instructions(ex)
    (_, _, ex, _), *_ = _items(exercises, "init-variance")
    assert "to 3 decimal places" in answer_instructions(ex)


def _failed(student: str, seed: int = 0) -> list[dict]:
    failed = []
    for eid, ex in exercises_for(student, seed, ["initialisation"]):
        records, _ = _check_records(student, eid, ex)
        failed += [r for r in records if not r["passed"]]
    return failed


@pytest.fixture
def fresh_derivation():
    """The shared derivation rebuilt under a mutation, and rebuilt again afterwards."""
    ki.forward_derivation.cache_clear()
    yield
    ki.forward_derivation.cache_clear()


def test_the_relus_half_taken_away_turns_the_build_red(monkeypatch, fresh_derivation):
    # the ReLU's second moment as if the ReLU passed everything: sigma_f^2, not sigma_f^2 / 2
    monkeypatch.setattr(init, "relu_second_moment", lambda s=init.sigma_f: s**2)
    failed = _failed("s001")
    ids = {r["id"] for r in failed}
    assert any(i.startswith("s001/E01/step-") for i in ids)  # the derivation's integral and its use
    assert any(i.startswith("s001/E02/step-") for i in ids)  # He's rule rests on that derivation


def test_a_rule_without_the_relus_half_turns_the_build_red(monkeypatch):
    # one layer's factor without the ReLU's 1/2: he_rule() then says 1/D_h
    monkeypatch.setattr(init, "variance_ratio", lambda kind="forward", activation="relu":
                        (init.D_h if kind == "forward" else init.D_next) * init.sigma_Omega**2)
    ex = ki.he_variance(random.Random("0:s001:he-variance"))
    records, _ = _check_records("s001", "E02", ex)
    failed = {r["kind"] for r in records if not r["passed"]}
    assert {"derivation-step", "symbolic-vs-torch"} <= failed  # the rule kept, and torch's kaiming_normal_


def test_sheets_checks_self_check_moodle_and_grading(tmp_path, capsys):
    out = tmp_path / "ex"
    assert main(["exercises", "--out", str(out), "--students", "1", "--topics", "initialisation", "--no-pdf"]) == 0
    answers = out / "answers.json"
    records = json.loads(answers.read_text())["students"]["s001"]
    assert [r["id"] for r in records] == ["E01", "E02"]
    assert all(r["passed"] for r in json.loads((out / "verification.json").read_text()))
    solution = (out / "solutions" / "s001.tex").read_text()
    assert "He's initialisation" in solution and "CHECK FAILED" not in solution
    capsys.readouterr()
    feedback, glorot = parse_entry(records[1], "s001").mistakes[2]  # Glorot's 2 / (D_h + D_{h'})
    assert feedback.startswith("that is Glorot's")
    assert main(["check", "--answers", str(answers), "--student", "s001", "--exercise", "E02",
                 "--answer", str(glorot), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["feedback"] == feedback
    key = out / "self-check" / "s001.json"
    assert main(["self-check", "--key", str(key), "--exercise", "E01", "--answer", records[0]["answer"]]) == 0
    assert main(["self-check", "--key", str(key), "--exercise", "E02", "--answer", str(glorot)]) == 1
    assert main(["export-moodle", "--answers", str(answers), "--out", str(tmp_path / "quiz.xml")]) == 0
    quiz = (tmp_path / "quiz.xml").read_text()
    assert "s001 E02 (initialisation)" in quiz and "<tolerance>0.0001</tolerance>" in quiz
    handed = tmp_path / "in"
    handed.mkdir()
    (handed / "s001.txt").write_text(f"E01: {records[0]['answer']}\nE02: {glorot}\n")
    assert main(["grade", "--answers", str(answers), "--submissions", str(handed), "--out", str(tmp_path / "g"),
                 "--jobs", "1"]) == 0
    assert (tmp_path / "g" / "grades.csv").read_text().splitlines()[1].startswith("s001,1,0,1,2,ok")
    assert "Glorot" in (tmp_path / "g" / "feedback" / "s001.txt").read_text()


def test_a_build_with_the_topic_passes(tmp_path):
    assert build_exercises(tmp_path / "ex", ["s004"], seed=7, topics=["initialisation"], pdf=False).passed
