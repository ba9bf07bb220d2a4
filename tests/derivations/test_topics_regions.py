"""The region topics build, pass every check, open with a section and write their figures."""

import importlib
import re

import pytest

from derivations.topics.topic import TopicContext

FAST = ["activations", "piecewise_linear", "depth"]


def _build(name, tmp_path):
    module = importlib.import_module(f"derivations.topics.{name}")
    result = module.build(TopicContext(tmp_path))
    assert result.slug == module.SLUG == name and result.title == module.TITLE
    assert result.latex.startswith(rf"\section{{{module.TITLE}}}")
    assert result.records and all(r["passed"] for r in result.records), [r["name"] for r in result.records
                                                                         if not r["passed"]]
    for figure in result.figures:
        assert (tmp_path / figure).stat().st_size > 0
        assert (tmp_path / figure).with_suffix(".png").stat().st_size > 0
        assert "\\includegraphics[width=" in result.latex and figure in result.latex
    assert "CHECK FAILED" not in result.latex
    return result


@pytest.mark.parametrize("name", [n if n == "activations" else pytest.param(n, marks=pytest.mark.slow) for n in FAST])
def test_topic_builds_and_passes(name, tmp_path):
    _build(name, tmp_path)


@pytest.mark.slow
def test_universal_approximation_topic(tmp_path):
    result = _build("universal_approximation", tmp_path)
    rows = re.findall(r"^(\d+) & (\d+) & ([0-9.e+-]+) & ", result.latex, flags=re.M)
    errors = [float(e) for _, _, e in rows]
    assert [int(d) for d, _, _ in rows] == [2, 4, 8, 16, 32, 64, 128]
    assert all(b < a for a, b in zip(errors, errors[1:]))


@pytest.mark.slow
def test_counts_topic_prints_the_lecture_counts(tmp_path):
    result = _build("counts_regions", tmp_path)
    digits = result.latex.split("$D = 100$, $K = 10$ gives\n$")[1].split("$")[0].replace(r"\,\allowbreak ", "")
    assert digits == str(101 ** 10)  # (D+1)^K at D = 100, K = 10, an exact integer (breakable digit groups)
    assert "e.g. $7$ for $D_{i} = 2$, $D = 3$" in result.latex
