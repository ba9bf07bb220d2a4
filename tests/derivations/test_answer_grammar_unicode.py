"""Characters copied from a PDF or a word processor (the minus sign U+2212, no-break spaces,
the multiplication sign, superscript digits, Greek letters) are read as the ASCII they stand
for, by a table (never sympify or eval); a wrong value stays wrong, positions in messages
count the characters the student wrote."""

from __future__ import annotations

import builtins
import sys

import pytest
import sympy as sp

from derivations.exercises.answer_grammar import AnswerSyntaxError, parse_answer, plain_characters
from derivations.exercises.checker import SIGN_ERROR, check_answer

z, f, y = (sp.Symbol(n, real=True) for n in "zfy")
t10 = sp.Symbol("theta_{1,0}", real=True)
phi0 = sp.Symbol("phi_0", real=True)
VARIABLES = [z, f, y, t10, phi0]

COPIED = [
    ("\u221251/4", "-51/4"),  # minus sign
    ("\u2013 51/4", "- 51/4"),  # en dash, as some PDFs give a minus
    ("2\u00a0(y\u00a0\u2212\u00a0f)", "2 (y - f)"),  # no-break spaces
    ("2\u202f\u00d7\u2009z", "2 * z"),  # narrow no-break and thin space, multiplication sign
    ("3\u00b7z \u22c5 y", "3*z*y"),  # middle dot, dot operator
    ("1 \u00f7 (1 + e\u207b\u00b9)", "1 / (1 + e^{-1})"),  # division sign, superscript minus
    ("z\u00b2 + z\u00b3", "z^{2} + z^{3}"),  # superscript digits
    ("(y \u2212 f)\u00b2", "(y - f)^2"),
    ("e\u207b\u00b9\u2070", "e^{-10}"),  # a run of superscripts is one exponent
    ("\u03b8\u2081\u2080 + \u03c6\u2080", r"\theta_{10} + \phi_{0}"),  # Greek letters, subscript digits
    ("\u03c3(f)", r"\sigma(f)"),
    ("\u221a2 z", r"\sqrt{2} z"),
    ("1\u20442 z", "1/2 z"),  # fraction slash
    ("I[z \u2265 0]", "I[z >= 0]"),
    ("5\u200b1/4", "51/4"),  # a zero-width space inside a number is dropped
    ("(1\u204a2, \u22123\u204a4)".replace("\u204a", "/"), "(1/2, -3/4)"),
]


@pytest.mark.parametrize("copied, ascii_text", COPIED, ids=[a for _, a in COPIED])
def test_copied_characters_read_as_their_ascii(copied, ascii_text):
    """On the old grammar every one of these was 'unexpected character' (or a space-split
    number read differently)."""
    assert parse_answer(copied, VARIABLES) == parse_answer(ascii_text, VARIABLES)


def test_the_mapping_is_a_table_never_sympify_or_eval(monkeypatch):
    """Nothing is parsed by SymPy's or Python's parsers: both raise while answers with every
    mapped character are read."""
    def refuse(*args, **kwargs):
        if args and isinstance(args[0], str):
            raise AssertionError(f"text reached a parser: {args[0]!r}")
        return real_sympify(*args, **kwargs)

    import sympy.parsing.sympy_parser as parser_module

    sympify_module = sys.modules["sympy.core.sympify"]  # the attribute sympy.core.sympify is the function

    real_sympify = sympify_module.sympify
    monkeypatch.setattr(sympify_module, "sympify", refuse)
    monkeypatch.setattr(sp, "sympify", refuse)
    monkeypatch.setattr(parser_module, "parse_expr", refuse)
    monkeypatch.setattr(builtins, "eval", refuse)
    for copied, _ in COPIED:
        parse_answer(copied, VARIABLES)
    mapped, origin = plain_characters("\u2212\u03b8\u2081\u2080\u00b2")
    assert mapped == "-\\theta _{10}^{2}" and mapped.isascii() and len(origin) == len(mapped) + 1


def test_positions_count_the_characters_the_student_wrote():
    with pytest.raises(AnswerSyntaxError, match=r"unexpected character '\\u2603' at position 7|"
                                                 "unexpected character '\u2603' at position 7"):
        parse_answer("\u03b8\u2081\u2080 + \u2603", VARIABLES)
    with pytest.raises(AnswerSyntaxError, match="unexpected '\\)' at position 3"):
        parse_answer("\u03c3\u00b2)", VARIABLES)


@pytest.mark.parametrize("text", ["\u2212" * 4001, "\u03b8" * 4001])
def test_the_length_limit_counts_the_characters_written(text):
    with pytest.raises(AnswerSyntaxError, match="too long .4001 characters"):
        parse_answer(text, VARIABLES)


def test_unmapped_look_alikes_are_still_refused():
    for text in ("\u0435^{z}", "\u2603", "z\u2032"):  # Cyrillic e, a snowman, a prime
        with pytest.raises(AnswerSyntaxError):
            parse_answer(text, VARIABLES)


NUMBER = {"id": "E01", "kind": "number", "answer_srepr": "Rational(-51, 4)", "variables": [], "precision": 0.001,
          "mistakes": [{"feedback": "you dropped the output bias", "answer_srepr": "Rational(-59, 4)"}]}
EXPRESSION = {"id": "E02", "kind": "expression", "answer_srepr": sp.srepr(2 * (y - f)), "variables": ["f", "y"],
              "precision": None, "mistakes": []}


def test_the_checker_reads_a_copied_answer_and_its_mistakes():
    assert check_answer(NUMBER, "\u221251/4").correct
    assert check_answer(NUMBER, "\u221212.75").correct
    assert check_answer(NUMBER, "\u221259/4").feedback == "you dropped the output bias"
    assert check_answer(NUMBER, "51/4").feedback == SIGN_ERROR
    assert check_answer(EXPRESSION, "2\u00a0(y\u00a0\u2212\u00a0f)").correct
    assert check_answer(EXPRESSION, "2\u00d7(f \u2212 y)").feedback == SIGN_ERROR
    assert not check_answer(EXPRESSION, "(y \u2212 f)\u00b2").correct
