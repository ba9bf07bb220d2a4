"""Fuzzing the command line's contract (hypothesis): whatever file contents and option
values a user gives, ``main()`` returns 0 or 2 (1 only where a check may fail), never
raises, and on exit 2 prints exactly one ``error:`` line on stderr, nothing on stdout, and
leaves the files it was given and the run folder as they were.

The cases run in-process (``main(argv)``), so hundreds of inputs take seconds; the
subprocess tests in ``test_cli_contract.py`` cover what only a process shows (stderr
purity, a closed pipe, no torch import) and ``test_signals_leave_the_run_resumable`` here
covers interrupts.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from derivations.cli import main

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                    derandomize=True)

VALID_PARAMS = {"beta_0": [0.1, -0.2, 0.3], "omega_0": [[1.0], [-1.0], [0.5]], "beta_1": [0.2],
                "omega_1": [[1.0, 0.5, -0.5]]}
VALID_CSV = "x,y\n0.5,1\n-1.25,0\n2,1\n"


def call(argv: list[str]) -> tuple[int, str, str]:
    """Run ``main(argv)`` in-process: (exit code, stdout, stderr). Any exception fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # only --help may exit through argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def assert_contract(code: int, out: str, err: str, allowed=(0, 2)) -> None:
    assert code in allowed, (code, out[-500:], err[-500:])
    assert "Traceback" not in err
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("error: ") and len(err) < 600, err
        assert out == "", out[:300]
    elif code == 0:
        assert "error:" not in err


def snapshot(folder: Path) -> dict[str, bytes]:
    found = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            found[str(p.relative_to(folder))] = b"-> " + os.readlink(p).encode()
        elif p.is_file():
            found[str(p.relative_to(folder))] = p.read_bytes()
    return found


# ----- file contents ------------------------------------------------------------------------

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**500, max_value=10**500),
    st.sampled_from([0, 1, -1, 1e308, -1e-308, 5e-324]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=8)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)


@st.composite
def params_texts(draw) -> bytes:
    """A params file: valid, with one tensor replaced, random JSON, or raw bytes."""
    kind = draw(st.sampled_from(["mutate", "json", "bytes", "deep", "text"]))
    if kind == "mutate":
        doc = json.loads(json.dumps(VALID_PARAMS))
        name = draw(st.sampled_from(sorted(doc) + ["extra"]))
        doc[name] = draw(json_values)
        if draw(st.booleans()):
            doc.pop(draw(st.sampled_from(sorted(VALID_PARAMS))), None)
        text = json.dumps(doc, allow_nan=True)
        if draw(st.booleans()):  # integers too long for float64, as text
            text = text.replace("0.2", draw(st.sampled_from(["1" * 401, "-" + "9" * 5000, "1e999", "NaN", "-Infinity"])))
        return text.encode()
    if kind == "json":
        return json.dumps(draw(json_values), allow_nan=True).encode()
    if kind == "deep":
        depth = draw(st.sampled_from([3, 50, 5000, 200_000]))
        return (draw(st.sampled_from(["[", '{"a":'])) * depth).encode()
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=300))


cells = st.one_of(
    st.sampled_from(["1", "-2.5", "1e3", "1_000", "0x10", "inf", "-Infinity", "nan", "", " ", "1e999", "१", "1,5",
                     '"3"', "\x00", "1e", ".", "+.5", "9" * 400]),
    st.text(max_size=6),
)


@st.composite
def csv_texts(draw) -> bytes:
    """A data file: a valid one with cells, header or bytes changed, or random bytes."""
    kind = draw(st.sampled_from(["cells", "header", "bytes", "bom"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    rows = [line.split(",") for line in VALID_CSV.strip().split("\n")]
    if kind == "header":
        rows[0] = draw(st.lists(st.sampled_from(["x", "y", "x_1", "y_1", "x_2", "z", "", "x "]), min_size=0, max_size=4))
    else:
        for _ in range(draw(st.integers(1, 3))):
            r = draw(st.integers(1, len(rows) - 1))
            c = draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = draw(cells)
    text = "\n".join(",".join(r) for r in rows) + draw(st.sampled_from(["\n", "\r\n", "", "\n\n,\n"]))
    data = text.encode("utf-8", "surrogatepass")
    return (b"\xef\xbb\xbf" + data) if kind == "bom" else data


@SETTINGS
@given(params=params_texts(), data=csv_texts(), loss=st.sampled_from([None, "least-squares", "bernoulli", "poisson"]),
       command=st.sampled_from(["evaluate", "regions"]))
@example(params=b"[" * 100_000, data=VALID_CSV.encode(), loss=None, command="regions")
@example(params=json.dumps(VALID_PARAMS).replace("0.2", "1" * 401).encode(), data=VALID_CSV.encode(), loss=None,
         command="evaluate")
@example(params=json.dumps(VALID_PARAMS).encode(), data=b"x,y\n1_000,1\n", loss="bernoulli", command="evaluate")
@example(params=json.dumps(dict(VALID_PARAMS, beta_0=[1e300] * 3)).encode(), data=VALID_CSV.encode(),
         loss="poisson", command="evaluate")
@example(params='{"beta_0": "\xe9"}'.encode("latin-1"), data=VALID_CSV.encode(), loss=None, command="regions")
def test_params_and_data_files(params, data, loss, command):
    with tempfile.TemporaryDirectory() as tmp:
        p, d = Path(tmp, "p.json"), Path(tmp, "d.csv")
        p.write_bytes(params)
        d.write_bytes(data)
        before = snapshot(Path(tmp))
        if command == "regions":
            argv = ["regions", "--widths", "1,3,1", "--params", str(p), "--format", "json"]
        else:
            argv = ["evaluate", "--widths", "1,3,1", "--activation", "relu", "--params", str(p), "--data", str(d)]
            argv += ["--loss", loss] if loss else []
        code, out, err = call(argv)
        assert_contract(code, out, err)
        if code == 0:
            json.loads(out)  # a finite JSON document (no NaN/Infinity)
            assert "NaN" not in out and "Infinity" not in out
        assert snapshot(Path(tmp)) == before


# ----- options ------------------------------------------------------------------------------

option_values = st.one_of(
    st.sampled_from(["-1", "0", "1", "2", "4294967295", "4294967296", "99999999999999999999999", "1_0", "0x1", "1e3",
                     "nan", "inf", "-inf", "", " ", "1.5", "x", "--", "1,2", "३"]),
    st.integers(-10**20, 10**20).map(str),
    st.text(max_size=5),
)
widths = st.one_of(st.sampled_from(["1,3,1", "1,2,2,1", "2,3,1", "1,0,1", "1", "", "1,,1", "1,x,1", "1_0,1",
                                    "1," + "9" * 30 + ",1", "1,100000,100000,1", ",".join(["1"] * 3000)]),
                   st.lists(st.integers(-2, 6), min_size=0, max_size=5).map(lambda w: ",".join(map(str, w))))


@SETTINGS
@given(option=st.sampled_from(["--seed", "--samples", "--sigma", "--widths", "--activation", "--loss", "--format",
                               "--dtype", "--device", "--frobnicate"]),
       value=option_values, width_text=widths)
def test_verify_options(option, value, width_text):
    argv = ["verify", "--widths", width_text, "--activation", "tanh", "--device", "cpu", "--samples", "4", option, value]
    code, out, err = call(argv)
    assert_contract(code, out, err, allowed=(0, 1, 2))


@SETTINGS
@given(option=st.sampled_from(["--seed", "--epochs", "--lr", "--batch-size", "--beta", "--sigma", "--checkpoint-every",
                               "--keep-checkpoints", "--optimizer", "--dataset", "--widths", "--dtype"]),
       value=option_values)
def test_train_options(option, value):
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
                "regression-1d", "--epochs", "2", "--no-figure", "--out", str(Path(tmp, "run")), option, value]
        if option == "--epochs" and value.strip().isdigit() and int(value) > 50:
            argv[argv.index(value)] = "50"  # a valid but long run is not what this test is about
        code, out, err = call(argv)
        assert_contract(code, out, err, allowed=(0, 1, 2))
        if code == 2:
            assert not Path(tmp, "run").exists() or not any(Path(tmp, "run", "checkpoints").glob("*.pt"))


@SETTINGS
@given(option=st.sampled_from(["--grid", "--extent", "--widths", "--activation", "--format"]), value=option_values)
def test_regions_options(option, value):
    code, out, err = call(["regions", "--widths", "1,3,1", option, value])
    assert_contract(code, out, err)


# ----- run folders ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("fuzz") / "run"
    code, _, err = call(["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
                         "regression-1d", "--epochs", "4", "--checkpoint-every", "2", "--no-figure", "--out", str(run)])
    assert code == 0, err
    return run


damage = st.one_of(
    st.tuples(st.just("truncate"), st.sampled_from(["checkpoints/epoch-000004.pt", "metrics.csv"]), st.integers(0, 4000)),
    st.tuples(st.just("flip"), st.just("checkpoints/epoch-000004.pt"), st.integers(0, 10_000)),
    st.tuples(st.just("link"), st.sampled_from(["summary.json", "params.json", "metrics.csv", "loss_curve.png",
                                                "checkpoints/epoch-000004.pt", "checkpoints"]), st.just(0)),
    st.tuples(st.just("folder"), st.sampled_from(["summary.json", "metrics.csv", "checkpoints/epoch-000004.pt"]),
              st.just(0)),
    st.tuples(st.just("fifo"), st.sampled_from(["checkpoints/epoch-000004.pt", "metrics.csv"]), st.just(0)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(change=damage, resume=st.booleans())
def test_damaged_run_folders(finished_run, change, resume):
    import shutil

    kind, name, n = change
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp, "run")
        shutil.copytree(finished_run, run, symlinks=True)
        outside = Path(tmp, "outside")
        outside.write_bytes(b"outside the run folder")
        target = run / name
        if kind == "truncate":
            target.write_bytes(target.read_bytes()[:n])
        elif kind == "flip":
            data = bytearray(target.read_bytes())
            data[n % len(data)] ^= 0xFF
            target.write_bytes(bytes(data))
        elif kind == "link":
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
            target.symlink_to(outside)
        elif kind == "folder":
            target.unlink(missing_ok=True)
            target.mkdir()
        else:
            target.unlink(missing_ok=True)
            os.mkfifo(target)
        before = snapshot(run)
        argv = ["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
                "regression-1d", "--epochs", "6", "--checkpoint-every", "2", "--out", str(run)]
        code, out, err = call(argv + (["--resume"] if resume else []))
        assert_contract(code, out, err)
        assert outside.read_bytes() == b"outside the run folder"
        if code == 2:
            assert snapshot(run) == before, err
        else:  # a flipped byte the zip reader does not notice, or a shortened metrics.csv: the run went on
            assert resume and kind in ("flip", "truncate")


# ----- signals (a process) --------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("sig, code, line", [(signal.SIGINT, 130, "error: interrupted\n"),
                                              (signal.SIGTERM, 143, "error: terminated\n")])
def test_signals_leave_the_run_resumable(tmp_path, sig, code, line):
    run = tmp_path / "run"
    argv = [sys.executable, "-m", "derivations", "train", "--widths", "1,16,1", "--activation", "relu", "--loss",
            "least-squares", "--dataset", "regression-1d", "--epochs", "100000", "--checkpoint-every", "50",
            "--no-figure", "--out", str(run)]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True)
    deadline = time.monotonic() + 120
    while not any((run / "checkpoints").glob("epoch-*.pt")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code and err == line, (proc.returncode, err[-1000:])
    from numeric.checkpoint import latest_checkpoint

    done = int(latest_checkpoint(run).stem.split("-")[1])
    i = argv.index("--epochs")
    resumed = subprocess.run(argv[:i + 1] + [str(done + 50)] + argv[i + 2:] + ["--resume"], capture_output=True,
                             text=True, cwd=ROOT, timeout=300)
    assert resumed.returncode == 0 and resumed.stderr == "", resumed.stderr[-1000:]
    assert f"resumed from epoch {done}" in resumed.stdout
    assert math.isfinite(json.loads((run / "summary.json").read_text())["final_loss"])


# ----- exercises and check: rosters, answers.json, submissions, answers ---------------------

@pytest.fixture(scope="module")
def answers_file(tmp_path_factory) -> Path:
    from derivations.exercises.build import build_exercises

    out = tmp_path_factory.mktemp("ex")
    build_exercises(out, ["s001"], seed=3, topics=["shallow"], pdf=False)
    return out / "answers.json"


@st.composite
def answers_texts(draw, valid: bytes) -> bytes:
    kind = draw(st.sampled_from(["field", "json", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "json":
        return json.dumps(draw(json_values), allow_nan=True).encode()
    doc = json.loads(valid)
    exercise = doc["students"]["s001"][0]
    key = draw(st.sampled_from(sorted(exercise) + ["students", "seed"]))
    value = draw(json_values)
    if key in ("students", "seed"):
        doc[key] = value
    else:
        exercise[key] = value
    return json.dumps(doc, allow_nan=True).encode()


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data(), answer=st.one_of(st.sampled_from(["1", "-51/4", "\\frac{1}{0}", "x" * 5000, "(", "1e999",
                                                           "__import__('os')", "\\mathrm{ReLU}\\left[", ""]),
                                         st.text(max_size=20)),
       submission=json_values)
def test_check_inputs(answers_file, data, answer, submission):
    valid = answers_file.read_bytes()
    text = data.draw(answers_texts(valid))
    with tempfile.TemporaryDirectory() as tmp:
        answers, sub = Path(tmp, "answers.json"), Path(tmp, "sub.json")
        answers.write_bytes(text)
        sub.write_text(json.dumps(submission, allow_nan=True))
        before = snapshot(Path(tmp))
        for argv in (["check", "--answers", str(answers), "--student", "s001", "--exercise", "E01", "--answer", answer],
                     ["check", "--answers", str(answers), "--student", "s001", "--submission", str(sub)]):
            code, out, err = call(argv)
            assert_contract(code, out, err, allowed=(0, 1, 2))
        assert snapshot(Path(tmp)) == before


@SETTINGS
@given(roster=st.one_of(st.binary(max_size=100), st.lists(st.text(max_size=8), max_size=5).map(
    lambda ids: ("id\n" + "\n".join(ids)).encode("utf-8", "surrogatepass"))),
       seed=option_values)
def test_exercises_inputs(roster, seed):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "roster.csv")
        path.write_bytes(roster)
        code, out, err = call(["exercises", "--out", str(Path(tmp, "ex")), "--roster", str(path), "--seed", seed,
                               "--topics", "nope-" + seed, "--no-pdf"])  # a bad topic: nothing is built
        assert_contract(code, out, err, allowed=(2,))


def test_every_command_answers_help_and_bad_options_without_torch():
    """One process for all commands: each ``--help`` and an unknown option, with torch blocked."""
    script = """
import contextlib, io, sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked for this test")
sys.meta_path.insert(0, NoTorch())
from derivations.cli import COMMANDS, main
for name in COMMANDS:
    for argv in ([name, "--help"], [name, "--no-such-option"]):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:
                code = exc.code
        ok = (code == 0 and "usage:" in out.getvalue()) if argv[1] == "--help" else (
            code == 2 and err.getvalue().count("\\n") == 1 and err.getvalue().startswith("error: "))
        print(name, argv[1], "ok" if ok else f"FAILED {code} {err.getvalue()[-300:]!r}")
print("torch imported:", "torch" in sys.modules)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and lines[-1] == "torch imported: False", proc.stdout[-2000:] + proc.stderr[-2000:]
    assert all(line.endswith(" ok") for line in lines[:-1]) and len(lines) >= 2 * 8 + 1, proc.stdout
