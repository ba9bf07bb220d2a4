"""Topic: parameter counts and the number of linear regions.

    python -m derivations.topics.counts_regions --out DIR
"""

from __future__ import annotations

import sys

import numpy as np

from derivations.checks.evidence import steps_words
from derivations.figures.regions import regions_vs_parameters_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.texts import counts_regions as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.regions.constructions import folding_network, shallow_construction
from symbolic.networks.counts import deep_parameter_count, parameter_count, parameter_count_derivation
from symbolic.regions.piecewise import count_regions
from symbolic.core.printing import latex
from symbolic.regions.counts import (D, D_i, K, activation_pattern_map, deep_region_count, max_regions, one_input_region_count,
                              region_count_derivation, region_value, shallow_region_count,
                              zaslavsky_small_width_derivation)
from symbolic.spec import NetworkSpec

TITLE = "Parameter counts and linear regions"
SLUG = "counts_regions"
#: (D, K) of the folding networks whose regions are counted exactly.
FOLDING = ((3, 1), (3, 2), (3, 3), (4, 2), (5, 2), (3, 4))
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("FOLDING",)


def _series() -> list[dict]:
    series = []
    Ds = sorted({int(v) for v in np.unique(np.round(np.logspace(0, 3.5, 40)))})
    series.append({"D_i": 1, "label": "shallow ($K = 1$, $D$ grows)", "shallow": True,
                   "parameters": [parameter_count([1, d, 1]) for d in Ds], "regions": [d + 1 for d in Ds]})
    for width in (5, 10, 50):
        Ks = range(1, 11)
        series.append({"D_i": 1, "label": f"deep, $D = {width}$, $K = 1..10$", "shallow": False,
                       "parameters": [int(deep_parameter_count().subs({D: width, K: k})) for k in Ks],
                       "regions": [region_value(one_input_region_count(), D=width, K=k) for k in Ks]})
    Ds10 = [d for d in Ds if d >= 10]
    series.append({"D_i": 10, "label": "shallow ($K = 1$, $D$ grows)", "shallow": True,
                   "parameters": [parameter_count([10, d, 1]) for d in Ds10],
                   "regions": [region_value(shallow_region_count(), D_i=10, D=d) for d in Ds10]})
    for width in (30, 50, 100):  # multiples of D_i with D >= 3 D_i: where eq. 4.17 holds
        Ks = range(1, 11)
        series.append({"D_i": 10, "label": f"deep, $D = {width}$, $K = 1..10$", "shallow": False,
                       "parameters": [parameter_count([10] + [width] * k + [1]) for k in Ks],
                       "regions": [region_value(deep_region_count(), D_i=10, D=width, K=k) for k in Ks]})
    return series


def _random_tensors(widths, rng) -> dict:
    """Integer weights and biases in [-3, 3] (exact arithmetic in the counter)."""
    out = {}
    for k, (a, b) in enumerate(zip(widths, widths[1:])):
        out[f"beta_{k}"] = [rng.randint(-3, 3) for _ in range(b)]
        out[f"omega_{k}"] = [[rng.randint(-3, 3) for _ in range(a)] for _ in range(b)]
    return out


def _general_position(D: int) -> dict:
    """A 2-D-1 network whose D joint lines are in general position inside [-4, 4]^2."""
    angles = [np.pi * (d + 0.5) / D for d in range(D)]
    offsets = [0.6 * (d - (D - 1) / 2) + 0.1 * d * d for d in range(D)]
    return {"beta_0": [-c for c in offsets], "omega_0": [[float(np.cos(a)), float(np.sin(a))] for a in angles],
            "beta_1": [0.0], "omega_1": [[1.0] * D]}


def _formula_vs_sum() -> dict:
    """The one-input formula 3D + 1 + (K-1)D(D+1) against the general sum, on a grid."""
    grid = [(d, k) for d in range(1, 7) for k in range(1, 6)]
    misses = [abs(int(deep_parameter_count().subs({D: d, K: k})) - int(parameter_count([1] + [d] * k + [1])))
              for d, k in grid]
    return record(f"$3D + 1 + (K-1)D(D+1)$ equals $\\sum_k D_{{k+1}}(D_k + 1)$ for widths 1, D, ..., D, 1 "
                  f"on the grid D = 1..6, K = 1..5 ({len(grid)} networks)", "count", max(misses),
                  max(misses) == 0, "exact, on a grid", id="parameters.formula_vs_sum")


def _numel_grid() -> tuple[int, dict]:
    """Both parameter counts against numel of the PyTorch twin: (networks checked, record)."""
    worst, n_nets = 0, 0
    for D_in in (1, 2, 3):
        for width in (1, 2, 4):
            for k in (1, 2, 3):
                for D_out in (1, 2):
                    widths = [D_in] + [width] * k + [D_out]
                    numel = sum(p.numel() for p in DeepNetworkModule(NetworkSpec(widths)).parameters())
                    worst = max(worst, abs(int(parameter_count(widths)) - numel))
                    if D_in == D_out == 1:
                        worst = max(worst, abs(int(deep_parameter_count().subs({D: width, K: k})) - numel))
                    n_nets += 1
    return n_nets, record(f"parameter counts $\\sum_k D_{{k+1}}(D_k + 1)$ (and $3D + 1 + (K-1)D(D+1)$ where "
                          f"$D_i = D_o = 1$) equal numel of the PyTorch twin on the grid $D_i \\in \\{{1,2,3\\}}$, "
                          f"$D \\in \\{{1,2,4\\}}$, $K \\in \\{{1,2,3\\}}$, $D_o \\in \\{{1,2\\}}$ ({n_nets} networks)",
                          "count", worst, worst == 0, "exact, on a grid", id="parameters.numel_grid")


def _shallow_attained() -> list[dict]:
    """Zaslavsky's count is attained: one input by the exact counter, two inputs by grid patterns."""
    misses = [abs(count_regions(*shallow_construction(d)) - (d + 1)) for d in range(1, 7)]
    one = record("shallow construction has D + 1 regions, D = 1..6 (Zaslavsky with $D_i = 1$, attained)",
                 "count", max(misses), max(misses) == 0, "exact count (largest miss)", id="shallow.attained_1d")
    misses = []
    for d in (2, 3, 4):
        patterns = activation_pattern_map(NetworkSpec((2, d, 1)), _general_position(d), 4.0, 401)[2]
        misses.append(abs(patterns - region_value(shallow_region_count(), D_i=2, D=d)))
    two = record("2-D-1 networks with joint lines in general position: activation patterns on a 401 x 401 "
                 "grid equal Zaslavsky's count, D = 2, 3, 4 (attained)", "count", max(misses), max(misses) == 0,
                 "grid count (a lower bound) equals the upper bound", id="shallow.attained_2d")
    return [one, two]


def _folding(folding) -> tuple[list[tuple], list[dict]]:
    """The folding networks of ``folding`` ((D, K) pairs) reach (D+1)^K regions, counted exactly:
    their table rows (D, K, parameters, (D+1)^K, regions) and records."""
    table, records = [], []
    for d, k in folding:
        spec, tensors = folding_network([1] + [d] * k + [1])
        n = count_regions(spec, tensors)
        formula = region_value(one_input_region_count(), D=d, K=k)
        records.append(record(f"folding network D = {d}, K = {k}: {n} regions = (D+1)^K (attained)", "count",
                              abs(n - formula), n == formula, "exact count", id=f"deep.folding.D{d}K{k}"))
        table.append((d, k, spec.n_parameters, formula, n))
    return table, records


def _bound_search() -> tuple[dict, dict]:
    """60 random integer networks of each of five widths stay within the upper bound:
    ``{widths: (most regions found, bound)}`` and the record."""
    import random

    rng = random.Random(0)
    search = {}
    for widths in [(1, 1, 1, 1), (1, 2, 2, 1), (1, 2, 2, 2, 1), (1, 3, 3, 1), (1, 3, 2, 4, 1)]:
        found = max(count_regions(NetworkSpec(widths), _random_tensors(widths, rng)) for _ in range(60))
        search[widths] = (found, max_regions(widths))
    over = [found - bound for found, bound in search.values() if found > bound]
    return search, record("upper bound $\\prod_k (D_k + 1)$ respected by 60 random integer networks each of widths "
                          + ", ".join("-".join(map(str, w)) + f" (largest {f} of {b})" for w, (f, b) in search.items()),
                          "count", max(over, default=0), not over, "exact counts, largest excess", id="deep.bound_search")


def _lower_bound_checks() -> list[dict]:
    """Eq. 4.17 (a lower bound on the maximum, from the literature) stays at most the upper bound,
    and equals it with one input."""
    rows = [(di, dd, k) for di in (1, 2, 3) for dd in (3 * di, 4 * di, 6 * di) for k in (1, 2, 3, 4)]
    excess = [region_value(deep_region_count(), D_i=di, D=dd, K=k) - max_regions([di] + [dd] * k + [1])
              for di, dd, k in rows]
    below = record(f"eq. 4.17 at most the upper bound $\\prod_k \\sum_{{j \\le d_k}} \\binom{{D_k}}{{j}}$ for "
                   f"$D_i = 1, 2, 3$, $D = 3D_i, 4D_i, 6D_i$, $K = 1..4$ ({len(rows)} cases)", "count",
                   max(0, max(excess)), max(excess) <= 0, "exact integers", id="deep.lower_below_upper")
    one = [region_value(deep_region_count(), D_i=1, D=dd, K=k) - max_regions([1] + [dd] * k + [1])
           for dd in range(1, 8) for k in range(1, 6)]
    equal = record("eq. 4.17 with $D_i = 1$ equals the upper bound $(D+1)^K$, D = 1..7, K = 1..5", "count",
                   max(map(abs, one)), not any(one), "exact integers", id="deep.one_input_equal")
    return [below, equal]


def build(ctx: TopicContext) -> TopicResult:
    # The derivations: the parameter count, the one-input region count, Zaslavsky for D <= D_i.
    counts, regions, small = parameter_count_derivation(), region_count_derivation(), zaslavsky_small_width_derivation()
    for derivation in (counts, regions, small):
        derivation.check()
    count_records, region_records, small_records = counts.records(), regions.records(), small.records()

    # Parameters: the one-input formula against the general sum, and both against the twin's numel.
    formula_record = _formula_vs_sum()
    n_nets, numel_record = _numel_grid()
    # Shallow networks: Zaslavsky's count is attained.
    attained = _shallow_attained()
    # Deep networks, one input: (D+1)^K is an upper bound, attained by folding for D >= 3.
    table, folding_records = _folding(FOLDING)
    search, search_record = _bound_search()
    # Several inputs: eq. 4.17 is a lower bound on the maximum (literature), below the upper bound.
    lower_records = _lower_bound_checks()
    records = [*count_records, *region_records, *small_records, formula_record, numel_record, *attained,
               *folding_records, search_record, *lower_records]

    figure = ctx.save_figure(regions_vs_parameters_figure(_series()), "regions_vs_parameters")
    assign_ids(SLUG, records)
    tex = text.section(
        title=TITLE, n_nets=n_nets, counts_words=steps_words(count_records),
        counts_tex=tagged(counts.to_latex(), count_records + [formula_record, numel_record]),
        zaslavsky_tex=tagged(text.regions_display(latex(shallow_region_count())), attained),
        z23=region_value(shallow_region_count(), D_i=2, D=3),
        small_words=steps_words(small_records), small_tex=tagged(small.to_latex(), small_records),
        folding=table, search=search, big=region_value(one_input_region_count(), D=100, K=10),
        lower_tex=tagged(text.regions_display(latex(deep_region_count())), lower_records),
        non_integer=float(deep_region_count().subs({D_i: 2, D: 3, K: 2}).doit()),
        deep2=region_value(deep_region_count(), D_i=2, D=6, K=3),
        regions_tex=tagged(regions.to_latex(), region_records + folding_records), figure=figure)
    displays = {"parameters": Display(counts.to_latex(), count_records + [numel_record], counts),
                "regions": Display(regions.to_latex(), region_records + folding_records, regions)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
