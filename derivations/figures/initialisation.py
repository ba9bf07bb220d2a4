"""The figure of initialisation: the mean square of the activations and of the gradients, layer
by layer, for weight variances of half, once and twice He's (measured on the PyTorch twin, and
as the derivation predicts them), in the style of UDL figure 7.7."""

from __future__ import annotations

import numpy as np

from derivations.figures.style import figure, styled

__all__ = ["variance_figure"]

COLORS = {1: "#1f77b4", 2: "#2ca02c", 4: "#d62728"}
#: The notes print the figure at the full text width (``derivations/topics/texts/initialisation.py``).
WIDTH = 1.0


@styled
def variance_figure(runs: dict, width: int, layers: int, labels: dict):
    """``runs[scale]``: the mean squares per network and layer (``forward``, ``backward``) and
    the derived per-layer ``factor``; ``labels[scale]``: the weight variance as printed LaTeX."""
    fig = figure(WIDTH, 3.3)
    axes = fig.subplots(1, 2, sharey=True)
    k = np.arange(layers + 1)
    for scale, run in sorted(runs.items()):
        c = run["factor"]
        label = f"${labels[scale]}$" + (" (He)" if scale == 2 else "")
        forward = run["forward"].mean(axis=0)
        backward = run["backward"].mean(axis=0)
        axes[0].semilogy(k, scale * c ** k, color=COLORS.get(scale, "0.3"), lw=1.0)
        axes[0].semilogy(k[::5], forward[::5], "o", ms=3.5, color=COLORS.get(scale, "0.3"), label=label)
        axes[1].semilogy(k, c ** (layers - k), color=COLORS.get(scale, "0.3"), lw=1.0)
        axes[1].semilogy(k[::5], backward[::5], "o", ms=3.5, color=COLORS.get(scale, "0.3"))
    axes[0].set_title("activations:\nmean square of $f_k$")
    axes[1].set_title("gradients with respect to $f_k$:\nmean square")
    for ax in axes:
        ax.set_xlabel("layer $k$")
    fig.legend(loc="outside lower center", ncols=len(runs))
    fig.suptitle(f"{layers} ReLU layers of {width} units: dots measured (PyTorch), lines derived")
    return fig
