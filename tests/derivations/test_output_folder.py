"""Every document command writes through one output-folder helper (:mod:`derivations.tex`):
no write through a planted link, no hang on a planted FIFO, every file whole or not at all,
and on a failure only the one ``error:`` line on stderr."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from derivations.cli import main
from derivations.tex import OutputFolder, OutputFolderError

ROOT = Path(__file__).resolve().parents[2]

#: command line per command (the output folder is added), each as small as the command allows.
COMMANDS = {
    "notes": ["notes", "--topics", "shallow", "--device", "cpu", "--no-pdf"],
    "notes --html": ["notes", "--topics", "shallow", "--device", "cpu", "--no-pdf", "--html"],
    "slides": ["slides", "--topics", "shallow", "--device", "cpu", "--no-pdf"],
    "notebooks": ["notebooks", "--topics", "shallow"],
    "exercises": ["exercises", "--students", "1", "--topics", "shallow", "--no-pdf"],
}


def one_error(capsys, code: int) -> str:
    out = capsys.readouterr()
    assert code == 2, out
    assert out.err.count("\n") == 1 and out.err.startswith("error: ") and "Traceback" not in out.err, out.err
    return out.err.strip()


def outside(tmp_path: Path) -> tuple[Path, Path]:
    """A file and a folder outside the output folder that a link may point to."""
    target = tmp_path / "outside.txt"
    target.write_text("keep me")
    folder = tmp_path / "outside-folder"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me too")
    return target, folder


def untouched(target: Path, folder: Path) -> bool:
    return target.read_text() == "keep me" and sorted(p.name for p in folder.iterdir()) == ["mine.txt"] \
        and (folder / "mine.txt").read_text() == "keep me too"


# ----- the helper itself --------------------------------------------------------------------

@pytest.mark.parametrize("planted", ["notes.tex", "figures/plot.pdf", "figures", "html/assets/style.css", "deep/er/x"])
def test_a_link_anywhere_below_the_folder_is_refused_before_any_write(tmp_path, planted):
    target, folder = outside(tmp_path)
    out = tmp_path / "out"
    link = out / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(folder if planted == "figures" else target)
    with pytest.raises(OutputFolderError, match=f"{link}' is a symbolic link"):
        OutputFolder(out)
    assert untouched(target, folder)


def test_a_dangling_link_is_refused_too(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "answers.json").symlink_to(tmp_path / "not-yet-there.json")
    with pytest.raises(OutputFolderError, match="answers.json' is a symbolic link"):
        OutputFolder(out)
    assert not (tmp_path / "not-yet-there.json").exists()


def test_a_link_planted_after_the_check_is_refused_at_the_write(tmp_path):
    target, folder = outside(tmp_path)
    out = OutputFolder(tmp_path / "out")
    (out.path / "notes.tex").symlink_to(target)
    (out.path / "figures").symlink_to(folder)
    with pytest.raises(OutputFolderError, match="notes.tex' is a symbolic link"):
        out.write_text("notes.tex", "overwritten")
    with pytest.raises(OutputFolderError, match="figures' is a symbolic link"):
        out.write_text("figures/x.pdf", "planted")
    assert untouched(target, folder)


def test_a_fifo_or_folder_where_a_file_belongs_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "answers.json")
    with pytest.raises(OutputFolderError, match="answers.json' is a FIFO"):
        OutputFolder(out)
    os.unlink(out / "answers.json")
    folder = OutputFolder(out)
    (out / "answers.json").mkdir()
    with pytest.raises(OutputFolderError, match="answers.json' is a folder, not a regular file"):
        folder.write_text("answers.json", "{}")


@pytest.mark.parametrize("relative", ["../escape.txt", "/etc/escape.txt", "a/../../escape.txt"])
def test_paths_outside_the_folder_are_refused(tmp_path, relative):
    folder = OutputFolder(tmp_path / "out")
    with pytest.raises(OutputFolderError, match="is not a path inside the output folder"):
        folder.write_text(relative, "x")
    assert not (tmp_path / "escape.txt").exists()


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    folder = OutputFolder(tmp_path / "out")
    folder.write_text("answers.json", '{"seed": 0}\n')

    def disk_full(fh):
        fh.write(b'{"seed": 1, "students": {"s0')
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputFolderError, match=r"cannot write '.*answers.json': No space left on device"):
        folder.write("answers.json", disk_full)
    assert (folder.path / "answers.json").read_text() == '{"seed": 0}\n'
    assert sorted(p.name for p in folder.path.iterdir()) == ["answers.json"]  # no temporary left


# ----- every command ------------------------------------------------------------------------

PLANTED = [
    ("notes", "notes.tex"), ("notes", "verification.json"), ("notes", "figures"), ("notes", "figures/stale.png"),
    ("notes --html", "html"), ("notes --html", "html/index.html"), ("slides", "slides.tex"),
    ("notebooks", "shallow.ipynb"), ("notebooks", "shallow.py"), ("exercises", "answers.json"),
    ("exercises", "sheets"), ("exercises", "solutions/s001.tex"), ("notes", "build/sgd_run"),
]


@pytest.mark.parametrize("command, planted", PLANTED, ids=[f"{c}:{p}" for c, p in PLANTED])
def test_no_command_writes_through_a_planted_link(tmp_path, capsys, command, planted):
    target, folder = outside(tmp_path)
    out = tmp_path / "out"
    link = out / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target if "." in link.name else folder)
    line = one_error(capsys, main(COMMANDS[command] + ["--out", str(out)]))
    assert f"{str(link)!r} is a symbolic link" in line
    assert untouched(target, folder)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_fifo_in_the_output_folder_is_refused_not_waited_on(tmp_path, capsys, command):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "answers.json")
    line = one_error(capsys, main(COMMANDS[command] + ["--out", str(out)]))
    assert f"{str(out / 'answers.json')!r} is a FIFO" in line


@pytest.mark.parametrize("command", [*COMMANDS, "train"])
def test_the_output_folder_itself_a_link_a_file_or_empty(tmp_path, capsys, command):
    argv = COMMANDS.get(command, ["train", "--widths", "1,2,1", "--activation", "relu", "--loss", "least-squares",
                                  "--dataset", "regression-1d", "--epochs", "1", "--no-figure"])
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    cwd = os.getcwd()
    os.chdir(tmp_path)  # an empty --out would write here
    try:
        before = sorted(p.name for p in tmp_path.iterdir())
        empty = one_error(capsys, main(argv + ["--out", ""]))
        assert sorted(p.name for p in tmp_path.iterdir()) == before
    finally:
        os.chdir(cwd)
    assert "folder name is empty" in empty
    if command != "train":  # train accepts a link to a folder the user made (its own run-folder rules)
        assert "is a symbolic link" in one_error(capsys, main(argv + ["--out", str(link)]))
        assert list(real.iterdir()) == []
    line = one_error(capsys, main(argv + ["--out", str(a_file)]))
    assert repr(str(a_file)) in line and "not a folder" in line and a_file.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_read_only_output_folder_is_one_line(tmp_path, capsys, command):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        line = one_error(capsys, main(COMMANDS[command] + ["--out", str(out)]))
    finally:
        out.chmod(0o700)
    assert f"cannot write to output folder {str(out)!r}" in line


def test_a_link_planted_while_a_topic_runs_stops_the_notes(tmp_path, capsys, monkeypatch):
    """A refused write inside a topic is bad input (exit 2), not a failed topic (exit 1)."""
    import derivations.topics.shallow
    import matplotlib.pyplot as plt

    target, folder = outside(tmp_path)
    out = tmp_path / "out"

    def build(ctx):
        ctx.figures.joinpath("plot.pdf").symlink_to(target)  # after the command checked the folder
        ctx.save_figure(plt.figure(), "plot")

    monkeypatch.setattr(derivations.topics.shallow, "build", build)
    line = one_error(capsys, main(COMMANDS["notes"] + ["--out", str(out)]))
    assert f"{str(out / 'figures' / 'plot.pdf')!r} is a symbolic link" in line
    assert untouched(target, folder)
    assert not (out / "notes.tex").exists()


def test_topic_scripts_write_through_the_folder_too(tmp_path, capsys):
    import derivations.topics.shallow
    from derivations.topics.topic import topic_main

    target, folder = outside(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "shallow.json").symlink_to(target)
    assert topic_main(derivations.topics.shallow.build, ["--out", str(out)]) == 2
    assert "shallow.json' is a symbolic link" in capsys.readouterr().err
    assert untouched(target, folder)


# ----- a full disk: the previous file whole, one error line ----------------------------------

FSIZE_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY))
from derivations.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_a_file_size_limit_mid_write_leaves_the_previous_answers_and_one_error_line(tmp_path):
    """Four students: sheets and solutions (under 3000 bytes each) are written and reported
    as progress; answers.json (over 3000 bytes) hits the limit. The earlier answers.json
    survives whole, no temporary is left, and stderr holds the one error line only."""
    out = tmp_path / "out"
    out.mkdir()
    previous = b'{"seed": 7, "students": {}}\n'
    (out / "answers.json").write_bytes(previous)
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-c", FSIZE_LIMITED, "3000", "exercises", "--out", str(out),
                           "--students", "4", "--topics", "shallow", "--no-pdf"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"error: cannot write {str(out / 'answers.json')!r}")
    assert "File too large" in proc.stderr and proc.stdout == ""
    assert (out / "answers.json").read_bytes() == previous
    assert (out / "sheets" / "s004.tex").exists()
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
