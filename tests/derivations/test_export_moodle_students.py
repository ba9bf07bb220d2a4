"""``export-moodle --students`` with an id listed twice is refused (exit 2, one error line,
nothing written): the old code wrote the student's category and every question twice, which
Moodle imports as two copies."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises.moodle import moodle_xml

RECORD = {"id": "E01", "topic": "shallow", "kind": "number", "question": "Compute $y$.",
          "answer_srepr": sp.srepr(sp.Rational(-51, 4)), "variables": [], "precision": 0.001, "mistakes": []}
KEY = {"seed": 0, "students": {"s001": [RECORD], "s002": [dict(RECORD)]}}


@pytest.mark.parametrize("listed", ["s001,s001", "s001, s002 ,s001", "s002,s001,s002,"])
def test_a_student_listed_twice_is_refused(tmp_path, capsys, listed):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(KEY))
    out = tmp_path / "quiz.xml"
    assert main(["export-moodle", "--answers", str(answers), "--out", str(out), "--students", listed]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("error: --students names")
    assert "twice" in captured.err and not out.exists()


def test_each_student_once_is_written_once(tmp_path, capsys):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(KEY))
    out = tmp_path / "quiz.xml"
    assert main(["export-moodle", "--answers", str(answers), "--out", str(out), "--students", "s002,s001"]) == 0
    xml = out.read_text()
    assert xml.count("<idnumber>s001-E01</idnumber>") == 1 and xml.count("<idnumber>s002-E01</idnumber>") == 1
    assert "2 students" in capsys.readouterr().out


def test_the_library_refuses_a_repeated_student_too():
    with pytest.raises(ValueError, match="'s001' is listed twice"):
        moodle_xml(KEY, ["s001", "s001"])
