"""The gradient-descent topic prints its rule and its prose formulas from the objects its
checks evaluate: a slip in a printed formula, or in the object, turns a record red."""

from __future__ import annotations

import sympy as sp

from derivations.topics import gradient_descent as gd
from symbolic.spec import NetworkSpec
from symbolic.training.gradient_descent import lecture_linear_regression

SPEC = NetworkSpec((1, 3, 1), "relu")


def _failed(records):
    return [r["name"] for r in records if not r["passed"]]


def test_the_rule_reads_back_and_one_trainer_step_is_the_rule_evaluated():
    formulas, printed = gd._printed(gd.rule(), lecture_linear_regression())
    assert printed["rule"].passed and not _failed(formulas.records)
    assert gd.one_step_check(SPEC, "least-squares", "regression-1d")["passed"]


def test_a_slip_in_the_rule_fails_the_step_check_and_the_read_back():
    gradient, update = gd.rule()
    from_two = sp.Eq(gradient.lhs, sp.Sum(gd.dl[gd.i], (gd.i, 2, gd.I)))  # a sample left out
    assert not gd.one_step_check(SPEC, "least-squares", "regression-1d", [from_two, update])["passed"]
    uphill = sp.Eq(update.lhs, update.rhs.subs(gd.updates.alpha, -gd.updates.alpha))  # phi + alpha dL/dphi
    assert not gd.one_step_check(SPEC, "least-squares", "regression-1d", [gradient, uphill])["passed"]
    _, printed = gd._printed([from_two, uphill], lecture_linear_regression())
    assert not printed["rule"].passed and not printed["gradient"].passed and not printed["update"].passed


def test_the_prose_formulas_are_the_example_and_the_model(monkeypatch):
    example = lecture_linear_regression()
    monkeypatch.setattr(gd, "MODEL", gd.phi_0 + 2 * gd.phi_1 * gd.x)
    changed = type(example)(example.x, example.y, sp.Rational(1, 10), (sp.Integer(2), sp.Rational(1, 2)))
    formulas, printed = gd._printed(gd.rule(), changed)
    assert {k for k in ("model", "alpha", "start_0", "start_1") if not printed[k].passed} == {"model", "alpha", "start_1"}
    assert not gd.model_check(example)["passed"]


def test_the_printed_solution_is_where_the_iterates_go():
    from symbolic.training.gradient_descent import linear_regression_iterates

    example = lecture_linear_regression()
    solution = gd.least_squares_solution(example)
    assert gd.approach_check(linear_regression_iterates(example, steps=60), solution)["passed"]
    assert not gd.approach_check(linear_regression_iterates(example, steps=5), solution)["passed"]
    formulas = gd.Formulas("demo")
    assert not formulas(sp.Eq(gd.phi_0, solution[gd.phi_0]), "solution", typed=r"\phi_0 = 0.45001").passed
