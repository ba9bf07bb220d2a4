r"""A grammar for students' answers: LaTeX as the notes print it, ordinary LaTeX, or plain text.

A student's answer is untrusted input. It is never handed to ``eval``, ``sympify`` or
``parse_expr``: a tokenizer and a small recursive-descent parser build SymPy objects
directly from the tokens, and only from a fixed vocabulary (numbers, the exercise's
variables, ``e``, ``pi`` and a list of functions). Limits keep every answer cheap:

- at most :data:`MAX_LENGTH` characters and :data:`MAX_TOKENS` tokens, no control characters;
- groups nested at most :data:`MAX_DEPTH` deep;
- number literals of at most :data:`MAX_DIGITS` digits; numeric exponents at most
  :data:`MAX_EXPONENT` in size, and no power of a number with more than
  :data:`MAX_RESULT_DIGITS` digits (``10^{10^{10}}`` is refused before it is computed);
- factorials of numbers up to 170.

Characters that text copied from a PDF or a word processor carries are read as the ASCII
they stand for, by a fixed table before tokenizing (:func:`plain_characters`; never through
``sympify``): the minus sign U+2212 and other dashes as ``-``, no-break and thin spaces as a
space, ``×``, ``·``, ``⋅`` as ``*``, ``÷`` and the fraction and division slashes as ``/``,
``≥``/``≤``, superscript digits and signs as a power (``x²`` is ``x^{2}``, ``e⁻¹`` is
``e^{-1}``), subscript digits as an index (``θ₁₀`` is ``\theta_{10}``), the Greek letters of
the lecture (``θ``, ``φ``, ``ω``, ``σ``, ``π``, ...) as their LaTeX names, ``√`` as ``\sqrt``;
zero-width spaces and soft hyphens are dropped. Positions in messages count the characters
as the student wrote them.

Grammar (``*`` and juxtaposition multiply; ``^`` and ``**`` are powers, right-associative)::

    answer  := list | expr
    list    := expr ("," expr)+  |  "(" list ")"  |  "[" list "]"  |  \begin{pmatrix} ... \end{pmatrix}
    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | \cdot | \times | juxtaposition) unary)*
    unary   := ("+" | "-") unary | power
    power   := postfix ("^" exponent)?
    postfix := primary "!"*
    primary := number | variable | constant | function argument | \frac{expr}{expr}
             | \sqrt{expr} | "(" expr ")" | "[" expr "]" | "{" expr "}" | "|" expr "|"

>>> x, f, y = (sp.Symbol(n, real=True) for n in ("x", "f", "y"))
>>> theta = sp.Symbol("theta_{1,0}", real=True)
>>> print(parse_answer(r"\mathrm{ReLU}\left[\theta_{10} + 2 x\right]", [x, theta]))
ReLU(theta_{1,0} + 2*x)
>>> print(parse_answer("2*(y - f)", [f, y]))
-2*f + 2*y
>>> print(parse_answer(r"\frac{1}{1 + e^{-f}}", [f]))
1/(1 + exp(-f))
>>> parse_answer(r"10^{10^{10^{10}}}", [])
Traceback (most recent call last):
...
derivations.exercises.answer_grammar.AnswerSyntaxError: an exponent larger than 100 is refused
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import sympy as sp

from symbolic.activations.functions import Indicator, ReLU, Softplus, Swish, Tanh, sig

__all__ = ["AnswerSyntaxError", "parse_answer", "plain_characters", "MAX_LENGTH", "MAX_TOKENS", "MAX_DEPTH", "MAX_DIGITS",
           "MAX_EXPONENT", "MAX_RESULT_DIGITS", "symbol_key"]

MAX_LENGTH = 4000
MAX_TOKENS = 1500
MAX_DEPTH = 40
MAX_DIGITS = 60
MAX_EXPONENT = 100
MAX_RESULT_DIGITS = 1000
MAX_FACTORIAL = 170


class AnswerSyntaxError(ValueError):
    """The answer is not in the answer grammar (or breaks one of its limits)."""


_TOKEN = re.compile(r"""
    (?P<space>\s+|\\[,;:!\ ]|~|\\quad\b|\\qquad\b|&)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<command>\\[A-Za-z]+|\\\\|\\[{}|])
  | (?P<name>[A-Za-z]+)
  | (?P<op>\*\*|>=|<=|[-+*/^_(){}\[\],!|<>])
""", re.VERBOSE)

#: LaTeX sizing commands that only change how a delimiter looks.
_SIZES = {r"\left", r"\right", r"\big", r"\Big", r"\bigg", r"\Bigg", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr",
          r"\biggl", r"\biggr", r"\displaystyle", r"\middle"}
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "theta", "lambda", "mu", "sigma", "phi", "psi", "omega",
          "Omega", "kappa", "eta", "nu", "rho", "tau", "xi", "ell"}
_OPEN = {"(": ")", "[": "]", "{": "}", r"\{": r"\}"}


@dataclass(frozen=True)
class _Tok:
    kind: str  # number, command, name, op, end
    text: str
    pos: int


def _functions() -> dict[str, object]:
    def relu(z):
        return ReLU(z)

    return {
        "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "sin": sp.sin, "cos": sp.cos,
        "tan": sp.tan, "tanh": Tanh, "sig": sig, "sigmoid": sig, "sigma": sig, "relu": relu,
        "softplus": Softplus, "swish": Swish, "abs": sp.Abs, "erf": sp.erf, "gamma": sp.gamma,
        "loggamma": sp.loggamma, "lgamma": sp.loggamma, "heaviside": Indicator, "step": Indicator,
        "max": None,  # max(0, z) is ReLU[z]; see _apply
        "i": Indicator, "indicator": Indicator, "e": None, "factorial": sp.factorial,
    }


_FUNCTIONS = _functions()


def symbol_key(name: str) -> tuple[str, tuple[str, ...]]:
    """``"theta_{1,0}"`` -> ``("theta", ("1", "0"))``: a symbol name's base and index parts."""
    match = re.fullmatch(r"([A-Za-z]+)(?:_\{?([^{}]*)\}?)?", name)
    if not match:
        return name, ()
    base, index = match.groups()
    parts = tuple(p.strip() for p in index.split(",")) if index else ()
    return base, parts


class _Variables:
    """The symbols an answer may use, found by name with or without commas in the index."""

    def __init__(self, symbols: Iterable[sp.Symbol]):
        self.symbols = sorted(set(symbols), key=lambda s: s.name)
        self.exact: dict[tuple[str, str], sp.Symbol] = {}
        loose: dict[tuple[str, str], set] = {}
        for s in self.symbols:
            base, parts = symbol_key(s.name)
            self.exact[(base, ",".join(parts))] = s
            loose.setdefault((base, "".join(parts)), set()).add(s)
        self.loose = {k: next(iter(v)) for k, v in loose.items() if len(v) == 1}

    def find(self, base: str, index: str | None) -> sp.Symbol | None:
        key = (base, "" if index is None else index.replace(" ", ""))
        if key in self.exact:
            return self.exact[key]
        if index is not None and "," not in key[1]:
            return self.loose.get(key)
        return None

    def names(self) -> str:
        return ", ".join(s.name for s in self.symbols) or "no variables (a number)"


#: Characters copied from a PDF or a word processor, and the ASCII they stand for.
_PLAIN = {
    "\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-", "\uff0d": "-",  # minus sign, figure/en dash
    "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",  # invisible
    "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*", "\u2217": "*",  # times, dots, asterisk
    "\u00f7": "/", "\u2044": "/", "\u2215": "/",  # division sign, fraction slash, division slash
    "\u2265": ">=", "\u2264": "<=", "\u221a": "\\sqrt ", "\u2113": "\\ell ",
    "\u03b1": "\\alpha ", "\u03b2": "\\beta ", "\u03b3": "\\gamma ", "\u03b4": "\\delta ",
    "\u03b5": "\\epsilon ", "\u03f5": "\\epsilon ", "\u03b7": "\\eta ", "\u03b8": "\\theta ",
    "\u03d1": "\\theta ", "\u03ba": "\\kappa ", "\u03bb": "\\lambda ", "\u03bc": "\\mu ", "\u03bd": "\\nu ",
    "\u03be": "\\xi ", "\u03c0": "\\pi ", "\u03c1": "\\rho ", "\u03c3": "\\sigma ", "\u03c4": "\\tau ",
    "\u03c6": "\\phi ", "\u03d5": "\\phi ", "\u03c8": "\\psi ", "\u03c9": "\\omega ", "\u03a9": "\\Omega ",
    "\u0393": "\\Gamma ",
}
#: Superscript and subscript characters: a run of them is one exponent or one index.
_SUPERSCRIPT = dict(zip("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207a\u207b\u207d\u207e",
                        "0123456789+-()"))
_SUBSCRIPT = dict(zip("\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089", "0123456789"))


def plain_characters(text: str) -> tuple[str, list[int]]:
    r"""``text`` with the characters of :data:`_PLAIN` (and runs of superscripts and subscripts)
    replaced by the ASCII they stand for, and for each character of the result the position
    of the character of ``text`` it came from (one more at the end). A table, never ``sympify``.

    >>> print(plain_characters("\u22123\u00d7x\u00b2 + \u03b8\u2081\u2080")[0])
    -3*x^{2} + \theta _{10}
    """
    out: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        c = text[i]
        for table, mark in ((_SUPERSCRIPT, "^"), (_SUBSCRIPT, "_")):
            if c in table:
                j = i
                while j < len(text) and text[j] in table:
                    j += 1
                piece = mark + "{" + "".join(table[t] for t in text[i:j]) + "}"
                break
        else:
            j, piece = i + 1, _PLAIN.get(c, c)
        out.append(piece)
        origin += [i] * len(piece)
        i = j
    origin.append(len(text))
    return "".join(out), origin


def _tokenize(text: str) -> list[_Tok]:
    if len(text) > MAX_LENGTH:
        raise AnswerSyntaxError(f"the answer is too long ({len(text)} characters; at most {MAX_LENGTH})")
    bad = next((c for c in text if (ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127), None)
    if bad is not None:
        raise AnswerSyntaxError(f"the answer contains a control character (code {ord(bad)})")
    original = text
    text, origin = plain_characters(text)
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise AnswerSyntaxError(f"unexpected character {original[origin[pos]]!r} at position {origin[pos] + 1}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind == "number" and len(re.sub(r"[eE].*|\.", "", m.group())) > MAX_DIGITS:
            raise AnswerSyntaxError(f"a number with more than {MAX_DIGITS} digits at position {origin[m.start()] + 1}")
        tokens.append(_Tok(kind, m.group(), origin[m.start()]))
        if len(tokens) > MAX_TOKENS:
            raise AnswerSyntaxError(f"the answer has too many symbols (more than {MAX_TOKENS} tokens)")
    depth = 0
    for t in tokens:  # refuse deep nesting before any recursion
        if t.text in ("(", "[", "{", r"\{") or t.text == r"\begin":
            depth += 1
            if depth > MAX_DEPTH:
                raise AnswerSyntaxError(f"the answer is nested too deeply (more than {MAX_DEPTH} levels)")
        elif t.text in (")", "]", "}", r"\}") or t.text == r"\end":
            depth -= 1
    tokens.append(_Tok("end", "", len(original)))
    return tokens


def _check_power(base: sp.Expr, exponent: sp.Expr) -> None:
    if exponent.free_symbols:
        return
    if not exponent.is_number:
        raise AnswerSyntaxError("unreadable exponent")
    size = sp.Abs(exponent).evalf(15)
    if size.has(sp.nan, sp.zoo, sp.oo) or not size.is_comparable or size > MAX_EXPONENT:
        raise AnswerSyntaxError(f"an exponent larger than {MAX_EXPONENT} is refused")
    if exponent.is_Rational and exponent.q > 12:
        raise AnswerSyntaxError("a fractional exponent with a denominator above 12 is refused")
    if base.is_number and not base.free_symbols and base != 0:
        magnitude = sp.Abs(base).evalf(15)
        if magnitude.is_comparable and magnitude > 0:
            digits = abs(sp.log(magnitude, 10).evalf(15)) * size
            if digits > MAX_RESULT_DIGITS:
                raise AnswerSyntaxError(f"a power of a number with more than {MAX_RESULT_DIGITS} digits is refused")


class _Parser:
    def __init__(self, tokens: list[_Tok], variables: _Variables):
        self.tokens, self.i, self.variables = tokens, 0, variables
        self.depth = 0
        self.abs_depth = 0

    # ----- token helpers -------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.tokens[self.i]

    def skip_sizes(self) -> None:
        while self.tok.kind == "command" and self.tok.text in _SIZES:
            self.i += 1

    def peek(self) -> _Tok:
        self.skip_sizes()
        return self.tok

    def take(self) -> _Tok:
        t = self.peek()
        self.i += 1
        return t

    def expect(self, text: str) -> None:
        t = self.take()
        if t.text != text:
            found = "the end of the answer" if t.kind == "end" else repr(t.text)
            raise AnswerSyntaxError(f"expected {text!r} but found {found} at position {t.pos + 1}")

    def nest(self):
        # Each bracket costs two levels here (the group and the expression in it), a sign one:
        # the tokenizer counts brackets against MAX_DEPTH; this guards the recursion itself.
        self.depth += 1
        if self.depth > 4 * MAX_DEPTH:
            raise AnswerSyntaxError(f"the answer is nested too deeply (more than {MAX_DEPTH} levels)")

    # ----- grammar -------------------------------------------------------------------
    def answer(self) -> sp.Expr | tuple:
        items = [self.expr()]
        while self.peek().text == ",":
            self.take()
            items.append(self.expr())
        t = self.peek()
        if t.kind != "end":
            raise AnswerSyntaxError(f"unexpected {t.text!r} at position {t.pos + 1}")
        if len(items) > 1:
            return tuple(items)
        return items[0]

    def expr(self) -> sp.Expr:
        self.nest()
        value = self.term()
        while self.peek().text in ("+", "-"):
            op = self.take().text
            right = self.term()
            value = sp.Add(value, right) if op == "+" else sp.Add(value, -right)
        self.depth -= 1
        return value

    def _starts_primary(self) -> bool:
        t = self.peek()
        if t.kind in ("number", "name"):
            return True
        if t.kind == "command":
            return t.text not in (r"\cdot", r"\times", r"\right", r"\end", "\\\\", r"\}", r"\geq", r"\leq",
                                  r"\gt", r"\lt")
        if t.text == "|":
            return self.abs_depth == 0
        return t.text in ("(", "[", "{")

    def term(self) -> sp.Expr:
        value = self.unary()
        while True:
            t = self.peek()
            if t.text in ("*", r"\cdot", r"\times"):
                self.take()
                value = sp.Mul(value, self.unary())
            elif t.text == "/":
                self.take()
                value = sp.Mul(value, sp.Pow(self.unary(), -1))
            elif self._starts_primary():
                value = sp.Mul(value, self.power())
            else:
                return value

    def unary(self) -> sp.Expr:
        t = self.peek()
        if t.text in ("+", "-"):
            self.take()
            self.nest()
            value = self.unary()
            self.depth -= 1
            return -value if t.text == "-" else value
        return self.power()

    def exponent(self) -> sp.Expr:
        t = self.peek()
        if t.text in ("+", "-"):
            self.take()
            self.nest()
            value = self.exponent()
            self.depth -= 1
            return -value if t.text == "-" else value
        return self.power()

    def power(self) -> sp.Expr:
        base = self.postfix()
        if self.peek().text in ("^", "**"):
            self.take()
            exponent = self.exponent()
            _check_power(base, exponent)
            return sp.Pow(base, exponent)
        return base

    def postfix(self) -> sp.Expr:
        value = self.primary()
        while self.peek().text == "!":
            self.take()
            if value.is_number and not (value.is_Integer and 0 <= value <= MAX_FACTORIAL):
                raise AnswerSyntaxError(f"factorials of whole numbers from 0 to {MAX_FACTORIAL} only")
            value = sp.factorial(value)
        return value

    def group(self, close: str | None = None) -> sp.Expr | tuple:
        """After an opening delimiter: an expression or a list, up to ``close``."""
        self.nest()
        items = [self.expr()]
        while self.peek().text == ",":
            self.take()
            items.append(self.expr())
        if close is not None:
            self.expect(close)
        self.depth -= 1
        return tuple(items) if len(items) > 1 else items[0]

    def braced(self) -> sp.Expr:
        """A LaTeX argument: ``{expr}`` or a single token (``\\frac12``, ``x^2``)."""
        t = self.peek()
        if t.text == "{":
            self.take()
            value = self.group("}")
            if isinstance(value, tuple):
                raise AnswerSyntaxError(f"a list inside braces at position {t.pos + 1}")
            return value
        if t.kind == "number":
            self.take()
            return _number(t.text)
        return self.primary()

    def primary(self) -> sp.Expr:
        t = self.take()
        if t.kind == "number":
            return _number(t.text)
        if t.text in _OPEN:
            value = self.group(_OPEN[t.text])
            return sp.Tuple(*value) if isinstance(value, tuple) else value
        if t.text == "|":
            self.abs_depth += 1
            value = self.group("|")
            self.abs_depth -= 1
            return sp.Abs(value)
        if t.kind == "name":
            return self.named(t.text, t, command=False)
        if t.kind == "command":
            name = t.text[1:]
            if name in ("frac", "dfrac", "tfrac"):
                return sp.Mul(self.frac_part(), sp.Pow(self.frac_part(), -1))
            if name == "sqrt":
                if self.peek().text == "[":
                    self.take()
                    n = self.group("]")
                    radicand = self.braced()
                    _check_power(radicand, 1 / n)
                    return sp.Pow(radicand, 1 / n)
                return sp.sqrt(self.braced())
            if name in ("mathrm", "operatorname", "text", "mathit", "mathbb", "mathbf", "rm"):
                return self.named(self.command_name(), t, command=True)
            if name == "begin":
                return self.matrix()
            if name == "pi":
                return sp.pi
            if name in _GREEK or name.lower() in _FUNCTIONS or name in ("ln", "exp"):
                return self.named(name, t, command=True)
            raise AnswerSyntaxError(f"unknown LaTeX command {t.text} at position {t.pos + 1}")
        if t.kind == "end":
            raise AnswerSyntaxError("the answer ends too early" if self.i > 1 else "the answer is empty")
        raise AnswerSyntaxError(f"unexpected {t.text!r} at position {t.pos + 1}")

    def frac_part(self) -> sp.Expr:
        t = self.peek()
        if t.kind == "number" and len(t.text) > 1 and t.text.isdigit():  # \frac12
            self.i += 1
            head, rest = t.text[0], t.text[1:]
            self.tokens.insert(self.i, _Tok("number", rest, t.pos + 1))
            return sp.Integer(head)
        return self.braced()

    def command_name(self) -> str:
        self.expect("{")
        parts = []
        while self.peek().kind in ("name", "number"):
            parts.append(self.take().text)
        self.expect("}")
        return "".join(parts)

    def matrix(self) -> sp.Expr:
        env = self.command_name()
        if env not in ("pmatrix", "bmatrix", "matrix", "vmatrix"):
            raise AnswerSyntaxError(f"unknown LaTeX environment {env!r}")
        items = [self.expr()]
        while self.peek().text in ("\\\\", ","):
            self.take()
            if self.peek().text == r"\end":
                break
            items.append(self.expr())
        self.expect(r"\end")
        if self.command_name() != env:
            raise AnswerSyntaxError(f"\\begin{{{env}}} ends with a different environment")
        return sp.Tuple(*items)

    def subscript(self) -> str | None:
        if self.tok.text != "_":
            return None
        self.i += 1
        t = self.tok
        if t.text == "{":
            self.i += 1
            parts = []
            while self.tok.kind in ("number", "name") or self.tok.text == ",":
                parts.append(self.tok.text)
                self.i += 1
            self.expect("}")
            return "".join(parts)
        if t.kind in ("number", "name"):
            self.i += 1
            index = t.text
            # plain text theta_1_0 or omega_1,2,1 is not supported; theta_10 is
            return index
        raise AnswerSyntaxError(f"expected an index after '_' at position {t.pos + 1}")

    def named(self, name: str, t: _Tok, command: bool) -> sp.Expr:
        index = self.subscript()
        symbol = self.variables.find(name, index)
        if symbol is not None:
            return symbol
        if index is not None:
            raise AnswerSyntaxError(f"unknown symbol {name}_{{{index}}} at position {t.pos + 1}; "
                                    f"the answer may use {self.variables.names()}")
        key = name.lower() if not command or name not in ("Gamma",) else "gamma"
        if name == "I" and not command:
            key = "indicator"  # plain I[z > 0]; \mathbb{I} arrives with command=True
        if key == "e" or (command and name == "e"):
            return sp.E
        if key == "pi":
            return sp.pi
        if key in _FUNCTIONS or name == "ReLU":
            return self.apply(key, t)
        if not command and all(self.variables.find(c, None) is not None or c == "e" for c in name):
            return sp.Mul(*[sp.E if c == "e" and self.variables.find(c, None) is None
                            else self.variables.find(c, None) for c in name])
        raise AnswerSyntaxError(f"unknown name {name!r} at position {t.pos + 1}; the answer may use "
                                f"{self.variables.names()}")

    def apply(self, key: str, t: _Tok) -> sp.Expr:
        power = None
        if self.peek().text == "^":  # \tanh^2(z)
            self.take()
            power = self.braced()
        if self.peek().text == "'":
            raise AnswerSyntaxError("derivative marks (') are not supported; write the derivative out")
        opener = self.peek()
        if opener.text in _OPEN:
            self.take()
            inner = self.peek()
            if opener.text == "{" and inner.text in ("(", "["):  # SymPy's \log{\left(x \right)}
                self.take()
                args = self.arguments(_OPEN[inner.text])
                self.expect("}")
            else:
                args = self.arguments(_OPEN[opener.text])
        else:
            if key in ("max", "indicator", "i"):
                raise AnswerSyntaxError(f"{key} needs its arguments in brackets at position {t.pos + 1}")
            args = [self.power()]
        value = self.call(key, args, t)
        if power is not None:
            _check_power(value, power)
            value = sp.Pow(value, power)
        return value

    def arguments(self, close: str) -> list[sp.Expr]:
        self.nest()
        args = [self.comparison()]
        while self.peek().text == ",":
            self.take()
            args.append(self.comparison())
        self.expect(close)
        self.depth -= 1
        return args

    def comparison(self) -> sp.Expr:
        left = self.expr()
        t = self.peek()
        if t.text in (">", ">=", r"\geq", r"\gt", "<", "<=", r"\leq", r"\lt"):
            self.take()
            right = self.expr()
            greater = t.text in (">", ">=", r"\geq", r"\gt")
            return _Comparison(left - right if greater else right - left)
        return left

    def call(self, key: str, args: list, t: _Tok) -> sp.Expr:
        comparisons = [a for a in args if isinstance(a, _Comparison)]
        if key in ("indicator", "i"):
            if len(args) != 1 or not comparisons:
                raise AnswerSyntaxError(f"the indicator needs a condition such as I[z > 0] at position {t.pos + 1}")
            return Indicator(args[0].difference)
        if comparisons:
            raise AnswerSyntaxError(f"a comparison (>, <) only inside an indicator I[...] (position {t.pos + 1})")
        if key == "max":
            if len(args) == 2 and 0 in args:
                return ReLU(args[1] if args[0] == 0 else args[0])
            raise AnswerSyntaxError(f"max is read only as max(0, z), the ReLU (position {t.pos + 1})")
        if key == "log" and len(args) == 2:
            raise AnswerSyntaxError("write logarithms to a base as log(x)/log(b)")
        if len(args) != 1:
            raise AnswerSyntaxError(f"{key} takes one argument, got {len(args)} at position {t.pos + 1}")
        arg = args[0]
        if key == "exp":
            _check_power(sp.E, arg)
        if key in ("gamma", "factorial") and arg.is_number and not (arg.is_comparable and abs(arg) <= MAX_FACTORIAL):
            raise AnswerSyntaxError(f"Gamma of numbers up to {MAX_FACTORIAL} only")
        return _FUNCTIONS[key](arg)


class _Comparison(sp.Expr):
    """``a > b`` inside an indicator, carried as ``a - b`` (never leaves the parser)."""

    @property
    def difference(self) -> sp.Expr:
        return self.args[0]


def _number(text: str) -> sp.Rational:
    """The exact value of a number token: ``12``, ``1.5``, ``.5``, ``2.``, or scientific
    notation ``5.1e-2``, ``1E3`` (digits on both sides of the ``e``; ``e`` alone is Euler's
    number)."""
    mantissa, _, exponent = text.lower().partition("e")
    whole, _, fraction = mantissa.partition(".")
    power = (int(exponent) if exponent else 0) - len(fraction)
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise AnswerSyntaxError(f"an exponent larger than {MAX_EXPONENT} is refused")
    value = sp.Integer(int(whole + fraction or "0"))
    return value * sp.Integer(10) ** power


def parse_answer(text: str, variables: Sequence[sp.Symbol] = ()) -> sp.Expr | tuple:
    r"""Parse an answer into a SymPy expression (or a tuple of them for a list).

    ``variables`` are the symbols the answer may use; ``\theta_{10}``, ``theta_10`` and
    ``theta_{1,0}`` all name the symbol ``theta_{1,0}``. Raises :class:`AnswerSyntaxError`
    (a ``ValueError``) naming the problem.

    >>> z = sp.Symbol("z", real=True)
    >>> print(parse_answer(r"\left(1 - \mathrm{sig}\left[z\right]\right) \mathrm{sig}\left[z\right]", [z]))
    (1 - sig(z))*sig(z)
    >>> parse_answer("(1/2, 3/4)", [])
    (1/2, 3/4)
    """
    if not isinstance(text, str):
        raise AnswerSyntaxError("the answer must be text")
    tokens = _tokenize(text)
    parser = _Parser(tokens, _Variables(variables))
    try:
        value = parser.answer()
    except RecursionError:
        raise AnswerSyntaxError(f"the answer is nested too deeply (more than {MAX_DEPTH} levels)") from None
    if isinstance(value, sp.Tuple):
        value = tuple(value)
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if isinstance(item, (sp.Tuple, tuple)):
            raise AnswerSyntaxError("a list inside a list")
        if item.has(_Comparison):
            raise AnswerSyntaxError("a comparison (>, <) only inside an indicator I[...]")
    return value
