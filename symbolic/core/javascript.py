r"""JavaScript code of derived expressions, for the interactive figures of the web notes.

SymPy's :class:`~sympy.printing.jscode.JavascriptCodePrinter` prints the stock functions;
the package's own functions (activations, LogSumExp) print through their stock-SymPy
``definition`` by their ``_javascript`` hook (a ``Piecewise`` becomes a conditional
expression); the printer here adds symbol names as identifiers (``theta_{1,0}`` -> ``theta_1_0``). A function JavaScript
lacks (``erf`` in GELU) raises ``ValueError`` rather than printing a comment.

A printed function is a :class:`JavaScriptFunction`: its text *and* the SymPy objects it was
printed from, so a check can evaluate the very text a page holds and compare it with SymPy
(:mod:`derivations.checks.javascript_readback`).

>>> import sympy as sp
>>> from symbolic.activations.functions import ReLU
>>> z = sp.Symbol("z", real=True)
>>> print(javascript(ReLU(z)))
((z > 0) ? (z) : (0))
>>> print(javascript_function("relu", [z], ReLU(z) * sp.Rational(-7, 10)))
function relu(z) { return -7/10*((z > 0) ? (z) : (0)); }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from symbolic.core.printing import identifier

__all__ = ["JavaScriptPrinter", "JavaScriptFunction", "NotPrintable", "javascript", "javascript_function",
           "javascript_program"]

#: What a printed function returns: its one expression, an array of its expressions, or an
#: object of every intermediate of its program, by identifier.
RETURNS = ("value", "array", "object")


class NotPrintable(ValueError):
    """An expression holds a function JavaScript lacks (``function``: its name, ``erf`` in GELU)."""

    def __init__(self, function: str, expr: sp.Basic):
        super().__init__(f"JavaScript has no {function}: cannot print {expr}")
        self.function = function


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
        raise NotPrintable(type(expr).__name__, expr)


def javascript(expr: sp.Expr) -> str:
    """One JavaScript expression for ``expr`` (numbers to 17 significant digits)."""
    return JavaScriptPrinter().doprint(sp.sympify(expr))


@dataclass(frozen=True)
class JavaScriptFunction:
    r"""A JavaScript function printed from SymPy, with the objects it was printed from.

    ``body`` is a straight-line program of ``(symbol, expression)`` pairs, each expression
    in the ``args`` and the symbols assigned before it; ``returns`` is ``"value"`` (the one
    expression), ``"array"`` (every expression, in order) or ``"object"`` (every assigned
    symbol by its identifier). :attr:`text` is the function as a page holds it.

    >>> x, a = sp.Symbol("x", real=True), sp.Symbol("alpha", positive=True)
    >>> f = JavaScriptFunction.array("step", [x, a], [x - a * 2 * x, sp.log(x)])
    >>> print(f.text)
    function step(x, alpha) { return [-2*alpha*x + x, Math.log(x)]; }
    >>> f.outputs()[1]
    log(x)
    """

    name: str
    args: tuple[sp.Symbol, ...]
    body: tuple[tuple[sp.Symbol, sp.Expr], ...]
    returns: str = "value"

    def __post_init__(self):
        if self.returns not in RETURNS:
            raise ValueError(f"returns must be one of {RETURNS}, got {self.returns!r}")
        if self.returns == "value" and len(self.body) != 1:
            raise ValueError(f"a function returning one value has one expression, got {len(self.body)}")

    @classmethod
    def value(cls, name: str, args: Sequence[sp.Symbol], expr: sp.Expr) -> "JavaScriptFunction":
        """``function name(args) { return expr; }``."""
        return cls(name, tuple(args), ((sp.Dummy(name), sp.sympify(expr)),), "value")

    @classmethod
    def array(cls, name: str, args: Sequence[sp.Symbol], exprs: Sequence[sp.Expr]) -> "JavaScriptFunction":
        """``function name(args) { return [e_1, ..., e_n]; }``."""
        return cls(name, tuple(args), tuple((sp.Dummy(f"{name}_{i}"), sp.sympify(e)) for i, e in enumerate(exprs)),
                   "array")

    @classmethod
    def program(cls, name: str, args: Sequence[sp.Symbol], program: Sequence[tuple[sp.Symbol, sp.Expr]],
                outputs: Sequence[sp.Symbol]) -> "JavaScriptFunction":
        """A straight-line program returning an object of every intermediate; ``outputs``
        must be among the assigned symbols."""
        names = [identifier(s) for s, _ in program]
        missing = [identifier(o) for o in outputs if identifier(o) not in names]
        if missing:
            raise ValueError(f"outputs {missing} are not assigned by the program")
        return cls(name, tuple(args), tuple((s, sp.sympify(e)) for s, e in program), "object")

    @property
    def keys(self) -> list[str | int | None]:
        """How each expression of the body is read from the returned value: ``None`` (the
        value itself), an array index or an object key."""
        if self.returns == "value":
            return [None]
        if self.returns == "array":
            return list(range(len(self.body)))
        return [identifier(s) for s, _ in self.body]

    def outputs(self) -> list[sp.Expr]:
        """Each returned expression in the arguments alone (earlier intermediates substituted)."""
        done: dict[sp.Symbol, sp.Expr] = {}
        out = []
        for s, e in self.body:
            done[s] = e.xreplace(done)
            out.append(done[s])
        return out

    @property
    def text(self) -> str:
        params = ", ".join(identifier(a) for a in self.args)
        if self.returns == "value":
            return f"function {self.name}({params}) {{ return {javascript(self.body[0][1])}; }}"
        if self.returns == "array":
            return f"function {self.name}({params}) {{ return [{', '.join(javascript(e) for _, e in self.body)}]; }}"
        lines = [f"  const {identifier(s)} = {javascript(e)};" for s, e in self.body]
        names = [identifier(s) for s, _ in self.body]
        return f"function {self.name}({params}) {{\n" + "\n".join(lines) + f"\n  return {{{', '.join(names)}}};\n}}"


def javascript_function(name: str, args: Sequence[sp.Symbol], expr: sp.Expr) -> str:
    """``function name(args) { return expr; }`` in one line."""
    return JavaScriptFunction.value(name, args, expr).text


def javascript_program(name: str, args: Sequence[sp.Symbol], program: Sequence[tuple[sp.Symbol, sp.Expr]],
                       outputs: Sequence[sp.Symbol]) -> str:
    """A straight-line program as a JavaScript function returning an object of every
    intermediate (``const h_1 = ...; ... return {h_1, ..., y}``), so a figure can draw the
    hidden units as well as the output."""
    return JavaScriptFunction.program(name, args, program, outputs).text
