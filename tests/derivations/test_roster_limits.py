"""The roster is data: a quoted cell holding a line break is refused (it used to become a
joined id, ``"a\\nb"`` -> ``ab``), and so is a row of more columns than a roster needs,
before any work per column."""

from __future__ import annotations

import pytest

from derivations.cli import main
from derivations.exercises.build import MAX_ROSTER_COLUMNS, read_roster


@pytest.mark.parametrize("text", ['id,name\n"a\nb",Ada\n', 'id,name\nada,"Ada\r\nLovelace"\n', '"i\nd"\nada\n'])
def test_a_quoted_cell_with_a_line_break_is_refused(tmp_path, text):
    path = tmp_path / "class.csv"
    path.write_bytes(text.encode())
    with pytest.raises(ValueError, match="a quoted cell holds a line break"):
        read_roster(path)


def test_line_endings_of_any_kind_still_read(tmp_path):
    path = tmp_path / "class.csv"
    path.write_bytes(b'name,id\r\n"Ada, Countess",ada-1\r\nAlan,turing\n')
    assert read_roster(path) == ["ada-1", "turing"]


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_roster_of_200000_columns_is_refused(tmp_path, capsys, where):
    path = tmp_path / "wide.csv"
    wide = ",".join(f"c{i}" for i in range(200_000))
    path.write_text(f"{wide},id\nx,ada\n" if where == "header" else f"name,id\n{wide},ada\n")
    out = tmp_path / "ex"
    assert main(["exercises", "--out", str(out), "--roster", str(path), "--no-pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"line {1 if where == 'header' else 2} has 200001 columns, more than " \
        f"{MAX_ROSTER_COLUMNS}" in err
    assert not out.exists()  # refused before the output folder was made
