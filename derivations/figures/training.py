"""Figures of training: loss curves from ``metrics.csv``, the gradient-descent trajectory on the
loss surface of 1-D linear regression, a fitted 1-D network over its data, and the figure of a
``train`` run (its fitted function beside its loss curve)."""

from __future__ import annotations

import os
from typing import Callable, NamedTuple, Sequence

import numpy as np

from numeric.monitoring import read_metrics

from derivations.figures.style import figure, styled

__all__ = ["loss_curve_figure", "trajectory_figure", "fit_figure", "run_figure", "RunFit"]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
#: The fraction of the text width each figure is printed at (``derivations/topics/texts/*.py``).
WIDTHS = {"loss_curve": 0.49, "trajectory": 1.0, "fit": 0.49, "decision": 0.55, "run": 1.0}


@styled
def loss_curve_figure(metrics_csv: str | os.PathLike, title: str = ""):
    """Loss per sample against epochs (and against steps when ``metrics.csv`` has step rows)."""
    fig = figure(WIDTHS["loss_curve"], 2.5)
    _draw_loss_curve(fig.subplots(), metrics_csv, title)
    return fig


def _draw_loss_curve(ax, metrics_csv: str | os.PathLike, title: str) -> None:
    epochs = read_metrics(metrics_csv, "epoch")
    steps = read_metrics(metrics_csv, "step")
    if steps:
        per_epoch = max(1.0, epochs[-1]["step"] / epochs[-1]["epoch"]) if epochs else 1.0
        ax.plot([r["step"] / per_epoch for r in steps], [r["loss_per_sample"] for r in steps],
                color="0.7", lw=0.7, label="batch loss / B (per step)", gid="step loss")
    ax.plot([r["epoch"] for r in epochs], [r["loss_per_sample"] for r in epochs], color=COLORS[0], lw=1.6,
            label="epoch loss / I", gid="epoch loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss per sample")
    if epochs and min(r["loss_per_sample"] for r in epochs) > 0:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()


@styled
def run_figure(metrics_csv: str | os.PathLike, title: str = "", fit: "RunFit | None" = None):
    """The figure of a ``train`` run: with ``fit``, the fitted function over the data (left)
    beside the loss curve of ``metrics.csv`` (right); without, the loss curve alone.

    The lines carry ``gid``s (``fitted``, ``data``, ``epoch loss``, ``step loss``) so that a
    test finds them among the figure's artists."""
    if fit is None:
        fig = figure(WIDTHS["loss_curve"], 2.5)
        _draw_loss_curve(fig.subplots(), metrics_csv, title)
        return fig
    fig = figure(WIDTHS["run"], 2.6)
    ax_fit, ax_loss = fig.subplots(1, 2)
    ax_fit.plot(fit.xs, fit.f, color=COLORS[1], label=r"network output $f[x, \phi]$", gid="fitted")
    ax_data = ax_fit if fit.same_scale else ax_fit.twinx()
    ax_data.plot(fit.x, fit.y, "o", color="black", ms=3.0, label="data", gid="data")
    ax_fit.set_xlabel("$x$")
    if fit.same_scale:
        ax_fit.set_ylabel("$y$")
    else:  # f is not on the targets' scale (a logit, a log-rate): the data get their own axis
        ax_fit.set_ylabel(r"network output $f[x, \phi]$", color=COLORS[1])
        ax_data.set_ylabel("target $y$")
    lines = ax_fit.get_lines() + (ax_data.get_lines() if ax_data is not ax_fit else [])
    ax_data.legend(lines, [line.get_label() for line in lines], loc="upper center", bbox_to_anchor=(0.5, -0.2),
                   ncols=2)  # below the axes: over them it would hide data points
    ax_fit.set_title("fitted function")
    _draw_loss_curve(ax_loss, metrics_csv, title)
    return fig


class RunFit(NamedTuple):
    """A 1-input 1-output network's output ``f`` (G,) on the grid ``xs`` (G,), and the data
    ``x``, ``y`` (I,) it was trained on; ``same_scale`` when f predicts y itself (a real target)."""

    xs: np.ndarray
    f: np.ndarray
    x: np.ndarray
    y: np.ndarray
    same_scale: bool


@styled
def trajectory_figure(loss: Callable[[np.ndarray, np.ndarray], np.ndarray], iterates: np.ndarray,
                      x: np.ndarray, y: np.ndarray):
    """Left: contours of L[phi_0, phi_1] with the gradient-descent iterates (T + 1, 2);
    right: the data and the lines of the first and last iterates."""
    lo, hi = iterates.min(axis=0), iterates.max(axis=0)
    pad = np.maximum(0.6 * (hi - lo), 0.5)
    p0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], 200)
    p1 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], 200)
    P0, P1 = np.meshgrid(p0, p1)
    fig = figure(WIDTHS["trajectory"], 3.0)
    ax, ax2 = fig.subplots(1, 2)
    levels = np.quantile(loss(P0, P1), np.linspace(0.0, 0.9, 14))
    ax.contourf(P0, P1, loss(P0, P1), levels=np.unique(levels), cmap="Blues_r", extend="max")
    ax.plot(iterates[:, 0], iterates[:, 1], "o-", color=COLORS[1], ms=3, lw=1)
    ax.plot(*iterates[0], "s", color="black", ms=5, label=r"$\phi^{[0]}$")
    ax.set_xlabel(r"intercept $\phi_0$")
    ax.set_ylabel(r"slope $\phi_1$")
    ax.set_title(r"$L[\phi]$ and the gradient-descent iterates")
    ax.legend()
    xs = np.linspace(x.min() - 0.2, x.max() + 0.2, 50)
    ax2.plot(x, y, "o", color="black", ms=4, label="data")
    for t, style in ((0, ":"), (len(iterates) - 1, "-")):
        ax2.plot(xs, iterates[t, 0] + iterates[t, 1] * xs, style, color=COLORS[1 if t else 0],
                 label=rf"$y = \phi_0^{{[{t}]}} + \phi_1^{{[{t}]}} x$")
    ax2.set_xlabel("$x$")
    ax2.set_ylabel("$y$")
    ax2.legend()
    return fig


@styled
def fit_figure(x: np.ndarray, y: np.ndarray, xs: np.ndarray, curves: Sequence[tuple[np.ndarray, str]]):
    """Data points (I,) and fitted curves, each (len(xs),) with a label."""
    fig = figure(WIDTHS["fit"], 2.5)
    ax = fig.subplots()
    ax.plot(x, y, "o", color="black", ms=3.5, label="data")
    for k, (curve, label) in enumerate(curves):
        ax.plot(xs, curve, color=COLORS[k % len(COLORS)], ls="-" if k == 0 else "--", label=label)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.legend()
    return fig


@styled
def decision_figure(X: np.ndarray, y: np.ndarray, gx: np.ndarray, gy: np.ndarray, lam: np.ndarray):
    """Two-input binary classifier: lambda on a grid, the boundary lambda = 1/2, the data."""
    fig = figure(WIDTHS["decision"], 2.9)
    ax = fig.subplots()
    shade = ax.contourf(gx, gy, lam, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
    ax.contour(gx, gy, lam, levels=[0.5], colors="black", linewidths=1.2)
    for label, marker, color in ((0, "o", "#1f4e99"), (1, "^", "#a11d1d")):
        pts = X[y == label]
        ax.scatter(pts[:, 0], pts[:, 1], s=14, marker=marker, color=color, edgecolor="white", linewidth=0.4,
                   label=f"$y = {label}$")
    fig.colorbar(shade, ax=ax, label=r"$\lambda = \mathrm{sig}[f]$", ticks=np.linspace(0, 1, 6))
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(-1, 1), ylim=(-1, 1))
    ax.legend(loc="lower left", framealpha=0.8, frameon=True)
    return fig
