"""``check --submission`` counts a file's problems as ``grade`` reports them (format problems
and id problems alike, one function), and LaTeX typed into JSON (``"\\frac{1}{2}"``, where JSON
reads ``\\f`` as a form feed) is refused with a message saying how to write a backslash."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from derivations.exercises import submissions
from derivations.exercises.submissions import parse_submission, read_answers, resolve_ids

sys.path.insert(0, str(Path(__file__).parent))
from test_submission_reader import RECORDS, _check, _grade  # noqa: E402


@pytest.fixture()
def key(tmp_path) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"seed": 0, "students": {"s001": RECORDS}}))
    return path

#: Two lines without a colon, E01 twice, e1 naming E01 again, two unknown ids: 6 problems.
MIXED = "E01: -51/4\nE02 2 z e^z\nnonsense\nE01: 3\ne1: 4\nE99: 1\nE98: 2\n"


def test_check_counts_the_problems_grade_reports(key, tmp_path, capsys):
    sub = tmp_path / "s001.txt"
    sub.write_text(MIXED)
    _, feedback = _grade(key, sub, capsys)
    reported = feedback.split("Problems with your file (these lines were not graded):\n", 1)[1].strip().splitlines()
    assert len(reported) == 6, feedback
    code, out, err = _check(key, sub, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1, (code, out, err)
    assert "line 2: expected 'EID: answer'" in err and err.rstrip().endswith("(and 5 more problems)"), err


def test_an_id_problem_first_is_counted_too(tmp_path):
    sub = tmp_path / "s001.txt"
    sub.write_text("E99: 1\ne1: 2\nE01: 3\n")
    problems = resolve_ids(parse_submission(sub.read_bytes(), sub.name), ["E01", "E02"])[1]
    assert len(problems) == 2, problems
    with pytest.raises(ValueError, match=r"unknown exercise 'E99'.*\(and 1 more problem\)$"):
        read_answers(sub, ["E01", "E02"])


def test_the_count_comes_from_the_function_grade_uses(tmp_path, monkeypatch):
    """The demonstration that the count is grade's: a resolver reporting one more problem
    changes the number ``check`` prints."""
    sub = tmp_path / "s001.txt"
    sub.write_text(MIXED)
    real = submissions.resolve_ids
    monkeypatch.setattr(submissions, "resolve_ids", lambda p, ids: (lambda r: (r[0], r[1] + ["x"], r[2]))(real(p, ids)))
    with pytest.raises(ValueError, match=r"\(and 6 more problems\)$"):
        read_answers(sub, ["E01", "E02"])


@pytest.mark.parametrize("text, problem", [
    (b'{"E01": "\\frac{1}{2}"}', "the answer holds a control character"),
    (b'{"E01": "\\sqrt{2}"}', "Invalid \\escape"),
], ids=["form-feed", "invalid-escape"])
def test_latex_typed_into_json_is_explained(key, tmp_path, capsys, text, problem):
    sub = tmp_path / "s001.json"
    sub.write_bytes(text)
    code, out, err = _check(key, sub, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: "), (code, out, err)
    assert problem in err and 'in JSON a backslash is written \\\\ ("\\\\frac{1}{2}")' in err, err
    assert "the text format (E01: \\frac{1}{2}, in a .txt file) takes LaTeX as typed" in err, err


def test_the_text_format_takes_latex_as_typed(tmp_path):
    sub = tmp_path / "s001.txt"
    sub.write_text("E01: \\frac{1}{2}\n")
    assert read_answers(sub, ["E01"]) == {"E01": "\\frac{1}{2}"}
