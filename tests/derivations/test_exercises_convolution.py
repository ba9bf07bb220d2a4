"""The convolution exercises (UDL 10.2): the output length of a 1-D layer and its parameters.
Each solution passes its checks and its answer is its last step; each named mistake is named by
the checker (as the key holds it and as its torch witness computes it); a wrong formula turns
the build red; the kinds come after the earlier topics' kinds."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derivations.exercises import kinds_convolution as kc
from derivations.exercises import load_kinds
from derivations.exercises.base import answer_latex
from derivations.exercises.build import _check_records, _kinds_for, build_exercises, exercise_record, exercises_for
from derivations.exercises.checker import check_answer
from symbolic.networks import convolution as conv

SLUGS = ("conv-output-length", "conv-parameters")
STUDENTS = ("s001", "s002", "s003")
#: What the checker answers, not how fast (a loaded machine may outrun a student's 1.5 s).
LIMIT = 30.0


@pytest.fixture(scope="module")
def exercises():
    return [(student, eid, ex, exercise_record(eid, ex)) for student in STUDENTS
            for eid, ex in exercises_for(student, 0, ["convolution"])]


def _items(exercises, slug):
    return [item for item in exercises if item[2].slug == slug]


def test_the_kinds_follow_the_earlier_topics_kinds():
    kinds = load_kinds()
    assert [kinds[s][0] for s in SLUGS] == ["convolution", "convolution"]
    slugs = _kinds_for(None)
    assert slugs.index("he-variance") < slugs.index(SLUGS[0]) and slugs[slugs.index(SLUGS[0]) + 1] == SLUGS[1]


@pytest.mark.parametrize("slug", SLUGS)
def test_the_solution_passes_its_checks_and_the_answer_is_its_last_step(exercises, slug):
    for student, eid, ex, _ in _items(exercises, slug):
        records, _ = _check_records(student, eid, ex)
        assert all(r["passed"] for r in records), [(r["id"], r.get("detail")) for r in records if not r["passed"]]
        assert {"derivation-step", "answer-key", "mistake", "symbolic-vs-torch"} <= {r["kind"] for r in records}
        last = ex.derivations()[-1].steps[-1]
        assert ex.answer_steps == [last] and ex.answer == last.rhs


def test_the_answers_are_the_modules_formulas_with_the_sheets_numbers(exercises):
    for _, _, ex, _ in _items(exercises, "conv-output-length"):
        numbers = ex.derivations()[-1].steps[-1].rename
        I, K, s, p, d = (int(numbers[x]) for x in conv.length_symbols)
        assert ex.answer == conv.counted_length(I, K, s, p, d) == conv.output_length(I, K, s, p, d)
    for _, _, ex, _ in _items(exercises, "conv-parameters"):
        values = ex.derivations()[-1].definitions
        _, K, C_i, C_o = conv.COUNT_SYMBOLS
        assert ex.answer == values[C_o] * (values[C_i] * values[K] + 1)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_named_mistake_is_recognised_with_its_name(exercises, slug):
    for _, _, ex, record in _items(exercises, slug):
        assert len(ex.mistakes) == (4 if slug == "conv-output-length" else 3)
        witnesses = {w.feedback: w for w in ex.witnesses}
        for feedback, wrong in ex.mistakes:
            assert witnesses[feedback].value == wrong  # torch's own count of the slip is the key's mistake
            for text in (answer_latex(wrong, "integer"), str(witnesses[feedback].value)):
                result = check_answer(record, text, limit=LIMIT)
                assert not result.correct and result.feedback == feedback, (text, result)


@pytest.mark.parametrize("slug", SLUGS)
def test_a_wrong_answer_is_wrong(exercises, slug):
    for _, _, ex, record in _items(exercises, slug):
        assert check_answer(record, str(ex.answer), limit=LIMIT).correct
        assert not check_answer(record, str(ex.answer + 1), limit=LIMIT).correct


def test_a_length_formula_without_the_padding_turns_the_build_red(monkeypatch):
    I, K, s, p, d = conv.length_symbols
    monkeypatch.setattr(conv, "LENGTH", sp.floor((I - d * (K - 1) - 1) / s) + 1)
    kc._formula_counts.cache_clear()
    try:
        ex = kc.conv_output_length(random.Random("0:s001:conv-output-length"))
        records, _ = _check_records("s001", "E01", ex)
    finally:
        kc._formula_counts.cache_clear()
    failed = {r["kind"] for r in records if not r["passed"]}
    assert {"derivation-step", "symbolic-vs-torch"} <= failed  # the count and torch's conv1d both disagree


def test_a_count_without_the_bias_turns_the_build_red(monkeypatch):
    monkeypatch.setattr(conv, "conv_parameters", lambda K, C_i=1, C_o=1: C_o * C_i * K)
    ex = kc.conv_parameters(random.Random("0:s001:conv-parameters"))
    records, _ = _check_records("s001", "E02", ex)
    assert "symbolic-vs-torch" in {r["kind"] for r in records if not r["passed"]}


def test_a_build_with_the_topic_passes(tmp_path):
    assert build_exercises(tmp_path / "ex", ["s004"], seed=7, topics=["convolution"], pdf=False).passed
