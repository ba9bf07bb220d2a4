r"""``Pr(y = v | lambda)``: a distribution's probability of one outcome, as an object the book's
notation prints from.

The lessons compare outcomes by the ratio of their probabilities (``Pr(y = 1 | lambda) /
Pr(y = 0 | lambda)``, ``Pr(y + 1 | lambda) / Pr(y | lambda)``). :func:`probability` makes a
function class for one distribution's mass function: its calls print in the book's notation,
are defined by the mass function (:class:`~symbolic.core.gates.StockDefined`: evaluated, and
rewritten in proofs, through ``definition``), and read back by the package's reader like any
function of the package.

>>> import sympy as sp
>>> lam = sp.Symbol("lambda", positive=True)
>>> y = sp.Symbol("y", integer=True, nonnegative=True)
>>> Pr = probability("BernoulliPr", lambda v, p: p**v * (1 - p) ** (1 - v))
>>> from symbolic.core.printing import latex
>>> print(latex(Pr(1, lam) / Pr(0, lam)))
\frac{\Pr(y = 1 \mid \lambda)}{\Pr(y = 0 \mid \lambda)}
>>> Pr.definition(1, lam), Pr.definition(0, lam)
(lambda, 1 - lambda)
>>> Counts = probability("PoissonPr", lambda v, p: p**v * sp.exp(-p) / sp.factorial(v), event=False)
>>> print(latex(Counts(y + 1, lam) / Counts(y, lam)))
\frac{\Pr(y + 1 \mid \lambda)}{\Pr(y \mid \lambda)}
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from symbolic.activations.functions import StockDefined

__all__ = ["Probability", "probability"]


class Probability(StockDefined, sp.Function):
    r"""``Pr(y = v | p)``, a distribution's probability of the outcome ``v`` given its parameter
    ``p``: ``definition(v, p)`` is the mass function. Printed ``\Pr(y = v \mid p)``, or, for a
    class made with ``event=False``, ``\Pr(v \mid p)`` (the book's ``Pr(y + 1 | lambda)``)."""

    nargs = 2
    #: The outcome's name in ``\Pr(y = v \mid p)``.
    variable = "y"
    #: Print the event ``y = v`` (else the outcome ``v`` alone).
    event = True

    @classmethod
    def definition(cls, value: sp.Expr, parameter: sp.Expr) -> sp.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    def _latex(self, printer, exp=None) -> str:
        value, parameter = (printer._print(a) for a in self.args)
        shown = f"{self.variable} = {value}" if self.event else value
        tex = rf"\Pr({shown} \mid {parameter})"
        return tex if exp is None else rf"{tex}^{{{exp}}}"


def probability(name: str, pmf: Callable[[sp.Expr, sp.Expr], sp.Expr], event: bool = True,
                variable: str = "y") -> type:
    """A :class:`Probability` class named ``name`` whose definition is ``pmf(value, parameter)``."""
    if not callable(pmf):
        raise TypeError(f"pmf must be a function (value, parameter) -> expression, got {type(pmf).__name__}")
    return type(name, (Probability,), {"definition": classmethod(lambda cls, v, p: pmf(v, p)), "event": event,
                                       "variable": variable, "__module__": __name__})
