"""Reasons and sides once typed by hand, now printed from objects: each reads back and its facts
are proven; a false fact, an edited reason and an edited side fail the check."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from symbolic.core.reason import Fact, Reason
from symbolic.losses import lecture
from symbolic.losses.engine import _prediction_part
from symbolic.networks.counts import D, D_i
from symbolic.regions.counts import region_count_derivation, zaslavsky_small_width_derivation
from symbolic.training.initialisation import forward_variance


def _readback(d) -> dict:
    return next(r for r in d.records() if r["kind"] == "readback")


def _fresh(d):
    for step in d.steps:
        step.readback = None
    return d


def _with_value(reason: Reason, name: str, value) -> Reason:
    """The same printed reason, its formula ``name`` standing for another object."""
    return Reason._of(str(reason), [replace(f, value=value) if f.name == name else f for f in reason.formulas])


def _edited(reason: Reason, old: str, new: str) -> Reason:
    assert old in reason, (old, str(reason))
    return Reason._of(str(reason).replace(old, new), list(reason.formulas))


def test_the_region_count_states_its_binomials_as_proven_facts():
    d = region_count_derivation()
    assert d.check().passed
    record = _readback(d)
    assert record["passed"] and "2 facts of the reasons proven" in record["method"]
    step = d.steps[3]
    zero, one = (f.value for f in step.reason.formulas)
    step.reason = Reason("$@zero$, $@one$", zero=zero, one=Fact(one.lhs, D + 1))  # binom(D, 1) = D + 1: false
    assert not d.check().passed
    assert "the fact is false" in _readback(_fresh(d))["detail"]
    step.reason = _with_value(Reason("$@zero$, $@one$", zero=zero, one=one), "one", Fact(one.lhs, D + 1))
    assert not _fresh(d).check().passed  # printed D, standing for D + 1: read back differs


def test_the_region_count_conditions_read_back():
    for k, old, new in ((0, r"\geq", r"\leq"), (1, "= 1", "= 2")):
        d = region_count_derivation()
        d.steps[k].reason = _edited(d.steps[k].reason, old, new)
        assert not d.check().passed, (k, old)


def test_the_binomial_theorem_is_a_proven_fact():
    d = zaslavsky_small_width_derivation()
    assert d.check().passed and "1 fact of the reasons proven" in _readback(d)["method"]
    step = d.steps[2]
    fact = step.reason.formulas[0].value
    step.reason = _with_value(step.reason, "theorem", Fact(fact.lhs, sp.Pow(3, D)))
    assert not d.check().passed
    d = zaslavsky_small_width_derivation()
    d.steps[1].reason = _edited(d.steps[1].reason, r"\leq D_{i}", r"\geq D_{i}")
    assert not d.check().passed
    assert D_i in d.steps[1].reason.formulas[1].value.free_symbols


def test_the_probability_ratios_print_from_objects_and_read_back():
    for name, old, new in (("bernoulli", "y = 1", "y = 0"), ("poisson", "y + 1", "y + 2")):
        d, _ = _prediction_part(getattr(lecture, name)())
        assert d.check().passed
        side = next(s for s in d.steps[0].readback.sides if s.side == "lhs")
        assert side.kind == "formula" and side.check.passed and r"\Pr(" in side.text
        d.steps[0].lhs_latex = d.steps[0].lhs_latex.replace(old, new, 1)
        assert not d.check().passed, name


def test_a_wrong_mass_function_fails_the_prediction_step():
    d, _ = _prediction_part(lecture.bernoulli())
    d.steps[0].lhs = d.steps[0].lhs.func(1 / d.steps[0].lhs.args[0])  # log Pr(0)/Pr(1): the log-odds of y = 0
    assert not d.check().passed


def test_the_second_moment_and_the_integrals_print_from_objects():
    d = forward_variance()
    assert d.check().passed
    sides = [s for step in d.steps for s in step.readback.sides]
    assert all(s.kind == "formula" and s.check.passed for s in sides)
    text = d.to_latex()
    assert r"\mathbb{E}[h^{2}] &= \int\limits_{-\infty}^{\infty} \frac{1}{\sqrt{2 \pi \sigma_{f}^{2}}}" in text
    d = _fresh(forward_variance())
    d.steps[0].lhs_latex = d.printed_cells()[0][0].replace("h^{2}", "h^{3}")  # E[h^3]: another quantity
    assert not d.check().passed


def test_a_title_with_a_formula_is_read_back():
    d = zaslavsky_small_width_derivation()
    assert d.check().passed
    assert [s.text for s in d.steps[0].readback.sides if s.side == "title"] == [r"D \leq D_{i}"]
    d.title = _edited(d.title, r"\leq", r"\geq")
    assert not d.check().passed


def _part(name: str, part: str = "prediction", D_o: int | None = None):
    import symbolic.losses  # noqa: F401 - binds the SymPy side of the built-in losses
    from symbolic.spec.losses import get_loss

    model = get_loss(name).model()
    return model.recipe(D_o) if D_o else model.recipe(), part


def _reason_of(d, start: str):
    return next(k for k, s in enumerate(d.steps) if str(s.reason).startswith(start))


def test_the_mode_texts_print_from_objects_and_an_edit_fails():
    for name, start, old, new in (("laplace", "the slope just left", r"y = \mu", r"y = 2 \mu"),
                                  ("laplace", "the slope of the log-density", r"y \neq \mu", r"y \neq 2 \mu"),
                                  ("gamma", "zero at", r"\alpha - 1", r"\alpha + 1"),
                                  ("gamma", "the mode", r"\alpha - 1", r"\alpha - 2"),
                                  ("plackett-luce", "the rankings", r"\frac{\lambda_{0}}", r"\frac{\lambda_{1}}")):
        recipe, part = _part(name)
        d = recipe.parts[part]
        assert d.check().passed, name
        k = _reason_of(d, start)
        assert d.steps[k].reason.formulas, (name, start)
        d.steps[k].reason = _edited(d.steps[k].reason, old, new)
        assert not _fresh(d).check().passed, (name, start)


def test_a_stable_form_states_its_rewrites_as_proven_facts():
    from symbolic.losses.stabilise import REWRITES, StableForm

    u = REWRITES["softplus"].lhs.free_symbols.pop()
    form = StableForm(REWRITES["softplus"].rhs, (REWRITES["sigmoid"], REWRITES["softplus"], REWRITES["log1p"]))
    reason = form.reason()
    assert [f.name for f in reason.formulas] == ["identity", "identity", "lhs"]
    d = _derivation_with(reason, u)
    assert d.check().passed and "2 facts of the reasons proven" in _readback(d)["method"]
    wrong = REWRITES["softplus"].__class__("softplus", REWRITES["softplus"].lhs, -REWRITES["softplus"].rhs)
    d = _derivation_with(StableForm(wrong.rhs, (wrong,)).reason(), u)
    assert not d.check().passed and "the fact is false" in _readback(d)["detail"]


def _derivation_with(reason, u):
    from symbolic.core.derivation import Derivation

    d = Derivation("a stable form")
    d.add(u + 1, "definition", lhs=sp.Symbol("q"), check=False)
    d.add(1 + u, reason)
    return d


def test_a_renaming_is_printed_from_the_rename_applied_and_checked_against_it():
    from symbolic.core.reason import Renamed
    from symbolic.networks.identities import composition_is_deep, shallow_is_deep

    d = shallow_is_deep(1, 3, 1)
    assert d.check().passed
    step = d.steps[1]
    assert [f.value.old.name for f in step.reason.formulas] == ["theta_{1,0}", "theta_{1,1}", "phi_{0}", "phi_{1}"]
    first = step.reason.formulas[0].value
    wrong = Renamed(first.old, step.reason.formulas[1].value.new, first.table)  # theta_{10} -> omega_{0,1,1}: not applied
    d.steps[1].reason = Reason("rename $@r$", r=wrong)
    assert not _fresh(d).check().passed
    assert "the renaming takes" in _readback(d)["detail"]
    d = shallow_is_deep(1, 3, 1)
    d.steps[1].reason = _edited(d.steps[1].reason, r"\theta_{10} \to \beta_{0,1}", r"\theta_{10} \to \beta_{0,2}")
    assert not d.check().passed
    d = composition_is_deep(2, 2)
    assert d.check().passed and "3 facts of the reasons proven" in _readback(d)["method"]
    k = _reason_of(d, "name")
    d.steps[k].reason = _edited(d.steps[k].reason, r"\psi_{11} = \phi_{1}", r"\psi_{11} = \phi_{2}")
    assert not d.check().passed
