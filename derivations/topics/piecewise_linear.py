"""Topic: ReLU networks compute piecewise-linear functions (joints, pieces, region maps).

    python -m derivations.topics.piecewise_linear --out DIR
"""

from __future__ import annotations

import itertools
import sys
from typing import Any, Callable

import numpy as np
import sympy as sp
import torch

from derivations.checks.printed import Formulas
from derivations.figures.regions import pieces_figure, region_map_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.shallow import every_unit, unit_d
from derivations.topics.texts import piecewise_linear as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.regions.constructions import float_tensors, tensors_from_shallow
from symbolic.networks.network import deep_network, lecture_1_3_1, shallow_network
from symbolic.regions.piecewise import activation_pieces, network_pieces, shallow_joints
from symbolic.regions.counts import (D, D_i, activation_pattern_map, max_regions, one_input_region_count,
                                     region_value, shallow_region_count)
from symbolic.spec import NetworkSpec
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "ReLU networks are piecewise linear"
SLUG = "piecewise_linear"
#: Widths of the random deep one-input network whose pieces are found exactly.
DEEP_WIDTHS = (1, 3, 3, 1)
#: The plane's region maps: a GRID x GRID grid over [-EXTENT, EXTENT]^2.
GRID = 601
EXTENT = 3
#: Where the exact pieces are compared with the PyTorch twin: (first, last, points) of an even grid,
#: for the lecture's example and for the random deep network (its joints lie in (-2, 2)).
EXAMPLE_GRID = (-1.0, 3.0, 801)
DEEP_GRID = (-2.5, 2.5, 2001)
#: Points of [lo, hi] on which the twin's bends (slope changes) are counted.
BEND_POINTS = 20001
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("DEEP_WIDTHS",)


def unsampled_pieces(pl, xs) -> list[tuple[float, float]]:
    """The pieces of ``pl`` (between neighbouring joints, and the two unbounded ends) with no
    point of the grid ``xs`` inside: a comparison on ``xs`` says nothing about them."""
    xs = np.asarray(xs, dtype=float)
    edges = [-np.inf] + [float(t) for t in pl.joints] + [np.inf]
    return [(a, b) for a, b in zip(edges, edges[1:]) if not np.any((xs > a) & (xs < b))]


def _twin_record(name: str, spec, tensors, pl, grid: tuple[float, float, int], **extra) -> dict:
    """The exact pieces against the PyTorch twin on the even grid ``grid``: the record names the
    grid's ends and size from the grid itself, and passes only when every piece has points of it
    (both sides of every joint)."""
    xs = np.linspace(*grid)
    err = _torch_max_error(spec, tensors, pl, xs)
    missed = unsampled_pieces(pl, xs)
    where = f"{len(xs)} points of [{xs[0]:g}, {xs[-1]:g}]"
    detail = {"detail": "no grid point in the piece(s) " + ", ".join(f"({a:g}, {b:g})" for a, b in missed)} \
        if missed else {}
    return record(f"{name}: exact pieces vs PyTorch twin ({where}, every one of its {pl.regions} pieces sampled)",
                  "exact-vs-torch", err, err <= FLOAT64_RTOL and not missed,
                  f"float64, relative error on {where}", **detail, **extra)


def _torch_max_error(spec, tensors, pl, xs) -> float:
    module = DeepNetworkModule(spec).load_tensors(float_tensors(tensors))
    with torch.no_grad():
        y = module(torch.tensor(xs, dtype=torch.float64).reshape(-1, 1)).numpy()
    exact = pl.evaluate(xs)
    return float(np.max(np.abs(y - exact) / np.maximum(1.0, np.abs(exact))))


def _twin_joint_count(spec, tensors, lo: float, hi: float, n: int) -> int:
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


def pieces_of(pl, x: sp.Symbol) -> sp.Piecewise:
    """The exact pieces of ``pl`` as one SymPy ``Piecewise``: each line for ``left <= x < right``."""
    rows = []
    for line, (left, right) in pl.sympy_pieces(x):
        rows.append((line, sp.And(*([] if left == -sp.oo else [left <= x]), *([] if right == sp.oo else [x < right]))))
    return sp.Piecewise(*rows)


def _near_joints(pl) -> Callable[[Any], sp.Rational]:
    """A sampler of x for the read-back of printed pieces: in turn just left and just right of
    every joint (1/1000 away), so that a misprinted interval bound or line is evaluated."""
    points = itertools.cycle([j + side * sp.Rational(1, 1000) for j in (sp.Rational(t.numerator, t.denominator)
                                                                       for t in pl.joints) for side in (-1, 1)])
    return lambda rng: next(points)


def _example_checks(net, values, tensors, pl, formulas: Formulas) -> tuple[list[dict], dict[str, Any]]:
    """The lecture's 1-3-1 example: its joints, its pieces against the network, the twin, D + 1
    regions; and the displays of its joints and pieces, read back."""
    x = net.inputs[0]
    # joints: -theta_d0/theta_d1 symbolically, then with the example's numbers
    joints = shallow_joints(net)
    numbers = sorted(j.xreplace(values) for j in joints)
    found = [sp.Rational(t.numerator, t.denominator) for t in pl.joints]
    general = formulas(unit_d(net, joints[0]), "a unit's joint", fold_short_frac=True)
    records = [record(f"1-3-1 example: joints ${general}$ equal the exact counter's joints", "exact",
                      0.0 if numbers == found else float("inf"), numbers == found, "exact rationals")]
    # every piece is the network: the Piecewise printed, against the substituted network, at
    # two rational points inside every piece
    y = net.substituted_outputs()[0].xreplace(values)
    pieces = pieces_of(pl, x)
    worst = 0
    for _, (left, right) in pl.sympy_pieces(x):
        lo = right - 1 if left == -sp.oo else left
        hi = lo + 2 if right == sp.oo else right
        for u in (sp.Rational(1, 4), sp.Rational(3, 4)):
            point = lo + u * (hi - lo)
            miss = abs(y.subs(x, point) - pieces.subs(x, point))
            worst = max(worst, miss) if miss.is_comparable else sp.oo  # a piece at no real point is a miss
    records.append(record("1-3-1 example: each piece equals the network (two rational points per piece)", "exact",
                          float(worst), worst == 0, "exact rationals"))
    records.append(_twin_record("1-3-1 example", net.spec, tensors, pl, EXAMPLE_GRID))
    count = region_value(shallow_region_count(), D_i=1, D=net.D)
    records.append(record(f"1-3-1 example: D + 1 = {count} linear regions", "count", abs(pl.regions - count),
                          pl.regions == count, "exact count", id="1-3-1-example-d-1-4-linear-r",
                          value=pl.regions))
    shown = {
        "joints": formulas.display([(x, j, j.xreplace(values)) for j in joints], "the example's joints"),
        "pieces": formulas.display([sp.Eq(net.outputs[0], pieces)], "the example's pieces",
                                   typed=[text.pieces_typed(net.outputs[0], x, pl.sympy_pieces(x))],
                                   domain={x: _near_joints(pl)}),
    }
    return records, shown


def _prose(net, deep_spec: NetworkSpec, formulas: Formulas) -> tuple[dict[str, Any], list[dict]]:
    """The formulas of the section's sentences, printed from the objects the code uses, and the
    checks that tie the general forms (unit d, layer k, any D and K) to them."""
    x = net.inputs[0]
    pre = [e.args[0] for _, e in net.program[:net.D]]  # theta_{d0} + theta_{d1} x, inside a[.]
    plane = shallow_network(2, 3, 1)
    plane_pre = [e.args[0] for _, e in plane.program[:plane.D]]
    checks = [every_unit("1-3-1 network: the pre-activation printed for unit d is every unit's", net,
                         unit_d(net, pre[0]), pre),
              every_unit("2-3-1 network: the joint line printed for unit d is every unit's", plane,
                         unit_d(plane, plane_pre[0]), plane_pre)]
    # A deep layer f_k = beta_k + Omega_k h_k, k = 1: checked against the deep network's program.
    deep = deep_network(deep_spec)
    f_k, beta_k, Omega_k, h_k = (sp.Symbol(n, commutative=False) for n in ("f_k", "beta_k", "Omega_k", "h_k"))
    layer = beta_k + Omega_k * h_k
    at_1 = layer.xreplace({beta_k: deep.beta[1], Omega_k: deep.omega[1], h_k: sp.Matrix(deep.h[1])})
    program = dict(deep.program)
    same = all(sp.expand(a - program[f]) == 0 for a, f in zip(at_1, deep.f[1]))
    checks.append(record(f"{deep_spec.describe()} network: the printed layer f_k = beta_k + Omega_k h_k is its "
                         "second layer's pre-activations at k = 1", "exact", 0.0 if same else float("inf"), same,
                         "exact, every unit"))
    matrices = {beta_k: (deep.beta[1].rows, 1), Omega_k: deep.omega[1].shape, h_k: (len(deep.h[1]), 1)}
    names = {r"\mathbf{f}_k": f_k, r"\boldsymbol\beta_k": beta_k, r"\boldsymbol\Omega_k": Omega_k, r"\mathbf{h}_k": h_k}
    layer_formulas = Formulas(SLUG, names=names, domain={m: _random_matrix(*shape) for m, shape in matrices.items()})
    # ReLU splits a line s x + c where it crosses the activation's kink (0 for ReLU), at x = -c/s.
    s, c = sp.Symbol("s", real=True, nonzero=True), sp.Symbol("c", real=True)
    kink = sp.Rational(activation_pieces(deep_spec).kink)
    (crossing,) = sp.solve(sp.Eq(s * x + c, kink), x)  # (t - c)/s, as the exact counter splits a piece
    # The regions: D + 1 for one input, (D+1)^K the deep bound, Zaslavsky's sum for the plane.
    one_input = shallow_region_count().subs(D_i, 1).doit()
    widths = deep_spec.widths
    bound = max_regions(widths)
    hidden = set(widths[1:-1])
    formula = region_value(one_input_region_count(), D=max(hidden), K=deep_spec.K) if len(hidden) == 1 else None
    checks.append(record(f"{deep_spec.describe()} network: (D+1)^K at D = {max(hidden)}, K = {deep_spec.K} is the "
                         f"bound on its regions ({bound})", "count", 0 if formula == bound else float("inf"),
                         formula == bound, "exact count"))
    plane_count = shallow_region_count().subs({D_i: 2, D: plane.D})
    index, lo, hi = plane_count.limits[0]
    terms = sp.Add(*[plane_count.function.subs(index, v) for v in range(lo, hi + 1)], evaluate=False)
    words = {
        "unit_line": formulas(sp.Eq(unit_d(net, pre[0]), 0), "where a unit switches"),
        "regions_formula": formulas(one_input, "the regions of one input"),
        "layer": layer_formulas(sp.Eq(f_k, layer), "a deep layer",
                                typed=r"\mathbf{f}_k = \boldsymbol\beta_k + \boldsymbol\Omega_k \mathbf{h}_k"),
        "line": formulas(s * x + c, "a unit's line", typed="s x + c", also=[s, c]),
        "crossing": formulas(sp.Eq(x, crossing), "where a line crosses the kink", fold_short_frac=True),
        "deep_bound": formulas((one_input_region_count(), bound), "the deep network's bound",
                               typed=f"(D+1)^K = {bound}"),
        "plane_line": formulas(sp.Eq(unit_d(plane, plane_pre[0]), 0), "a joint line of the plane"),
        "plane_regions": formulas((terms, region_value(plane_count)), "three lines' regions"),
        "grid": formulas(sp.Integer(GRID) ** 2, "the grid", typed=rf"{GRID} \times {GRID}"),
        "low": formulas(sp.Integer(-EXTENT), "the grid's lower end"),
        "high": formulas(sp.Integer(EXTENT), "the grid's upper end"),
    }
    formulas.records.extend(layer_formulas.records)
    return words, checks


def _random_matrix(rows: int, cols: int) -> Callable[[Any], sp.ImmutableMatrix]:
    """A sampler of integer matrices of one shape (a read-back that is not proven is then evaluated
    with matrices, so a misprinted order of factors fails)."""
    return lambda rng: sp.ImmutableMatrix(rows, cols, [rng.randint(-9, 9) for _ in range(rows * cols)])


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
    twin_joints = _twin_joint_count(spec, tensors, lo, hi, BEND_POINTS)
    name = f"random {spec.describe().split()[0]} network"
    return [_twin_record(name, spec, tensors, pl, DEEP_GRID),
            record(f"{name}: {pl.regions} regions, counted exactly, = the slope changes "
                   f"of the PyTorch twin on {BEND_POINTS} points of [{lo:g}, {hi:g}] plus one ({twin_joints} + 1)",
                   "count", abs(pl.regions - (twin_joints + 1)), pl.regions == twin_joints + 1,
                   "exact count vs float64 twin", id="deep_regions_twin", value=pl.regions)]


def _plane_maps(seed: int) -> tuple[list[tuple], int, list[dict]]:
    """Regions of the plane by activation pattern: a shallow 2-3-1 network against Zaslavsky's count,
    a random deep 2-5-5-1 network against its twin. Returns the maps (title, xs, labels, count),
    Zaslavsky's count and the records."""
    shallow2 = NetworkSpec((2, 3, 1))
    t2 = {"beta_0": [-1.0, 0.5, 1.0], "omega_0": [[1.0, 1.0], [1.0, -1.0], [-0.3, 1.0]],
          "beta_1": [0.2], "omega_1": [[1.0, -0.8, 0.6]]}
    xs, labels, count = activation_pattern_map(shallow2, t2, extent=EXTENT, n=GRID)
    expected = region_value(shallow_region_count(), D_i=2, D=3)
    records = [record(f"2-3-1 network: activation patterns on a {GRID} x {GRID} grid = {expected} (Zaslavsky)", "count",
                      abs(count - expected), count == expected, "grid count vs formula")]
    deep2 = NetworkSpec((2, 5, 5, 1))
    rng = np.random.default_rng(seed)
    t3 = {n: rng.normal(size=s) for n, s in deep2.tensor_shapes().items()}
    xs3, labels3, count3 = activation_pattern_map(deep2, t3, extent=EXTENT, n=GRID)
    twin_count, same_partition = _twin_patterns(deep2, t3, xs3, labels3)
    records.append(record(f"2-5-5-1 network: {count3} activation patterns on the {GRID} x {GRID} grid, the same patterns "
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
    formulas = Formulas(SLUG)
    records, shown = _example_checks(net, values, tensors, pl, formulas)

    # A deep one-input network: the same propagation, layer by layer.
    deep_spec = NetworkSpec(DEEP_WIDTHS)
    deep_tensors, deep_pl = _deep_example(deep_spec, ctx.seed)
    lo, hi = DEEP_GRID[:2]
    deep_records = _deep_checks(deep_spec, deep_tensors, deep_pl, lo, hi)
    records += deep_records
    fig = pieces_figure([("1-3-1 example (lecture)", pl, (-0.5, 2.5)),
                         (f"random {deep_spec.describe().split()[0]} network: {deep_pl.regions} regions", deep_pl,
                          (lo, hi))])
    figure_1d = ctx.save_figure(fig, "piecewise_linear_pieces")

    # Two inputs: regions of the plane, by activation pattern.
    maps, expected, plane_records = _plane_maps(ctx.seed + 1)
    records += plane_records
    figure_2d = ctx.save_figure(region_map_figure(maps), "piecewise_linear_regions")
    words, prose_checks = _prose(net, deep_spec, formulas)
    plane_lines = shallow_network(2, 3, 1).D  # the plane network of the prose (its joint lines)
    example = records[:4]
    records += prose_checks + formulas.records

    assign_ids(SLUG, records)
    joints_records = [shown["joints"].record, example[0]]
    pieces_records = [shown["pieces"].record, *example[1:4]]
    tex = text.section(title=TITLE, joints_tex=tagged(shown["joints"].latex, joints_records),
                       pieces_tex=tagged(shown["pieces"].latex, pieces_records),
                       example=net.spec.describe().split()[0], regions=example[3]["value"],
                       deep=deep_spec.describe().split()[0],
                       deep_regions=deep_records[1]["value"],
                       lines=plane_lines, figure_1d=figure_1d, figure_2d=figure_2d, **words)
    displays = {"joints": Display(shown["joints"].latex, joints_records),
                "pieces": Display(shown["pieces"].latex, pieces_records)}
    return TopicResult(SLUG, TITLE, tex, [figure_1d, figure_2d], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
