"""The exact region counter behind ``regions``' "exact maximum": against linear programming
(SciPy), against Euler's formula for lines, and a lower bound where general position fails."""

import random
from fractions import Fraction
from itertools import combinations
from math import comb

import numpy as np
import pytest

from symbolic.regions.counts import arrangement_regions, attained_regions, max_regions
from tests.symbolic.test_regions_formulas import feasible_patterns


def random_theta(D: int, D_i: int, seed: int, size: int = 10**6) -> list[list[int]]:
    rng = random.Random(seed)
    return [[rng.randint(-size, size) for _ in range(D_i + 1)] for _ in range(D)]


def linear_programming_count(theta) -> int:
    a = np.array(theta, dtype=float)
    return feasible_patterns(a[:, 0], a[:, 1:])


@pytest.mark.parametrize("D, D_i", [(1, 1), (4, 1), (3, 2), (6, 2), (2, 3), (5, 3), (7, 3), (4, 4)])
def test_counts_equal_linear_programming_on_random_arrangements(D, D_i):
    theta = random_theta(D, D_i, seed=100 * D + D_i, size=1000)
    assert arrangement_regions(theta)[0] == linear_programming_count(theta)


def test_lines_in_general_position_against_euler():
    """For lines with no two parallel and no three through a point, regions = 1 + lines + points."""
    theta = random_theta(15, 2, seed=7)
    points = set()
    for (c1, a1, b1), (c2, a2, b2) in combinations(theta, 2):
        det = a1 * b2 - a2 * b1
        assert det != 0  # no two parallel
        points.add((Fraction(b1 * c2 - b2 * c1, det), Fraction(a2 * c1 - a1 * c2, det)))
    assert len(points) == comb(15, 2)  # no three through a point
    assert arrangement_regions(theta) == (1 + 15 + len(points), len(points))


def test_points_on_a_line_cut_it_into_one_more_piece():
    theta = random_theta(40, 1, seed=3)
    roots = {Fraction(-c, a) for c, a in theta}
    assert arrangement_regions(theta)[0] == len(roots) + 1 == 41


@pytest.mark.parametrize("theta", [
    [[0, 1, 0], [0, 0, 1], [0, 1, 1]],  # three lines through the origin: 6 regions, no vertex of general position
    [[0, 1, 0], [0, 0, 1], [0, 1, 1], [-1, 1, -2]],  # and a fourth line
    [[0, 1, 0], [-1, 1, 0], [0, 0, 1]],  # two parallel lines
    [[1, 2], [2, 4], [-3, 1]],  # one point twice on a line
])
def test_without_general_position_the_count_is_a_lower_bound(theta):
    assert arrangement_regions(theta)[0] <= linear_programming_count(theta)


@pytest.mark.parametrize("widths", ["1,1,1", "1,7,1", "2,3,1", "2,20,1", "3,2,1", "3,6,1", "5,7,1", "1,3,3,1",
                                    "1,4,3,5,1"])
def test_the_attaining_networks_attain_the_bound(widths):
    assert attained_regions(widths).regions == max_regions(widths)


@pytest.mark.parametrize("widths, activation", [("2,4,4,1", "relu"), ("1,2,3,1", "relu"), ("1,3,3,1", "leaky_relu"),
                                                ("1," + "3," * 8 + "1", "relu"), ("2,500,1", "relu")])
def test_no_attaining_network_where_none_is_built_or_counting_is_too_slow(widths, activation):
    assert attained_regions(widths, activation) is None
