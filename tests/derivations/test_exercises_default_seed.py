"""``exercises`` without ``--seed`` uses seed 0 and says so in one line on stdout: every class
run without a seed gets the same numbers for the same ids (checked here: two runs, the same
``answers.json``), so anyone can rebuild the answers. The old command said nothing."""

from __future__ import annotations

import json

from derivations.cli import main

ARGV = ["--students", "2", "--topics", "shallow", "--no-pdf"]


def _run(capsys, out, *extra: str) -> list[str]:
    assert main(["exercises", "--out", str(out), *ARGV, *extra]) == 0
    captured = capsys.readouterr()
    assert "note:" not in captured.err
    return captured.out.splitlines()


def test_no_seed_is_seed_0_said_on_stdout_and_the_same_for_every_class(tmp_path, capsys):
    first = _run(capsys, tmp_path / "a")
    second = _run(capsys, tmp_path / "b")
    notes = [line for line in first if line.startswith("note: no --seed given")]
    assert len(notes) == 1 and "seed 0:" in notes[0] and "--seed S of your own" in notes[0]
    assert json.loads((tmp_path / "a" / "answers.json").read_text())["seed"] == 0
    # what the note claims: another class without --seed gets the same numbers for the same ids
    assert (tmp_path / "a" / "answers.json").read_bytes() == (tmp_path / "b" / "answers.json").read_bytes()
    assert second == [line.replace(str(tmp_path / "a"), str(tmp_path / "b")) for line in first]


def test_a_given_seed_is_not_remarked_on(tmp_path, capsys):
    explicit = _run(capsys, tmp_path / "zero", "--seed", "0")
    assert not any(line.startswith("note:") for line in explicit)
    own = _run(capsys, tmp_path / "own", "--seed", "2718")
    assert not any(line.startswith("note:") for line in own)
    assert (tmp_path / "own" / "answers.json").read_bytes() != (tmp_path / "zero" / "answers.json").read_bytes()
    assert (tmp_path / "zero" / "answers.json").read_bytes() == _default(tmp_path, capsys)


def _default(tmp_path, capsys) -> bytes:
    _run(capsys, tmp_path / "default")
    return (tmp_path / "default" / "answers.json").read_bytes()
