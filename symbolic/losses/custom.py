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
ValueError: the density of loss 'half' is not normalised over the real line: it integrates to 1/2 (symbolic (sympy.integrate)), not 1; divide by its integral or fix the support
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import sympy as sp

from symbolic.losses.block import Block
from symbolic.losses.engine import Engine
from symbolic.spec.losses import LOSSES, PRINTED, SUPPORTS, Likelihood, _fixed
from symbolic.losses.nonnegative import check_nonnegative
from symbolic.losses.engine import check_normalised

__all__ = ["register_loss"]


def _outputs(n: int) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, n + 1))


def register_loss(name: str, *, density: sp.Expr, target: sp.Symbol | Sequence[sp.Symbol],
                  link: Callable[[tuple[sp.Symbol, ...]], Mapping[sp.Symbol, sp.Expr]], outputs: int, support: str,
                  stable: Callable[[tuple[sp.Symbol, ...]], sp.Expr] | sp.Expr | None = None,
                  torch_distribution: Callable[..., Any] | None = None) -> Likelihood:
    r"""Register the loss ``l_i = -log Pr(y_i | link[f_1, ..., f_{D_o}])`` under ``name``.

    Parameters
    ----------
    name : the ``--loss`` name; must not be taken.
    density : ``Pr(y | theta)``, a SymPy expression in ``target`` and the parameters theta.
    target : the target symbol (or a tuple of them, one per data column).
    link : ``link(f)`` maps the tuple of per-sample output symbols ``f_1..f_{D_o}`` to
        ``{parameter: expression}``; every parameter of the density needs one, and a
        parameter declared ``positive=True`` needs an expression positive for every output
        (``exp(f_2)``, not ``f_2``).
    outputs : D_o, the number of network outputs.
    support : one of real, positive, nonnegative, unit-interval, circular, binary, count,
        class, ranking.
    stable : optional per-sample loss in the outputs and target (an expression, or ``f -> expr``),
        proven equal to ``-log Pr(y | link[f])`` by the engine.
    torch_distribution : optional ``(**parameters) -> torch.distributions.Distribution``, called
        with the linked parameters by name: an extra oracle in ``verify``.

    The density must be nonnegative on the support, for every parameter the link gives
    (proven by SymPy's assumptions, else checked on a dense sample; refused naming a target
    and parameters where it is negative), and integrate (or sum) to one over the support:
    checked symbolically, else numerically, and refused with the total measured.
    """
    if name in LOSSES:
        LOSSES.add(name, None)  # the registry's own message: already registered
    if support not in SUPPORTS:
        from symbolic.spec.registry import suggest

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
        mapping = {sp.sympify(p): sp.sympify(e) for p, e in dict(link(f)).items()}
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
        return Block(name, support, f, targets, tuple(p for p in mapping if p in parameters), density, mapping,
                     stable=None if expr is None else sp.sympify(expr), distribution=name)

    block = build(_outputs(outputs))
    check_nonnegative(block)  # before the integral: a density that is negative somewhere may still integrate to 1
    check_normalised(block)
    model = Engine(name, build, outputs)
    model._blocks[outputs] = block
    n_targets = len(targets)
    oracle = None if torch_distribution is None else _oracle(block, torch_distribution)
    entry = Likelihood(name, SUPPORTS[support], _fixed(outputs, n_targets, ", ".join(
        f"{p} = {e}" for p, e in block.link.items())), f"{name} (registered)", symbolic=model,
        torch_distribution=oracle, torch_nll=PRINTED, builtin=False,
        targets_doc=", ".join(map(str, targets)))
    return LOSSES.add(name, entry)


def _oracle(block: Block, make: Callable[..., Any]) -> Callable:
    """``(entry, f, constants) -> make(**linked parameters)``, the links compiled to torch."""
    compiled: dict[str, Any] = {}

    def oracle(entry, f, constants):
        from symbolic.core.compile import compile_program

        if "fn" not in compiled:
            compiled["fn"] = compile_program(list(block.outputs), [], list(block.link.values()), "torch")
        values = compiled["fn"](*[f[:, j] for j in range(f.shape[1])])
        return make(**{p.name: v for p, v in zip(block.link, values)})

    return oracle
