"""Formulas printed in the prose are read back and proven equal to the object the topic checked
(:mod:`derivations.checks.printed`): a slip in the printed text turns the record red."""

from __future__ import annotations

import pytest
import sympy as sp

from derivations.checks.printed import Formulas
from symbolic.activations.functions import ReLU

x, y = sp.symbols("x y", real=True)
h1 = sp.Symbol("h_{1}", real=True)


def test_a_printed_formula_reads_back_equal_and_is_recorded():
    formulas = Formulas("demo")
    printed = formulas(ReLU(x - sp.Rational(1, 2)), "unit")
    assert str(printed) == r"\mathrm{ReLU}\left[x - \frac{1}{2}\right]"
    assert printed.passed and formulas.records == [printed.record]
    assert printed.record["kind"] == "readback" and printed.record["method"].startswith("symbolic")


@pytest.mark.parametrize("typed", [r"\mathrm{ReLU}\left[x + \frac{1}{2}\right]",  # a sign
                                   r"\mathrm{ReLU}\left[x - \frac{1}{3}\right]",  # a number
                                   r"\mathrm{ReLU}\left[y - \frac{1}{2}\right]"])  # a symbol
def test_a_hand_typed_slip_fails_its_record(typed):
    printed = Formulas("demo")(ReLU(x - sp.Rational(1, 2)), "unit", typed=typed, also=[y])
    assert not printed.passed and "reads" in printed.record["detail"]


def test_an_unreadable_text_fails_not_crashes():
    printed = Formulas("demo")(x + 1, "sum", typed=r"\weird{x} + 1")
    assert not printed.passed and printed.record["method"].startswith("not read back")


def test_a_chain_checks_every_part_the_left_side_too():
    formulas = Formulas("demo")
    assert formulas(sp.Eq(y, 2 * x), "line").latex == "y = 2 x"
    assert not formulas(sp.Eq(y, 2 * x), "line", typed="x = 2 x").passed
    assert not formulas((y, 2 * x, x + x), "chain", typed="y = 2 x = 3 x").passed
    assert not formulas(sp.Eq(y, 2 * x), "line", typed="y = 2 x = 2 x").passed  # a part too many


def test_a_display_reads_back_every_row_and_refuses_math_in_a_note():
    formulas = Formulas("demo")
    shown = formulas.display([sp.Eq(h1, ReLU(x)), sp.Eq(y, 2 * h1 + 1)], "network",
                             notes=[r"\quad\text{(the first unit)}", ""])
    assert shown.latex == ("\\begin{align*}\nh_{1} &= \\mathrm{ReLU}\\left[x\\right]\\quad\\text{(the first unit)}\\\\\n"
                           "y &= 2 h_{1} + 1\n\\end{align*}")
    assert shown.passed and shown.record["method"] == "symbolic, read back: 2 rows"
    wrong = formulas.display([sp.Eq(h1, ReLU(x)), sp.Eq(y, 2 * h1 + 1)], "network",
                             typed=[None, r"y = 2 h_{1} - 1"])
    assert not wrong.passed and wrong.record["detail"].startswith("row 2:")
    with pytest.raises(ValueError, match="states mathematics"):
        formulas.display([sp.Eq(y, x)], "network", notes=[r"\quad d = 1, \dots, D"])


def test_a_printed_decimal_agrees_with_its_object_to_its_last_digit():
    value = sp.Float("-6.13023", 30)  # a worked value computed to 30 digits
    formulas = Formulas("demo")
    assert formulas((y, 2 * x, value), "worked", typed="y = 2 x = -6.1302").passed
    assert formulas((y, 2 * x, value), "worked", typed="y = 2 x = -6.130230").passed
    assert "digits, printed to 4 decimals, read back" in formulas.records[0]["method"]
    assert not formulas((y, 2 * x, value), "worked", typed="y = 2 x = -6.1303").passed  # the last digit
    assert not formulas((y, 2 * x, value), "worked", typed="y = 2 x = 6.1302").passed  # the sign
