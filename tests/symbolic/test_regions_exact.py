"""The exact piecewise-linear analysis of one-input networks, witnessed by dense sampling of
the PyTorch twin, and the constructions that attain the region counts."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
import torch

from numeric.model import DeepNetworkModule
from symbolic.regions.constructions import (float_tensors, folding_layer, folding_network, interpolating_network,
                                    interpolation_errors, shallow_construction, shallow_twin, tensors_from_shallow)
from symbolic.networks.network import lecture_1_3_1
from symbolic.regions.piecewise import count_regions, network_pieces, shallow_joints
from symbolic.regions.counts import max_regions, one_input_region_count, region_value
from symbolic.spec import NetworkSpec
from tests.helpers import assert_close


def torch_outputs(spec, tensors, xs):
    """The twin's float64 outputs at points xs: (I,) -> (I, D_o)."""
    module = DeepNetworkModule(spec).load_tensors(float_tensors(tensors))
    with torch.no_grad():
        return module(torch.tensor(np.asarray(xs, dtype=float).reshape(-1, 1))).numpy()


def random_tensors(spec, seed):
    rng = np.random.default_rng(seed)
    return {name: rng.normal(size=shape) for name, shape in spec.tensor_shapes().items()}


def sampled_region_count(spec, tensors, lo, hi, n):
    """Regions seen by sampling: kinks are where second differences of y are not zero;
    a kink inside a grid cell shows in one or two neighbouring second differences."""
    xs = np.linspace(lo, hi, n)
    y = torch_outputs(spec, tensors, xs)  # (n, D_o)
    d2 = np.abs(y[2:] - 2 * y[1:-1] + y[:-2]).max(axis=1)
    kink = d2 > 1e-9 * max(1.0, np.abs(y).max())
    starts = kink & ~np.concatenate([[False], kink[:-1]])
    return int(starts.sum()) + 1, xs[1] - xs[0]


SAMPLED = [((1, 4, 1), "relu"), ((1, 6, 1), "relu"), ((1, 3, 3, 1), "relu"), ((1, 4, 3, 1), "relu"),
           ((1, 3, 4, 2, 1), "relu"), ((1, 4, 4, 2), "relu"), ((1, 5, 3, 1), "leaky_relu")]


@pytest.mark.parametrize("widths, act", SAMPLED, ids=[f"{'-'.join(map(str, w))}-{a}" for w, a in SAMPLED])
def test_exact_count_agrees_with_dense_sampling(widths, act):
    spec = NetworkSpec(widths, act)
    compared = 0
    for seed in range(12):
        tensors = random_tensors(spec, seed)
        pl = network_pieces(spec, tensors)
        lo = float(pl.joints[0]) - 1 if pl.joints else -1.0
        hi = float(pl.joints[-1]) + 1 if pl.joints else 1.0
        n = 200_001
        h = (hi - lo) / (n - 1)
        slopes = np.array([[float(v) for v in row] for row in pl.slopes])
        jumps = np.abs(np.diff(slopes, axis=0)).max(axis=1) if len(slopes) > 1 else np.array([np.inf])
        gaps = np.diff([float(t) for t in pl.joints]) if len(pl.joints) > 1 else np.array([np.inf])
        if gaps.min() < 5 * h or jumps.min() * h < 1e-6:
            continue  # a kink too close to another, or too faint, for the grid to see
        count, _ = sampled_region_count(spec, tensors, lo, hi, n)
        assert pl.regions == count, f"seed {seed}: exact {pl.regions} regions, sampling sees {count}"
        # every exact piece is the network's line there (witness: the torch twin)
        xs, expected = [], []
        for r in range(pl.regions):
            left, right = pl.interval(r)
            left = lo - 5 if left == -np.inf else float(left)
            right = hi + 5 if right == np.inf else float(right)
            for u in (0.25, 0.5, 0.75):
                x = left + u * (right - left)
                xs.append(x)
                expected.append([float(s) * x + float(c) for s, c in zip(pl.slopes[r], pl.offsets[r])])
        assert_close(torch_outputs(spec, tensors, xs), np.array(expected), what="piece lines vs torch")
        compared += 1
    assert compared >= 6, f"only {compared} of 12 random networks were sampled"


def test_merging_counts_regions_not_activation_patterns():
    # Two units with the same joint make one kink; a unit whose output weight is 0 makes none.
    spec = NetworkSpec((1, 3, 1))
    tensors = {"beta_0": [-1, -2, -3], "omega_0": [[1], [2], [1]], "beta_1": [0], "omega_1": [[1, 1, 0]]}
    pl = network_pieces(spec, tensors)
    assert [t for t in pl.joints] == [Fraction(1)] and pl.regions == 2
    assert network_pieces(spec, tensors, merge=False).regions == 3  # joints 1 and 3 before merging


@pytest.mark.parametrize("seed", range(20))
def test_random_networks_stay_within_the_bound(seed):
    rng = np.random.default_rng(100 + seed)
    widths = (1, *rng.integers(1, 6, size=rng.integers(1, 4)), 1)
    spec = NetworkSpec(tuple(int(w) for w in widths))
    regions = count_regions(spec, random_tensors(spec, seed))
    assert 1 <= regions <= max_regions(spec.widths)


def test_lecture_example_joints_are_minus_theta_d0_over_theta_d1():
    net, values = lecture_1_3_1()
    exact = sorted(j.subs(values) for j in shallow_joints(net))
    assert exact == [sp.Rational(1, 2), 1, sp.Rational(3, 2)]
    pl = network_pieces(net.spec, tensors_from_shallow(net, values))
    assert [sp.Rational(t.numerator, t.denominator) for t in pl.joints] == exact
    y = net.substituted_outputs()[0].subs(values)
    x = net.inputs[0]
    for r, (line, (left, right)) in enumerate(pl.sympy_pieces(x)):
        left = right - 1 if left == -sp.oo else left
        right = left + 2 if right == sp.oo else right
        for point in (left + (right - left) / 3, left + 2 * (right - left) / 3):
            assert y.subs(x, point) == line.subs(x, point)  # exact rationals


@pytest.mark.parametrize("D", range(1, 9))
def test_shallow_construction_has_D_plus_1_regions(D):
    spec, tensors = shallow_construction(D)
    assert count_regions(spec, tensors) == D + 1 == max_regions(spec.widths)


@pytest.mark.parametrize("D", range(3, 9))
def test_folding_layer_maps_every_piece_onto_the_unit_interval(D):
    t, sigma, delta, b = folding_layer(D)
    assert len(t) == D and all(0 < a < c < 1 for a, c in zip(t, t[1:]))
    g = lambda x: b + sum(dl * max(Fraction(0), s * (x - td)) for td, s, dl in zip(t, sigma, delta))  # noqa: E731
    assert [g(x) for x in [Fraction(0), *t, Fraction(1)]] == [(r + 1) % 2 for r in range(D + 2)]


@pytest.mark.parametrize("D, K", [(3, 1), (3, 2), (3, 3), (4, 2), (5, 2), (6, 2), (3, 4)])
def test_folding_network_attains_D_plus_1_to_the_K(D, K):
    spec, tensors = folding_network((1, *[D] * K, 1))
    assert count_regions(spec, tensors) == region_value(one_input_region_count(), D=D, K=K) == (D + 1) ** K
    # the float parameters, through the torch twin, compute the same function
    xs = np.linspace(-0.5, 1.5, 997)
    exact = network_pieces(spec, tensors).evaluate(xs)
    assert_close(torch_outputs(spec, tensors, xs), exact, rtol=1e-9, what="folding network, torch vs exact")


def test_folding_network_with_mixed_widths():
    spec, tensors = folding_network("1,3,5,4,1")
    assert count_regions(spec, tensors) == 4 * 6 * 5 == max_regions(spec.widths)


@pytest.mark.parametrize("widths", ["1,3,2,1", "1,1,3,1"])
def test_folding_needs_three_units_per_layer(widths):
    with pytest.raises(ValueError, match=r"^the folding construction \(three alternating slopes\) needs D >= 3 "
                                         r"hidden units, got [12]$"):
        folding_network(widths)


def test_shallow_twin_of_a_deep_function():
    spec, tensors = folding_network("1,3,3,1")
    pl = network_pieces(spec, tensors)
    twin_spec, twin = shallow_twin(pl)
    assert network_pieces(twin_spec, twin) == pl
    assert len(pl.joints) <= twin_spec.widths[1] <= len(pl.joints) + 1  # one unit per joint, maybe one more
    xs = np.linspace(-1, 2, 1001)
    assert_close(torch_outputs(twin_spec, twin, xs), torch_outputs(spec, tensors, xs), rtol=1e-9,
                 what="shallow twin vs deep network")


@pytest.mark.parametrize("seed", range(6))
def test_shallow_twin_of_random_networks(seed):
    spec = NetworkSpec((1, 4, 3, 1))
    pl = network_pieces(spec, random_tensors(spec, seed))
    twin_spec, twin = shallow_twin(pl)
    assert network_pieces(twin_spec, twin) == pl


def test_interpolating_network_passes_through_every_point_exactly():
    xs = [Fraction(n, 7) for n in range(8)]
    ys = [Fraction((-1) ** n * n * n, 3) for n in range(8)]
    spec, tensors = interpolating_network(xs, ys)
    assert spec.widths == (1, 7, 1)
    pl = network_pieces(spec, tensors)
    assert [pl(x)[0] for x in xs] == ys


def test_interpolation_error_falls_like_one_over_D_squared():
    rows = interpolation_errors(np.sin, (0.0, 2 * np.pi), [4, 8, 16, 32], samples=20001)
    errors = [r["max_error"] for r in rows]
    assert all(b < a for a, b in zip(errors, errors[1:]))
    # max error of piecewise-linear interpolation of a smooth f: h^2 max|f''| / 8
    for r in rows[1:]:
        h = 2 * np.pi / r["D"]
        assert 0.8 * h**2 / 8 < r["max_error"] <= h**2 / 8 * (1 + 1e-9)


def test_interpolation_bad_input():
    with pytest.raises(ValueError, match=r"^interpolation points must be strictly increasing: sort x and drop repeats$"):
        interpolating_network([0, 1, 1], [0, 1, 2])
    with pytest.raises(ValueError, match=r"^interpolation needs as many y as x values, got 3 and 2$"):
        interpolating_network([0, 1, 2], [0, 1])


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "gelu", "linear", "heaviside"])
def test_exact_counting_rejects_other_activations(act):
    with pytest.raises(ValueError, match=rf"^linear regions assume a piecewise-linear activation "
                                         rf"\(relu or leaky_relu\), got '{act}'; use --activation relu$"):
        network_pieces(NetworkSpec((1, 2, 1), act), random_tensors(NetworkSpec((1, 2, 1)), 0))


def test_exact_counting_needs_one_input():
    spec = NetworkSpec((2, 3, 1))
    with pytest.raises(ValueError, match=r"^exact piecewise-linear analysis needs one input \(D_i = 1\), got D_i = 2"):
        network_pieces(spec, random_tensors(spec, 0))


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.pop("omega_1"), r"^parameters are missing tensor omega_1 \(expected beta_0, omega_0, beta_1, "
                                     r"omega_1 for widths 1,2,1\)$"),
        (lambda t: t.update(beta_0=[1.0]), r"^parameter tensor beta_0 must have shape \(2,\) for widths 1,2,1$"),
        (lambda t: t.update(omega_0=[[1.0, 2.0], [3.0, 4.0]]),
         r"^parameter tensor omega_0 must have shape \(2, 1\) for widths 1,2,1$"),
        (lambda t: t.update(beta_1=[float("nan")]), r"^parameter beta_1\[0\] must be finite, got nan$"),
        (lambda t: t.update(beta_1=["one"]), r"^parameter beta_1\[0\] must be a number, got 'one'$"),
    ],
)
def test_malformed_parameters(change, message):
    spec = NetworkSpec((1, 2, 1))
    tensors = {k: v.tolist() for k, v in random_tensors(spec, 0).items()}
    change(tensors)
    with pytest.raises(ValueError, match=message):
        count_regions(spec, tensors)
