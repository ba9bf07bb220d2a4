r"""The six losses of the lecture as engine blocks, with the lecture's words (:class:`Lesson`).

Each builder returns the :class:`symbolic.losses.book.Block` of one target's distribution
(for the categorical: of all D_o classes) in the registry's own symbols, so the engine's
per-sample chain ends at exactly the expression :func:`symbolic.losses.sample.sample_loss`
compiles. The engine (:mod:`symbolic.losses.engine`) builds the four parts and checks every
step, including the normalisation and the mode; the lesson only names the steps and adds
the intermediate ones the lecture shows (the binary cross-entropy before its stable form,
the log-odds, least squares as a rescaled normal NLL).

>>> from symbolic.spec.losses import get_loss
>>> r = get_loss("bernoulli").model().recipe()
>>> r.check()
True
>>> r.parts["distribution and link"].steps[2].check.method
'symbolic (sum over y = 0, 1)'
"""

from __future__ import annotations

import random
from typing import Callable

import sympy as sp

from symbolic.activations.functions import Softplus, sig
from symbolic.losses.block import Block, Lesson, target_symbols
from symbolic.losses.engine import Engine, engine_recipe
from symbolic.losses.functions import Square
from symbolic.losses.recipes import Softmax
from symbolic.losses.sample import LogSumExp, SampleLoss, check_loss_width, sample_loss, sigma
from symbolic.losses.probability import probability
from symbolic.core.printing import latex
from symbolic.core.reason import Fact, Reason, Shown
from symbolic.core.step_check import Cases
from symbolic.spec.losses import get_loss

__all__ = ["normal_pdf", "least_squares", "normal", "heteroscedastic", "bernoulli", "categorical", "poisson"]

_NETWORK = r"$f = f[\mathbf{x}, \boldsymbol\phi]$"


def _in_order(*terms: sp.Expr) -> Shown:
    """A sum printed with its terms in the order given (the book's ``\\mathrm{softplus}[f] - f``)."""
    return Shown(sp.Add(*terms, evaluate=False), {"order": "none"})


def _unit_interval(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.randint(1, 999), 1000)


def normal_pdf(y: sp.Expr, mu: sp.Expr, var: sp.Expr) -> sp.Expr:
    """N(y; mu, var) = exp(-(y - mu)^2 / (2 var)) / sqrt(2 pi var)."""
    return sp.exp(-(y - mu) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def _registry(name: str, outputs) -> sp.Expr:

    return sample_loss(name, list(outputs)).expr


def _normal_block(name: str, stable: sp.Expr, lesson: Lesson, **kw) -> Block:
    f, y, mu = sp.Symbol("f", real=True), sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    return Block(name, "real", (f,), (y,), (mu, sigma), normal_pdf(y, mu, sigma**2), {mu: f}, stable=stable,
                 mode=mu, constants=(sigma,), distribution="normal", lesson=lesson, **kw)


def _normal_lesson(f: sp.Symbol, y: sp.Symbol, mu: sp.Symbol) -> Lesson:
    var = sigma**2
    return Lesson(
        distribution="normal (fixed sigma)",
        idea="a normal distribution with fixed $\\sigma$ whose mean the network predicts",
        rule="the full distribution N(y; f, sigma^2), or its maximum y = mu = f",
        density="the normal distribution with mean $\\mu$ and variance $\\sigma^2$",
        links={mu: "the network predicts the mean, $\\mu = f[\\mathbf{x}, \\boldsymbol\\phi]$; $\\sigma$ is fixed"},
        likelihood_last="logarithm of the density: squared residual and constant",
        total=lambda S, I: (S((y - f) ** 2) / (2 * var) + I * sp.log(2 * sp.pi * var) / 2,
                            Reason("a positive multiple of $@squares$ plus a constant: the minimiser is free of "
                                   "$\\sigma$", squares=S((y - f) ** 2))),
        per_sample=[],
        stable="log of the density: the squared residual in units of $\\sigma$, and $\\log\\sigma$ (never "
               "$\\sigma^2$, which overflows in float64 beyond $\\sigma \\approx 10^{154}$)",
        prediction=[dict(rhs=(f - y) / var, reason="the loss gradient is the residual over $\\sigma^2$: $\\sigma$ "
                         "scales the step, not the minimiser",
                         lhs=sp.Derivative(-sp.log(normal_pdf(y, f, var)), f))])


def normal(D_o: int = 1) -> Block:
    f, y, mu = sp.Symbol("f", real=True), sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    return _normal_block("normal", _registry("normal", [f]), _normal_lesson(f, y, mu))


def least_squares(D_o: int = 1) -> Block:
    f, y, mu = sp.Symbol("f", real=True), sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    var = sigma**2
    lesson = _normal_lesson(f, y, mu)
    lesson.distribution = "normal (least squares)"
    lesson.idea = "a normal distribution whose mean the network predicts; dropping constants gives least squares"
    lesson.rule = "the mean y = f (the maximum of the normal distribution)"
    lesson.titles = {"per-sample loss": "least-squares per-sample loss",
                     "least squares": "least squares is the normal negative log-likelihood, rescaled"}
    # The likelihood part is the normal NLL's (its per-sample terms are not rescaled).
    lesson.likelihood = [(_registry("normal", [f]), lesson.likelihood_last)]
    lesson.scaled = "rescale the normal per-sample loss by $2\\sigma^2$ and drop its constant"
    lesson.scaled_total = "increasing in the normal NLL $L_{\\mathcal{N}}$: the same minimiser for every $\\sigma$"
    lesson.stable = "the squared residual"
    squares = _registry("least-squares", [f])
    lesson.prediction.append(dict(
        rhs=sp.Derivative(squares, f) / (2 * var),
        reason="proportional gradients: the same descent path, the learning rate scaled by $2\\sigma^2$",
        lhs=sp.Derivative(-sp.log(normal_pdf(y, f, var)), f)))
    return _normal_block("least-squares", squares, lesson, scale=(2 * var, var * sp.log(2 * sp.pi * var)))


def heteroscedastic(D_o: int = 2) -> Block:
    f1, f2 = sp.Symbol("f_{1}", real=True), sp.Symbol("f_{2}", real=True)
    y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    pdf = normal_pdf(y, mu, sigma**2)
    linked = normal_pdf(y, f1, sp.exp(f2))
    lesson = Lesson(
        distribution="normal (heteroscedastic)",
        idea="a normal distribution whose mean and log-variance the network predicts",
        rule="the mean y = f_1 with standard deviation exp(f_2 / 2)",
        titles={"likelihood": "heteroscedastic likelihood and negative log-likelihood",
                "per-sample loss": "heteroscedastic per-sample loss", "prediction": "heteroscedastic prediction"},
        density="the normal distribution; now both $\\mu$ and $\\sigma^2$ depend on $\\mathbf{x}$",
        links={mu: "the first output predicts the mean",
               sigma: "the second output is the log-variance, $\\sigma^2 = e^{f_2}$: positive for every output"},
        likelihood_last="log of the density, with $\\log \\exp(f_{i,2}) = f_{i,2}$",
        per_sample=[((y - f1) ** 2 / (2 * sp.exp(f2)) + sp.log(2 * sp.pi * sp.exp(f2)) / 2, "log of the density")],
        stable=Reason("$@log$; the residual times $@scale$, squared ($@alone$ alone overflows for $f_2 < -709$)",
                      log=Fact(sp.log(2 * sp.pi * sp.exp(f2)), _in_order(sp.log(2 * sp.pi), f2)),
                      scale=sp.exp(-f2 / 2), alone=sp.exp(-f2)),
        prediction=[dict(rhs=(f1 - y) * sp.exp(-f2), reason="zero only at $y = f_1$: predict $\\hat{y} = \\mu = f_1$, "
                         "with uncertainty $\\sigma = e^{f_2/2}$", lhs=sp.Derivative(sp.log(linked), y))])
    return Block("heteroscedastic-normal", "real", (f1, f2), (y,), (mu, sigma), pdf, {mu: f1, sigma: sp.exp(f2 / 2)},
                 stable=_registry("heteroscedastic-normal", [f1, f2]), mode=mu, distribution="heteroscedastic normal",
                 lesson=lesson)


#: ``Pr(y = v | lambda)`` of the Bernoulli and the Poisson distribution: the prediction steps'
#: left sides print from them and read back equal to the ratio of the mass functions.
BernoulliPr = probability("BernoulliPr", lambda v, lam: lam**v * (1 - lam) ** (1 - v))
PoissonPr = probability("PoissonPr", lambda v, lam: lam**v * sp.exp(-lam) / sp.factorial(v), event=False)


def bernoulli(D_o: int = 1) -> Block:
    f, y, lam = sp.Symbol("f", real=True), sp.Symbol("y", real=True), sp.Symbol("lambda", positive=True)

    pmf = BernoulliPr.definition
    log_odds = sp.log(BernoulliPr(1, lam) / BernoulliPr(0, lam))  # printed in the book's form, defined by pmf

    cross_entropy = -y * sp.log(sig(f)) - (1 - y) * sp.log(1 - sig(f))
    lesson = Lesson(
        distribution="Bernoulli",
        idea="a Bernoulli distribution whose probability $\\lambda = \\mathrm{sig}[f]$ the network predicts",
        rule="the full distribution (lambda = sig[f]), or its maximum: y = 1 when lambda > 1/2 (f > 0)",
        titles={"per-sample loss": "Bernoulli per-sample loss, stable form"},
        density="the Bernoulli distribution over $y \\in \\{0, 1\\}$",
        cases=(sp.Piecewise((1 - lam, sp.Eq(y, 0)), (lam, sp.Eq(y, 1))), "both cases in one expression"),
        links={lam: f"the sigmoid maps the network output {_NETWORK} into $0 < \\lambda < 1$"},
        link_forms={lam: [(1 / (1 + sp.exp(-f)), "the logistic sigmoid")]},
        insert_links="insert $\\lambda_i = \\mathrm{sig}[f_i]$, $f_i = f[\\mathbf{x}_i, \\boldsymbol\\phi]$",
        likelihood=[(cross_entropy, "logarithms of powers: the binary cross-entropy")],
        likelihood_last="the stable per-sample form derived below",
        per_sample=[(cross_entropy, "the binary cross-entropy"),
                    (y * Softplus(-f) + (1 - y) * Softplus(f),
                     Reason("$@one$, $@zero$", one=Fact(sp.log(sig(f)), -Softplus(-f)),
                            zero=Fact(sp.log(1 - sig(f)), -Softplus(f))))],
        stable=Reason("$@fact$: nothing rounds to 0 (in float64 the naive form's $@naive$ does beyond "
                      "$f \\approx 37$)", fact=Fact(Softplus(-f), _in_order(Softplus(f), -f)), naive=1 - sig(f)),
        prediction=[dict(rhs=sp.log(lam / (1 - lam)), reason="compare the two outcomes: the log-odds",
                         lhs=log_odds, lhs_latex=latex(log_odds, inline=True)),
                    dict(rhs=f, reason="the output is the log-odds: $\\hat{y} = 1$ exactly when $\\lambda > 1/2$, "
                         "i.e. $f > 0$", rename={lam: sig(f)})],
        mode_text="$\\hat{y} = 1$ when $\\lambda > 1/2$, else $0$,",
        domain={lam: _unit_interval})
    return Block("bernoulli", "binary", (f,), (y,), (lam,), pmf(y, lam), {lam: sig(f)},
                 stable=_registry("bernoulli", [f]), mode=sp.Piecewise((1, lam > sp.Rational(1, 2)), (0, True)),
                 distribution="Bernoulli", lesson=lesson)


def categorical(D_o: int = 3) -> Block:

    check_loss_width("categorical", D_o)
    fs = tuple(sp.Symbol(f"f_{{{c}}}", real=True) for c in range(D_o))
    t = tuple(sp.Symbol(f"t_{{{c}}}", real=True) for c in range(D_o))  # one-hot of class y (the registry's)
    y = sp.Symbol("y", integer=True, nonnegative=True)
    lam = tuple(sp.Symbol(f"lambda_{{{k}}}", positive=True) for k in range(D_o))
    c, c2 = sp.Symbol("c", integer=True, nonnegative=True), sp.Symbol("c'", integer=True, nonnegative=True)
    Fc = F = sp.IndexedBase("f", real=True)
    Y = sp.IndexedBase("y", integer=True, nonnegative=True)  # the engine's sample-i class (see _indexed)
    i = sp.Symbol("i", integer=True, positive=True)
    total = sp.Add(*[sp.exp(fc) for fc in fs])
    softmax_c = sp.exp(Fc[c]) / sp.Sum(sp.exp(Fc[c2]), (c2, 0, D_o - 1))
    lesson = Lesson(
        distribution="categorical",
        idea="a categorical distribution whose class probabilities $\\mathrm{softmax}[\\mathbf{f}]$ the network "
             "predicts",
        rule="the full distribution softmax[f], or its maximum y = argmax_c f_c",
        titles={"per-sample loss": "categorical per-sample loss, stable form"},
        density=f"the categorical distribution over classes $y \\in \\{{0, \\dots, {D_o - 1}\\}}$, "
                "$\\lambda_c \\ge 0$, $\\sum_c \\lambda_c = 1$",
        cases=(sp.Piecewise(*[(lam[k], sp.Eq(y, k)) for k in range(D_o)]),
               "with the one-hot encoding $t_c = 1$ if $y = c$, else $0$"),
        links={lk: "the softmax of the outputs $f_c = f_c[\\mathbf{x}, \\boldsymbol\\phi]$: positive" for lk in lam},
        factor=lambda mapping: sp.exp(F[i, Y[i]]) / sp.Sum(sp.exp(F[i, c2]), (c2, 0, D_o - 1)),
        likelihood=[(sp.log(sp.Sum(sp.exp(F[i, c2]), (c2, 0, D_o - 1))) - F[i, Y[i]], "the multiclass cross-entropy"),
                    (LogSumExp(*[F[i, k] for k in range(D_o)]) - F[i, Y[i]], "the stable $\\mathrm{logsumexp}$")],
        likelihood_last="with the one-hot $t_{i,c}$ of $y_i$: $f_{i,y_i} = \\sum_c t_{i,c} f_{i,c}$",
        per_sample=[(-sp.Add(*[t[k] * sp.log(Softmax(k, *fs)) for k in range(D_o)]), "the multiclass cross-entropy"),
                    (-sp.Add(*[t[k] * (fs[k] - LogSumExp(*fs)) for k in range(D_o)]),
                     "$\\log \\mathrm{softmax}_c[\\mathbf{f}] = f_c - \\mathrm{logsumexp}[\\mathbf{f}]$")],
        stable="$\\sum_c t_c = 1$; $\\mathrm{logsumexp}$ is evaluated with the largest $f_c$ subtracted first",
        prediction=[dict(rhs=Fc[c] - sp.log(sp.Sum(sp.exp(Fc[c2]), (c2, 0, D_o - 1))),
                         reason="all $f_c$ shifted alike: $\\hat{y} = \\mathrm{argmax}_c \\lambda_c = "
                         "\\mathrm{argmax}_c f_c$", lhs=sp.log(softmax_c), lhs_latex=r"\log \lambda_c",
                         domain={c: Cases(range(D_o))})],
        target_domain=Cases(range(D_o)))
    density = sp.Mul(*[lam[k] ** t[k] for k in range(D_o)])
    return Block("categorical", "class", fs, t, lam, density, {lam[k]: sp.exp(fs[k]) / total for k in range(D_o)},
                 stable=_registry("categorical", fs), data_targets=1, one_hot=True, indicator=y,
                 distribution="categorical", lesson=lesson)


def poisson(D_o: int = 1) -> Block:
    f, y, lam = sp.Symbol("f", real=True), sp.Symbol("y", real=True, nonnegative=True), sp.Symbol("lambda", positive=True)
    k = sp.Symbol("y", integer=True, nonnegative=True)  # the count as a summation variable

    pmf = PoissonPr.definition
    ratio = PoissonPr(k + 1, lam) / PoissonPr(k, lam)  # printed in the book's form, defined by pmf

    log_factors = sp.exp(f) - y * f + sp.log(sp.factorial(y))
    lesson = Lesson(
        distribution="Poisson",
        idea="a Poisson distribution whose rate $\\lambda = e^{f}$ the network predicts",
        rule="the full distribution (lambda = exp f), or its maximum y = floor(lambda)",
        density="the Poisson distribution over counts $y = 0, 1, 2, \\dots$",
        links={lam: f"the exponential maps the network output {_NETWORK} to a positive rate"},
        likelihood=[(log_factors, "logarithms of the factors")],
        likelihood_last="$\\log y_i! = \\log\\Gamma(y_i + 1)$",
        per_sample=[(log_factors, "logarithms of the factors")],
        stable="$\\log y! = \\log\\Gamma(y + 1)$, which also accepts real $y$",
        prediction=[dict(rhs=lam / (k + 1), reason="rising while $y + 1 < \\lambda$, then falling: the most likely "
                         "count is $\\hat{y} = \\lfloor e^{f}\\rfloor$", lhs=ratio, lhs_latex=latex(ratio)),
                    dict(rhs=lam, reason="the mean count is $\\lambda = e^{f}$",
                         lhs=sp.Sum(k * pmf(k, lam), (k, 0, sp.oo)))],
        mode_text="$\\hat{y} = \\lfloor\\lambda\\rfloor$",
        target_domain={0, 1, 2, 3, 7})
    return Block("poisson", "count", (f,), (y,), (lam,), pmf(y, lam), {lam: sp.exp(f)},
                 stable=_registry("poisson", [f]), mode=sp.floor(lam), distribution="Poisson", lesson=lesson)


# ----- the first round: their registry expressions (one target's loss, replicated) ----------
def _least_squares(name, outputs):
    y = target_symbols(len(outputs), real=True)
    return SampleLoss(name, outputs, y, sum(((yj - fj) ** 2 for yj, fj in zip(y, outputs)), sp.S.Zero), "values")


def _normal(name, outputs):
    # (y - f)^2/(2 sigma^2) + log(2 pi sigma^2)/2 with the residual scaled before squaring and
    # log sigma instead of log sigma^2: finite for every sigma where the loss is.
    y = target_symbols(len(outputs), real=True)
    expr = sum((Square((yj - fj) / sigma) / 2 + sp.log(sigma) + sp.log(2 * sp.pi) / 2 for yj, fj in zip(y, outputs)),
               sp.S.Zero)
    return SampleLoss(name, outputs, y, expr, "values")


def _heteroscedastic(name, outputs):
    n = len(outputs) // 2
    y = target_symbols(n, real=True)
    mu, log_var = outputs[:n], outputs[n:]
    # the residual over the standard deviation e^{s/2}, squared: e^{-s} alone overflows below s ~ -709
    expr = sum((Square((yj - m) * sp.exp(-s / 2)) / 2 + s / 2 + sp.log(2 * sp.pi) / 2
                for yj, m, s in zip(y, mu, log_var)), sp.S.Zero)
    return SampleLoss(name, outputs, y, expr, "values")


def _bernoulli(name, outputs):
    y = target_symbols(len(outputs), real=True)
    return SampleLoss(name, outputs, y, sum((Softplus(fj) - yj * fj for yj, fj in zip(y, outputs)), sp.S.Zero),
                      "values")


def _categorical(name, outputs):
    t = tuple(sp.Symbol(f"t_{{{c}}}", real=True) for c in range(len(outputs)))  # one-hot of class y
    expr = LogSumExp(*outputs) - sum((tc * fc for tc, fc in zip(t, outputs)), sp.S.Zero)
    return SampleLoss(name, outputs, t, expr, "one-hot")


def _poisson(name, outputs):
    y = target_symbols(len(outputs), real=True, nonnegative=True)
    expr = sum((sp.exp(fj) - yj * fj + sp.loggamma(yj + 1) for yj, fj in zip(y, outputs)), sp.S.Zero)
    return SampleLoss(name, outputs, y, expr, "values")


class FirstRound(Engine):
    """A loss of the first round: the engine's recipe of one target (or, for the categorical,
    of all D_o classes) with the lecture's :class:`Lesson`, and the registry expression over
    all D_o outputs (independent targets add their losses)."""

    def __init__(self, name: str, sample: Callable, build: Callable[[int], Block], default_D_o: int = 1,
                 **recipe_options) -> None:
        super().__init__(name, None, default_D_o)  # type: ignore[arg-type]
        self._sample, self._builder, self._options = sample, build, recipe_options
        self.depends_on_D_o = default_D_o > 1

    def block(self, D_o: int | None = None) -> Block:
        D_o = self.default_D_o if D_o is None or not self.depends_on_D_o else D_o
        if D_o not in self._blocks:
            self._blocks[D_o] = self._builder(D_o)
        return self._blocks[D_o]

    def sample(self, outputs):
        return self._sample(self.name, tuple(outputs))

    def recipe(self, D_o=None):
        return engine_recipe(self.name, self.block(D_o), **self._options)


# One target's recipe (``whole=False``), added over independent targets by the network's loss.
LEAST_SQUARES = FirstRound("least-squares", _least_squares, least_squares, whole=False, scaled=True)
NORMAL = FirstRound("normal", _normal, normal, whole=False)
HETEROSCEDASTIC_NORMAL = FirstRound("heteroscedastic-normal", _heteroscedastic, heteroscedastic, whole=False,
                                    per_target=2)
BERNOULLI = FirstRound("bernoulli", _bernoulli, bernoulli, whole=False)
CATEGORICAL = FirstRound("categorical", _categorical, categorical, default_D_o=3)
POISSON = FirstRound("poisson", _poisson, poisson, whole=False)

# The registry's entries (symbolic.spec) name no module above them: the lecture's models are bound here.
for _model in (LEAST_SQUARES, NORMAL, HETEROSCEDASTIC_NORMAL, BERNOULLI, CATEGORICAL, POISSON):
    get_loss(_model.name).bind(symbolic=_model)
del _model
