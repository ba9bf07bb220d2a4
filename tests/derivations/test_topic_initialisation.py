"""The initialisation topic (UDL 7.5): the derivation, He's and Glorot's rules and the
experiment on the PyTorch twin; each claim fails when the mathematics behind it is wrong."""

from __future__ import annotations

import pytest
import sympy as sp

import derivations.topics.initialisation as topic
from derivations.topics.topic import TopicContext
from symbolic.training import initialisation as init


@pytest.fixture
def small(monkeypatch):
    """The experiment at a size a unit test affords (the notes use the module's defaults)."""
    monkeypatch.setattr(topic, "LAYERS", 8)
    monkeypatch.setattr(topic, "NETWORKS", 12)
    monkeypatch.setattr(topic, "INPUTS", 64)
    monkeypatch.setattr(topic, "WIDTH", 60)


def test_every_record_passes_and_the_rules_are_the_books(small, tmp_path):
    result = topic.build(TopicContext(tmp_path))
    assert result.passed and len(result.records) >= 25
    assert init.he_rule().rhs == 2 / init.D_h and init.he_backward_rule().rhs == 2 / init.D_next
    assert sp.simplify(init.glorot_rule().rhs - 2 / (init.D_h + init.D_next)) == 0
    assert r"\sigma_{\Omega}^{2} &= \frac{2}{D_{h}}" in result.displays["rules"].latex
    kinds = {r["kind"] for r in result.records}
    assert {"derivation-step", "readback", "monte-carlo", "exact-vs-torch"} <= kinds


def test_a_wrong_relu_moment_fails_the_derivation(monkeypatch):
    d = init.forward_variance()
    d.steps[2].rhs = init.sigma_f**2 / 3  # "the integral: a third of the variance"
    assert not d.check().passed


def test_the_moment_expansion_tells_independent_weights_from_a_shared_one():
    assert init.moment_expansion(4) == 4 * init.sigma_Omega**2 * init.second_moment
    # the expansion is what the step's check compares with: a wrong factor fails it
    assert not init._moment_check(lambda w: w * init.sigma_Omega**2 * init.second_moment / 2).passed
    assert init._moment_check(lambda w: w * init.sigma_Omega**2 * init.second_moment).passed


@pytest.mark.parametrize("rule, kind, activation", [
    (sp.Eq(init.sigma_Omega**2, 1 / init.D_h), "forward", "relu"),
    (sp.Eq(init.sigma_Omega**2, 2 / init.D_h), "backward", "relu"),
    (sp.Eq(init.sigma_Omega**2, 1 / (init.D_h + init.D_next)), "forward", "tanh"),
])
def test_a_wrong_rule_fails_its_condition(rule, kind, activation):
    assert not init.rule_check(rule, kind, activation).passed


def test_a_wrong_factor_per_layer_fails_the_experiment(small, monkeypatch, tmp_path):
    wrong = lambda kind="forward", activation="relu": (init.D_h if kind == "forward" else init.D_next) * init.sigma_Omega**2
    monkeypatch.setattr(init, "variance_ratio", wrong)  # "ReLU keeps the variance" (no 1/2)
    records = topic.build(TopicContext(tmp_path)).records
    failed = {r["id"] for r in records if not r["passed"]}
    assert {"initialisation.forward.factor.x2", "initialisation.backward.factor.x2"} <= failed


def test_a_wrong_he_rule_fails_against_torchs_own_initialisation(monkeypatch):
    import torch

    monkeypatch.setattr(init, "he_rule", lambda: sp.Eq(init.sigma_Omega**2, 1 / init.D_h))
    records = topic.library_checks(torch.Generator().manual_seed(0))
    assert [r["passed"] for r in records] == [False, True]


def test_the_books_normal_density_is_read_back_in_the_integrals():
    d = init.forward_variance()
    d.check()
    text = d.to_latex()
    assert r"\frac{1}{\sqrt{2 \pi \sigma_{f}^{2}}} \exp\left[" in text and r"\frac{\sqrt{2}" not in text
    d.steps[1].rhs_latex = d.printed_cells()[1][1].replace(r"2 \pi", r"\pi")  # the printed density with a slip
    for step in d.steps:
        step.readback = None
    assert not [r for r in d.records() if r["kind"] == "readback"][0]["passed"]
