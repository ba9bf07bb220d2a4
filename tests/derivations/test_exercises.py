"""Exercise sheets and the answer checker: every kind's answer is accepted (as printed, and
rewritten), every typical mistake is rejected with its feedback, hostile answers are
answered quickly with one line, and the files are reproducible."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derivations.cli import main
from derivations.exercises import load_kinds
from derivations.exercises.base import answer_latex
from derivations.exercises.build import _check_records, build_exercises, exercise_record, exercises_for
from derivations.exercises.checker import check_answer, check_submission
from derivations.lecture import TOPICS
from symbolic.core.derivation import _unfold
from tests.sampled import sampled

#: These tests are about what the checker answers, not how fast: on a loaded machine a SymPy
#: comparison can outrun the 1.5 s limit a student's check runs under (that limit has its
#: own tests below and its benchmark in benchmarks/).
FEEDBACK_LIMIT = 30.0


def _check(record, text):
    return check_answer(record, text, limit=FEEDBACK_LIMIT)

KINDS = load_kinds()


@pytest.fixture(scope="module")
def exercises():
    """Two students' exercises (different numbers), with their answers.json records."""
    out = {}
    for student in ("s001", "s002"):
        out[student] = [(eid, ex, exercise_record(eid, ex)) for eid, ex in exercises_for(student, 5)]
    return out


def _plain(answer, kind: str) -> list[str]:
    """Rewritings of a correct answer a student might type (plain text, other forms)."""
    if kind == "vector":
        return ["[" + ", ".join(sp.sstr(a) for a in answer) + "]",
                ", ".join(f"{float(a):.6f}" for a in answer)]
    if kind in ("number", "integer"):
        value = sp.sympify(answer)
        forms = [sp.sstr(value)] if value.is_Rational else []
        if kind == "number":
            forms.append(f"{float(value):.5f}")
        return forms
    return [sp.sstr(answer), sp.sstr(sp.expand(_unfold(answer)))]


def test_at_least_twelve_kinds_cover_every_topic():
    assert len(KINDS) >= 12
    assert {topic for topic, _ in KINDS.values()} == set(TOPICS) - {"exercises_example"}


def test_every_solution_check_passes(exercises):
    for student, items in exercises.items():
        for eid, ex, _ in items:
            records, _ = _check_records(student, eid, ex)
            assert records, ex.slug
            assert all(r["passed"] for r in records), [r["name"] for r in records if not r["passed"]]


def test_students_get_different_numbers(exercises):
    first = [r["answer_srepr"] for _, _, r in exercises["s001"]]
    second = [r["answer_srepr"] for _, _, r in exercises["s002"]]
    assert sum(a != b for a, b in zip(first, second)) >= len(first) // 2


@pytest.mark.parametrize("slug", sorted(KINDS))
def test_kind_accepts_answer_and_rewritings_and_names_mistakes(exercises, slug):
    for student, items in exercises.items():
        (eid, ex, record), = [item for item in items if item[1].slug == slug]
        printed = _check(record, record["answer"])
        assert printed.correct, (slug, record["answer"], printed)
        for text in _plain(ex.answer, ex.kind):
            result = _check(record, text)
            assert result.correct, (slug, text, result)
        for feedback, wrong in ex.mistakes:
            text = sp.sstr(wrong) if ex.kind == "expression" else answer_latex(wrong, ex.kind)
            result = _check(record, text)
            assert not result.correct and result.feedback == feedback, (slug, text, result)
        negative = tuple(-v for v in ex.answer) if isinstance(ex.answer, tuple) else -ex.answer
        text = sp.sstr(negative) if ex.kind == "expression" else answer_latex(negative, ex.kind)
        result = _check(record, text)
        assert not result.correct and "sign error" in result.feedback, (slug, text, result)
        doubled = tuple(2 * v for v in ex.answer) if isinstance(ex.answer, tuple) else 2 * ex.answer
        text = sp.sstr(doubled) if ex.kind == "expression" else answer_latex(doubled, ex.kind)
        result = _check(record, text)
        assert not result.correct and "twice" in result.feedback, (slug, text, result)


def test_number_precision_is_the_stated_one(exercises):
    (eid, ex, record), = [i for i in exercises["s001"] if i[1].slug == "shallow-output"]
    value = float(ex.answer)
    assert _check(record, f"{value + 0.0009:.6f}").correct
    result = _check(record, f"{value + 0.0021:.6f}")
    assert not result.correct and "0.001" in result.feedback


def test_integer_off_by_one_and_vector_order(exercises):
    (eid, ex, record), = [i for i in exercises["s001"] if i[1].slug == "max-regions"]
    assert "off by one" in _check(record, str(int(ex.answer) + 1)).feedback
    (eid, ex, record), = [i for i in exercises["s001"] if i[1].slug == "joints"]
    assert _check(record, ", ".join(sp.sstr(v) for v in reversed(ex.answer))).feedback == \
        "the right numbers in the wrong order"


def test_expression_equivalence_by_points_respects_support():
    from derivations.exercises.kinds_losses import nll_derivation

    _, (y, answer, _, _, domain), _ = nll_derivation("bernoulli", None)
    record = {"id": "E1", "kind": "expression", "answer_srepr": sp.srepr(answer), "variables": ["f", "y"],
              "precision": None, "domain": domain}
    # log(y sig(f) + (1 - y)(1 - sig(f))) equals the NLL only for y in {0, 1}
    result = _check(record, r"-\log\left(y\,\mathrm{sig}(f) + (1 - y)(1 - \mathrm{sig}(f))\right)")
    assert result.correct, result
    record.pop("domain")
    assert not _check(record, r"-\log\left(y\,\mathrm{sig}(f) + (1 - y)(1 - \mathrm{sig}(f))\right)").correct


def test_time_limit_answers_instead_of_hanging(exercises):
    (eid, ex, record), = [i for i in exercises["s001"] if i[1].slug == "activation-derivative"]
    heavy = " + ".join(f"exp(exp(exp({k}*z)))*sin(z)^99" for k in range(1, 60))  # refuted only after much work
    result = check_answer(record, heavy, limit=0.01)
    assert not result.correct and result.method == "time limit"


def test_submission_scores_and_missing_answers(exercises):
    items = exercises["s001"]
    records = [r for _, _, r in items]
    submission = {r["id"]: r["answer"] for r in records[:-1]}
    report = check_submission(records, submission)
    assert report["total"] == len(records) and report["score"] == len(records) - 1
    assert report["results"][records[-1]["id"]]["feedback"] == "no answer"


HOSTILE = [
    "10^{10^{10^{10}}}",
    "{" * 10_000 + "x" + "}" * 10_000,
    r"\input{/etc/passwd}",
    r"\def\x{1}\x",
    "__import__('os').system('true')",
    "1\x00+2",
    "x" * 100_000,
    "(" * 500 + ")" * 500,
    "9" * 5000,
    r"\frac{1}{0}",
    "exp(exp(exp(exp(100))))",
]


@pytest.fixture(scope="module")
def answers_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("ex")
    result = build_exercises(out, ["s001", "s002"], seed=3, topics=["shallow", "activations"], pdf=False)
    assert result.passed
    return out


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_answers_get_one_line(answers_dir, capsys, text):
    """Bounded work, not timed here: the checker's CPU-time limit and the grammar's limits
    stop each one (benchmarks/exercises_benchmark.py measures how fast)."""
    code = main(["check", "--answers", str(answers_dir / "answers.json"), "--student", "s001", "--exercise", "E01",
                 "--answer", text])
    out, err = capsys.readouterr()
    assert code in (1, 2)
    assert len((out + err).strip().splitlines()) == 1


def test_long_submission_is_answered_and_an_oversized_one_refused(answers_dir, tmp_path, capsys):
    """A submission up to grade's limit (64 KiB) is read, its too long answer a verdict; a
    larger one is refused before it is read, as grade refuses it (status oversized)."""
    sub = tmp_path / "sub.json"
    sub.write_text(json.dumps({"E01": "1+" * 30_000 + "1"}))
    assert main(["check", "--answers", str(answers_dir / "answers.json"), "--student", "s001",
                 "--submission", str(sub), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert "too long" in report["results"]["E01"]["feedback"] and report["score"] == 0
    sub.write_text(json.dumps({"E01": "1" * 3_000_000}))  # larger than a submission may be
    assert main(["check", "--answers", str(answers_dir / "answers.json"), "--student", "s001",
                 "--submission", str(sub)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.splitlines()) == 1


def test_answers_json_is_reproducible_and_tex_tags_checks(answers_dir, tmp_path):
    again = tmp_path / "again"
    build_exercises(again, ["s001", "s002"], seed=3, topics=["shallow", "activations"], pdf=False)
    assert (again / "answers.json").read_bytes() == (answers_dir / "answers.json").read_bytes()
    data = json.loads((answers_dir / "answers.json").read_text())
    assert data["seed"] == 3 and set(data["students"]) == {"s001", "s002"}
    keys = {"id", "topic", "kind", "question", "answer", "answer_srepr", "variables", "precision"}
    assert all(keys <= set(e) for e in data["students"]["s001"])
    records = json.loads((answers_dir / "verification.json").read_text())
    ids = {r["id"] for r in records}
    assert len(ids) == len(records)
    from derivations.checks.records import check_tags

    for student in ("s001", "s002"):  # every display tagged, every tag names passing records
        assert check_tags((answers_dir / "solutions" / f"{student}.tex").read_text(), records) == []
    lines = (answers_dir / "solutions" / "s001.tex").read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(r"\begin{align"):
            assert lines[i - 1].startswith(("% check: ", "% definition: "))
            assert set(lines[i - 1].split(": ", 1)[1].split(", ")) <= ids


def test_cli_exit_codes(answers_dir, capsys):
    answers = str(answers_dir / "answers.json")
    data = json.loads((answers_dir / "answers.json").read_text())
    right = data["students"]["s001"][0]["answer"]
    assert main(["check", "--answers", answers, "--student", "s001", "--exercise", "E01", "--answer", right]) == 0
    assert main(["check", "--answers", answers, "--student", "s001", "--exercise", "E01", "--answer", "0.5"]) == 1
    capsys.readouterr()
    assert main(["check", "--answers", answers, "--student", "nobody", "--exercise", "E01", "--answer", "1"]) == 2
    assert main(["check", "--answers", answers, "--student", "s001", "--exercise", "E99", "--answer", "1"]) == 2
    assert main(["check", "--answers", answers, "--student", "s001", "--exercise", "E01"]) == 2
    assert main(["exercises", "--out", str(answers_dir / "x"), "--students", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("error:") for line in err)
    assert main(["check", "--answers", answers, "--student", "s001", "--exercise", "E01", "--answer", right,
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"correct": True, "feedback": "correct",
                                                   "method": "within the stated precision 0.001 (absolute)"}


def test_a_broken_solution_step_or_twin_goes_red():
    import random

    from derivations.exercises.base import KINDS as registry

    ex = registry["shallow-output"][1](random.Random("broken"))
    derivation = next(b for b in ex.solution if not isinstance(b, str))
    derivation.steps[-1].rhs += sp.Rational(1, 1000)  # a wrong output value
    derivation.check()
    ex.twin = [(what, value + 1e-6, exact) for what, value, exact in ex.twin]
    records, _ = _check_records("s", "E01", ex)
    failed = [r for r in records if not r["passed"]]
    # the key no longer is the (changed) checked step either, and the printed step (typed as the
    # sum it evaluates) no longer reads back as the changed value
    assert {r["kind"] for r in failed} == {"derivation-step", "readback", "answer-key", "symbolic-vs-torch"}


def test_hostile_answers_in_a_fresh_process(answers_dir, tmp_path):
    """Process start included: one line, exit 1, nothing run (the file would appear)."""
    import subprocess
    import sys

    marker = tmp_path / "ran"
    sub = tmp_path / "sub.json"
    sub.write_text(json.dumps({"E01": "1 + \u2603", "E02": f"__import__('os').system('touch {marker}')",
                               "E03": r"\input{/etc/passwd}"}))
    for extra in (["--exercise", "E01", "--answer", "10^{10^{10^{10}}}"], ["--submission", str(sub)]):
        proc = subprocess.run([sys.executable, "-m", "derivations", "check", "--answers",
                               str(answers_dir / "answers.json"), "--student", "s001", *extra],
                              capture_output=True, text=True, timeout=30)
        assert proc.returncode == 1 and not proc.stderr, proc.stderr
    assert not marker.exists()
    assert "unexpected character" in proc.stdout and "unknown LaTeX command \\input" in proc.stdout
    # a control character in a submission is a problem of the file (as grade reports it): refused in one line
    sub.write_text(json.dumps({"E01": "1\u0000+1", "E02": f"__import__('os').system('touch {marker}')"}))
    proc = subprocess.run([sys.executable, "-m", "derivations", "check", "--answers", str(answers_dir / "answers.json"),
                           "--student", "s001", "--submission", str(sub)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1, proc.stderr
    assert "E01: the answer holds a control character" in proc.stderr and not marker.exists()


def test_roster_and_topics(tmp_path, capsys):
    roster = tmp_path / "class.csv"
    roster.write_text("\ufeffname,id\nAda,ada-1\nAlan,turing\n")
    out = tmp_path / "ex"
    assert main(["exercises", "--out", str(out), "--roster", str(roster), "--topics", "counts_regions,depth",
                 "--no-pdf"]) == 0
    data = json.loads((out / "answers.json").read_text())
    assert list(data["students"]) == ["ada-1", "turing"]
    assert {e["topic"] for e in data["students"]["turing"]} == {"counts_regions", "depth"}
    assert (out / "sheets" / "ada-1.tex").exists() and (out / "solutions" / "turing.tex").exists()
    capsys.readouterr()
    for text in ("name\nAda\n", "id\nAda\nAda\n", "id\n../evil\n"):
        roster.write_text(text)
        assert main(["exercises", "--out", str(out), "--roster", str(roster), "--no-pdf"]) == 2
    assert main(["exercises", "--out", str(out), "--students", "2", "--topics", "exercises_example"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("error:") for line in err)


def test_tampered_answers_file_is_not_evaluated(answers_dir, tmp_path, capsys):
    data = json.loads((answers_dir / "answers.json").read_text())
    data["students"]["s001"][0]["answer_srepr"] = "__import__('os').getcwd()"
    bad = tmp_path / "answers.json"
    bad.write_text(json.dumps(data))
    assert main(["check", "--answers", str(bad), "--student", "s001", "--exercise", "E01", "--answer", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: answers file: student 's001' exercise 'E01': answer_srepr: only SymPy constructors")
    assert len(err.splitlines()) == 1


@pytest.mark.slow
@pytest.mark.parametrize("student", sampled([f"sweep{k}" for k in range(12)], ["sweep0", "sweep1", "sweep2"]))
def test_many_students_every_answer_accepted_every_mistake_named(student):
    """A wider sweep: 12 students (3 in the default run, all with --full and in CI), every kind:
    the printed answer is accepted and each typical mistake gets its own feedback."""
    for eid, ex in exercises_for(student, 17):
        record = exercise_record(eid, ex)
        assert _check(record, record["answer"]).correct, (ex.slug, record["answer"])
        for feedback, wrong in ex.mistakes:
            text = sp.sstr(wrong) if ex.kind == "expression" else answer_latex(wrong, ex.kind)
            assert _check(record, text).feedback == feedback, (ex.slug, text)
