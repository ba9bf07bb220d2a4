"""A switch whose argument is not a polynomial and is positive only on a narrow interval
between two points of the search grid (``sin(z) - 0.9999`` near pi/2) is found at the
argument's turning point, so the wrong answers it hides are refuted; the method line says
how many switches were located numerically."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import sympy as sp

from derivations.exercises import equivalence
from derivations.exercises.equivalence import compare

sys.path.insert(0, str(Path(__file__).parent))
from test_equivalence import _check, _record, z  # noqa: E402

#: (id, answer, reference, correct)
NARROW = [
    ("indicator-narrow", "z + 1/2 + I[sin(z) > 0.9999]", z + sp.Rational(1, 2), False),
    ("relu-narrow", "2z^3 + ReLU(sin(z)-0.9999)", 2 * z**3, False),
    ("relu-wider", "2z^3 + ReLU(sin(z)-0.99)", 2 * z**3, False),
    ("relu-tiny-bump", "2z^3 + ReLU(sin(z) - 1 + 10^{-9})", 2 * z**3, False),
    ("relu-never-positive", "2z^3 + ReLU(sin(z) - 2)", 2 * z**3, True),
]


@pytest.mark.parametrize("answer, reference, correct", [c[1:] for c in NARROW], ids=[c[0] for c in NARROW])
def test_narrow_switch_verdicts(answer, reference, correct):
    result = _check(_record(reference, ["z"]), answer)
    assert result.correct is correct, result
    if not correct:
        assert result.feedback.startswith("not equivalent"), result


def test_the_narrow_interval_is_found_beside_the_turning_point():
    roots = equivalence._numeric_roots(sp.sin(z) - sp.Rational(9999, 10000), z)
    near = [r for r in roots if abs(r - sp.pi / 2) < sp.Rational(1, 50)]
    assert len(near) == 2 and all(abs(sp.sin(r) - sp.Rational(9999, 10000)) < 10**-12 for r in near), roots


def test_without_turning_points_the_narrow_interval_is_missed(monkeypatch):
    """The demonstration that the test above can fail: with the derivative hidden, the grid
    alone sees no sign change and the wrong answer passes."""
    monkeypatch.setattr(equivalence, "_derivative", lambda g, s: None)
    seen = compare(2 * z**3 + sp.Heaviside(sp.sin(z) - sp.Rational(9999, 10000)), 2 * z**3, [z], {}, "E1")
    assert seen.equal


def test_method_names_the_switches_located_numerically():
    seen = compare(2 * z**3 + sp.Max(sp.sin(z) - 2, 0), 2 * z**3, [z], {}, "E1")
    assert seen.equal and seen.numeric == 1, seen
    assert "1 of them located numerically" in seen.method and "not proven to be every zero" in seen.method
    solved = compare(sp.Max(z, 0), (z + sp.Abs(z)) / 2, [z], {}, "E1")
    assert solved.equal and solved.numeric == 0 and solved.switches >= 1 and "numerically" not in solved.method, solved
