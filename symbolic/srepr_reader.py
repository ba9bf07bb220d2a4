r"""Read ``sympy.srepr`` strings back without evaluating them.

``answers.json`` stores each answer as ``sympy.srepr`` text. A file is input, so it is not
handed to ``eval``/``sympify``: :func:`read_srepr` parses the text with Python's ``ast``
(which only parses) and rebuilds the expression from a fixed table of SymPy classes and the
package's own functions, with plain literal arguments.

    expr := Name "(" [expr | literal] ("," ...)* [keyword=literal ...] ")" | Name

>>> import sympy as sp
>>> from symbolic.activations import ReLU
>>> x = sp.Symbol("x", real=True)
>>> text = sp.srepr(ReLU(x / 2 + 1))
>>> read_srepr(text) == ReLU(x / 2 + 1)
True
>>> read_srepr("__import__('os')")
Traceback (most recent call last):
...
ValueError: answer_srepr: '__import__' is not an allowed SymPy constructor
"""

from __future__ import annotations

import ast

import sympy as sp

from .activations import ACTIVATION_CLASSES

__all__ = ["read_srepr"]

MAX_SREPR_LENGTH = 200_000
MAX_SREPR_DEPTH = 200

_CLASSES = {cls.__name__: cls for cls in (
    sp.Symbol, sp.Dummy, sp.Integer, sp.Rational, sp.Float, sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.Abs,
    sp.sin, sp.cos, sp.tan, sp.tanh, sp.erf, sp.gamma, sp.loggamma, sp.factorial, sp.Tuple, sp.Piecewise,
    sp.StrictGreaterThan, sp.GreaterThan, sp.StrictLessThan, sp.LessThan, sp.Max, sp.Min,
)}
_CONSTANTS = {"pi": sp.pi, "E": sp.E, "oo": sp.oo, "true": sp.true, "false": sp.false, "Half": sp.S.Half,
              "zoo": sp.zoo, "nan": sp.nan}


def _extra_classes() -> dict:
    from .losses import LogSumExp

    return {"LogSumExp": LogSumExp}


def read_srepr(text: str) -> sp.Basic:
    """Rebuild the expression of a ``sympy.srepr`` string (see the module docstring)."""
    if not isinstance(text, str) or len(text) > MAX_SREPR_LENGTH:
        raise ValueError("answer_srepr: expected srepr text of at most 200,000 characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ValueError(f"answer_srepr: not srepr text: {text[:60]!r}") from None
    classes = {**_CLASSES, **ACTIVATION_CLASSES, **_extra_classes()}  # registered activations too

    def build(node: ast.AST, depth: int):
        if depth > MAX_SREPR_DEPTH:
            raise ValueError("answer_srepr: nested too deeply")
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, str, bool)) and node.value is not None:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            return -build(node.operand, depth + 1)
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            raise ValueError(f"answer_srepr: {node.id!r} is not an allowed SymPy constant")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name not in classes:
                raise ValueError(f"answer_srepr: {name!r} is not an allowed SymPy constructor")
            args = [build(a, depth + 1) for a in node.args]
            kwargs = {}
            for kw in node.keywords:
                if not (isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, (bool, int, str))):
                    raise ValueError(f"answer_srepr: keyword {kw.arg!r} must be a literal")
                kwargs[kw.arg] = kw.value.value
            if name in ("Symbol", "Dummy"):
                if len(args) != 1 or not isinstance(args[0], str) or any(not isinstance(v, bool) for v in kwargs.values()):
                    raise ValueError("answer_srepr: Symbol takes a name and boolean assumptions")
            elif name == "Integer" and not (len(args) == 1 and isinstance(args[0], int) and abs(args[0]) < 10**400):
                raise ValueError("answer_srepr: Integer takes one integer")
            elif name == "Rational" and not (len(args) == 2 and all(isinstance(a, int) and abs(a) < 10**400 for a in args)):
                raise ValueError("answer_srepr: Rational takes two integers")
            elif name == "Float" and not (isinstance(args[0], str) and len(args[0]) < 100):
                raise ValueError("answer_srepr: Float takes a decimal string")
            elif name not in ("Integer", "Rational", "Float") and any(isinstance(a, (str, int)) for a in args):
                raise ValueError(f"answer_srepr: {name} takes expressions")
            return classes[name](*args, **kwargs)
        if isinstance(node, ast.Call):
            raise ValueError("answer_srepr: only SymPy constructors called by name are allowed")
        raise ValueError(f"answer_srepr: unexpected {type(node).__name__} in srepr text")

    return build(tree.body, 0)
