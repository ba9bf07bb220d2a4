"""The backpropagation topic prints its worked passes and its program from the objects its
checks evaluate and reads them back: a slip in a printed value, formula or left side, or a
value that is not the program's, turns a record red."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.topics import backprop as topic
from derivations.topics.texts import backprop as text
from symbolic.backprop.backprop import backprop
from symbolic.backprop.toy import chain_rule_example, toy_values
from symbolic.spec import NetworkSpec


@pytest.fixture(scope="module")
def toy():
    ex = chain_rule_example()
    values = toy_values(ex)
    return ex, values, ex.evaluate(values, digits=30)


def _passed(printed: dict) -> dict:
    return {k: (all(p.passed for p in v) if isinstance(v, list) else v.passed) for k, v in printed.items()}


def test_the_toy_passes_and_the_prose_formulas_read_back(toy):
    printed, records = topic._toy_displays(*toy)
    assert all(_passed(printed).values()) and all(r["passed"] for r in records)
    assert printed["forward"].record["method"].endswith("printed to 4 decimals, read back: 8 rows")
    assert r"f_{0} &= \beta_{0} + \omega_{0} x = 1.0000" in printed["forward"].latex
    assert r"\frac{\partial \ell}{\partial f_{3}} &= 2 f_{3} - 2 y = -6.1302" in printed["backward"].latex


def test_a_printed_value_off_in_its_last_digit_fails(toy, monkeypatch):
    ex, values, numbers = toy
    monkeypatch.setattr(text, "number", lambda v: f"{float(v) + 1e-4:.4f}")
    printed, _ = topic._toy_displays(ex, values, numbers)
    assert not any(printed[k].passed for k in ("forward", "factors", "backward"))


def test_a_printed_value_that_is_not_the_programs_fails_its_autograd_check(toy):
    ex, values, numbers = toy
    wrong = {**numbers, ex.h[2]: numbers[ex.h[2]] + sp.Rational(1, 1000)}  # printed and checked: not h_2
    printed, _ = topic._toy_displays(ex, values, wrong)
    assert "h_{2} &= e^{f_{1}} = 2.1440" in printed["forward"].latex  # read back: the text says what was checked
    assert not topic._toy_checks(ex, values, wrong)[0]["passed"]


def test_a_slip_in_a_factors_left_side_or_in_the_book_forms_fails(toy, monkeypatch):
    ex, values, numbers = toy
    factor_latex = ex.factor_latex
    monkeypatch.setattr(type(ex), "factor_latex", lambda self, *a: [
        line.replace(r"\partial h_{3}}", r"\partial h_{2}}") for line in factor_latex(*a)])
    monkeypatch.setattr(text, "LOSS", text.LOSS.replace("y - f", "y + f"))
    printed, _ = topic._toy_displays(ex, values, numbers)
    assert not printed["factors"].passed and not printed["loss"].passed


def test_the_program_reads_back_and_a_printed_slip_fails(monkeypatch):
    from symbolic.core import printing

    bp = backprop(topic.SMALL, "least-squares")
    printed, records = topic._program_displays(bp)
    assert all(_passed(printed).values()) and len(records) == 3
    latex = printing.latex
    monkeypatch.setattr(printing, "latex", lambda e, **s: latex(e, **s).replace("2 f_{2,1} - 2 y", "2 f_{2,1} + 2 y"))
    printed, _ = topic._program_displays(bp)
    assert not printed["program"].passed and "2 y" in printed["program"].record["text"]


@pytest.mark.parametrize("spec", [topic.SMALL, NetworkSpec((2, 3, 3, 3, 3, 1), "tanh")], ids=["1-2-2-1", "deep"])
def test_the_matrix_form_reads_back_layer_by_layer(spec):
    matrix, record = topic._matrix_display(backprop(spec, "least-squares"))
    assert record["passed"] and r"\odot" in matrix


@pytest.mark.parametrize("slip", [(r"\boldsymbol\Omega_{k}^{T}", r"\boldsymbol\Omega_{k}"),  # no transpose
                                  (r"\mathbf{h}_{k}^{T}", r"\mathbf{h}_{k-1}^{T}"),  # the wrong layer
                                  (r"\quad (k = 2, 1)", r"\quad (k = 2, 1, 0)"),  # a layer the program lacks
                                  (r"\mathbf{f}_{k} = \boldsymbol\beta_{k} +", r"\mathbf{h}_{k} = \boldsymbol\beta_{k} +"),
                                  (r"\mathbf{h}_{0} = \mathbf{x}", r"\mathbf{h}_{0} = \mathbf{y}")],
                         ids=["transpose", "layer", "range", "left-side", "input"])
def test_a_slip_in_the_printed_matrix_form_fails(slip, monkeypatch):
    bp = backprop(topic.SMALL, "least-squares")
    lines = bp.matrix_latex()
    wrong = [line.replace(*slip) for line in lines]
    assert wrong != lines
    monkeypatch.setattr(type(bp), "matrix_latex", lambda self: wrong)
    matrix, record = topic._matrix_display(bp)
    assert slip[1] in matrix and not record["passed"]


def test_a_slip_in_the_book_form_of_a_weights_derivative_fails(toy, monkeypatch):
    monkeypatch.setattr(text, "WEIGHT_DERIVATIVE", text.WEIGHT_DERIVATIVE.replace(r"\omega", r"\beta"))
    printed, _ = topic._toy_displays(*toy)
    assert not printed["slope"].passed
