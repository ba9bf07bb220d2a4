"""A reason's formulas are objects: printed from them, read back, their facts proven; a broken
formula, a false fact or a hand-typed left side that reads as something else fails the check."""

from __future__ import annotations

import sympy as sp

import symbolic.core.reason as reason_module
from symbolic.activations.functions import Softplus, sig
from symbolic.core.derivation import Derivation
from symbolic.core.reason import Fact, Reason, Shown
from symbolic.training.gradient_descent import linear_regression_descent

f = sp.Symbol("f", real=True)
lam = sp.Symbol("lambda", positive=True)


def _derivation(reason: str) -> Derivation:
    d = Derivation("a reason with a formula")
    d.add(Softplus(-f), "definition", lhs=sp.Symbol("q"), check=False)
    d.add(-sp.log(sig(f)), reason)
    return d


def _readback(d: Derivation) -> dict:
    return next(r for r in d.records() if r["kind"] == "readback")


def test_a_true_fact_passes_and_is_counted():
    d = _derivation(Reason("since $@fact$", fact=Fact(sp.log(sig(f)), -Softplus(-f))))
    assert d.check().passed
    record = _readback(d)
    assert record["passed"] and "1 fact of the reasons proven" in record["method"]


def test_a_false_fact_fails_the_check():
    d = _derivation(Reason("since $@fact$", fact=Fact(sp.log(sig(f)), Softplus(-f))))  # the sign is wrong
    assert not d.check().passed
    record = _readback(d)
    assert not record["passed"] and "the fact is false" in record["detail"]


def test_a_formula_printed_wrong_fails_the_check(monkeypatch):
    real = reason_module.latex
    monkeypatch.setattr(reason_module, "latex", lambda e, **kw: real(e, **kw).replace("- f", "f"))
    d = _derivation(Reason("since $@fact$", fact=Fact(sp.log(sig(f)), -Softplus(-f))))
    assert not d.check().passed
    assert "FAILED step 2 reason" in _readback(d)["detail"]


def test_a_reason_whose_text_was_edited_fails_the_check():
    good = Reason("since $@fact$", fact=Fact(sp.log(sig(f)), -Softplus(-f)))
    edited = Reason._of(str(good).replace(r"- \mathrm{softplus}[- f", r"- \mathrm{softplus}[f"),
                        list(good.formulas))
    assert not _derivation(edited).check().passed


def test_a_condition_is_read_back():
    assert _derivation(Reason("when $@c$", c=sp.Gt(lam, sp.Rational(1, 2)))).check().passed
    real = reason_module.latex
    bad = Reason("when $@c$", c=sp.Gt(lam, sp.Rational(1, 2)))
    edited = Reason._of(str(bad).replace(">", "<"), list(bad.formulas))
    assert real is reason_module.latex and not _derivation(edited).check().passed


def test_concatenation_keeps_the_formulas():
    r = "the slope" + Reason(" $@s$", s=Shown(f + 1)) + " here"
    assert isinstance(r, Reason) and [r.printed(x) for x in r.formulas] == ["f + 1"]
    nested = Reason("a @inner b", inner=r)
    assert [nested.printed(x) for x in nested.formulas] == ["f + 1"]


def test_a_gap_without_a_value_is_refused():
    try:
        Reason("since $@fact$")
    except ValueError as exc:
        assert "@fact" in str(exc)
    else:
        raise AssertionError("a gap without a value was accepted")


def test_gradient_descent_states_its_derivatives_as_proven_facts():
    d = linear_regression_descent(steps=1)
    assert d.check().passed
    assert "facts of the reasons proven" in _readback(d)["method"]
    # the derivative the reason states, made wrong: the check fails
    step = d.steps[2]
    fact = step.reason.formulas[1].value
    wrong = Fact(fact.lhs, fact.rhs / 2, shown="rhs")
    step.reason = Reason("derivative by $@p$: $@slope$", p=step.reason.formulas[0].value, slope=wrong)
    assert not d.check().passed


def test_a_typed_left_side_that_reads_as_another_formula_fails():
    phi_0, phi_1 = sp.Symbol("phi_{0}", real=True), sp.Symbol("phi_{1}", real=True)
    L, G = sp.Symbol("L"), sp.Symbol("G_0")
    d = Derivation("a typed derivative")
    d.definitions = {L: phi_0**2 + 3 * phi_1, G: 2 * phi_0}
    d.add(2 * phi_0, "derivative", lhs=G, lhs_latex=r"\frac{\partial L}{\partial \phi_0}")
    assert d.check().passed
    d.steps[0].lhs_latex = r"\frac{\partial L}{\partial \phi_1}"  # reads, and is 3, not 2 phi_0
    assert not d.check().passed
