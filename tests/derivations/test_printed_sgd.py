"""The SGD topic prints its update rules, the trained network and its prose formulas from the
objects its checks evaluate: a slip in a printed formula, or in the object, turns a record red."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sympy as sp

from derivations.topics import sgd
from symbolic.networks.network import shallow_network
from symbolic.training import updates


def _trained_rows():
    net = shallow_network(1, 2, 1, "relu")
    numbers = dict(zip([*net.theta, *net.phi], [sp.Float(v) for v in ("1.03", "-0.362", "0.5", "2.0", "0.25", "-1.5", "3.0")]))
    return [sp.Eq(h, e.xreplace(numbers)) for h, e in net.program]


def _printed(rows=None, loss=0.59334):
    return sgd._printed(rows or _trained_rows(), SimpleNamespace(I=40), SimpleNamespace(loss=loss))


def test_every_display_and_formula_reads_back():
    formulas, printed = _printed()
    assert [r["name"] for r in formulas.records if not r["passed"]] == []
    assert set(printed) >= {"rule.sgd", "rule.momentum", "rule.adam", "rule.sgd.slide", "trained", "loss", "m_0"}


@pytest.mark.parametrize("name", ["momentum", "adam"])
def test_a_changed_rule_no_longer_reads_back_as_printed(monkeypatch, name):
    """The rows are printed from update_rule's assignments: a rule whose object changes while
    its printed form stays (beta and 1 - beta swapped) fails its read-back."""
    printed_form = updates.rule_latex(updates.update_rule(name))
    swapped = [(lhs, rhs.xreplace({updates.beta: 1 - updates.beta})) for lhs, rhs in updates.update_rule(name)]
    monkeypatch.setattr(sgd, "update_rule", lambda n: swapped if n == name else updates.update_rule(n))
    monkeypatch.setattr(sgd, "rule_latex", lambda rule: printed_form if rule is swapped else updates.rule_latex(rule))
    _, printed = _printed()
    assert not printed[f"rule.{name}"].passed


def test_a_changed_rule_fails_the_epoch_check(monkeypatch):
    (new, step), = updates.update_rule("sgd")
    monkeypatch.setattr(sgd, "update_rule", lambda n: [(new, step.xreplace({updates.alpha: 2 * updates.alpha}))])
    assert not sgd.optimizer_epoch_check("sgd")["passed"]


def test_a_slip_in_the_printed_trained_network_fails(monkeypatch):
    real = sgd.latex_lines
    monkeypatch.setattr(sgd, "latex_lines", lambda e: [line.replace("1.03", "1.3") for line in real(e)])
    _, printed = _printed()
    assert not printed["trained"].passed and printed["trained"].record["detail"].startswith("row 1:")


def test_the_prose_formulas_are_the_constants_the_code_uses(monkeypatch):
    monkeypatch.setattr(sgd, "START", sp.Integer(1))
    _, printed = _printed()
    assert not printed["m_0"].passed
    monkeypatch.setattr(sgd, "NAMES", {**sgd.NAMES, r"\ell_i": sgd.ell[sgd.i + 1]})
    _, printed = _printed()
    assert not printed["loss"].passed


def test_the_classifier_prose_is_the_loss_model_and_the_constants(monkeypatch):
    from derivations.topics import deep_classifier as dc

    data, result = SimpleNamespace(I=60), SimpleNamespace(loss=12.5812)
    assert all(p.passed for p in dc._prose(data, result).values())
    monkeypatch.setattr(dc, "THRESHOLD", sp.Rational(1, 3))
    monkeypatch.setattr(dc, "LINK", sp.tanh(dc.MODEL.outputs[0]))
    prose = dc._prose(data, result)
    assert {k for k, p in prose.items() if not p.passed} == {"threshold", "boundary", "caption_link"}
    assert "tanh" in str(prose["link"])  # printed from the model: the text follows the object


def test_a_slip_in_the_classifier_displays_fails(monkeypatch, tmp_path):
    from derivations.topics import deep_classifier as dc
    from derivations.topics.topic import TopicContext

    real_lines, real_rows = dc.latex_lines, dc.matrix_rows
    monkeypatch.setattr(dc, "latex_lines", lambda e: [line.replace(" + ", " - ", 1) for line in real_lines(e)])
    monkeypatch.setattr(dc, "matrix_rows", lambda net: [(lhs, 2 * rhs) for lhs, rhs in real_rows(net)])
    _, _, records = dc.deep_classifier_section(TopicContext(tmp_path))
    failed = {r["id"] for r in records if not r["passed"]}
    assert {"sgd.printed.classifier.trained", "sgd.printed.classifier.matrix"} <= failed


def test_the_one_epoch_checks_name_the_batches_they_used_and_fail_when_the_trainer_took_others(monkeypatch):
    from derivations.topics import sgd as topic

    checked = topic.optimizer_epoch_check("sgd")
    assert checked["passed"] and checked["batches"] == [4, 4, 3] and "batches of 4, 4, 3 of I = 11" in checked["name"]
    monkeypatch.setattr(topic, "STEP_B", 3)  # the rule applied to batches of 3, the trainer's config too
    assert topic.optimizer_epoch_check("sgd")["batches"] == [3, 3, 3, 2]
    # a trainer whose epoch is not the batches the rule was applied to
    monkeypatch.setattr(topic, "STEP_B", 4)
    run = topic.Trainer.run
    monkeypatch.setattr(topic.Trainer, "run", lambda self, *a, **k: (run(self, *a, **k), setattr(self, "step", 2))[0])
    assert not topic.optimizer_epoch_check("sgd")["passed"]
