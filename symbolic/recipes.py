r"""Loss functions from maximum likelihood, derived step by step and checked (lecture recipe).

1. Choose a distribution ``Pr(y | theta)`` over the output space;
2. let the network predict its parameters, ``theta = link[f[x, phi]]``;
3. minimise the negative log-likelihood of the training data,
   ``L[phi] = -log prod_i Pr(y_i | f[x_i, phi]) = sum_i l_i``.

Each :class:`Recipe` holds four derivations: the distribution and its link, the
likelihood and its negative logarithm over I samples, the per-sample loss ``l_i`` down to
its numerically stable form, and the prediction rule. The per-sample chain ends at
*exactly* the registry expression :func:`symbolic.losses.sample_loss` that compilation
uses, so the derivation and the compiled loss cannot drift apart.

>>> r = recipe("bernoulli")
>>> r.check()
True
>>> print(latex(r.per_sample_loss))
- f y + \mathrm{softplus}\left[f\right]
>>> r.pmf.subs(r.parameters[0], sp.Rational(1, 5)).subs(r.target, 0)
4/5
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Iterator

import sympy as sp

from .activations import Softplus, sig
from .derivation import Cases, Derivation
from .likelihood import LOSSES, Likelihood, get_loss
from .losses import LogSumExp, SampleLoss, check_loss_width, network_loss, sample_loss, sigma
from .networks import DeepNetwork
from .printing import latex  # noqa: F401  (used by the doctests)
from .spec import NetworkSpec

__all__ = ["Recipe", "Softmax", "recipe", "checked_recipe", "network_loss_derivation", "derive_loss", "LossDerivation"]

#: Sample index i = 1..I and the number of samples I.
i = sp.Symbol("i", integer=True, positive=True)
I = sp.Symbol("I", integer=True, positive=True)  # noqa: E741 - the lecture's symbol
_L = sp.Symbol("L")  # the total loss L[phi]
_P = sp.Symbol("P")  # the likelihood of the training data
_l = sp.Symbol("l_i")  # the per-sample loss

L_LATEX = r"L[\boldsymbol\phi]"
P_LATEX = r"Pr(y_1, \dots, y_I \mid \mathbf{x}_1, \dots, \mathbf{x}_I)"


class Softmax(sp.Function):
    r"""``softmax_c[f_0, ..., f_{D-1}] = exp(f_c) / sum_{c'} exp(f_{c'})``, class c = 0..D-1.

    With a symbolic class index ``c`` its definition is the case distinction over classes.

    >>> f = sp.symbols("f_0 f_1", real=True)
    >>> print(latex(Softmax(0, *f)))
    \mathrm{softmax}_{0}\left[f_{0}, f_{1}\right]
    >>> print(Softmax.definition(0, *f))
    exp(f_0)/(exp(f_0) + exp(f_1))
    """

    @classmethod
    def definition(cls, c, *f):
        c = sp.sympify(c)
        total = sp.Add(*[sp.exp(fc) for fc in f])
        if c.is_Integer:
            return sp.exp(f[int(c)]) / total
        return sp.Piecewise(*[(sp.exp(fc) / total, sp.Eq(c, k)) for k, fc in enumerate(f)])

    def _latex(self, printer):
        c, *f = self.args
        args = ", ".join(printer._print(a) for a in f)
        return rf"\mathrm{{softmax}}_{{{printer._print(c)}}}\left[{args}\right]"

    def _eval_evalf(self, prec):
        if all(a.is_number for a in self.args):
            return self.definition(*self.args)._eval_evalf(prec)
        return None


@dataclass
class Recipe:
    """The maximum-likelihood recipe of one loss: distribution, link, NLL, stable form, prediction.

    ``parts`` are the checked derivations in the lecture's order; ``pmf`` is ``Pr(y | theta)``
    in the distribution's ``parameters``; ``link`` maps them to the network outputs;
    ``sample`` is the registry entry the per-sample chain ends at.
    """

    name: str
    distribution: str
    idea: str
    prediction_rule: str
    pmf: sp.Expr
    target: sp.Symbol
    parameters: tuple[sp.Symbol, ...]
    link: dict[sp.Expr, sp.Expr]
    sample: SampleLoss
    parts: dict[str, Derivation] = field(default_factory=dict)
    #: How the network's D_o outputs use the recipe: ``per_target`` outputs for each of D_o /
    #: per_target independent targets (``whole``: the recipe is for all D_o outputs at once);
    #: ``scaled``: the recipe's loss is a rescaled NLL (least squares), not a log-probability.
    per_target: int = 1
    whole: bool = False
    scaled: bool = False
    target_domain: Any = None  # sample values for the network derivation's targets

    def __post_init__(self) -> None:
        for d in self.parts.values():
            d.layout = "block"

    @property
    def outputs(self) -> tuple[sp.Symbol, ...]:
        """The per-sample network outputs the loss is written in (f, or f_1, f_2, or f_0..)."""
        return self.sample.outputs

    @property
    def per_sample_loss(self) -> sp.Expr:
        """The last right-hand side of the per-sample chain: the registry's stable l_i."""
        return self.parts["per-sample loss"].steps[-1].rhs

    def derivations(self) -> Iterator[Derivation]:
        return iter(self.parts.values())

    def check(self) -> bool:
        """Check every step of every part (a failing part never stops the others); True when all pass."""
        results = [d.check().passed for d in self.parts.values()]
        return all(results)

    @property
    def passed(self) -> bool:
        return all(d.passed for d in self.parts.values())

    def records(self) -> list[dict[str, Any]]:
        return [r for d in self.parts.values() for r in d.records()]

    def methods(self) -> dict[str, int]:
        """How many steps were checked by each method (definitions included)."""
        counts: dict[str, int] = {}
        for d in self.parts.values():
            for s in d.steps:
                key = "unchecked" if s.check is None else s.check.method.split(" (")[0]
                counts[key] = counts.get(key, 0) + 1
        return counts

    def to_latex(self) -> str:
        blocks = [f"% {self.name}: {self.idea}"]
        for title, d in self.parts.items():
            blocks.append(f"% {title}\n{d.to_latex()}")
        blocks.append(f"% prediction: {self.prediction_rule}")
        return "\n".join(blocks)

    def to_text(self) -> str:
        lines = [f"loss {self.name}: {self.idea}"]
        lines += [d.to_text() for d in self.parts.values()]
        lines.append(f"prediction: {self.prediction_rule}")
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + "\\\\".join(d.to_latex("aligned") for d in self.parts.values()) + "$"


# ----- shared pieces ---------------------------------------------------------------------
def _unit_interval(rng) -> sp.Rational:
    return sp.Rational(rng.randint(1, 999), 1000)


def _normal_pdf(y: sp.Expr, mu: sp.Expr, var: sp.Expr) -> sp.Expr:
    """N(y; mu, var) = exp(-(y - mu)^2 / (2 var)) / sqrt(2 pi var)."""
    return sp.exp(-(y - mu) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def _likelihood(title: str, factor: sp.Expr, linked: sp.Expr, rename: dict, steps: list[tuple[sp.Expr, str]],
                domain: dict, link_reason: str, total: tuple[sp.Expr, str] | None = None) -> Derivation:
    """P = prod_i factor_i (parameters), insert the link, L = -log P, then sums of the ``steps``'
    summands, and a last ``total`` expression."""
    d = Derivation(title, domain=dict(domain))
    d.definitions = {_P: sp.Product(linked, (i, 1, I))}
    d.add(sp.Product(factor, (i, 1, I)), "the samples are independent, each with its own parameters",
          lhs=_P, check=False, lhs_latex=P_LATEX)
    if rename:
        d.add(sp.Product(linked, (i, 1, I)), link_reason, rename=rename)
    d.add(-sp.log(_P), "negative log-likelihood: a sum is easier than a product, and we minimise",
          lhs=_L, check=False, lhs_latex=L_LATEX, rhs_latex=r"-\log " + P_LATEX)
    d.add(sp.Sum(-sp.log(linked), (i, 1, I)), "the logarithm of a product is the sum of the logarithms")
    for summand, reason in steps:
        d.add(sp.Sum(summand, (i, 1, I)), reason)
    if total is not None:
        d.add(*total)
    return d


def _indexed(sample: SampleLoss, mapping: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    """The registry's per-sample loss for sample i (its symbols replaced by indexed ones)."""
    return sample.expr.xreplace(mapping)


# ----- the recipes -----------------------------------------------------------------------
def _normal_parts(name: str) -> tuple[dict[str, Derivation], dict]:
    f = sp.Symbol("f", real=True)
    sample = sample_loss("normal", [f])  # least squares starts from the normal NLL too
    y = sample.targets[0]
    mu = sp.Symbol("mu", real=True)
    Y, F = sp.IndexedBase("y", real=True), sp.IndexedBase("f", real=True)
    var = sigma**2
    pdf = _normal_pdf(y, mu, var)

    dist = Derivation("normal distribution and its link")
    dist.add(pdf, "the normal distribution with mean $\\mu$ and variance $\\sigma^2$", lhs=sp.Symbol("Pr"),
             check=False, lhs_latex=r"Pr(y \mid \mu, \sigma^2)")
    dist.add(sp.S.One, "a probability density: it integrates to one", lhs=sp.Integral(pdf, (y, -sp.oo, sp.oo)))
    dist.add(f, "the network predicts the mean, $\\mu = f[\\mathbf{x}, \\boldsymbol\\phi]$; $\\sigma$ is fixed",
             lhs=mu, check=False)

    registry_i = _indexed(sample, {y: Y[i], f: F[i]})
    lik = _likelihood("normal likelihood and negative log-likelihood", _normal_pdf(Y[i], F[i], var),
                      _normal_pdf(Y[i], F[i], var), {}, [
                          (registry_i, "logarithm of the density: squared residual and constant"),
                      ], {}, "", total=(
                          sp.Sum((Y[i] - F[i]) ** 2, (i, 1, I)) / (2 * var) + I * sp.log(2 * sp.pi * var) / 2,
                          "a positive multiple of $\\sum_i (y_i - f_i)^2$ plus a constant: "
                          "the minimiser is free of $\\sigma$"))
    per = Derivation("normal per-sample loss")
    per.add(-sp.log(pdf.subs(mu, f)), "one sample's term, index $i$ dropped", lhs=_l, check=False, lhs_latex=r"\ell_i")
    per.add(sample.expr,
            "log of the density: a squared residual and a constant")

    pred = Derivation("normal prediction")
    pred.add((mu - y) / var,
             "zero only at $y = \\mu$, then negative: predict $\\hat{y} = \\mu = f[\\mathbf{x}, \\boldsymbol\\phi]$",
             lhs=sp.Derivative(sp.log(pdf), y))
    pred.add((f - y) / var, "the loss gradient is the residual over $\\sigma^2$: $\\sigma$ scales the step, "
             "not the minimiser", lhs=sp.Derivative(-sp.log(pdf.subs(mu, f)), f))
    parts = {"distribution and link": dist, "likelihood": lik, "per-sample loss": per, "prediction": pred}
    info = dict(f=f, y=y, mu=mu, pdf=pdf, sample=sample, Y=Y, F=F)
    return parts, info


def _normal() -> Recipe:
    parts, v = _normal_parts("normal")
    return Recipe("normal", "normal (fixed sigma)",
                  "a normal distribution with fixed $\\sigma$ whose mean the network predicts",
                  "the full distribution N(y; f, sigma^2), or its maximum y = mu = f",
                  v["pdf"], v["y"], (v["mu"], sigma), {v["mu"]: v["f"]}, v["sample"], parts)


def _least_squares() -> Recipe:
    parts, v = _normal_parts("least-squares")
    f, y, pdf = v["f"], v["y"], v["pdf"]
    sample = sample_loss("least-squares", [f])
    Y, F = v["Y"], v["F"]
    L_normal = sp.Symbol(r"L_{\mathcal{N}}")
    ls = Derivation("least squares is the normal negative log-likelihood, rescaled")
    ls.definitions = {L_normal: -sp.log(sp.Product(_normal_pdf(Y[i], F[i], sigma**2), (i, 1, I)))}
    ls.add(sp.Sum(_indexed(sample, {y: Y[i], f: F[i]}), (i, 1, I)), "least squares: the sum of squared residuals",
           lhs=_L, check=False, lhs_latex=L_LATEX)
    ls.add(2 * sigma**2 * L_normal - I * sigma**2 * sp.log(2 * sp.pi * sigma**2),
           "increasing in the normal NLL $L_{\\mathcal{N}}$: the same minimiser for every $\\sigma$")
    per = Derivation("least-squares per-sample loss")
    per.add(2 * sigma**2 * (-sp.log(pdf.subs(v["mu"], f))) - sigma**2 * sp.log(2 * sp.pi * sigma**2),
            "rescale the normal per-sample loss by $2\\sigma^2$ and drop its constant", lhs=_l, check=False,
            lhs_latex=r"\ell_i")
    per.add(sample.expr, "the squared residual")
    grad = parts["prediction"]
    grad.add(sp.Derivative(sample.expr, f) / (2 * sigma**2),
             "proportional gradients: the same descent path, the learning rate scaled by $2\\sigma^2$",
             lhs=sp.Derivative(-sp.log(pdf.subs(v["mu"], f)), f))
    new_parts = {"distribution and link": parts["distribution and link"], "likelihood": parts["likelihood"],
                 "least squares": ls, "per-sample loss": per, "prediction": grad}
    return Recipe("least-squares", "normal (least squares)",
                  "a normal distribution whose mean the network predicts; dropping constants gives least squares",
                  "the mean y = f (the maximum of the normal distribution)",
                  pdf, y, (v["mu"], sigma), {v["mu"]: f}, sample, new_parts, scaled=True)


def _heteroscedastic() -> Recipe:
    f1, f2 = sp.Symbol("f_{1}", real=True), sp.Symbol("f_{2}", real=True)
    sample = sample_loss("heteroscedastic-normal", [f1, f2])
    y = sample.targets[0]
    mu = sp.Symbol("mu", real=True)
    var = sigma**2
    pdf = _normal_pdf(y, mu, var)
    Y, F = sp.IndexedBase("y", real=True), sp.IndexedBase("f", real=True)

    dist = Derivation("heteroscedastic normal distribution and its link")
    dist.add(f1, "the first output predicts the mean", lhs=mu, check=False)
    dist.add(sp.exp(f2), "the second output is the log-variance, so $\\sigma^2 > 0$ for every output",
             lhs=var, check=False)
    dist.add(sp.exp(f2 / 2), "the standard deviation $\\sigma = \\sqrt{e^{f_2}}$", lhs=sigma, check=False)
    dist.add(pdf, "the normal distribution; now both $\\mu$ and $\\sigma^2$ depend on $\\mathbf{x}$",
             lhs=sp.Symbol("Pr"), check=False, lhs_latex=r"Pr(y \mid \mu, \sigma^2)")
    dist.add(_normal_pdf(y, f1, sp.exp(f2)), "insert the links $\\mu = f_1$, $\\sigma = e^{f_2/2}$",
             rename={mu: f1, sigma: sp.exp(f2 / 2)})

    linked_i = _normal_pdf(Y[i], F[i, 1], sp.exp(F[i, 2]))
    lik = _likelihood("heteroscedastic likelihood and negative log-likelihood", linked_i, linked_i, {}, [
        (_indexed(sample, {y: Y[i], f1: F[i, 1], f2: F[i, 2]}),
         "log of the density, with $\\log \\exp(f_{i,2}) = f_{i,2}$"),
    ], {}, "")
    per = Derivation("heteroscedastic per-sample loss")
    per.add(-sp.log(_normal_pdf(y, f1, sp.exp(f2))), "one sample's term, index $i$ dropped", lhs=_l,
            check=False, lhs_latex=r"\ell_i")
    per.add((y - f1) ** 2 / (2 * sp.exp(f2)) + sp.log(2 * sp.pi * sp.exp(f2)) / 2, "log of the density")
    per.add(sample.expr, "$\\log(2\\pi e^{f_2}) = \\log 2\\pi + f_2$; multiply by $e^{-f_2}$ instead of "
            "dividing by $e^{f_2}$")
    pred = Derivation("heteroscedastic prediction")
    pred.add((f1 - y) * sp.exp(-f2), "zero only at $y = f_1$: predict $\\hat{y} = \\mu = f_1$, with "
             "uncertainty $\\sigma = e^{f_2/2}$", lhs=sp.Derivative(sp.log(_normal_pdf(y, f1, sp.exp(f2))), y))
    parts = {"distribution and link": dist, "likelihood": lik, "per-sample loss": per, "prediction": pred}
    return Recipe("heteroscedastic-normal", "normal (heteroscedastic)",
                  "a normal distribution whose mean and log-variance the network predicts",
                  "the mean y = f_1 with standard deviation exp(f_2 / 2)",
                  pdf, y, (mu, sigma), {mu: f1, sigma: sp.exp(f2 / 2)}, sample, parts, per_target=2)


def _bernoulli() -> Recipe:
    f = sp.Symbol("f", real=True)
    sample = sample_loss("bernoulli", [f])
    y = sample.targets[0]
    lam = sp.Symbol("lambda", positive=True)
    Y, F, Lam = sp.IndexedBase("y", real=True), sp.IndexedBase("f", real=True), sp.IndexedBase("lambda", positive=True)

    def pmf(y, lam):
        return lam**y * (1 - lam) ** (1 - y)

    support = Cases({0, 1})
    dist = Derivation("Bernoulli distribution and its link", domain={y: support, lam: _unit_interval})
    dist.add(sp.Piecewise((1 - lam, sp.Eq(y, 0)), (lam, sp.Eq(y, 1))),
             "the Bernoulli distribution over $y \\in \\{0, 1\\}$", lhs=sp.Symbol("Pr"), check=False,
             lhs_latex=r"Pr(y \mid \lambda)")
    dist.add(pmf(y, lam), "both cases in one expression")
    dist.add(sig(f), "the sigmoid maps the network output $f = f[\\mathbf{x}, \\boldsymbol\\phi]$ into "
             "$0 < \\lambda < 1$", lhs=lam, check=False)
    dist.add(1 / (1 + sp.exp(-f)), "the logistic sigmoid")

    lik = _likelihood("Bernoulli likelihood and negative log-likelihood", pmf(Y[i], Lam[i]), pmf(Y[i], sig(F[i])),
                      {Lam[i]: sig(F[i])}, [
                          (-Y[i] * sp.log(sig(F[i])) - (1 - Y[i]) * sp.log(1 - sig(F[i])),
                           "logarithms of powers: the binary cross-entropy"),
                          (_indexed(sample, {y: Y[i], f: F[i]}), "the stable per-sample form derived below"),
                      ], {Y: support},
                      "insert $\\lambda_i = \\mathrm{sig}[f_i]$, $f_i = f[\\mathbf{x}_i, \\boldsymbol\\phi]$")

    per = Derivation("Bernoulli per-sample loss, stable form", domain={y: support})
    per.add(-sp.log(pmf(y, sig(f))), "one sample's term, index $i$ dropped", lhs=_l, check=False, lhs_latex=r"\ell_i")
    per.add(-y * sp.log(sig(f)) - (1 - y) * sp.log(1 - sig(f)), "the binary cross-entropy")
    per.add(y * Softplus(-f) + (1 - y) * Softplus(f),
            "$\\log \\mathrm{sig}[f] = -\\mathrm{softplus}[-f]$, "
            "$\\log(1 - \\mathrm{sig}[f]) = -\\mathrm{softplus}[f]$")
    per.add(sample.expr, "$\\mathrm{softplus}[-f] = \\mathrm{softplus}[f] - f$: nothing rounds to 0 (in float64 the "
            "naive form's $1 - \\mathrm{sig}[f]$ does beyond $f \\approx 37$)")

    pred = Derivation("Bernoulli prediction", domain={lam: _unit_interval})
    pred.add(sp.log(lam / (1 - lam)), "compare the two outcomes: the log-odds",
             lhs=sp.log(pmf(1, lam) / pmf(0, lam)),
             lhs_latex=r"\log\frac{Pr(y = 1 \mid \lambda)}{Pr(y = 0 \mid \lambda)}")
    pred.add(f, "the output is the log-odds: $\\hat{y} = 1$ exactly when $\\lambda > 1/2$, i.e. $f > 0$",
             rename={lam: sig(f)})
    parts = {"distribution and link": dist, "likelihood": lik, "per-sample loss": per, "prediction": pred}
    return Recipe("bernoulli", "Bernoulli", "a Bernoulli distribution whose probability $\\lambda = "
                  "\\mathrm{sig}[f]$ the network predicts", "the full distribution (lambda = sig[f]), or its "
                  "maximum: y = 1 when lambda > 1/2 (f > 0)",
                  pmf(y, lam), y, (lam,), {lam: sig(f)}, sample, parts)


def _categorical(D_o: int = 3) -> Recipe:
    check_loss_width("categorical", D_o)
    fs = [sp.Symbol(f"f_{{{c}}}", real=True) for c in range(D_o)]
    sample = sample_loss("categorical", fs)
    t = sample.targets
    y = sp.Symbol("y", integer=True, nonnegative=True)
    c, c2 = sp.Symbol("c", integer=True, nonnegative=True), sp.Symbol("c'", integer=True, nonnegative=True)
    lam = [sp.Symbol(f"lambda_{{{k}}}", positive=True) for k in range(D_o)]
    Y = sp.IndexedBase("y", integer=True, nonnegative=True)
    F, Fc, T = sp.IndexedBase("f", real=True), sp.IndexedBase("f", real=True), sp.IndexedBase("t", real=True)
    support = Cases(range(D_o))
    onehot = {tc: sp.KroneckerDelta(y, k) for k, tc in enumerate(t)}

    dist = Derivation("categorical distribution and its link", domain={y: support})
    dist.definitions = dict(onehot)
    dist.add(sp.Piecewise(*[(lam[k], sp.Eq(y, k)) for k in range(D_o)]),
             f"the categorical distribution over classes $y \\in \\{{0, \\dots, {D_o - 1}\\}}$, "
             "$\\lambda_c \\ge 0$, $\\sum_c \\lambda_c = 1$", lhs=sp.Symbol("Pr"), check=False,
             lhs_latex=r"Pr(y \mid \boldsymbol\lambda)")
    dist.add(sp.Mul(*[lam[k] ** t[k] for k in range(D_o)]),
             "with the one-hot encoding $t_c = 1$ if $y = c$, else $0$")
    softmax_c = sp.exp(Fc[c]) / sp.Sum(sp.exp(Fc[c2]), (c2, 0, D_o - 1))
    dist.add(softmax_c, "the softmax of the outputs $f_c = f_c[\\mathbf{x}, \\boldsymbol\\phi]$ is positive",
             lhs=sp.IndexedBase("lambda")[c], check=False)
    dist.add(sp.S.One, "and sums to one over the classes", lhs=sp.Sum(softmax_c, (c, 0, D_o - 1)))

    lse_i = LogSumExp(*[F[i, k] for k in range(D_o)])
    softmax_iy = sp.exp(F[i, Y[i]]) / sp.Sum(sp.exp(F[i, c2]), (c2, 0, D_o - 1))
    lik = _likelihood("categorical likelihood and negative log-likelihood", softmax_iy, softmax_iy, {}, [
        (sp.log(sp.Sum(sp.exp(F[i, c2]), (c2, 0, D_o - 1))) - F[i, Y[i]], "the multiclass cross-entropy"),
        (lse_i - F[i, Y[i]], "the stable $\\mathrm{logsumexp}$"),
        (_indexed(sample, {**{fs[k]: F[i, k] for k in range(D_o)}, **{t[k]: T[i, k] for k in range(D_o)}}),
         "with the one-hot $t_{i,c}$ of $y_i$: $f_{i,y_i} = \\sum_c t_{i,c} f_{i,c}$"),
    ], {Y: support}, "")
    lik.definitions.update({T[i, k]: sp.KroneckerDelta(Y[i], k) for k in range(D_o)})

    per = Derivation("categorical per-sample loss, stable form", domain={y: support})
    per.definitions = dict(onehot)
    per.add(-sp.log(Softmax(y, *fs)), "one sample's term, index $i$ dropped", lhs=_l, check=False, lhs_latex=r"\ell_i")
    per.add(-sp.Add(*[t[k] * sp.log(Softmax(k, *fs)) for k in range(D_o)]), "the multiclass cross-entropy")
    per.add(-sp.Add(*[t[k] * (fs[k] - LogSumExp(*fs)) for k in range(D_o)]),
            "$\\log \\mathrm{softmax}_c[\\mathbf{f}] = f_c - \\mathrm{logsumexp}[\\mathbf{f}]$")
    per.add(sample.expr, "$\\sum_c t_c = 1$; $\\mathrm{logsumexp}$ is evaluated with the largest $f_c$ subtracted first")

    pred = Derivation("categorical prediction", domain={c: Cases(range(D_o))})
    pred.add(Fc[c] - sp.log(sp.Sum(sp.exp(Fc[c2]), (c2, 0, D_o - 1))),
             "all $f_c$ shifted alike: $\\hat{y} = \\mathrm{argmax}_c \\lambda_c = \\mathrm{argmax}_c f_c$",
             lhs=sp.log(softmax_c), lhs_latex=r"\log \lambda_c")
    parts = {"distribution and link": dist, "likelihood": lik, "per-sample loss": per, "prediction": pred}
    pmf = sp.Piecewise(*[(lam[k], sp.Eq(y, k)) for k in range(D_o)])
    return Recipe("categorical", "categorical", "a categorical distribution whose class probabilities "
                  "$\\mathrm{softmax}[\\mathbf{f}]$ the network predicts",
                  "the full distribution softmax[f], or its maximum y = argmax_c f_c",
                  pmf, y, tuple(lam), {lam[k]: Softmax(k, *fs) for k in range(D_o)}, sample, parts, whole=True,
                  target_domain=Cases(range(D_o)))


def _poisson() -> Recipe:
    f = sp.Symbol("f", real=True)
    sample = sample_loss("poisson", [f])
    y = sample.targets[0]
    k = sp.Symbol("y", integer=True, nonnegative=True)  # the count as a summation variable
    lam = sp.Symbol("lambda", positive=True)
    Y, F = sp.IndexedBase("y", integer=True, nonnegative=True), sp.IndexedBase("f", real=True)
    counts = {0, 1, 2, 3, 5, 8, 13}

    def pmf(y, lam):
        return lam**y * sp.exp(-lam) / sp.factorial(y)

    dist = Derivation("Poisson distribution and its link", domain={y: counts})
    dist.add(pmf(y, lam), "the Poisson distribution over counts $y = 0, 1, 2, \\dots$", lhs=sp.Symbol("Pr"),
             check=False, lhs_latex=r"Pr(y \mid \lambda)")
    dist.add(sp.S.One, "a distribution: the probabilities sum to one", lhs=sp.Sum(pmf(k, lam), (k, 0, sp.oo)))
    dist.add(sp.exp(f), "the exponential maps the network output $f = f[\\mathbf{x}, \\boldsymbol\\phi]$ to a "
             "positive rate", lhs=lam, check=False)

    lik = _likelihood("Poisson likelihood and negative log-likelihood", pmf(Y[i], sp.exp(F[i])),
                      pmf(Y[i], sp.exp(F[i])), {}, [
                          (sp.exp(F[i]) - Y[i] * F[i] + sp.log(sp.factorial(Y[i])), "logarithms of the factors"),
                          (_indexed(sample, {y: Y[i], f: F[i]}), "$\\log y_i! = \\log\\Gamma(y_i + 1)$"),
                      ], {Y: counts}, "")
    per = Derivation("Poisson per-sample loss", domain={y: counts})
    per.add(-sp.log(pmf(y, sp.exp(f))), "one sample's term, index $i$ dropped", lhs=_l, check=False, lhs_latex=r"\ell_i")
    per.add(sp.exp(f) - y * f + sp.log(sp.factorial(y)), "logarithms of the factors")
    per.add(sample.expr, "$\\log y! = \\log\\Gamma(y + 1)$, which also accepts real $y$")

    pred = Derivation("Poisson prediction")
    pred.add(lam / (k + 1), "rising while $y + 1 < \\lambda$, then falling: the most likely count is "
             "$\\hat{y} = \\lfloor e^{f}\\rfloor$",
             lhs=pmf(k + 1, lam) / pmf(k, lam),
             lhs_latex=r"\frac{Pr(y + 1 \mid \lambda)}{Pr(y \mid \lambda)}")
    pred.add(lam, "the mean count is $\\lambda = e^{f}$", lhs=sp.Sum(k * pmf(k, lam), (k, 0, sp.oo)))
    parts = {"distribution and link": dist, "likelihood": lik, "per-sample loss": per, "prediction": pred}
    return Recipe("poisson", "Poisson", "a Poisson distribution whose rate $\\lambda = e^{f}$ the network predicts",
                  "the full distribution (lambda = exp f), or its maximum y = floor(lambda)",
                  pmf(y, lam), y, (lam,), {lam: sp.exp(f)}, sample, parts, target_domain={0, 1, 2, 3, 7})


def recipe(loss: "str | Likelihood", D_o: int | None = None) -> Recipe:
    r"""The maximum-likelihood recipe of a loss, ``l_i = -log Pr(y_i | f[x_i, phi])`` (unchecked).

    ``loss`` is a registered name or a :class:`symbolic.likelihood.Likelihood`. ``D_o`` is the
    number of outputs for the losses whose distribution depends on it (classes of
    ``categorical``, components of ``gaussian-mixture``, ...); the others are derived for one
    target (and its one or two outputs).

    >>> r = recipe("poisson")
    >>> print(latex(r.pmf))
    \frac{\lambda^{y} e^{- \lambda}}{y!}
    >>> print(latex(r.link[r.parameters[0]]))
    e^{f}
    """
    entry = get_loss(loss)
    model = entry.model()
    if D_o is not None:
        entry.n_targets(D_o)
    return model.recipe(D_o)


@functools.lru_cache(maxsize=None)
def checked_recipe(loss: "str | Likelihood", D_o: int | None = None) -> Recipe:
    """:func:`recipe`, with every step checked (cached: building and checking takes a second)."""
    r = recipe(loss, D_o)
    r.check()
    return r


def network_loss_derivation(spec: NetworkSpec | DeepNetwork, loss: "str | Likelihood") -> Derivation:
    r"""The network's loss, ``L[phi] = sum_i l_i``, with ``l_i`` on the outputs f_{K,j} of a spec.

    Independent targets multiply their probabilities, so ``l_i`` adds the recipe's
    per-target loss over the targets; the last step is the registry expression that
    :class:`symbolic.losses.NetworkLoss` compiles.

    >>> d = network_loss_derivation(NetworkSpec((2, 3, 1), "relu"), "poisson")
    >>> d.check().passed
    True
    >>> print(latex(d.steps[-1].rhs))
    - f_{1,1} y + e^{f_{1,1}} + \operatorname{loggamma}{\left(y + 1 \right)}
    """
    entry = get_loss(loss)
    nl = network_loss(spec, entry)
    outputs = list(nl.net.outputs)
    D_o = len(outputs)
    r = recipe(entry, D_o)
    registry = nl.sample
    d = Derivation(f"the {entry.name} loss of the {nl.net.spec.describe()} network", layout="block")
    d.add(sp.Sum(sp.IndexedBase("l")[i], (i, 1, I)), "the total loss adds the per-sample losses",
          lhs=_L, check=False, lhs_latex=L_LATEX)
    if r.whole:  # the recipe is the distribution of all D_o outputs at once
        rename = dict(zip(r.outputs, outputs))
        if isinstance(r.target_domain, dict):
            d.domain = dict(r.target_domain)
        elif r.target_domain is not None:
            d.domain = {r.target: r.target_domain}
        if r.sample.target_encoding == "one-hot" and r.target is not None and not r.sample.data_targets:
            d.definitions = {t: sp.KroneckerDelta(r.target, k) for k, t in enumerate(registry.targets)}
        linked = r.pmf.xreplace({p: e.xreplace(rename) for p, e in r.link.items()})
        d.add(-sp.log(linked), "the distribution's parameters are the links of the outputs $f_{K,j}$",
              lhs=_l, check=False, lhs_latex=r"\ell_i")
        d.add(r.per_sample_loss.xreplace(rename), "the recipe's stable form")
        return d
    n = D_o // r.per_target
    groups = [outputs[j::n] for j in range(n)]  # outputs of target j: (f_j) or (mu_j, s_j)
    renames = [{r.target: registry.targets[j], **dict(zip(r.outputs, groups[j]))} for j in range(n)]
    if not r.scaled:
        parameters_of = [{p: e.xreplace(renames[j]) for p, e in r.link.items()} for j in range(n)]
        log_probabilities = [-sp.log(r.pmf.xreplace({r.target: registry.targets[j]}).xreplace(parameters_of[j]))
                             for j in range(n)]
        d.add(sp.Add(*log_probabilities), "independent targets: their negative log-probabilities add",
              lhs=_l, check=False, lhs_latex=r"\ell_i")
        if r.target_domain is not None:
            d.domain = {t: r.target_domain for t in registry.targets}
        added = sp.Add(*[r.per_sample_loss.xreplace(renames[j]) for j in range(n)])
        if added == registry.expr:  # one target: the recipe's loss already is the compiled one
            d.add(registry.expr, "the recipe's per-sample loss: the expression that is compiled")
        else:
            d.add(added, "the recipe's per-target loss, added over the targets")
            d.add(registry.expr, "the per-sample loss that is compiled, in the outputs $f_{K,j}$")
    else:
        d.add(sp.Add(*[r.per_sample_loss.xreplace(renames[j]) for j in range(n)]),
              "the recipe's per-target loss, added over the targets", lhs=_l, check=False, lhs_latex=r"\ell_i")
        d.add(registry.expr, "the per-sample loss that is compiled, in the outputs $f_{K,j}$")
    return d


@dataclass
class LossDerivation:
    """Everything ``deepderive derive --loss`` prints: the recipe and the network's loss, checked."""

    recipe: Recipe
    network: Derivation
    loss: Any  # symbolic.losses.NetworkLoss

    @property
    def passed(self) -> bool:
        return self.recipe.passed and self.network.passed

    def summary(self) -> str:
        steps = [s for d in [*self.recipe.derivations(), self.network] for s in d.steps]
        count = {"definition": 0, "symbolic": 0, "numeric": 0}
        for s in steps:
            method = "unchecked" if s.check is None else s.check.method.split(" ")[0]
            count[method] = count.get(method, 0) + 1
        failed = sum(1 for s in steps if s.check is None or not s.check.passed)
        return (f"{len(steps)} steps: {count['symbolic']} proven symbolically, {count['numeric']} checked "
                f"numerically (mpmath, 50 digits), {count['definition']} definitions; "
                + ("all checks passed" if not failed else f"{failed} CHECKS FAILED"))

    def to_latex(self) -> str:
        head = f"% loss {self.loss.name}, from maximum likelihood: {self.summary()}"
        return "\n".join([head, self.recipe.to_latex(), "% the network's loss", self.network.to_latex()])

    def to_text(self) -> str:
        return "\n".join([f"loss {self.loss.name}: {self.summary()}", self.recipe.to_text(), self.network.to_text()])

    def as_json(self) -> dict[str, Any]:
        """DESIGN.md ``derive --format json`` fields: ``targets`` and ``loss`` (``srepr``)."""
        return {"targets": [t.name for t in self.loss.sample.targets], "loss": sp.srepr(self.loss.sample.expr)}


def derive_loss(spec: NetworkSpec | DeepNetwork, name: "str | Likelihood") -> LossDerivation:
    r"""The checked loss derivation of a network: its recipe, then ``L[phi] = sum_i l_i``.

    >>> d = derive_loss(NetworkSpec((1, 3, 1), "relu"), "least-squares")
    >>> d.passed, d.as_json()["targets"]
    (True, ['y'])
    """
    entry = get_loss(name)
    nl = network_loss(spec, entry)
    D_o = len(nl.net.outputs)
    model = entry.model()
    r = checked_recipe(entry, D_o if model.depends_on_D_o else None)
    network = network_loss_derivation(nl.net, entry)
    network.check()
    return LossDerivation(r, network, nl)

