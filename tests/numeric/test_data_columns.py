"""Wide data files: the header's columns are bounded (symbolic.spec.limits.MAX_DATA_COLUMNS) and
checked in one pass, so a crafted header costs little work.

The work is bounded with a CPU-time limit on a child process (not a wall-clock assertion):
before, ``load_csv`` counted every column name against every other (O(n^2)), and a
100,000-column header ran for minutes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from derivations.cli import main
from numeric.data import load_csv
from symbolic.spec.limits import MAX_DATA_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def test_a_header_over_the_limit_is_refused_naming_it(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{j}" for j in range(MAX_DATA_COLUMNS + 1)) + "\n" + ",".join(["0"] * 3) + "\n")
    with pytest.raises(ValueError, match=rf"has {MAX_DATA_COLUMNS + 1} columns in its header; at most "
                                         rf"{MAX_DATA_COLUMNS} are read"):
        load_csv(path, 1, 1)


def test_a_repeated_column_at_the_end_of_a_header_at_the_limit(tmp_path):
    names = [f"x_{j}" for j in range(1, MAX_DATA_COLUMNS)] + ["x_1"]
    path = tmp_path / "wide.csv"
    path.write_text(",".join(names) + "\n" + ",".join(["0"] * len(names)) + "\n")
    with pytest.raises(ValueError, match=r"has the column 'x_1' more than once"):
        load_csv(path, 2, 0)


# Each case in a child with 20 CPU seconds: linear work takes well under one; the quadratic
# header checks took minutes for 100,000 columns.
_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
from numeric.data import load_csv
from symbolic.spec.limits import MAX_DATA_COLUMNS
case, path = sys.argv[1], sys.argv[2]
if case == "100000":
    try:
        load_csv(path, 1, 1)
    except ValueError as exc:
        print(exc)
else:  # MAX_DATA_COLUMNS - 1 inputs and a target: every column is looked up
    data = load_csv(path, MAX_DATA_COLUMNS - 1, 1)
    print(data.X.shape, data.Y.shape)
"""


@pytest.mark.parametrize("case", ["100000", "inputs at the limit"])
def test_wide_headers_take_linear_work(tmp_path, case):
    path = tmp_path / "wide.csv"
    if case == "100000":  # the file: 100,000 names, about 700 KB
        names = [f"c{j}" for j in range(100_000)]
    else:
        names = [f"x_{j}" for j in range(1, MAX_DATA_COLUMNS)] + ["y"]
    path.write_text(",".join(names) + "\n" + ",".join(["0.5"] * len(names)) + "\n")
    proc = subprocess.run([sys.executable, "-c", _CHILD, case, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-500:]
    if case == "100000":
        assert "has 100000 columns in its header; at most" in proc.stdout
    else:
        assert proc.stdout.strip() == f"(1, {MAX_DATA_COLUMNS - 1}) (1, 1)"


def test_evaluate_refuses_the_wide_file_with_one_line(tmp_path, capsys):
    params = tmp_path / "p.json"
    params.write_text('{"beta_0": [0.0], "omega_0": [[1.0]], "beta_1": [0.0], "omega_1": [[1.0]]}')
    data = tmp_path / "d.csv"
    data.write_text(",".join(f"c{j}" for j in range(100_000)) + "\n")
    code = main(["evaluate", "--widths", "1,1,1", "--activation", "relu", "--params", str(params), "--data",
                 str(data)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "has 100000 columns in its header" in err, err
