"""Private self-check files and the Moodle export, on a small class: a student's self-check file
names no other student and holds no answer in the clear, yet agrees with the checker on that
student's answers and typical mistakes; the Moodle XML parses and holds one question per
student and exercise, numbers with the stated tolerance."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises.checker import check_answer
from derivations.exercises.moodle import number_text
from derivations.exercises.readable import readable
from derivations.exercises.self_check import check_self, load_self_check
from derivations.exercises.srepr_reader import read_srepr

TOPICS = "shallow,activations,hidden_units,counts_regions"
#: The checker's time limit is for students; these tests are about verdicts (a loaded machine is slow).
LIMIT = 30.0


@pytest.fixture(scope="module")
def ex(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("class") / "ex"
    assert main(["exercises", "--out", str(out), "--students", "3", "--topics", TOPICS, "--no-pdf",
                 "--seed", "7"]) == 0
    return out


@pytest.fixture(scope="module")
def key(ex) -> dict:
    return json.loads((ex / "answers.json").read_text())


def _texts(record: dict) -> list[str]:
    """Every way an answer of the key could be spelled out in a file."""
    value = read_srepr(record["answer_srepr"])
    items = list(value) if isinstance(value, sp.Tuple) else [value]
    out = [record["answer"], record["answer_srepr"]]
    if record["kind"] != "expression":
        out += [number_text(v) for v in items] + [sp.sstr(v) for v in items if sp.sstr(v) not in ("0", "1", "2")]
    else:
        out.append(sp.sstr(value))
    return [t for t in out if len(t) >= 3]


def _plain(value) -> str:
    if isinstance(value, sp.Tuple):
        return "(" + ", ".join(sp.sstr(v) for v in value) + ")"
    return sp.sstr(value)


def test_self_check_files_hold_no_answer_and_no_other_student(ex, key):
    students = list(key["students"])
    for student in students:
        text = (ex / "self-check" / f"{student}.json").read_text()
        doc = json.loads(text)
        assert doc["student"] == student and "seed" not in doc and "students" not in doc
        for other in students:
            if other != student:
                assert other not in text
        for owner in students:
            for record in key["students"][owner]:
                for spelled in _texts(record):  # as a whole number ("1/2" is not in the point "-171/20000")
                    assert not re.search(rf"(?<![0-9.]){re.escape(spelled)}(?![0-9])", text), \
                        (student, owner, record["id"], spelled)
                assert record["question"] not in text


def test_self_check_agrees_with_the_checker(ex, key):
    for student, records in key["students"].items():
        doc = load_self_check(ex / "self-check" / f"{student}.json")
        for record in records:
            mine = check_self(doc, record["id"], record["answer"], limit=LIMIT)
            assert mine.correct, (student, record["id"], mine)
            for mistake in record["mistakes"]:
                text = _plain(read_srepr(mistake["answer_srepr"]))
                official = check_answer(record, text, limit=LIMIT)
                private = check_self(doc, record["id"], text, limit=LIMIT)
                if official.feedback.startswith("could not read"):  # e.g. more than 60 digits
                    continue
                assert (private.correct, private.feedback) == (False, mistake["feedback"]) == \
                    (official.correct, official.feedback), (student, record["id"], text)
            value = read_srepr(record["answer_srepr"])
            negative = sp.Tuple(*[-v for v in value]) if record["kind"] == "vector" else -value
            sign = check_self(doc, record["id"], _plain(negative), limit=LIMIT)
            own = {m["feedback"] for m in record["mistakes"]}
            assert not sign.correct and (sign.feedback.startswith("sign error") or sign.feedback in own), sign


def test_self_check_numbers_close_and_forms(ex, key):
    student = "s001"
    doc = load_self_check(ex / "self-check" / f"{student}.json")
    record = next(r for r in key["students"][student] if r["kind"] == "number")
    value = read_srepr(record["answer_srepr"])
    rounded = f"{float(value):.3f}"
    assert check_self(doc, record["id"], rounded).correct  # rounded to the stated precision
    assert check_self(doc, record["id"], f"{float(value) + 0.001:.3f}").feedback.startswith("close, but")
    assert check_self(doc, record["id"], "(1, 2)").feedback == "expected one number, got a list"
    assert check_self(doc, record["id"], "1 +").feedback.startswith("could not read the answer")
    vector = next(r for r in key["students"][student] if r["kind"] == "vector")
    entries = list(read_srepr(vector["answer_srepr"]))
    if len(set(entries)) > 1:
        swapped = "(" + ", ".join(sp.sstr(v) for v in reversed(entries)) + ")"
        assert check_self(doc, vector["id"], swapped).feedback in ("the right numbers in the wrong order",
                                                                  *[m["feedback"] for m in vector["mistakes"]])
    integer = next(r for r in key["students"][student] if r["kind"] == "integer")
    assert check_self(doc, integer["id"], "2.5").feedback == "expected a whole number"


def test_self_check_command(ex, key, tmp_path, capsys):
    record = key["students"]["s002"][0]
    path = str(ex / "self-check" / "s002.json")
    assert main(["self-check", "--key", path, "--exercise", record["id"], "--answer", record["answer"]]) == 0
    assert capsys.readouterr().out.startswith(f"{record['id']}: correct [self-check")
    assert main(["self-check", "--key", path, "--exercise", "e1", "--answer", "12345/7"]) == 1
    assert "incorrect" in capsys.readouterr().out
    sub = tmp_path / "s002.txt"
    sub.write_text("".join(f"{r['id']}: {r['answer']}\n" for r in key["students"]["s002"]))
    assert main(["self-check", "--key", path, "--submission", str(sub), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["score"] == report["total"] == len(key["students"]["s002"])
    doc = json.loads(Path(path).read_text())
    doc["exercises"][1]["points"] = [{"z": "__import__('os')"}]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    assert main(["self-check", "--key", str(bad), "--exercise", "E01", "--answer", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'points' must be" in err
    assert main(["self-check", "--key", str(ex / "answers.json"), "--exercise", "E01", "--answer", "1"]) == 2
    assert "is not a self-check file" in capsys.readouterr().err


def test_moodle_xml_has_a_question_per_student_and_exercise(ex, key, tmp_path, capsys):
    out = tmp_path / "quiz.xml"
    assert main(["export-moodle", "--answers", str(ex / "answers.json"), "--out", str(out)]) == 0
    count = sum(len(r) for r in key["students"].values())
    assert f"{count} questions for 3 students" in capsys.readouterr().out
    root = ET.fromstring(out.read_bytes())  # well-formed
    assert root.tag == "quiz"
    questions = root.findall("question")
    categories = [q.find("category/text").text for q in questions if q.get("type") == "category"]
    assert categories == [f"$course$/top/deepderive/{s}" for s in key["students"]]
    asked = [q for q in questions if q.get("type") != "category"]
    assert len(asked) == count
    assert len({q.find("name/text").text for q in asked}) == count
    assert len({q.find("idnumber").text for q in asked}) == count
    position = 0
    for student, records in key["students"].items():
        assert questions[position].get("type") == "category"
        position += 1
        for record in records:
            q = questions[position]
            position += 1
            assert q.find("name/text").text.startswith(f"{student} {record['id']}")
            assert q.find("questiontext").get("format") == "html" and q.find("questiontext/text").text
            value = read_srepr(record["answer_srepr"])
            if record["kind"] in ("number", "integer"):
                assert q.get("type") == "numerical"
                answers = q.findall("answer")
                right = [a for a in answers if a.get("fraction") == "100"]
                assert len(right) == 1
                assert abs(float(right[0].find("text").text) - float(value)) <= 1e-12 * max(1, abs(float(value)))
                tolerance = "0" if record["kind"] == "integer" else f"{record['precision']:g}"
                assert all(a.find("tolerance").text == tolerance for a in answers)
                wrong = {a.find("feedback/text").text for a in answers if a.get("fraction") == "0"}
                assert {html.escape(readable(m["feedback"]), quote=False) for m in record["mistakes"]} <= wrong
                assert all("$" not in w for w in wrong)
            elif record["kind"] == "vector":
                assert q.get("type") == "cloze"
                fields = re.findall(r"\{1:NUMERICAL:=([^:}]+):([^}]+)\}", q.find("questiontext/text").text)
                assert [(float(v), t) for v, t in fields] == [(pytest.approx(float(x), rel=1e-12), "0.001")
                                                              for x in value]
            else:
                assert q.get("type") == "shortanswer" and q.find("usecase").text == "0"
                right = [a.find("text").text for a in q.findall("answer") if a.get("fraction") == "100"]
                assert sp.sstr(value).replace("*", "\\*") in right and all("*" not in r.replace("\\*", "") for r in right)
    assert "\\(" in asked[0].find("questiontext/text").text


def test_moodle_export_refuses_bad_input(ex, tmp_path, capsys):
    answers = str(ex / "answers.json")
    link = tmp_path / "quiz.xml"
    link.symlink_to(tmp_path / "elsewhere.xml")
    assert main(["export-moodle", "--answers", answers, "--out", str(link)]) == 2
    assert "symbolic link" in capsys.readouterr().err and not (tmp_path / "elsewhere.xml").exists()
    assert main(["export-moodle", "--answers", answers, "--out", str(tmp_path / "q.xml"), "--students", "s009"]) == 2
    assert "unknown student 's009'" in capsys.readouterr().err
    assert main(["export-moodle", "--answers", answers, "--out", str(tmp_path / "q.xml"), "--students", "s002",
                 "--category", "week 3"]) == 0
    root = ET.fromstring((tmp_path / "q.xml").read_bytes())
    assert root.find("question/category/text").text == "$course$/top/week 3/s002"
