r"""Read ``sympy.srepr`` strings back without evaluating them.

``answers.json`` stores each answer as ``sympy.srepr`` text. A file is input, so it is never
handed to ``eval``/``sympify``/``parse_expr``: :func:`read_srepr` parses the text with
Python's ``ast`` (which only parses) and rebuilds the expression from a fixed table of SymPy
classes and the package's own functions::

    expr    := Class "(" expr ("," expr)* ")" | Constant
    atom    := Symbol "(" string ("," assumption "=" bool)* ")"
             | Integer "(" int ")" | Rational "(" int "," int ")"
             | Float "(" decimal-string ["," precision "=" int] ")"

A literal (a string, an integer, a boolean) is only ever the argument of an atom, never an
expression or the result: what comes back is always a SymPy object. Sizes are bounded
before anything is built: the text's length, its nesting, the number of nodes, the digits of
integers, numeric exponents (no power of a number with more than
:data:`MAX_POWER_BITS` bits is computed) and factorial/gamma arguments.

>>> import sympy as sp
>>> from symbolic.activations.functions import ReLU
>>> x = sp.Symbol("x", real=True)
>>> text = sp.srepr(ReLU(x / 2 + 1))
>>> read_srepr(text) == ReLU(x / 2 + 1)
True
>>> read_srepr("__import__('os')")
Traceback (most recent call last):
...
ValueError: answer_srepr: '__import__' is not an allowed SymPy constructor
>>> read_srepr(repr("__import__('os').system('true')"))
Traceback (most recent call last):
...
ValueError: answer_srepr: a literal is allowed only inside Symbol, Integer, Rational or Float, not as an expression
>>> read_srepr("Pow(Integer(10), Integer(100000000))")
Traceback (most recent call last):
...
ValueError: answer_srepr: a numeric exponent larger than 1000 in size is refused
"""

from __future__ import annotations

import ast
import math
import re

import sympy as sp
from sympy.core.facts import InconsistentAssumptions
from sympy.functions.elementary.piecewise import ExprCondPair
from sympy.logic.boolalg import Boolean

from symbolic.activations.functions import ACTIVATION_CLASSES

__all__ = ["read_srepr", "MAX_SREPR_LENGTH", "MAX_SREPR_DEPTH", "MAX_SREPR_NODES", "MAX_EXPONENT",
           "MAX_POWER_BITS", "MAX_FACTORIAL_ARGUMENT"]

MAX_SREPR_LENGTH = 200_000
MAX_SREPR_DEPTH = 100
MAX_SREPR_NODES = 20_000
#: Integers of at most this many decimal digits.
MAX_INTEGER_DIGITS = 400
#: Numeric exponents at most this large in size.
MAX_EXPONENT = 1000
#: No power of a rational number with more than this many bits is computed.
MAX_POWER_BITS = 20_000
#: factorial, gamma and loggamma of numbers at most this large.
MAX_FACTORIAL_ARGUMENT = 1000
#: Arguments of Max/Min and pieces of a Piecewise (SymPy's simplification of them grows steeply).
MAX_EXTREMA_ARGS = 16
MAX_PIECES = 16
#: Piecewise inside Piecewise at most this deep.
MAX_PIECEWISE_NESTING = 3
#: Float mantissa digits and precision (bits).
MAX_FLOAT_TEXT = 100
MAX_FLOAT_PRECISION = 2000

_CLASSES = {cls.__name__: cls for cls in (
    sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.Abs, sp.sin, sp.cos, sp.tan, sp.tanh, sp.erf, sp.gamma,
    sp.loggamma, sp.factorial, sp.Tuple, sp.Piecewise, ExprCondPair, sp.StrictGreaterThan, sp.GreaterThan,
    sp.StrictLessThan, sp.LessThan, sp.Max, sp.Min,
)}
_ATOMS = ("Symbol", "Dummy", "Integer", "Rational", "Float")
_CONSTANTS = {"pi": sp.pi, "E": sp.E, "oo": sp.oo, "true": sp.true, "false": sp.false, "Half": sp.S.Half,
              "zoo": sp.zoo, "nan": sp.nan}
#: The assumptions a Symbol of an answer may carry (SymPy's names).
_ASSUMPTIONS = frozenset({"real", "positive", "negative", "nonnegative", "nonpositive", "integer", "zero",
                          "nonzero", "finite", "rational", "extended_real", "complex", "odd", "even", "prime"})
_SYMBOL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_{},\\ ]{0,63}")
_DECIMAL = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,4})?")
_BIG_ARGUMENT = (sp.factorial, sp.gamma, sp.loggamma)


def _extra_classes() -> dict:
    from symbolic.losses.sample import LogSumExp

    return {"LogSumExp": LogSumExp}


def _fail(message: str) -> ValueError:
    return ValueError(f"answer_srepr: {message}")


def _literal(node: ast.AST):
    """The value of a literal argument (string, int, or ``-int``), or raise."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, str, bool):
        return node.value
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) is int):
        return -node.operand.value
    raise _fail("the arguments of Symbol, Integer, Rational and Float are literals")


def _integer(value) -> int:
    if type(value) is not int:
        raise _fail("Integer and Rational take whole numbers")
    if abs(value) >= 10 ** MAX_INTEGER_DIGITS:
        raise _fail(f"integers of more than {MAX_INTEGER_DIGITS} digits are refused")
    return value


def _atom(name: str, node: ast.Call) -> sp.Basic:
    args = [_literal(a) for a in node.args]
    kwargs = {}
    for kw in node.keywords:
        if kw.arg is None:
            raise _fail(f"{name} takes no ** arguments")
        kwargs[kw.arg] = _literal(kw.value)
    if name in ("Symbol", "Dummy"):
        if len(args) != 1 or type(args[0]) is not str or not _SYMBOL_NAME.fullmatch(args[0]):
            raise _fail(f"{name} takes one name of at most 64 letters, digits and index characters")
        for key, value in kwargs.items():
            if key not in _ASSUMPTIONS or type(value) is not bool:
                raise _fail(f"{name} {args[0]!r}: assumption {key}={value!r} is not a known boolean assumption")
        try:
            return sp.Symbol(args[0], **kwargs)
        except InconsistentAssumptions:
            raise _fail(f"{name} {args[0]!r} has inconsistent assumptions {kwargs}") from None
    if kwargs and name != "Float":
        raise _fail(f"{name} takes no keyword arguments")
    if name == "Integer":
        if len(args) != 1:
            raise _fail("Integer takes one whole number")
        return sp.Integer(_integer(args[0]))
    if name == "Rational":
        if len(args) != 2:
            raise _fail("Rational takes two whole numbers")
        p, q = _integer(args[0]), _integer(args[1])
        if q == 0:
            raise _fail("Rational with denominator 0")
        return sp.Rational(p, q)
    # Float('0.5', precision=53)
    if len(args) != 1 or type(args[0]) is not str or len(args[0]) > MAX_FLOAT_TEXT or not _DECIMAL.fullmatch(args[0]):
        raise _fail("Float takes one decimal string")
    if set(kwargs) - {"precision"}:
        raise _fail("Float takes only the keyword precision")
    precision = kwargs.get("precision", 53)
    if type(precision) is not int or not 1 <= precision <= MAX_FLOAT_PRECISION:
        raise _fail(f"Float precision must be a whole number from 1 to {MAX_FLOAT_PRECISION}")
    return sp.Float(args[0], precision=precision)


def _bits(value: sp.Rational) -> int:
    return max(abs(value.p).bit_length(), abs(value.q).bit_length())


def _check_size(cls, args: list[sp.Basic]) -> None:
    """Refuse a node whose construction would compute a huge number."""
    if cls is sp.Pow and len(args) == 2:
        base, exponent = args
        if exponent.is_Number and exponent.is_finite:
            if abs(exponent) > MAX_EXPONENT:
                raise _fail(f"a numeric exponent larger than {MAX_EXPONENT} in size is refused")
            if base.is_Rational and _bits(base) * math.ceil(abs(exponent)) > MAX_POWER_BITS:
                raise _fail(f"a power of a number with more than {MAX_POWER_BITS} bits is refused")
    if cls in _BIG_ARGUMENT and len(args) == 1 and args[0].is_Number and args[0].is_finite:
        if abs(args[0]) > MAX_FACTORIAL_ARGUMENT:
            raise _fail(f"{cls.__name__} of a number larger than {MAX_FACTORIAL_ARGUMENT} is refused")


def _check_arguments(cls, name: str, args: list[sp.Basic]) -> None:
    """Expressions where a function takes expressions; conditions where a piece takes one."""
    if cls is sp.Tuple:
        return
    if cls is sp.Piecewise:
        if not args or not all(isinstance(a, ExprCondPair) for a in args):
            raise _fail("Piecewise takes ExprCondPair pieces")
        return
    if cls is ExprCondPair:
        if len(args) != 2 or not isinstance(args[0], sp.Expr) or not isinstance(args[1], Boolean):
            raise _fail("ExprCondPair takes an expression and a condition")
        return
    if not args or not all(isinstance(a, sp.Expr) and not isinstance(a, sp.Tuple) for a in args):
        raise _fail(f"{name} takes one or more expressions (not a condition or a tuple)")


def read_srepr(text: str) -> sp.Basic:
    """Rebuild the SymPy object of a ``sympy.srepr`` string (see the module docstring).

    Raises ``ValueError`` (naming the problem) for anything else: a literal as the result,
    a name outside the table, a size over the limits, inconsistent assumptions.
    """
    if not isinstance(text, str) or len(text) > MAX_SREPR_LENGTH:
        raise _fail(f"expected srepr text of at most {MAX_SREPR_LENGTH:,} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _fail(f"not srepr text: {text[:60]!r}") from None
    classes = {**_CLASSES, **ACTIVATION_CLASSES, **_extra_classes()}  # registered activations too
    nodes = 0

    def build(node: ast.AST, depth: int, pieces: int = 0) -> sp.Basic:
        nonlocal nodes
        nodes += 1
        if depth > MAX_SREPR_DEPTH:
            raise _fail(f"nested more than {MAX_SREPR_DEPTH} levels deep")
        if nodes > MAX_SREPR_NODES:
            raise _fail(f"more than {MAX_SREPR_NODES:,} nodes")
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            raise _fail(f"{node.id!r} is not an allowed SymPy constant")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in _ATOMS:
                return _atom(name, node)
            if name not in classes:
                raise _fail(f"{name!r} is not an allowed SymPy constructor")
            if node.keywords:
                raise _fail(f"{name} takes no keyword arguments")
            cls = classes[name]
            if cls in (sp.Max, sp.Min) and len(node.args) > MAX_EXTREMA_ARGS:
                raise _fail(f"{name} of more than {MAX_EXTREMA_ARGS} arguments is refused")
            if cls is sp.Piecewise:
                if len(node.args) > MAX_PIECES:
                    raise _fail(f"a Piecewise of more than {MAX_PIECES} pieces is refused")
                pieces += 1
                if pieces > MAX_PIECEWISE_NESTING:
                    raise _fail(f"Piecewise nested more than {MAX_PIECEWISE_NESTING} deep is refused")
            args = [build(a, depth + 1, pieces) for a in node.args]
            _check_arguments(cls, name, args)
            _check_size(cls, args)
            try:
                value = cls(*args)
            except (TypeError, ValueError, AttributeError, IndexError) as exc:
                raise _fail(f"{name} of these arguments is not a SymPy object ({type(exc).__name__})") from None
            if not isinstance(value, sp.Basic):
                raise _fail(f"{name} did not give a SymPy object")
            if value.is_Rational and _bits(value) > MAX_POWER_BITS:
                raise _fail(f"a number of more than {MAX_POWER_BITS} bits is refused")
            return value
        if isinstance(node, ast.Call):
            raise _fail("only SymPy constructors called by name are allowed")
        if isinstance(node, (ast.Constant, ast.UnaryOp)):
            raise _fail("a literal is allowed only inside Symbol, Integer, Rational or Float, not as an expression")
        raise _fail(f"unexpected {type(node).__name__} in srepr text")

    try:
        return build(tree.body, 0)
    except RecursionError:
        raise _fail("nested too deeply") from None
