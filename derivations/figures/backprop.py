"""Figures of backpropagation: the toy's loss along each weight, with the derived slope."""

from __future__ import annotations

import numpy as np

from symbolic.backprop.backprop import adjoint_symbol
from symbolic.core.compile import compile_program

from derivations.figures.networks import COLORS
from derivations.figures.style import figure, styled

__all__ = ["gradient_tangents_figure"]

#: The notes print the figure at the full text width (``derivations/topics/texts/backprop.py``).
WIDTH = 1.0
COLUMNS = 2


@styled
def gradient_tangents_figure(example, values, numbers, half_width: float = 0.6):
    """One panel per weight omega_k of the chain-rule toy (two to a row): the loss l as the
    weight moves (others fixed) and the tangent line whose slope is the backpropagated dl/domega_k.

    ``values`` are the worked example's exact numbers, ``numbers`` the evaluated program.
    """
    loss = example.composed_loss()
    rows = -(-len(example.omega) // COLUMNS)
    fig = figure(WIDTH, 1.95 * rows)
    axes = fig.subplots(rows, COLUMNS, squeeze=False)
    for k, (ax, omega) in enumerate(zip(axes.flat, example.omega)):
        fixed = {s: v for s, v in values.items() if s != omega}
        fn = compile_program([omega], [], [loss.xreplace(fixed)], "numpy")
        w0 = float(values[omega])
        ws = np.linspace(w0 - half_width, w0 + half_width, 301)
        (ls,) = fn(ws)
        l0, slope = float(numbers[example.l]), float(numbers[adjoint_symbol(omega)])
        ax.plot(ws, ls, color=COLORS[0], label=r"$\ell$")
        ax.plot(ws, l0 + slope * (ws - w0), color=COLORS[1], ls="--",
                label=rf"slope $\partial\ell/\partial\omega_{k} = {slope:.3g}$")
        ax.plot([w0], [l0], "o", color="black", ms=4)
        ax.set_xlabel(rf"$\omega_{k}$")
        ax.set_title(rf"$\ell$ along $\omega_{k}$")
        ax.legend(loc="upper left")
        ax.locator_params(axis="both", nbins=5)
        lo, hi = float(np.min(ls)), float(np.max(ls))
        ax.set_ylim(lo - 0.15 * (hi - lo + 1e-9), hi + 0.7 * (hi - lo + 1e-9))
    for ax in axes[:, 0]:
        ax.set_ylabel(r"loss $\ell = (y - f)^2$")
    for ax in list(axes.flat)[len(example.omega):]:
        ax.axis("off")
    return fig
