"""A JSON input that names one key twice is refused, naming the key: ``json`` would keep the
last value silently, and which one the writer meant is a guess (params files, answers.json,
submissions: every JSON input goes through :func:`numeric.files.read_json_file`)."""

from __future__ import annotations

import json

import pytest

from derivations.cli import main
from numeric.files import read_json_file

PARAMS = ('{"beta_0": [0.1, -0.2, 0.3], "omega_0": [[1.0], [-1.0], [0.5]], "beta_1": [0.2], '
          '"omega_1": [[1.0, 0.5, -0.5]]}')


def one_error(capsys, code: int) -> str:
    out = capsys.readouterr()
    assert code == 2, out
    assert out.err.count("\n") == 1 and out.err.startswith("error: "), out.err
    return out.err.strip()


@pytest.mark.parametrize("text, key", [
    ('{"a": 1, "a": 2}', "a"),
    ('{"outer": {"k": [1], "k": [1]}}', "k"),
    ('[{"x": 1}, {"y": 2, "y": 2}]', "y"),
])
def test_read_json_file_names_the_repeated_key(tmp_path, text, key):
    path = tmp_path / "in.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=f"in.json' repeats the key {key!r} in one object"):
        read_json_file(path, "input")


def test_distinct_keys_still_read(tmp_path):
    path = tmp_path / "in.json"
    path.write_text('{"a": {"a": 1}, "b": [{"a": 2}]}')
    assert read_json_file(path, "input") == {"a": {"a": 1}, "b": [{"a": 2}]}


def test_a_params_file_with_a_repeated_tensor_is_refused(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(PARAMS[:-1] + ', "beta_1": [9.0]}')
    line = one_error(capsys, main(["regions", "--widths", "1,3,1", "--params", str(path)]))
    assert line.startswith(f"error: params file {str(path)!r} repeats the key 'beta_1'")


def test_a_submission_or_answers_file_with_a_repeated_key_is_refused(tmp_path, capsys):
    out = tmp_path / "ex"
    assert main(["exercises", "--out", str(out), "--students", "1", "--topics", "shallow", "--no-pdf"]) == 0
    capsys.readouterr()
    answers = out / "answers.json"
    submission = tmp_path / "sub.json"
    submission.write_text('{"E01": "1", "E01": "2"}')
    line = one_error(capsys, main(["check", "--answers", str(answers), "--student", "s001", "--submission",
                                   str(submission)]))
    assert "E01 is answered twice" in line and "sub.json" in line  # a submission's repeat names the exercise
    text = answers.read_text()
    answers.write_text(text.replace('"seed": 0,', '"seed": 0, "seed": 1,', 1))
    assert json.loads(answers.read_text())["seed"] == 1  # what json alone would have read
    line = one_error(capsys, main(["check", "--answers", str(answers), "--student", "s001", "--exercise", "E01",
                                   "--answer", "1"]))
    assert "repeats the key 'seed'" in line and "answers.json" in line
