r"""JavaScript code of derived expressions, for the interactive figures of the web notes.

SymPy's :class:`~sympy.printing.jscode.JavascriptCodePrinter` prints the stock functions;
the package's own functions (activations, LogSumExp) print through their stock-SymPy
``definition`` by their ``_javascript`` hook (a ``Piecewise`` becomes a conditional
expression); the printer here adds symbol names as identifiers (``theta_{1,0}`` -> ``theta_1_0``). A function JavaScript
lacks (``erf`` in GELU) raises ``ValueError`` rather than printing a comment.

>>> import sympy as sp
>>> from symbolic.activations.functions import ReLU
>>> z = sp.Symbol("z", real=True)
>>> print(javascript(ReLU(z)))
((z > 0) ? (z) : (0))
>>> print(javascript_function("relu", [z], ReLU(z) * sp.Rational(-7, 10)))
function relu(z) { return -7/10*((z > 0) ? (z) : (0)); }
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from symbolic.core.printing import identifier

__all__ = ["JavaScriptPrinter", "javascript", "javascript_function", "javascript_program"]


class JavaScriptPrinter(JavascriptCodePrinter):
    """``jscode`` with the package's functions and identifier-safe symbol names."""

    def __init__(self, settings: dict | None = None):
        super().__init__({"strict": True, **(settings or {})})

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return identifier(expr)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # one line: (c1) ? (e1) : ((c2) ? (e2) : (e3)); the last condition must be True
        if expr.args[-1].cond != sp.true:
            raise ValueError("a Piecewise printed to JavaScript needs a last (otherwise) branch")
        text = self._print(expr.args[-1].expr)
        for e, c in reversed(expr.args[:-1]):
            text = f"(({self._print(c)}) ? ({self._print(e)}) : ({text}))"
        return text

    def _print_not_supported(self, expr):
        raise ValueError(f"JavaScript has no {type(expr).__name__}: cannot print {expr}")


def javascript(expr: sp.Expr) -> str:
    """One JavaScript expression for ``expr`` (numbers to 17 significant digits)."""
    return JavaScriptPrinter().doprint(sp.sympify(expr))


def javascript_function(name: str, args: Sequence[sp.Symbol], expr: sp.Expr) -> str:
    """``function name(args) { return expr; }`` in one line."""
    params = ", ".join(identifier(a) for a in args)
    return f"function {name}({params}) {{ return {javascript(expr)}; }}"


def javascript_program(name: str, args: Sequence[sp.Symbol], program: Sequence[tuple[sp.Symbol, sp.Expr]],
                       outputs: Sequence[sp.Symbol]) -> str:
    """A straight-line program as a JavaScript function returning an object of every
    intermediate (``const h_1 = ...; ... return {h_1, ..., y}``), so a figure can draw the
    hidden units as well as the output."""
    params = ", ".join(identifier(a) for a in args)
    lines = [f"  const {identifier(s)} = {javascript(e)};" for s, e in program]
    names = [identifier(s) for s, _ in program]
    missing = [identifier(o) for o in outputs if identifier(o) not in names]
    if missing:
        raise ValueError(f"outputs {missing} are not assigned by the program")
    return f"function {name}({params}) {{\n" + "\n".join(lines) + f"\n  return {{{', '.join(names)}}};\n}}"
