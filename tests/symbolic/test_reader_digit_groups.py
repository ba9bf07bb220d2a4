r"""Numbers in digit groups are read as one number; two numbers side by side are refused.

The reader once took ``1\,234`` for the product 1 * 234: a printed 5\,234 read back "equal"
to an object 1,234 * ... could pass, so a number's leading digits could be wrong unseen."""

import pytest
import sympy as sp

from symbolic.core.latex_reader import LatexReadError, Vocabulary, read_latex


@pytest.mark.parametrize("text, value", [
    (r"1\,234", 1234), (r"1\,234\,567", 1234567), (r"10{,}100", 10100), (r"-1\,000", -1000),
    (r"101\,000\,000", 101000000), (r"1\,234.5", sp.Float("1234.5")), (r"999", 999),
])
def test_digit_groups_read_as_one_number(text, value):
    assert read_latex(text, Vocabulary()) == value


@pytest.mark.parametrize("text", [r"1\,23", r"1234\,567", "2 3", r"5\,234\,56", r"1\,2345"])
def test_numbers_side_by_side_are_refused(text):
    with pytest.raises(LatexReadError, match="side by side"):
        read_latex(text, Vocabulary())


def test_a_written_product_of_numbers_is_still_read():
    assert read_latex(r"2 \cdot 3", Vocabulary()) == 6
    assert read_latex(r"\frac{1}{2} \cdot 3", Vocabulary()) == sp.Rational(3, 2)
