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

from symbolic.core.gates import Activation, Indicator, ReLU, StockDefined
from symbolic.spec.activations import ACTIVATIONS, bind_sympy
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


def _exact_number(z: sp.Expr) -> bool:
    return z.is_number and z.is_comparable and not z.has(sp.Float)


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

    def _eval_evalf(self, prec):
        """``log1p(exp(z))`` (``z + log1p(exp(-z))`` for positive ``z``) at a real number: the
        definition's ``log(1 + exp(z))`` at ``prec`` bits rounds ``1 + exp(-23.3)`` to 1 and
        gives 0, which SymPy then took for the exact value (``Abs(-softplus(f))`` became 0 at
        f = -23.3)."""
        import mpmath

        z = self.args[0]
        value = z._eval_evalf(prec + 10) if z.is_number else None
        if value is None or not (value.is_real and value.is_Float):
            return super()._eval_evalf(prec)
        with mpmath.workprec(prec + 10):
            x = value._to_mpmath(prec + 10)
            r = mpmath.log1p(mpmath.exp(x)) if x < 0 else x + mpmath.log1p(mpmath.exp(-x))
        return sp.Float._new(r._mpf_, prec)


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

# The registry entries (symbolic.spec) name no module above them: the built-ins' classes are bound here.
bind_sympy({cls.entry: cls for cls in ACTIVATION_CLASSES.values() if cls.entry is not None})


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
