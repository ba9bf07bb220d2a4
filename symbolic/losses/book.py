r"""The book's other distributions (Prince, fig. 5.11): laplace, student-t, gaussian-mixture,
exponential, gamma, beta, von-mises, multivariate-normal and plackett-luce, each a
:class:`~symbolic.losses.block.Block` builder from which the recipe engine
(:mod:`symbolic.losses.engine`) derives the loss from the density and the link alone.
Importing this module binds their models onto the registry's entries.

>>> print(LAPLACE.block(2).density)
exp(-Abs(mu - y)/b)/(2*b)
>>> print(LAPLACE.block(2).stable)
f_{2} + ExpScaled(Abs(f_{1} - y), -f_{2}) + log(2)
"""

from __future__ import annotations

import sympy as sp

from symbolic.activations.functions import Softplus
from symbolic.losses.block import Block, WeightedLogSumExp
from symbolic.losses.engine import Engine
from symbolic.losses.functions import ExpPhi, ExpScaled, Log1p, Log1pSquare, LogGammaStirling, LogScaledBesselI0, Square
from symbolic.losses.sample import LogSumExp
from symbolic.spec.losses import get_loss, mvn_n

__all__ = ["LAPLACE", "STUDENT_T", "GAUSSIAN_MIXTURE", "EXPONENTIAL", "GAMMA", "BETA", "VON_MISES",
           "MULTIVARIATE_NORMAL", "PLACKETT_LUCE", "BOOK", "cholesky_entries"]


# ----- the book's other distributions (fig. 5.11), derived by the engine -------------------------
def _y(**assumptions) -> sp.Symbol:
    return sp.Symbol("y", real=True, **assumptions)


def _laplace(f):
    y, mu, b = _y(), sp.Symbol("mu", real=True), sp.Symbol("b", positive=True)
    return Block("laplace", "real", f, (y,), (mu, b), sp.exp(-sp.Abs(y - mu) / b) / (2 * b),
                 {mu: f[0], b: sp.exp(f[1])}, stable=ExpScaled(sp.Abs(y - f[0]), -f[1]) + f[1] + sp.log(2),
                 mode=mu, mode_note="the density falls on both sides of $y = \\mu$ (a kink: no derivative there)",
                 distribution="Laplace")


def _student_t(f):
    y, mu = _y(), sp.Symbol("mu", real=True)
    s, nu = sp.Symbol("sigma", positive=True), sp.Symbol("nu", positive=True)
    density = (sp.gamma((nu + 1) / 2) / (sp.gamma(nu / 2) * sp.sqrt(nu * sp.pi) * s)
               * (1 + ((y - mu) / s) ** 2 / nu) ** (-(nu + 1) / 2))
    n = sp.exp(f[2])
    # log Gamma(nu/2) - log Gamma((nu+1)/2) + log(nu pi)/2 without the terms of size nu log nu that
    # cancel (Stirling's remainders, and (nu/2) log(1 + 1/nu) -> 1/2); the data term in the log
    # domain where (y - mu)^2 / (sigma^2 nu) overflows.
    stable = (LogGammaStirling(n / 2) - LogGammaStirling((n + 1) / 2) - n / 2 * Log1p(1 / n) + sp.S.Half
              + sp.log(2 * sp.pi) / 2 + f[1] + (n + 1) / 2 * Log1pSquare(y - f[0], -f[1] - f[2] / 2))
    return Block("student-t", "real", f, (y,), (mu, s, nu), density, {mu: f[0], s: sp.exp(f[1]), nu: n},
                 stable=stable, distribution="Student t")


def _gaussian_mixture(f):
    K = len(f) // 3
    y = _y()
    lam = tuple(sp.Symbol(f"lambda_{{{k}}}", positive=True) for k in range(1, K + 1))
    mu = tuple(sp.Symbol(f"mu_{{{k}}}", real=True) for k in range(1, K + 1))
    var = tuple(sp.Symbol(f"sigma_{{{k}}}^2", positive=True) for k in range(1, K + 1))
    density = sp.Add(*[lam[k] * sp.exp(-(y - mu[k]) ** 2 / (2 * var[k])) / sp.sqrt(2 * sp.pi * var[k])
                       for k in range(K)])
    w, m, s = f[:K], f[K:2 * K], f[2 * K:]
    total = sp.Add(*[sp.exp(wk) for wk in w])
    link = {**{lam[k]: sp.exp(w[k]) / total for k in range(K)}, **{mu[k]: m[k] for k in range(K)},
            **{var[k]: sp.exp(s[k]) for k in range(K)}}
    stable = (LogSumExp(*w) + sp.log(2 * sp.pi) / 2
              - LogSumExp(*[w[k] - Square((y - m[k]) * sp.exp(-s[k] / 2)) / 2 - s[k] / 2 for k in range(K)]))

    return Block("gaussian-mixture", "real", f, (y,), lam + mu + var, density, link, stable=stable,
                 mode_note="the mixture's mode has no closed form: predict the full distribution",
                 distribution=f"mixture of {K} normals")


def _exponential(f):
    y, lam = _y(nonnegative=True), sp.Symbol("lambda", positive=True)
    return Block("exponential", "nonnegative", f, (y,), (lam,), lam * sp.exp(-lam * y), {lam: sp.exp(f[0])},
                 stable=y * sp.exp(f[0]) - f[0], mode=sp.S.Zero,
                 mode_note="the density decreases on $y \\ge 0$: the mode is $y = 0$", distribution="exponential")


def _gamma(f):
    y, a, b = _y(positive=True), sp.Symbol("alpha", positive=True), sp.Symbol("beta", positive=True)
    density = b**a * y ** (a - 1) * sp.exp(-b * y) / sp.gamma(a)
    a_f = sp.exp(f[0])
    # log Gamma(alpha) - alpha log beta - (alpha - 1) log y + beta y with Stirling's remainder of
    # log Gamma(alpha) split off: the rest is alpha (e^t - 1 - t) >= 0 for t = log(beta y / alpha),
    # no terms of size alpha log alpha that cancel at large alpha.
    stable = (LogGammaStirling(a_f) - f[0] / 2 + sp.log(y)
              + ExpPhi(f[0], f[1] + sp.log(y) - f[0]))
    return Block("gamma", "positive", f, (y,), (a, b), density, {a: a_f, b: sp.exp(f[1])}, stable=stable,
                 mode_note="for $\\alpha > 1$", mode_condition=a > 1, distribution="gamma")


def _beta(f):
    y, a, b = _y(positive=True), sp.Symbol("alpha", positive=True), sp.Symbol("beta", positive=True)
    density = sp.gamma(a + b) / (sp.gamma(a) * sp.gamma(b)) * y ** (a - 1) * (1 - y) ** (b - 1)
    a_f, b_f = sp.exp(f[0]), sp.exp(f[1])
    # log B(alpha, beta) - (alpha - 1) log y - (beta - 1) log(1 - y) with Stirling's remainders
    # split off: alpha (log p - log y) + beta (log q - log(1 - y)) with p = alpha/(alpha + beta) =
    # sig(f_1 - f_2), so no terms of size alpha log alpha cancel at large alpha, beta.
    stable = (LogGammaStirling(a_f) + LogGammaStirling(b_f) - LogGammaStirling(a_f + b_f)
              - a_f * (Softplus(f[1] - f[0]) + sp.log(y)) - b_f * (Softplus(f[0] - f[1]) + Log1p(-y))
              + (Softplus(f[1] - f[0]) - f[1]) / 2 + sp.log(y) + Log1p(-y))
    return Block("beta", "unit-interval", f, (y,), (a, b), density, {a: a_f, b: b_f}, stable=stable,
                 mode_note="for $\\alpha, \\beta > 1$", mode_condition=(a > 1) & (b > 1), distribution="beta")


def _von_mises(f):
    y, mu, k = _y(), sp.Symbol("mu", real=True), sp.Symbol("kappa", positive=True)
    density = sp.exp(k * sp.cos(y - mu)) / (2 * sp.pi * sp.besseli(0, k))
    # -kappa cos(y - mu) + log I_0(kappa) = 2 kappa sin^2((y - mu)/2) + log(e^{-kappa} I_0(kappa)):
    # no two terms of size kappa that cancel
    stable = (2 * sp.exp(f[1]) * sp.sin((y - f[0]) / 2) ** 2 + sp.log(2 * sp.pi)
              + LogScaledBesselI0(sp.exp(f[1])))
    return Block("von-mises", "circular", f, (y,), (mu, k), density, {mu: f[0], k: sp.exp(f[1])}, stable=stable,
                 mode=mu, distribution="von Mises", mode_note="on the circle")


def cholesky_entries(n: int) -> list[tuple[int, int]]:
    """The (row, column) of the Cholesky factor's entries, row by row: (0,0), (1,0), (1,1), ..."""
    return [(r, c) for r in range(n) for c in range(r + 1)]


def _multivariate_normal(f):

    n = mvn_n("multivariate-normal", len(f))
    y = tuple(sp.Symbol(f"y_{{{j}}}", real=True) for j in range(1, n + 1))
    mu = tuple(sp.Symbol(f"mu_{{{j}}}", real=True) for j in range(1, n + 1))
    entries = cholesky_entries(n)
    Lsym = {(r, c): sp.Symbol(f"L_{{{r + 1}{c + 1}}}", positive=(r == c), real=True) for r, c in entries}
    L = sp.Matrix(n, n, lambda r, c: Lsym.get((r, c), 0))
    diff = sp.Matrix([y[j] - mu[j] for j in range(n)])
    z = L.LUsolve(diff)  # forward substitution: L z = y - mu
    det = sp.Mul(*[Lsym[(j, j)] for j in range(n)])
    density = sp.exp(-sum((z[j] ** 2 for j in range(n)), sp.S.Zero) / 2) / ((2 * sp.pi) ** sp.Rational(n, 2) * det)
    link = {**{mu[j]: f[j] for j in range(n)},
            **{Lsym[rc]: (sp.exp(f[n + k]) if rc[0] == rc[1] else f[n + k]) for k, rc in enumerate(entries)}}
    # stable: forward substitution with exp(-f) instead of dividing by L_jj (as two factors e^{-f/2}: a zero
    # residual stays 0 where e^{-f} overflows), log det = sum of diagonal f
    zf: list[sp.Expr] = []
    for r in range(n):
        acc = y[r] - f[r] - sum((f[n + entries.index((r, c))] * zf[c] for c in range(r)), sp.S.Zero)
        zf.append(ExpScaled(acc, -f[n + entries.index((r, r))]))
    stable = (sp.Rational(n, 2) * sp.log(2 * sp.pi) + sum((f[n + entries.index((j, j))] for j in range(n)), sp.S.Zero)
              + sum((zj**2 for zj in zf), sp.S.Zero) / 2)
    return Block("multivariate-normal", "real", f, y, mu + tuple(Lsym[rc] for rc in entries), density, link,
                 stable=stable, mode=None, distribution=f"{n}-dimensional normal",
                 mode_note="the mode is the mean $\\boldsymbol\\mu = (f_1, \\dots, f_n)$")


def _plackett_luce(f):
    n = len(f)
    t = {(k, c): sp.Symbol(f"t_{{{k + 1},{c}}}", nonnegative=True) for k in range(n) for c in range(n)}
    # t_{k,c} = [y_k = c]: the k-th ranked item is c; the items not ranked before position k
    # have weight r_{k,c} = sum_{m >= k} t_{m,c}.
    lam = tuple(sp.Symbol(f"lambda_{{{c}}}", positive=True) for c in range(n))
    remaining = [[sp.Add(*[t[(m, c)] for m in range(k, n)]) for c in range(n)] for k in range(n)]
    density = sp.Mul(*[sp.Mul(*[lam[c] ** t[(k, c)] for c in range(n)])
                       / sp.Add(*[remaining[k][c] * lam[c] for c in range(n)]) for k in range(n)])
    link = {lam[c]: sp.exp(f[c]) for c in range(n)}
    stable = sp.Add(*[WeightedLogSumExp(*remaining[k], *f) - sp.Add(*[t[(k, c)] * f[c] for c in range(n)])
                      for k in range(n)])
    targets = tuple(t[(k, c)] for k in range(n) for c in range(n))
    return Block("plackett-luce", "ranking", f, targets, lam, density, link, stable=stable, data_targets=n,
                 one_hot=True, distribution=f"Plackett-Luce over rankings of {n} items",
                 mode_note="rank the items by decreasing score $f_c$")


LAPLACE = Engine("laplace", _laplace, 2)
STUDENT_T = Engine("student-t", _student_t, 3)
GAUSSIAN_MIXTURE = Engine("gaussian-mixture", _gaussian_mixture, 6)
EXPONENTIAL = Engine("exponential", _exponential, 1)
GAMMA = Engine("gamma", _gamma, 2)
BETA = Engine("beta", _beta, 2)
VON_MISES = Engine("von-mises", _von_mises, 2)
MULTIVARIATE_NORMAL = Engine("multivariate-normal", _multivariate_normal, 5)
PLACKETT_LUCE = Engine("plackett-luce", _plackett_luce, 3)


# ----- torch from SymPy (a lecturer's own loss) -------------------------------------------------

#: The book's nine other distributions (fig. 5.11), in its order.
BOOK = (LAPLACE, STUDENT_T, GAUSSIAN_MIXTURE, EXPONENTIAL, GAMMA, BETA, VON_MISES, MULTIVARIATE_NORMAL, PLACKETT_LUCE)

# The registry's entries (symbolic.spec) name no module above them: the book's models are bound here.
for _model in BOOK:
    get_loss(_model.name).bind(symbolic=_model)
del _model
