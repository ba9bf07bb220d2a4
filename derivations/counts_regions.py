"""Topic: parameter counts and the number of linear regions.

    python -m derivations.counts_regions --out DIR
"""

from __future__ import annotations

import sys

import numpy as np

from derivations.figures.regions import regions_vs_parameters_figure
from derivations.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.constructions import folding_network, shallow_construction
from symbolic.counts import deep_parameter_count, parameter_count, parameter_count_derivation
from symbolic.piecewise import count_regions
from symbolic.printing import latex
from symbolic.regions import (D, K, deep_region_count, one_input_region_count, region_count_derivation, region_value,
                              shallow_region_count, zaslavsky_small_width_derivation)
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
    for width in (10, 50, 100):
        Ks = range(1, 11)
        series.append({"D_i": 10, "label": f"deep, $D = {width}$, $K = 1..10$", "shallow": False,
                       "parameters": [parameter_count([10] + [width] * k + [1]) for k in Ks],
                       "regions": [region_value(deep_region_count(), D_i=10, D=width, K=k) for k in Ks]})
    return series


def build(ctx: TopicContext) -> TopicResult:
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

    # parameter counts against the PyTorch twin
    worst = 0
    for widths in [(1, 3, 1), (2, 3, 1), (1, 3, 3, 1), (1, 5, 5, 5, 1), (10, 50, 50, 1), (3, 4, 2, 2)]:
        numel = sum(p.numel() for p in DeepNetworkModule(NetworkSpec(widths)).parameters())
        worst = max(worst, abs(int(parameter_count(widths)) - numel))
    records.append(record("parameter counts sum_k D_{k+1}(D_k + 1) equal numel of the PyTorch twin (6 networks)",
                          "count", worst, worst == 0, "exact"))
    # the constructions attain the formulas (exact counter)
    misses = [abs(count_regions(*shallow_construction(d)) - (d + 1)) for d in range(1, 7)]
    records.append(record("shallow construction has D + 1 regions, D = 1..6", "count", max(misses), max(misses) == 0,
                          "exact count (largest miss)"))
    table = []
    for d, k in FOLDING:
        spec, tensors = folding_network([1] + [d] * k + [1])
        n = count_regions(spec, tensors)
        formula = region_value(one_input_region_count(), D=d, K=k)
        records.append(record(f"folding network D = {d}, K = {k}: {n} regions = (D+1)^K", "count", abs(n - formula),
                              n == formula, "exact count"))
        table.append((d, k, spec.n_parameters, int(deep_parameter_count().subs({D: d, K: k})), formula, n))

    fig = regions_vs_parameters_figure(_series())
    figure = ctx.save_figure(fig, "regions_vs_parameters")

    rows_tex = "\\\\\n".join(f"{d} & {k} & {p} & {formula} & {n}" for d, k, p, _, formula, n in table)
    big = region_value(one_input_region_count(), D=100, K=10)
    z23 = region_value(shallow_region_count(), D_i=2, D=3)
    deep2 = region_value(deep_region_count(), D_i=2, D=4, K=3)
    tex = rf"""\section{{{TITLE}}}
A network's capacity can be measured by how many linear regions its piecewise-linear function
can have. Parameters grow linearly with depth and quadratically with width, but the number of
regions grows exponentially with depth.

\paragraph{{Parameters.}} A network with widths $D_0 = D_i, D_1, \dots, D_{{K+1}} = D_o$ has
$\sum_{{k=0}}^{{K}} D_{{k+1}} (D_k + 1)$ parameters; with one input, one output and $K$ layers of $D$
units:
{counts.to_latex()}

\paragraph{{Regions of a shallow network.}} Each hidden unit's joint is a hyperplane of the input
space; $D$ hyperplanes in general position cut $\mathbb{{R}}^{{D_i}}$ into (Zaslavsky)
\[ N_r = {latex(shallow_region_count())} \]
regions, e.g. ${z23}$ for $D_i = 2$, $D = 3$; with no more units than inputs every pattern occurs:
{small.to_latex()}

\paragraph{{Regions of a deep network.}} With $K$ layers of $D \ge D_i$ units, the network can make
\[ N_r = {latex(deep_region_count())} \]
regions (e.g. ${deep2}$ for $D_i = 2$, $D = 4$, $K = 3$). With one input this is the lecture's count:
{regions.to_latex()}
The counts are exact integers however large: $D = 100$, $K = 10$ gives $101^{{10}} = {big}$.
With one input the count is also an upper bound: each layer's $D$ units split every piece of
the layer before at most $D$ times. The folding construction (each layer a zigzag whose $D+1$
pieces all map onto $[0, 1]$, composed $K$ times) attains it, counted exactly:
\begin{{center}}
\begin{{tabular}}{{rrrrr}}
\toprule
$D$ & $K$ & parameters & $(D+1)^K$ & regions counted \\
\midrule
{rows_tex}\\
\bottomrule
\end{{tabular}}
\end{{center}}
\begin{{figure}}[ht]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Maximal number of linear regions against the number of parameters, for shallow
networks of growing width and deep networks of fixed width and growing depth
($K = 1, \dots, 10$), with $D_i = 1$ and $D_i = 10$ inputs (formulas above, exact integers).}}
\end{{figure}}
"""
    numel = [r for r in records if r["name"].startswith("parameter counts")]
    attained = [r for r in records if r["name"].startswith("folding network")]
    displays = {"parameters": Display(counts.to_latex(), count_records + numel, counts),
                "regions": Display(regions.to_latex(), region_records + attained, regions)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
