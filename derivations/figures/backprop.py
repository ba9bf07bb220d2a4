"""Figures of backpropagation: the toy's loss along each weight, with the derived slope."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from symbolic.backprop.backprop import adjoint_symbol
from symbolic.core.compile import compile_program

from derivations.figures.networks import COLORS

__all__ = ["gradient_tangents_figure"]


def gradient_tangents_figure(example, values, numbers, half_width: float = 0.6):
    """One panel per weight omega_k of the chain-rule toy: the loss l as the weight moves
    (others fixed) and the tangent line whose slope is the backpropagated dl/domega_k.

    ``values`` are the worked example's exact numbers, ``numbers`` the evaluated program.
    """
    loss = example.composed_loss()
    fig, axes = plt.subplots(1, 4, figsize=(12, 2.9))
    for k, (ax, omega) in enumerate(zip(axes, example.omega)):
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
        ax.set_title(rf"$\ell$ along $\omega_{k}$", fontsize=10)
        ax.legend(fontsize=7, frameon=False, loc="upper center")
        lo, hi = float(np.min(ls)), float(np.max(ls))
        ax.set_ylim(lo - 0.15 * (hi - lo + 1e-9), hi + 0.45 * (hi - lo + 1e-9))
    axes[0].set_ylabel(r"loss $\ell = (y - f)^2$")
    fig.tight_layout()
    return fig

