"""``check`` and the private self-check file name the same mistake for the same answer, also
where a mistake is complex on part of the domain (the NLL with the link missing takes the
logarithm of a negative ``f``): both use one test (:mod:`derivations.exercises.diagnosis`),
equal values at the exercise's diagnosis points. The old self-check hashed values at four
fixed points and dropped a candidate that was complex at one of them, so it called the
link-missing answer 'not finite' while ``check`` named the mistake."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derivations.exercises.checker import check_answer
from derivations.exercises.key import parse_entry
from derivations.exercises.self_check import check_self, self_check_document
from symbolic.activations.functions import ReLU, Softplus, sig
from symbolic.core.printing import latex

f, z = sp.Symbol("f", real=True), sp.Symbol("z", real=True)
y01 = sp.Symbol("y", real=True)
ypos = sp.Symbol("y", positive=True)
LINK_MISSING = "the link is missing"


def _record(eid, kind, answer, variables, mistakes, precision=None, domain=None) -> dict:
    record = {"id": eid, "topic": "t", "kind": kind, "answer_srepr": sp.srepr(answer), "variables": variables,
              "precision": precision, "mistakes": [{"feedback": m, "answer_srepr": sp.srepr(v)} for m, v in mistakes]}
    if domain:
        record["domain"] = domain
    return record


#: One exercise per kind, the expressions with mistakes complex or kinked on part of the domain.
RECORDS = [
    _record("E01", "expression", Softplus(f) - f * y01, ["f", "y"],  # Bernoulli NLL, link sig
            [(LINK_MISSING + ": $\\lambda = \\mathrm{sig}[f]$", -y01 * sp.log(f) - (1 - y01) * sp.log(1 - f)),
             ("you swapped $y$ and $1 - y$", Softplus(f) - f * (1 - y01))], domain={"y": [0, 1]}),
    _record("E02", "expression", ypos * sp.exp(f) - f, ["f", "y"],  # exponential NLL, link exp
            [(LINK_MISSING + ": $\\lambda = e^{f}$", f * ypos - sp.log(f))]),
    _record("E03", "expression", -2 * (1 - sig(-2 * z)) * sig(-2 * z), ["z"],
            [("you dropped the inner derivative $c$", (1 - sig(-2 * z)) * sig(-2 * z))]),
    _record("E04", "expression", ReLU(z + sp.Rational(1, 2)), ["z"],
            [("you forgot the ReLU", z + sp.Rational(1, 2)), ("a square root", sp.sqrt(z))]),
    _record("E05", "number", sp.Rational(-51, 4), [], [("you dropped the output bias", sp.Rational(-59, 4))], 0.001),
    _record("E06", "vector", sp.Tuple(sp.Rational(45, 8), sp.Rational(-59, 8)), [],
            [("you swapped the two outputs", sp.Tuple(sp.Rational(-59, 8), sp.Rational(45, 8)))], 0.001),
    _record("E07", "integer", sp.Integer(10), [], [("weights only", sp.Integer(7))]),
]


def _answers(record: dict) -> list[str]:
    """What students write: the key and every mistake (as printed, and rewritten with exp),
    and wrong answers that are no mistake."""
    entry = parse_entry(record)
    values = [entry.reference] + [m for _, m in entry.mistakes]
    if entry.kind == "expression":
        return ([latex(v) for v in values] + [sp.sstr(entry.reference.rewrite(sp.exp))]
                + [latex(entry.reference + 1), latex(-entry.reference), latex(entry.reference * 2),
                   sp.sstr(sp.Abs(entry.reference)), "1/(" + sp.sstr(entry.reference) + ")"])
    items = list(entry.reference) if entry.kind == "vector" else [entry.reference]
    wrong = [[v + 1 for v in items], [-v for v in items], [2 * v for v in items]]
    return [", ".join(sp.sstr(v) for v in vals) for vals in [items, *wrong]] + [
        ", ".join(sp.sstr(v) for v in (list(m) if entry.kind == "vector" else [m])) for _, m in entry.mistakes]


def _verdict(result) -> tuple[bool, str]:
    """A verdict without the details only ``check`` can give (the point where it differs)."""
    if result.correct:
        return True, "correct"
    for plain in ("not equivalent to the correct answer", "your answer is not finite", "not within",
                  "not the correct"):
        if result.feedback.startswith(plain):
            return False, "not a typical mistake"
    return False, result.feedback


@pytest.fixture(scope="module")
def document() -> dict:
    return self_check_document("s001", RECORDS, iterations=1)


@pytest.mark.parametrize("record", RECORDS, ids=[f"{r['id']}-{r['kind']}" for r in RECORDS])
def test_check_and_self_check_give_the_same_verdicts(document, record):
    named = set()
    for text in _answers(record):
        by_check = _verdict(check_answer(record, text, limit=60))
        by_self = _verdict(check_self(document, record["id"], text, limit=60))
        assert by_check == by_self, (text, by_check, by_self)
        named.add(by_check[1])
    assert {m["feedback"] for m in record["mistakes"]} <= named  # every mistake was named by both


def test_a_link_missing_mistake_is_complex_at_some_diagnosis_points():
    """The case the old self-check could not hash: the mistake's values are complex there."""
    from derivations.exercises.checker import expression_diagnosis_points
    from derivations.exercises.diagnosis import canonical_value

    for record in RECORDS[:2]:
        entry = parse_entry(record)
        points = expression_diagnosis_points(entry)
        wrong = dict(entry.mistakes)[record["mistakes"][0]["feedback"]]
        assert any(canonical_value(wrong, p).endswith("i") for p in points)
        assert check_self(self_check_document("s001", [record], iterations=1), record["id"],
                          latex(wrong)).feedback.startswith(LINK_MISSING)


def test_the_self_check_file_holds_the_checkers_diagnosis_points():
    from derivations.exercises.checker import expression_diagnosis_points

    doc = self_check_document("s001", RECORDS, iterations=1)
    for record, stored in zip(RECORDS, doc["exercises"]):
        entry = parse_entry(record)
        if entry.kind != "expression":
            continue
        points = expression_diagnosis_points(entry)
        assert stored["points"] == [{s.name: str(v) for s, v in p.items()} for p in points]
        assert len(points) >= 12  # both signs, several magnitudes, both sides of every switch


def test_equivalent_forms_that_cancel_get_the_same_canonical_form():
    """``(1 - sig(f)) e^f`` and ``sig(-f) e^f`` at ``f = 90``: 50 fixed digits lose the first
    form (1 - sig(90) is 8e-40); SymPy's precision tracking keeps it."""
    from derivations.exercises.diagnosis import canonical_form

    points = [{f: sp.Integer(90)}, {f: sp.Rational(-7, 3)}]
    assert canonical_form((1 - sig(f)) * sp.exp(f), points) == canonical_form(sig(-f) * sp.exp(f), points)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[dict, dict]:
    from derivations.exercises.build import build_exercises

    out = tmp_path_factory.mktemp("agree")
    build_exercises(out, ["s003", "s004"], seed=0, topics=["activations", "losses"], pdf=False)
    answers = json.loads((out / "answers.json").read_text())
    return answers, {s: self_check_document(s, recs, iterations=1) for s, recs in answers["students"].items()}


def test_a_generated_class_gets_the_same_mistakes_named(built):
    """Every expression exercise of a small generated class (activation derivatives, NLLs of
    several losses): the key and each typical mistake, as the solutions print them."""
    answers, documents = built
    compared = 0
    for student, records in answers["students"].items():
        for record in records:
            if record["kind"] != "expression":
                continue
            entry = parse_entry(record, student)
            for value in [entry.reference] + [m for _, m in entry.mistakes]:
                text = latex(value)
                by_check = _verdict(check_answer(record, text, limit=60))
                by_self = _verdict(check_self(documents[student], record["id"], text, limit=60))
                assert by_check == by_self, (student, record["id"], text, by_check, by_self)
                compared += 1
    assert compared >= 8
