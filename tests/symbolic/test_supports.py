"""Supports as objects: every attribute agrees with the support's own membership test."""

import math
import random

import numpy as np
import pytest
import sympy as sp

from symbolic.losses.block import sample_targets, support_interval
from symbolic.losses.nonnegative import _grid
from symbolic.spec.supports import SUPPORTS

NAMES = sorted(SUPPORTS)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("denominator", [16, 1000])
def test_samples_lie_in_the_support(name, denominator):
    support = SUPPORTS[name]
    rng = random.Random(7)
    for D_o in (2, 3, 5):
        for _ in range(40):
            row = support.sample(rng, D_o if support.permutation else 3, D_o, denominator)
            Y = np.array([[float(v) for v in row]])
            assert not support.test(Y, D_o).any(), (name, row)
            assert all(v.denominator <= denominator for v in row)


@pytest.mark.parametrize("name", NAMES)
def test_samples_satisfy_the_sympy_assumptions(name):
    support = SUPPORTS[name]
    rng = random.Random(3)
    for value in sample_targets(support, rng, 3, 30):
        y = sp.Symbol("y", **support.assumptions)
        for assumption, holds in support.assumptions.items():
            assert getattr(sp.sympify(value), f"is_{assumption}") is holds, (name, value, assumption)
        assert y.is_real  # every target is a real number


@pytest.mark.parametrize("name", [n for n in NAMES if not SUPPORTS[n].discrete])
def test_interval_ends_agree_with_the_membership_test(name):
    support = SUPPORTS[name]
    lo, hi = support.interval
    inside = [lo + (hi - lo) * t for t in (0.25, 0.5, 0.75)] if math.isfinite(hi - lo) else [1.0, 2.0]
    assert not support.test(np.array(inside), 1).any()
    for outside in (lo - 1e-9, hi + 1e-9):
        if math.isfinite(outside):
            assert support.test(np.array([outside]), 1).all(), (name, outside)
    lo_s, hi_s = support_interval(support)
    assert float(lo_s) == lo and float(hi_s) == hi


@pytest.mark.parametrize("name", [n for n in NAMES if not SUPPORTS[n].discrete])
def test_the_nonnegativity_grid_lies_in_the_support(name):
    support = SUPPORTS[name]
    grid = _grid(support)
    assert len(grid) > 500
    assert not support.test(grid, 1).any()


@pytest.mark.parametrize("name", NAMES)
def test_discrete_supports_name_their_outcomes_and_their_sum(name):
    support = SUPPORTS[name]
    assert support.discrete is (support.interval is None)
    if not support.discrete:
        assert support.sum_latex(3) == "" and support.outcomes(3) is None
        return
    assert support.sum_latex(3).startswith(r"\sum")
    outcomes = support.outcomes(4)
    if outcomes is not None:
        assert not support.test(np.array([list(outcomes)], dtype=float).T, 4).any()
        assert support.test(np.array([[outcomes.stop]], dtype=float), 4).all()


def test_class_sum_names_the_last_class():
    assert SUPPORTS["class"].sum_latex(4) == r"\sum_{y = 0}^{3} "


def test_a_support_prints_as_its_name():
    assert f"{SUPPORTS['unit-interval']}" == "unit-interval"
