"""Region-count formulas against hand computation and brute force; parameter counts
against torch; the two-input region map."""

import itertools
from math import comb

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import linprog

from numeric.model import DeepNetworkModule
from symbolic.networks.counts import deep_parameter_count, parameter_count, shallow_parameter_count
from symbolic.regions.counts import (D, D_i, K, activation_pattern_map, deep_region_count, lecture_regions, max_regions,
                              max_regions_is_exact, one_input_region_count, parameters_and_regions,
                              region_count_derivation, region_value, shallow_region_count,
                              zaslavsky_small_width_derivation)
from symbolic.spec import NetworkSpec


# ----- known values, computed here by hand ------------------------------------------------
def test_known_values_by_hand():
    assert region_value(shallow_region_count(), D_i=2, D=3) == 1 + 3 + 3 == 7
    assert region_value(shallow_region_count(), D_i=1, D=3) == 1 + 3 == 4
    assert region_value(shallow_region_count(), D_i=3, D=2) == 2**2 == 4  # D <= D_i: every pattern
    assert region_value(shallow_region_count(), D_i=10, D=50) == sum(comb(50, m) for m in range(11))
    assert region_value(deep_region_count(), D_i=2, D=4, K=3) == (4 // 2 + 1) ** (2 * 2) * (1 + 4 + 6) == 891
    assert region_value(one_input_region_count(), D=3, K=2) == 4**2 == 16
    assert region_value(one_input_region_count(), D=100, K=10) == 101**10  # a big integer, exactly
    assert max_regions("2,3,1") == 7 and max_regions("1,3,3,3,1") == 64 and max_regions("1,5,2") == 6


def test_deep_formula_with_one_input_is_D_plus_1_to_the_K():
    reduced = deep_region_count().subs(D_i, 1).doit()
    assert sp.simplify(reduced - one_input_region_count()) == 0
    assert region_count_derivation().check().passed


def test_shallow_formula_is_the_deep_formula_with_one_layer():
    assert sp.simplify(deep_region_count().subs(K, 1) - shallow_region_count()) == 0


@pytest.mark.parametrize("d_i, d", [(1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (5, 4)])
def test_zaslavsky_is_two_to_the_D_when_D_at_most_D_i(d_i, d):
    assert region_value(shallow_region_count(), D_i=d_i, D=d) == 2**d
    assert zaslavsky_small_width_derivation().check().passed


def test_max_regions_reduces_to_the_formulas():
    for d_i, d in itertools.product(range(1, 5), range(1, 8)):
        assert max_regions((d_i, d, 1)) == region_value(shallow_region_count(), D_i=d_i, D=d)
    for d, k in itertools.product(range(1, 6), range(1, 5)):
        assert max_regions((1, *[d] * k, 1)) == region_value(one_input_region_count(), D=d, K=k)
    # the lecture's (constructive) count never exceeds the upper bound
    for d_i, d, k in itertools.product(range(1, 4), range(1, 10), range(1, 4)):
        widths = (d_i, *[d] * k, 1)
        n = lecture_regions(widths)
        assert n is None or n <= max_regions(widths)
    assert max_regions_is_exact("1,3,3,1") and not max_regions_is_exact("2,4,4,1")


def test_region_value_bad_input():
    with pytest.raises(ValueError, match=r"^D must be a positive integer, got 0$"):
        region_value(shallow_region_count(), D_i=2, D=0)
    with pytest.raises(ValueError, match=r"^region counts take D_i, D and K, got 'L'$"):
        region_value(shallow_region_count(), L=2)
    with pytest.raises(ValueError, match=r"the deep formula needs D to be a multiple of D_i$"):
        region_value(deep_region_count(), D_i=2, D=3, K=2)


# ----- brute force: every sign pattern of a random arrangement, by linear programming -----
def feasible_patterns(theta0, theta):
    """Count sign patterns s of D hyperplanes theta0_d + theta_d . x with an open region
    {x : s_d (theta0_d + theta_d . x) > 0}: maximise the margin t (capped at 1)."""
    count = 0
    D_, d_in = theta.shape
    for signs in itertools.product((1, -1), repeat=D_):
        s = np.array(signs, dtype=float)
        # variables (x, t): maximise t s.t. -s_d (theta_d . x) + t <= s_d theta0_d
        A = np.hstack([-s[:, None] * theta, np.ones((D_, 1))])
        res = linprog(c=np.r_[np.zeros(d_in), -1.0], A_ub=A, b_ub=s * theta0,
                      bounds=[(None, None)] * d_in + [(None, 1.0)], method="highs")
        count += res.status == 0 and -res.fun > 1e-9
    return count


@pytest.mark.parametrize("d_i, d", [(2, 1), (2, 3), (2, 5), (3, 4), (3, 6), (2, 7)])
def test_zaslavsky_count_equals_brute_force_on_random_arrangements(d_i, d):
    rng = np.random.default_rng(10 * d_i + d)
    theta0, theta = rng.normal(size=d), rng.normal(size=(d, d_i))
    assert feasible_patterns(theta0, theta) == region_value(shallow_region_count(), D_i=d_i, D=d)


def test_brute_force_sees_fewer_regions_without_general_position():
    # three lines through one point: 6 regions, not 7
    theta0, theta = np.zeros(3), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    assert feasible_patterns(theta0, theta) == 6 < region_value(shallow_region_count(), D_i=2, D=3)


# ----- parameter counts against torch -----------------------------------------------------
@pytest.mark.parametrize("widths", [(1, 3, 1), (2, 3, 1), (1, 3, 3, 1), (1, 5, 5, 5, 1), (3, 4, 2, 2), (7, 1, 9)])
def test_parameter_counts_against_torch_numel(widths):
    numel = sum(p.numel() for p in DeepNetworkModule(NetworkSpec(widths)).parameters())
    assert parameter_count(widths) == numel == parameters_and_regions(widths)["parameters"]
    if len(widths) == 3:
        assert shallow_parameter_count().subs({D_i: widths[0], D: widths[1], sp.Symbol("D_o", integer=True,
                                                                                          positive=True): widths[2]}) == numel
    if widths[0] == widths[-1] == 1 and len(set(widths[1:-1])) == 1:
        assert deep_parameter_count().subs({D: widths[1], K: len(widths) - 2}) == numel


# ----- the two-input region map -------------------------------------------------------------
def test_region_map_of_three_lines_in_general_position():
    spec = NetworkSpec((2, 3, 1))
    tensors = {"beta_0": [0.0, 0.0, -1.0], "omega_0": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
               "beta_1": [0.0], "omega_1": [[1.0, 1.0, 1.0]]}
    xs, labels, count = activation_pattern_map(spec, tensors, extent=2.0, n=201)
    assert count == 7 == region_value(shallow_region_count(), D_i=2, D=3)
    assert labels.shape == (201, 201) and xs[0] == -2.0 and xs[-1] == 2.0
    # the label of the quadrant x_1 > 0, x_2 > 0 above the line x_1 + x_2 = 1 is one region
    assert len(np.unique(labels[xs > 1.2][:, xs > 1.2])) == 1


@pytest.mark.parametrize("d", [2, 4, 6])
def test_region_map_agrees_with_brute_force(d):
    rng = np.random.default_rng(d)
    theta0, theta = rng.uniform(-1, 1, size=d), rng.normal(size=(d, 2))
    spec = NetworkSpec((2, d, 1))
    tensors = {"beta_0": theta0, "omega_0": theta, "beta_1": [0.0], "omega_1": [np.ones(d)]}
    # a window holding every intersection, with margin
    points = [np.linalg.solve(theta[[a, b]], -theta0[[a, b]]) for a, b in itertools.combinations(range(d), 2)]
    extent = float(np.abs(points).max()) * 1.5 + 1
    count = activation_pattern_map(spec, tensors, extent=extent, n=1201)[2]
    assert count == feasible_patterns(theta0, theta) == region_value(shallow_region_count(), D_i=2, D=d)


def test_region_map_of_a_deep_network_stays_within_the_bound():
    spec = NetworkSpec((2, 4, 4, 1))
    rng = np.random.default_rng(3)
    tensors = {name: rng.normal(size=shape) for name, shape in spec.tensor_shapes().items()}
    count = activation_pattern_map(spec, tensors, extent=5.0, n=401)[2]
    assert 1 < count <= max_regions(spec.widths)


def test_region_map_bad_input():
    spec3 = NetworkSpec((3, 2, 1))
    zeros3 = {name: np.zeros(shape) for name, shape in spec3.tensor_shapes().items()}
    with pytest.raises(ValueError, match=r"^region maps are drawn for two inputs \(D_i = 2\), got D_i = 3; "):
        activation_pattern_map(spec3, zeros3)
    spec = NetworkSpec((2, 2, 1), "tanh")
    zeros = {name: np.zeros(shape) for name, shape in spec.tensor_shapes().items()}
    with pytest.raises(ValueError, match=r"^linear regions assume a piecewise-linear activation \(relu or "
                                         r"leaky_relu\), got 'tanh'; use --activation relu$"):
        activation_pattern_map(spec, zeros)
    with pytest.raises(ValueError, match=r"^grid size n must be an integer >= 2, got 1$"):
        activation_pattern_map(NetworkSpec((2, 2, 1)), zeros, n=1)
