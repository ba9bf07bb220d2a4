"""Topic: the universal approximation theorem, by construction (and by training).

    python -m derivations.topics.universal_approximation --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import sympy as sp
import torch

from derivations.checks.printed import Formulas
from derivations.checks.tables import read_table, stated, tabular
from derivations.figures.regions import universal_approximation_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.texts import universal_approximation as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.data import Dataset
from numeric.model import DeepNetworkModule
from numeric.training import TrainConfig, Trainer
from symbolic.activations.functions import ReLU
from symbolic.networks.counts import parameter_count
from symbolic.regions.constructions import float_tensors, interpolating_network, interpolation_errors
from symbolic.regions.piecewise import network_pieces
from symbolic.spec import NetworkSpec
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "Universal approximation"
SLUG = "universal_approximation"

INTERVAL = (0.0, 1.0)
WIDTHS = [2, 4, 8, 16, 32, 64, 128]
TRAINED_WIDTHS = [4, 8, 16, 32]
FIT_WIDTHS = (3, 6, 12, 24)
ATTAINED_WIDTHS = (2, 4, 8)
CURVATURE = 4 * np.pi**2  # max |f''| of the target on [0, 1]
#: Every error of the table is the maximum over this many equally spaced points of the interval.
GRID_SAMPLES = 8001
#: The trained networks: Adam, full batch, on TRAIN_SAMPLES equally spaced samples of the target.
TRAIN_SAMPLES = 100
TRAIN_EPOCHS = 1500
TRAIN_LR = 0.02

# The lecture's symbols: input x, width D, N points (x_n, y_n), slopes s_d, slope changes Delta_d.
x, y = sp.symbols("x y", real=True)
h = sp.Symbol("h", positive=True)  # the spacing of the points
D, N = sp.symbols("D N", integer=True, positive=True)
d = sp.Symbol("d", integer=True, positive=True)
x_n, y_n, s, Delta = (sp.IndexedBase(name, real=True) for name in ("x", "y", "s", "Delta"))
max_f2 = sp.Symbol("M", positive=True)  # max |f''| on the interval
f = sp.Function("f")
#: The number of points of the construction with D hidden units.
POINTS = D + 1
#: The target of the table, f(x) = sin(2 pi x) + x/2, and the target whose bound is attained, f(x) = x^2.
TARGET = sp.sin(2 * sp.pi * x) + x / 2
ATTAINED_TARGET = x**2
_target = sp.lambdify(x, TARGET, "numpy")


def target(values):
    """f(x) = sin(2 pi x) + x/2 (``TARGET``) on numpy arrays."""
    return _target(values)


def error_bound(h, max_f2):
    """The interpolation error bound ``h^2 max|f''| / 8`` (exact for Fractions)."""
    return h**2 * max_f2 / 8


def construction() -> list[sp.Equality]:
    """The shallow network through N points as equations: ``y = y_1 + sum_{d=1}^{N-1} Delta_d
    ReLU[x - x_d]``, ``Delta_1 = s_1``, ``Delta_d = s_d - s_{d-1}``, ``s_d = (y_{d+1} - y_d)/(x_{d+1} - x_d)``."""
    return [sp.Eq(y, y_n[1] + sp.Sum(Delta[d] * ReLU(x - x_n[d]), (d, 1, N - 1))), sp.Eq(Delta[1], s[1]),
            sp.Eq(Delta[d], s[d] - s[d - 1]), sp.Eq(s[d], (y_n[d + 1] - y_n[d]) / (x_n[d + 1] - x_n[d]))]


def instantiated(rows: list[sp.Equality], nodes, values) -> sp.Expr:
    """The construction's ``rows`` for the N = len(nodes) points ``(nodes, values)``: the sum
    written out, each Delta_d and s_d replaced by its row, the points put in (exact rationals)."""
    network, delta_1, delta_d, slope = rows
    count = len(nodes)
    expr = network.rhs.subs(N, count).doit()
    expr = expr.subs({Delta[k]: delta_1.rhs if k == 1 else delta_d.rhs.subs(d, k) for k in range(1, count)})
    expr = expr.subs({s[k]: slope.rhs.subs(d, k) for k in range(1, count)})
    return expr.subs({x_n[k + 1]: sp.Rational(Fraction(v)) for k, v in enumerate(nodes)}
                     | {y_n[k + 1]: sp.Rational(Fraction(v)) for k, v in enumerate(values)})


def _attained(width: int) -> tuple[Fraction, Fraction]:
    """For f(x) = x^2 (f'' = 2) on [0, 1]: the construction's largest error at the interval
    midpoints and the bound, both exact; the bound is attained there."""
    nodes, values = _attained_points(width)
    spec, tensors = interpolating_network(nodes, values)
    pl = network_pieces(spec, tensors)
    mids = [Fraction(2 * k + 1, 2 * width) for k in range(width)]
    worst = max(abs(pl(m)[0] - _fraction(ATTAINED_TARGET.subs(x, sp.Rational(m)))) for m in mids)
    return worst, error_bound(Fraction(1, width), _fraction(_attained_curvature()))


def _attained_curvature() -> sp.Expr:
    """f'' of ``ATTAINED_TARGET`` (a constant: 2)."""
    return sp.diff(ATTAINED_TARGET, x, 2)


def _fraction(value: sp.Rational) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def _attained_points(width: int) -> tuple[list[Fraction], list[Fraction]]:
    """The N = D + 1 equally spaced points of [0, 1] and the values of f(x) = x^2 there."""
    nodes = [Fraction(k, width) for k in range(int(POINTS.subs(D, width)))]
    return nodes, [_fraction(ATTAINED_TARGET.subs(x, sp.Rational(v))) for v in nodes]


def _fit_points(width: int) -> tuple[np.ndarray, np.ndarray]:
    """The N = D + 1 equally spaced points of the interval and the target's values there."""
    nodes = np.linspace(*INTERVAL, int(POINTS.subs(D, width)))
    return nodes, target(nodes)


def _grid() -> np.ndarray:
    """The GRID_SAMPLES equally spaced points of the interval (the grid of ``interpolation_errors``)."""
    return np.linspace(*INTERVAL, GRID_SAMPLES)


def _trained(ctx: TopicContext) -> list[dict]:
    """Shallow networks of the TRAINED_WIDTHS trained by Adam on TRAIN_SAMPLES samples of the
    target: each network's largest error on the grid, in PyTorch and from its trained weights'
    exact pieces, and what its trainer did (steps taken, samples, batch size, optimizer, loss)."""
    X = np.linspace(*INTERVAL, TRAIN_SAMPLES).reshape(-1, 1)  # (I, D_i)
    data = Dataset(X, target(X), "universal approximation target")
    grid = _grid()
    rows = []
    for width in TRAINED_WIDTHS:
        config = TrainConfig(optimizer="adam", lr=TRAIN_LR, batch_size=TRAIN_SAMPLES, epochs=TRAIN_EPOCHS,
                             seed=ctx.seed, device=ctx.device, dtype="float64", progress=False)
        trainer = Trainer(NetworkSpec((1, width, 1)), "least-squares", data, config)
        trainer.run()
        with torch.no_grad():
            model = trainer.model.cpu()
            y = model(torch.tensor(grid, dtype=torch.float64).reshape(-1, 1)).numpy()[:, 0]
        tensors = model.tensors()
        pieces = network_pieces(trainer.spec, tensors).evaluate(grid)[:, 0]
        beta, omega = np.asarray(tensors["beta_0"]), np.asarray(tensors["omega_0"])[:, 0]  # (D,), (D,)
        # a unit is unused when it is inactive on the whole interval: its pre-activation beta + omega x
        # (a line) is <= 0 at both ends, exactly; and, as a second count, zero after ReLU at every grid point
        ends = [[Fraction(b) + Fraction(o) * Fraction(e) for e in INTERVAL] for b, o in zip(beta, omega)]
        hidden = np.maximum(0.0, beta[None, :] + grid[:, None] * omega[None, :])  # (grid, D)
        rows.append({"D": width, "max_error": float(np.max(np.abs(y - target(grid)))),
                     "pieces_error": float(np.max(np.abs(pieces - target(grid)))), "grid": int(grid.size),
                     "steps": trainer.step, "samples": trainer.I, "batch": trainer.B,
                     "optimizer": trainer.config.optimizer, "loss": trainer.loss,
                     "unused": sum(max(v) <= 0 for v in ends), "unused_grid": int(np.sum(np.all(hidden == 0, axis=0)))})
    return rows


def _trained_records(trained: list[dict]) -> list[dict]:
    """Each trained network's largest error on the grid (the table's cell, its ``value``),
    evaluated by PyTorch and again from the trained weights' exact pieces."""
    records = []
    for r in trained:
        gap = abs(r["max_error"] - r["pieces_error"])
        records.append(record(f"D = {r['D']}, trained by {r['optimizer']}: largest error on the grid of {r['grid']} "
                              f"points {r['max_error']:.4g} (PyTorch), {r['pieces_error']:.4g} from the trained "
                              "weights' exact pieces", "exact-vs-torch", gap,
                              gap <= FLOAT64_RTOL * max(1.0, r["max_error"]), "float64 against exact pieces, same grid",
                              value=r["max_error"], grid=r["grid"], id=f"trained.D{r['D']}"))
        records.append(record(f"D = {r['D']}, trained: {r['unused']} of {r['D']} hidden units inactive on "
                              f"[{INTERVAL[0]:g}, {INTERVAL[1]:g}] (exact, at its ends); {r['unused_grid']} zero on "
                              "the whole grid", "count",
                              abs(r["unused"] - r["unused_grid"]), r["unused"] == r["unused_grid"],
                              "exact at the ends; every grid point", value=r["unused"], id=f"unused.D{r['D']}"))
    return records


def _unused_record(trained: list[dict]) -> dict:
    """The prose: training from a random start can leave units unused (some trained network has one)."""
    counts = [(r["unused"], r["D"]) for r in trained]
    ok = any(n > 0 for n, _ in counts)
    return record("trained networks leave " + ", ".join(f"{n} of {w}" for n, w in counts) + " hidden units unused",
                  "count", 0.0 if ok else float("inf"), ok, "the unused-unit counts of the trained networks",
                  value=counts, id="trained.unused")


def _runs_record(trained: list[dict]) -> dict:
    """What the prose says of the training: every network took the same number of steps of Adam,
    each on the full batch of the same samples, with the same loss (the trainers' own counts)."""
    runs = sorted({(r["steps"], r["samples"], r["batch"], r["optimizer"], r["loss"]) for r in trained})
    steps, samples, batch, optimizer, loss = runs[0]
    ok = len(runs) == 1 and batch == samples and optimizer == "adam"
    return record(f"the {len(trained)} trained networks each took {steps} steps of {optimizer} on batches of {batch} "
                  f"of the {samples} samples (full batch: {batch == samples}), loss {loss}"
                  + ("" if len(runs) == 1 else f"; the runs differ: {runs}"), "count", 0.0 if ok else float("inf"), ok,
                  "the trainers' own step and sample counts", steps=steps, samples=samples, loss=loss,
                  id="trained.runs")


def _bound_checks(rows: list[dict], formulas: Formulas, prose: dict[str, str]) -> list[dict]:
    """Each construction's largest error on the grid is within h^2 max|f''| / 8 (the record
    names print the width and the bound read back)."""
    records = []
    for r in rows:
        bound = error_bound(float(_spacing(r["D"])), CURVATURE)
        width = formulas(sp.Eq(D, r["D"]), "width of a bound check")
        width.record["id"] = f"printed.width.bound.D{r['D']}"
        records.append(record(f"${width}$: largest error on the grid {r['max_error']:.3g}, within the bound "
                              f"${prose['bound']}$, here {bound:.3g}",
                              "bound", r["max_error"], r["max_error"] <= bound,
                              f"upper bound, checked on a grid of {GRID_SAMPLES} points", value=r["max_error"],
                              grid=GRID_SAMPLES, id=f"bound.D{r['D']}"))
    return records


def _attained_checks(formulas: Formulas, prose: dict[str, str]) -> list[dict]:
    """For f = x^2 the bound is attained at the midpoints, exactly (the record names print
    the target, the width and the bound read back)."""
    records = []
    for width in ATTAINED_WIDTHS:
        worst, bound = _attained(width)
        shown = formulas(sp.Eq(D, width), "width of an attained bound")
        shown.record["id"] = f"printed.width.attained.D{width}"
        records.append(record(f"${prose['attained_target']}$, ${shown}$: the error at the midpoints is exactly the bound "
                              f"${prose['bound']}$, here {bound} (attained)",
                              "bound", float(abs(worst - bound)), worst == bound, "exact rationals, attained",
                              id=f"attained.D{width}"))
    return records


def _construction_checks(rows: list[sp.Equality]) -> list[dict]:
    """The printed construction is the network the checks use: written out for the points of
    each fitted and each attained network, it equals ``interpolating_network``'s network
    exactly at the points, the midpoints and outside the interval."""
    records = []
    cases = [(w, "target", *_fit_points(w)) for w in FIT_WIDTHS]
    cases += [(w, "x2", *_attained_points(w)) for w in ATTAINED_WIDTHS]
    for width, kind, nodes, values in cases:
        spec, tensors = interpolating_network(nodes, values)
        pl = network_pieces(spec, tensors)
        expr = instantiated(rows, nodes, values)
        X = [Fraction(v) for v in nodes]
        probes = X + [(a + b) / 2 for a, b in zip(X, X[1:])] + [X[0] - 1, X[-1] + 1]
        wrong = [p for p in probes if sp.Rational(pl(p)[0]) != expr.subs(x, sp.Rational(p))]
        ok = not wrong and spec.widths == (1, width, 1) and expr.free_symbols == {x}
        records.append(record(f"the printed construction through the {len(nodes)} points of "
                              f"{'the target' if kind == 'target' else 'x squared'} is interpolating_network's network "
                              f"at {len(probes)} points", "exact", 0.0 if ok else float("inf"), ok,
                              "exact rationals", id=f"construction.{kind}.D{width}"))
    return records


def _parameter_records(rows: list[dict]) -> list[dict]:
    """Each row's parameters (``interpolation_errors``' count) are the construction's tensor
    entries and the count of widths 1, D, 1."""
    records = []
    for r in rows:
        _, tensors = interpolating_network(*_fit_points(r["D"]))
        numel = sum(int(np.size(v)) for v in tensors.values())
        formula = int(parameter_count([1, r["D"], 1]))
        ok = r["parameters"] == numel == formula
        records.append(record(f"D = {r['D']}: the construction's {r['parameters']} parameters are its tensors' {numel} "
                              f"entries and the count {formula} of widths 1, {r['D']}, 1", "count",
                              max(abs(r["parameters"] - numel), abs(r["parameters"] - formula)), ok, "exact count",
                              value=r["parameters"], id=f"parameters.D{r['D']}"))
    return records


def _table_rows(rows: list[dict], records: list[dict]) -> list[dict]:
    """The table's rows: each cell the record that checked it (its ``value``), no trained cell
    where no network was trained."""
    by_id = {r["id"]: r for r in records if "id" in r}
    return [{"D": r["D"], "parameters": by_id[f"parameters.D{r['D']}"], "construction": by_id[f"bound.D{r['D']}"],
             "trained": by_id.get(f"trained.D{r['D']}")} for r in rows]


def _grid_record(table: list[dict]) -> dict:
    """Every error of the table is a maximum over the same grid (the size the prose prints)."""
    grids = sorted({cell["grid"] for row in table for cell in (row["construction"], row["trained"]) if cell})
    ok = len(grids) == 1
    return record(f"every error of the table is a maximum over the same grid of {', '.join(map(str, grids))} points",
                  "count", 0.0 if ok else float("inf"), ok, "the grids the records used", value=grids[0],
                  id="table.grid")


def _worse_record(table: list[dict]) -> dict:
    """The prose: training need not find so good a network (some trained error exceeds the construction's)."""
    trained = [row for row in table if row["trained"] is not None]
    worse = [row["D"] for row in trained if stated(row["trained"]) > stated(row["construction"])]
    return record(f"the trained network's largest error exceeds the construction's at D = "
                  f"{', '.join(map(str, worse)) or 'no width'} (of {len(trained)} trained widths)", "trend",
                  0.0 if worse else float("inf"), bool(worse), "the table's rows", id="trained.worse")


def _trend_check(rows: list[dict]) -> dict:
    """The largest error falls from row to row of the table."""
    falling = all(b["max_error"] < a["max_error"] for a, b in zip(rows, rows[1:]))
    rises = [max(0.0, b["max_error"] - a["max_error"]) for a, b in zip(rows, rows[1:])]
    return record("the maximum error falls as D grows", "trend", max(rises), falling, "table (largest rise between rows)")


def _interpolation_checks() -> tuple[list[tuple], list[dict]]:
    """The construction passes exactly through its N = D + 1 points, and the torch twin agrees:
    ``(D, exact pieces)`` of each network and the records."""
    fits, records = [], []
    for D in FIT_WIDTHS:
        nodes, values = _fit_points(D)
        spec, tensors = interpolating_network(nodes, values)
        pl = network_pieces(spec, tensors)
        exact = all(pl(Fraction(float(x)))[0] == Fraction(float(y)) for x, y in zip(nodes, values))
        records.append(record(f"D = {D}: the network passes exactly through its {D + 1} points", "exact",
                              0.0 if exact else float("inf"), exact, "exact rationals"))
        module = DeepNetworkModule(spec).load_tensors(float_tensors(tensors))
        with torch.no_grad():
            y = module(torch.tensor(nodes, dtype=torch.float64).reshape(-1, 1)).numpy()[:, 0]
        err = float(np.max(np.abs(y - values) / np.maximum(1.0, np.abs(values))))
        records.append(record(f"D = {D}: PyTorch twin at the points", "exact-vs-torch", err, err <= FLOAT64_RTOL,
                              "float64, relative error"))
        fits.append((D, pl))
    return fits, records


def _spacing(width):
    """The spacing h of the N = D + 1 equally spaced points of the interval."""
    return sp.nsimplify(INTERVAL[1] - INTERVAL[0]) / width


def _printed(rows: list[sp.Equality]) -> tuple[Formulas, Display, dict[str, str]]:
    """The construction's display and the prose's formulas, each printed from the object the
    checks use and read back: the formulas, the display and the prose's gaps."""
    formulas = Formulas(SLUG, names={"f(x)": f(x), r"\max|f''|": max_f2})
    shown = formulas.display(rows, "construction", notes=[",", ",", ",", ","], typed=[
        r"y = {y}_{1} + \sum_{d=1}^{N-1} {\Delta}_{d}\, \mathrm{ReLU}\left[x - {x}_{d}\right]", None, None, None])
    prose = {
        "points": formulas(sp.Eq(N, POINTS), "points of the construction"),
        "bound": formulas(error_bound(h, max_f2), "error bound", typed=r"h^2 \max|f''| / 8"),
        "attained_target": formulas(sp.Eq(f(x), ATTAINED_TARGET), "target with the bound attained", typed="f(x) = x^2"),
        "attained_bound": formulas(error_bound(h, _attained_curvature()), "bound for x^2", typed="h^2/4"),
        "attained_width": formulas(sp.Eq(D, ATTAINED_WIDTHS[0]), "first attained width"),
        "rate": formulas(sp.simplify(error_bound(_spacing(D), max_f2) / error_bound(_spacing(1), max_f2)),
                         "the bound for D units over the bound for one", typed="D^{-2}"),
        "target": formulas(sp.Eq(f(x), TARGET), "target",
                           typed=r"f(x) = \sin{\left(2\pi x\right)} + x/2"),
        "caption_points": formulas(POINTS, "points of the construction"),
    }
    shown.record["id"] = "printed.construction"
    for key, printed in prose.items():
        printed.record["id"] = f"printed.{key}"
    return formulas, shown, {k: str(v) for k, v in prose.items()}


def build(ctx: TopicContext) -> TopicResult:
    # The construction and the prose's formulas, printed from the objects below and read back.
    equations = construction()
    formulas, shown, prose = _printed(equations)
    # The construction's error against the bound h^2 max|f''| / 8, attained for f = x^2.
    rows = interpolation_errors(target, INTERVAL, WIDTHS, samples=GRID_SAMPLES)
    attained = _attained_checks(formulas, prose)
    records = [*_bound_checks(rows, formulas, prose), *attained, _trend_check(rows), *_parameter_records(rows)]
    # The construction as printed is the network the checks build; it passes exactly through its points.
    construction_records = [shown.record, *_construction_checks(equations)]
    fits, fit_records = _interpolation_checks()
    records += construction_records[1:] + fit_records
    trained = _trained(ctx)
    runs = _runs_record(trained)
    unused = _unused_record(trained)
    records += [*_trained_records(trained), runs, unused]
    # The table: each cell the record that checked it; what the prose says of it, checked.
    table = _table_rows(rows, records)
    grid = _grid_record(table)
    records += [grid, _worse_record(table)]
    figure = ctx.save_figure(universal_approximation_figure(target, INTERVAL, fits, rows, trained), "universal_approximation")

    records += formulas.records
    assign_ids(SLUG, records)
    construction_records += attained + fit_records
    columns = text.columns()
    tex = text.section(title=TITLE, construction_tex=tagged(shown.latex, construction_records),
                       table=tabular(columns, table), grid_points=stated(grid), steps=runs["steps"],
                       samples=runs["samples"], loss=runs["loss"], unused=stated(unused), seed=ctx.seed, figure=figure,
                       attained_widths=ATTAINED_WIDTHS[1:], **prose)
    records.append(read_table(tex, columns, table, SLUG, "table of the construction's and trained networks' errors",
                              id="printed.table"))
    assign_ids(SLUG, records)
    displays = {"construction": Display(shown.latex, construction_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
