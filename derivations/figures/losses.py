"""Figures of losses: the Bernoulli NLL against the logit (naive vs stable form), and the
normal likelihood of three targets with its negative log for several sigma.

Every curve is the compiled expression of a checked recipe step, never a formula retyped.
"""

from __future__ import annotations

import numpy as np

from symbolic.core.compile import compile_program
from symbolic.losses.recipes import Recipe

from derivations.figures.style import figure, styled

__all__ = ["bernoulli_nll_figure", "normal_likelihood_figure"]

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
#: The notes print both figures at the full text width (``derivations/topics/losses.py``).
WIDTH = 1.0


@styled
def bernoulli_nll_figure(r: Recipe, f_max: float = 60.0):
    """Left: l(f) for y = 0 and y = 1, stable (solid) and naive cross-entropy (dots, where
    float64 still gives a finite value). Right: lambda = sig[f] and the rule lambda > 1/2."""
    f, y = r.outputs[0], r.target
    naive = r.parts["per-sample loss"].steps[1].rhs  # -y log sig[f] - (1 - y) log(1 - sig[f])
    lam = r.link[r.parameters[0]]
    fn = compile_program([f, y], [], [r.per_sample_loss, naive, lam], "numpy")
    fs = np.linspace(-f_max, f_max, 1201)
    fig = figure(WIDTH, 3.1)
    ax, bx = fig.subplots(1, 2)
    for c, label in zip(COLORS, (0.0, 1.0)):
        with np.errstate(all="ignore"):
            stable, naive_values, _ = fn(fs, np.full_like(fs, label))
        ax.plot(fs, stable, color=c, label=f"$y = {int(label)}$, stable")
        finite = np.isfinite(naive_values)
        ax.plot(fs[finite][::40], naive_values[finite][::40], ".", color=c, ms=4,
                label=f"$y = {int(label)}$, naive (finite only)")
        if not finite.all():
            ax.axvline(fs[~finite][0], color=c, ls=":", lw=0.8)  # the first f where it is inf or nan
    ax.set_xlabel("network output (logit) $f$")
    ax.set_ylabel(r"per-sample loss $\ell_i$")
    ax.set_title("Bernoulli NLL: the naive form fails for large $|f|$")
    # the left panel's legend above both panels: inside, it would cover the arms of the V
    handles, labels = ax.get_legend_handles_labels()
    order = [0, 2, 1, 3]  # y = 0 and y = 1 side by side
    fig.legend([handles[i] for i in order], [labels[i] for i in order], loc="outside upper center", ncols=2)
    _, _, lam_values = fn(fs / 6, np.zeros_like(fs))
    bx.plot(fs / 6, lam_values, color="black")
    bx.axhline(0.5, color="0.6", lw=0.8, ls="--")
    bx.axvline(0.0, color="0.6", lw=0.8, ls="--")
    bx.fill_between(fs / 6, 0, 1, where=fs > 0, color=COLORS[0], alpha=0.08, label=r"predict $\hat y = 1$")
    bx.set_xlabel("$f$")
    bx.set_ylabel(r"$\lambda = \mathrm{sig}[f]$")
    bx.set_title("prediction: $\\hat y = 1$ when\n$\\lambda > 1/2$, i.e. $f > 0$")
    bx.legend(loc="upper left")
    return fig


@styled
def normal_likelihood_figure(r: Recipe, targets=(1.0, 2.0, 6.0), sigmas=(0.75, 1.5, 3.0)):
    """Left: the densities N(y_i; mu, sigma^2) of three targets at mu = mean. Right: the
    negative log-likelihood L(mu) = sum_i l_i for several sigma, all minimised at the mean."""
    mu, sigma = r.parameters
    y = r.target
    pdf = compile_program([y, mu, sigma], [], [r.pmf], "numpy")
    f = r.outputs[0]
    loss = compile_program([y, f, sigma], [], [r.per_sample_loss], "numpy")
    mean = float(np.mean(targets))
    ys = np.linspace(min(targets) - 4, max(targets) + 4, 801)
    fig = figure(WIDTH, 3.1)
    ax, bx = fig.subplots(1, 2)
    for c, s in zip(COLORS, sigmas):
        ax.plot(ys, pdf(ys, mean, s)[0], color=c, label=rf"$\sigma = {s:g}$")
        for t in targets:
            ax.plot([t, t], [0, float(pdf(t, mean, s)[0])], color=c, lw=0.8)
    ax.plot(targets, np.zeros(len(targets)), "ko", ms=4, label="targets $y_i$")
    ax.set_xlabel("$y$")
    ax.set_ylabel(r"$\Pr(y \mid \mu, \sigma^2)$")
    ax.set_title(rf"likelihood: product of the densities at $y_i$ ($\mu = {mean:g}$)")
    # one legend for both panels (the same sigmas, the same colours), above them
    fig.legend(*ax.get_legend_handles_labels(), loc="outside upper center", ncols=len(sigmas) + 1)
    mus = np.linspace(mean - 4, mean + 4, 801)
    for c, s in zip(COLORS, sigmas):
        total = sum(loss(np.full_like(mus, t), mus, s)[0] for t in targets)
        total = total - total.min()  # shifted to 0 at the minimum, to compare the shapes
        bx.plot(mus, total, color=c, label=rf"$\sigma = {s:g}$")
        k = int(np.argmin(total))
        bx.plot(mus[k], total[k], "o", color=c, ms=4)
    bx.axvline(mean, color="0.6", ls="--", lw=0.8)
    bx.set_xlabel(r"predicted mean $\mu = f$")
    bx.set_ylabel(r"$L - \min L$")
    bx.set_ylim(0, 15)
    bx.set_title("negative log-likelihood: the same minimiser for every $\\sigma$")
    return fig
