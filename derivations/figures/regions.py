"""Figures of piecewise-linear networks: pieces and joints, two-input region maps, regions
versus parameters, depth versus width, universal approximation. mathtext only."""

from __future__ import annotations

import math
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from derivations.figures.networks import COLORS
from derivations.figures.style import figure, styled

__all__ = ["pieces_figure", "region_map_figure", "regions_vs_parameters_figure", "depth_width_figure",
           "universal_approximation_figure"]

PIECE_COLORS = ["#1f77b4", "#ff7f0e"]
#: The fraction of the text width each figure is printed at (``derivations/topics/texts/*.py``).
WIDTHS = {"pieces": 1.0, "region_map": 0.8, "regions_vs_parameters": 1.0, "depth_width": 1.0,
          "universal_approximation": 1.0}


def _draw_pieces(ax, pl, x_range, samples=4001, joints=True):
    lo, hi = x_range
    for r in range(pl.regions):
        left, right = pl.interval(r)
        a, b = max(lo, float(left)), min(hi, float(right))
        if a >= b:
            continue
        xs = np.linspace(a, b, max(2, int(samples * (b - a) / (hi - lo))))
        ax.plot(xs, pl.evaluate(xs)[:, 0], color=PIECE_COLORS[r % 2], lw=1.6, solid_capstyle="butt")
    if joints:
        inside = [float(t) for t in pl.joints if lo <= t <= hi]
        ax.plot(inside, pl.evaluate(inside)[:, 0] if inside else [], "o", ms=2.5, color="black", zorder=3)
    ax.set_xlim(lo, hi)
    ax.axhline(0, color="0.85", lw=0.6, zorder=0)
    ax.set_xlabel("$x$")


@styled
def pieces_figure(panels: Sequence[tuple[str, object, tuple[float, float]]], ylabel: str = "$y$"):
    """One panel per ``(title, PiecewiseLinear, x_range)``: pieces in alternating colours,
    joints as dots."""
    fig = figure(WIDTHS["pieces"], 2.5)
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (title, pl, x_range) in zip(axes[0], panels):
        _draw_pieces(ax, pl, x_range)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
    return fig


def _region_colors(n: int, seed: int = 0) -> ListedColormap:
    base = plt.get_cmap("tab20").colors + plt.get_cmap("Set3").colors + plt.get_cmap("Pastel1").colors
    rng = np.random.default_rng(seed)
    order = rng.permutation(max(n, len(base)))
    return ListedColormap([base[i % len(base)] for i in order[:n]])


@styled
def region_map_figure(panels: Sequence[tuple[str, np.ndarray, np.ndarray, int]]):
    """Two-input region maps, one panel per ``(title, xs, labels, count)``: every
    activation region in its own colour, boundaries in thin black lines."""
    fig = figure(WIDTHS["region_map"], 2.9)
    axes = fig.subplots(1, len(panels), squeeze=False)
    for ax, (title, xs, labels, count) in zip(axes[0], panels):
        ax.pcolormesh(xs, xs, labels, cmap=_region_colors(count), shading="nearest", rasterized=True)
        edges = (np.diff(labels, axis=0, prepend=labels[:1]) != 0) | (np.diff(labels, axis=1, prepend=labels[:, :1]) != 0)
        ax.contour(xs, xs, edges.astype(float), levels=[0.5], colors="black", linewidths=0.4)
        ax.set_title(f"{title}\n{count} regions")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.set_aspect("equal")
        ax.locator_params(nbins=5)
    return fig


@styled
def regions_vs_parameters_figure(series: Sequence[dict]):
    """Regions (log scale) against parameters, one panel per input width D_i.

    ``series``: dicts with ``D_i``, ``label``, ``parameters`` and ``regions`` (lists; big
    integers allowed), ``shallow`` (bool).
    """
    inputs = sorted({s["D_i"] for s in series})
    fig = figure(WIDTHS["regions_vs_parameters"], 3.4)
    axes = fig.subplots(1, len(inputs), squeeze=False)
    for ax, d_i in zip(axes[0], inputs):
        deep_i, top = 0, 0.0
        for s in (s for s in series if s["D_i"] == d_i):
            log_regions = [math.log10(n) for n in s["regions"]]
            top = max(top, *log_regions)
            if s["shallow"]:
                ax.plot(s["parameters"], log_regions, color="black", lw=1.6, label=s["label"])
            else:
                ax.plot(s["parameters"], log_regions, "o-", ms=3, color=COLORS[deep_i % len(COLORS)], label=s["label"])
                deep_i += 1
        ax.set_xscale("log")
        ax.set_xlabel("number of parameters")
        ax.set_ylabel(r"$\log_{10}$ (number of linear regions)")
        ax.set_title(f"$D_i = {d_i}$")
        ax.set_ylim(bottom=-0.05 * top, top=1.45 * top)  # room for the legend above the curves
        ax.legend(loc="upper left")
        ax.grid(True, color="0.92", lw=0.6)
    return fig


@styled
def depth_width_figure(deep_pl, x_range, rows: Sequence[dict], title: str, ylim=None):
    """Left: the deep folding function; right: parameters needed for ``(D+1)^K`` regions,
    deep against shallow (rows with ``K``, ``regions``, ``deep_parameters``,
    ``shallow_parameters``)."""
    fig = figure(WIDTHS["depth_width"], 2.9)
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.25, 1]})
    _draw_pieces(ax1, deep_pl, x_range, samples=8001, joints=False)
    ax1.set_title(title)
    ax1.set_ylabel("$y$")
    if ylim is not None:
        ax1.set_ylim(*ylim)
    Ks = [r["K"] for r in rows]
    ax2.semilogy(Ks, [r["deep_parameters"] for r in rows], "o-", color=COLORS[0], label="deep, $D = 3$ per layer")
    ax2.semilogy(Ks, [r["shallow_parameters"] for r in rows], "s-", color=COLORS[1],
                 label="shallow, one unit per joint")
    ax2.set_xlabel("$K$ (deep layers); regions $(D+1)^K$")
    ax2.set_ylabel("parameters")
    ax2.set_xticks(Ks)
    ax2.set_xticklabels([f"{r['K']}\n{r['regions']}" for r in rows])
    ax2.legend(loc="upper left")
    ax2.grid(True, color="0.92", lw=0.6)
    ax2.set_title("parameters for\nthe same function")
    return fig


@styled
def universal_approximation_figure(target: Callable, interval, fits: Sequence[tuple[int, object]], rows: Sequence[dict],
                                   trained: Sequence[dict] | None = None):
    """Top: the target and the interpolating network for several D; bottom: the maximum error
    against D (construction, and trained networks when given)."""
    n = len(fits)
    fig = figure(WIDTHS["universal_approximation"], 4.7)
    grid = fig.add_gridspec(2, n, height_ratios=[1, 1.25])
    a, b = interval
    xs = np.linspace(a, b, 1001)
    first = None
    for i, (D, pl) in enumerate(fits):
        ax = fig.add_subplot(grid[0, i], sharey=first)
        first = first or ax
        ax.plot(xs, target(xs), color="0.6", lw=2.5, label="target")
        ax.plot(xs, pl.evaluate(xs)[:, 0], color=COLORS[0], lw=1.2, label="network")
        nodes = np.linspace(a, b, D + 1)
        ax.plot(nodes, target(nodes), "o", ms=2.5, color="black")
        ax.set_title(f"$D = {D}$\nhidden units")
        ax.set_xlabel("$x$")
        ax.set_xticks([a, (a + b) / 2, b])
        if i:
            ax.tick_params(labelleft=False)
    fig.legend(*first.get_legend_handles_labels(), loc="outside upper center", ncols=2)
    ax = fig.add_subplot(grid[1, :])
    Ds = [r["D"] for r in rows]
    ax.loglog(Ds, [r["max_error"] for r in rows], "o-", color=COLORS[0], label="interpolating construction")
    if trained:
        ax.loglog([r["D"] for r in trained], [r["max_error"] for r in trained], "s--", color=COLORS[1],
                  label="trained by gradient descent (Adam)")
    ref = rows[0]["max_error"] * (Ds[0] / np.asarray(Ds, dtype=float)) ** 2
    ax.loglog(Ds, ref, ":", color="0.5", label=r"$\propto D^{-2}$")
    ax.set_xlabel("hidden units $D$")
    ax.set_ylabel(r"maximum of $|f(x) - y(x)|$")
    ax.legend(loc="upper right")
    ax.grid(True, which="both", color="0.92", lw=0.6)
    return fig
