r"""Stock ``Max`` and ``Min`` as the compiled code computes and differentiates them.

A ``Max(a_1, ..., a_n)`` (SymPy keeps its arguments sorted, a number first) is compiled as
the left fold of binary maxima, and differentiated as that fold, with PyTorch's
conventions at a tie:

    Max(0, z)  = ReLU[z]                 d/dz = I[z > 0]               (0 at z = 0, torch.relu)
    max(a, b)  = torch.maximum(a, b)     d/da = (1 + I[a > b] - I[b > a]) / 2   (1/2 at a = b)
    Min(0, z)  = -ReLU[-z]               d/dz = I[-z > 0]              (0 at z = 0)
    min(a, b)  = torch.minimum(a, b)     d/da = (1 + I[b > a] - I[a > b]) / 2

SymPy's own derivative of ``Max(0, z)`` is ``Heaviside(z)``, 1/2 at 0, where ``torch.relu``
and the lecture's ReLU'(0) give 0. :func:`binary_extrema` writes an expression's ``Max``
and ``Min`` as that fold (package functions that print to numpy/torch and carry those
derivatives); :func:`stock_extrema` writes the binary ones back as stock ``Max``/``Min``.

>>> from symbolic.core.printing import latex
>>> z, a, b = sp.symbols("z a b", real=True)
>>> print(latex(stock_extrema(sp.diff(binary_extrema(sp.Max(0, z)), z))))
\mathbb{I}\left[z > 0\right]
>>> print(latex(stock_extrema(sp.diff(binary_extrema(sp.Max(a, b)), a))))
- \frac{1}{2} \mathbb{I}\left[b - a > 0\right] + \frac{1}{2} \mathbb{I}\left[a - b > 0\right] + \frac{1}{2}
"""

from __future__ import annotations

import sympy as sp

from symbolic.core.gates import Indicator, ReLU

__all__ = ["binary_extrema", "stock_extrema", "tie_split"]


def tie_split(d: sp.Expr) -> sp.Expr:
    r"""``(1 + I[d > 0] - I[-d > 0]) / 2``: 1 for d > 0, 0 for d < 0, 1/2 at d = 0 (torch's
    ``maximum``/``minimum`` split the gradient evenly at a tie).

    >>> from symbolic.core.printing import latex
    >>> d = sp.Symbol("d", real=True)
    >>> [tie_split(v) for v in (-1, 0, 2)]
    [0, 1/2, 1]
    >>> print(latex(tie_split(d)))
    - \frac{1}{2} \mathbb{I}\left[- d > 0\right] + \frac{1}{2} \mathbb{I}\left[d > 0\right] + \frac{1}{2}
    """
    return (1 + Indicator(d) - Indicator(-d)) / 2


class _Binary(sp.Function):
    """max or min of two operands, as compiled (unevaluated; only inside differentiation and printing)."""

    nargs = 2
    numpy_name = ""
    torch_name = ""

    def _code(self, printer, module: str, name: str) -> str:
        a, b = self.args
        left, right = printer._print(a), printer._print(b)
        if module == "torch":  # torch.maximum takes two tensors: a number becomes one shaped like the other
            if a.is_number:
                left = f"torch.full_like({right}, {left})"
            elif b.is_number:
                right = f"torch.full_like({left}, {right})"
        return f"{module}.{name}({left}, {right})"

    def _numpycode(self, printer) -> str:
        return self._code(printer, "numpy", self.numpy_name)

    def _torchcode(self, printer) -> str:
        return self._code(printer, "torch", self.torch_name)

    def _eval_is_real(self):
        return (self.args[0].is_real and self.args[1].is_real) or None


class _Max2(_Binary):
    numpy_name = torch_name = "maximum"

    def fdiff(self, argindex=1):
        a, b = self.args
        return tie_split(a - b) if argindex == 1 else tie_split(b - a)


class _Min2(_Binary):
    numpy_name = torch_name = "minimum"

    def fdiff(self, argindex=1):
        a, b = self.args
        return tie_split(b - a) if argindex == 1 else tie_split(a - b)


def _fold(args: tuple[sp.Expr, ...], is_max: bool) -> sp.Expr:
    out = args[0]
    for b in args[1:]:
        if out == 0:  # Max(0, z) is ReLU[z]; Min(0, z) is -ReLU[-z]: 0 at the tie, as torch.relu
            out = ReLU(b) if is_max else -ReLU(-b)
        else:
            out = _Max2(out, b) if is_max else _Min2(out, b)
    return out


def binary_extrema(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every ``Max``/``Min`` written as the left fold of binary ones (a zero
    operand through ReLU), which print to numpy/torch and differentiate as torch does."""
    if not expr.has(sp.Max, sp.Min):
        return expr
    return expr.replace(lambda e: isinstance(e, (sp.Max, sp.Min)),
                        lambda e: _fold(tuple(e.args), isinstance(e, sp.Max)))


def stock_extrema(expr: sp.Expr) -> sp.Expr:
    """The binary maxima and minima of :func:`binary_extrema` as stock ``Max``/``Min`` again."""
    if not expr.has(_Max2, _Min2):
        return expr
    return expr.replace(lambda e: isinstance(e, (_Max2, _Min2)),
                        lambda e: (sp.Max if isinstance(e, _Max2) else sp.Min)(*e.args))
