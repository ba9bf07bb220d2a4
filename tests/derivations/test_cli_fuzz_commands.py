"""Hostile input for every command that reads an untrusted file or writes a folder:
``exercises``, ``check`` (and ``grade`` should it exist), ``slides``, ``notebooks``,
``notes`` and ``notes --html``, ``--plugin``, and ``train``'s run folder.

Every case goes through the public entry point only (``derivations.cli.main`` in-process,
or ``python -m derivations`` where a fresh process is the point: SIGKILL, two trainings at
once, argv bytes) and asserts the command-line contract of the README:

- exit 0 success, 1 a verdict "incorrect" (``check``) or a failed check, 2 bad input;
- on exit 2 exactly one stderr line starting ``error:`` that names the problem, nothing on
  stdout, no traceback, and nothing run: the output folder is not created, files outside it
  and the files the command was given are unchanged;
- ``check`` prints exactly one line per answer (plus the score for a submission), never
  echoes a control character or a megabyte of input, and a look-alike of a wrong answer is
  never "correct";
- a write that fails (a read-only or full file system) leaves the previous files whole and
  no temporary file behind; a killed or refused ``train`` leaves a run that resumes.

Nothing here times itself: hangs are guarded by subprocess timeouts and, for FIFOs opened
in-process, by a timer that unblocks the FIFO and fails the test.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable

import pytest

from derivations.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
TMP_PREFIX = ".deepderive-tmp-"  # the documented prefix of the temporary files of a write
KEY_TOPICS = "shallow,activations,piecewise_linear,counts_regions,losses"
MB = 1_000_000


# ----- helpers ------------------------------------------------------------------------------

def call(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` in-process: (exit code, stdout, stderr). Any exception fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # only --help exits through argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def refused(result: tuple[int, str, str], *needles: str, max_len: int | None = None) -> str:
    """Exit 2 with exactly one ``error:`` line on stderr naming ``needles``, nothing on stdout."""
    code, out, err = result
    assert code == 2, (code, out[-500:], err[-500:])
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err[:1000]
    assert "Traceback" not in err and out == "", (out[:300], err[:300])
    for needle in needles:
        assert needle in err, (needle, err[:1000])
    if max_len is not None:
        assert len(err) <= max_len, f"the error line is {len(err)} characters long: {err[:200]}..."
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    found = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            found[rel] = b"-> " + os.readlink(p).encode()
        elif p.is_file():
            found[rel] = p.read_bytes()
        elif p.is_dir():
            found[rel] = b"<dir>"
        else:
            found[rel] = b"<special>"
    return found


def temporaries(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.name.startswith(".")]


@contextlib.contextmanager
def fifo_guard(path: Path, seconds: float = 30):
    """A hang guard for a FIFO read in-process: after ``seconds`` a writer opens and closes
    the FIFO (a blocked reader then sees end of file) and the test fails."""
    fired = threading.Event()

    def unblock():
        fired.set()
        for _ in range(50):  # until a reader is there to be released
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:
                threading.Event().wait(0.1)

    timer = threading.Timer(seconds, unblock)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
    assert not fired.is_set(), f"the command blocked on the FIFO {path}"


def mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if not shutil.which("mount"):
        pytest.skip("no mount command: a small tmpfs needs root and mount")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True,
                          timeout=60)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {proc.stderr.strip()[:200]}")


def umount(path: Path) -> None:
    proc = subprocess.run(["umount", str(path)], capture_output=True, timeout=60)
    if proc.returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=60)


@contextlib.contextmanager
def tmpfs(path: Path, options: str = "size=512k"):
    mount_tmpfs(path, options)
    try:
        yield path
    finally:
        umount(path)


def fill(folder: Path, slack: int = 0) -> None:
    """Fill the file system of ``folder`` (a small tmpfs), then free ``slack`` bytes."""
    filler = folder / "filler.bin"
    try:
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError:  # not even an inode left
        return
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    size = filler.stat().st_size
    if slack:
        os.truncate(filler, max(0, size - slack))


# ----- the answer key: generated once, through the CLI ----------------------------------------

class Key:
    """``answers.json`` of one student (``s001``), and the exercises the cases aim at."""

    def __init__(self, path: Path):
        self.path = path
        self.raw = path.read_bytes()
        self.doc = json.loads(self.raw)
        self.exercises = self.doc["students"]["s001"]

        def find(pred, what):
            for e in self.exercises:
                if pred(e):
                    return e
            raise AssertionError(f"the answer key of {KEY_TOPICS} has no {what} exercise")

        self.by_target = {
            "N": find(lambda e: e["kind"] == "number" and re.fullmatch(r"Rational\(-\d+, \d+\)", e["answer_srepr"]),
                      "negative fraction (choose another seed)"),
            "Z": find(lambda e: e["kind"] == "expression" and e["variables"] == ["z"], "expression in z"),
            "FY": find(lambda e: e["kind"] == "expression" and sorted(e["variables"]) == ["f", "y"], "expression in f, y"),
            "V": find(lambda e: e["kind"] == "vector", "vector"),
            "I": find(lambda e: e["kind"] == "integer", "integer"),
        }
        p, q = re.fullmatch(r"Rational\((-\d+), (\d+)\)", self.by_target["N"]["answer_srepr"]).groups()
        self.plain = f"{p}/{q}"  # the number's answer as plain text, e.g. -51/4
        self.integer = re.fullmatch(r"Integer\((\d+)\)", self.by_target["I"]["answer_srepr"]).group(1)

    def eid(self, target: str) -> str:
        return self.by_target[target]["id"]

    def latex(self, target: str) -> str:
        return self.by_target[target]["answer"]


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Key:
    out = tmp_path_factory.mktemp("key") / "ex"
    code, stdout, err = call(["exercises", "--out", str(out), "--students", "1", "--seed", "0", "--no-pdf",
                              "--topics", KEY_TOPICS])
    assert code == 0, err
    return Key(out / "answers.json")


def check_one(answers: Path, eid: str, answer: str, *extra: str) -> tuple[int, str, str]:
    return call(["check", "--answers", str(answers), "--student", "s001", "--exercise", eid, "--answer", answer,
                 *extra])


def verdict(result: tuple[int, str, str], eid: str) -> str:
    """A verdict: exit 0 (correct) or 1 (incorrect), one short line on stdout, stderr empty."""
    code, out, err = result
    assert err == "", err[:1000]
    assert code in (0, 1), (code, out[:500])
    assert out.count("\n") == 1 and out.endswith("\n") and out.startswith(f"{eid}: "), out[:500]
    assert out.startswith(f"{eid}: correct") == (code == 0), out[:500]
    assert len(out) < 1000, f"the verdict line is {len(out)} characters long: {out[:200]}..."
    assert not any(ord(c) < 32 and c != "\n" or 127 <= ord(c) < 160 for c in out), repr(out[:300])
    out.encode("utf-8")  # no lone surrogate: the line can be written to a UTF-8 terminal
    return out


# ----- hostile answers: check --exercise EID --answer TEXT -------------------------------------

FW = str.maketrans("0123456789", "０１２３４５６７８９")  # full-width digits
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
BOLD = str.maketrans("0123456789", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")  # mathematical bold digits (Unicode Nd)


def nested(opening: str, closing: str, depth: int, inner: str) -> str:
    return opening * depth + inner + closing * depth


def mixed_brackets(depth: int, inner: str) -> str:
    pairs = [("(", ")"), ("[", "]"), ("{", "}")]
    opening = "".join(pairs[i % 3][0] for i in range(depth))
    closing = "".join(pairs[i % 3][1] for i in reversed(range(depth)))
    return opening + inner + closing


def first_digit(text: str, table) -> str:
    i = next(i for i, c in enumerate(text) if c.isdigit())
    return text[:i] + text[i].translate(table) + text[i + 1:]


def after_first_digit(text: str, insert: str) -> str:
    i = next(i for i, c in enumerate(text) if c.isdigit())
    return text[:i + 1] + insert + text[i + 1:]


# (id, target exercise, answer or answer(key), expected):
#   "ok" correct (exit 0); "wrong" read and incorrect; "unread" refused by the grammar (exit 1);
#   "not-ok" incorrect, read or not; "any" correct or incorrect (a spelling the checker may read).
# Targets: N a negative fraction, Z an expression in z, FY an expression in f and y, V a vector, I an integer.
A = Callable[[Key], str]
HOSTILE: list[tuple[str, str, str | A, str]] = [
    # deep nesting: 40 levels are read (each bracket counts once), 41 are refused before any recursion
    ("nest-40-parens", "N", lambda k: nested("(", ")", 40, k.plain), "ok"),
    ("nest-41-parens", "N", lambda k: nested("(", ")", 41, k.plain), "unread"),
    ("nest-40-mixed-brackets", "N", lambda k: mixed_brackets(40, k.plain), "ok"),
    ("nest-41-mixed-brackets", "N", lambda k: mixed_brackets(41, k.plain), "unread"),
    ("nest-700-parens", "N", nested("(", ")", 700, "1"), "unread"),
    ("nest-41-frac", "N", nested(r"\frac{1}{", "}", 41, "2"), "unread"),
    ("nest-41-sqrt", "Z", nested(r"\sqrt{", "}", 41, "z"), "unread"),
    ("nest-41-left-right", "Z", nested(r"\left(", r"\right)", 41, "z"), "unread"),
    ("nest-10-relu", "Z", nested(r"\mathrm{ReLU}\left[", r"\right]", 10, "z"), "wrong"),
    ("nest-41-abs", "Z", nested(r"\left|", r"\right|", 41, "z"), "not-ok"),
    ("nest-370-abs", "Z", nested(r"\left|", r"\right|", 370, "z"), "not-ok"),
    ("unary-minus-1400", "N", "-" * 1400 + "1", "unread"),
    ("unary-plus-1499", "N", "+" * 1499 + "1", "unread"),
    ("power-chain-300-z", "Z", "z^" * 300 + "z", "not-ok"),
    ("juxtaposed-700-z", "Z", " ".join(["z"] * 700), "not-ok"),
    # huge powers
    ("power-tower-2", "N", "2^2^2^2^2^2", "unread"),
    ("power-10-10-10", "N", "10^{10^{10}}", "unread"),
    ("power-2-100", "N", "2^{100}", "wrong"),
    ("power-result-6000-digits", "N", "(10^{60})^{100}", "unread"),
    ("power-e-100", "N", "e^{100}", "wrong"),
    ("sci-1e999", "N", "1e999", "unread"),
    ("sci-1e100", "N", "1e100", "wrong"),
    ("sci-negative", "N", "1E-100", "wrong"),
    ("power-z-101", "Z", "z^{101}", "unread"),
    ("power-z-100", "Z", "z^{100}", "wrong"),
    ("power-z-minus-100", "Z", "z^{-100}", "wrong"),
    ("exp-tower-z", "Z", "e^{e^{e^{e^{e^{z}}}}}", "not-ok"),
    ("exp-function-tower-number", "N", r"\exp(\exp(\exp(100)))", "unread"),
    ("exp-function-tower-f", "FY", r"\exp(\exp(\exp(\exp(f))))", "not-ok"),
    ("digits-60", "I", "9" * 60, "wrong"),
    ("digits-61", "I", "9" * 61, "unread"),
    # huge factorials
    ("factorial-170", "N", "170!", "wrong"),
    ("factorial-171", "N", "171!", "unread"),
    ("factorial-million", "N", "1000000!", "unread"),
    ("factorial-chain", "N", "3!!!", "unread"),
    ("factorial-power", "N", "(170!)^{100}", "unread"),
    ("factorial-negative", "N", "(-1)!", "unread"),
    ("factorial-fraction", "N", "3.5!", "unread"),
    ("factorial-of-integer-answer", "I", lambda k: k.integer + "!", "not-ok"),
    ("factorial-of-variable", "FY", r"\log{\left(y! \right)}", "not-ok"),
    ("gamma-million", "N", r"\Gamma(1000000)", "not-ok"),
    # Unicode look-alikes: a spelling of the right value may be read or refused, a wrong value is never correct
    ("minus-u2212", "N", lambda k: k.plain.replace("-", "\u2212"), "any"),
    ("minus-u2212-of-answer", "N", lambda k: "\u2212(" + k.plain + ")", "not-ok"),
    ("minus-fullwidth", "N", lambda k: k.plain.replace("-", "\uff0d"), "any"),
    ("digits-fullwidth", "N", lambda k: k.plain.translate(FW), "any"),
    ("digits-fullwidth-wrong", "N", lambda k: k.plain + "+\uff11", "not-ok"),
    ("digits-arabic-indic", "N", lambda k: k.plain.translate(ARABIC), "any"),
    ("digits-math-bold", "N", lambda k: k.plain.translate(BOLD), "any"),
    ("digits-mixed-scripts", "N", lambda k: first_digit(k.plain, ARABIC), "any"),
    ("digits-devanagari-wrong", "N", lambda k: k.plain + "+\u0967", "not-ok"),
    ("superscript-two", "N", lambda k: "(" + k.plain + ")\u00b2", "not-ok"),
    ("fraction-slash", "N", lambda k: k.plain.replace("/", "\u2044"), "any"),
    ("division-slash", "N", lambda k: k.plain.replace("/", "\u2215"), "any"),
    ("times-sign-doubles", "N", lambda k: "2\u00d7(" + k.plain + ")", "not-ok"),
    ("cyrillic-e", "Z", "\u0435^{z}", "not-ok"),
    ("cyrillic-s-in-sig", "Z", lambda k: k.latex("Z").replace("sig", "\u0455ig"), "not-ok"),
    ("zero-width-space", "N", lambda k: after_first_digit(k.plain, "\u200b"), "any"),
    ("no-break-space-splits-number", "N", lambda k: after_first_digit(k.plain, "\u00a0"), "not-ok"),
    ("byte-order-mark", "N", lambda k: "\ufeff" + k.plain, "any"),
    ("right-to-left-override", "N", lambda k: "\u202e" + k.plain, "any"),
    ("combining-tilde", "N", lambda k: k.plain + "\u0303", "any"),
    ("fullwidth-parentheses", "N", lambda k: "\uff08" + k.plain + "\uff09", "any"),
    ("fullwidth-commas", "V", lambda k: k.latex("V").replace(",", "\uff0c"), "any"),
    ("lone-surrogate", "N", lambda k: "\udcff" + k.plain, "unread"),
    ("emoji", "N", "\U0001f600", "unread"),
    # control characters
    ("nul", "N", lambda k: k.plain + "\x00", "unread"),
    ("terminal-escape", "N", lambda k: "\x1b[2J" + k.plain, "unread"),
    ("delete", "N", lambda k: k.plain + "\x7f", "unread"),
    ("c1-csi", "N", lambda k: "\x9b2J" + k.plain, "not-ok"),
    ("vertical-tab", "N", lambda k: k.plain + "\x0b", "unread"),
    ("form-feed", "N", lambda k: "\x0c" + k.plain, "unread"),
    ("carriage-return", "N", lambda k: k.plain + "\r", "any"),
    ("next-line-and-line-separator", "N", lambda k: k.plain + "\x85\u2028", "any"),
    ("tab-and-newline", "N", lambda k: "\t" + k.plain + "\n", "ok"),
    # long strings: refused on their length before any token is built; never echoed back
    ("length-4000", "N", lambda k: k.plain.ljust(4000), "ok"),
    ("length-4001", "N", lambda k: k.plain.ljust(4001), "unread"),
    ("tokens-1500", "Z", "-" + "+".join(["z"] * 750), "wrong"),
    ("tokens-1501", "Z", "+".join(["z"] * 751), "unread"),
    ("mb-digits", "N", "1" * MB, "unread"),
    ("mb-parentheses", "N", "(" * MB, "unread"),
    ("mb-spaces", "N", " " * MB, "unread"),
    ("mb-u2212", "N", "\u2212" * MB, "unread"),
    ("mb-nul", "N", "\x00" * MB, "unread"),
    ("mb-sum", "Z", "z+" * (MB // 2), "unread"),
    ("mb-latex", "Z", r"\frac{1}{" * (MB // 9), "unread"),
    ("vector-1000-items", "V", ",".join(["1"] * 1000), "unread"),
    # code and TeX: parsed by the grammar, never evaluated or run
    ("tex-input", "FY", r"\input{/etc/passwd}", "unread"),
    ("tex-def", "FY", r"\def\f{1} f", "unread"),
    ("tex-write18", "FY", r"\immediate\write18{touch MARKER}", "unread"),
    ("python-import", "N", "__import__('os').system('touch MARKER')", "unread"),
    ("python-eval-of-answer", "N", lambda k: f"eval('{k.plain}')", "not-ok"),
    ("python-lambda", "N", lambda k: f"(lambda: {k.plain})()", "not-ok"),
    ("python-dunder", "N", "().__class__.__bases__[0].__subclasses__()", "unread"),
    ("dollars", "N", lambda k: "$" + k.plain + "$", "any"),
    # degenerate values and forms
    ("empty", "N", "", "not-ok"),
    ("blank", "N", "   ", "not-ok"),
    ("commas-only", "V", ",,,", "not-ok"),
    ("vector-nested-tuples", "V", "((((1,2),3),4),5)", "not-ok"),
    ("integer-hex", "I", lambda k: "0x" + k.integer, "not-ok"),
    ("integer-fullwidth", "I", lambda k: k.integer.translate(FW), "any"),
    ("integer-as-decimal", "I", lambda k: k.integer + ".0", "any"),
    ("frac-one-over-zero", "N", r"\frac{1}{0}", "not-ok"),
    ("zero-over-zero", "N", "0/0", "not-ok"),
    ("infinity", "N", r"\infty", "not-ok"),
    ("nan-word", "N", "nan", "not-ok"),
    ("sqrt-minus-one", "N", r"\sqrt{-1}", "not-ok"),
]


def _answer(spec: str | A, key: Key, marker: Path) -> str:
    text = spec(key) if callable(spec) else spec
    return text.replace("MARKER", str(marker))


def _expect(out: str, code: int, expected: str) -> None:
    if expected == "ok":
        assert code == 0, out
    elif expected == "any":
        pass
    else:
        assert code == 1, out
        if expected == "unread":
            assert "could not read the answer" in out or "[answer grammar]" in out, out
        elif expected == "wrong":
            assert "could not read the answer" not in out and "[answer grammar]" not in out, out


@pytest.mark.parametrize("target, spec, expected", [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE])
def test_hostile_answer(key, tmp_path, target, spec, expected):
    marker = tmp_path / "ran"
    before = key.path.read_bytes()
    eid = key.eid(target)
    result = check_one(key.path, eid, _answer(spec, key, marker))
    out = verdict(result, eid)
    _expect(out, result[0], expected)
    assert not marker.exists(), "an answer ran code"
    assert key.path.read_bytes() == before


JSON_CASES = ["nest-41-parens", "power-10-10-10", "factorial-million", "minus-u2212", "terminal-escape", "mb-digits",
              "python-import", "tab-and-newline"]


@pytest.mark.parametrize("case", JSON_CASES)
def test_hostile_answer_as_json(key, tmp_path, case):
    _, target, spec, expected = next(c for c in HOSTILE if c[0] == case)
    code, out, err = check_one(key.path, key.eid(target), _answer(spec, key, tmp_path / "ran"), "--format", "json")
    assert err == "" and code in (0, 1) and out.count("\n") == 1 and len(out) < 1000, (code, out[:300], err[:300])
    report = json.loads(out)
    assert set(report) == {"correct", "feedback", "method"} and report["correct"] == (code == 0)
    _expect(report["feedback"] + " [" + report["method"] + "]", code, expected)


def test_every_hostile_answer_in_one_submission(key, tmp_path):
    """One submission holding, for each targeted exercise, its first hostile answer that is not
    correct: one short line per exercise, then the score 0/N."""
    marker = tmp_path / "ran"
    picks = {}
    for case, target, spec, expected in HOSTILE:
        if expected in ("unread", "not-ok", "wrong"):
            picks.setdefault(key.eid(target), _answer(spec, key, marker))
    sub = tmp_path / "sub.json"
    sub.write_text(json.dumps(picks))
    code, out, err = call(["check", "--answers", str(key.path), "--student", "s001", "--submission", str(sub)])
    assert code == 1 and err == "", (code, err[:500])
    lines = out.splitlines()
    assert len(lines) == len(key.exercises) + 1 and lines[-1] == f"score: 0/{len(key.exercises)}", out[-2000:]
    assert all(len(line) < 1000 for line in lines)
    assert not marker.exists()


def test_undecodable_argv_bytes_and_a_long_answer_in_a_real_process(key):
    """argv bytes that are not UTF-8 reach Python as surrogates: the verdict line is still
    one UTF-8 line, and a 100 kB answer (under the kernel's argument limit) is refused short."""
    eid = key.eid("N")
    for answer in (b"\xff\xfe" + key.plain.encode(), b"(" * 100_000):
        proc = subprocess.run([sys.executable, "-m", "derivations", b"check", b"--answers", bytes(key.path),
                               b"--student", b"s001", b"--exercise", eid.encode(), b"--answer", answer],
                              capture_output=True, cwd=ROOT, timeout=120,
                              env=dict(os.environ, PYTHONPATH=str(ROOT), LC_ALL="C.UTF-8"))
        assert proc.returncode == 1 and proc.stderr == b"", (proc.returncode, proc.stderr[-1000:])
        line = proc.stdout.decode("utf-8")
        assert line.count("\n") == 1 and line.startswith(f"{eid}: incorrect: could not read the answer") \
            and len(line) < 1000, line[:300]


# ----- option values of check that are data: student and exercise ids --------------------------

LONG = "x" * MB


@pytest.mark.parametrize("student, needle", [
    ("", "unknown student"), ("s001\n", "unknown student"), ("../s001", "unknown student"),
    ("\u0455001", "did you mean 's001'"), ("s001\x00", "unknown student"), ("ｓ001", "unknown student"),
    pytest.param(LONG, "unknown student"),
], ids=["empty", "newline", "path", "cyrillic-s", "nul", "fullwidth-s", "one-megabyte"])
def test_check_student_ids(key, student, needle):
    err = refused(check_one_student(key, student), needle, max_len=600)
    assert "\x00" not in err and "\n" not in err[:-1]


def check_one_student(key: Key, student: str) -> tuple[int, str, str]:
    return call(["check", "--answers", str(key.path), "--student", student, "--exercise", key.eid("N"), "--answer",
                 key.plain])


@pytest.mark.parametrize("eid", [
    "", "E01\nerror: forged second line", "Ｅ01", "E99", "../E01",
    pytest.param(LONG),
], ids=["empty", "newline", "fullwidth", "unknown", "path", "one-megabyte"])
def test_check_exercise_ids(key, eid):
    refused(check_one(key.path, eid, key.plain), "unknown exercise", max_len=600)


@pytest.mark.parametrize("argv_tail", [
    ["--exercise", "E01", "--answer"], ["--answer", "1"], ["--exercise", "E01"], [],
    ["--exercise", "E01", "--answer", "1", "--submission", "s.json"], ["--format", "pdf", "--exercise", "E01",
                                                                        "--answer", "1"],
], ids=["answer-without-value", "answer-without-exercise", "exercise-without-answer", "neither", "both", "bad-format"])
def test_check_option_combinations(key, argv_tail):
    refused(call(["check", "--answers", str(key.path), "--student", "s001", *argv_tail]))


# ----- crafted submission files ---------------------------------------------------------------

def _sub(obj) -> Callable[[Key], bytes]:
    return lambda k: json.dumps(obj(k) if callable(obj) else obj, ensure_ascii=False).encode()


SUBMISSIONS: list[tuple[str, Callable[[Key], bytes], int, str]] = [
    # ``check --submission`` reads a file as ``grade`` does (derivations.exercises.submissions):
    # ``.json`` is JSON (numbers stand for their text), any other name the text format; a problem
    # grade reports (and grades around) is refused here in one line, so a student sees it first
    ("not-json", lambda k: b"{", 2, "line 1: not valid JSON"),
    ("empty-file", lambda k: b"", 2, "submission"),
    ("null", lambda k: b"null", 2, "a JSON submission is an object"),
    ("list", lambda k: json.dumps([k.plain]).encode(), 2, "a JSON submission is an object"),
    ("string", lambda k: json.dumps(k.plain).encode(), 2, "a JSON submission is an object"),
    ("number-answer", _sub(lambda k: {k.eid("N"): -12.75}), 1, "score: "),  # a JSON number is its text
    ("null-answer", _sub(lambda k: {k.eid("N"): None}), 2, "the answer must be text, got null"),
    ("list-answer", _sub(lambda k: {k.eid("N"): [k.plain]}), 2, "the answer must be text, got a list"),
    ("object-answer", _sub(lambda k: {k.eid("N"): {"a": k.plain}}), 2, "the answer must be text, got an object"),
    ("bool-answer", _sub(lambda k: {k.eid("N"): True}), 2, "the answer must be text, got true"),
    ("unknown-exercise", _sub({"E99": "1"}), 2, "unknown exercise"),
    ("repeated-key", lambda k: ('{"%s": "1", "%s": "%s"}' % (k.eid("N"), k.eid("N"), k.plain)).encode(), 2,
     "is answered twice"),
    ("nested-200000", lambda k: b'{"E01": ' + b"[" * 200_000, 2, "more than the limit"),
    ("nested-60000", lambda k: b'{"E01": ' + b"[" * 60_000, 2, "not a JSON submission"),
    ("float-beyond-range", lambda k: ('{"%s": 1e999}' % k.eid("N")).encode(), 1, "could not read"),
    ("integer-5000-digits", lambda k: ('{"%s": %s}' % (k.eid("N"), "9" * 5000)).encode(), 1, "could not read"),
    ("nan", lambda k: ('{"%s": NaN}' % k.eid("N")).encode(), 2, "submission"),
    ("latin-1", lambda k: ('{"%s": "\xe9"}' % k.eid("N")).encode("latin-1"), 2, "UTF-8"),
    ("utf-16", lambda k: json.dumps({k.eid("N"): k.plain}).encode("utf-16"), 2, "submission"),
    ("over-64-kib", _sub(lambda k: {k.eid("N"): "1" * 70_000}), 2, "more than the limit of 65,536"),
    ("nul-in-key", _sub({"E\x00": "1"}), 2, "is not an exercise id"),
    ("newline-in-key", _sub({"E01\nerror: forged": "1"}), 2, "is not an exercise id"),
    ("long-key", _sub({"x" * 60_000: "1"}), 2, "is not an exercise id"),
    ("bom-and-right-answers", lambda k: b"\xef\xbb\xbf" + json.dumps({e["id"]: e["answer"] for e in k.exercises}).encode(),
     0, ""),
    ("empty-object", _sub({}), 1, "score: 0/"),
    ("long-answer", _sub(lambda k: {k.eid("N"): "1" * 60_000}), 1, "too long"),
    ("surrogate-escape", lambda k: ('{"%s": "\\ud800%s"}' % (k.eid("N"), k.plain)).encode(), 1, "could not read"),
    ("control-characters", _sub(lambda k: {k.eid("N"): "\x1b]0;owned\x07" + k.plain}), 2,
     "the answer holds a control character"),
    ("look-alike-minus", _sub(lambda k: {k.eid("N"): k.plain.replace("-", "\u2212")}), 1, "score: "),
    ("text-format-as-json", lambda k: f"{k.eid('N')}: {k.plain}\n".encode(), 2, "name the file .txt"),
]

#: The same contract for the text format (``sub.txt``).
TEXT_SUBMISSIONS: list[tuple[str, Callable[[Key], bytes], int, str]] = [
    ("right-answers", lambda k: "".join(f"{e['id']}: {e['answer']}  # as printed\n" for e in k.exercises).encode(),
     0, ""),
    ("template-left-empty", lambda k: "".join(f"# {e['id']}\n{e['id']}:\n" for e in k.exercises).encode(), 1,
     "score: 0/"),
    ("crlf-bom-and-lowercase-ids", lambda k: b"\xef\xbb\xbf" + "".join(
        f"{e['id'].lower()}: {e['answer']}\r\n" for e in k.exercises).encode(), 0, ""),
    ("line-without-colon", lambda k: f"{k.eid('N')} {k.plain}\n".encode(), 2, "line 1: expected 'EID: answer'"),
    ("answered-twice", lambda k: f"{k.eid('N')}: 1\n{k.eid('N')}: {k.plain}\n".encode(), 2,
     "line 2: %s is answered twice (first on line 1)"),
    ("unknown-exercise", lambda k: b"E99: 1\n", 2, "unknown exercise 'E99'"),
    ("control-character", lambda k: f"{k.eid('N')}: \x1b[2J{k.plain}\n".encode(), 2, "line 1: a control character"),
    ("latin-1", lambda k: f"{k.eid('N')}: \xe9\n".encode("latin-1"), 2, "not UTF-8"),
    ("json-in-a-text-file", lambda k: json.dumps({k.eid("N"): k.plain}).encode(), 2, "line 1: expected 'EID: answer'"),
]


def _ids(cases) -> list[str]:
    return [c.values[0] if hasattr(c, "values") else c[0] for c in cases]


def _args(cases) -> list:
    return [pytest.param(*c.values[1:], marks=c.marks) if hasattr(c, "values") else c[1:] for c in cases]


@pytest.mark.parametrize("suffix, build, code, needle",
                         [(".json", *c) for c in _args(SUBMISSIONS)] + [(".txt", *c) for c in _args(TEXT_SUBMISSIONS)],
                         ids=_ids(SUBMISSIONS) + [f"txt-{i}" for i in _ids(TEXT_SUBMISSIONS)])
def test_crafted_submission(key, tmp_path, suffix, build, code, needle):
    sub = tmp_path / f"sub{suffix}"
    sub.write_bytes(build(key))
    needle = needle.replace("%s", key.eid("N"))
    before = snapshot(tmp_path)
    result = call(["check", "--answers", str(key.path), "--student", "s001", "--submission", str(sub)])
    if code == 2:
        refused(result, needle, max_len=600)
    else:
        got, out, err = result
        assert got == code and err == "", (got, out[-500:], err[-500:])
        lines = out.splitlines()
        assert len(lines) == len(key.exercises) + 1 and lines[-1].startswith("score: "), out[-1000:]
        assert all(len(line) < 1000 for line in lines) and needle in out
        assert not any(ord(c) < 32 and c != "\n" for c in out)
        out.encode("utf-8")
    assert snapshot(tmp_path) == before


# ----- crafted answers.json --------------------------------------------------------------------

def _mutate(target: str, field: str, value) -> Callable[[Key, Path], bytes]:
    """Set one field of one exercise (``value`` as JSON text when a str starting with '@')."""
    def build(k: Key, marker: Path) -> bytes:
        doc = json.loads(k.raw)
        entry = next(e for e in doc["students"]["s001"] if e["id"] == k.eid(target))
        v = value(k, marker) if callable(value) else value
        if isinstance(v, str) and v.startswith("@"):
            entry[field] = "@@RAW@@"
            return json.dumps(doc, ensure_ascii=False).replace('"@@RAW@@"', v[1:]).encode()
        entry[field] = v
        return json.dumps(doc, ensure_ascii=False).encode()
    return build


def _whole(edit: Callable[[dict], object]) -> Callable[[Key, Path], bytes]:
    def build(k: Key, marker: Path) -> bytes:
        doc = json.loads(k.raw)
        result = edit(doc)
        doc = doc if result is None else result
        return json.dumps(doc, ensure_ascii=False).encode()
    return build


def _srepr_payload(k: Key, marker: Path) -> str:
    return f"__import__('os').system('touch {marker}')"


def _first_exercise(doc: dict) -> dict:
    return doc["students"]["s001"][0]


ANSWER_KEYS: list[tuple[str, Callable[[Key, Path], bytes], str]] = [
    # precision: finite, positive, at most 1 (an infinite precision made every number correct)
    ("precision-1e999", _mutate("N", "precision", "@1e999"), "precision"),
    ("precision-infinity", _mutate("N", "precision", "@Infinity"), "answers file"),
    ("precision-nan", _mutate("N", "precision", "@NaN"), "answers file"),
    ("precision-negative", _mutate("N", "precision", -0.001), "precision"),
    ("precision-zero", _mutate("N", "precision", 0), "precision"),
    ("precision-underflow", _mutate("N", "precision", "@1e-400"), "precision"),
    ("precision-above-one", _mutate("N", "precision", 2.0), "precision"),
    ("precision-text", _mutate("N", "precision", "0.001"), "precision"),
    ("precision-true", _mutate("N", "precision", True), "precision"),
    ("precision-400-digit-integer", _mutate("N", "precision", "@1" + "0" * 400), "precision"),
    ("integer-precision-nonzero", _mutate("I", "precision", 0.5), "precision"),
    # domain: non-empty lists of finite numbers of the exercise's own variables
    ("domain-empty-list", _mutate("FY", "domain", {"y": []}), "domain"),
    ("domain-nan", _mutate("FY", "domain", "@{\"y\": [NaN]}"), "answers file"),
    ("domain-unknown-variable", _mutate("FY", "domain", {"q": [1]}), "domain"),
    ("domain-text", _mutate("FY", "domain", {"y": "01"}), "domain"),
    ("domain-1001-values", _mutate("FY", "domain", {"y": [0] * 1001}), "domain"),
    ("domain-not-an-object", _mutate("FY", "domain", [0, 1]), "domain"),
    # answer_srepr: SymPy objects only, sizes bounded before anything is built
    ("srepr-float-without-value", _mutate("N", "answer_srepr", "Float()"), "answer_srepr"),
    ("srepr-bare-literal", _mutate("N", "answer_srepr", "1"), "answer_srepr"),
    ("srepr-true", _mutate("N", "answer_srepr", "True"), "answer_srepr"),
    ("srepr-empty-tuple", _mutate("N", "answer_srepr", "Tuple()"), "exercise '"),
    ("srepr-pow-10-1e8", _mutate("N", "answer_srepr", "Pow(Integer(10), Integer(100000000))"), "answer_srepr"),
    ("srepr-pow-2-2-100", _mutate("N", "answer_srepr", "Pow(Integer(2), Pow(Integer(2), Integer(100)))"),
     "answer_srepr"),
    ("srepr-factorial-million", _mutate("N", "answer_srepr", "factorial(Integer(1000000))"), "answer_srepr"),
    ("srepr-gamma-million", _mutate("N", "answer_srepr", "gamma(Integer(1000000))"), "answer_srepr"),
    ("srepr-import-payload", _mutate("N", "answer_srepr", _srepr_payload), "answer_srepr"),
    ("srepr-attribute", _mutate("N", "answer_srepr", "Integer(1).__class__"), "answer_srepr"),
    ("srepr-lambda", _mutate("N", "answer_srepr", "Lambda(Symbol('x'), Symbol('x'))"), "answer_srepr"),
    ("srepr-undefined-function", _mutate("N", "answer_srepr", "Function('system')(Integer(1))"), "answer_srepr"),
    ("srepr-conditional", _mutate("N", "answer_srepr", "Integer(1) if True else Integer(0)"), "answer_srepr"),
    ("srepr-unbalanced", _mutate("N", "answer_srepr", "Mul(Integer(2), Integer(3)"), "answer_srepr"),
    ("srepr-depth-150", _mutate("N", "answer_srepr", "Add(" * 150 + "Integer(1)" + ", Integer(1))" * 150),
     "answer_srepr"),
    ("srepr-5000-digits", _mutate("N", "answer_srepr", "Integer(" + "9" * 5000 + ")"), "answer_srepr"),
    ("srepr-one-megabyte", _mutate("N", "answer_srepr", "Add(" * (MB // 4)), "answer_srepr"),
    ("srepr-rational-over-zero", _mutate("N", "answer_srepr", "Rational(1, 0)"), "answer_srepr"),
    ("srepr-zoo", _mutate("N", "answer_srepr", "Pow(Integer(0), Integer(-1))"), "not a finite expression"),
    ("srepr-float-nan", _mutate("N", "answer_srepr", "Float('nan')"), "answer_srepr"),
    ("srepr-float-inf", _mutate("N", "answer_srepr", "Float('inf')"), "answer_srepr"),
    ("srepr-integer-of-text", _mutate("N", "answer_srepr", "Integer('12')"), "answer_srepr"),
    ("srepr-unknown-variable", _mutate("Z", "answer_srepr", "Symbol('q', real=True)"), "not among its variables"),
    ("srepr-inconsistent-assumptions", _mutate("FY", "answer_srepr", "Symbol('y', positive=True, negative=True)"),
     "answer_srepr"),
    ("srepr-not-text", _mutate("N", "answer_srepr", 12), "answer_srepr"),
    ("srepr-vector-as-number", _mutate("N", "answer_srepr", "Tuple(Integer(1), Integer(2))"), "exercise '"),
    ("srepr-number-as-vector", _mutate("V", "answer_srepr", "Integer(1)"), "exercise '"),
    ("srepr-integer-as-fraction", _mutate("I", "answer_srepr", "Rational(1, 2)"), "exercise '"),
    # mistakes: the feedback the checker prints is data too
    ("mistake-true", _mutate("N", "mistakes", [{"feedback": "x", "answer_srepr": "True"}]), "mistake"),
    ("mistake-empty-tuple", _mutate("N", "mistakes", [{"feedback": "x", "answer_srepr": "Tuple()"}]), "mistake"),
    ("mistake-payload", _mutate("N", "mistakes", lambda k, m: [{"feedback": "x", "answer_srepr": _srepr_payload(k, m)}]),
     "mistake"),
    ("mistakes-not-a-list", _mutate("N", "mistakes", "x"), "mistakes"),
    ("mistakes-51", _mutate("N", "mistakes", [{"feedback": "x", "answer_srepr": "Integer(1)"}] * 51), "mistakes"),
    ("mistake-megabyte-feedback", _mutate("N", "mistakes", [{"feedback": "x" * MB, "answer_srepr": "Integer(1)"}]),
     "mistake"),
    # the other fields
    ("kind-unknown", _mutate("N", "kind", "evil"), "unknown kind"),
    ("kind-one-megabyte", _mutate("N", "kind", "k" * MB), "unknown kind"),
    ("id-path", _mutate("N", "id", "../../etc/passwd"), "exercise id"),
    ("id-newline", _mutate("N", "id", "E01\nerror: forged"), "exercise id"),
    ("id-one-megabyte", _mutate("N", "id", "E" * MB), "exercise id"),
    ("variables-repeated", _mutate("Z", "variables", ["z", "z"]), "variables"),
    ("variables-51", _mutate("Z", "variables", [f"z{i}" for i in range(51)]), "variables"),
    ("variables-not-names", _mutate("Z", "variables", [1]), "variables"),
    ("question-one-megabyte", _mutate("N", "question", "q" * MB), "question"),
    ("answer-text-not-text", _mutate("N", "answer", ["-1"]), "answer"),
    # the file as a whole
    ("top-level-list", _whole(lambda d: [d]), "answers file"),
    ("top-level-null", lambda k, m: b"null", "answers file"),
    ("no-students", _whole(lambda d: {"seed": 0}), "answers file"),
    ("students-a-list", _whole(lambda d: {"seed": 0, "students": [d["students"]["s001"]]}), "answers file"),
    ("student-entry-text", _whole(lambda d: {"seed": 0, "students": {"s001": "x"}}), "answers file"),
    ("seed-text", _whole(lambda d: dict(d, seed="x")), "seed"),
    ("seed-1e999", lambda k, m: k.raw.replace(b'"seed": 0', b'"seed": 1e999', 1), "answers file"),
    ("seed-5000-digits", lambda k, m: k.raw.replace(b'"seed": 0', b'"seed": ' + b"9" * 5000, 1), "answers file"),
    ("students-100001", _whole(lambda d: {"seed": 0, "students": {f"s{i:06d}": [] for i in range(100_001)}}),
     "more than 100,000 students"),
    ("exercise-repeated-key", lambda k, m: k.raw.replace(b'"precision": 0.001', b'"precision": 0.001, "precision": 1',
                                                         1), "repeats the key"),
    ("exercise-ids-repeated", _whole(lambda d: _first_exercise(d).update(id=d["students"]["s001"][1]["id"])),
     "repeated exercise ids"),
    ("exercise-not-an-object", _whole(lambda d: d["students"]["s001"].append("E99")), "answers file"),
    ("exercise-missing-srepr", _whole(lambda d: _first_exercise(d).pop("answer_srepr") and None), "answer_srepr"),
    ("invalid-utf-8", lambda k, m: k.raw.replace(b'"seed"', b'"s\xe9ed"', 1), "UTF-8"),
    ("utf-16", lambda k, m: k.raw.decode().encode("utf-16"), "answers file"),
    ("nested-200000", lambda k, m: b"[" * 200_000, "answers file"),
    ("empty-file", lambda k, m: b"", "answers file"),
    ("truncated", lambda k, m: k.raw[: len(k.raw) // 2], "is not valid JSON"),
]


@pytest.mark.parametrize("build, needle", _args(ANSWER_KEYS), ids=_ids(ANSWER_KEYS))
def test_crafted_answers_file(key, tmp_path, build, needle):
    marker = tmp_path / "ran"
    answers = tmp_path / "answers.json"
    answers.write_bytes(build(key, marker))
    before = snapshot(tmp_path)
    for target in ("N", "Z"):  # a right answer, to an exercise that was or was not changed
        refused(check_one(answers, key.eid(target), key.latex(target)), needle, max_len=600)
    refused(call(["check", "--answers", str(answers), "--student", "s001", "--submission", str(key.path)]))
    assert not marker.exists(), "the answer key ran code"
    assert snapshot(tmp_path) == before


def test_answer_key_with_a_byte_order_mark_is_read(key, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_bytes(b"\xef\xbb\xbf" + key.raw)
    assert verdict(check_one(answers, key.eid("N"), key.plain), key.eid("N")).startswith(f"{key.eid('N')}: correct")


# ----- input files that are not regular files: --answers, --submission, --roster, --plugin ---------

def _plant(kind: str, path: Path, tmp: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "dangling-link":
        path.symlink_to(tmp / "nowhere")
    elif kind == "link-to-fifo":
        os.mkfifo(tmp / "real-fifo")
        path.symlink_to(tmp / "real-fifo")
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(str(path))
        s.close()
    elif kind == "device":
        path.symlink_to("/dev/zero")
    # "missing": nothing


INPUT_KINDS = ["fifo", "folder", "missing", "dangling-link", "link-to-fifo", "socket", "device"]


def _input_argv(which: str, path: Path, key: Key, out: Path) -> list[str]:
    if which == "answers":
        return ["check", "--answers", str(path), "--student", "s001", "--exercise", key.eid("N"), "--answer", key.plain]
    if which == "submission":
        return ["check", "--answers", str(key.path), "--student", "s001", "--submission", str(path)]
    if which == "roster":
        return ["exercises", "--out", str(out), "--roster", str(path), "--topics", "shallow", "--no-pdf"]
    return ["exercises", "--plugin", str(path), "--out", str(out), "--students", "1", "--topics", "shallow", "--no-pdf"]


@pytest.mark.parametrize("which", ["answers", "submission", "roster", "plugin"])
@pytest.mark.parametrize("kind", INPUT_KINDS)
def test_input_file_that_is_not_a_regular_file(key, tmp_path, which, kind):
    path = tmp_path / ("input.py" if which == "plugin" else "input.json")
    _plant(kind, path, tmp_path)
    out = tmp_path / "out"
    guarded = tmp_path / "real-fifo" if kind == "link-to-fifo" else path
    with fifo_guard(guarded) if "fifo" in kind else contextlib.nullcontext():
        refused(call(_input_argv(which, path, key, out)), max_len=600)
    assert not out.exists(), "the command ran"


# ----- exercises: counts, seeds, topics and rosters --------------------------------------------

@pytest.mark.parametrize("option, value, needle", [
    ("--students", "0", "--students"), ("--students", "-1", "--students"), ("--students", "0_1", "--students"),
    ("--students", "１", "--students"), ("--students", "\u0663", "--students"), ("--students", "1e3", "--students"),
    ("--students", "100001", "--students"), ("--students", "", "--students"), ("--students", "1.0", "--students"),
    ("--students", "9" * 5000, "--students"),
    ("--seed", "4294967296", "--seed"), ("--seed", "-1", "--seed"), ("--seed", "0x10", "--seed"),
    ("--seed", "１", "--seed"), ("--seed", "1_0", "--seed"), ("--seed", "nan", "--seed"),
    ("--topics", "nope", "unknown topic"), ("--topics", "", "topic"), ("--topics", ",", "topic"),
    ("--topics", "../shallow", "unknown topic"), ("--topics", "shallow\x00", "topic"), ("--topics", "ｓhallow", "topic"),
    ("--topics", "shallow," * 10_000 + "nope", "unknown topic"),
    pytest.param("--topics", "x" * 100_000, "unknown topic"),
], ids=lambda v: v if len(v) < 30 else f"{v[:10]}...({len(v)})")
def test_exercise_options(tmp_path, option, value, needle):
    out = tmp_path / "out"
    argv = ["exercises", "--out", str(out), "--students", "1", "--topics", "shallow", "--no-pdf"]
    i = argv.index(option) if option in argv else None
    if i is None:
        argv += [option, value]
    else:
        argv[i + 1] = value
    refused(call(argv), needle, max_len=1000)
    assert not out.exists()


ROSTERS: list[tuple[str, bytes, str]] = [
    ("empty", b"", "empty"),
    ("header-only", b"id\n", "lists no students"),
    ("no-id-column", b"name\nAda\n", "column 'id'"),
    ("two-id-columns", b"id,id\na,b\n", "column 'id'"),
    ("repeated-id", b"id\nada\nada\n", "appears twice"),
    ("ids-differing-in-case", b"id\nada\nAda\n", "only in case"),
    ("windows-device-id", b"id\nCON\n", "Windows keeps for a device"),
    ("windows-device-id-with-extension", b"id\nnul.txt\n", "Windows keeps for a device"),
    ("line-break-in-cell", b'id\n"a\nb"\n', "line break"),
    ("path-id", b"id\n../../etc/passwd\n", "must be 1-64"),
    ("absolute-path-id", b"id\n/etc/passwd\n", "must be 1-64"),
    ("dot-id", b"id\n.\n", "must be 1-64"),
    ("space-in-id", b"id\na b\n", "must be 1-64"),
    ("id-65-characters", b"id\n" + b"a" * 65 + b"\n", "must be 1-64"),
    ("nul-in-id", b"id\na\x00b\n", "roster"),
    ("latin-1", b"id\n\xe9\n", "UTF-8"),
    ("fullwidth-id", "id\nｓ001\n".encode(), "must be 1-64"),
    ("1001-columns", b"id" + b",x" * 1000 + b"\na\n", "more than 1000"),
    ("200000-columns", b"id" + b",x" * 200_000 + b"\na\n", "more than 1000"),
    ("unterminated-quote", b'id\n"abc\n', "roster"),
    ("escape-in-id", b"id\n\x1b[2J\n", "must be 1-64"),
    ("over-10-mb", b"id\n" + b"a\n" * 5_100_000, "roster"),
]


@pytest.mark.parametrize("content, needle", [c[1:] for c in ROSTERS], ids=[c[0] for c in ROSTERS])
def test_crafted_roster(tmp_path, content, needle):
    roster = tmp_path / "roster.csv"
    roster.write_bytes(content)
    out = tmp_path / "out"
    err = refused(call(["exercises", "--out", str(out), "--roster", str(roster), "--topics", "shallow", "--no-pdf"]),
                  needle, max_len=1000)
    assert "\x1b" not in err and "\x00" not in err
    assert not out.exists()
    assert not (tmp_path.parent / "etc").exists()


# ----- output folders ------------------------------------------------------------------------

#: the command lines, each as small as the command allows, and the file each writes first-hand
DOCUMENTS = {
    "exercises": (["exercises", "--students", "1", "--topics", "shallow", "--no-pdf"], "answers.json"),
    "slides": (["slides", "--topics", "shallow", "--device", "cpu", "--no-pdf"], "slides.tex"),
    "notes": (["notes", "--topics", "shallow", "--device", "cpu", "--no-pdf"], "notes.tex"),
    "notes --html": (["notes", "--topics", "shallow", "--device", "cpu", "--no-pdf", "--html"], "html/index.html"),
    "notebooks": (["notebooks", "--topics", "shallow"], "shallow.ipynb"),
}


def _outside(tmp_path: Path) -> Path:
    target = tmp_path / "outside.txt"
    target.write_text("keep me")
    return target


@pytest.mark.parametrize("topics", ["nope", "", ",", "\uff53hallow", "shallow\x00"],
                         ids=["unknown", "empty", "comma", "fullwidth-s", "nul"])
@pytest.mark.parametrize("command", ["slides", "notes", "notes --html", "notebooks"])
def test_document_topics_refused_before_any_work(tmp_path, command, topics):
    argv = list(DOCUMENTS[command][0])
    argv[argv.index("--topics") + 1] = topics
    out = tmp_path / "out"
    refused(call(argv + ["--out", str(out)]), "topic", max_len=1000)
    assert not out.exists()


@pytest.mark.parametrize("situation", ["dangling-link", "parent-is-a-file", "link-loop", "device", "socket-inside",
                                       "link-to-device-inside", "deep-link-inside"])
@pytest.mark.parametrize("command", list(DOCUMENTS))
def test_output_folder_refused_before_any_work(tmp_path, command, situation):
    argv, main_file = DOCUMENTS[command]
    target = _outside(tmp_path)
    out = tmp_path / "out"
    needle = ""
    if situation == "dangling-link":
        out.symlink_to(tmp_path / "made-by-the-command")
        needle = "symbolic link"
    elif situation == "parent-is-a-file":
        out = target / "sub"
        needle = "outside.txt"
    elif situation == "link-loop":
        out.symlink_to(out)
    elif situation == "device":
        out = Path("/dev/null")
        needle = "/dev/null"
    elif situation == "socket-inside":
        (out / main_file).parent.mkdir(parents=True)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(str(out / main_file))
        s.close()
        needle = "socket"
    elif situation == "link-to-device-inside":
        (out / main_file).parent.mkdir(parents=True)
        (out / main_file).symlink_to("/dev/null")
        needle = "symbolic link"
    else:  # a link deep in the tree a previous run left
        deep = out / "figures" / "old" / "older"
        deep.mkdir(parents=True)
        (deep / "x.png").symlink_to(target)
        needle = "symbolic link"
    before = snapshot(tmp_path)
    refused(call(argv + ["--out", str(out)]), needle)
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "made-by-the-command").exists() and target.read_text() == "keep me"


@pytest.mark.parametrize("command", [*DOCUMENTS, "train"])
def test_a_read_only_file_system(tmp_path, command):
    """Root may write into a folder without write permission, not into a read-only mount."""
    argv = DOCUMENTS[command][0] if command in DOCUMENTS else TRAIN + ["--epochs", "1"]
    mount = tmp_path / "ro"
    mount_tmpfs(mount, "size=256k")
    try:
        (mount / "out").mkdir()
        (mount / "out" / "previous.txt").write_text("keep me")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True, capture_output=True, timeout=60)
        before = snapshot(mount)
        refused(call(argv + ["--out", str(mount / "out")]), "Read-only file system")
        refused(call(argv + ["--out", str(mount / "new")]), "Read-only file system")
        assert snapshot(mount) == before
    finally:
        umount(mount)


def test_a_hard_link_inside_is_replaced_not_written_through(tmp_path):
    """A hard link planted at answers.json shares the outside file's inode: writing the file in
    place would change the outside file; a temporary file and a rename leave it alone."""
    target = _outside(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    os.link(target, out / "answers.json")
    code, stdout, err = call(DOCUMENTS["exercises"][0] + ["--out", str(out)])
    assert code == 0 and "error" not in err, err
    assert target.read_text() == "keep me"
    assert json.loads((out / "answers.json").read_text())["students"]


@pytest.mark.parametrize("slack", [0, 4096, 8192], ids=["full", "4k-left", "8k-left"])
def test_exercises_on_a_full_file_system(tmp_path, slack):
    """A full disk part-way: one error line, the previous answers.json whole, no temporary left;
    once there is room again the same command succeeds."""
    mount = tmp_path / "small"
    with tmpfs(mount, "size=256k"):
        out = mount / "out"
        out.mkdir()
        previous = b'{"seed": 7, "students": {}}\n'
        (out / "answers.json").write_bytes(previous)
        fill(mount, slack)
        argv = DOCUMENTS["exercises"][0] + ["--out", str(out)]
        refused(call(argv), "No space left on device")
        assert (out / "answers.json").read_bytes() == previous
        assert temporaries(out) == []
        (mount / "filler.bin").unlink()
        code, stdout, err = call(argv)
        assert code == 0, err
        assert json.loads((out / "answers.json").read_text())["students"]["s001"]


def test_exercises_with_no_inodes_left(tmp_path):
    mount = tmp_path / "small"
    with tmpfs(mount, "size=1m,nr_inodes=8"):
        out = mount / "out"
        out.mkdir()
        for i in range(16):  # use up the inodes
            try:
                (mount / f"f{i}").write_text("x")
            except OSError:
                break
        before = snapshot(mount)
        refused(call(DOCUMENTS["exercises"][0] + ["--out", str(out)]), "No space left on device")
        assert snapshot(mount) == before


@pytest.mark.slow
@pytest.mark.parametrize("command", ["slides", "notes", "notes --html", "notebooks"])
def test_documents_on_a_full_file_system(tmp_path, command):
    argv, main_file = DOCUMENTS[command]
    mount = tmp_path / "small"
    with tmpfs(mount, "size=256k"):
        out = mount / "out"
        (out / main_file).parent.mkdir(parents=True)
        (out / main_file).write_text("previous")
        fill(mount, 8192)
        refused(call(argv + ["--out", str(out)]), "No space left on device")
        assert (out / main_file).read_text() == "previous"
        assert temporaries(out) == []


# ----- --plugin on every command -----------------------------------------------------------------

PLUGINS: list[tuple[str, bytes, str]] = [
    ("syntax-error", b"def f(:\n", "SyntaxError"),
    ("raises", b"x = 1\nraise ValueError('boom')\n", "line 2: ValueError: boom"),
    ("exits", b"import sys\nsys.exit(3)\n", "SystemExit"),
    ("recursion", b"def f():\n    return f()\nf()\n", "RecursionError"),
    ("memory-error", b"raise MemoryError()\n", "MemoryError"),
    ("multi-line-message", b"raise ValueError('first\\nerror: forged second')\n", "ValueError: first"),
    ("nul-bytes", b"x = 1\x00\n", "SyntaxError"),
    ("latin-1", b"x = '\xe9'\n", "SyntaxError"),
    ("one-megabyte-of-comments", b"#" * MB + b"\nraise ValueError('late')\n", "line 2: ValueError: late"),
    ("imports-missing-module", b"import no_such_module_here\n", "ModuleNotFoundError"),
    ("redefines-a-builtin-activation",
     b"import sympy as sp\nfrom symbolic import register_activation\nregister_activation('relu', sp.Symbol('z'))\n",
     "already registered"),
    pytest.param("exception-without-str", b"class E(Exception):\n    def __str__(self):\n        raise RuntimeError()\n"
                 b"raise E()\n", "plugin"),
    pytest.param("base-exception", b"raise GeneratorExit('bye')\n", "plugin"),
]

TRAIN = ["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
         "regression-1d", "--no-figure"]

PLUGIN_COMMANDS = {
    "exercises": DOCUMENTS["exercises"][0],
    "slides": DOCUMENTS["slides"][0],
    "notes": DOCUMENTS["notes"][0],
    "notes --html": DOCUMENTS["notes --html"][0],
    "notebooks": DOCUMENTS["notebooks"][0],
    "train": TRAIN + ["--epochs", "1"],
    "check": ["check", "--answers", "ANSWERS", "--student", "s001", "--exercise", "E01", "--answer", "1"],
    "derive": ["derive", "--widths", "1,1", "--activation", "relu"],
    "regions": ["regions", "--widths", "1,3,1"],
    "verify": ["verify", "--widths", "1,1", "--activation", "relu", "--device", "cpu"],
    "evaluate": ["evaluate", "--widths", "1,1", "--activation", "relu", "--params", "p.json", "--data", "d.csv"],
}


def _plugin_run(key: Key, tmp_path: Path, command: str, plugin: Path) -> tuple[int, str, str]:
    argv = [a.replace("ANSWERS", str(key.path)) for a in PLUGIN_COMMANDS[command]]
    if command in DOCUMENTS or command == "train":
        argv += ["--out", str(tmp_path / "out")]
    return call([argv[0], "--plugin", str(plugin), *argv[1:]])


@pytest.mark.parametrize("content, needle", _args(PLUGINS), ids=_ids(PLUGINS))
def test_bad_plugin(key, tmp_path, content, needle):
    plugin = tmp_path / "plugin.py"
    plugin.write_bytes(content)
    command = "exercises"
    err = refused(_plugin_run(key, tmp_path, command, plugin), f"plugin {str(plugin)!r}", needle)
    assert "forged" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", list(PLUGIN_COMMANDS))
def test_a_failing_plugin_stops_every_command_before_it_runs(key, tmp_path, command):
    plugin = tmp_path / "plugin.py"
    plugin.write_text("open(__file__ + '.ran', 'w').close()\nraise ValueError('no')\n")
    refused(_plugin_run(key, tmp_path, command, plugin), "line 2: ValueError: no")
    assert (tmp_path / "plugin.py.ran").exists()  # it ran, then stopped the command
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["", "   ", "-", "/dev/null"], ids=["empty", "blank", "dash", "dev-null"])
def test_plugin_option_values(key, tmp_path, value):
    out = tmp_path / "out"
    refused(call(["exercises", "--plugin", value, "--out", str(out), "--students", "1", "--topics", "shallow",
                  "--no-pdf"]), "plugin")
    assert not out.exists()


def test_a_plugin_density_that_is_negative_somewhere_is_refused(tmp_path):
    (tmp_path / "neg.py").write_text(
        "import sympy as sp\nfrom symbolic import register_loss\n"
        "y, mu = sp.Symbol('y', real=True), sp.Symbol('mu', real=True)\n"
        "density = sp.exp(-(y - mu)**2 / 2) / sp.sqrt(2 * sp.pi) * (1 + 2 * sp.sin(y - mu))\n"
        "register_loss('neg-normal', density=density, target=y, link=lambda f: {mu: f[0]}, outputs=1, support='real')\n")
    proc = subprocess.run([sys.executable, "-m", "derivations", "derive", "--plugin", "neg.py", "--widths", "1,1",
                           "--activation", "relu", "--loss", "neg-normal", "--format", "text"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    refused((proc.returncode, proc.stdout, proc.stderr), "plugin 'neg.py'", "negative")


# ----- grade, when it exists ---------------------------------------------------------------------

def test_grade_is_a_known_command_or_refused_in_one_line(key, tmp_path):
    if "grade" not in COMMANDS:
        refused(call(["grade", "--answers", str(key.path)]), "invalid choice: 'grade'")
        return
    sub = tmp_path / "sub.json"
    sub.write_bytes(b"[" * 200_000)  # pragma: no cover - for when grade exists
    refused(call(["grade", "--answers", str(key.path), "--submission", str(sub)]))


# ----- train: run folders on odd file systems, two writers, SIGKILL -------------------------------

def test_train_on_a_full_file_system_keeps_the_previous_checkpoints(tmp_path):
    import torch

    mount = tmp_path / "small"
    with tmpfs(mount, "size=1m"):
        run = mount / "run"
        assert call(TRAIN + ["--epochs", "2", "--checkpoint-every", "1", "--out", str(run)])[0] == 0
        before = snapshot(run)
        fill(mount)
        refused(call(TRAIN + ["--epochs", "6", "--checkpoint-every", "1", "--resume", "--out", str(run)]),
                "No space left on device")
        for p in (run / "checkpoints").glob("epoch-*.pt"):
            torch.load(p, weights_only=True)
        assert {k: v for k, v in snapshot(run).items() if k.startswith("checkpoints/epoch-")} == \
            {k: v for k, v in before.items() if k.startswith("checkpoints/epoch-")}
        assert json.loads((run / "summary.json").read_text()) == json.loads(before["summary.json"])
        (mount / "filler.bin").unlink()
        code, out, err = call(TRAIN + ["--epochs", "6", "--checkpoint-every", "1", "--resume", "--out", str(run)])
        assert code == 0 and "resumed from epoch 2" in out, err
        assert temporaries(run) == []


@pytest.mark.parametrize("situation", ["dangling-link", "parent-is-a-file", "device"])
def test_train_run_folder_refused(tmp_path, situation):
    target = _outside(tmp_path)
    run = tmp_path / "run"
    if situation == "dangling-link":
        run.symlink_to(tmp_path / "made-by-train")
    elif situation == "parent-is-a-file":
        run = target / "run"
    else:
        run = Path("/dev/null")
    before = snapshot(tmp_path)
    refused(call(TRAIN + ["--epochs", "1", "--out", str(run)]))
    assert snapshot(tmp_path) == before and not (tmp_path / "made-by-train").exists()


def _python_m(*argv: str) -> list[str]:
    return [sys.executable, "-m", "derivations", *argv]


def _metric_epochs(run: Path) -> list[int]:
    lines = (run / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,")
    return [int(line.split(",")[0]) for line in lines[1:]]


def _newest(run: Path) -> int:
    return max(int(p.stem.split("-")[1]) for p in (run / "checkpoints").glob("epoch-*.pt"))


def _wait_for(predicate, proc: subprocess.Popen, what: str, limit: float = 180) -> None:
    """Poll until ``predicate()``; a hang guard, not a timing assertion."""
    waited = 0.0
    while not predicate():
        assert proc.poll() is None, f"training ended before {what}: {proc.communicate()[1][-1000:]}"
        assert waited < limit, f"no {what} after {limit} s"
        threading.Event().wait(0.01)
        waited += 0.01


@pytest.mark.slow
def test_two_trains_on_one_run_folder(tmp_path):
    """While one run trains, a second run (another seed) and a --resume are refused naming its
    pid and write nothing; the first run, stopped and resumed, has every epoch exactly once."""
    run = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    common = [*TRAIN, "--checkpoint-every", "5", "--out", str(run)]
    first = subprocess.Popen(_python_m(*common, "--epochs", "1000000", "--seed", "1"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env)
    try:
        _wait_for(lambda: any((run / "checkpoints").glob("epoch-*.pt")), first, "a checkpoint")
        others = [subprocess.Popen(_python_m(*common, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, cwd=tmp_path, env=env)
                  for extra in (["--epochs", "50", "--seed", "2"], ["--epochs", "1000000", "--seed", "1", "--resume"])]
        for proc in others:
            out, err = proc.communicate(timeout=300)
            refused((proc.returncode, out, err), f"is in use by another training run (pid {first.pid},")
        assert first.poll() is None, "the first run stopped"
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=300)
        assert first.returncode == 143 and err == "error: terminated\n", (first.returncode, err[-1000:])
    finally:
        if first.poll() is None:
            first.kill()
            first.wait(timeout=60)
    assert not (run / "summary.json").exists() and not (run / "params.json").exists()  # the second run wrote none
    done = _newest(run)
    resumed = subprocess.run(_python_m(*common, "--epochs", str(done + 3), "--seed", "1", "--resume"),
                             capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert resumed.returncode == 0 and resumed.stderr == "", resumed.stderr[-1000:]
    assert f"resumed from epoch {done}" in resumed.stdout
    assert _metric_epochs(run) == list(range(1, done + 4))
    assert json.loads((run / "summary.json").read_text())["epochs"] == done + 3


@pytest.mark.slow
def test_sigkill_during_a_checkpoint_write(tmp_path):
    """SIGKILL while a checkpoint is being written (its temporary file present): every
    checkpoint left loads, the lock is not stale, and --resume continues from the newest."""
    import torch

    run = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    common = ["train", "--widths", "1,128,128,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
              "regression-1d", "--no-figure", "--optimizer", "adam", "--checkpoint-every", "1", "--seed", "4",
              "--out", str(run)]
    checkpoints = run / "checkpoints"

    def writing() -> bool:
        try:
            names = os.listdir(checkpoints)
        except FileNotFoundError:
            return False
        return any(n.startswith(".") for n in names) and any(n.startswith("epoch-") for n in names)

    proc = subprocess.Popen(_python_m(*common, "--epochs", "1000000"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=tmp_path, env=env)
    try:
        _wait_for(writing, proc, "a checkpoint being written")
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    kept = sorted(checkpoints.glob("epoch-*.pt"))
    assert kept, "no checkpoint survived"
    for p in kept:
        state = torch.load(p, weights_only=True)
        assert isinstance(state, dict)
    done = _newest(run)
    resumed = subprocess.run(_python_m(*common, "--epochs", str(done + 2), "--resume"), capture_output=True, text=True,
                             cwd=tmp_path, env=env, timeout=300)
    assert resumed.returncode == 0 and resumed.stderr == "", resumed.stderr[-1000:]
    assert f"resumed from epoch {done}" in resumed.stdout
    assert [n for n in os.listdir(checkpoints) if n.startswith(".")] == []
    assert _metric_epochs(run)[-1] == done + 2
