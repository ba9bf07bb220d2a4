"""The counts-and-regions topic prints its counts from the formulas its checks evaluate: a slip in
the printed text, or a formula that is not the counting function's, turns a record red."""

from __future__ import annotations

import sympy as sp

from derivations.checks.printed import Formulas
from derivations.topics import counts_regions as topic
from symbolic.regions.counts import j, max_regions, shallow_region_count


def test_every_printed_formula_reads_back():
    formulas = Formulas("counts_regions", domain=topic.COUNT_DOMAIN)
    printed = topic._printed(formulas)
    assert all(r["passed"] for r in formulas.records), [r for r in formulas.records if not r["passed"]]
    assert set(topic.text.PRINTED) <= set(printed)


def test_a_slip_in_a_printed_count_fails():
    formulas = Formulas("counts_regions", domain=topic.COUNT_DOMAIN)
    good = formulas(topic.PARAMETER_SUM, "parameters")
    assert good.passed
    assert not formulas(topic.PARAMETER_SUM, "parameters", typed=good.latex.replace("k=0", "k=1")).passed
    assert not formulas(sp.Eq(topic.N_r, shallow_region_count()), "Zaslavsky",
                        typed=r"N_{r} = \sum_{j=0}^{D_{i}} {\binom{D_{i}}{j}}").passed


def test_the_printed_formulas_are_the_counting_functions():
    for widths in [(1, 3, 3, 1), (2, 6, 6, 6, 1), (3, 2, 5, 1), (2, 3, 1)]:
        assert topic.at_widths(topic.UPPER_BOUND, widths, topic.dimensions(widths)) == max_regions(widths)
    assert topic.at_widths(topic.ONE_INPUT_BOUND, (1, 3, 2, 4, 1)) == max_regions((1, 3, 2, 4, 1))
    assert topic.at_widths(topic.PARAMETER_SUM, (2, 5, 3)) == 5 * 3 + 3 * 6


def test_an_upper_bound_formula_that_is_not_the_counted_one_fails(monkeypatch):
    wrong = sp.Product(sp.Sum(sp.binomial(topic.D_k[topic.k], j), (j, 0, topic.d_k[topic.k] - 1)),
                       (topic.k, 1, topic.K))
    monkeypatch.setattr(topic, "UPPER_BOUND", wrong)
    formulas = Formulas("counts_regions", domain=topic.COUNT_DOMAIN)
    records = {r["id"]: r for r in topic._lower_bound_checks(topic._printed(formulas))}
    assert not records["deep.upper_bound_formula"]["passed"]


def test_a_parameter_sum_that_is_not_the_count_fails(monkeypatch):
    wrong = sp.Sum(topic.D_k[topic.k + 1] * topic.D_k[topic.k], (topic.k, 0, topic.K))  # no biases
    monkeypatch.setattr(topic, "PARAMETER_SUM", wrong)
    formulas = Formulas("counts_regions", domain=topic.COUNT_DOMAIN)
    printed = topic._printed(formulas)
    assert not topic._formula_vs_sum(printed)["passed"]


def test_a_printed_dimension_rule_that_is_not_the_counted_one_fails(monkeypatch):
    wrong = (topic.d_k[topic.k + 1], sp.Max(topic.d_k[topic.k], topic.D_k[topic.k]))
    monkeypatch.setattr(topic, "NEXT_DIMENSION", wrong)
    formulas = Formulas("counts_regions", domain=topic.COUNT_DOMAIN)
    records = {r["id"]: r for r in topic._lower_bound_checks(topic._printed(formulas))}
    assert not records["deep.upper_bound_formula"]["passed"]


def test_a_dimension_rule_that_never_narrows_fails(monkeypatch):
    monkeypatch.setattr(topic, "NEXT_DIMENSION", (topic.d_k[topic.k + 1], topic.d_k[topic.k]))
    formulas = Formulas("counts_regions", domain=topic.COUNT_DOMAIN)
    records = {r["id"]: r for r in topic._lower_bound_checks(topic._printed(formulas))}
    assert not records["deep.upper_bound_formula"]["passed"]
