r"""The book's light form for math in a line of text (the printer's ``inline`` setting, what a
step's reason prints): ``\log \mathrm{sig}[f]``, ``e^{- f_{2} / 2}``, ``\sum_{i} (y_{i} - f_{i})^{2}``,
and the ordinary derivative ``\frac{dy}{dx}`` (setting ``ordinary``). Each is read back by the
package's reader as the object printed; an edited text reads as something else."""

from __future__ import annotations

import pytest
import sympy as sp

from symbolic.activations.functions import Softplus, sig
from symbolic.core.latex_reader import LatexReadError, Vocabulary, read_latex
from symbolic.core.printing import latex
from symbolic.core.reason import Fact, Reason, check_reason

f, f_1, f_2, y, x = sp.symbols("f f_1 f_2 y x", real=True)
i = sp.Symbol("i", integer=True, positive=True)
I = sp.Symbol("I", integer=True, positive=True)
Y, F = sp.IndexedBase("y"), sp.IndexedBase("f")

CASES = {
    "log of a call": sp.log(sig(f)),
    "log of a sum": sp.log(1 - sig(f)),
    "log of a product": sp.log(2 * sp.pi * sp.exp(f_2)),
    "half in an exponent": (y - f_1) * sp.exp(-f_2 / 2),
    "three halves in an exponent": sp.exp(3 * f_2 / 2) * sig(f) ** 2,
    "sum over the samples": sp.Sum((Y[i] - F[i]) ** 2, (i, 1, I)),
    "elements": sp.log(F[i]) + F[i, Y[i]],
    "sum of a numeric range keeps it": sp.Sum(sp.exp(F[i]), (i, 0, 2)),
}


@pytest.mark.parametrize("expr", CASES.values(), ids=CASES.keys())
def test_the_inline_form_is_light_and_reads_back(expr):
    text = latex(expr, inline=True)
    assert r"\left(" not in text and r"\left[" not in text and "{y}_" not in text and "{f}_" not in text
    assert r"e^{- \frac" not in text
    read = read_latex(text, Vocabulary.of([expr]))
    assert read == expr or sp.simplify(read.doit() - expr.doit()) == 0


def test_a_sum_shows_its_index_only_up_to_a_symbol():
    assert latex(CASES["sum over the samples"], inline=True).startswith(r"\sum_{i} ")
    assert latex(CASES["sum of a numeric range keeps it"], inline=True).startswith(r"\sum_{i=0}^{2} ")


def test_an_edited_inline_text_reads_as_another_object():
    expr = CASES["half in an exponent"]
    text = latex(expr, inline=True).replace("/ 2", "/ 3")
    assert read_latex(text, Vocabulary.of([expr])) != expr
    total = CASES["sum over the samples"]
    assert read_latex(latex(total, inline=True).replace("- f", "+ f"), Vocabulary.of([total])) != total


def test_a_sum_without_its_range_is_not_read():
    # \sum_{i} takes its range from the objects read against: with no sum over i, none is known
    with pytest.raises(LatexReadError, match="without its range"):
        read_latex(r"\sum_{i} y_{i}", Vocabulary.of([Y[i]]))


def test_a_reason_prints_inline_and_a_wrong_inline_print_fails(monkeypatch):
    r = Reason("since $@fact$", fact=Fact(sp.log(sig(f)), -Softplus(-f)))
    assert str(r) == r"since $\log \mathrm{sig}[f] = - \mathrm{softplus}[- f]$"
    assert all(c.passed for c in check_reason(r))
    edited = Reason._of(str(r).replace("[- f]", "[f]"), list(r.formulas))
    assert not any(c.passed for c in check_reason(edited))


def test_the_ordinary_derivative_prints_dy_dx_and_reads_back():
    slope = sp.Derivative(y, x)
    text = latex(slope, ordinary=True)
    assert text == r"\frac{dy}{dx}" and latex(slope) == r"\frac{\partial y}{\partial x}"
    vocab = Vocabulary.of([slope, sp.Symbol("z", real=True)])
    assert read_latex(text, vocab) == slope
    assert read_latex(r"\frac{dy}{dz}", vocab) != slope  # another variable: another derivative
    ell = sp.Symbol("ell")
    assert read_latex(latex(sp.Derivative(ell, x), ordinary=True), Vocabulary.of([ell, x])) == sp.Derivative(ell, x)


def test_a_fraction_whose_top_starts_with_d_is_still_a_fraction():
    d = sp.Symbol("d", real=True)
    assert read_latex(r"\frac{d + 1}{2}", Vocabulary.of([d])) == (d + 1) / 2
