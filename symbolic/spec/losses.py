"""Losses as objects: one :class:`Likelihood` per distribution, in the one registry ``LOSSES``.

The lecture's recipe is general: choose a distribution ``Pr(y | theta)`` over the targets,
let the network outputs ``f_1..f_{D_o}`` predict its parameters ``theta = link[f]``, and
minimise ``L[phi] = sum_i -log Pr(y_i | link[f[x_i, phi]])``. A :class:`Likelihood` is
everything a command needs to know about one such choice:

- the output-width rule (``D_o`` -> number of target columns) and its messages;
- the target :class:`Support` and its validation (the one place a target is refused);
- the constants it takes (``sigma`` of the ``normal`` loss) and the one sigma validator;
- lazily, its SymPy side (density, link, stable per-sample loss, recipe: see
  :mod:`symbolic.losses.book`) and its torch side (the numeric twin's per-sample NLL and an
  optional ``torch.distributions`` oracle).

This module is plain Python (no SymPy or torch at import) so that ``numeric`` can read it,
and it names no module above it: the SymPy side (:mod:`symbolic.losses`) and the torch side
(:mod:`numeric.loss_twins`) bind their parts onto the built-in entries when they are
imported (:meth:`Likelihood.bind`, :func:`register_twin_defaults`); a lecturer's loss carries
its parts itself.

>>> poisson = get_loss("poisson")
>>> poisson.n_targets(3), poisson.support.name
(3, 'count')
>>> get_loss("heteroscedastic-normal").n_targets(2)
1
>>> get_loss("categorical").n_targets(1)
Traceback (most recent call last):
...
ValueError: categorical loss needs at least two outputs (one per class), got D_o = 1
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from typing import Any, Callable

from symbolic.spec.registry import Registry
from symbolic.spec.supports import SUPPORTS, Support

__all__ = ["LOSSES", "SUPPORTS", "Likelihood", "Support", "get_loss", "loss_name", "check_sigma", "mixture_K",
           "mvn_n", "PRINTED", "FROM_DISTRIBUTION", "register_twin_defaults"]

#: ``torch_nll`` of an entry whose twin is printed from its SymPy stable form.
PRINTED = "printed from the SymPy stable form"
#: ``torch_nll`` of an entry whose twin is ``-log_prob`` of its ``torch.distributions`` object.
FROM_DISTRIBUTION = "-log_prob of the torch distribution"
#: The twins of those two kinds, registered by the torch side (:mod:`numeric.loss_twins`).
_TWIN_DEFAULTS: dict[str, Callable] = {}


def register_twin_defaults(**twins: Callable) -> None:
    """The torch side registers the two generic twins: ``printed`` and ``from_distribution``."""
    names = {"printed": PRINTED, "from_distribution": FROM_DISTRIBUTION}
    for key, fn in twins.items():
        _TWIN_DEFAULTS[names[key]] = fn

#: Every loss, built-in or registered by a lecturer, by name.
LOSSES: Registry["Likelihood"] = Registry("loss")


# ----- output-width rules -------------------------------------------------------------------
def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _per_target(k: int, what: str) -> Callable[[str, int], int]:
    """D_o = k * n for n independent targets (k outputs per target)."""

    def rule(name: str, D_o: int) -> int:
        if D_o % k:
            raise ValueError(f"{name} loss needs {what} per target ({_PARTS[k]}), got odd D_o = {D_o}")
        return D_o // k

    rule.mismatch = lambda name, D_o, n: (  # type: ignore[attr-defined]
        f"{name} loss needs {what} per target" + (f" ({_PARTS[k]})" if k > 1 else "")
        + f": D_o = {D_o} outputs for {n} target column{_s(n)}")
    return rule


_PARTS = {1: "", 2: "mean and log-variance"}


def _fixed(D: int, n: int = 1, what: str = "") -> Callable[[str, int], int]:
    def rule(name: str, D_o: int) -> int:
        if D_o != D:
            raise ValueError(f"{name} loss needs D_o = {D} outputs ({what}), got D_o = {D_o}")
        return n

    return rule


def _classes(name: str, D_o: int) -> int:
    if D_o < 2:
        raise ValueError(f"{name} loss needs at least two outputs (one per class), got D_o = {D_o}")
    return 1


_classes.mismatch = lambda name, D_o, n: (  # type: ignore[attr-defined]
    f"{name} loss needs one target column of class indices, got {n} columns")


def mixture_K(name: str, D_o: int) -> int:
    """The number of mixture components K of D_o = 3K outputs (K >= 2)."""
    if D_o % 3 or D_o < 6:
        raise ValueError(f"{name} loss needs D_o = 3K outputs (K mixture weights, K means, K log-variances) "
                         f"with K >= 2, got D_o = {D_o}")
    return D_o // 3


def _mixture(name: str, D_o: int) -> int:
    mixture_K(name, D_o)
    return 1


def mvn_n(name: str, D_o: int) -> int:
    """The target dimension n of D_o = n + n(n+1)/2 outputs (n >= 2)."""
    n = 1
    while n + n * (n + 1) // 2 < D_o:
        n += 1
    if n < 2 or n + n * (n + 1) // 2 != D_o:
        raise ValueError(f"{name} loss needs D_o = n + n(n+1)/2 outputs (n means, then the Cholesky factor row by "
                         f"row) with n >= 2: D_o = 5, 9, 14, ...; got D_o = {D_o}")
    return n


def _ranking(name: str, D_o: int) -> int:
    if D_o < 2:
        raise ValueError(f"{name} loss needs D_o = n >= 2 outputs (one score per item), got D_o = {D_o}")
    return D_o


# ----- the entry ------------------------------------------------------------------------------
def _resolve(ref: Any) -> Any:
    """A lecturer's ``"module:attribute"`` (a plugin is trusted code), imported on first use;
    anything else is returned as is."""
    if isinstance(ref, str):
        module, _, attr = ref.partition(":")
        return getattr(importlib.import_module(module), attr)
    return ref


@dataclass(eq=False)
class Likelihood:
    """A distribution over targets whose parameters a network predicts (a registry entry).

    Parameters
    ----------
    name : the registry key (``--loss NAME``).
    support : one of :data:`SUPPORTS` (``real``, ``positive``, ..., ``ranking``).
    width : ``width(name, D_o) -> n_targets``; raises ValueError for an unusable D_o.
    description : one line for ``--help`` and the README.
    constants : names of fixed symbols the loss takes besides outputs and targets (``sigma``).
    encoding : ``"values"`` (one column per target symbol) or ``"one-hot"`` (a class index
        column becomes indicators t_c = [y = c]).
    symbolic : the SymPy side (a :class:`symbolic.losses.block.Model` or a callable returning
        one); bound by :mod:`symbolic.losses` for the built-ins.
    torch_nll : the twin's per-sample NLL ``(entry, f, y, constants) -> (I,)`` (a callable, or
        a lecturer's ``"module:attribute"``), or :data:`PRINTED` / :data:`FROM_DISTRIBUTION`;
        None: ``-log_prob`` of ``torch_distribution`` where there is one, else printed.
    torch_distribution : ``(entry, f, constants) -> torch.distributions.Distribution`` of the
        linked parameters (an independent oracle), or None.
    fused_sum : optional ``(f, y) -> total`` used by training (one fused torch built-in).
    """

    name: str
    support: Support
    width: Callable[[str, int], int]
    description: str = ""
    constants: tuple[str, ...] = ()
    encoding: str = "values"
    symbolic: Any = None
    torch_nll: Any = None
    torch_distribution: Any = None
    fused_sum: Any = None
    oracle_rtol: float | None = None  # the oracle's own accuracy where it is coarser than float64
    targets_doc: str = ""
    builtin: bool = True
    _cache: dict = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        return f"Likelihood({self.name!r}, support={self.support.name!r})"

    # ----- widths and targets (plain Python) -------------------------------------------
    def n_targets(self, D_o: int) -> int:
        """Target columns a data file needs for D_o outputs; ValueError when D_o does not suit."""
        return self.width(self.name, D_o)

    def smallest_D_o(self) -> int:
        """The smallest output width the loss can use (1, or 2 for categorical, 5 for a 2-D normal, ...)."""
        for D_o in range(1, 64):
            try:
                self.n_targets(D_o)
                return D_o
            except ValueError:
                continue
        raise ValueError(f"{self.name} loss accepts no output width up to 63")

    def check_width(self, D_o: int, n_targets: int | None = None) -> None:
        """ValueError unless the loss can use D_o outputs (and ``n_targets`` target columns)."""
        expected = self.n_targets(D_o)
        if n_targets is None or n_targets == expected:
            return
        mismatch = getattr(self.width, "mismatch", None)
        if mismatch is not None:
            raise ValueError(mismatch(self.name, D_o, n_targets))
        raise ValueError(f"{self.name} loss with D_o = {D_o} outputs needs {expected} target column{_s(expected)}, "
                         f"got {n_targets}")

    def bad_targets(self, Y: Any, D_o: int) -> Any:
        """Boolean (I, n) array: True where a (finite) target lies outside the support."""
        import numpy as np

        Y = np.asarray(Y, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.asarray(self.support.test(Y, D_o), dtype=bool)

    @property
    def uses_sigma(self) -> bool:
        return "sigma" in self.constants

    # ----- the lazily built parts ----------------------------------------------------
    def bind(self, **parts: Any) -> "Likelihood":
        """The SymPy or torch side sets its parts (``symbolic``, ``torch_nll``,
        ``torch_distribution``, ``fused_sum``) on a built-in entry."""
        for key, value in parts.items():
            if key not in ("symbolic", "torch_nll", "torch_distribution", "fused_sum"):
                raise TypeError(f"a loss entry binds symbolic, torch_nll, torch_distribution or fused_sum, not {key!r}")
            setattr(self, key, value)
        torch_bound = self._cache.get("torch bound") or bool(set(parts) - {"symbolic"})
        self._cache.clear()
        self._cache["torch bound"] = torch_bound
        return self

    def model(self) -> Any:
        """The SymPy side (:class:`symbolic.losses.block.Model`), built once."""
        if self.symbolic is None:
            raise LookupError(f"loss {self.name!r} has no SymPy side yet: import symbolic.losses (it binds the "
                              "built-ins' models)")
        if "model" not in self._cache:
            obj = _resolve(self.symbolic)
            self._cache["model"] = obj() if callable(obj) and not hasattr(obj, "sample") else obj
        return self._cache["model"]

    def torch_nll_function(self) -> Callable:
        """The twin's per-sample NLL ``(entry, f, y, constants) -> (I,)`` (torch)."""
        if "torch_nll" not in self._cache:
            kind = self.torch_nll
            if kind is None:
                kind = FROM_DISTRIBUTION if self.torch_distribution is not None else PRINTED
            if kind in (PRINTED, FROM_DISTRIBUTION):
                if kind not in _TWIN_DEFAULTS:
                    raise LookupError(f"loss {self.name!r}: its torch twin is not bound yet (import the numeric "
                                      "package's losses module first; it binds the built-ins' twins)")
                fn = _TWIN_DEFAULTS[kind]
            else:
                fn = _resolve(kind)
            self._cache["torch_nll"] = fn
        return self._cache["torch_nll"]

    def oracle(self) -> Callable | None:
        """``(entry, f, constants) -> torch.distributions`` object, or None when the loss has
        none (a built-in's is bound by the torch side: before that, LookupError, never None)."""
        if self.torch_distribution is None:
            if self.builtin and not self._cache.get("torch bound"):
                raise LookupError(f"loss {self.name!r}: its torch side is not bound yet (import the numeric "
                                  "package's losses module first; it binds the built-ins' twins and oracles)")
            return None
        return _resolve(self.torch_distribution)


def get_loss(loss: "str | Likelihood") -> Likelihood:
    """The registry entry of a loss given by name or as the entry itself."""
    if isinstance(loss, Likelihood):
        return loss
    if loss is not None and not isinstance(loss, str):
        raise TypeError(f"loss must be a loss name or a Likelihood, got {type(loss).__name__}")
    return LOSSES.get(loss)


def loss_name(loss: "str | Likelihood") -> str:
    return get_loss(loss).name


def check_sigma(loss: "str | Likelihood", value: Any) -> float | None:
    """The one sigma validator: the normal loss's fixed standard deviation as a float (None
    for the losses without sigma).

    >>> check_sigma("normal", 0.5)
    0.5
    >>> check_sigma("normal", 0)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be a positive finite number (the normal loss's standard deviation), got 0; pass --sigma S with S > 0
    """
    entry = get_loss(loss)
    if not entry.uses_sigma:
        if value is not None:
            raise ValueError(f"--sigma applies only to the normal loss, not to {entry.name!r}; leave it out")
        return None
    if value is None:
        raise ValueError(f"the {entry.name} loss needs its standard deviation: pass --sigma S with S > 0")
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not math.isfinite(number) or not number > 0:
        raise ValueError(f"sigma must be a positive finite number (the {entry.name} loss's standard deviation), "
                         f"got {value!r}; pass --sigma S with S > 0")
    return number


# ----- the built-ins (book fig. 5.11) ---------------------------------------------------------
# Their SymPy models are bound by symbolic.losses, their twins by numeric.loss_twins.
def _builtin(name: str, support: str, width, description: str, targets_doc: str, **kw) -> None:
    LOSSES.add(name, Likelihood(name, SUPPORTS[support], width, description, targets_doc=targets_doc, **kw))


_builtin("least-squares", "real", _per_target(1, "one output"), "sum of squared residuals (normal, constants dropped)",
         "`y` (or `y_1..y_{D_o}`) real")
_builtin("normal", "real", _per_target(1, "one output"), "normal with fixed sigma (--sigma S), mean f",
         "`y` (or `y_1..y_{D_o}`) real", constants=("sigma",))
_builtin("heteroscedastic-normal", "real", _per_target(2, "two outputs"),
         "normal, mean f_j and variance exp(f_{n+j})", "`y_1..y_n` real, D_o = 2n")
_builtin("bernoulli", "binary", _per_target(1, "one output"), "Bernoulli, probability sig[f]", "`y` 0 or 1")
_builtin("categorical", "class", _classes, "categorical, probabilities softmax[f]", "`y` a class index 0..D_o-1",
         encoding="one-hot")
_builtin("poisson", "count", _per_target(1, "one output"), "Poisson, rate exp(f)", "`y` counts 0, 1, 2, ...")
def _book_table() -> None:
    """The book's other distributions (fig. 5.11)."""
    _builtin("laplace", "real", _fixed(2, 1, "mu = f_1, b = exp f_2"), "Laplace, mu = f_1, b = exp(f_2)", "`y` real",
             torch_nll=FROM_DISTRIBUTION)
    # The twins of student-t, gamma and beta print their SymPy stable forms: torch.distributions
    # forms log Gamma of the concentrations, whose terms of size alpha log alpha cancel (student-t
    # keeps 7 digits at nu = 5e8, none at nu = 2e17). Their torch.distributions object stays the oracle.
    _builtin("student-t", "real", _fixed(3, 1, "mu = f_1, sigma = exp f_2, nu = exp f_3"),
             "Student t, mu = f_1, sigma = exp(f_2), nu = exp(f_3)", "`y` real",
             torch_nll=PRINTED)
    _builtin("gaussian-mixture", "real", _mixture, "mixture of K >= 2 normals: weights softmax(f_1..f_K), means "
             "f_{K+1}..f_{2K}, variances exp(f_{2K+1}..f_{3K})", "`y` real, D_o = 3K",
             torch_nll=FROM_DISTRIBUTION)
    _builtin("exponential", "nonnegative", _fixed(1, 1, "rate = exp f"), "exponential, rate exp(f)", "`y` >= 0",
             torch_nll=FROM_DISTRIBUTION)
    _builtin("gamma", "positive", _fixed(2, 1, "concentration = exp f_1, rate = exp f_2"),
             "gamma, concentration exp(f_1), rate exp(f_2)", "`y` > 0",
             torch_nll=PRINTED)
    _builtin("beta", "unit-interval", _fixed(2, 1, "alpha = exp f_1, beta = exp f_2"), "beta, alpha exp(f_1), beta exp(f_2)",
             "0 < `y` < 1", torch_nll=PRINTED)
    _builtin("von-mises", "circular", _fixed(2, 1, "mu = f_1, kappa = exp f_2"), "von Mises, mu = f_1, kappa = exp(f_2)",
             "`y` an angle in [-pi, pi]",
             # torch's VonMises approximates log I_0 (to ~1e-8 .. 1e-7): the twin prints the stable form,
             # 2 kappa sin^2((y - mu)/2) + log(2 pi) + log(i0e(kappa))
             torch_nll=PRINTED, oracle_rtol=1e-6)
    _builtin("multivariate-normal", "real", lambda name, D_o: mvn_n(name, D_o),
             "multivariate normal: mean f_1..f_n, Cholesky factor row by row (diagonal exp)",
             "`y_1..y_n`, D_o = n + n(n+1)/2", torch_nll=FROM_DISTRIBUTION)
    _builtin("plackett-luce", "ranking", _ranking, "Plackett-Luce over rankings, scores f_1..f_n",
             "`y_1..y_n` item indices 0..n-1, first to last")
_book_table()
