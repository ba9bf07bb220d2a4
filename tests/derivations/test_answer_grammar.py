"""The answer grammar: the notations a student writes parse to the intended SymPy object,
hostile input is refused with AnswerSyntaxError (never anything else), quickly."""

from __future__ import annotations


import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from symbolic.activations.functions import Indicator, ReLU, Softplus, Tanh, sig
from derivations.exercises.answer_grammar import MAX_DEPTH, AnswerSyntaxError, parse_answer
from symbolic.core.derivation import check_equal
from derivations.exercises.srepr_reader import read_srepr

x, f, y, z = (sp.Symbol(n, real=True) for n in "xfyz")
t10, t11 = sp.Symbol("theta_{1,0}", real=True), sp.Symbol("theta_{1,1}", real=True)
w121 = sp.Symbol("omega_{1,2,1}", real=True)
VARIABLES = [x, f, y, z, t10, t11, w121]

SAME = [
    (r"\mathrm{ReLU}\left[\theta_{10} + \theta_{11} x\right]", ReLU(t10 + t11 * x)),
    ("relu(theta_10 + theta_11*x)", ReLU(t10 + t11 * x)),
    ("max(0, theta_{1,0} + theta_{1,1} x)", ReLU(t10 + t11 * x)),
    (r"\mathrm{sig}[f]", sig(f)),
    (r"\sigma(f)", sig(f)),
    (r"\frac{1}{1 + e^{-f}}", 1 / (1 + sp.exp(-f))),
    ("1/(1+exp(-f))", 1 / (1 + sp.exp(-f))),
    ("2*(y - f)", 2 * (y - f)),
    ("2(y-f)", 2 * (y - f)),
    (r"2\left(y - f\right)", 2 * (y - f)),
    (r"-f y + \mathrm{softplus}\left[f\right]", Softplus(f) - f * y),
    (r"\log{\left(1 + e^{f} \right)} - fy", sp.log(1 + sp.exp(f)) - f * y),
    (r"\frac{\left(y - f\right)^{2}}{2} + \frac{1}{2}\log(2\pi)", (y - f) ** 2 / 2 + sp.log(2 * sp.pi) / 2),
    (r"e^{f} - y f + \log{\left(y! \right)}", sp.exp(f) - y * f + sp.log(sp.factorial(y))),
    (r"\operatorname{loggamma}{\left(y + 1 \right)}", sp.loggamma(y + 1)),
    (r"1 - \tanh^{2}\left(z\right)", 1 - Tanh(z) ** 2),
    (r"1-\tanh\left[z\right]^{2}", 1 - Tanh(z) ** 2),
    (r"\mathbb{I}\left[z > 0\right]", Indicator(z)),
    ("I[z > 0]", Indicator(z)),
    (r"\omega_{1,2,1} x", w121 * x),
    ("omega_121*x", w121 * x),
    (r"x^{-1}", 1 / x),
    ("x**2 - 2x + 1", (x - 1) ** 2),
    (r"\sqrt{x^2}", sp.sqrt(x**2)),
    (r"\frac12 x", x / 2),
    (r"3 \cdot x \times 2", 6 * x),
    ("|y - f|", sp.Abs(y - f)),
    ("0.125", sp.Rational(1, 8)),
    (".5", sp.Rational(1, 2)),
]


@pytest.mark.parametrize("text, expected", SAME, ids=[t for t, _ in SAME])
def test_notations_parse_to_the_intended_expression(text, expected):
    got = parse_answer(text, VARIABLES)
    assert check_equal(got, expected, points=4).passed, (text, got)


def test_lists():
    assert parse_answer("(1/2, 3/4)") == (sp.Rational(1, 2), sp.Rational(3, 4))
    assert parse_answer("[1, 2, 3]") == (1, 2, 3)
    assert parse_answer(r"\left(-1, 2\right)") == (-1, 2)
    assert parse_answer(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}") == (1, 2)


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("w + 1", "unknown name 'w'"),
    (r"\theta_{20}", "unknown symbol theta_{20}"),
    (r"\input{/etc/passwd}", r"unknown LaTeX command \input"),
    (r"\def\x{1}", r"unknown LaTeX command \def"),
    ("__import__('os')", "unexpected"),
    ("1\x00", "control character"),
    ("10^{10^{10^{10}}}", "exponent larger than 100"),
    ("2^{999}", "exponent larger than 100"),
    ("(10^{60})^{20}", "more than 1000 digits"),
    ("9" * 61, "more than 60 digits"),
    ("x" * 4001, "too long"),
    ("(" * 41 + "x" + ")" * 41, "nested too deeply"),
    ("1000!", "factorials"),
    ("x > 0", "unexpected '>'"),
    ("relu(x > 0)", "only inside an indicator"),
    ("(1, (2, 3))", "list inside a list"),
    ("exp(1000)", "exponent larger than 100"),
])
def test_refused_with_a_reason(text, message):
    with pytest.raises(AnswerSyntaxError, match=None) as info:
        parse_answer(text, VARIABLES)
    assert message in str(info.value)


TOKENS = list("xfyz0123456789+-*/^_(){}[],.!| ") + ["\\frac", "\\left(", "\\right)", "\\log", "e", "exp",
                                                   "theta_1", "\\sigma", "\\mathrm{ReLU}", "\\sqrt", "10^"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_random_input_parses_or_is_refused(text):
    """Any token soup parses or is refused with AnswerSyntaxError, nothing else (the limits
    bound the work; how fast is measured in benchmarks/, never asserted here)."""
    try:
        parse_answer(text, VARIABLES)
    except AnswerSyntaxError:
        pass


def test_srepr_reader_round_trip_and_refusals():
    e = Softplus(f) - f * y + sp.Rational(1, 3) * sp.log(sp.pi * y**2)
    assert read_srepr(sp.srepr(e)) == e
    for text in ("__import__('os')", "Symbol('x').subs", "Integer(10**10**10)", "open('/etc/passwd')", "lambda: 1"):
        with pytest.raises(ValueError):
            read_srepr(text)


@pytest.mark.parametrize("text,value", [("5.1e-2", sp.Rational(51, 1000)), ("1E3", sp.Integer(1000)),
                                        ("2.5e+2", sp.Integer(250)), (".5e1", sp.Integer(5)),
                                        ("e", sp.E), ("2e", 2 * sp.E), ("e-2", sp.E - 2), ("2e^{2}", 2 * sp.E ** 2)])
def test_scientific_notation_is_a_number_and_e_alone_is_eulers_number(text, value):
    assert parse_answer(text, []) == value


def test_scientific_exponents_are_bounded():
    with pytest.raises(AnswerSyntaxError, match="exponent larger than"):
        parse_answer("1e101", [])


@pytest.mark.parametrize("open_,close", [("(", ")"), ("[", "]"), ("{", "}"), (r"\left(", r"\right)")])
def test_nesting_limit_counts_each_bracket_once(open_, close):
    assert parse_answer(open_ * MAX_DEPTH + "x" + close * MAX_DEPTH, VARIABLES) == x
    with pytest.raises(AnswerSyntaxError, match=f"more than {MAX_DEPTH} levels"):
        parse_answer(open_ * (MAX_DEPTH + 1) + "x" + close * (MAX_DEPTH + 1), VARIABLES)
