"""The book's forms (issue 26, item 3): what a student sees in Prince is printed, read back, and
proven equal to SymPy's canonical form; no derivation prints the same line twice in a row.

This module pins printed LaTeX on purpose: the printed form is what it tests. The whole notes
are checked in ``tests/derivations/test_book_forms_notes.py``.
"""

import re

import pytest
import sympy as sp

from symbolic.core import book_forms as bf
from symbolic.core.derivation import Derivation
from symbolic.core.latex_reader import Vocabulary, read_latex
from symbolic.core.printing import latex, upright
from symbolic.losses.lecture import normal_pdf
from symbolic.losses.recipes import checked_recipe
from symbolic.losses.sample import sigma
from symbolic.training import updates

R = dict(real=True)
y, mu, f, f1, f2 = sp.symbols("y mu f f_1 f_2", **R)
count = sp.Symbol("y", real=True, nonnegative=True)

NORMAL = r"\frac{1}{\sqrt{2 \pi \sigma^{2}}} \exp\left[- \frac{\left(y - \mu\right)^{2}}{2 \sigma^{2}}\right]"
#: How SymPy's canonical form printed before (the form a student does not see in the book).
OLD_NORMAL = r"\frac{\sqrt{2} e^{"


def _recipe_latex(name: str) -> dict[str, Derivation]:
    return checked_recipe(name).parts


# ----- the normal density -------------------------------------------------------------------
def test_the_normal_density_prints_in_the_books_form_and_reads_back():
    part = _recipe_latex("normal")["distribution and link"]
    tex = part.to_latex()
    assert NORMAL in tex and OLD_NORMAL not in tex
    assert r"\frac{1}{\sqrt{2 \pi \sigma^{2}}} \exp\left[- \frac{\left(y - f\right)^{2}}{2 \sigma^{2}}\right]" in tex
    records = {r["kind"]: r for r in part.records()}
    assert records["readback"]["passed"] and records["readback"]["method"].startswith("symbolic")
    book = records["book-form"]
    assert book["passed"] and book["method"] == "symbolic" and "normal density" in book["detail"]


def test_the_heteroscedastic_density_prints_its_variance_exp_f2():
    tex = _recipe_latex("heteroscedastic-normal")["distribution and link"].to_latex()
    assert r"\frac{1}{\sqrt{2 \pi e^{f_{2}}}} \exp\left[- \frac{\left(y - f_{1}\right)^{2}}{2 e^{f_{2}}}\right]" in tex


def test_the_book_form_reads_back_as_the_canonical_object():
    for density in (normal_pdf(y, mu, sigma**2), normal_pdf(y, f1, sp.exp(f2))):
        tex = latex(density)
        assert tex.startswith(r"\frac{1}{\sqrt{2 \pi")
        assert sp.simplify(read_latex(tex, Vocabulary.of([density])) - density) == 0


def test_the_book_form_is_an_unevaluated_expression_proven_equal():
    density = normal_pdf(y, mu, sigma**2)
    [form] = bf.book_forms(density)
    assert form.canonical == density and form.book != density  # held unevaluated ...
    assert form.book.doit() == density  # ... and SymPy's evaluation of it is the canonical form
    assert form.check().passed and form.check().method.startswith("symbolic")


def test_a_wrong_book_form_fails_its_record(monkeypatch):
    """The book's-form record is a proof, not a label: a form with the variance doubled fails."""
    wrong = bf.normal_book_form
    monkeypatch.setattr(bf, "normal_book_form", lambda r, v: wrong(r, 2 * v))
    d = Derivation("wrong form")
    d.add(normal_pdf(y, mu, sigma**2), "the normal density", lhs=sp.Symbol("Pr"), check=False,
          lhs_latex=r"\Pr(y \mid \mu)")
    assert not d.check().passed
    book = d.records()[-1]
    assert book["kind"] == "book-form" and not book["passed"] and "FAILED" in book["detail"]


def test_other_products_with_an_exponential_keep_their_form():
    z = sp.Symbol("z", **R)
    gelu_slope = sp.sqrt(2) * z * sp.exp(-z**2 / 2) / (2 * sp.sqrt(sp.pi))  # z times a density: not one
    assert bf.normal_parts(gelu_slope) is None and r"\exp\left[" not in latex(gelu_slope)
    assert bf.normal_parts(sp.exp(-(y - mu) ** 2) / sp.sqrt(sp.pi)) == (y - mu, sp.Rational(1, 2))


# ----- (y - f)^2 ----------------------------------------------------------------------------
@pytest.mark.parametrize("expr, printed", [
    ((y - f) ** 2, r"\left(y - f\right)^{2}"),
    ((y - mu) / sigma, r"\frac{y - \mu}{\sigma}"),
    ((y - f1) * sp.exp(-f2 / 2), r"\left(y - f_{1}\right) e^{- \frac{1}{2} f_{2}}"),
], ids=["square", "over-sigma", "times-exp"])
def test_a_residual_prints_target_first(expr, printed):
    assert latex(expr) == printed
    assert read_latex(printed, Vocabulary.of([expr])) == expr


def test_the_least_squares_loss_prints_y_minus_f():
    parts = _recipe_latex("least-squares")
    tex = "".join(d.to_latex() for d in parts.values())
    assert r"\left(y - f\right)^{2}" in tex and r"\left({y}_{i} - {f}_{i}\right)^{2}" in tex
    assert not re.search(r"- \{?f\}?(_\{i\})? \+ \{?y", tex)


# ----- log y! -------------------------------------------------------------------------------
def test_the_poisson_log_factorial_prints_log_y_factorial():
    part = _recipe_latex("poisson")["per-sample loss"]
    tex = part.to_latex()
    assert r"- f y + e^{f} + \log y!" in tex
    assert "loggamma" not in tex and r"\log{\left(y! \right)}" not in tex
    assert part.steps[-1].rhs.has(sp.loggamma)  # what is compiled is still loggamma(y + 1)
    records = {r["kind"]: r for r in part.records()}
    assert records["readback"]["passed"] and records["book-form"]["passed"]
    assert "log factorial" in records["book-form"]["detail"]


def test_log_factorial_of_an_indexed_count_reads_back():
    Y, F = sp.IndexedBase("y", real=True, nonnegative=True), sp.IndexedBase("f", real=True)
    i = sp.Symbol("i", integer=True, positive=True)
    total = sp.Sum(sp.exp(F[i]) - Y[i] * F[i] + sp.loggamma(Y[i] + 1), (i, 1, 3))
    tex = latex(total)
    assert r"\log {y}_{i}!" in tex
    back = read_latex(tex, Vocabulary.of([total]))
    assert back == total.replace(sp.loggamma, lambda a: sp.log(sp.factorial(a - 1)))


def test_loggamma_of_another_argument_keeps_its_name():
    assert latex(sp.loggamma(f)) == r"\operatorname{loggamma}{\left(f \right)}"
    assert latex(sp.loggamma(count + 1) ** 2).startswith(r"\operatorname{loggamma}^{2}")


# ----- Pr upright ---------------------------------------------------------------------------
LOSSES = ("least-squares", "normal", "heteroscedastic-normal", "bernoulli", "categorical", "poisson", "laplace")


@pytest.mark.parametrize("name", LOSSES)
def test_pr_is_upright_in_every_loss_derivation_and_its_names_read_back(name):
    for d in checked_recipe(name).derivations():
        tex = d.to_latex()
        assert not re.search(r"(?<![\\A-Za-z])Pr\(", tex), (d.title, tex)
        names = [s for step in d.steps for s in step.readback.sides if s.kind == "name"]
        assert all(s.text.count(r"\Pr") == s.text.count("Pr") for s in names)
        assert d.passed


def test_upright_changes_only_the_probability_operator():
    assert upright(r"\max_y Pr(y \mid \theta) = Pr(\hat{y})") == r"\max_y \Pr(y \mid \theta) = \Pr(\hat{y})"
    assert upright(r"\Pr(y) + \mathrm{Pr}(y) + Prob(y)") == r"\Pr(y) + \mathrm{Pr}(y) + Prob(y)"
    assert upright("Pr(y) in words, $Pr(y)$ in math", text=True) == r"Pr(y) in words, $\Pr(y)$ in math"


# ----- momentum and Adam --------------------------------------------------------------------
BOOK_RULES = {
    "momentum": [r"\mathbf{m}_{t+1} &= \beta \mathbf{m}_{t} + \left(1 - \beta\right) \mathbf{g}_t",
                 r"\boldsymbol\phi_{t+1} &= \boldsymbol\phi_{t} - \alpha \mathbf{m}_{t+1}"],
    "adam": [r"\mathbf{m}_{t+1} &= \beta \mathbf{m}_{t} + \left(1 - \beta\right) \mathbf{g}_t",
             r"\mathbf{v}_{t+1} &= \gamma \mathbf{v}_{t} + \left(1 - \gamma\right) \mathbf{g}_t^{2}",
             r"\tilde{\mathbf{m}}_{t+1} &= \frac{\mathbf{m}_{t+1}}{1 - \beta^{t + 1}}",
             r"\tilde{\mathbf{v}}_{t+1} &= \frac{\mathbf{v}_{t+1}}{1 - \gamma^{t + 1}}",
             r"\boldsymbol\phi_{t+1} &= \boldsymbol\phi_{t} - \alpha \frac{\tilde{\mathbf{m}}_{t+1}}"
             r"{\sqrt{\tilde{\mathbf{v}}_{t+1}} + \epsilon}"],
}


@pytest.mark.parametrize("name", sorted(BOOK_RULES))
def test_update_rules_print_in_the_books_order(name):
    assert updates.rule_latex(updates.update_rule(name)) == BOOK_RULES[name]


def test_update_rules_in_the_books_form_equal_the_canonical_ones():
    u = updates
    canonical = {u.m1: u.beta * u.m + (1 - u.beta) * u.g, u.v1: u.gamma * u.v + (1 - u.gamma) * u.g**2,
                 u.mt: u.m1 / (1 - u.beta ** (u.t + 1)), u.vt: u.v1 / (1 - u.gamma ** (u.t + 1))}
    direction = {"sgd": u.g, "momentum": u.m1, "adam": u.mt / (sp.sqrt(u.vt) + u.epsilon)}
    for name, rule in u.UPDATE_RULES.items():
        expected = {**canonical, u.phi1: u.phi - u.alpha * direction[name]}
        for lhs, rhs in rule:
            assert sp.simplify(rhs.doit() - expected[lhs]) == 0, (name, lhs)


def test_the_adam_docstring_cites_the_books_equations():
    assert "eqs. 6.15-6.17" in updates.__doc__ and "6.13-6.16" not in updates.__doc__


# ----- no line twice ------------------------------------------------------------------------
def test_a_continued_step_that_prints_the_line_above_is_merged_with_its_reason():
    d = Derivation("merge")
    d.add(sp.exp(f) - count * f + sp.log(sp.factorial(count)), "logarithms of the factors", lhs=sp.Symbol("l"),
          check=False)
    d.add(sp.exp(f) - count * f + sp.loggamma(count + 1), r"$\log y! = \log\Gamma(y + 1)$")
    assert d.check().passed and d.repeated_lines() == []
    tex = d.to_latex()
    assert tex.count(r"\log y!") == 2 and tex.count("&=") == 1  # one row, and the reason names it
    assert r"logarithms of the factors; $\log y! = \log\Gamma(y + 1)$" in tex
    assert [r["passed"] for r in d.records()] == [True, True, True, True]  # 2 steps, read-back, book form


def test_two_identical_printed_lines_fail_the_derivation():
    d = Derivation("twice")
    d.add(f + 1, "definition", lhs=sp.Symbol("q"), check=False)
    d.add(f + 1, "the same definition again", lhs=sp.Symbol("q"), check=False)
    assert not d.check().passed and d.repeats == [(1, 2)]
    readback = next(r for r in d.records() if r["kind"] == "readback")
    assert not readback["passed"] and "step 2 prints the line of step 1 again" in readback["detail"]
    assert "REPEATS THE LINE ABOVE" in d.to_latex()


def test_no_lecture_derivation_prints_a_line_twice():
    from symbolic.networks.identities import composition_is_deep, shallow_is_deep

    derivations = [shallow_is_deep(), composition_is_deep()]
    for d in derivations:
        d.check()
    derivations += [d for name in LOSSES for d in checked_recipe(name).derivations()]
    assert not [(d.title, d.repeats) for d in derivations if d.repeats]
    rows = [row for d in derivations for row in d.printed_rows()]
    assert any(len(numbers) > 1 for _, _, numbers in rows)  # the shallow = deep identity and log y! merge


@pytest.mark.parametrize("variance", [sp.Integer(9), sp.Integer(1), sp.Rational(1, 4), sp.Rational(9, 4)])
def test_a_numeric_variance_is_multiplied_out_and_reads_back(variance):
    """``2 * 9 * pi`` left unevaluated printed ``\\sqrt{2 9 \\pi}`` (read as 29 pi by a student,
    refused by the reader): a number is multiplied out, and the form still reads back equal."""
    y, f = sp.symbols("y f", real=True)
    form = bf.normal_book_form(y - f, variance)
    printed = latex(form)
    assert not re.search(r"\d\s+\d", printed), printed
    density = sp.exp(-(y - f) ** 2 / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)
    read = read_latex(printed, Vocabulary.of([density]))
    assert sp.simplify(read - density) == 0
