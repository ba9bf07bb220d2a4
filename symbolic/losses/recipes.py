r"""Loss functions from maximum likelihood, derived step by step and checked (lecture recipe).

1. Choose a distribution ``Pr(y | theta)`` over the output space;
2. let the network predict its parameters, ``theta = link[f[x, phi]]``;
3. minimise the negative log-likelihood of the training data,
   ``L[phi] = -log prod_i Pr(y_i | f[x_i, phi]) = sum_i l_i``.

Each :class:`Recipe` holds four derivations: the distribution and its link, the
likelihood and its negative logarithm over I samples, the per-sample loss ``l_i`` down to
its numerically stable form (where one is given or derived), and the prediction rule. Every
recipe, the lecture's six included, is built by the recipe engine
(:mod:`symbolic.losses.engine`) from the loss's distribution block; the lecture's words and
intermediate steps come with the first round's blocks (:mod:`symbolic.losses.lecture`). The
per-sample chain ends at *exactly* the registry expression
:func:`symbolic.losses.sample.sample_loss` that compilation uses, so the derivation and the
compiled loss cannot drift apart.

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

from symbolic.core.derivation import Derivation
from symbolic.spec.limits import MAX_DERIVED_OUTPUTS, MAX_DERIVED_RANKING_ITEMS, MAX_DERIVED_TARGETS
from symbolic.spec.losses import Likelihood, get_loss
from symbolic.losses.sample import SampleLoss, network_loss
from symbolic.networks.network import DeepNetwork
from symbolic.core.printing import latex  # noqa: F401  (used by the doctests)
from symbolic.spec import NetworkSpec

__all__ = ["Recipe", "Softmax", "recipe", "checked_recipe", "check_derivable", "network_loss_derivation", "derive_loss",
           "LossDerivation"]

#: Sample index i = 1..I and the number of samples I.
i = sp.Symbol("i", integer=True, positive=True)
I = sp.Symbol("I", integer=True, positive=True)  # noqa: E741 - the lecture's symbol
_L = sp.Symbol("L")  # the total loss L[phi]
_P = sp.Symbol("P")  # the likelihood of the training data
_l = sp.Symbol("l_i")  # the per-sample loss

L_LATEX = r"L[\boldsymbol\phi]"
P_LATEX = r"\Pr(y_1, \dots, y_I \mid \mathbf{x}_1, \dots, \mathbf{x}_I)"


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
    #: Where the per-sample loss's stable form came from: ``"given"`` (the loss's author),
    #: ``"derived"`` (by rewrites, :mod:`symbolic.losses.stabilise`), or ``""``: none, the
    #: expanded negative log-likelihood is compiled.
    stable: str = "given"

    def __post_init__(self) -> None:
        for d in self.parts.values():
            d.layout = "block"

    @property
    def outputs(self) -> tuple[sp.Symbol, ...]:
        """The per-sample network outputs the loss is written in (f, or f_1, f_2, or f_0..)."""
        return self.sample.outputs

    @property
    def per_sample_loss(self) -> sp.Expr:
        """The last right-hand side of the per-sample chain: the compiled l_i (its stable form,
        where :attr:`stable` says there is one)."""
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


def recipe(loss: "str | Likelihood", D_o: int | None = None) -> Recipe:
    r"""The maximum-likelihood recipe of a loss, ``l_i = -log Pr(y_i | f[x_i, phi])`` (unchecked).

    ``loss`` is a registered name or a :class:`symbolic.spec.losses.Likelihood`. ``D_o`` is the
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


def check_derivable(loss: "str | Likelihood", D_o: int) -> None:
    """ValueError unless the recipe engine derives and checks ``loss`` for D_o outputs in
    seconds: a density of at most :data:`symbolic.spec.limits.MAX_DERIVED_TARGETS` continuous
    targets (a discrete one is summed over its outcomes).

    >>> check_derivable("multivariate-normal", 14)
    >>> check_derivable("multivariate-normal", 20)
    Traceback (most recent call last):
    ...
    ValueError: the multivariate-normal loss with D_o = 20 outputs has n = 5 continuous targets; the recipe engine derives and checks at most 4 (its checks grow steeply with n): use D_o = 5, 9 or 14 (evaluate, verify and train take any D_o)
    >>> check_derivable("plackett-luce", 5)
    Traceback (most recent call last):
    ...
    ValueError: the plackett-luce loss with D_o = 5 outputs ranks n = 5 items; the recipe engine sums over all n! rankings and derives and checks at most 3 items in seconds: use D_o = 3 (evaluate, verify and train take any D_o)
    """
    entry = get_loss(loss)
    n = entry.n_targets(D_o)
    if D_o > MAX_DERIVED_OUTPUTS:
        raise ValueError(f"the {entry.name} loss with D_o = {D_o} outputs: the recipe engine derives and checks "
                         f"losses of at most {MAX_DERIVED_OUTPUTS} outputs in seconds (its checks grow with D_o); "
                         "evaluate, verify and train take any D_o")
    if entry.support.permutation:
        if n <= MAX_DERIVED_RANKING_ITEMS:
            return
        raise ValueError(f"the {entry.name} loss with D_o = {D_o} outputs ranks n = {n} items; the recipe engine "
                         f"sums over all n! rankings and derives and checks at most {MAX_DERIVED_RANKING_ITEMS} "
                         f"items in seconds: use D_o = {MAX_DERIVED_RANKING_ITEMS} (evaluate, verify and train take "
                         "any D_o)")
    if entry.support.discrete or n <= MAX_DERIVED_TARGETS:
        return
    usable = []
    for width in range(1, 64):
        try:
            if entry.n_targets(width) <= MAX_DERIVED_TARGETS:
                usable.append(str(width))
        except ValueError:
            continue
    use = f"use D_o = {', '.join(usable[:-1])} or {usable[-1]}" if len(usable) > 1 else \
        f"use D_o = {usable[0]}" if usable else "use fewer targets"
    raise ValueError(f"the {entry.name} loss with D_o = {D_o} outputs has n = {n} continuous targets; the recipe "
                     f"engine derives and checks at most {MAX_DERIVED_TARGETS} (its checks grow steeply with n): "
                     f"{use} (evaluate, verify and train take any D_o)")


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
    :class:`symbolic.losses.sample.NetworkLoss` compiles.

    >>> d = network_loss_derivation(NetworkSpec((2, 3, 1), "relu"), "poisson")
    >>> d.check().passed
    True
    >>> print(latex(d.steps[-1].rhs))
    - f_{1,1} y + e^{f_{1,1}} + \log y!
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
        if r.sample.target_encoding == "one-hot" and r.target is not None:  # t_c = [y = c] of one class column
            d.definitions = {t: sp.KroneckerDelta(r.target, k) for k, t in enumerate(registry.targets)}
        linked = r.pmf.xreplace({p: e.xreplace(rename) for p, e in r.link.items()})
        d.add(-sp.log(linked), "the distribution's parameters are the links of the outputs $f_{K,j}$",
              lhs=_l, check=False, lhs_latex=r"\ell_i")
        d.add(r.per_sample_loss.xreplace(rename), _compiled_reason(r))
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


def _compiled_reason(r: Recipe) -> str:
    """What the recipe's last per-sample step is, in the network's outputs: a stable form only
    where one was given or derived."""
    if r.stable == "given":
        return "the recipe's stable form"
    if r.stable == "derived":
        return "the recipe's stable form, derived by rewrites in its per-sample loss"
    return ("the recipe's per-sample loss: the expanded negative log-likelihood, not a stabilised form (no rewrite "
            "applied; register_loss(..., stable=...) can supply one)")


@dataclass
class LossDerivation:
    """Everything ``deepderive derive --loss`` prints: the recipe and the network's loss, checked."""

    recipe: Recipe
    network: Derivation
    loss: Any  # symbolic.losses.sample.NetworkLoss

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
    check_derivable(entry, spec.D_o if isinstance(spec, NetworkSpec) else spec.spec.D_o)
    nl = network_loss(spec, entry)
    D_o = len(nl.net.outputs)
    model = entry.model()
    r = checked_recipe(entry, D_o if model.depends_on_D_o else None)
    network = network_loss_derivation(nl.net, entry)
    network.check()
    return LossDerivation(r, network, nl)

