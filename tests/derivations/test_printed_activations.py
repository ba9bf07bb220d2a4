"""The activations topic prints every definition, derivative and prose formula from the objects
its checks evaluate and reads each back: a slip in the printed text, or an object that is not
the one printed, turns a record red."""

from __future__ import annotations

import sympy as sp

from derivations.topics import activations as topic
from derivations.topics.texts import activations as text
from derivations.topics.topic import TopicContext


def _failed(result) -> list[str]:
    return [r["name"] for r in result.records if not r["passed"]]


def _build(tmp_path):
    return topic.build(TopicContext(tmp_path))


def test_every_display_and_prose_formula_is_read_back(tmp_path):
    result = _build(tmp_path)
    assert _failed(result) == []
    readback = {r["id"] for r in result.records if r["kind"] == "readback"}
    assert {f"activations.{name}.readback" for name in topic.ACTIVATIONS} <= readback
    assert "activations.own_softsign.readback" in readback
    tags = [line for line in result.latex.splitlines() if line.startswith("% check:")]
    assert all(any(i.strip() in readback for i in line.split(":", 1)[1].split(",")) for line in tags)
    assert r"$\mathrm{ReLU}\left[z\right] = \max\left(0, z\right)$" in result.latex
    assert "$H(0) = 0$" in result.latex


def test_a_slip_in_a_printed_derivative_fails(tmp_path, monkeypatch):
    pair_forms = text.pair_forms

    def slipped(expr, definition, slope):
        value, derivative = pair_forms(expr, definition, slope)
        return [value, derivative.replace(r"1 - \tanh", r"1 + \tanh")]

    monkeypatch.setattr(text, "pair_forms", slipped)
    result = _build(tmp_path)
    assert "1 + \\tanh" in result.latex
    assert _failed(result) == ["activations: printed tanh: definition and derivative"]


def test_a_slip_in_the_lectures_relu_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(topic, "RELU_BOOK", topic.RELU_BOOK.replace(r"\left(0", r"\left(1"))
    assert _failed(_build(tmp_path)) == ["activations: printed ReLU as the lecture writes it"]


def test_a_step_whose_value_at_zero_is_not_the_printed_one_fails(tmp_path, monkeypatch):
    definition = topic._definition

    def half_at_zero(expr):  # H(0) = 1/2, while the prose prints H(0) = 0 from the old value
        out = definition(expr)
        return sp.Piecewise((1, out.args[0][1]), (sp.Rational(1, 2), sp.Eq(expr.args[0], 0)), (0, True)) \
            if type(expr).__name__ == "Indicator" else out

    monkeypatch.setattr(topic, "_definition", half_at_zero)
    monkeypatch.setattr(topic, "latex", lambda e: "0")  # the prose would print the old value
    failed = _failed(_build(tmp_path))
    assert "activations: printed the step's value where it switches" in failed


def test_a_slip_in_the_own_activations_display_fails(monkeypatch):
    own_forms = text.own_forms
    monkeypatch.setattr(text, "own_forms", lambda *a: [own_forms(*a)[0].replace("+ 1", "+ 2"), own_forms(*a)[1]])
    _, records, display = topic._own_activation()
    assert r"\left|{z}\right| + 2" in display
    assert [r["name"] for r in records if not r["passed"]] == [
        "activations: printed softsign (own): definition and derivative"]


def test_the_own_display_reads_back():
    _, records, display = topic._own_activation()
    assert all(r["passed"] for r in records)
    assert text.display_rows(display)[0].startswith(r"\mathrm{softsign}\left[z\right] &= ")
