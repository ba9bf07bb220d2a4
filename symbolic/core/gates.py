r"""The gates the machinery treats specially: the indicator ``I[z > 0]`` and ReLU, and the
base classes of every activation function.

:mod:`symbolic.core.compile` fuses a product with an indicator into one masked operation (the
backward pass of ReLU) and :mod:`symbolic.core.extrema` writes ``Max(0, z)`` as ReLU, so these
two live below the machinery; :mod:`symbolic.activations` re-exports them beside the other
activations. A class marks itself a gate with ``is_gate = True`` (the compiler reads the
flag, not the class).

ReLU's derivative is the indicator, which is 0 at 0 as in torch; SymPy's
``Heaviside(0) = 1/2`` never appears.
"""

from __future__ import annotations

import sympy as sp

from symbolic.spec.activations import ACTIVATIONS

__all__ = ["StockDefined", "Activation", "Indicator", "ReLU"]


class StockDefined:
    """Mixin for the package's functions: evaluated at numbers, to any precision, and
    rewritten through ``definition(*args)``, their stock-SymPy form (which is also what
    JavaScript prints, through SymPy's ``_javascript`` hook)."""

    def _eval_evalf(self, prec):
        if all(arg.is_number for arg in self.args):
            return self.definition(*self.args)._eval_evalf(prec)
        return None

    def _eval_rewrite(self, rule, args, **hints):
        return self.definition(*args)

    def _javascript(self, printer) -> str:
        return printer._print(self.definition(*self.args))


class Activation(StockDefined, sp.Function):
    """Base class: an elementwise function printed as ``name[z]``.

    A subclass names its registry entry (``entry = "relu"``), from which it takes its LaTeX
    name and the code templates ``torch_code`` and ``numpy_code`` (``{0}`` is the argument,
    ``{1}`` an optional parameter); a helper that is no registry entry (ELU') sets them
    itself. It implements ``definition(z, *params)`` as a stock SymPy expression (used for
    high-precision evaluation and for :meth:`rewrite`). It prints through SymPy's own hooks:
    ``_latex``, ``_numpycode`` and ``_torchcode``.
    """

    entry: str | None = None
    latex_name = r"\mathrm{a}"
    torch_code = ""
    numpy_code = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("entry")
        if name is not None and name in ACTIVATIONS:
            record = ACTIVATIONS.get(name)
            cls.latex_name = record.latex
            cls.torch_code = record.torch_code or ""
            cls.numpy_code = record.numpy_code or ""

    @classmethod
    def definition(cls, *args: sp.Expr) -> sp.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    def _latex(self, printer, exp=None) -> str:
        tex = rf"{self.latex_name}\left[{printer._print(self.args[0])}\right]"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _code(self, printer, template: str) -> str:
        if not template:  # no template: the stock-SymPy definition, printed by the same printer
            definition = self.definition(*self.args)
            fold = getattr(printer, "print_definition", None)  # our code printers fold constants
            return fold(definition) if fold is not None else printer._print(definition)
        args = [printer._print(a) for a in self.args]
        return template.format(*[f"({a})" if i == 0 else a for i, a in enumerate(args)])

    def _numpycode(self, printer) -> str:
        return self._code(printer, self.numpy_code)

    def _torchcode(self, printer) -> str:
        return self._code(printer, self.torch_code)

    def _eval_is_real(self):
        return self.args[0].is_real or None

    def _eval_is_finite(self):
        return self.args[0].is_finite or None


class Indicator(Activation):
    r"""Indicator ``I[z > 0]``: 1 for z > 0, else 0 (so 0 at 0, like torch).

    It is ReLU's derivative and the ``heaviside`` activation. Its derivative is 0 (almost
    everywhere).

    >>> from sympy import Symbol, latex
    >>> z = Symbol("z", real=True)
    >>> print(latex(Indicator(z)))
    \mathbb{I}\left[z > 0\right]
    >>> Indicator(0), Indicator(3)
    (0, 1)
    """

    entry = "heaviside"
    is_gate = True

    @classmethod
    def eval(cls, z):
        if z.is_number and z.is_comparable:
            return sp.S.One if z > 0 else sp.S.Zero
        if z.is_positive:
            return sp.S.One
        if z.is_nonpositive:
            return sp.S.Zero
        return None

    @classmethod
    def definition(cls, z):
        return sp.Piecewise((1, z > 0), (0, True))

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\mathbb{{I}}\left[{printer._print(self.args[0])} > 0\right]"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def fdiff(self, argindex=1):
        return sp.S.Zero


class ReLU(Activation):
    r"""Rectified linear unit, ``ReLU[z] = max(0, z)``; ``ReLU'[z] = I[z > 0]``.

    >>> from sympy import Symbol, latex, diff
    >>> z = Symbol("z", real=True)
    >>> print(latex(ReLU(z)))
    \mathrm{ReLU}\left[z\right]
    >>> print(latex(diff(ReLU(z), z)))
    \mathbb{I}\left[z > 0\right]
    >>> ReLU(-2), ReLU(3)
    (0, 3)
    """

    entry = "relu"

    @classmethod
    def eval(cls, z):
        if z.is_number and z.is_comparable:
            return z if z > 0 else sp.S.Zero
        if z.is_nonnegative:
            return z
        if z.is_nonpositive:
            return sp.S.Zero
        return None

    @classmethod
    def definition(cls, z):
        return sp.Piecewise((z, z > 0), (0, True))

    def fdiff(self, argindex=1):
        return Indicator(self.args[0])
