"""Figures of networks: the shallow network's decomposition, activation functions."""

from __future__ import annotations

import numpy as np
import sympy as sp

from symbolic.core.compile import compile_program

from derivations.figures.style import figure, styled

__all__ = ["shallow_decomposition_figure", "activation_figure"]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
#: The fraction of the text width each figure is printed at (``derivations/topics/texts/*.py``).
WIDTHS = {"shallow": 1.0, "activations": 1.0, "hidden_units": 0.75, "deep_networks": 1.0}
#: Activation panels in a row.
ACTIVATION_COLUMNS = 5


@styled
def shallow_decomposition_figure(net, values, x_range=(-0.5, 2.5)):
    """Four panels per the lecture (two to a row): pre-activations, activations, weighted
    activations, output.

    ``net`` is a one-input, one-output ShallowNetwork, ``values`` maps its symbols to numbers.
    """
    x = net.inputs[0]
    a_of = {s: e for s, e in net.program}
    pre = [(net.theta[d, 0] + net.theta[d, 1] * x).subs(values) for d in range(net.D)]
    act = [a_of[h].subs(values) for h in net.h]
    weighted = [(net.phi[0, d + 1] * a_of[h]).subs(values) for d, h in enumerate(net.h)]
    total = net.substituted_outputs()[0].subs(values)
    fn = compile_program([x], [], pre + act + weighted + [total], "numpy")
    xs = np.linspace(*x_range, 601)
    ys = fn(xs)
    D = net.D
    fig = figure(WIDTHS["shallow"], 4.1)
    axes = list(fig.subplots(2, 2, sharex=True).flat)
    panels = [
        (ys[:D], r"$\theta_{d0} + \theta_{d1}x$", "pre-activations"),
        (ys[D:2 * D], r"$h_d$", "activations"),
        (ys[2 * D:3 * D], r"$\phi_d h_d$", "weighted activations"),
    ]
    for ax, (curves, ylabel, title) in zip(axes, panels):
        for d, c in enumerate(curves):
            ax.plot(xs, c, color=COLORS[d % len(COLORS)], label=f"$d={d + 1}$")
        ax.set_title(title)
        ax.set_ylabel(ylabel)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", ncols=D)
    axes[3].plot(xs, ys[-1], color="black")
    for d in range(D):
        joint = -values[net.theta[d, 0]] / values[net.theta[d, 1]]
        axes[3].axvline(float(joint), color=COLORS[d % len(COLORS)], lw=0.8, ls=":")
    axes[3].set_title(r"output $y = \phi_0 + \sum_d \phi_d h_d$")
    for ax in axes:
        ax.axhline(0, color="0.8", lw=0.6, zorder=0)
    for ax in axes[2:]:
        ax.set_xlabel("$x$")
    return fig


@styled
def activation_figure(names, spec_for):
    """Each activation and its derivative, one panel per activation (five to a row)."""
    z = sp.Symbol("z", real=True)
    n = len(names)
    cols = min(n, ACTIVATION_COLUMNS)
    rows = -(-n // cols)
    fig = figure(WIDTHS["activations"], 0.3 + 1.55 * rows)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    xs = np.linspace(-4, 4, 801)
    for ax, name in zip(axes.flat, names):
        a = spec_for(name)
        expr = a(z)
        value, slope = compile_program([z], [], [expr, sp.diff(expr, z)], "numpy")(xs)
        ax.plot(xs, value, color=COLORS[0], label=r"$\mathrm{a}[z]$")
        ax.plot(xs, slope, color=COLORS[1], ls="--", label=r"$\mathrm{a}'[z]$")
        ax.set_title(name.replace("_", " "))
        ax.axhline(0, color="0.8", lw=0.6, zorder=0)
        ax.set_ylim(-1.6, 4.2)
        ax.set_xticks([-4, 0, 4])
        ax.set_yticks([0, 2, 4])
    for ax in axes[-1]:
        ax.set_xlabel("$z$")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$\mathrm{a}[z]$, $\mathrm{a}'[z]$")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="outside upper center", ncols=2)
    return fig


@styled
def shared_joints_figure(module):
    """The outputs of a one-input ReLU network with several outputs, joints marked."""
    import torch

    xs = torch.linspace(-2.5, 2.5, 801, dtype=torch.float64).reshape(-1, 1)  # (I, 1)
    with torch.no_grad():
        ys = module(xs).numpy()  # (I, D_o)
    beta, omega = module.beta_0.detach().numpy(), module.omega_0.detach().numpy()[:, 0]
    fig = figure(WIDTHS["hidden_units"], 2.5)
    ax = fig.subplots()
    for j in range(ys.shape[1]):
        ax.plot(xs[:, 0], ys[:, j], color=COLORS[j], label=f"$y_{j + 1}$")
    for b, w in zip(beta, omega):
        if w != 0 and -2.5 < -b / w < 2.5:
            ax.axvline(-b / w, color="0.5", lw=0.8, ls=":")
    ax.set_xlabel("$x$")
    ax.set_ylabel("outputs $y_1, y_2$" if ys.shape[1] == 2 else "outputs $y_j$")
    ax.legend()
    return fig


@styled
def composition_figure(first, second):
    """Three panels: y = first(x), y' = second(y), and the composition y'(x)."""
    import torch

    xs = torch.linspace(-1, 1, 1601, dtype=torch.float64).reshape(-1, 1)  # (I, 1)
    with torch.no_grad():
        y = first(xs)  # (I, 1)
        y_range = torch.linspace(float(y.min()), float(y.max()), 801, dtype=torch.float64).reshape(-1, 1)
        yp = second(y_range)
        composed = second(y)
    fig = figure(WIDTHS["deep_networks"], 2.2)
    axes = fig.subplots(1, 3)
    axes[0].plot(xs[:, 0], y[:, 0], color=COLORS[0])
    axes[0].set(xlabel="$x$", ylabel="$y$", title="first network")
    axes[1].plot(y_range[:, 0], yp[:, 0], color=COLORS[1])
    axes[1].set(xlabel="$y$", ylabel="$y'$", title="second network")
    axes[2].plot(xs[:, 0], composed[:, 0], color="black")
    axes[2].set(xlabel="$x$", ylabel="$y'$", title="composition")
    for ax in axes:
        ax.locator_params(axis="x", nbins=5)
    return fig
