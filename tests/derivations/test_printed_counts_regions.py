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


def _build(tmp_path, monkeypatch, edit=lambda tex: tex):
    """The section built with ``edit`` applied to the text its template fills (two folding rows: quick)."""
    from derivations.topics.topic import TopicContext

    monkeypatch.setattr(topic, "FOLDING", ((3, 1), (3, 2)))
    section = topic.text.section
    monkeypatch.setattr(topic.text, "section", lambda **kw: edit(section(**kw)))
    return topic.build(TopicContext(tmp_path))


def _record(result, id_):
    return next(r for r in result.records if r.get("id", "").endswith(id_))


def test_the_folding_table_reads_back_and_a_misprinted_count_fails(tmp_path, monkeypatch):
    good = _build(tmp_path, monkeypatch)
    assert good.passed and "3 & 2 & 22 & 16 & 16" in good.latex
    bad = _build(tmp_path, monkeypatch, lambda tex: tex.replace("3 & 2 & 22 & 16 & 16", "3 & 2 & 22 & 16 & 15"))
    assert not _record(bad, "printed.table.folding")["passed"]


def test_a_cell_that_is_not_its_headers_formula_fails(tmp_path, monkeypatch):
    # the formula column and the count agree with each other but not with (D + 1)^K at D = 3, K = 2
    bad = _build(tmp_path, monkeypatch, lambda tex: tex.replace("3 & 2 & 22 & 16 & 16", "3 & 2 & 22 & 9 & 9"))
    assert not _record(bad, "printed.table.folding")["passed"]


def test_a_misprinted_example_count_fails(monkeypatch):
    class Slipped(Formulas):  # Zaslavsky's count at D_i = 2, D = 3 printed one too many
        def __call__(self, obj, name, **kw):
            if name.startswith("Zaslavsky's count, its value"):
                kw["typed"] = str(int(kw["typed"]) + 1)
            return super().__call__(obj, name, **kw)

    formulas = Slipped("counts_regions", domain=topic.COUNT_DOMAIN)
    examples = topic._examples(formulas)
    assert str(examples["z23"]) == "8" and not examples["z23"].passed
    assert examples["big"].passed and examples["non_integer"].passed


def test_the_prose_numbers_come_from_the_records(tmp_path, monkeypatch):
    monkeypatch.setattr(topic, "SEARCHED", 3)
    result = _build(tmp_path, monkeypatch)
    search = _record(result, "deep.bound_search")
    assert search["networks"] == 3 and "For $D \\le 2$ we claim only the upper bound: 3 random" in result.latex
    found = {tuple(w): f for w, f, _ in search["value"]}
    assert f"1-1-1-1 reach\nat most {found[(1, 1, 1, 1)]} regions" in result.latex


def test_a_growth_claim_that_is_false_fails(monkeypatch):
    monkeypatch.setattr(topic, "one_input_region_count", lambda: (topic.D + 1) * topic.K)
    assert not topic._growth()["passed"]
