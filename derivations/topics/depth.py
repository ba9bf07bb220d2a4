"""Topic: why deep networks (depth versus width).

    python -m derivations.topics.depth --out DIR
"""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import sympy as sp

from derivations.checks.printed import Formulas
from derivations.checks.tables import read_table, stated, tabular
from derivations.figures.regions import depth_width_figure
from derivations.topics.texts import depth as text
from derivations.topics.topic import TopicContext, TopicResult, record, topic_main
from symbolic.activations.functions import ReLU
from symbolic.regions.constructions import folding_layer, folding_network, shallow_twin
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
#: Points of [0, 1] where the printed zigzag, composed K times, is compared with the network (exactly).
ZIGZAG_POINTS = [Fraction(n, 61) for n in range(62)]

# One layer of the folding network, the zigzag g(x) = b + sum_{d=1}^{D} Delta_d ReLU[sigma_d (x - t_d)].
x, y, b = sp.symbols("x y b", real=True)
d = sp.Symbol("d", integer=True, positive=True)
Delta, sigma, t = (sp.IndexedBase(name, real=True) for name in ("Delta", "sigma", "t"))
g = sp.Function("g")
ZIGZAG = sp.Eq(g(x), b + sp.Sum(Delta[d] * ReLU(sigma[d] * (x - t[d])), (d, 1, counts.D)))
#: The zigzag as the book writes it (the printer puts the factors in another order).
ZIGZAG_BOOK = (r"g{\left(x \right)} = b + \sum_{d=1}^{D} "
               r"{\Delta}_{d} \mathrm{ReLU}\left[{\sigma}_{d} \left(x - {t}_{d}\right)\right]")


def zigzag(width: int) -> sp.Expr:
    """The printed zigzag ``ZIGZAG`` with the numbers of the folding construction's layer of ``width`` units."""
    ts, sigmas, deltas, b_value = folding_layer(width)
    exact = lambda v: sp.Rational(Fraction(v).numerator, Fraction(v).denominator)  # noqa: E731
    values = {b: exact(b_value)}
    for i, (t_d, sigma_d, delta_d) in enumerate(zip(ts, sigmas, deltas), start=1):
        values.update({t[i]: exact(t_d), sigma[i]: exact(sigma_d), Delta[i]: exact(delta_d)})
    return ZIGZAG.rhs.subs(counts.D, width).doit().xreplace(values)


def nested(K: int):
    """``y = g(g(...g(x)))``: K zigzags composed."""
    out = x
    for _ in range(K):
        out = g(out)
    return sp.Eq(y, out)


def _shallow_value(tensors, x: Fraction) -> Fraction:
    """y = beta_1 + sum_d omega_{1,d} ReLU[beta_{0,d} + omega_{0,d} x], exactly."""
    hidden = (max(Fraction(0), b + w[0] * x) for b, w in zip(tensors["beta_0"], tensors["omega_0"]))
    return tensors["beta_1"][0] + sum(v * h for v, h in zip(tensors["omega_1"][0], hidden))


def _depth_row(K: int):
    """The deep folding network of K layers of D_LAYER units against its shallow twin: its exact
    pieces, the table's row (each count the record that checked it, its ``value``) and the records."""
    spec, tensors = folding_network([1] + [D_LAYER] * K + [1])
    pl = network_pieces(spec, tensors)
    formula = region_value(one_input_region_count(), D=D_LAYER, K=K)
    regions = record(f"deep 1-{'-'.join([str(D_LAYER)] * K)}-1 folding network: {pl.regions} regions = (D+1)^K",
                     "count", abs(pl.regions - formula), pl.regions == formula, "exact count", value=pl.regions)
    records = [regions]
    layer = zigzag(D_LAYER)
    misses = []
    for point in ZIGZAG_POINTS:
        value = sp.Rational(point.numerator, point.denominator)
        for _ in range(K):
            value = layer.subs(x, value)
        misses.append(abs(Fraction(int(value.p), int(value.q)) - pl(point)[0]))
    records.append(record(f"K = {K}: the printed zigzag g with the construction's numbers, composed K times, equals "
                          f"the network at {len(ZIGZAG_POINTS)} points of [0, 1]", "exact", float(max(misses)),
                          not any(misses), "exact rationals"))
    twin_spec, twin = shallow_twin(pl)
    units = twin_spec.widths[1]
    if K <= K_EXACT_TWIN:
        same = network_pieces(twin_spec, twin) == pl
        twin_record = record(f"K = {K}: shallow twin with {units} units has exactly the deep network's pieces",
                             "exact", 0.0 if same else float("inf"), same, "exact rationals", value=units)
    else:  # exact values at 200 points (its float weights are too ill-conditioned for a float check)
        points = [Fraction(n, 199) for n in range(200)]
        worst = max(abs(_shallow_value(twin, x) - pl(x)[0]) for x in points)
        twin_record = record(f"K = {K}: shallow twin with {units} units equals the deep network at 200 points",
                             "exact", float(worst), worst == 0, "exact rationals", value=units)
    records.append(twin_record)
    needed = int(SHALLOW_UNITS.subs({counts.D: D_LAYER, counts.K: K}))
    minimum = record(f"K = {K}: shallow network needs >= {len(pl.joints)} units (one per joint, the printed "
                     f"count {needed}); twin uses {units}", "count", abs(len(pl.joints) - needed),
                     len(pl.joints) == needed and needed <= units <= needed + 1, "exact count", value=len(pl.joints))
    records.append(minimum)
    deep_parameters = int(deep_parameter_count().subs({counts.D: D_LAYER, counts.K: K}))
    deep = record(f"K = {K}: the deep network's {spec.n_parameters} parameters are the printed count "
                  f"{deep_parameters}", "count", abs(spec.n_parameters - deep_parameters),
                  spec.n_parameters == deep_parameters, "exact count", value=spec.n_parameters)
    records.append(deep)
    twin_numel = sum(int(np.size(v)) for v in twin.values())  # the entries of the twin's tensors
    shallow_count = int(parameter_count([1, units, 1]))
    shallow = record(f"K = {K}: the shallow twin's {twin_spec.n_parameters} parameters are its tensors' "
                     f"{twin_numel} entries and the count {shallow_count} of widths 1, {units}, 1", "count",
                     max(abs(twin_spec.n_parameters - twin_numel), abs(twin_spec.n_parameters - shallow_count)),
                     twin_spec.n_parameters == twin_numel == shallow_count, "exact count",
                     value=twin_spec.n_parameters)
    records.append(shallow)
    cells = {"K": K, "regions": regions, "deep_parameters": deep, "shallow_units_min": minimum,
             "shallow_units": twin_record, "shallow_parameters": shallow}
    return pl, cells, records


def _growth(rows: list[dict]) -> dict:
    """What the section says of the table: the deep network's parameters grow linearly in K (the
    same number per layer), the shallow network's exponentially (its units + 1 times D + 1 per layer)."""
    deep = [stated(r["deep_parameters"]) for r in rows]
    steps = {b - a for a, b in zip(deep, deep[1:])}
    units = [stated(r["shallow_units_min"]) + 1 for r in rows]
    factors = {sp.Rational(b, a) for a, b in zip(units, units[1:])}
    ok = len(steps) <= 1 and factors <= {sp.Integer(D_LAYER + 1)}
    return record(f"the table's deep parameters grow by {', '.join(map(str, sorted(steps)))} per layer (linearly in K), "
                  f"the shallow network's units + 1 by the factor {', '.join(map(str, sorted(factors)))} per layer "
                  "(exponentially)", "count", 0 if ok else float("inf"), ok, "exact integers, every row",
                  id="table.growth")


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
    records.append(_growth(rows))
    # The formulas the section prints, from the objects the rows evaluate, read back.
    formulas = Formulas(SLUG)
    pieces = one_input_region_count().subs(counts.K, 1)
    printed = {"zigzag": formulas(ZIGZAG, "one layer's zigzag", typed=ZIGZAG_BOOK),
               "nested": formulas(nested(K_SHOWN), "the zigzags composed"),
               "per_layer": formulas(pieces, "pieces of one layer (the factor one layer more multiplies by)"),
               "regions": formulas(one_input_region_count(), "regions of K layers of D units"),
               "parameters": formulas(deep_parameter_count(), "parameters of K layers of D units",
                                      typed=r"3 D + 1 + \left(K - 1\right) D \left(D + 1\right)"),
               "shallow_units": formulas(SHALLOW_UNITS, "units a shallow network needs")}
    shown_K = formulas(sp.Eq(counts.K, K_SHOWN), "layers drawn")
    printed["shown_K"] = shown_K
    shown_D = formulas(sp.Eq(counts.D, D_LAYER), "units per layer drawn")
    records += formulas.records
    values = [{k: stated(v) for k, v in row.items()} for row in rows]
    fig = depth_width_figure(shown, (-0.02, 1.02), values,
                             f"deep network, ${shown_K}$ layers of ${shown_D}$ units: {shown.regions} regions",
                             ylim=(-0.1, 1.15))
    figure = ctx.save_figure(fig, "depth_vs_width")
    # one layer's pieces: the regions of the row K = 1, counted exactly (its record)
    pieces_here = next(stated(r["regions"]) for r in rows if r["K"] == 1)
    columns = text.columns(str(printed["regions"]), one_input_region_count(), {counts.D: D_LAYER, counts.K: "K"})
    tex = text.section(title=TITLE, table=tabular(columns, rows), figure=figure, pieces=pieces_here,
                       shown_D=str(shown_D), **{k: str(v) for k, v in printed.items()})
    records.append(read_table(tex, columns, rows, SLUG, "table of deep networks and their shallow twins",
                              id="printed.table"))
    return TopicResult(SLUG, TITLE, tex, [figure], records)


if __name__ == "__main__":
    sys.exit(topic_main(build))
