"""The self-attention exercise (UDL 12.2): the parameters of one head. The solution passes its
checks and its answer is its last step; each named mistake (the biases left out, the output
projection counted, one map for three) is recognised by the checker with its name, as the key
holds it and as torch's witness computes it; a wrong count is wrong; a count without the biases
in the mathematics turns the build red."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derivations.exercises import kinds_attention as ka
from derivations.exercises.base import answer_latex
from derivations.exercises.build import _check_records, exercise_record
from derivations.exercises.checker import check_answer
from symbolic.networks import attention as att

#: What the checker answers, not how fast (a loaded machine may outrun a student's 1.5 s).
LIMIT = 30.0


@pytest.fixture(scope="module")
def sheets():
    out = []
    for seed in range(4):
        ex = ka.attention_parameters(random.Random(seed))
        out.append((f"s00{seed}", ex, exercise_record("E01", ex)))
    return out


def test_the_solution_passes_and_the_answer_is_the_books_count(sheets):
    for student, ex, _ in sheets:
        records, _ = _check_records(student, "E01", ex)
        assert all(r["passed"] for r in records), [r["id"] for r in records if not r["passed"]]
        assert {"derivation-step", "answer-key", "mistake", "symbolic-vs-torch"} <= {r["kind"] for r in records}
        D = ex.derivations()[-1].definitions[att.D]
        assert ex.answer == 3 * D**2 + 3 * D and ex.answer_steps == ex.derivations()[-1].steps[-1:]
        assert f"D = {D}" in ex.question


def test_each_named_mistake_is_recognised_with_its_name(sheets):
    for _, ex, record in sheets:
        D = int(ex.derivations()[-1].definitions[att.D])
        assert [m for _, m in ex.mistakes] == [3 * D**2, 4 * D**2 + 4 * D, D**2 + D]
        witnesses = {w.feedback: w for w in ex.witnesses}
        for feedback, wrong in ex.mistakes:
            assert witnesses[feedback].value == wrong  # torch's own computation of the slip
            for text in (answer_latex(wrong, "integer"), str(int(wrong))):
                result = check_answer(record, text, limit=LIMIT)
                assert not result.correct and result.feedback == feedback, (text, result)


def test_a_wrong_count_is_wrong_and_the_right_one_right(sheets):
    for _, ex, record in sheets:
        assert check_answer(record, str(int(ex.answer)), limit=LIMIT).correct
        assert not check_answer(record, str(int(ex.answer) + 1), limit=LIMIT).correct


def test_a_count_without_the_biases_turns_the_build_red(monkeypatch):
    monkeypatch.setattr(att, "parameter_count", lambda D: 3 * D**2)
    ex = ka.attention_parameters(random.Random(0))
    records, _ = _check_records("s000", "E01", ex)
    failed = {r["id"].rsplit("/", 1)[-1] for r in records if not r["passed"]}
    assert "twin-1" in failed and sp.Integer(ex.answer) == ex.mistakes[0][1]
