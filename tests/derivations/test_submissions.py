"""The submission format people write: one ``EID: answer`` per line, comments, blank lines,
UTF-8; JSON still read; every problem named with its line; and LaTeX feedback as plain text."""

from __future__ import annotations

import json

import pytest

from derivations.cli import main
from derivations.exercises.readable import latex_to_text, readable
from derivations.exercises.submissions import (filled_in, match_exercise, parse_submission, read_submission_file,
                                               submission_template)


def test_text_format_comments_blank_lines_bom_and_crlf():
    data = "\ufeff# week 3\r\n\r\nE01: -51/4   # exact\r\n  E02 : 2*(y - f)\r\nE03:\r\nE04: \\frac{1}{2}\r\n"
    parsed = parse_submission(data.encode(), "s001.txt")
    assert parsed.answers == {"E01": "-51/4", "E02": "2*(y - f)", "E04": "\\frac{1}{2}"}
    assert parsed.lines == {"E01": 3, "E02": 4, "E04": 6}
    assert parsed.problems == []


@pytest.mark.parametrize("text, problem", [
    ("E01: 1\nE01 2\n", "line 2: expected 'EID: answer'"),
    ("E01: 1\n\nE01: 2\n", "line 3: E01 is answered twice (first on line 1)"),
    ("E01: 1\x07\n", "line 1: a control character"),
    ("just some words\n", "line 1: expected 'EID: answer' (e.g. 'E01: 3/8'), got 'just some words'"),
])
def test_text_problems_name_their_line(text, problem):
    parsed = parse_submission(text.encode(), "s001.txt")
    assert any(p.startswith(problem) for p in parsed.problems), parsed.problems
    if "twice" in problem:
        assert "E01" not in parsed.answers  # which one was meant? neither is graded


@pytest.mark.parametrize("text, answers, problem", [
    ('{"E01": "-51/4", "E02": -12.75, "E03": 1e-3, "E04": ""}', {"E01": "-51/4", "E02": "-12.75", "E03": "1e-3"}, None),
    ('{"E01": "1",\n "E02": }', {}, "line 2: not valid JSON"),
    ('{"E01": "1", "E01": "2"}', {}, "E01 is answered twice; keep one answer per exercise (neither is graded)"),
    ('{"E01": "1", "E02": "2", "E01": "3"}', {"E02": "2"}, "E01 is answered twice"),  # the others are read
    ('{"E01": null, "E02": true, "E03": {"a": "1"}}', {}, "E01: the answer must be text, got null"),
    ('["E01", "1"]', {}, "a JSON submission is an object"),
    ('{"E01": ["1"], "E02": "2"}', {"E02": "2"}, "E01: the answer must be text, got a list"),
    ('{"E01": NaN}', {}, "not a JSON submission"),
    ("[" * 100_000, {}, "not a JSON submission"),
])
def test_json_submissions(text, answers, problem):
    parsed = parse_submission(text.encode(), "s001.json")
    assert parsed.answers == answers
    assert (problem is None and parsed.problems == []) or any(p.startswith(problem) for p in parsed.problems), \
        parsed.problems


def test_not_utf8_and_files_refused_with_their_line(tmp_path):
    with pytest.raises(ValueError, match="not UTF-8 text .byte 0xe9 at offset 5"):
        parse_submission(b"E01: \xe9", "s001.txt")
    path = tmp_path / "s001.txt"
    path.write_text("E01: 1\nE02 2\n")
    with pytest.raises(ValueError, match="s001.txt': line 2: expected 'EID: answer'"):
        read_submission_file(path)
    path.write_text("x" * 70_000)
    with pytest.raises(ValueError, match="more than the limit of 65,536"):
        read_submission_file(path)


def test_exercise_ids_match_up_to_case_and_leading_zeros():
    ids = ["E01", "E02", "E10"]
    assert [match_exercise(e, ids) for e in ("E01", "e1", "E001", "e10", "E3", "F01")] == \
        ["E01", "E01", "E01", "E10", None, None]


def test_template_is_a_valid_empty_submission():
    text = submission_template("s001", [("E01", "a number"), ("E02", "an expression in z")])
    parsed = parse_submission(text.encode(), "s001.txt")
    assert parsed.answers == {} and parsed.problems == []
    assert not filled_in(text.encode()) and filled_in((text + "E01: 3\n").encode())


@pytest.mark.parametrize("latex, text", [
    (r"\phi_0", "phi_0"), (r"\frac{a}{b}", "a/b"), (r"\frac{1}{1 + e^{- 2 z}}", "1/(1 + e^(-2 z))"),
    (r"\theta_{10} + \theta_{11} x", "theta_10 + theta_11 x"), (r"\mathrm{ReLU}\left[z\right]", "ReLU[z]"),
    (r"- \frac{51}{4}", "-51/4"), (r"\frac{1}{2}\log(2\pi\sigma^2)", "1/2 log(2 pi sigma^2)"),
    (r"\partial \ell / \partial \omega_{0}", "d l / d omega_0"), (r"y \in \{0, 1\}", "y in {0, 1}"),
])
def test_latex_to_readable_text(latex, text):
    assert latex_to_text(latex) == text
    assert readable(f"you dropped ${latex}$.") == f"you dropped {text}."


def test_check_style_errors_of_self_check_submission(tmp_path, capsys):
    """self-check reads the text format too; a bad line is one error line naming it."""
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"format": "deepderive self-check", "version": 1, "student": "s001",
                               "hash": {"name": "pbkdf2-sha256", "iterations": 1}, "exercises": []}))
    sub = tmp_path / "s001.txt"
    sub.write_text("E01: 1\noops\n")
    assert main(["self-check", "--key", str(key), "--submission", str(sub)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s001.txt': line 2: expected 'EID: answer'" in err


def test_a_folder_named_like_a_submission_is_unreadable_for_that_student_only(tmp_path):
    from derivations.exercises.submissions import _Unreadable, _read

    (tmp_path / "s012.txt").mkdir()
    with pytest.raises(_Unreadable, match="folder|directory"):
        _read(tmp_path / "s012.txt", 1000)
