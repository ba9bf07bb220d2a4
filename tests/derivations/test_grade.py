"""``deepderive grade``: a small class with known right, wrong, malformed and missing answers is
graded; the CSV cells and totals are exact, the feedback names the mistakes, a run resumes
where a killed one stopped (nothing graded twice), two runs write byte-identical files, and
bad files are reported per student, never a crash."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import sympy as sp

import derivations.exercises.grading as grading
from derivations.cli import main
from derivations.exercises.readable import readable
from derivations.exercises.srepr_reader import read_srepr

#: One exercise of each answer kind: shallow (number), activations (expression, number),
#: hidden_units (vector, number), counts_regions (two integers).
TOPICS = "shallow,activations,hidden_units,counts_regions"
STUDENTS = [f"s00{k}" for k in range(1, 7)]


def one_error(capsys, code: int) -> str:
    out = capsys.readouterr()
    assert code == 2, out
    assert out.err.count("\n") == 1 and out.err.startswith("error: ") and "Traceback" not in out.err, out.err
    return out.err.strip()


def _text(value) -> str:
    """An answer as a student might type it in plain text."""
    if isinstance(value, sp.Tuple):
        return "(" + ", ".join(sp.sstr(v) for v in value) + ")"
    return sp.sstr(value)


@pytest.fixture(scope="module")
def ex(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("class") / "ex"
    assert main(["exercises", "--out", str(out), "--students", "6", "--topics", TOPICS, "--no-pdf"]) == 0
    return out


@pytest.fixture(scope="module")
def key(ex) -> dict:
    return json.loads((ex / "answers.json").read_text())


def _by_kind(records: list[dict], kind: str) -> dict:
    return next(r for r in records if r["kind"] == kind)


@pytest.fixture(scope="module")
def plan(key) -> dict:
    """Per student: the submission's file name, its bytes and the expected cell per exercise."""
    ids = [r["id"] for r in key["students"]["s001"]]
    s1 = key["students"]["s001"]
    text = "# s001, all right\n\n" + "".join(f"{r['id']}: {r['answer']}   # as printed\n" for r in s1)
    s2 = key["students"]["s002"]
    number, expression = _by_kind(s2, "number"), _by_kind(s2, "expression")
    vector, integer = _by_kind(s2, "vector"), _by_kind(s2, "integer")
    malformed = next(r for r in s2 if r["kind"] == "number" and r is not number)
    s2_answers = {number["id"]: _text(read_srepr(number["mistakes"][0]["answer_srepr"])),
                  expression["id"]: _text(read_srepr(expression["mistakes"][0]["answer_srepr"])),
                  malformed["id"]: "x+*",
                  vector["id"]: _text(read_srepr(vector["answer_srepr"])),
                  integer["id"]: str(int(read_srepr(integer["answer_srepr"])) + 1)}
    s2_cells = {eid: "0" for eid in ids} | {vector["id"]: "1"}
    s3 = key["students"]["s003"]
    s3_text = (f"{s3[0]['id'].lower().replace('0', '')}: {s3[0]['answer']}\n"  # 'e1' names E01
               f"{s3[1]['id']} {s3[1]['answer']}\n"  # no colon: a problem, not graded
               f"E99: 1\n"
               f"{s3[2]['id']}:\n")  # left empty, as in the template
    return {
        "s001": ("s001.txt", text.encode(), {eid: "1" for eid in ids}),
        "s002": ("s002.json", json.dumps(s2_answers).encode(), s2_cells),
        "s003": ("s003.txt", s3_text.encode(), {eid: "0" for eid in ids} | {ids[0]: "1"}),
        "s005": ("s005.txt", b"E01: 1\n" + b"#" * 70_000, {eid: "0" for eid in ids}),
        "s006": ("s006.txt", "E01: 1/2 \u00e9".encode("latin-1"), {eid: "0" for eid in ids}),
        "_expected": {"s002": {"mistakes": {number["id"]: number["mistakes"][0]["feedback"],
                                            expression["id"]: expression["mistakes"][0]["feedback"]},
                               "malformed": malformed["id"], "integer": integer["id"]}},
    }


@pytest.fixture()
def submissions(tmp_path, plan) -> Path:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for student, item in plan.items():
        if not student.startswith("_"):
            name, data, _ = item
            (folder / name).write_bytes(data)
    (folder / "s999.txt").write_text("E01: 1\n")
    (folder / "S001.txt").write_text("E01: 1\n")
    (folder / "README.md").write_text("hand in ID.txt\n")
    (folder / ".hidden").write_text("skipped\n")
    return folder


def _grade(ex: Path, submissions: Path, out: Path, *extra: str) -> int:
    return main(["grade", "--answers", str(ex / "answers.json"), "--submissions", str(submissions), "--out", str(out),
                 "--jobs", "1", *extra])


def _csv_rows(out: Path) -> dict[str, list[str]]:
    import csv

    rows = list(csv.reader((out / "grades.csv").read_text().splitlines()))
    return {r[0]: r for r in rows}


def test_grades_csv_cells_totals_and_statuses(ex, key, plan, submissions, tmp_path, capsys):
    out = tmp_path / "grades"
    assert _grade(ex, submissions, out) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # not a terminal: no progress bar, nothing on stderr
    assert "3 submissions graded (3 now, 0 from an earlier run)" in captured.out
    ids = [r["id"] for r in key["students"]["s001"]]
    rows = _csv_rows(out)
    assert rows["student"] == ["student", *ids, "score", "total", "status", "late", "notes"]
    n = len(ids)
    assert ",".join(rows["s001"]) == ",".join(["s001", *["1"] * n, str(n), str(n), "ok", "", ""])
    cells = plan["s002"][2]
    assert rows["s002"][1:n + 1] == [cells[eid] for eid in ids]
    assert rows["s002"][n + 1:n + 4] == ["1", str(n), "ok"]
    assert rows["s003"][1:n + 4] == ["1", *["0"] * (n - 1), "1", str(n), "malformed"]
    assert "line 2: expected 'EID: answer'" in rows["s003"][-1] and "E99 is not one of your exercises" in rows["s003"][-1]
    assert rows["s004"][1:] == [*["0"] * n, "0", str(n), "missing", "", "no submission (s004.txt or s004.json)"]
    assert rows["s005"][n + 3] == "oversized" and "more than the limit of 65,536" in rows["s005"][-1]
    assert rows["s006"][n + 3] == "unreadable" and "not UTF-8" in rows["s006"][-1]
    assert list(rows) == ["student", *STUDENTS]
    book = (out / "gradebook.csv").read_text().splitlines()
    assert book[0] == ",".join(["ID number", *ids, "Total"])
    assert book[2] == ",".join(["s002", *[cells[eid] for eid in ids], "1"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == {"ok": 2, "malformed": 1, "unreadable": 1, "oversized": 1, "missing": 1}
    assert summary["graded"] == 3 and summary["exercises"][ids[0]]["correct"] == 2
    assert summary["unknown_files"] == ["S001.txt (did you mean 's001'?)", "s999.txt"]
    assert summary["ignored_files"] == ["README.md: not a submission (name it ID.txt or ID.json)"]
    assert "| exercise | topic | correct |" in (out / "summary.md").read_text()


def test_feedback_names_the_mistake_in_plain_words(ex, plan, submissions, tmp_path, capsys):
    out = tmp_path / "grades"
    assert _grade(ex, submissions, out) == 0
    expected = plan["_expected"]["s002"]
    feedback = (out / "feedback" / "s002.txt").read_text()
    for eid, mistake in expected["mistakes"].items():
        assert f"{eid}: incorrect: {readable(mistake)}" in feedback
        assert "$" not in readable(mistake) and "\\" not in readable(mistake)
    assert f"{expected['malformed']}: incorrect: could not read the answer" in feedback
    assert f"{expected['integer']}: incorrect: off by one: your answer is one more than the correct one" in feedback
    assert "Score: 1 of 7" in feedback and "your answer: x+*" in feedback
    s003 = (out / "feedback" / "s003.txt").read_text()
    assert "line 2: expected 'EID: answer'" in s003 and "line 3: E99 is not one of your exercises (E01-E07)" in s003
    summary = json.loads((out / "summary.json").read_text())
    number = next(iter(expected["mistakes"]))
    assert {"mistake": readable(expected["mistakes"][number]), "count": 1} in summary["exercises"][number]["mistakes"]
    assert "nothing was graded" in (out / "feedback" / "s004.txt").read_text()


def test_a_killed_run_resumes_and_grades_nobody_twice(ex, submissions, tmp_path, capsys, monkeypatch):
    calls: list[str] = []
    real = grading.grade_student

    def counting(student, *args, **kwargs):
        calls.append(student)
        return real(student, *args, **kwargs)

    monkeypatch.setattr(grading, "grade_student", counting)
    out = tmp_path / "grades"
    assert _grade(ex, submissions, out) == 0
    first = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file() and "results" not in p.parts}
    assert sorted(calls) == ["s001", "s002", "s003"]
    # A kill: one result never written, one cut in half by a crash of the disk, a temporary file left behind.
    (out / "results" / "s001.json").unlink()
    data = (out / "results" / "s002.json").read_bytes()
    (out / "results" / "s002.json").write_bytes(data[: len(data) // 2])
    (out / "results" / ".deepderive-tmp-abc.json").write_text("{")
    calls.clear()
    assert _grade(ex, submissions, out) == 0
    assert sorted(calls) == ["s001", "s002"]
    assert "2 now, 1 from an earlier run" in capsys.readouterr().out
    assert not list((out / "results").glob(".deepderive-tmp-*"))
    again = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file() and "results" not in p.parts}
    assert again == first
    calls.clear()
    assert _grade(ex, submissions, out) == 0
    assert calls == [] and "0 now, 3 from an earlier run" in capsys.readouterr().out
    # A changed submission is graded again; the others are not.
    (submissions / "s003.txt").write_text("E01: 0\n")
    assert _grade(ex, submissions, out) == 0
    assert calls == ["s003"] and _csv_rows(out)["s003"][1] == "0"


def test_two_runs_are_byte_identical_whatever_the_workers(ex, submissions, tmp_path, capsys):
    first, second = tmp_path / "one", tmp_path / "two"
    assert _grade(ex, submissions, first) == 0
    assert main(["grade", "--answers", str(ex / "answers.json"), "--submissions", str(submissions), "--out",
                 str(second), "--jobs", "2"]) == 0
    capsys.readouterr()

    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    assert files(first) == files(second)
    assert len(files(first)) == 4 + len(STUDENTS) + 3  # 4 reports, the feedback, 3 results (the graded)


def test_late_files_by_deadline(ex, submissions, tmp_path, capsys):
    os.utime(submissions / "s002.json", (2_000_000_000, 2_000_000_000))  # 2033
    os.utime(submissions / "s001.txt", (1_700_000_000, 1_700_000_000))  # 2023
    out = tmp_path / "grades"
    assert _grade(ex, submissions, out, "--deadline", "2030-01-01T00:00+00:00") == 0
    rows = _csv_rows(out)
    late = rows["student"].index("late")
    assert (rows["s001"][late], rows["s002"][late], rows["s004"][late]) == ("no", "yes", "")
    assert "1 late" in capsys.readouterr().out
    assert "(after the deadline)" in (out / "feedback" / "s002.txt").read_text()


def test_links_and_fifos_among_submissions_are_reported_not_followed(ex, submissions, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("E01: the lecturer's notes\n")
    (submissions / "s004.txt").symlink_to(secret)
    (submissions / "s005.txt").unlink()
    os.mkfifo(submissions / "s005.json")
    out = tmp_path / "grades"
    assert _grade(ex, submissions, out) == 0
    rows = _csv_rows(out)
    status = rows["student"].index("status")
    assert rows["s004"][status] == "unreadable" and "symbolic link" in rows["s004"][-1]
    assert rows["s005"][status] == "unreadable" and "FIFO" in rows["s005"][-1]
    assert "lecturer" not in (out / "feedback" / "s004.txt").read_text()


def test_bad_input_is_one_error_line_and_changes_nothing(ex, submissions, tmp_path, capsys):
    out = tmp_path / "grades"
    assert _grade(ex, submissions, out) == 0
    before = (out / "grades.csv").read_bytes()
    capsys.readouterr()
    line = one_error(capsys, _grade(ex, tmp_path / "nope", tmp_path / "new"))
    assert "submissions folder" in line and "not found" in line and not (tmp_path / "new").exists()
    assert "--deadline" in one_error(capsys, _grade(ex, submissions, out, "--deadline", "2025-06-30"))
    bad = json.loads((ex / "answers.json").read_text())
    bad["students"]["s002"][0]["answer_srepr"] = "__import__('os').getcwd()"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    (submissions / "s002.json").write_text('{"E01": "2"}')  # graded again: the key entry is read
    line = one_error(capsys, main(["grade", "--answers", str(tmp_path / "bad.json"), "--submissions",
                                   str(submissions), "--out", str(out), "--jobs", "1"]))
    assert "student 's002' exercise 'E01': answer_srepr" in line
    assert (out / "grades.csv").read_bytes() == before
    bad["students"]["../x"] = bad["students"].pop("s002")
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert "it names files" in one_error(capsys, main(["grade", "--answers", str(tmp_path / "bad.json"),
                                                       "--submissions", str(submissions), "--out", str(out)]))


def test_grade_with_two_workers_after_a_partial_run(ex, submissions, tmp_path, capsys):
    """The pool path: a results folder from a run that stopped after one student is completed."""
    out = tmp_path / "grades"
    assert _grade(ex, submissions, out) == 0
    full = (out / "grades.csv").read_bytes()
    for name in ("s002.json", "s003.json"):
        (out / "results" / name).unlink()
    assert main(["grade", "--answers", str(ex / "answers.json"), "--submissions", str(submissions), "--out",
                 str(out), "--jobs", "2"]) == 0
    assert "2 now, 1 from an earlier run" in capsys.readouterr().out
    assert (out / "grades.csv").read_bytes() == full


def test_exercises_writes_templates_and_keeps_filled_ones(ex, key, tmp_path, capsys):
    template = (ex / "submissions" / "s001.txt").read_text()
    ids = [r["id"] for r in key["students"]["s001"]]
    assert [line for line in template.splitlines() if not line.startswith("#") and line] == [f"{i}:" for i in ids]
    for record in key["students"]["s001"]:
        assert record["answer"] not in template
    copy = tmp_path / "ex"
    shutil.copytree(ex, copy)
    (copy / "submissions" / "s002.txt").write_text("E01: 3\n")
    assert main(["exercises", "--out", str(copy), "--students", "2", "--topics", "shallow", "--no-pdf"]) == 0
    assert "kept 1 submission file that already holds answers" in capsys.readouterr().err
    assert (copy / "submissions" / "s002.txt").read_text() == "E01: 3\n"
    assert (copy / "submissions" / "s001.txt").read_text().count(":\n") == 1  # rewritten for the new key


def test_an_interrupt_stops_the_workers_and_keeps_what_was_graded(ex, submissions, tmp_path):
    """Ctrl-C lands in the parent while workers run (here: in the progress bar's update): the
    workers are ended, nothing is left running, the students graded before it stay saved."""
    import multiprocessing

    class Interrupting:
        def __init__(self, total: int) -> None:
            self.total = total

        def update(self, n: int) -> None:
            raise KeyboardInterrupt

        def close(self) -> None:
            pass

    def running(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    before = {p.pid for p in multiprocessing.active_children()}
    out = tmp_path / "grades"
    with pytest.raises(KeyboardInterrupt):
        grading.grade_class(ex / "answers.json", submissions, out, jobs=2, progress=Interrupting)
    # The workers are gone (the Process objects' own bookkeeping may lag: ask the system).
    assert [p.pid for p in multiprocessing.active_children() if p.pid not in before and running(p.pid)] == []
    assert len(list((out / "results").glob("s00*.json"))) == 1  # written before the interrupt
    assert not (out / "grades.csv").exists()


def test_a_progress_bar_only_on_a_terminal(ex, submissions, tmp_path):
    """On a terminal stderr shows a progress bar (cleared at the end); piped, stderr stays empty
    (the other tests, whose stderr is not a terminal, check that)."""
    import fcntl
    import pty
    import struct
    import subprocess
    import sys
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty has 0 columns
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "derivations", "grade", "--answers", str(ex / "answers.json"),
                             "--submissions", str(submissions), "--out", str(tmp_path / "grades"), "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=slave, cwd=root,
                            env=dict(os.environ, PYTHONPATH=str(root)))
    os.close(slave)
    shown = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the command ended and closed its side
            break
        if not data:
            break
        shown += data
    os.close(master)
    out = proc.stdout.read().decode()
    assert proc.wait() == 0, out
    text = shown.decode(errors="replace")
    assert "grading:" in text and "0/3" in text and "student" in text  # 3 students to grade
    assert "error" not in text and out.startswith("grade: 6 students")


def test_feedback_never_names_the_constant_that_separates_an_answer_from_the_key():
    import sympy as sp

    from derivations.exercises.checker import _generic_mistakes
    from derivations.exercises.equivalence import compare

    z = sp.Symbol("z", real=True)
    verdict = compare(z**2 + 3, z**2 + sp.log(2), [z], {}, "salt")
    assert not verdict.equal and verdict.where == "they differ by a nonzero constant"
    assert all("log" not in words for words, _ in _generic_mistakes(z**2 + sp.log(2), "expression"))
