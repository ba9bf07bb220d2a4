r"""Plain-text formulas read back: what ``derive --format text`` prints (``sympy.sstr``) parsed again.

The text output of a command states formulas as SymPy prints them in one line
(``f_{1,1} = beta_{1,1} + h_{1,1}*omega_{1,1,1}``, ``h_{1,1} = ReLU(f_{0,1})``). To check that
the printed line says what the checked object says, :func:`read_assignments` parses every
``name = expression`` line with a small recursive-descent reader (no ``eval``, ``sympify`` or
``parse_expr``) whose vocabulary is the object's own: its symbols by their printed names and
its functions by their class names. An unknown name, a symbol the object does not have or a
function it does not apply is a failure, never a guess. :func:`check_assignments` compares what
it reads with the objects: the same left-hand side, and a right-hand side equal to the object.

Grammar (``**`` binds tighter than unary minus, as SymPy prints it)::

    expr  := term (("+" | "-") term)*
    term  := unary (("*" | "/") unary)*
    unary := "-" unary | power
    power := atom ("**" unary)?
    atom  := number | name | name "(" expr ("," expr)* ")" | "(" expr ")"

>>> import sympy as sp
>>> x, w = sp.Symbol("x_{1}", real=True), sp.Symbol("omega_{0,1,1}", real=True)
>>> line = f"f = {sp.sstr(2 * w * x - sp.Rational(1, 10))}"
>>> line
'f = 2*omega_{0,1,1}*x_{1} - 1/10'
>>> check_assignments(line, [(sp.Symbol("f"), 2 * w * x - sp.Rational(1, 10))])
[]
>>> check_assignments(line.replace("2*", "3*"), [(sp.Symbol("f"), 2 * w * x - sp.Rational(1, 10))])
['line 1: f reads 3*omega_{0,1,1}*x_{1} - 1/10, the object is 2*omega_{0,1,1}*x_{1} - 1/10']
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import sympy as sp

__all__ = ["TextReadError", "read_expression", "check_assignments"]


class TextReadError(ValueError):
    """The text is not a formula of the vocabulary."""


_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\{[0-9,]+\})?)"
                    r"|(?P<op>\*\*|[-+*/(),]))")


def _tokens(text: str, names: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The tokens of ``text``; a printed symbol name of ``names`` is one token even where it holds
    an operator (``dl/df_{1,1}``), the longest first."""
    out, pos = [], 0
    names = sorted((n for n in names if not _TOKEN.fullmatch(n)), key=len, reverse=True)
    while pos < len(text):
        while pos < len(text) and text[pos].isspace():
            pos += 1
        known = next((n for n in names if text.startswith(n, pos)), None)
        if known is not None:
            out.append(("name", known))
            pos += len(known)
            continue
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise TextReadError(f"cannot read {text[pos:pos + 20]!r} at position {pos}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def vocabulary(objects: Sequence[Any]) -> tuple[dict[str, sp.Basic], dict[str, Any]]:
    """The names a printed text of ``objects`` may use: their symbols by printed name, the
    functions they apply by class name (``ReLU``, ``tanh``, ``exp``), and ``pi``, ``E``, ``sqrt``."""
    symbols: dict[str, sp.Basic] = {"pi": sp.pi, "E": sp.E}  # the constants as sstr prints them
    functions: dict[str, Any] = {"sqrt": sp.sqrt}  # a square root prints as sqrt(...), not as a power
    for obj in objects:
        if not isinstance(obj, sp.Basic):
            continue
        for s in obj.free_symbols:
            symbols[str(s)] = s
        for f in obj.atoms(sp.Function):
            functions[f.func.__name__] = f.func
    return symbols, functions


class _Reader:
    def __init__(self, text: str, symbols: dict[str, sp.Basic], functions: dict[str, Any]):
        self.toks, self.i = _tokens(text, list(symbols)), 0
        self.symbols, self.functions = symbols, functions

    def peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise TextReadError("the formula ends too early")
        self.i += 1
        return self.toks[self.i - 1]

    def expect(self, op: str) -> None:
        kind, text = self.take()
        if text != op:
            raise TextReadError(f"expected {op!r}, found {text!r}")

    def expr(self) -> sp.Basic:
        out = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            right = self.term()
            out = out + right if op == "+" else out - right
        return out

    def term(self) -> sp.Basic:
        out = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            right = self.unary()
            out = out * right if op == "*" else out / right
        return out

    def unary(self) -> sp.Basic:
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.power()

    def power(self) -> sp.Basic:
        base = self.atom()
        if self.peek() == "**":
            self.take()
            return base ** self.unary()
        return base

    def atom(self) -> sp.Basic:
        kind, text = self.take()
        if kind == "number":
            return sp.Rational(text) if "." not in text and "e" not in text.lower() else sp.Float(text)
        if text == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        if kind != "name":
            raise TextReadError(f"unexpected {text!r}")
        if self.peek() == "(":
            if text not in self.functions:
                raise TextReadError(f"unknown function {text!r}")
            self.take()
            args = [self.expr()]
            while self.peek() == ",":
                self.take()
                args.append(self.expr())
            self.expect(")")
            return self.functions[text](*args)
        if text not in self.symbols:
            raise TextReadError(f"unknown symbol {text!r}")
        return self.symbols[text]


def read_expression(text: str, objects: Sequence[Any]) -> sp.Basic:
    """``text`` read as a formula in the names of ``objects`` (:func:`vocabulary`)."""
    reader = _Reader(text, *vocabulary(objects))
    out = reader.expr()
    if reader.i != len(reader.toks):
        raise TextReadError(f"unread text after the formula: {' '.join(t for _, t in reader.toks[reader.i:])!r}")
    return out


def _equal(read: sp.Basic, obj: sp.Basic) -> bool:
    if read == obj:
        return True
    try:
        return sp.expand(read - obj) == 0 or sp.simplify(read - obj) == 0
    except (TypeError, ValueError):
        return False


def check_assignments(text: str, assignments: Sequence[tuple[Any, sp.Basic]]) -> list[str]:
    """The problems of the printed lines ``name = expression`` of ``text`` (one per assignment,
    in order; leading spaces allowed) against ``assignments``: each left side must print as its
    symbol, each right side read back equal to its object. Empty: every line says what its
    object says."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    problems = []
    if len(lines) != len(assignments):
        problems.append(f"printed {len(lines)} lines, the program has {len(assignments)} assignments")
    everything = [obj for _, obj in assignments] + [s for s, _ in assignments]
    for k, (line, (lhs, obj)) in enumerate(zip(lines, assignments), start=1):
        left, sep, right = line.partition(" = ")
        if not sep or left.strip() != str(lhs):
            problems.append(f"line {k}: printed {line[:60]!r}, the assignment is to {lhs}")
            continue
        try:
            read = read_expression(right, everything)
        except TextReadError as exc:
            problems.append(f"line {k}: {lhs} not read back: {exc}")
            continue
        if not _equal(read, obj):
            problems.append(f"line {k}: {lhs} reads {sp.sstr(read)}, the object is {sp.sstr(obj)}")
    return problems
