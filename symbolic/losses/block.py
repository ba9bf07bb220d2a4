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

import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import sympy as sp

from symbolic.activations.functions import StockDefined
from symbolic.losses.sample import SampleLoss
from symbolic.spec.losses import get_loss
from symbolic.spec.supports import SUPPORTS, Support

__all__ = ["Block", "Lesson", "Model", "WeightedLogSumExp", "sample_targets", "support_interval", "target_symbols"]


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
_BOUNDS = {math.inf: sp.oo, -math.inf: -sp.oo, math.pi: sp.pi, -math.pi: -sp.pi}


def support_interval(support: Support) -> tuple[sp.Expr, sp.Expr] | None:
    """The interval of a continuous support in SymPy numbers (the normalisation integral's
    limits); None for a discrete one.

    >>> support_interval(SUPPORTS["circular"]), support_interval(SUPPORTS["count"])
    ((-pi, pi), None)
    """
    if support.interval is None:
        return None
    return tuple(_BOUNDS.get(v, sp.nsimplify(v)) for v in support.interval)


def sample_targets(support: Support, rng: random.Random, D_o: int, n: int, denominator: int = 1000) -> list[sp.Expr]:
    """``n`` exact target values that suit a support (for checks at random points)."""
    return [sp.Rational(v.numerator, v.denominator) for v in support.sample(rng, n, D_o, denominator)]


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
    and targets (None: the engine's expanded ``-log``), and ``derived`` the
    :class:`symbolic.losses.stabilise.StableForm` it came from when it was derived by rewrites
    rather than given; ``mode`` the prediction in the parameters (None: solved by SymPy where
    it can). ``discrete`` sums instead of integrating.
    """

    name: str
    support: Support  # or its name in SUPPORTS
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
    derived: Any = None  # symbolic.losses.stabilise.StableForm, when ``stable`` was derived by rewrites

    def __post_init__(self):
        if isinstance(self.support, str):
            self.support = SUPPORTS[self.support]

    @property
    def linked(self) -> sp.Expr:
        """``Pr(y | link[f])``: the density with the link inserted."""
        return self.density.xreplace(self.link)

    def per_sample(self) -> sp.Expr:
        """The per-sample loss the network compiles: the stable form (given or derived), else the
        expanded -log (not stabilised)."""
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
        return self.encode(sample_targets(self.support, rng, D_o, self.data_targets or len(self.targets)))


class Model:
    """The SymPy side of a loss: ``sample(outputs)`` and ``recipe(D_o)``; ``depends_on_D_o``
    when the recipe is for all D_o outputs at once (else for one target, added over targets)."""

    name: str
    default_D_o: int
    depends_on_D_o: bool = True

    def sample_targets(self, rng: random.Random, sample: SampleLoss, D_o: int) -> dict[sp.Symbol, sp.Expr]:
        """Exact target values for ``sample`` at a random point of the support."""

        values = sample_targets(get_loss(self.name).support, rng, D_o, sample.n_data_targets)
        if sample.target_encoding != "one-hot":
            return dict(zip(sample.targets, values))
        width = len(sample.targets) // len(values)
        return {sample.targets[j * width + c]: sp.Integer(int(int(v) == c)) for j, v in enumerate(values)
                for c in range(width)}

    def sample(self, outputs: Sequence[sp.Symbol]) -> SampleLoss:  # pragma: no cover - abstract
        raise NotImplementedError

    def recipe(self, D_o: int | None = None):  # pragma: no cover - abstract
        raise NotImplementedError


def target_symbols(n: int, prefix: str = "y", **assumptions) -> tuple[sp.Symbol, ...]:
    """``y`` for one target, else ``y_{1}..y_{n}`` (or another prefix)."""
    if n == 1 and prefix == "y":
        return (sp.Symbol("y", **assumptions),)
    return tuple(sp.Symbol(f"{prefix}_{{{j}}}", **assumptions) for j in range(1, n + 1))
