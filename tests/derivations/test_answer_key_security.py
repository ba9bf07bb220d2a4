"""The answer key and submissions are data: a payload planted in any field of answers.json or
of a submission runs nothing, and each malformed or crafted entry is refused with one
``error:`` line and exit 2 before any verdict depends on it."""

from __future__ import annotations

import copy
import json
import time

import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises.checker import CheckTimeout, check_answer, time_limit

z = sp.Symbol("z", real=True)
y = sp.Symbol("y", integer=True, nonnegative=True)


def _key() -> dict:
    """A small valid key: one exercise of each kind, with typical mistakes and a domain."""
    return {"seed": 1, "students": {"s001": [
        {"id": "E01", "kind": "expression", "answer_srepr": sp.srepr(2 * z + 1), "variables": ["z"],
         "precision": None, "mistakes": [{"feedback": "you forgot the bias", "answer_srepr": sp.srepr(2 * z)}]},
        {"id": "E02", "kind": "number", "answer_srepr": sp.srepr(sp.Rational(7, 4)), "variables": [],
         "precision": 0.001, "mistakes": [{"feedback": "a mean, not a sum", "answer_srepr": sp.srepr(sp.Rational(7, 8))}]},
        {"id": "E03", "kind": "vector", "answer_srepr": sp.srepr(sp.Tuple(1, sp.Rational(1, 3))), "variables": [],
         "precision": 0.001, "mistakes": []},
        {"id": "E04", "kind": "integer", "answer_srepr": sp.srepr(sp.Integer(10)), "variables": [],
         "precision": 0},
        {"id": "E05", "kind": "expression", "answer_srepr": sp.srepr(y ** 2), "variables": ["y"],
         "precision": None, "domain": {"y": [0, 1, 2, 3]}},
    ]}}


RIGHT = {"E01": "2z + 1", "E02": "1.75", "E03": "1, 1/3", "E04": "10", "E05": "y^2"}
WRONG = {"E01": "2z", "E02": "0.875", "E03": "1, 2", "E04": "11", "E05": "y^3"}


def _check(path, eid, answer, capsys):
    code = main(["check", "--answers", str(path), "--student", "s001", "--exercise", eid, "--answer", answer])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_valid_key_checks_right_and_wrong_answers(tmp_path, capsys):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(_key()))
    for eid in RIGHT:
        assert _check(path, eid, RIGHT[eid], capsys)[0] == 0, eid
        code, out, err = _check(path, eid, WRONG[eid], capsys)
        assert code == 1 and not err, (eid, out, err)


def _payloads(marker) -> list[str]:
    code = f"__import__('os').system('touch {marker}')"
    return [repr(code), code, f"Add(Integer(1), {code!r})", f"Tuple({code!r})", f"Mul({code!r}, Integer(2))",
            f"Symbol({code!r})", f"Float({code!r})", f"Integer({code!r})", f"exp({code})",
            f"Symbol('z', real={code})", f"Pow(Symbol('z'), Integer(2), evaluate={code})"]


def _plant(field: str, payload: str, eid: str) -> dict:
    key = copy.deepcopy(_key())
    entry = next(e for e in key["students"]["s001"] if e["id"] == eid)
    if field == "answer_srepr":
        entry["answer_srepr"] = payload
    elif field == "mistake":
        entry["mistakes"] = [{"feedback": "planted", "answer_srepr": payload}]
    elif field == "domain":
        entry["domain"] = {"y": [payload]} if eid == "E05" else {"z": payload}
    elif field == "precision":
        entry["precision"] = payload
    elif field == "variables":
        entry["variables"] = [payload]
    elif field == "kind":
        entry["kind"] = payload
    return key


@pytest.mark.parametrize("eid", ["E01", "E02", "E03", "E04", "E05"])
@pytest.mark.parametrize("field", ["answer_srepr", "mistake", "domain", "precision", "variables", "kind"])
def test_payloads_in_every_field_run_nothing_and_are_refused(tmp_path, capsys, field, eid):
    marker = tmp_path / "PWNED"
    for n, payload in enumerate(_payloads(marker)):
        path = tmp_path / f"answers-{n}.json"
        path.write_text(json.dumps(_plant(field, payload, eid)))
        for answer in (RIGHT[eid], WRONG[eid]):
            code, out, err = _check(path, eid, answer, capsys)
            assert not marker.exists(), (field, payload)
            assert code == 2 and not out, (field, payload, code, out, err)
            assert err.startswith("error: answers file") and len(err.splitlines()) == 1, err


def test_payloads_in_a_submission_run_nothing(tmp_path, capsys):
    """Answers are parsed by the grammar (a payload is an unreadable answer, exit 1, the other
    answers still checked); a payload as an exercise id is bad input (exit 2)."""
    marker = tmp_path / "PWNED"
    key = tmp_path / "answers.json"
    key.write_text(json.dumps(_key()))
    payloads = _payloads(marker)
    submission = tmp_path / "sub.json"
    submission.write_text(json.dumps({"E01": payloads[0], "E02": payloads[1], "E03": payloads[2], "E04": "10"}))
    code = main(["check", "--answers", str(key), "--student", "s001", "--submission", str(submission),
                 "--format", "json"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 1 and not err and not marker.exists()
    assert [report["results"][e]["method"] for e in ("E01", "E02", "E03")] == ["answer grammar"] * 3
    assert report["results"]["E04"]["correct"] and report["score"] == 1
    submission.write_text(json.dumps({payloads[1]: "1"}))
    code = main(["check", "--answers", str(key), "--student", "s001", "--submission", str(submission)])
    out, err = capsys.readouterr()
    assert code == 2 and not out and err.startswith("error: submission ") and "is not an exercise id" in err
    assert len(err.splitlines()) == 1 and not marker.exists()


def _nested_piecewise(levels: int) -> str:
    text = "Symbol('z', real=True)"
    for _ in range(levels):
        text = f"Piecewise(ExprCondPair({text}, true))"
    return text


#: Crafted entries that once changed a verdict silently, ended in a traceback or ate time and
#: memory: (exercise, field, value, words the error line must hold).
CRAFTED = [
    ("E02", "precision", float("inf"), "precision must be a finite number"),
    ("E02", "precision", 1e300, "precision must be a finite number"),
    ("E02", "precision", -0.1, "precision must be a finite number"),
    ("E02", "precision", True, "precision must be a finite number"),
    ("E04", "precision", 0.5, "checked exactly"),
    ("E05", "domain", {"y": []}, "the domain of 'y' must be a list of 1 to"),
    ("E05", "domain", {"w": [1]}, "not one of its variables"),
    ("E01", "answer_srepr", "Float()", "Float takes one decimal string"),
    ("E01", "answer_srepr", "1", "a literal is allowed only inside"),
    ("E01", "answer_srepr", "Tuple()", "one SymPy expression"),
    ("E03", "answer_srepr", "Tuple()", "a Tuple of 1 to"),
    ("E02", "answer_srepr", "Symbol('z', real=True)", "an answer of kind number has no variables"),
    ("E04", "answer_srepr", "Rational(1, 2)", "an integer answer is a SymPy Integer"),
    ("E01", "answer_srepr", "Symbol('w', real=True)", "uses w, which are not among its variables"),
    ("E01", "answer_srepr", "Symbol('z', positive=True, negative=True)", "inconsistent assumptions"),
    ("E01", "answer_srepr", "Pow(Integer(10), Integer(100000000))", "exponent larger than 1000"),
    ("E01", "answer_srepr", f"Pow(Integer(2), Integer({2 ** 100}))", "exponent larger than 1000"),
    ("E01", "answer_srepr", "Pow(Pow(Integer(10), Integer(1000)), Integer(1000))", "more than 20000 bits"),
    ("E01", "answer_srepr", "factorial(Integer(1000000))", "factorial of a number larger than 1000"),
    ("E01", "answer_srepr", "gamma(Integer(1000000))", "gamma of a number larger than 1000"),
    ("E02", "answer_srepr", "Pow(Integer(0), Integer(-1))", "not a finite expression"),
    ("E01", "answer_srepr", "Add(" * 150 + "Integer(1)" + ")" * 150, "nested more than 100 levels"),
    ("E01", "answer_srepr", "Integer(" + "9" * 5000 + ")", "not srepr text"),
    ("E01", "mistake", "True", "mistake 1: answer_srepr: a literal is allowed only inside"),
    ("E01", "mistake", "Tuple()", "mistake 1: an answer of kind expression is one SymPy expression"),
    ("E01", "mistake", "true", "mistake 1: an answer of kind expression is one SymPy expression"),
    ("E01", "answer_srepr", "Max(" + ", ".join(f"Symbol('a{i}', real=True)" for i in range(600)) + ")",
     "Max of more than 16 arguments"),
    ("E01", "answer_srepr", _nested_piecewise(5), "Piecewise nested more than 3 deep"),
    ("E01", "answer_srepr", "ELUPrime(Symbol('z', real=True))", "the value cannot be evaluated"),
    ("E01", "answer_srepr", "ReLU(true)", "ReLU takes one or more expressions"),
    ("E01", "answer_srepr", "LogSumExp(Tuple(Symbol('z', real=True), Integer(1)))", "LogSumExp takes one or more"),
    ("E01", "answer_srepr", "Mul(" + ", ".join(["Pow(Integer(10), Integer(1000))"] * 50) + ")", "more than 20000 bits"),
    ("E02", "answer_srepr", "Float('1e9999')", "must be a float64 number of size at most"),
    ("E05", "domain", {"y": [-1, -2]}, "the domain of 'y' holds -1, which its symbol's assumptions exclude (integer, nonnegative)"),
    ("E01", "variables", "z", "'variables' must be a list"),
    ("E01", "kind", "formula", "unknown kind 'formula'"),
]


@pytest.mark.parametrize("eid,field,value,words", CRAFTED, ids=[f"{c[1]}-{n}" for n, c in enumerate(CRAFTED)])
def test_crafted_entries_are_refused_with_one_line(tmp_path, capsys, eid, field, value, words):
    key = copy.deepcopy(_key())
    entry = next(e for e in key["students"]["s001"] if e["id"] == eid)
    if field == "mistake":
        entry["mistakes"] = [{"feedback": "planted", "answer_srepr": value}]
    else:
        entry[field] = value
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(key))  # inf is written as Infinity, which Python's json reads back
    code, out, err = _check(path, eid, RIGHT[eid], capsys)
    assert code == 2 and not out, (code, out, err)
    assert err.startswith(f"error: answers file: student 's001' exercise {eid!r}: ") and words in err, err
    assert len(err.splitlines()) == 1


def test_a_precision_of_1e999_in_the_file_text_is_refused(tmp_path, capsys):
    text = json.dumps(_key()).replace('"precision": 0.001', '"precision": 1e999', 1)
    path = tmp_path / "answers.json"
    path.write_text(text)
    code, out, err = _check(path, "E02", "12345", capsys)
    assert code == 2 and "precision must be a finite number" in err and "inf" in err


def test_structure_of_the_whole_file_is_checked(tmp_path, capsys):
    key = _key()
    key["students"]["s002"] = [{"id": "E01"}]
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(key))
    code, out, err = _check(path, "E01", "2z + 1", capsys)
    assert code == 2 and "student 's002' needs exercises with keys" in err
    key = _key()
    key["students"]["s001"].append(dict(key["students"]["s001"][0]))
    path.write_text(json.dumps(key))
    code, out, err = _check(path, "E01", "2z + 1", capsys)
    assert code == 2 and "repeated exercise ids" in err


def test_check_answer_validates_its_record():
    entry = dict(_key()["students"]["s001"][1], precision=float("nan"))
    with pytest.raises(ValueError, match="precision must be a finite number"):
        check_answer(entry, "1.75")


def test_the_time_limit_counts_cpu_time_not_waiting():
    """Waiting (a busy machine, a sleep) does not use up the check's limit; computing does."""
    with time_limit(0.2):
        time.sleep(0.4)  # no CPU time spent: no timeout
    with pytest.raises(CheckTimeout):
        with time_limit(0.2):
            while True:
                pass


@pytest.mark.parametrize("eid,answer", [("E01", "(1/0)^0"), ("E01", "log(0)^0"), ("E01", "relu(1/0)*z"),
                                        ("E02", "e^{relu(1/0)}"), ("E05", "exp(relu(log(-1)))")])
def test_answers_sympy_cannot_compare_get_a_verdict_not_exit_2(tmp_path, capsys, eid, answer):
    """Found by a review: SymPy raised TypeError on these answers and the whole command exited 2."""
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(_key()))
    code, out, err = _check(path, eid, answer, capsys)
    assert code == 1 and not err and out.startswith(f"{eid}: incorrect"), (code, out, err)
    submission = tmp_path / "sub.json"
    submission.write_text(json.dumps({eid: answer, "E04": "10"}))
    code = main(["check", "--answers", str(path), "--student", "s001", "--submission", str(submission),
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1 and not err and json.loads(out)["results"]["E04"]["correct"]

