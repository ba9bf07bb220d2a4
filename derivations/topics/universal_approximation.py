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
from derivations.figures.regions import universal_approximation_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.texts import universal_approximation as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.data import Dataset
from numeric.model import DeepNetworkModule
from numeric.training import TrainConfig, Trainer
from symbolic.activations.functions import ReLU
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


def _trained(ctx: TopicContext) -> list[dict]:
    """Shallow networks of the same widths trained by Adam on 100 samples of the target."""
    X = np.linspace(*INTERVAL, 100).reshape(-1, 1)  # (I, D_i)
    data = Dataset(X, target(X), "universal approximation target")
    grid = np.linspace(*INTERVAL, 4001)
    rows = []
    for D in TRAINED_WIDTHS:
        config = TrainConfig(optimizer="adam", lr=0.02, batch_size=100, epochs=1500, seed=ctx.seed, device=ctx.device,
                             dtype="float64", progress=False)
        trainer = Trainer(NetworkSpec((1, D, 1)), "least-squares", data, config)
        trainer.run()
        with torch.no_grad():
            model = trainer.model.cpu()
            y = model(torch.tensor(grid, dtype=torch.float64).reshape(-1, 1)).numpy()[:, 0]
        rows.append({"D": D, "max_error": float(np.max(np.abs(y - target(grid))))})
    return rows


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
                              "bound", r["max_error"], r["max_error"] <= bound, "upper bound, checked on a grid of 8001 points",
                              id=f"bound.D{r['D']}"))
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
    rows = interpolation_errors(target, INTERVAL, WIDTHS, samples=8001)
    attained = _attained_checks(formulas, prose)
    records = [*_bound_checks(rows, formulas, prose), *attained, _trend_check(rows)]
    # The construction as printed is the network the checks build; it passes exactly through its points.
    construction_records = [shown.record, *_construction_checks(equations)]
    fits, fit_records = _interpolation_checks()
    records += construction_records[1:] + fit_records
    trained = _trained(ctx)
    figure = ctx.save_figure(universal_approximation_figure(target, INTERVAL, fits, rows, trained), "universal_approximation")

    records += formulas.records
    assign_ids(SLUG, records)
    construction_records += attained + fit_records
    tex = text.section(title=TITLE, construction_tex=tagged(shown.latex, construction_records), rows=rows,
                       trained=trained, seed=ctx.seed, figure=figure, attained_widths=ATTAINED_WIDTHS[1:], **prose)
    displays = {"construction": Display(shown.latex, construction_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
