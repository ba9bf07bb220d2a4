"""Topic: ReLU networks compute piecewise-linear functions (joints, pieces, region maps).

    python -m derivations.topics.piecewise_linear --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
import torch

from derivations.figures.regions import pieces_figure, region_map_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.texts import piecewise_linear as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.regions.constructions import float_tensors, tensors_from_shallow
from symbolic.networks.network import lecture_1_3_1
from symbolic.regions.piecewise import network_pieces, shallow_joints
from symbolic.regions.counts import activation_pattern_map, max_regions, region_value, shallow_region_count
from symbolic.spec import NetworkSpec
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "ReLU networks are piecewise linear"
SLUG = "piecewise_linear"
#: Widths of the random deep one-input network whose pieces are found exactly.
DEEP_WIDTHS = (1, 3, 3, 1)
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("DEEP_WIDTHS",)


def _torch_max_error(spec, tensors, pl, xs) -> float:
    module = DeepNetworkModule(spec).load_tensors(float_tensors(tensors))
    with torch.no_grad():
        y = module(torch.tensor(xs, dtype=torch.float64).reshape(-1, 1)).numpy()
    exact = pl.evaluate(xs)
    return float(np.max(np.abs(y - exact) / np.maximum(1.0, np.abs(exact))))


def _twin_joint_count(spec, tensors, lo: float, hi: float, n: int = 20001) -> int:
    """Joints of the torch twin on [lo, hi], seen only through its outputs: the runs of grid
    intervals whose neighbouring slopes differ (a joint inside an interval bends two)."""
    module = DeepNetworkModule(spec).load_tensors(float_tensors(tensors))
    xs = torch.linspace(lo, hi, n, dtype=torch.float64).reshape(-1, 1)
    with torch.no_grad():
        y = module(xs)[:, 0].numpy()
    slope = np.diff(y) / np.diff(xs[:, 0].numpy())  # (n - 1,)
    bend = np.abs(np.diff(slope)) > 1e-7 * max(1.0, float(np.abs(slope).max()))  # (n - 2,)
    return int(np.count_nonzero(bend[1:] & ~bend[:-1]) + int(bend[0]))


def _twin_patterns(spec, tensors, xs, labels) -> tuple[int, bool]:
    """Activation patterns of the torch twin's pre-activations f_0..f_{K-1} on the grid of
    :func:`activation_pattern_map`: how many, and whether they group the points as ``labels``."""
    module = DeepNetworkModule(spec).load_tensors(float_tensors(tensors))
    X1, X2 = np.meshgrid(xs, xs)
    X = torch.tensor(np.stack([X1.ravel(), X2.ravel()], axis=1), dtype=torch.float64)  # (n^2, D_i)
    with torch.no_grad():
        bits = torch.cat([f > 0 for f in module.hidden(X)[:-1]], dim=1).numpy()  # (n^2, sum_k D_k)
    _, twin_labels = np.unique(bits, axis=0, return_inverse=True)
    twin_labels = twin_labels.reshape(-1)
    ours = np.asarray(labels).reshape(-1)
    pairs = len(set(zip(ours.tolist(), twin_labels.tolist())))  # a bijection has as many pairs as labels
    count = int(twin_labels.max()) + 1
    return count, pairs == count == int(ours.max()) + 1


def _example_checks(net, values, tensors, pl) -> list[dict]:
    """The lecture's 1-3-1 example: its joints, each piece against the network, the twin, D + 1 regions."""
    x = net.inputs[0]
    # joints: -theta_d0/theta_d1 symbolically, then with the example's numbers
    numbers = sorted(j.xreplace(values) for j in shallow_joints(net))
    found = [sp.Rational(t.numerator, t.denominator) for t in pl.joints]
    records = [record(r"1-3-1 example: joints $-\theta_{d0}/\theta_{d1}$ equal the exact counter's joints", "exact",
                      0.0 if numbers == found else float("inf"), numbers == found, "exact rationals")]
    # every piece is the network: compare with the substituted network at rational points
    y = net.substituted_outputs()[0].xreplace(values)
    worst = 0
    for line, (left, right) in pl.sympy_pieces(x):
        lo = right - 1 if left == -sp.oo else left
        hi = lo + 2 if right == sp.oo else right
        for u in (sp.Rational(1, 4), sp.Rational(3, 4)):
            point = lo + u * (hi - lo)
            miss = abs(y.subs(x, point) - line.subs(x, point))
            worst = max(worst, miss) if miss.is_comparable else sp.oo  # a piece at no real point is a miss
    records.append(record("1-3-1 example: each piece equals the network (two rational points per piece)", "exact",
                          float(worst), worst == 0, "exact rationals"))
    err = _torch_max_error(net.spec, tensors, pl, np.linspace(-1, 3, 801))
    records.append(record("1-3-1 example: pieces vs PyTorch twin (801 points)", "exact-vs-torch", err, err <= FLOAT64_RTOL,
                          "float64, relative error"))
    records.append(record("1-3-1 example: D + 1 = 4 linear regions", "count", abs(pl.regions - 4), pl.regions == 4,
                          "exact count"))
    return records


def _deep_example(spec: NetworkSpec, seed: int):
    """The first random network of ``spec`` (seeds from ``seed`` on) with at least 7 clear joints
    in (-2, 2): its tensors and exact pieces."""
    for seed in range(seed, seed + 500):
        rng = np.random.default_rng(seed)
        tensors = {n: rng.normal(size=s) for n, s in spec.tensor_shapes().items()}
        pl = network_pieces(spec, tensors)
        gaps = [b - a for a, b in zip(pl.joints, pl.joints[1:])]
        if pl.regions >= 7 and all(-2 < t < 2 for t in pl.joints) and min(gaps) > 0.2:
            break
    return tensors, pl


def _deep_checks(spec: NetworkSpec, tensors, pl, lo: float, hi: float) -> list[dict]:
    """A deep one-input network's exact pieces against its twin's outputs and the twin's bends."""
    err = _torch_max_error(spec, tensors, pl, np.linspace(lo, hi, 2001))
    twin_joints = _twin_joint_count(spec, tensors, lo, hi)
    return [record("random 1-3-3-1 network: exact pieces vs PyTorch twin (2001 points)", "exact-vs-torch", err,
                   err <= FLOAT64_RTOL, "float64, relative error"),
            record(f"random 1-3-3-1 network: {pl.regions} regions, counted exactly, = the slope changes "
                   f"of the PyTorch twin on 20001 points of [{lo:g}, {hi:g}] plus one ({twin_joints} + 1)",
                   "count", abs(pl.regions - (twin_joints + 1)), pl.regions == twin_joints + 1,
                   "exact count vs float64 twin", id="deep_regions_twin")]


def _plane_maps(seed: int) -> tuple[list[tuple], int, list[dict]]:
    """Regions of the plane by activation pattern: a shallow 2-3-1 network against Zaslavsky's count,
    a random deep 2-5-5-1 network against its twin. Returns the maps (title, xs, labels, count),
    Zaslavsky's count and the records."""
    shallow2 = NetworkSpec((2, 3, 1))
    t2 = {"beta_0": [-1.0, 0.5, 1.0], "omega_0": [[1.0, 1.0], [1.0, -1.0], [-0.3, 1.0]],
          "beta_1": [0.2], "omega_1": [[1.0, -0.8, 0.6]]}
    xs, labels, count = activation_pattern_map(shallow2, t2, extent=3.0, n=601)
    expected = region_value(shallow_region_count(), D_i=2, D=3)
    records = [record(f"2-3-1 network: activation patterns on a 601 x 601 grid = {expected} (Zaslavsky)", "count",
                      abs(count - expected), count == expected, "grid count vs formula")]
    deep2 = NetworkSpec((2, 5, 5, 1))
    rng = np.random.default_rng(seed)
    t3 = {n: rng.normal(size=s) for n, s in deep2.tensor_shapes().items()}
    xs3, labels3, count3 = activation_pattern_map(deep2, t3, extent=3.0, n=601)
    twin_count, same_partition = _twin_patterns(deep2, t3, xs3, labels3)
    records.append(record(f"2-5-5-1 network: {count3} activation patterns on the 601 x 601 grid, the same patterns "
                          f"from the PyTorch twin's pre-activations ({twin_count}, same points in each)", "count",
                          abs(count3 - twin_count) + (0 if same_partition else 1), count3 == twin_count and same_partition,
                          "grid count vs float64 twin", id="deep_patterns_twin"))
    maps = [("shallow 2-3-1", xs, labels, count), ("deep 2-5-5-1 (random)", xs3, labels3, count3)]
    return maps, expected, records


def build(ctx: TopicContext) -> TopicResult:
    # The lecture's 1-3-1 network: joints, and exact pieces between them.
    net, values = lecture_1_3_1()
    tensors = tensors_from_shallow(net, values)
    pl = network_pieces(net.spec, tensors)
    records = _example_checks(net, values, tensors, pl)

    # A deep one-input network: the same propagation, layer by layer.
    deep_spec = NetworkSpec(DEEP_WIDTHS)
    deep_tensors, deep_pl = _deep_example(deep_spec, ctx.seed)
    lo, hi = -2.5, 2.5
    records += _deep_checks(deep_spec, deep_tensors, deep_pl, lo, hi)
    fig = pieces_figure([("1-3-1 example (lecture)", pl, (-0.5, 2.5)),
                         (f"random 1-3-3-1 network: {deep_pl.regions} regions", deep_pl, (lo, hi))])
    figure_1d = ctx.save_figure(fig, "piecewise_linear_pieces")

    # Two inputs: regions of the plane, by activation pattern.
    maps, expected, plane_records = _plane_maps(ctx.seed + 1)
    records += plane_records
    figure_2d = ctx.save_figure(region_map_figure(maps), "piecewise_linear_regions")

    joints = text.joints_display(shallow_joints(net), values)
    pieces = text.pieces_display(pl, net.inputs[0])
    assign_ids(SLUG, records)
    tex = text.section(title=TITLE, joints_tex=tagged(joints, records[:1]), pieces_tex=tagged(pieces, records[1:4]),
                       regions=pl.regions, deep_regions=deep_pl.regions, deep_bound=max_regions(deep_spec.widths),
                       figure_1d=figure_1d, plane_regions=expected, figure_2d=figure_2d)
    displays = {"joints": Display(joints, records[:1]), "pieces": Display(pieces, records[1:4])}
    return TopicResult(SLUG, TITLE, tex, [figure_1d, figure_2d], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
