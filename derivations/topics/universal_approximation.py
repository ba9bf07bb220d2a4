"""Topic: the universal approximation theorem, by construction (and by training).

    python -m derivations.topics.universal_approximation --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import torch

from derivations.figures.regions import universal_approximation_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.texts import universal_approximation as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.data import Dataset
from numeric.model import DeepNetworkModule
from numeric.training import TrainConfig, Trainer
from symbolic.regions.constructions import float_tensors, interpolating_network, interpolation_errors
from symbolic.regions.piecewise import network_pieces
from symbolic.spec import NetworkSpec
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "Universal approximation"
SLUG = "universal_approximation"

INTERVAL = (0.0, 1.0)
WIDTHS = [2, 4, 8, 16, 32, 64, 128]
TRAINED_WIDTHS = [4, 8, 16, 32]
CURVATURE = 4 * np.pi**2  # max |f''| of the target on [0, 1]


def target(x):
    """f(x) = sin(2 pi x) + x/2."""
    return np.sin(2 * np.pi * x) + 0.5 * x


def error_bound(h, max_f2):
    """The interpolation error bound ``h^2 max|f''| / 8`` (exact for Fractions)."""
    return h**2 * max_f2 / 8


def _attained(D: int) -> tuple[Fraction, Fraction]:
    """For f(x) = x^2 (f'' = 2) on [0, 1]: the construction's largest error at the interval
    midpoints and the bound, both exact; the bound is attained there."""
    nodes = [Fraction(k, D) for k in range(D + 1)]
    spec, tensors = interpolating_network(nodes, [x * x for x in nodes])
    pl = network_pieces(spec, tensors)
    mids = [Fraction(2 * k + 1, 2 * D) for k in range(D)]
    worst = max(abs(pl(m)[0] - m * m) for m in mids)
    return worst, error_bound(Fraction(1, D), 2)


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


def _bound_checks(rows: list[dict]) -> list[dict]:
    """Each construction's largest error on the grid is within h^2 max|f''| / 8."""
    records = []
    for r in rows:
        h = (INTERVAL[1] - INTERVAL[0]) / r["D"]
        bound = error_bound(h, CURVATURE)
        records.append(record(rf"$D = {r['D']}$: largest error on the grid ${r['max_error']:.3g} \le h^2 \max|f''|/8 = {bound:.3g}$",
                              "bound", r["max_error"], r["max_error"] <= bound, "upper bound, checked on a grid of 8001 points",
                              id=f"bound.D{r['D']}"))
    return records


def _attained_checks() -> list[dict]:
    """For f = x^2 the bound is attained at the midpoints, exactly."""
    records = []
    for D in (2, 4, 8):
        worst, bound = _attained(D)
        records.append(record(rf"$f = x^2$, $D = {D}$: the error at the midpoints is exactly $h^2 \max|f''|/8 = {bound}$ (attained)",
                              "bound", float(abs(worst - bound)), worst == bound, "exact rationals, attained",
                              id=f"attained.D{D}"))
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
    for D in (3, 6, 12, 24):
        nodes = np.linspace(*INTERVAL, D + 1)
        values = target(nodes)
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


def build(ctx: TopicContext) -> TopicResult:
    # The construction's error against the bound h^2 max|f''| / 8, attained for f = x^2.
    rows = interpolation_errors(target, INTERVAL, WIDTHS, samples=8001)
    attained = _attained_checks()
    records = [*_bound_checks(rows), *attained, _trend_check(rows)]
    # The construction passes exactly through its points; trained networks for comparison.
    fits, fit_records = _interpolation_checks()
    records += fit_records
    trained = _trained(ctx)
    figure = ctx.save_figure(universal_approximation_figure(target, INTERVAL, fits, rows, trained), "universal_approximation")

    assign_ids(SLUG, records)
    construction_records = attained + fit_records
    tex = text.section(title=TITLE, construction_tex=tagged(text.CONSTRUCTION, construction_records), rows=rows,
                       trained=trained, seed=ctx.seed, figure=figure)
    displays = {"construction": Display(text.CONSTRUCTION, construction_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
