"""Activation functions a[z] as SymPy functions with exact derivatives.

Each class prints in the lecture's style, ``\\mathrm{ReLU}\\left[z\\right]``, knows its
exact derivative (``fdiff``), evaluates at numbers (exactly where possible, to any
precision through its stock-SymPy definition), and carries the code its torch and numpy
realisations print to (used by :mod:`symbolic.core.printing`).

ReLU's derivative is the indicator ``I[z > 0]``, which is 0 at 0 as in torch; SymPy's
``Heaviside(0) = 1/2`` never appears.
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from symbolic.spec.activations import ACTIVATIONS
from symbolic.spec import NetworkSpec

__all__ = [
    "StockDefined",
    "Activation",
    "Indicator",
    "ReLU",
    "LeakyReLU",
    "sig",
    "Tanh",
    "Softplus",
    "ELU",
    "ELUPrime",
    "GELU",
    "Swish",
    "activation",
    "activation_latex",
    "ACTIVATION_CLASSES",
]


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
            from symbolic.core.printing import fold_constants

            return printer._print(fold_constants(self.definition(*self.args)))
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


def _exact_number(z: sp.Expr) -> bool:
    return z.is_number and z.is_comparable and not z.has(sp.Float)


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


class LeakyReLU(Activation):
    r"""Leaky ReLU with slope s for z <= 0: ``LReLU[z] = z I[z > 0] + s z (1 - I[z > 0])``.

    Its derivative is ``s + (1 - s) I[z > 0]`` (s at 0, as torch).

    >>> from sympy import Symbol, Rational, latex, diff
    >>> z = Symbol("z", real=True)
    >>> print(latex(LeakyReLU(z, Rational(1, 10))))
    \mathrm{LReLU}\left[z\right]
    >>> print(latex(diff(LeakyReLU(z, Rational(1, 10)), z)))
    \frac{9 \mathbb{I}\left[z > 0\right]}{10} + \frac{1}{10}
    """

    entry = "leaky_relu"

    @classmethod
    def eval(cls, z, s):
        if z.is_number and z.is_comparable and s.is_number:
            return z if z > 0 else s * z
        return None

    @classmethod
    def definition(cls, z, s):
        return sp.Piecewise((z, z > 0), (s * z, True))

    def fdiff(self, argindex=1):
        z, s = self.args
        if argindex == 1:
            return s + (1 - s) * Indicator(z)
        return z * (1 - Indicator(z))


class sig(Activation):
    r"""Logistic sigmoid ``sig[z] = 1 / (1 + exp(-z))``; ``sig'[z] = sig[z] (1 - sig[z])``.

    >>> from sympy import Symbol, latex, diff
    >>> z = Symbol("z", real=True)
    >>> print(latex(sig(z)))
    \mathrm{sig}\left[z\right]
    >>> print(latex(diff(sig(z), z)))
    \left(1 - \mathrm{sig}\left[z\right]\right) \mathrm{sig}\left[z\right]
    >>> sig(0)
    1/2
    """

    entry = "sigmoid"

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Half
        return None

    @classmethod
    def definition(cls, z):
        return 1 / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        return sig(self.args[0]) * (1 - sig(self.args[0]))

    def _eval_is_positive(self):
        return self.args[0].is_real or None


class Tanh(Activation):
    r"""Hyperbolic tangent ``tanh[z]``; ``tanh'[z] = 1 - tanh[z]^2``.

    >>> from sympy import Symbol, latex
    >>> print(latex(Tanh(Symbol("z", real=True))))
    \tanh\left[z\right]
    """

    entry = "tanh"

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Zero
        return None

    @classmethod
    def definition(cls, z):
        return sp.tanh(z)

    def fdiff(self, argindex=1):
        return 1 - Tanh(self.args[0]) ** 2


class Softplus(Activation):
    r"""Softplus ``softplus[z] = log(1 + exp(z))``; its derivative is ``sig[z]``.

    Printed to the overflow-free ``logaddexp(0, z)`` in torch and numpy.

    >>> from sympy import Symbol, latex, diff
    >>> z = Symbol("z", real=True)
    >>> print(latex(Softplus(z)))
    \mathrm{softplus}\left[z\right]
    >>> print(latex(diff(Softplus(z), z)))
    \mathrm{sig}\left[z\right]
    """

    entry = "softplus"

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.log(2)
        return None

    @classmethod
    def definition(cls, z):
        return sp.log(1 + sp.exp(z))

    def fdiff(self, argindex=1):
        return sig(self.args[0])

    def _eval_is_positive(self):
        return self.args[0].is_real or None


class ELUPrime(Activation):
    r"""Derivative of ELU: 1 for z > 0, ``alpha exp(z)`` otherwise.

    >>> from sympy import Symbol, latex
    >>> print(latex(ELUPrime(Symbol("z", real=True), 1)))
    \mathrm{ELU}'\left[z\right]
    """

    latex_name = r"\mathrm{ELU}'"
    torch_code = "torch.where({0} > 0, torch.ones_like({0}), {1}*torch.exp(torch.clamp({0}, max=0)))"
    numpy_code = "numpy.where({0} > 0, 1.0, {1}*numpy.exp(numpy.minimum({0}, 0.0)))"

    @classmethod
    def definition(cls, z, alpha):
        return sp.Piecewise((1, z > 0), (alpha * sp.exp(z), True))

    def fdiff(self, argindex=1):
        z, alpha = self.args
        if argindex == 1:
            return (1 - Indicator(z)) * alpha * sp.exp(z)
        return (1 - Indicator(z)) * sp.exp(z)


class ELU(Activation):
    r"""Exponential linear unit: z for z > 0, ``alpha (exp(z) - 1)`` otherwise.

    >>> from sympy import Symbol, latex, diff
    >>> z = Symbol("z", real=True)
    >>> print(latex(ELU(z, 1)))
    \mathrm{ELU}\left[z\right]
    >>> print(latex(diff(ELU(z, 1), z)))
    \mathrm{ELU}'\left[z\right]
    """

    entry = "elu"

    @classmethod
    def eval(cls, z, alpha):
        if z.is_zero:
            return sp.S.Zero
        return None

    @classmethod
    def definition(cls, z, alpha):
        return sp.Piecewise((z, z > 0), (alpha * (sp.exp(z) - 1), True))

    def fdiff(self, argindex=1):
        z, alpha = self.args
        if argindex == 1:
            return ELUPrime(z, alpha)
        return (1 - Indicator(z)) * (sp.exp(z) - 1)


class GELU(Activation):
    r"""Gaussian error linear unit ``GELU[z] = z Phi(z)``, Phi the standard normal cdf.

    Its derivative is ``Phi(z) + z exp(-z^2/2)/sqrt(2 pi)``.

    >>> from sympy import Symbol, latex
    >>> print(latex(GELU(Symbol("z", real=True))))
    \mathrm{GELU}\left[z\right]
    """

    entry = "gelu"

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Zero
        return None

    @classmethod
    def definition(cls, z):
        return z * (1 + sp.erf(z / sp.sqrt(2))) / 2

    def fdiff(self, argindex=1):
        z = self.args[0]
        return (1 + sp.erf(z / sp.sqrt(2))) / 2 + z * sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)


class Swish(Activation):
    r"""Swish (SiLU) ``swish[z] = z sig[z]``; derivative ``sig[z] + z sig[z](1 - sig[z])``.

    >>> from sympy import Symbol, latex
    >>> print(latex(Swish(Symbol("z", real=True))))
    \mathrm{swish}\left[z\right]
    """

    entry = "swish"

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Zero
        return None

    @classmethod
    def definition(cls, z):
        return z / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        z = self.args[0]
        return sig(z) + z * sig(z) * (1 - sig(z))


#: Every activation class, by name (the srepr reader and tests look these up); a
#: registered activation's class is added when it is registered.
ACTIVATION_CLASSES: dict[str, type[Activation]] = {
    cls.__name__: cls for cls in (Indicator, ReLU, LeakyReLU, sig, Tanh, Softplus, ELU, ELUPrime, GELU, Swish)
}


def activation(spec: NetworkSpec | str, **params) -> Callable[[sp.Expr], sp.Expr]:
    r"""The activation a[.] of a spec (or a name) as a function ``z -> a[z]``, from its registry entry.

    ``linear`` is the identity, ``heaviside`` the indicator ``I[z > 0]``.

    >>> from sympy import Symbol, latex
    >>> a = activation("relu")
    >>> print(latex(a(Symbol("z"))))
    \mathrm{ReLU}\left[z\right]
    >>> activation("linear")(Symbol("z"))
    z
    """
    if isinstance(spec, str):
        spec = NetworkSpec((1, 1), spec, params)
    return spec.activation_entry.sympy_function(spec.activation_params)


def activation_latex(spec: NetworkSpec | str) -> str:
    r"""LaTeX name of a[.] for a spec, e.g. ``\mathrm{ReLU}``; ``linear`` gives ``\mathrm{a}``."""
    name = spec if isinstance(spec, str) else spec.activation
    return ACTIVATIONS.get(name).latex
