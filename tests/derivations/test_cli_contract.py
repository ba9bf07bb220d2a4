"""The command line's contract on bad input: exit 2, exactly one ``error:`` line naming the
problem, no traceback, no hang, and the saved state (run folder, files outside it) intact.

One test per defect of the hardening pass (numbered as in the issue that listed them).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from derivations.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares", "--dataset",
         "regression-1d", "--no-figure"]
PARAMS_131 = {"beta_0": [0.1, -0.2, 0.3], "omega_0": [[1.0], [-1.0], [0.5]], "beta_1": [0.2],
              "omega_1": [[1.0, 0.5, -0.5]]}


def one_error(capsys, code: int, start: str = "error: ") -> str:
    """Assert the contract on a finished in-process call; return the error line."""
    out = capsys.readouterr()
    assert code == 2, out
    assert out.err.count("\n") == 1 and out.err.startswith(start), out.err
    assert "Traceback" not in out.err
    return out.err.strip()


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (links as their target text)."""
    found = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            found[str(p.relative_to(folder))] = os.readlink(p).encode()
        elif p.is_file():
            found[str(p.relative_to(folder))] = p.read_bytes()
    return found


def write_params(path: Path, doc) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


# 1 ---------------------------------------------------------------------------------------
def test_1_a_401_digit_integer_in_params_is_named(tmp_path, capsys):
    doc = dict(PARAMS_131, beta_1=["BIG"])
    path = write_params(tmp_path / "p.json", json.dumps(doc).replace('"BIG"', "1" * 401))
    line = one_error(capsys, main(["regions", "--widths", "1,3,1", "--params", str(path)]))
    assert "p.json" in line and "too large for float64" in line and "401 digits" in line


# 2 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["regions", "evaluate"])
def test_2_params_nested_100000_deep(tmp_path, capsys, command):
    path = write_params(tmp_path / "p.json", "[" * 100_000 + "]" * 100_000)
    data = tmp_path / "d.csv"
    data.write_text("x\n1\n")
    argv = {"regions": ["regions", "--widths", "1,3,1", "--params", str(path)],
            "evaluate": ["evaluate", "--widths", "1,3,1", "--activation", "relu", "--params", str(path),
                         "--data", str(data)]}[command]
    assert "nests lists or objects too deeply" in one_error(capsys, main(argv))


def test_2_a_tensor_nested_three_deep_is_named(tmp_path, capsys):
    path = write_params(tmp_path / "p.json", dict(PARAMS_131, beta_1=[[[0.2]]]))
    assert "beta_1 nests lists more than two deep" in one_error(
        capsys, main(["regions", "--widths", "1,3,1", "--params", str(path)]))


# 3 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv, size", [
    (["verify", "--widths", "1,2,1", "--activation", "relu", "--samples", "1000000000000"], "TiB"),
    (TRAIN[:2] + ["1,100000,100000,1"] + TRAIN[3:], "GiB"),
])
def test_3_requests_that_cannot_fit_are_refused_before_allocating(argv, size, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = one_error(capsys, main(argv))
    assert "needs about" in line and size in line and "more than the limit of 16.0 GiB" in line
    assert not (tmp_path / "runs").exists()  # refused before the run folder was made


@pytest.mark.parametrize("argv, message", [
    (["regions", "--widths", ",".join(["1"] * 1003)], "--widths lists 1001 hidden layers; at most 1000"),
    (["regions", "--widths", "1,150,150,1", "--params", "P"], "give 23101 parameters; regions are counted exactly "
                                                              "for at most 20000"),
    (["regions", "--widths", "2,5000,1", "--params", "P", "--grid", "4001"], "needs about 1.8 TiB of memory"),
])
def test_3_other_sizes_are_capped_before_any_work(tmp_path, capsys, argv, message):
    if "P" in argv:
        from symbolic.spec import NetworkSpec

        spec = NetworkSpec(tuple(int(w) for w in argv[2].split(",")), "relu")
        doc = {name: [[0.5] * shape[1]] * shape[0] if len(shape) == 2 else [0.0] * shape[0]
               for name, shape in spec.tensor_shapes().items()}
        argv[argv.index("P")] = str(write_params(tmp_path / "p.json", doc))
    assert message in one_error(capsys, main(argv))


# 4 ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("run") / "run"
    assert main(TRAIN + ["--epochs", "5", "--checkpoint-every", "5", "--out", str(run)]) == 0
    return run


def crafted(finished_run: Path, tmp_path: Path, change) -> Path:
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    path = run / "checkpoints" / "epoch-000005.pt"
    data = torch.load(path, weights_only=True)
    change(data)
    torch.save(data, path)
    return run


@pytest.mark.parametrize("change, field", [
    (lambda d: d["rng"].__setitem__("torch_cpu", d["rng"]["torch_cpu"][:10]), "field rng.torch_cpu must be a torch CPU RNG state"),
    (lambda d: d.__setitem__("history", [1.0, 2.0]), "field history must be a dict"),
    (lambda d: d["history"].__setitem__("loss", [1.0]), "field history.loss must be one loss per completed epoch (5)"),
    (lambda d: d["rng"]["numpy"].__setitem__("bit_generator", "MT19937"), "field rng.numpy must be a PCG64 state"),
    (lambda d: d["rng"]["numpy"]["state"].__setitem__("state", "x"), "field rng.numpy must be a valid PCG64 state"),
    (lambda d: d.__setitem__("epoch", -1), "field epoch must be an integer >= 0"),
    (lambda d: d.__setitem__("epoch", 2.5), "field epoch must be an integer >= 0"),
    (lambda d: d.__setitem__("model", [1]), "field model must be a dict of named tensors"),
    (lambda d: d.__setitem__("optimizer", {"state": 1}), "field optimizer must be an optimizer state_dict"),
    (lambda d: d["optimizer"]["param_groups"][0].__setitem__("lr", 7.0), "field optimizer.param_groups[0].lr is 7.0"),
    (lambda d: d["rng"].__setitem__("torch_cpu", torch.full_like(d["rng"]["torch_cpu"], 255)),
     "field rng.torch_cpu must be a valid torch CPU RNG state"),
    (lambda d: d["history"].__setitem__("loss", [float("nan")] * 5), "field history.loss[0] must be a finite loss"),
    (lambda d: d.__setitem__("step", 0), "field step is 0, but 5 epochs of 3 steps (I = 40, B = 16) make 15"),
    (lambda d: d.__setitem__("config", "x"), "field config must be a dict"),
    (lambda d: d["model"].__setitem__("omega_0", torch.zeros(7, 7, dtype=torch.float64)),
     "field model.omega_0 has shape (7, 7), this network's omega_0 has (2, 1)"),
    (lambda d: d["model"].__setitem__("omega_0", d["model"]["omega_0"].long()), "field model.omega_0 is int64, this run "
                                                                                  "trains in float64"),
    (lambda d: d["model"].__setitem__("omega_0", d["model"]["omega_0"] * float("nan")),
     "field model.omega_0 holds non-finite numbers"),
    (lambda d: d["model"].pop("beta_1"), "field model lacks the tensor beta_1"),
    (lambda d: d["model"].__setitem__("omega_9", torch.zeros(1)),
     "field model has a tensor 'omega_9' that widths 1,2,1 do not"),
])
def test_4_every_checkpoint_field_is_validated(finished_run, tmp_path, capsys, change, field):
    run = crafted(finished_run, tmp_path, change)
    before = tree(run)
    line = one_error(capsys, main(TRAIN + ["--epochs", "8", "--out", str(run), "--resume"]))
    assert field in line, line
    assert tree(run) == before  # nothing touched


def test_4_optimizer_state_of_the_wrong_shape(tmp_path, capsys):
    run = tmp_path / "run"
    argv = TRAIN + ["--optimizer", "adam", "--epochs", "2", "--out", str(run)]
    assert main(argv) == 0
    capsys.readouterr()
    path = run / "checkpoints" / "epoch-000002.pt"
    data = torch.load(path, weights_only=True)
    data["optimizer"]["state"][0]["exp_avg"] = torch.zeros(7, dtype=torch.float64)
    torch.save(data, path)
    line = one_error(capsys, main(argv[:-4] + ["--epochs", "4", "--out", str(run), "--resume"]))
    assert "optimizer state 'exp_avg'" in line and "has shape (7,)" in line


# 5 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("option", ["--params", "--data"])
def test_5_dev_zero_and_fifos_are_refused_at_once(tmp_path, capsys, option):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    good = write_params(tmp_path / "p.json", PARAMS_131)
    data = tmp_path / "d.csv"
    data.write_text("x\n1\n")
    for bad, kind in (("/dev/zero", "is a device"), (str(fifo), "is a FIFO"), (str(tmp_path), "is a folder")):
        files = {"--params": str(good), "--data": str(data), option: bad}
        argv = ["evaluate", "--widths", "1,3,1", "--activation", "relu", "--params", files["--params"],
                "--data", files["--data"]]
        line = one_error(capsys, main(argv))
        assert kind in line and repr(bad) in line, line


@pytest.mark.parametrize("option", ["--answers", "--submission", "--roster"])
def test_5_every_file_option_reads_regular_files_only(tmp_path, capsys, option):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"seed": 0, "students": {"a": []}}))
    for bad, kind in (("/dev/zero", "is a device"), (str(fifo), "is a FIFO"), (str(tmp_path), "is a folder")):
        argv = {"--answers": ["check", "--answers", bad, "--student", "a", "--submission", str(answers)],
                "--submission": ["check", "--answers", str(answers), "--student", "a", "--submission", bad],
                "--roster": ["exercises", "--out", str(tmp_path / "out"), "--roster", bad]}[option]
        line = one_error(capsys, main(argv))
        assert kind in line and repr(bad) in line, line


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, "answers file 'a.json' nests lists or objects too deeply"),
    ('{"seed": ' + "1" * 5000 + ', "students": {}}', "answers file 'a.json' holds an integer of more than 4300 digits"),
    ('{"seed": 0,', "answers file 'a.json' is not valid JSON"),
])
def test_5_answers_json_failures_name_the_file(tmp_path, capsys, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    Path("a.json").write_text(text)
    assert message in one_error(capsys, main(["check", "--answers", "a.json", "--student", "a", "--exercise", "E01",
                                              "--answer", "1"]))


@pytest.mark.parametrize("text, message", [
    ("id\n" + "a" * 200_000 + "\n", "roster 'r.csv' is not a readable CSV: field larger than field limit"),
    ("name," + "x" * 5000 + "\nalice,1\n", "roster 'r.csv' needs exactly one column 'id' in its header, got 'name,xxx"),
])
def test_5_roster_failures_are_one_short_line(tmp_path, capsys, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    Path("r.csv").write_text(text)
    line = one_error(capsys, main(["exercises", "--out", "out", "--roster", "r.csv"]))
    assert message in line and len(line) < 300, line


def test_5_files_over_the_size_limit_are_refused(tmp_path, capsys, monkeypatch):
    import numeric.files

    monkeypatch.setattr(numeric.files, "MAX_INPUT_FILE_BYTES", 100)
    monkeypatch.setattr(numeric.files.read_regular_file, "__defaults__", ("", 100))  # what, limit
    path = write_params(tmp_path / "p.json", PARAMS_131)
    line = one_error(capsys, main(["regions", "--widths", "1,3,1", "--params", str(path)]))
    assert "more than the limit of 100 bytes" in line


# 6 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss, warnings", [("least-squares", []), ("poisson", []),
                                            ("poisson", ["-W", "error::RuntimeWarning"])],
                         ids=["least-squares", "poisson", "poisson-warnings-as-errors"])
def test_6_overflow_is_one_line_without_warnings(tmp_path, loss, warnings):
    params = {"beta_0": [1e100] * 3, "omega_0": [[1e60]] * 3, "beta_1": [1e60], "omega_1": [[1e60] * 3]}
    path = write_params(tmp_path / "p.json", params)
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n")
    proc = subprocess.run([sys.executable, *warnings, "-m", "derivations", "evaluate", "--widths", "1,3,1",
                           "--activation", "relu",
                           "--loss", loss, "--params", str(path), "--data", str(data)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: the "), proc.stderr
    assert "overflow to inf or nan" in proc.stderr


# 7 ---------------------------------------------------------------------------------------
def test_7_a_closed_reader_is_not_an_error():
    proc = subprocess.Popen([sys.executable, "-m", "derivations", "derive", "--widths", "3,30,30,2", "--activation",
                             "relu", "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.read(100)
    proc.stdout.close()  # the reader goes away, as `| head -c 100` does
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0 and err == b"", err


# 8 ---------------------------------------------------------------------------------------
def test_8_a_bad_run_folder_is_refused_before_anything_is_touched(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(TRAIN + ["--epochs", "2", "--seed", "3", "--out", str(run)]) == 0
    capsys.readouterr()
    import shutil

    shutil.rmtree(run / "checkpoints")
    (run / "checkpoints").write_text("a file where the folder belongs")
    before = tree(run)
    line = one_error(capsys, main(TRAIN + ["--epochs", "2", "--out", str(run)]))
    assert "checkpoints' is not a folder" in line
    assert tree(run) == before  # the earlier run's metrics.csv survives


# 9 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("resume", [False, True])
def test_9_temporary_files_of_killed_writes_are_cleaned(tmp_path, capsys, resume):
    run = tmp_path / "run"
    if resume:
        assert main(TRAIN + ["--epochs", "2", "--out", str(run)]) == 0
    (run / "checkpoints").mkdir(parents=True, exist_ok=True)
    stale = [run / ".params-abc.json", run / ".deepderive-tmp-x.json", run / "checkpoints" / ".tmp-checkpoint-x.pt",
             run / "checkpoints" / ".deepderive-tmp-y.pt"]
    for p in stale:
        p.write_bytes(b"half a write")
    assert main(TRAIN + ["--epochs", "4", "--out", str(run)] + (["--resume"] if resume else [])) == 0
    assert not any(p.exists() for p in stale)
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == (["epoch-000002.pt", "epoch-000004.pt"] if resume else ["epoch-000004.pt"])


# 10 --------------------------------------------------------------------------------------
def test_10_csv_with_a_byte_order_mark_is_read(tmp_path, capsys):
    params = write_params(tmp_path / "p.json", PARAMS_131)
    plain, bom = tmp_path / "plain.csv", tmp_path / "bom.csv"
    plain.write_text("x\n0.5\n-1.25\n")
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    outs = []
    for data in (plain, bom):
        assert main(["evaluate", "--widths", "1,3,1", "--activation", "relu", "--params", str(params),
                     "--data", str(data)]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1] and len(outs[0]["outputs"]) == 2


@pytest.mark.parametrize("cell", ["1_000", "0x10", "Infinity", "-inf", "1e", ".", "1.2.3", "१२"])
def test_10_python_literal_syntax_is_not_csv(tmp_path, capsys, cell):
    params = write_params(tmp_path / "p.json", PARAMS_131)
    data = tmp_path / "d.csv"
    data.write_text(f"x\n1\n{cell}\n", encoding="utf-8")
    line = one_error(capsys, main(["evaluate", "--widths", "1,3,1", "--activation", "relu", "--params", str(params),
                                   "--data", str(data)]))
    assert "line 3 column 'x'" in line and cell in line


# 11 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["summary.json", "loss_curve.png", "metrics.csv", "params.json"])
def test_11_links_in_the_run_folder_are_refused(tmp_path, capsys, name):
    run = tmp_path / "run"
    run.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (run / name).symlink_to(outside)
    argv = [a for a in TRAIN if a != "--no-figure"]
    line = one_error(capsys, main(argv + ["--epochs", "2", "--out", str(run)]))
    assert f"{name}' is a symbolic link" in line
    assert outside.read_text() == "keep me" and sorted(p.name for p in run.iterdir()) == [name]


def test_11_writes_replace_a_link_instead_of_following_it(tmp_path):
    from numeric.files import atomic_write_text

    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    link = tmp_path / "link.json"
    link.symlink_to(outside)
    atomic_write_text(link, "new")
    assert outside.read_text() == "keep me" and not link.is_symlink() and link.read_text() == "new"


# 12 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["train", "verify", "exercises"])
@pytest.mark.parametrize("seed", ["-1", "4294967296", "99999999999999999999999", "1_0", "0x1"])
def test_12_one_rule_for_seeds(tmp_path, capsys, command, seed):
    argv = {"train": TRAIN + ["--epochs", "1", "--out", str(tmp_path / "run")],
            "verify": ["verify", "--widths", "1,2,1", "--activation", "relu"],
            "exercises": ["exercises", "--out", str(tmp_path / "ex"), "--students", "1", "--no-pdf"]}[command]
    line = one_error(capsys, main(argv + ["--seed", seed]))
    assert line.startswith("error: argument --seed: must be an integer from 0 to 4294967295, got ")


def test_12_a_params_file_that_is_not_utf8_is_named(tmp_path, capsys):
    path = tmp_path / "latin.json"
    path.write_bytes('{"beta_0": "\xe9"}'.encode("latin-1"))
    line = one_error(capsys, main(["regions", "--widths", "1,3,1", "--params", str(path)]))
    assert line == f"error: params file {str(path)!r} is not UTF-8 text (byte 0xe9 at offset 12); save it as UTF-8"


# 13 --------------------------------------------------------------------------------------
def test_13_files_get_the_umask_permissions(tmp_path, capsys):
    old = os.umask(0o027)
    try:
        run = tmp_path / "run"
        assert main([a for a in TRAIN if a != "--no-figure"] + ["--epochs", "2", "--out", str(run)]) == 0
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [*run.iterdir(), *(run / "checkpoints").iterdir()]
             if p.is_file()}
    assert set(modes.values()) == {0o640}, modes
    assert {"params.json", "summary.json", "metrics.csv", "loss_curve.png", "epoch-000002.pt"} <= set(modes)


def test_13_resume_with_fewer_epochs_says_what_happened(finished_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    before = tree(run)
    line = one_error(capsys, main(TRAIN + ["--epochs", "3", "--out", str(run), "--resume"]))
    assert "is at epoch 5, past --epochs 3; give --epochs 5 or more" in line
    assert tree(run) == before
    assert main(TRAIN + ["--epochs", "5", "--out", str(run), "--resume"]) == 0
    assert "nothing to train: the run" in capsys.readouterr().out


# the symbolic commands never import torch ------------------------------------------------
BLOCK_TORCH = """
import sys
class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked for this test")
sys.meta_path.insert(0, NoTorch())
from derivations.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:  # --help
    code = exc.code
sys.stdout.flush()
sys.stderr.write("torch imported: %s\\n" % ("torch" in sys.modules))
sys.exit(code)
"""


@pytest.mark.parametrize("argv", [
    ["derive", "--widths", "2,3,1", "--activation", "relu", "--loss", "bernoulli", "--gradients"],
    ["derive", "--widths", "1,4,4,2", "--activation", "tanh", "--format", "json", "--gradients"],
    ["derive", "--widths", "1,3,1", "--activation", "relu", "--format", "text", "--loss", "poisson"],
    ["regions", "--widths", "2,4,4,1"],
    ["derive", "--widths", "1,0,1"],
    ["train", "--help"],
])
def test_symbolic_commands_work_where_torch_cannot_be_imported(argv):
    proc = subprocess.run([sys.executable, "-c", BLOCK_TORCH, *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stderr.endswith("torch imported: False\n"), proc.stderr[-2000:]
    if argv[-1] == "1,0,1":
        assert proc.returncode == 2 and proc.stderr.startswith("error: argument --widths")
    else:
        assert proc.returncode == 0 and proc.stderr.count("\n") == 1, proc.stderr[-2000:]
        assert "CHECK FAILED" not in proc.stdout


def test_derive_checks_go_red_on_a_wrong_derivative_or_a_wrong_compilation(monkeypatch):
    import dataclasses

    import symbolic.core.compile
    from derivations.checks.exact import forward_exact_check, gradient_exact_checks
    from symbolic.backprop.backprop import backprop
    from symbolic.networks.network import deep_network

    bp = backprop((2, 3, 1), "least-squares", "tanh")
    compiled, differences, n = gradient_exact_checks(bp)
    assert compiled.passed and differences.passed and n == 13
    s, e = bp.backward[0]  # dl/df_K = 2 f - 2 y: make it twice as large
    wrong = dataclasses.replace(bp, backward=[(s, 2 * e)] + list(bp.backward[1:]))
    compiled, differences, _ = gradient_exact_checks(wrong)
    assert not differences.passed and differences.max_rel > 0.1 and not compiled.passed

    net = deep_network(bp.spec)
    assert forward_exact_check(net).passed
    real = symbolic.core.compile.compile_program

    def off_by_1e9(*args, **kwargs):  # a compiler that is wrong in the 9th digit
        fn = real(*args, **kwargs)
        return lambda *values: [v * (1 + 1e-9) for v in fn(*values)]

    monkeypatch.setattr(symbolic.core.compile, "compile_program", off_by_1e9)
    assert not forward_exact_check(net).passed
