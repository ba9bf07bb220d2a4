"""Topic: parameter counts and the number of linear regions.

    python -m derivations.topics.counts_regions --out DIR
"""

from __future__ import annotations

import sys

import numpy as np

from derivations.checks.evidence import steps_words
from derivations.figures.regions import regions_vs_parameters_figure
from derivations.checks.records import assign_ids, tagged
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


def _digits(n: int) -> str:
    """A big integer in groups of three digits, breakable between groups."""
    text = str(n)
    groups = [text[max(0, i - 3):i] for i in range(len(text), 0, -3)][::-1]
    return r"\,\allowbreak ".join(groups)


def build(ctx: TopicContext) -> TopicResult:
    import random

    records = []
    counts = parameter_count_derivation()
    counts.check()
    count_records = counts.records()
    records += count_records
    regions = region_count_derivation()
    regions.check()
    region_records = regions.records()
    records += region_records
    small = zaslavsky_small_width_derivation()
    small.check()
    records += small.records()

    # The one-input formula against the general sum, and both against the PyTorch twin's numel.
    grid = [(d, k) for d in range(1, 7) for k in range(1, 6)]
    misses = [abs(int(deep_parameter_count().subs({D: d, K: k})) - int(parameter_count([1] + [d] * k + [1])))
              for d, k in grid]
    records.append(record(f"$3D + 1 + (K-1)D(D+1)$ equals $\\sum_k D_{{k+1}}(D_k + 1)$ for widths 1, D, ..., D, 1 "
                          f"on the grid D = 1..6, K = 1..5 ({len(grid)} networks)", "count", max(misses),
                          max(misses) == 0, "exact, on a grid", id="parameters.formula_vs_sum"))
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
    records.append(record(f"parameter counts $\\sum_k D_{{k+1}}(D_k + 1)$ (and $3D + 1 + (K-1)D(D+1)$ where "
                          f"$D_i = D_o = 1$) equal numel of the PyTorch twin on the grid $D_i \\in \\{{1,2,3\\}}$, "
                          f"$D \\in \\{{1,2,4\\}}$, $K \\in \\{{1,2,3\\}}$, $D_o \\in \\{{1,2\\}}$ ({n_nets} networks)",
                          "count", worst, worst == 0, "exact, on a grid", id="parameters.numel_grid"))

    # Shallow networks: Zaslavsky's count is attained (one input: exact counter; two inputs: grid patterns).
    misses = [abs(count_regions(*shallow_construction(d)) - (d + 1)) for d in range(1, 7)]
    records.append(record("shallow construction has D + 1 regions, D = 1..6 (Zaslavsky with $D_i = 1$, attained)",
                          "count", max(misses), max(misses) == 0, "exact count (largest miss)", id="shallow.attained_1d"))
    misses = []
    for d in (2, 3, 4):
        patterns = activation_pattern_map(NetworkSpec((2, d, 1)), _general_position(d), 4.0, 401)[2]
        misses.append(abs(patterns - region_value(shallow_region_count(), D_i=2, D=d)))
    records.append(record("2-D-1 networks with joint lines in general position: activation patterns on a 401 x 401 "
                          "grid equal Zaslavsky's count, D = 2, 3, 4 (attained)", "count", max(misses), max(misses) == 0,
                          "grid count (a lower bound) equals the upper bound", id="shallow.attained_2d"))

    # Deep networks, one input: (D+1)^K is an upper bound, attained by folding for D >= 3.
    table = []
    for d, k in FOLDING:
        spec, tensors = folding_network([1] + [d] * k + [1])
        n = count_regions(spec, tensors)
        formula = region_value(one_input_region_count(), D=d, K=k)
        records.append(record(f"folding network D = {d}, K = {k}: {n} regions = (D+1)^K (attained)", "count",
                              abs(n - formula), n == formula, "exact count", id=f"deep.folding.D{d}K{k}"))
        table.append((d, k, spec.n_parameters, formula, n))
    rng = random.Random(0)
    search = {}
    for widths in [(1, 1, 1, 1), (1, 2, 2, 1), (1, 2, 2, 2, 1), (1, 3, 3, 1), (1, 3, 2, 4, 1)]:
        found = max(count_regions(NetworkSpec(widths), _random_tensors(widths, rng)) for _ in range(60))
        search[widths] = (found, max_regions(widths))
    over = [found - bound for found, bound in search.values() if found > bound]
    records.append(record("upper bound $\\prod_k (D_k + 1)$ respected by 60 random integer networks each of widths "
                          + ", ".join("-".join(map(str, w)) + f" (largest {f} of {b})" for w, (f, b) in search.items()),
                          "count", max(over, default=0), not over, "exact counts, largest excess", id="deep.bound_search"))

    # Several inputs: eq. 4.17 is a lower bound on the maximum (literature), below the upper bound.
    rows = [(di, dd, k) for di in (1, 2, 3) for dd in (3 * di, 4 * di, 6 * di) for k in (1, 2, 3, 4)]
    excess = [region_value(deep_region_count(), D_i=di, D=dd, K=k) - max_regions([di] + [dd] * k + [1])
              for di, dd, k in rows]
    records.append(record(f"eq. 4.17 at most the upper bound $\\prod_k \\sum_{{j \\le d_k}} \\binom{{D_k}}{{j}}$ for "
                          f"$D_i = 1, 2, 3$, $D = 3D_i, 4D_i, 6D_i$, $K = 1..4$ ({len(rows)} cases)", "count",
                          max(0, max(excess)), max(excess) <= 0, "exact integers", id="deep.lower_below_upper"))
    one = [region_value(deep_region_count(), D_i=1, D=dd, K=k) - max_regions([1] + [dd] * k + [1])
           for dd in range(1, 8) for k in range(1, 6)]
    records.append(record("eq. 4.17 with $D_i = 1$ equals the upper bound $(D+1)^K$, D = 1..7, K = 1..5", "count",
                          max(map(abs, one)), not any(one), "exact integers", id="deep.one_input_equal"))

    fig = regions_vs_parameters_figure(_series())
    figure = ctx.save_figure(fig, "regions_vs_parameters")

    rows_tex = "\\\\\n".join(f"{d} & {k} & {p} & {formula} & {n}" for d, k, p, formula, n in table)
    big = region_value(one_input_region_count(), D=100, K=10)
    z23 = region_value(shallow_region_count(), D_i=2, D=3)
    deep2 = region_value(deep_region_count(), D_i=2, D=6, K=3)
    assign_ids(SLUG, records)
    by_id = {r["id"].split(".", 1)[1]: r for r in records}
    small_records = [r for r in records if r["name"].startswith(small.title)]
    counts_tex = tagged(counts.to_latex(), count_records + [by_id["parameters.formula_vs_sum"],
                                                            by_id["parameters.numel_grid"]])
    zaslavsky_tex = tagged(rf"\[ N_r = {latex(shallow_region_count())} \]",
                           [by_id["shallow.attained_1d"], by_id["shallow.attained_2d"]])
    small_tex = tagged(small.to_latex(), small_records)
    lower_tex = tagged(rf"\[ N_r = {latex(deep_region_count())} \]",
                       [by_id["deep.lower_below_upper"], by_id["deep.one_input_equal"]])
    regions_tex = tagged(regions.to_latex(), region_records + [r for r in records if ".deep.folding." in r["id"]])
    tex = rf"""\section{{{TITLE}}}
A network's capacity can be measured by how many linear regions its piecewise-linear function
can have. Parameters grow linearly with depth and quadratically with width, but the number of
regions a network can reach grows exponentially with depth.

\paragraph{{Parameters.}} A network with widths $D_0 = D_i, D_1, \dots, D_{{K+1}} = D_o$ has
$\sum_{{k=0}}^{{K}} D_{{k+1}} (D_k + 1)$ parameters (checked against the number of entries of the
PyTorch twin's tensors on a grid of {n_nets} width lists); with one input, one output and $K$ layers of $D$
units (checked against the sum on a grid, and {steps_words(count_records)}):
{counts_tex}

\paragraph{{Regions of a shallow network.}} Each hidden unit's joint is a hyperplane of the input
space; $D$ hyperplanes cut $\mathbb{{R}}^{{D_i}}$ into at most (Zaslavsky; an upper bound, attained
when the hyperplanes are in general position)
{zaslavsky_tex}
regions, e.g. ${z23}$ for $D_i = 2$, $D = 3$. The bound is attained, counted exactly for one
input ($D + 1$ regions, $D = 1, \dots, 6$) and on a grid for two inputs ($D = 2, 3, 4$ lines in
general position). With no more units than inputs every pattern occurs ({steps_words(small_records)}):
{small_tex}

\paragraph{{Regions of a deep network.}} A network with one input and $K$ layers of widths
$D_1, \dots, D_K$ has at most $\prod_k (D_k + 1)$ regions, $(D+1)^K$ for equal widths (an upper
bound: each layer's $D$ units split every piece of the layer before at most $D$ times).
For $D \ge 3$ it is attained: the folding construction (each layer a zigzag whose $D+1$
pieces all map onto $[0, 1]$, composed $K$ times) reaches it, counted exactly:
\begin{{center}}
\begin{{tabular}}{{rrrrr}}
\toprule
$D$ & $K$ & parameters & $(D+1)^K$ & regions counted \\
\midrule
{rows_tex}\\
\bottomrule
\end{{tabular}}
\end{{center}}
For $D \le 2$ we claim only the upper bound: 60 random integer networks of widths 1-1-1-1 reach
at most {search[(1, 1, 1, 1)][0]} regions (bound {search[(1, 1, 1, 1)][1]}) and of widths 1-2-2-1 at most
{search[(1, 2, 2, 1)][0]} (bound {search[(1, 2, 2, 1)][1]}); no random network exceeds the bound (verification table).
The counts are exact integers however large: $D = 100$, $K = 10$ gives
$101^{{10}} = {_digits(big)}$.

With $D_i$ inputs, Prince's eq.~4.17 (after Serra et al., 2018) gives
{lower_tex}
for $D$ a multiple of $D_i$ with $D \ge 3 D_i$ (otherwise it need not be an integer: $D_i = 2$,
$D = 3$, $K = 2$ gives ${float(deep_region_count().subs({D_i: 2, D: 3, K: 2}).doit()):g}$). It is a \emph{{lower bound on the maximum}}, a count that some
network of these widths reaches (e.g. ${deep2}$ for $D_i = 2$, $D = 6$, $K = 3$); we quote it
from the literature and check only that it stays at most the upper bound
$\prod_{{k=1}}^{{K}} \sum_{{j=0}}^{{d_k}} \binom{{D_k}}{{j}}$, $d_k = \min(D_i, D_1, \dots, D_{{k-1}})$,
and that with one input it is $(D+1)^K$:
{regions_tex}
\begin{{figure}}[ht]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Linear regions against the number of parameters, for shallow networks of growing
width and deep networks of fixed width and growing depth ($K = 1, \dots, 10$). $D_i = 1$: the
maximum $(D+1)^K$ (attained for $D \ge 3$; for $D = 5, 10, 50$ by the folding construction).
$D_i = 10$: Zaslavsky's count (shallow, attained) and eq.~4.17 (deep, a lower bound on the
maximum for $D = 30, 50, 100$, multiples of $D_i$ with $D \ge 3 D_i$). Exact integers.}}
\end{{figure}}
"""
    numel = [r for r in records if r["name"].startswith("parameter counts")]
    attained = [r for r in records if r["name"].startswith("folding network")]
    displays = {"parameters": Display(counts.to_latex(), count_records + numel, counts),
                "regions": Display(regions.to_latex(), region_records + attained, regions)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
