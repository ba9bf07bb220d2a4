"""One reader of students' files for ``check --submission``, ``self-check --submission`` and
``grade``: a file ``grade`` grades in full is read by ``check`` with the same verdicts (the
text format, JSON with numbers as JSON numbers, ``e1`` for ``E01``), and a file with a problem
is refused by ``check`` with the very problem ``grade`` reports; an exercise answered twice (in
either format) is named, its answers not graded, the others graded."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises.self_check import self_check_document

z = sp.Symbol("z", real=True)

#: A small key by hand (no build): one exercise of each kind, with a typical mistake each.
RECORDS = [
    {"id": "E01", "topic": "shallow", "kind": "number", "answer_srepr": sp.srepr(sp.Rational(-51, 4)),
     "variables": [], "precision": 0.001,
     "mistakes": [{"feedback": "you dropped the output bias $\\phi_0$", "answer_srepr": sp.srepr(sp.Rational(-59, 4))}]},
    {"id": "E02", "topic": "activations", "kind": "expression", "answer_srepr": sp.srepr(2 * z * sp.exp(z)),
     "variables": ["z"], "precision": None,
     "mistakes": [{"feedback": "you dropped the inner derivative", "answer_srepr": sp.srepr(z * sp.exp(z))}]},
    {"id": "E03", "topic": "hidden_units", "kind": "vector",
     "answer_srepr": sp.srepr(sp.Tuple(sp.Rational(45, 8), sp.Rational(-59, 8))), "variables": [], "precision": 0.001,
     "mistakes": []},
    {"id": "E04", "topic": "counts_regions", "kind": "integer", "answer_srepr": sp.srepr(sp.Integer(10)),
     "variables": [], "precision": None, "mistakes": []},
]


@pytest.fixture()
def key(tmp_path) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"seed": 0, "students": {"s001": RECORDS}}))
    return path


def _check(key: Path, sub: Path, capsys) -> tuple[int, str, str]:
    code = main(["check", "--answers", str(key), "--student", "s001", "--submission", str(sub), "--format", "json"])
    out = capsys.readouterr()
    return code, out.out, out.err


def _self_check(key: Path, sub: Path, capsys) -> tuple[int, str, str]:
    doc = self_check_document("s001", RECORDS, iterations=1)
    path = key.parent / "self-check.json"
    path.write_text(json.dumps(doc))
    code = main(["self-check", "--key", str(path), "--submission", str(sub), "--format", "json"])
    out = capsys.readouterr()
    return code, out.out, out.err


def _grade(key: Path, sub: Path, capsys) -> tuple[dict, str]:
    folder = key.parent / "handed-in"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / f"s001{sub.suffix}").write_bytes(sub.read_bytes())
    out = key.parent / "grades"
    assert main(["grade", "--answers", str(key), "--submissions", str(folder), "--out", str(out), "--jobs", "1"]) == 0
    capsys.readouterr()
    row = next(r for r in csv.DictReader((out / "grades.csv").read_text().splitlines()) if r["student"] == "s001")
    return row, (out / "feedback" / "s001.txt").read_text()


ACCEPTED = {
    "text": ("s001.txt", "# s001\nE01: -51/4\ne2: 2 z e^{z}   # the product rule\nE03: (45/8, -59/8)\nE04:\n"),
    "json-numbers": ("s001.json", '{"E01": -12.75, "E02": "2*z*exp(z)", "E03": "(5.625, -7.375)", "E04": 11}'),
    "json-text": ("s001.json", '{"e01": "-14.75", "E02": "z e^z", "E3": "45/8, -59/8", "E04": "10"}'),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_check_and_self_check_read_every_file_grade_reads(key, tmp_path, capsys, case):
    """The same files, the same verdicts: the checker's for ``check`` and ``grade``, and the
    self-check agrees on every verdict. On the old code ``check`` read JSON only: the text
    file and the JSON numbers were refused (exit 2)."""
    name, text = ACCEPTED[case]
    sub = tmp_path / name
    sub.write_text(text)
    code, out, err = _check(key, sub, capsys)
    assert code in (0, 1) and err == "", err
    report = json.loads(out)
    row, _ = _grade(key, sub, capsys)
    assert row["status"] == "ok" and row["notes"] == ""
    assert {eid: "1" if r["correct"] else "0" for eid, r in report["results"].items()} == \
        {eid: row[eid] for eid in ("E01", "E02", "E03", "E04")}
    assert str(report["score"]) == row["score"]
    code_self, out_self, err_self = _self_check(key, sub, capsys)
    assert err_self == "" and code_self == code
    assert {e: r["correct"] for e, r in json.loads(out_self)["results"].items()} == \
        {e: r["correct"] for e, r in report["results"].items()}


def test_the_verdicts_are_the_expected_ones(key, tmp_path, capsys):
    name, text = ACCEPTED["json-text"]
    sub = tmp_path / name
    sub.write_text(text)
    report = json.loads(_check(key, sub, capsys)[1])["results"]
    assert [r["correct"] for r in report.values()] == [False, False, True, True]
    assert report["E01"]["feedback"] == "you dropped the output bias $\\phi_0$"
    assert report["E02"]["feedback"] == "you dropped the inner derivative"


PROBLEMS = {
    "line-without-colon": ("s001.txt", "E01: -51/4\nE02 2 z e^z\n", "line 2: expected 'EID: answer'"),
    "text-answered-twice": ("s001.txt", "E01: -51/4\nE02: 2 z e^z\nE01: -59/4\n",
                            "line 3: E01 is answered twice (first on line 1)"),
    "json-answered-twice": ("s001.json", '{"E01": "-51/4", "E02": "2 z e^z", "E01": -12.75}', "E01 is answered twice"),
    "two-ids-one-exercise": ("s001.txt", "E01: -51/4\nE02: 2 z e^z\ne1: -59/4\n", "E01 is answered twice"),
    "json-null": ("s001.json", '{"E01": "-51/4", "E02": null}', "E02: the answer must be text, got null"),
}


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_a_problem_grade_reports_is_the_error_check_gives(key, tmp_path, capsys, case):
    """``grade`` marks the file malformed, names the problem and grades the other answers;
    ``check`` and ``self-check`` refuse the file with the same words (one error line, exit 2)."""
    name, text, problem = PROBLEMS[case]
    sub = tmp_path / name
    sub.write_text(text)
    row, feedback = _grade(key, sub, capsys)
    assert row["status"] == "malformed" and problem in row["notes"], row
    assert problem in feedback
    for run in (_check, _self_check):
        code, out, err = run(key, sub, capsys)
        assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: "), (code, out, err)
        assert problem in err, err


@pytest.mark.parametrize("name, text", [
    ("s001.json", '{"E01": "-51/4", "E02": "2 z e^z", "E01": "-51/4", "E03": "(45/8, -59/8)"}'),
    ("s001.txt", "E01: -51/4\nE02: 2 z e^z\nE01: -51/4\nE03: (45/8, -59/8)\n"),
], ids=["json", "text"])
def test_an_exercise_answered_twice_is_named_and_the_others_are_graded(key, tmp_path, capsys, name, text):
    """A repeated key of a JSON submission is what a repeated line of the text format is: that
    exercise's verdict says it was answered twice, the other answers are graded (the old code
    voided the whole JSON file and called it only 'malformed', with every cell 0)."""
    sub = tmp_path / name
    sub.write_text(text)
    row, feedback = _grade(key, sub, capsys)
    assert [row[e] for e in ("E01", "E02", "E03", "E04")] == ["0", "1", "1", "0"]
    assert row["score"] == "2" and row["status"] == "malformed"
    assert "E01 is answered twice" in row["notes"] and "neither is graded" in row["notes"]
    assert "E01: answered twice in your file; neither answer is graded" in feedback
    summary = json.loads((key.parent / "grades" / "summary.json").read_text())
    assert summary["exercises"]["E01"]["mistakes"] == []  # not a mistake of the class: no answer was graded
