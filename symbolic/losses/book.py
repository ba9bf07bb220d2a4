r"""The SymPy side of every loss: a distribution over the targets and the link from the outputs.

A :class:`Model` is what the recipe engine (:mod:`symbolic.losses.engine`) derives a loss
from: for D_o network outputs ``f_1..f_{D_o}`` it builds a :class:`Block`, the density
``Pr(y | theta)`` in target and parameter symbols, the link ``theta = link[f]``, the target
support, and optionally the numerically stable per-sample loss (proven equal to the
negative log of the linked density by the engine) and the mode.

Every loss is derived by the engine. The six losses of the first round add the lecture's
words and intermediate steps as a :class:`Lesson` (:mod:`symbolic.losses.lecture`; the engine
still builds and checks every part) and replicate one target's loss over independent
targets; the book's other distributions (fig. 5.11) and a lecturer's own losses come from
the density and the link alone.

>>> from symbolic.spec.losses import get_loss
>>> block = get_loss("laplace").model().block(2)
>>> print(block.density)
exp(-Abs(mu - y)/b)/(2*b)
>>> print(block.stable)
f_{2} + ExpScaled(Abs(f_{1} - y), -f_{2}) + log(2)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import sympy as sp

from symbolic.activations.functions import Softplus, StockDefined
from symbolic.losses.sample import LogSumExp, SampleLoss, sigma
from symbolic.losses.functions import (BesselRatio, ExpPhi, ExpScaled, Log1p, Log1pSquare, LogBesselI0, LogGammaStirling,
                               LogScaledBesselI0, Square)

__all__ = ["Block", "Lesson", "Model", "FirstRound", "LogBesselI0", "BesselRatio", "WeightedLogSumExp", "printed_torch_nll",
           "support_interval"]


# ----- functions the book's table needs ------------------------------------------------------
class WeightedLogSumExp(StockDefined, sp.Function):
    r"""``log sum_c w_c exp(z_c)`` for weights ``w_c >= 0`` (arguments ``w_1..w_n, z_1..z_n``):
    the log-normaliser over the items still unranked (weight 1) in Plackett-Luce. Printed
    stably (``logsumexp(z + log w)``; a zero weight drops its item).

    >>> w, z = sp.symbols("w_1 w_2", nonnegative=True), sp.symbols("z_1 z_2", real=True)
    >>> print(WeightedLogSumExp.definition(*w, *z))
    log(w_1*exp(z_1) + w_2*exp(z_2))
    >>> print(sp.diff(WeightedLogSumExp(*w, *z), z[0]))
    w_1*exp(z_1 - WeightedLogSumExp(w_1, w_2, z_1, z_2))
    """

    @classmethod
    def definition(cls, *args):
        n = len(args) // 2
        return sp.log(sp.Add(*[w * sp.exp(z) for w, z in zip(args[:n], args[n:])]))

    def fdiff(self, argindex=1):
        n = len(self.args) // 2
        k = argindex - 1
        if k < n:
            return sp.exp(self.args[n + k] - self)
        return self.args[k - n] * sp.exp(self.args[k] - self)

    def _eval_is_real(self):
        return True if all(a.is_real for a in self.args) else None

    def _latex(self, printer, exp=None):
        n = len(self.args) // 2
        terms = ", ".join(f"{printer._print(z)}" for z in self.args[n:])
        weights = ", ".join(printer._print(w) for w in self.args[:n])
        tex = rf"\operatorname{{logsumexp}}_{{\mathbf{{w}} = ({weights})}}\left[{terms}\right]"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _torchcode(self, printer):
        n = len(self.args) // 2
        w = ", ".join(printer._print(a) for a in self.args[:n])
        z = ", ".join(printer._print(a) for a in self.args[n:])
        return (f"torch.logsumexp(torch.stack(torch.broadcast_tensors({z})) + "
                f"torch.log(torch.stack(torch.broadcast_tensors({w}))), dim=0)")

    def _numpycode(self, printer):
        n = len(self.args) // 2
        w = ", ".join(printer._print(a) for a in self.args[:n])
        z = ", ".join(printer._print(a) for a in self.args[n:])
        return (f"scipy.special.logsumexp(numpy.stack(numpy.broadcast_arrays({z})), "
                f"b=numpy.stack(numpy.broadcast_arrays({w})), axis=0)")


# ----- the data model ------------------------------------------------------------------------
#: The interval of each continuous support (the normalisation integral's limits).
SUPPORT_INTERVALS = {"real": (-sp.oo, sp.oo), "positive": (0, sp.oo), "nonnegative": (0, sp.oo),
                     "unit-interval": (0, 1), "circular": (-sp.pi, sp.pi)}


def support_interval(support: str) -> tuple[sp.Expr, sp.Expr] | None:
    return SUPPORT_INTERVALS.get(support)


def _sample_target(support: str, rng: random.Random, D_o: int, n: int) -> list[sp.Expr]:
    """Exact target values that suit a support (for checks at random points)."""
    R = lambda lo, hi, d=1000: sp.Rational(rng.randint(int(lo * d), int(hi * d)), d)  # noqa: E731
    if support == "ranking":
        order = list(range(n))
        rng.shuffle(order)
        return [sp.Integer(v) for v in order]
    one = {"real": lambda: R(-2, 2), "positive": lambda: R(0.05, 3), "nonnegative": lambda: R(0, 3),
           "unit-interval": lambda: R(0.02, 0.98), "circular": lambda: R(-3.1, 3.1),
           "binary": lambda: sp.Integer(rng.randint(0, 1)), "count": lambda: sp.Integer(rng.randint(0, 4)),
           "class": lambda: sp.Integer(rng.randrange(D_o))}[support]
    return [one() for _ in range(n)]


@dataclass
class Lesson:
    """The lecture's words and intermediate steps for one loss's recipe (the first round's losses).

    The engine still builds every part and checks every step; a lesson only names things and
    adds steps between the engine's own. Expressions are in the block's per-sample symbols
    (targets, outputs, parameters); the engine maps them to sample ``i`` where a part sums
    over samples. Steps given as dicts are :meth:`Derivation.add` keywords.
    """

    distribution: str = ""  # the distribution's name in the recipe's summary ("normal (fixed sigma)")
    idea: str = ""  # one sentence: which distribution, which parameters the network predicts
    rule: str = ""  # the prediction rule, in words
    titles: dict[str, str] = field(default_factory=dict)  # part -> title
    density: str = ""  # the reason of ``Pr = density``
    cases: tuple[sp.Expr, str] | None = None  # (case form, reason of the density after it): the case form first
    links: dict[sp.Symbol, str] = field(default_factory=dict)  # parameter -> reason of its link
    link_forms: dict[sp.Symbol, list[tuple[sp.Expr, str]]] = field(default_factory=dict)  # more forms of a link
    #: The reason of inserting the links into the likelihood: the product is first shown in the
    #: parameters (lambda_i), then with the links inserted (Bernoulli). Empty: linked from the start.
    insert_links: str = ""
    #: The i-th factor of the likelihood as the lecture writes it, from the engine's sample-i
    #: mapping (categorical: softmax_{y_i}[f_i]); None: the linked density of sample i.
    factor: Callable[[dict], sp.Expr] | None = None
    likelihood: list[tuple[sp.Expr, str]] = field(default_factory=list)  # per-sample summands before the last sum
    likelihood_last: str = ""  # the reason of the last sum (the per-sample loss)
    total: Callable[[Callable[[sp.Expr], sp.Expr], sp.Symbol], tuple[sp.Expr, str]] | None = None
    per_sample: list[tuple[sp.Expr, str]] | None = None  # between -log and the stable form (None: the expansion)
    stable: str = ""  # the reason of the stable form
    scaled: str = ""  # the reason of the rescaled loss (a block with ``scale``)
    scaled_total: str = ""  # the reason of ``L = factor L_N - I offset``
    mode_text: str = ""  # the discrete mode in words and LaTeX ("$\\hat{y} = 1$ when ..."); empty: printed from the block
    prediction: list[dict[str, Any]] = field(default_factory=list)  # steps after (continuous) or before the mode check
    domain: dict[sp.Symbol, Any] = field(default_factory=dict)  # sample values of bounded parameters
    target_domain: Any = None  # the network derivation's target values


@dataclass
class Block:
    """One distribution with its link, for a fixed number of outputs.

    ``density`` is ``Pr(y | theta)`` in ``targets`` and ``parameters``; ``link`` maps each
    parameter to an expression in ``outputs``; ``stable`` is the per-sample loss in outputs
    and targets (None: the engine's expanded ``-log``); ``mode`` the prediction in the
    parameters (None: solved by SymPy where it can). ``discrete`` sums instead of integrating.
    """

    name: str
    support: str
    outputs: tuple[sp.Symbol, ...]
    targets: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    density: sp.Expr
    link: dict[sp.Symbol, sp.Expr]
    stable: sp.Expr | None = None
    mode: sp.Expr | None = None
    mode_note: str = ""
    constants: tuple[sp.Symbol, ...] = ()
    data_targets: int | None = None  # columns in a data file (None: one per target symbol)
    one_hot: bool = False  # each data column is one-hot encoded into len(targets) / data_targets indicators
    distribution: str = ""
    #: Where the mode formula holds, in the parameters (gamma: alpha > 1); None: everywhere.
    mode_condition: sp.Basic | None = None
    #: The class symbol y of a one-hot target, t_c = [y = c] (categorical); None otherwise.
    indicator: sp.Symbol | None = None
    #: ``(factor, offset)`` for a loss that is a rescaled NLL, stable = factor (-log Pr) - offset
    #: (least squares: 2 sigma^2 and sigma^2 log(2 pi sigma^2)); None: the NLL itself.
    scale: tuple[sp.Expr, sp.Expr] | None = None
    lesson: Lesson | None = None

    @property
    def linked(self) -> sp.Expr:
        """``Pr(y | link[f])``: the density with the link inserted."""
        return self.density.xreplace(self.link)

    def per_sample(self) -> sp.Expr:
        """The per-sample loss the network compiles: the stable form, else the expanded -log."""
        if self.stable is not None:
            return self.stable
        return sp.expand(sp.expand_log(-sp.log(self.linked), force=True))

    def encode(self, values: Sequence[sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """Target symbol values of one sample's data row (indicators for a one-hot encoding)."""
        if not self.one_hot:
            return dict(zip(self.targets, values))
        width = len(self.targets) // len(values)
        return {self.targets[j * width + c]: sp.Integer(int(int(v) == c)) for j, v in enumerate(values)
                for c in range(width)}

    def sample_targets(self, rng: random.Random, D_o: int) -> dict[sp.Symbol, sp.Expr]:
        """Exact target values at a random point of the support."""
        return self.encode(_sample_target(self.support, rng, D_o, self.data_targets or len(self.targets)))


class Model:
    """The SymPy side of a loss: ``sample(outputs)`` and ``recipe(D_o)``; ``depends_on_D_o``
    when the recipe is for all D_o outputs at once (else for one target, added over targets)."""

    name: str
    default_D_o: int
    depends_on_D_o: bool = True

    def sample_targets(self, rng: random.Random, sample: SampleLoss, D_o: int) -> dict[sp.Symbol, sp.Expr]:
        """Exact target values for ``sample`` at a random point of the support."""
        from symbolic.spec.losses import get_loss

        support = get_loss(self.name).support.name
        values = _sample_target(support, rng, D_o, sample.n_data_targets)
        if sample.target_encoding != "one-hot":
            return dict(zip(sample.targets, values))
        width = len(sample.targets) // len(values)
        return {sample.targets[j * width + c]: sp.Integer(int(int(v) == c)) for j, v in enumerate(values)
                for c in range(width)}

    def sample(self, outputs: Sequence[sp.Symbol]) -> SampleLoss:  # pragma: no cover - abstract
        raise NotImplementedError

    def recipe(self, D_o: int | None = None):  # pragma: no cover - abstract
        raise NotImplementedError


class Engine(Model):
    """A loss the recipe engine derives from a :class:`Block` builder ``build(outputs) -> Block``."""

    def __init__(self, name: str, build: Callable[[tuple[sp.Symbol, ...]], Block], default_D_o: int) -> None:
        self.name, self._build, self.default_D_o = name, build, default_D_o
        self._blocks: dict[int, Block] = {}

    def block(self, D_o: int | None = None) -> Block:
        """The block for D_o outputs named ``f_{1}..f_{D_o}`` (checked against the registry's width rule)."""
        from symbolic.spec.losses import get_loss

        D_o = self.default_D_o if D_o is None else D_o
        get_loss(self.name).n_targets(D_o)
        if D_o not in self._blocks:
            outputs = tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, D_o + 1))
            self._blocks[D_o] = self._build(outputs)
        return self._blocks[D_o]

    def sample(self, outputs):
        outputs = tuple(outputs)
        block = self.block(len(outputs))
        expr = block.per_sample().xreplace(dict(zip(block.outputs, outputs)))
        return SampleLoss(self.name, outputs, block.targets, expr, "one-hot" if block.one_hot else "values",
                          block.data_targets)

    def recipe(self, D_o=None):
        from symbolic.losses.engine import engine_recipe

        return engine_recipe(self.name, self.block(D_o))


# ----- the first round: their registry expressions (one target's loss, replicated) ----------
def _targets(n: int, prefix: str = "y", **assumptions) -> tuple[sp.Symbol, ...]:
    if n == 1 and prefix == "y":
        return (sp.Symbol("y", **assumptions),)
    return tuple(sp.Symbol(f"{prefix}_{{{j}}}", **assumptions) for j in range(1, n + 1))


def _least_squares(name, outputs):
    y = _targets(len(outputs), real=True)
    return SampleLoss(name, outputs, y, sum(((yj - fj) ** 2 for yj, fj in zip(y, outputs)), sp.S.Zero), "values")


def _normal(name, outputs):
    # (y - f)^2/(2 sigma^2) + log(2 pi sigma^2)/2 with the residual scaled before squaring and
    # log sigma instead of log sigma^2: finite for every sigma where the loss is.
    y = _targets(len(outputs), real=True)
    expr = sum((Square((yj - fj) / sigma) / 2 + sp.log(sigma) + sp.log(2 * sp.pi) / 2 for yj, fj in zip(y, outputs)),
               sp.S.Zero)
    return SampleLoss(name, outputs, y, expr, "values")


def _heteroscedastic(name, outputs):
    n = len(outputs) // 2
    y = _targets(n, real=True)
    mu, log_var = outputs[:n], outputs[n:]
    # the residual over the standard deviation e^{s/2}, squared: e^{-s} alone overflows below s ~ -709
    expr = sum((Square((yj - m) * sp.exp(-s / 2)) / 2 + s / 2 + sp.log(2 * sp.pi) / 2
                for yj, m, s in zip(y, mu, log_var)), sp.S.Zero)
    return SampleLoss(name, outputs, y, expr, "values")


def _bernoulli(name, outputs):
    y = _targets(len(outputs), real=True)
    return SampleLoss(name, outputs, y, sum((Softplus(fj) - yj * fj for yj, fj in zip(y, outputs)), sp.S.Zero),
                      "values")


def _categorical(name, outputs):
    t = tuple(sp.Symbol(f"t_{{{c}}}", real=True) for c in range(len(outputs)))  # one-hot of class y
    expr = LogSumExp(*outputs) - sum((tc * fc for tc, fc in zip(t, outputs)), sp.S.Zero)
    return SampleLoss(name, outputs, t, expr, "one-hot")


def _poisson(name, outputs):
    y = _targets(len(outputs), real=True, nonnegative=True)
    expr = sum((sp.exp(fj) - yj * fj + sp.loggamma(yj + 1) for yj, fj in zip(y, outputs)), sp.S.Zero)
    return SampleLoss(name, outputs, y, expr, "values")


class FirstRound(Engine):
    """A loss of the first round: the engine's recipe of one target (or, for the categorical,
    of all D_o classes) with the lecture's :class:`Lesson`, and the registry expression over
    all D_o outputs (independent targets add their losses)."""

    def __init__(self, name: str, sample: Callable, build: str, default_D_o: int = 1, **recipe_options) -> None:
        super().__init__(name, None, default_D_o)  # type: ignore[arg-type]
        self._sample, self._builder, self._options = sample, build, recipe_options
        self.depends_on_D_o = default_D_o > 1

    def block(self, D_o: int | None = None) -> Block:
        from symbolic import first_round

        D_o = self.default_D_o if D_o is None or not self.depends_on_D_o else D_o
        if D_o not in self._blocks:
            self._blocks[D_o] = getattr(first_round, self._builder)(D_o)
        return self._blocks[D_o]

    def sample(self, outputs):
        return self._sample(self.name, tuple(outputs))

    def recipe(self, D_o=None):
        from symbolic.losses.engine import engine_recipe

        return engine_recipe(self.name, self.block(D_o), **self._options)


# One target's recipe (``whole=False``), added over independent targets by the network's loss.
LEAST_SQUARES = FirstRound("least-squares", _least_squares, "least_squares", whole=False, scaled=True)
NORMAL = FirstRound("normal", _normal, "normal", whole=False)
HETEROSCEDASTIC_NORMAL = FirstRound("heteroscedastic-normal", _heteroscedastic, "heteroscedastic", whole=False,
                                    per_target=2)
BERNOULLI = FirstRound("bernoulli", _bernoulli, "bernoulli", whole=False)
CATEGORICAL = FirstRound("categorical", _categorical, "categorical", default_D_o=3)
POISSON = FirstRound("poisson", _poisson, "poisson", whole=False)


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
    from symbolic.spec.losses import mvn_n

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
def printed_torch_nll(entry, f, y, constants):
    """The per-sample NLL of an entry printed from its SymPy form to torch (cached per D_o)."""
    from symbolic.core.compile import compile_program

    D_o = f.shape[1]
    cache = entry._cache.setdefault("printed", {})
    if D_o not in cache:
        outputs = tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, D_o + 1))
        sample = entry.model().sample(outputs)
        consts = sorted((s for s in sample.expr.free_symbols if s not in set(outputs) | set(sample.targets)),
                        key=lambda s: s.name)
        cache[D_o] = (sample, consts, compile_program(list(outputs) + list(sample.targets) + consts, [],
                                                      [sample.expr], "torch"))
    sample, consts, fn = cache[D_o]
    columns = sample.target_columns(y)
    values = [constants[c.name] for c in consts]
    return fn(*[f[:, j] for j in range(D_o)], *columns, *values)[0]
