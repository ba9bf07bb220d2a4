r"""A lecturer's own loss: ``register_loss`` puts a density and a link into the one registry.

The loss then travels the same road as a built-in: the recipe engine derives and checks its
recipe (:mod:`symbolic.losses.engine`), the network compiles its per-sample loss, the
numeric twin prints its torch NLL from the SymPy form, and every command takes
``--loss NAME`` (with ``--plugin FILE.py`` to run the registering file first).

>>> import sympy as sp
>>> y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
>>> b = sp.Symbol("b", positive=True)
>>> entry = register_loss("laplace-doctest", density=sp.exp(-sp.Abs(y - mu) / b) / (2 * b), target=y,
...                       link=lambda f: {mu: f[0], b: sp.exp(f[1])}, outputs=2, support="real")
>>> entry.n_targets(2), entry.model().recipe().check()
(1, True)
>>> register_loss("half", density=sp.exp(-sp.Abs(y - mu)) / 4, target=y, link=lambda f: {mu: f[0]},
...               outputs=1, support="real")
Traceback (most recent call last):
...
ValueError: the density of loss 'half' is not normalised over the real line: it integrates to 1/2 (symbolic (sympy.integrate)), not 1; divide the density by its integral, 1/2, or fix the support

An integral that depends on the parameters is not one number to divide by:

>>> register_loss("no-2b", density=sp.exp(-sp.Abs(y - mu) / b), target=y, link=lambda f: {mu: f[0], b: sp.exp(f[1])},
...               outputs=2, support="real")
Traceback (most recent call last):
...
ValueError: the density of loss 'no-2b' is not normalised over the real line: it integrates to 2*b (symbolic (sympy.integrate)), not 1: it depends on the parameter b, and a density must integrate to 1 for every parameter value; fix its normalising factor (a function of b) or the support
"""

from __future__ import annotations

import random

import inspect
import operator
from typing import Any, Callable, Mapping, Sequence

import sympy as sp

from symbolic.losses.block import Block
from symbolic.losses.engine import Engine
from symbolic.losses.normalisation import normalisation_check, symbolic_total
from symbolic.spec.losses import LOSSES, PRINTED, SUPPORTS, Likelihood, _fixed
from symbolic.losses.nonnegative import check_nonnegative
from symbolic.losses.stabilise import stable_form
from symbolic.spec.registry import resolve_path, suggest

__all__ = ["register_loss"]


def _outputs(n: int) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, n + 1))


class _LinkOutputs(tuple):
    """The outputs ``f`` a link is called with: ``f[j]`` past the last output is refused naming
    the index and the number of outputs (instead of an IndexError from inside the link)."""

    loss: str

    def __new__(cls, outputs: Sequence[sp.Symbol], loss: str) -> "_LinkOutputs":
        self = super().__new__(cls, outputs)
        self.loss = loss
        return self

    def __getitem__(self, key):
        try:
            j = operator.index(key)
        except TypeError:  # a slice
            return super().__getitem__(key)
        n = len(self)
        if not -n <= j < n:
            have = "f[0]" if n == 1 else "f[0] and f[1]" if n == 2 else f"f[0] to f[{n - 1}]"
            fix = f", or declare outputs={j + 1}" if j >= n else ""
            raise ValueError(f"the link of loss {self.loss!r} uses f[{j}], but the loss declares outputs={n}: its "
                             f"outputs are {have} (counted from 0); use one of them{fix}")
        return super().__getitem__(j)


def register_loss(name: str, *, density: sp.Expr, target: sp.Symbol | Sequence[sp.Symbol],
                  link: Callable[[tuple[sp.Symbol, ...]], Mapping[sp.Symbol, sp.Expr]], outputs: int, support: str,
                  stable: Callable[[tuple[sp.Symbol, ...]], sp.Expr] | sp.Expr | None = None,
                  torch_distribution: Callable[..., Any] | str | None = None) -> Likelihood:
    r"""Register the loss ``l_i = -log Pr(y_i | link[f_1, ..., f_{D_o}])`` under ``name``.

    Parameters
    ----------
    name : the ``--loss`` name; must not be taken.
    density : ``Pr(y | theta)``, a SymPy expression in ``target`` and the parameters theta.
    target : the target symbol (or a tuple of them, one per data column).
    link : ``link(f)`` maps the tuple of per-sample output symbols ``f_1..f_{D_o}`` (``f[0]`` to
        ``f[D_o - 1]``; an index past them is refused naming it) to ``{parameter: expression}``;
        every parameter of the density needs one, and a parameter declared ``positive=True``
        needs an expression positive for every output (``exp(f_2)``, not ``f_2``).
    outputs : D_o, the number of network outputs.
    support : one of real, positive, nonnegative, unit-interval, circular, binary, count,
        class, ranking.
    stable : optional per-sample loss in the outputs and target (an expression, or ``f -> expr``),
        proven equal to ``-log Pr(y | link[f])`` by the engine. Without it, a stable form is
        derived by rewriting the logarithm (``log sig[f] = -softplus[-f]``, ``log1p``,
        ``logsumexp``, ...: :mod:`symbolic.losses.stabilise`) where a rewrite applies; else the
        expanded ``-log`` is compiled, and printed as such.
    torch_distribution : optional ``(**parameters) -> torch.distributions.Distribution``, called
        with the linked parameters by name (``make(mu=..., b=...)``): an extra oracle in
        ``verify`` and the notes. A function, or a dotted path such as
        ``"torch.distributions.Laplace"`` when the parameter symbols carry its keyword names
        (``loc``, ``scale``). A path is imported now (a misspelt part is refused with a "did you
        mean"), and keywords that do not match the parameters are refused, naming both.

    The density must be nonnegative on the support, for every parameter the link gives
    (proven by SymPy's assumptions, else checked on a dense sample; refused naming a target
    and parameters where it is negative), and integrate (or sum) to one over the support:
    checked symbolically, else numerically, and refused with what it integrates to (an integral
    that depends on the parameters is named as such: the density needs its normalising factor).
    """
    if name in LOSSES:
        LOSSES.add(name, None)  # the registry's own message: already registered
    if support not in SUPPORTS:
        raise ValueError(f"unknown support {support!r}{suggest(support, SUPPORTS)}; choose one of {', '.join(SUPPORTS)}")
    if isinstance(outputs, bool) or not isinstance(outputs, int) or outputs < 1:
        raise ValueError(f"outputs (D_o) must be a positive integer, got {outputs!r}")
    targets = (target,) if isinstance(target, sp.Symbol) else tuple(target)
    if not targets or not all(isinstance(t, sp.Symbol) for t in targets):
        raise TypeError(f"target must be a SymPy Symbol or a tuple of them, got {target!r}")
    density = sp.sympify(density)
    if not isinstance(density, sp.Expr) or not density.free_symbols & set(targets):
        raise ValueError(f"the density of loss {name!r} must be an expression in the target "
                         f"{', '.join(map(str, targets))}, got {density!r}")
    if not callable(link):
        raise TypeError(f"link must be a function f -> {{parameter: expression}}, got {type(link).__name__}")

    def build(f: tuple[sp.Symbol, ...]) -> Block:
        mapping = {sp.sympify(p): sp.sympify(e) for p, e in dict(link(_LinkOutputs(f, name))).items()}
        parameters = tuple(sorted(density.free_symbols - set(targets), key=lambda s: s.name))
        missing = [p for p in parameters if p not in mapping]
        if missing:
            raise ValueError(f"the link of loss {name!r} gives no expression for the parameter {missing[0]}; "
                             f"return {{{missing[0]}: ...}} from link(f)")
        for p, e in mapping.items():
            stray = e.free_symbols - set(f)
            if stray:
                raise ValueError(f"the link of loss {name!r} maps {p} to {e}, which uses {sorted(map(str, stray))[0]}: "
                                 f"a link may use only the outputs f[0]..f[{len(f) - 1}]")
            if p.is_positive and e.is_positive is not True:
                raise ValueError(f"the link of loss {name!r} leaves the positive parameter {p} unconstrained: "
                                 f"{p} = {e} can be <= 0; use exp(...) (or softplus) of an output")
        expr = stable(f) if callable(stable) else stable
        block = Block(name, support, f, targets, tuple(p for p in mapping if p in parameters), density, mapping,
                      stable=None if expr is None else sp.sympify(expr), distribution=name)
        if block.stable is None:
            _derive_stable(block)
        return block

    block = build(_outputs(outputs))
    make = None if torch_distribution is None else _torch_distribution(name, block, torch_distribution)
    check_nonnegative(block)  # before the integral: a density that is negative somewhere may still integrate to 1
    _check_normalised(block)
    _check_stable(block)
    model = Engine(name, build, outputs)
    model._blocks[outputs] = block
    n_targets = len(targets)
    oracle = None if make is None else _oracle(block, make)
    entry = Likelihood(name, SUPPORTS[support], _fixed(outputs, n_targets, ", ".join(
        f"{p} = {e}" for p, e in block.link.items())), f"{name} (registered)", symbolic=model,
        torch_distribution=oracle, torch_nll=PRINTED, builtin=False,
        targets_doc=", ".join(map(str, targets)))
    return LOSSES.add(name, entry)


def _oracle(block: Block, make: Callable[..., Any] | str) -> Callable:
    """``(entry, f, constants) -> make(**linked parameters)``, the links compiled to torch
    (``make`` a dotted path where torch could not be imported at registration)."""
    compiled: dict[str, Any] = {}

    def oracle(entry, f, constants):
        from symbolic.core.compile import compile_program

        if "fn" not in compiled:
            compiled["fn"] = compile_program(list(block.outputs), [], list(block.link.values()), "torch")
            compiled["make"] = resolve_path(make) if isinstance(make, str) else make
        values = compiled["fn"](*[f[:, j] for j in range(f.shape[1])])
        return compiled["make"](**{p.name: v for p, v in zip(block.link, values)})

    return oracle


def _torch_distribution(name: str, block: Block, given: Callable[..., Any] | str) -> Callable[..., Any] | str:
    """The ``torch_distribution`` of a loss, checked at registration: a dotted path must name
    something that exists ("did you mean" otherwise), and the callable must take the density's
    parameters as keywords, since the oracle calls it as ``make(mu=..., b=...)``. A path stays a
    string when torch cannot be imported here (the command that needs torch then says so)."""
    make = given
    if isinstance(given, str):
        try:
            make = resolve_path(given)
        except ImportError:
            return given
        except ValueError as exc:
            raise ValueError(f"the torch_distribution of loss {name!r}: {exc}") from None
    if not callable(make):
        raise TypeError(f"the torch_distribution of loss {name!r} must be a function (**parameters) -> "
                        f"torch.distributions.Distribution or a dotted path such as "
                        f"'torch.distributions.Laplace', got {type(make).__name__} {make!r}")
    try:
        parameters = inspect.signature(make).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): it is called as it is
        return make
    names = [p.name for p in block.link]  # the keywords the oracle passes
    by_keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    missing = [] if takes_any else [n for n in names if n not in {p.name for p in parameters if p.kind in by_keyword}]
    extra = [p.name for p in parameters if p.default is inspect.Parameter.empty and p.name not in names
             and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    if missing or extra:
        shown = given if isinstance(given, str) else getattr(make, "__name__", "torch_distribution")
        s = lambda words: "s" * (len(words) > 1)  # noqa: E731
        problems = ([f"missing keyword{s(missing)} {', '.join(missing)}"] if missing else []) + \
            ([f"extra keyword{s(extra)} {', '.join(extra)} (the density has no parameter of that name)"] if extra else [])
        raise ValueError(f"the torch_distribution of loss {name!r} is called with the density's parameters by name, "
                         f"{shown}({', '.join(n + '=...' for n in names)}), but its keywords do not match: "
                         f"{'; '.join(problems)}; the parameter symbols are {', '.join(names)}: take them by these "
                         f"names (torch_distribution=lambda {', '.join(names)}: ...), or name the symbols after its "
                         f"keywords")
    return make


def _stable_mismatch(block: Block, stable: sp.Expr, points: int = 8, seed: int = 0) -> str | None:
    """Where ``stable`` differs from ``-log Pr(y | link[f])``, compared at ``points`` random outputs
    in [-2, 2] and targets of the support to 30 digits (relative 1e-12); None where it never does."""
    rng = random.Random(seed)
    nll = -sp.log(block.linked)
    for _ in range(points):
        values = {f: sp.Rational(rng.randint(-2000, 2000), 1000) for f in block.outputs}
        values.update(block.sample_targets(rng, len(block.outputs)))
        want, got = sp.N(nll.xreplace(values), 30), sp.N(stable.xreplace(values), 30)
        if not (want.is_finite and got.is_finite) or abs(got - want) > 1e-12 * max(1, abs(want)):
            shown = ", ".join(f"{k} = {v}" for k, v in values.items())
            return f"at {shown} it is {sp.N(got, 8)}, and -log Pr is {sp.N(want, 8)}"
    return None


def _check_stable(block: Block) -> None:
    """Refuse a ``stable=`` form that is not ``-log Pr(y | link[f])`` (at random points; the
    engine proves it again, step by step, when a command derives the loss)."""
    if block.stable is None or block.derived is not None:
        return
    where = _stable_mismatch(block, block.stable)
    if where is not None:
        raise ValueError(f"the stable form of loss {block.name!r} is not -log Pr(y | link[f]): {where}; fix it, or "
                         f"leave stable= out (a stable form is then derived where the rewrites apply, else the "
                         f"expanded -log is used)")


def _derive_stable(block: Block) -> None:
    """Give a block without ``stable=`` the stable form :func:`stable_form` derives from its
    ``-log Pr`` with the logarithm expanded, once it agrees with ``-log Pr`` at random points
    (the engine proves it again as a step of the per-sample derivation). No rewrite applies,
    or the candidate disagrees: the block keeps no stable form (the expanded -log is compiled)."""
    form = stable_form(sp.expand_log(-sp.log(block.linked), force=True))
    if form is not None and _stable_mismatch(block, form.expr) is None:
        block.stable, block.derived = form.expr, form


def _check_normalised(block: Block) -> None:
    """Refuse a density that does not integrate (or sum) to one over its support, saying what it
    integrates to. "Divide by it" only when the integral is a number: one that depends on the
    parameters is not fixed by one division, the density needs its normalising factor in them."""
    check = normalisation_check(block)
    if check.passed:
        return
    name, where = block.name, block.support.where
    total, method = symbolic_total(block) or (None, None)
    refused = f"the density of loss {name!r} is not normalised over {where}"
    if total is not None and not total.free_symbols:
        raise ValueError(f"{refused}: it integrates to {total} ({method}), not 1; divide the "
                         f"density by its integral, {total}, or fix the support")
    rule = "a density must integrate to 1 for every parameter value"
    if total is None:
        raise ValueError(f"{refused}: it {check.detail} ({check.method}), not 1; {rule}: fix its normalising "
                         f"factor or the support")
    symbols = ", ".join(sorted(map(str, total.free_symbols)))
    raise ValueError(f"{refused}: it integrates to {total} ({method}), not 1: it depends on the "
                     f"parameter{'s' * (len(total.free_symbols) > 1)} {symbols}, and {rule}; fix its normalising "
                     f"factor (a function of {symbols}) or the support")
