"""The question a sheet prints is the question its solution solved: every formula and number of a
question is printed from the solution's object and read back (the record ``ID/EID/question``),
and no registered kind silently leaves the sheets (the record ``kinds``).

Each test breaks the printed question the way a careless edit would (a number changed in the
text, a printer that prints another value, a kind that states other numbers than it solved, a
kind's registration removed) and sees the named record, and ``deepderive exercises``, fail.
"""

from __future__ import annotations

import random
import re

import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises import KINDS, load_kinds
from derivations.exercises.build import _check_records
from derivations.exercises.question import Question

load_kinds()


def _question_record(slug: str, student: str = "s001") -> dict:
    ex = KINDS[slug][1](random.Random(f"0:{student}:{slug}"))
    records, _ = _check_records(student, "E01", ex)
    return next(r for r in records if r["id"].endswith("/question"))


@pytest.mark.parametrize("slug", ["shallow-output", "max-regions", "gd-step", "nll"])
def test_the_question_record_passes_for_the_printed_question(slug):
    record = _question_record(slug)
    assert record["passed"], record.get("detail")
    assert record["kind"] == "readback"


def _wrapped(monkeypatch, slug, change):
    topic, make = KINDS[slug]

    def broken(rng):
        ex = make(rng)
        change(ex)
        return ex

    monkeypatch.setitem(KINDS, slug, (topic, broken))


def test_a_number_changed_in_the_question_text_fails(monkeypatch):
    def change(ex):  # the network's first parameter stated as another number than the one solved
        ex.question = re.sub(r"\\theta_\{10\} = [^,$]+", r"\\theta_{10} = 7", ex.question, count=1)

    _wrapped(monkeypatch, "shallow-output", change)
    record = _question_record("shallow-output")
    assert not record["passed"]
    assert "theta_{10} = 7" in record["detail"] or "not in the question" in record["detail"]


def test_a_formula_typed_into_the_question_fails(monkeypatch):
    def change(ex):  # another network stated beside the printed one
        ex.question = ex.question.replace("has the parameters", r"(with $y = \phi_0 - h_1$) has the parameters")

    _wrapped(monkeypatch, "shallow-output", change)
    record = _question_record("shallow-output")
    assert not record["passed"] and "typed beside its object" in record["detail"]


def test_a_printer_that_prints_another_value_fails(monkeypatch):
    original = Question.__call__

    def misprint(self, obj, name, **kw):  # prints 1 more than the object for every given number
        if kw.get("given") and isinstance(obj, sp.Equality):
            kw["typed"] = f"{sp.latex(obj.lhs)} = {sp.latex(obj.rhs + 1)}"
        return original(self, obj, name, **kw)

    monkeypatch.setattr(Question, "__call__", misprint)
    record = _question_record("max-regions")
    assert not record["passed"] and "reads" in record["detail"]


def test_a_question_that_states_other_numbers_than_it_solved_fails(monkeypatch):
    original = Question.given

    def other(self, symbol, value, name="a given value"):  # printed and read back, but not what was solved
        return original(self, symbol, sp.sympify(value) + 1, name)

    monkeypatch.setattr(Question, "given", other)
    for slug in ("max-regions", "shallow-output", "steps-per-epoch", "prediction"):
        record = _question_record(slug)
        assert not record["passed"], slug
        assert "the solution" in record["detail"], record["detail"]


def test_a_network_stated_differently_from_the_solved_one_fails(monkeypatch):
    import derivations.exercises.kinds_networks as networks

    def equations(q, net, name="the network"):  # the hidden units stated with the bias subtracted
        rows = [f"${q(sp.Eq(s, e.xreplace({t: -t for t in net.theta[:, 0]}), evaluate=False), name)}$"
                for s, e in net.program]
        return ", ".join(rows)

    monkeypatch.setattr(networks, "_equations", equations)
    record = _question_record("shallow-output")
    assert not record["passed"] and "defines it as" in record["detail"]


def test_a_kind_whose_registration_is_removed_fails_the_build(monkeypatch, tmp_path, capsys):
    monkeypatch.delitem(KINDS, "max-regions")
    code = main(["exercises", "--out", str(tmp_path / "out"), "--students", "1", "--topics", "counts_regions",
                 "--no-pdf"])
    out = capsys.readouterr().out
    assert code == 1
    assert "every listed exercise kind" in out


def test_the_kinds_record_passes_and_the_question_records_reach_verification(tmp_path, capsys):
    import json

    code = main(["exercises", "--out", str(tmp_path / "out"), "--students", "1", "--topics", "counts_regions",
                 "--no-pdf"])
    assert code == 0, capsys.readouterr().out
    records = json.loads((tmp_path / "out" / "verification.json").read_text())
    assert [r["passed"] for r in records if r["id"] == "kinds"] == [True]
    assert sum(r["id"].endswith("/question") for r in records) == 2


def test_the_docs_table_lists_only_kinds_of_the_manifest():
    from pathlib import Path

    from derivations.exercises.manifest import EXPECTED

    table = Path(__file__).resolve().parents[2] / "docs" / "exercises.md"
    documented = dict(re.findall(r"^\| `([a-z0-9-]+)` \| ([a-z_]+) \|", table.read_text(encoding="utf-8"), re.M))
    assert documented and set(documented.items()) <= set(EXPECTED)


# ----- the solution's words: prose, step reasons and feedback (the record ``ID/EID/prose``) -----

def _prose_record(slug: str, student: str = "s001") -> dict:
    ex = KINDS[slug][1](random.Random(f"0:{student}:{slug}"))
    records, _ = _check_records(student, "E01", ex)
    return next(r for r in records if r["id"].endswith("/prose"))


@pytest.mark.parametrize("slug", ["joints", "interpolation-weight", "nll", "total-nll", "gd-step", "depth-width",
                                  "activation-derivative", "toy-backprop", "he-variance"])
def test_the_prose_record_passes_for_the_printed_solution(slug):
    record = _prose_record(slug)
    assert record["passed"], record.get("detail")
    assert record["kind"] == "readback" and "printed part" in record["method"]


def test_a_misprinted_formula_in_a_reason_or_feedback_fails(monkeypatch):
    original = Question.__call__

    def misprint(self, obj, name, **kw):  # the solution's typed forms with one sign flipped
        if self.of == "solution" and kw.get("typed") and " - " in kw["typed"]:
            kw["typed"] = kw["typed"].replace(" - ", " + ", 1)
        return original(self, obj, name, **kw)

    import derivations.exercises.kinds_losses as losses

    monkeypatch.setattr(Question, "__call__", misprint)
    losses.nll_derivation.cache_clear()  # a derivation cached by an earlier test was printed without the misprint
    for slug in ("nll", "total-nll", "interpolation-weight"):
        draws = [_prose_record(slug, student) for student in ("s001", "s002", "s003", "s004")]
        touched = [r for r in draws if "reads" in r.get("detail", "")]
        assert touched, slug  # some draw prints a formula with a minus sign, and its misprint is caught
        assert all(not r["passed"] for r in touched)
    losses.nll_derivation.cache_clear()  # and the misprinted ones are not left for later tests


def test_a_formula_typed_into_a_reason_fails(monkeypatch):
    def change(ex):  # a rule typed into a step's reason beside the printed ones
        ex.derivations()[0].steps[0].reason += r" ($\phi_1 = y_1 - y_0$)"

    _wrapped(monkeypatch, "interpolation-weight", change)
    record = _prose_record("interpolation-weight")
    assert not record["passed"] and "typed beside its object" in record["detail"]


def test_a_stated_rule_that_differs_from_the_solution_fails(monkeypatch):
    import derivations.exercises.kinds_networks as networks

    original = Question.__call__

    def other_rule(self, obj, name, **kw):  # phi_2 stated as s_2 + s_1, the solution defines s_2 - s_1
        if self.of == "solution" and isinstance(obj, sp.Equality) and str(obj.lhs) == "phi_{2}":
            obj = sp.Eq(obj.lhs, obj.rhs.xreplace({sp.Symbol("s_{1}"): -sp.Symbol("s_{1}")}), evaluate=False)
        return original(self, obj, name, **kw)

    assert networks  # the kind whose rule is stated
    monkeypatch.setattr(Question, "__call__", other_rule)
    record = _prose_record("interpolation-weight")
    assert not record["passed"] and "defines it as" in record["detail"]


def test_a_changed_word_of_the_feedback_formula_fails(monkeypatch):
    def change(ex):  # the feedback's printed joint replaced by another formula
        ex.mistakes = [(text.replace(r"x = -\theta_{d0}/\theta_{d1}", r"x = \theta_{d0}/\theta_{d1}"), m)
                       for text, m in ex.mistakes]

    _wrapped(monkeypatch, "joints", change)
    record = _prose_record("joints")
    assert not record["passed"]
    assert "not in the solution's words" in record["detail"] or "typed beside" in record["detail"]


def test_a_data_point_prints_as_a_tuple_of_printed_entries():
    x1, y1 = sp.Symbol("x_1", real=True), sp.Symbol("y_1", real=True)
    q = Question("demo")
    text = q.point([(x1, sp.Rational(-3, 2)), (y1, 2)])
    assert text == r"\left(- \frac{3}{2}, 2\right)"
    assert [p.passed for p, given in q.parts] == [True, True] and all(given for _, given in q.parts)


def test_a_changed_entry_of_a_printed_data_point_fails(monkeypatch):
    def change(ex):  # the first sample's target stated as another number than the one solved
        ex.question = re.sub(r"\\left\((-?[^,]+), ([^)]+)\\right\)", r"\\left(\1, 7\\right)", ex.question, count=1)

    _wrapped(monkeypatch, "gd-step", change)
    record = _question_record("gd-step")
    assert not record["passed"] and "not in the question" in record["detail"]


def test_a_data_point_that_states_other_numbers_than_solved_fails(monkeypatch):
    original = Question.point

    def other(self, pairs, name="the point"):  # printed and read back, but the target is not the one solved
        return original(self, [pairs[0], (pairs[1][0], sp.sympify(pairs[1][1]) + 1)], name)

    monkeypatch.setattr(Question, "point", other)
    for slug in ("gd-step", "sgd-gradient", "interpolation-weight", "total-nll"):
        record = _question_record(slug)
        assert not record["passed"], slug
        assert "the solution" in record["detail"], record["detail"]
