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


def build(ctx: TopicContext) -> TopicResult:
    records = []
    rows = interpolation_errors(target, INTERVAL, WIDTHS, samples=8001)
    for r in rows:
        h = (INTERVAL[1] - INTERVAL[0]) / r["D"]
        bound = error_bound(h, CURVATURE)
        records.append(record(rf"$D = {r['D']}$: largest error on the grid ${r['max_error']:.3g} \le h^2 \max|f''|/8 = {bound:.3g}$",
                              "bound", r["max_error"], r["max_error"] <= bound, "upper bound, checked on a grid of 8001 points",
                              id=f"bound.D{r['D']}"))
    for D in (2, 4, 8):
        worst, bound = _attained(D)
        records.append(record(rf"$f = x^2$, $D = {D}$: the error at the midpoints is exactly $h^2 \max|f''|/8 = {bound}$ (attained)",
                              "bound", float(abs(worst - bound)), worst == bound, "exact rationals, attained",
                              id=f"attained.D{D}"))
    falling = all(b["max_error"] < a["max_error"] for a, b in zip(rows, rows[1:]))
    rises = [max(0.0, b["max_error"] - a["max_error"]) for a, b in zip(rows, rows[1:])]
    records.append(record("the maximum error falls as D grows", "trend", max(rises), falling,
                          "table (largest rise between rows)"))

    # the construction passes exactly through its N = D + 1 points, and the torch twin agrees
    fits = []
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

    trained = _trained(ctx)
    fig = universal_approximation_figure(target, INTERVAL, fits, rows, trained)
    figure = ctx.save_figure(fig, "universal_approximation")

    trained_by_D = {r["D"]: r["max_error"] for r in trained}
    table = "\\\\\n".join(
        f"{r['D']} & {r['parameters']} & {r['max_error']:.3e} & "
        + (f"{trained_by_D[r['D']]:.3e}" if r["D"] in trained_by_D else "--") for r in rows)
    assign_ids(SLUG, records)
    construction_latex = r"""\[ y = y_1 + \sum_{d=1}^{N-1} \Delta_d\, \mathrm{ReLU}[x - x_d], \qquad \Delta_1 = s_1,\ \
\Delta_d = s_d - s_{d-1},\ \ s_d = \frac{y_{d+1} - y_d}{x_{d+1} - x_d}, \]"""
    construction_records = [r for r in records if r["id"].startswith(f"{SLUG}.d-") or "attained" in r["id"]]
    construction = tagged(construction_latex, construction_records)
    tex = rf"""\section{{{TITLE}}}
The universal approximation theorem says that for any continuous function there is a shallow
network that approximates it as closely as we like. For ReLU networks with one input there is
a direct construction: the shallow network with one hidden unit per interval,
{construction}
passes exactly through the $N = D + 1$ points $(x_n, f(x_n))$: it is the piecewise-linear
interpolant, each joint changing the slope to that of the next interval. For a target with a
continuous second derivative the maximum error on $[x_1, x_N]$ is at most $h^2 \max|f''| / 8$
with spacing $h$ (an upper bound, attained: for $f(x) = x^2$ the error at every midpoint is
exactly $h^2/4$, checked in exact rationals for $D = 2, 4, 8$), so the bound falls like $D^{{-2}}$.
For $f(x) = \sin(2\pi x) + x/2$ on $[0, 1]$ (errors: the maximum over a grid of 8001 points):
\begin{{center}}
\begin{{tabular}}{{rrrr}}
\toprule
$D$ & parameters & grid max error, construction & grid max error, trained (Adam) \\
\midrule
{table}\\
\bottomrule
\end{{tabular}}
\end{{center}}
Shallow networks of the same widths trained by Adam (1500 full-batch steps on 100 samples,
least-squares loss, seed {ctx.seed}) need not find such a good solution: gradient descent from
a random start can leave units unused, and the theorem says a good network exists, not that
training finds it.
\begin{{figure}}[ht]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Top: the target (grey) and the interpolating shallow network through $D + 1$
points. Bottom: the maximum error against $D$, for the construction and for trained networks.}}
\end{{figure}}
"""
    displays = {"construction": Display(construction_latex, construction_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
