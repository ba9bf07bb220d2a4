"""Topic: why deep networks (depth versus width).

    python -m derivations.topics.depth --out DIR
"""

from __future__ import annotations

import sys
from fractions import Fraction

import sympy as sp

from derivations.checks.printed import Formulas
from derivations.figures.regions import depth_width_figure
from derivations.topics.texts import depth as text
from derivations.topics.topic import TopicContext, TopicResult, record, topic_main
from symbolic.regions.constructions import folding_network, shallow_twin
from symbolic.networks import counts  # the symbols D, K of the counts (K is also the depth of a row here)
from symbolic.networks.counts import deep_parameter_count, parameter_count
from symbolic.regions.piecewise import network_pieces
from symbolic.regions.counts import one_input_region_count, region_value

TITLE = "Why deep networks? Depth versus width"
SLUG = "depth"
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("D_LAYER", "K_MAX")

D_LAYER = 3  # units per layer of the deep folding network
K_MAX = 5
K_EXACT_TWIN = 4  # shallow twins checked piece by piece up to here (cost grows like D'^2)
K_SHOWN = 3  # the deep network drawn in the figure
#: A shallow network needs one unit per joint: (D+1)^K regions, (D+1)^K - 1 joints.
SHALLOW_UNITS = one_input_region_count() - 1


def _shallow_value(tensors, x: Fraction) -> Fraction:
    """y = beta_1 + sum_d omega_{1,d} ReLU[beta_{0,d} + omega_{0,d} x], exactly."""
    hidden = (max(Fraction(0), b + w[0] * x) for b, w in zip(tensors["beta_0"], tensors["omega_0"]))
    return tensors["beta_1"][0] + sum(v * h for v, h in zip(tensors["omega_1"][0], hidden))


def _depth_row(K: int):
    """The deep folding network of K layers of D_LAYER units against its shallow twin: its exact
    pieces, the table row and the records."""
    spec, tensors = folding_network([1] + [D_LAYER] * K + [1])
    pl = network_pieces(spec, tensors)
    formula = region_value(one_input_region_count(), D=D_LAYER, K=K)
    records = [record(f"deep 1-{'-'.join([str(D_LAYER)] * K)}-1 folding network: {pl.regions} regions = "
                      f"(D+1)^K", "count", abs(pl.regions - formula), pl.regions == formula, "exact count")]
    twin_spec, twin = shallow_twin(pl)
    units = twin_spec.widths[1]
    if K <= K_EXACT_TWIN:
        same = network_pieces(twin_spec, twin) == pl
        records.append(record(f"K = {K}: shallow twin with {units} units has exactly the deep network's pieces",
                              "exact", 0.0 if same else float("inf"), same, "exact rationals"))
    else:  # exact values at 200 points (its float weights are too ill-conditioned for a float check)
        points = [Fraction(n, 199) for n in range(200)]
        worst = max(abs(_shallow_value(twin, x) - pl(x)[0]) for x in points)
        records.append(record(f"K = {K}: shallow twin with {units} units equals the deep network at 200 points",
                              "exact", float(worst), worst == 0, "exact rationals"))
    needed = int(SHALLOW_UNITS.subs({counts.D: D_LAYER, counts.K: K}))
    records.append(record(f"K = {K}: shallow network needs >= {len(pl.joints)} units (one per joint, the printed "
                          f"count {needed}); twin uses {units}", "count", abs(len(pl.joints) - needed),
                          len(pl.joints) == needed and needed <= units <= needed + 1, "exact count"))
    deep_parameters = int(deep_parameter_count().subs({counts.D: D_LAYER, counts.K: K}))
    records.append(record(f"K = {K}: the deep network's {spec.n_parameters} parameters are the printed count "
                          f"{deep_parameters}", "count", abs(spec.n_parameters - deep_parameters),
                          spec.n_parameters == deep_parameters, "exact count"))
    row = {"K": K, "regions": pl.regions, "deep_parameters": spec.n_parameters,
           "shallow_units_min": len(pl.joints), "shallow_units": units,
           "shallow_parameters": int(parameter_count([1, units, 1]))}
    return pl, row, records


def build(ctx: TopicContext) -> TopicResult:
    # For K = 1..K_MAX layers: (D+1)^K regions, and the shallow network that makes the same function.
    records, rows = [], []
    shown = None
    for K in range(1, K_MAX + 1):
        pl, row, row_records = _depth_row(K)
        records += row_records
        rows.append(row)
        if K == K_SHOWN:
            shown = pl
    # The formulas the section prints, from the objects the rows evaluate, read back.
    formulas = Formulas(SLUG)
    pieces = one_input_region_count().subs(counts.K, 1)
    printed = {"per_layer": formulas(pieces, "pieces of one layer, the factor one layer more multiplies the regions by"),
               "regions": formulas(one_input_region_count(), "regions of K layers of D units"),
               "parameters": formulas(deep_parameter_count(), "parameters of K layers of D units",
                                      typed=r"3 D + 1 + \left(K - 1\right) D \left(D + 1\right)"),
               "shallow_units": formulas(SHALLOW_UNITS, "units a shallow network needs")}
    shown_K = formulas(sp.Eq(counts.K, K_SHOWN), "layers drawn")
    shown_D = formulas(sp.Eq(counts.D, D_LAYER), "units per layer drawn")
    records += formulas.records
    fig = depth_width_figure(shown, (-0.02, 1.02), rows,
                             f"deep network, ${shown_K}$ layers of ${shown_D}$ units: {shown.regions} regions",
                             ylim=(-0.1, 1.15))
    figure = ctx.save_figure(fig, "depth_vs_width")
    tex = text.section(title=TITLE, rows=rows, figure=figure, pieces=region_value(one_input_region_count(), D=D_LAYER, K=1),
                       **{k: str(v) for k, v in printed.items()})
    return TopicResult(SLUG, TITLE, tex, [figure], records)


if __name__ == "__main__":
    sys.exit(topic_main(build))
