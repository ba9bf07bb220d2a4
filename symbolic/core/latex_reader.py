r"""A reader for the LaTeX this package prints: the printed text parsed back into SymPy objects.

The notes print every derivation step as LaTeX (:func:`symbolic.core.printing.latex`, or a
step's hand-typed ``lhs_latex``/``rhs_latex``); the checks verify the SymPy objects. Reading
the printed text back, and proving the result equal to the object its check verified, makes
the text itself checked (:mod:`symbolic.core.readback`). A reader that trusted the printer for
what it reads would be fooled by it, so:

- **symbols** are read by the lecture's rules, not by printing them
  (:mod:`symbolic.core.latex_names`): ``\theta_{10}`` is ``theta_{1,0}`` (theta, phi, psi drop
  the commas of one-digit indices), ``\beta_{0,1}`` is ``beta_{0,1}``, ``\phi'_{0}`` is
  ``phi'_{0}``, ``N_{r}`` is ``N_r``; a name is looked up among the symbols of the objects the
  :class:`Vocabulary` was made from (``\theta_{01}`` is *not* ``theta_{1,0}``), and
  ``{f}_{i,{y}_{i}}`` is the element ``f[i, y[i]]`` of an ``IndexedBase``;
- **stock SymPy notation** is read by this module's own grammar: numbers, ``+ - \cdot``,
  juxtaposition, ``\frac``, ``\sqrt``, powers, ``e^{..}``, ``\exp\left[..\right]``, ``\log``, ``\left|..\right|``,
  ``y!``, ``\binom``, ``\sum``/``\prod`` with limits, ``\int\limits``, ``\frac{\partial}{\partial
  y}``, ``\left. .. \right|_{y=\mu}``, ``\lim_{y \to \mu^-}``, ``\begin{cases}``,
  ``\begin{matrix}``, and a chain ``a = b \approx c`` part by part (:func:`read_chain`);
- **functions** (``\mathrm{ReLU}\left[z\right]``, ``\operatorname{logsumexp}\left[..\right]``,
  ``\mathrm{softmax}_{0}\left[..\right]``, ``\Gamma\left(..\right)``) are the classes found in
  the objects: each class's call with placeholder arguments is printed once and read as a
  template (head text, then argument slots);
- **names** a derivation gives its symbols in hand-typed LaTeX (``\Pr(y \mid
  \boldsymbol\theta)`` for ``Pr``) are matched as whole texts (``Vocabulary.names``).

Nothing is evaluated from the text: the parser builds SymPy objects directly (no ``eval``,
``sympify``, ``parse_expr`` or ``parse_latex``). What it cannot read raises
:class:`LatexReadError` naming what and where.

>>> import sympy as sp
>>> theta = [sp.Symbol(name, real=True) for name in ("theta_{1,0}", "theta_{1,1}")]
>>> x = sp.Symbol("x", real=True)
>>> vocab = Vocabulary.of([theta[0] + theta[1] * x])
>>> read_latex(r"\theta_{10} + \theta_{11} x", vocab)
theta_{1,0} + theta_{1,1}*x
>>> read_latex(r"\theta_{01} + \theta_{11} x", vocab)
Traceback (most recent call last):
...
symbolic.core.latex_names.LatexReadError: unknown symbol \theta_{01} at position 1 (known: theta_{1,0}, theta_{1,1}, x)
>>> read_latex(r"\min\left(x, \theta_{10}\right)", vocab)
Min(theta_{1,0}, x)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from symbolic.core.latex_names import (LatexReadError, Template, Token as _Tok, Vocabulary, latex_keys as _latex_keys,
                                       scan_name, tokenize)

__all__ = ["LatexReadError", "Vocabulary", "Segment", "read_chain", "read_condition", "read_latex"]


# ----- the grammar -------------------------------------------------------------------------
#: Commands that end a product (juxtaposition stops before them).
_STOP_COMMANDS = {r"\cdot", r"\times", r"\end", "\\\\", r"\wedge", r"\vee", r"\approx", r"\mid", r"\geq", r"\leq",
                  r"\ge", r"\le", r"\neq", r"\ne", r"\gt", r"\lt", r"\to", r"\in", r"\dots", r"\ldots", r"\cdots",
                  r"\right", r"\substack"}
_RELATIONS = {"=": sp.Eq, ">": sp.Gt, "<": sp.Lt, r"\geq": sp.Ge, r"\ge": sp.Ge, r"\leq": sp.Le, r"\le": sp.Le,
              r"\neq": sp.Ne, r"\ne": sp.Ne}
_GREEK_FUNCTIONS = {r"\Gamma": sp.gamma}
#: The plain bracket a function's sized one may be printed as (the inline form: ``\mathrm{sig}[f]``).
_PLAIN = {("left", r"\left["): ("op", "["), ("right", r"\right]"): ("op", "]"),
          ("left", r"\left("): ("op", "("), ("right", r"\right)"): ("op", ")")}
_MAX_EXPONENT = 10000


class _Parser:
    def __init__(self, text: str, vocab: Vocabulary):
        self.text = text
        self.tokens = tokenize(text)
        self.vocab = vocab
        self.i = 0
        self.integrals = 0
        self.depth = 0

    # ----- token helpers -------------------------------------------------------------
    def _next(self, skip_thin: bool = True) -> int:
        j = self.i
        while self.tokens[j].kind == "space" or (skip_thin and self.tokens[j].kind == "thin"):
            j += 1
        return j

    def peek(self, skip_thin: bool = True) -> _Tok:
        return self.tokens[self._next(skip_thin)]

    def take(self) -> _Tok:
        j = self._next()
        self.i = j + 1
        return self.tokens[j]

    def at(self, *keys: tuple[str, str]) -> bool:
        return self.peek().key in keys

    def expect(self, kind: str, text: str) -> _Tok:
        t = self.take()
        if t.key != (kind, text):
            raise self.error(f"expected {text!r} but found {t.text or 'the end'!r}", t)
        return t

    def error(self, message: str, t: _Tok | None = None) -> LatexReadError:
        t = t or self.peek()
        near = self.text[max(0, t.pos - 25):t.pos + 25].replace("\n", " ")
        return LatexReadError(f"{message} at position {t.pos + 1} (near {near!r})")

    def solid_from(self, start: int, count: int) -> tuple[list[tuple[str, str]], int]:
        """The next ``count`` non-space token keys from ``start``, and the index after them."""
        out, j = [], start
        while len(out) < count and self.tokens[j].kind != "end":
            if self.tokens[j].kind not in ("space", "thin"):
                out.append(self.tokens[j].key)
            j += 1
        return out, j

    # ----- chains and expressions ----------------------------------------------------
    def chain(self) -> list[Segment]:
        """Segments ``a = b \approx c``, each read on its own: one that cannot be read is a
        segment with ``value`` None and the reason (a hand-typed ``h_{1} = 0.5`` may name
        symbols its derivation does not have)."""
        items, relation = [], "="
        while True:
            first = self.i
            start = self.peek().pos
            try:
                value, reason = self.expr(), ""
                if not self.at(("op", "="), ("command", r"\approx"), ("end", "")):
                    raise self.error(f"unexpected {self.peek().text!r}")
            except LatexReadError as exc:
                value, reason = None, str(exc)
                self.skip_segment(first)
            except RecursionError:
                value, reason = None, "nested too deeply"
                self.skip_segment(first)
            items.append(Segment(relation, value, self.text[start:self.peek().pos].strip(), reason))
            if self.peek().kind == "end":
                return items
            relation = "=" if self.take().text == "=" else "approx"

    def skip_segment(self, first: int) -> None:
        """From token ``first`` past an unreadable segment: to the next top-level ``=``/``\approx``."""
        self.i, depth = first, 0
        while self.tokens[self.i].kind != "end":
            t = self.tokens[self.i]
            if depth == 0 and t.key in (("op", "="), ("command", r"\approx")):
                return
            if t.key in (("op", "{"), ("op", "(")) or t.kind == "left" or t.key == ("command", r"\begin"):
                depth += 1
            elif t.key in (("op", "}"), ("op", ")")) or t.kind == "right" or t.key == ("command", r"\end"):
                depth = max(0, depth - 1)
            self.i += 1

    def expr(self) -> sp.Basic:
        self.depth += 1
        if self.depth > 200:
            raise self.error("nested too deeply")
        sign = self.take().text if self.at(("op", "+"), ("op", "-")) else "+"
        value = self.term()
        if sign == "-":
            value = -value
        while self.at(("op", "+"), ("op", "-")):
            op = self.take().text
            right = self.term()
            value = value + right if op == "+" else value - right
        self.depth -= 1
        return value

    def signed_term(self) -> sp.Basic:
        if self.at(("op", "+"), ("op", "-")):
            sign = self.take().text
            value = self.signed_term()
            return -value if sign == "-" else value
        return self.term()

    def at_differential(self) -> bool:
        r"""``\, dy`` after an integrand (only inside an integral)."""
        if not self.integrals:
            return False
        j = self.i
        while self.tokens[j].kind == "space":
            j += 1
        if self.tokens[j].kind != "thin":
            return False
        j += 1
        while self.tokens[j].kind == "space":
            j += 1
        return self.tokens[j].kind == "name" and self.tokens[j].text.startswith("d")

    def starts_factor(self) -> bool:
        t = self.peek()
        if t.kind in ("number", "name", "left"):
            return True
        if t.kind == "styled":
            return not t.text.startswith(r"\text")
        if t.kind == "command":
            return t.text not in _STOP_COMMANDS
        return t.key in (("op", "("), ("op", "{"), ("op", "["))

    def term(self) -> sp.Basic:
        value = self.power()
        while not self.at_differential():
            if self.at(("command", r"\cdot"), ("command", r"\times"), ("op", "*")):
                self.take()
                value = value * self.power()
            elif self.at(("op", "/")):
                self.take()
                value = value / self.power()
            elif self.at(("command", r"\odot")):
                t = self.take()
                value = _elementwise(value, self.power(), self, t)
            elif self.starts_factor():
                if self.peek().kind == "number" and self._after_number():
                    t = self.peek()
                    raise LatexReadError(f"two numbers side by side at position {t.pos + 1} (a product is "
                                         f"written with \\cdot; digit groups are three digits after \\,)")
                value = value * self.power()
            else:
                break
        return value

    def _after_number(self) -> bool:
        """Whether the token before the next one (spaces aside) is a number."""
        j = self.i - 1
        while j >= 0 and self.tokens[j].kind in ("space", "thin"):
            j -= 1
        return j >= 0 and self.tokens[j].kind == "number"

    def power(self) -> sp.Basic:
        base = self.postfix()
        if self.at(("op", "^")):
            self.take()
            exponent = self.script()
            return _pow(base, exponent, self)
        return base

    def postfix(self) -> sp.Basic:
        value = self.primary()
        while self.peek(skip_thin=False).key == ("op", "!"):
            self.take()
            value = sp.factorial(value)
        return value

    def script(self) -> sp.Basic:
        """A sub- or superscript: ``{expr}`` or one token (one digit of a number)."""
        t = self.peek()
        if t.key == ("op", "{"):
            self.take()
            value = self.expr()
            self.expect("op", "}")
            return value
        if t.kind == "number" and t.text.isdigit():
            self.take()
            if len(t.text) > 1:  # \frac12 is \frac{1}{2} in LaTeX: put the rest back
                self.tokens.insert(self.i, _Tok("number", t.text[1:], t.pos + 1))
            return sp.Integer(t.text[0])
        return self.primary()

    def group(self, close: tuple[str, str]) -> sp.Basic:
        value = self.expr()
        self.expect(*close)
        return value

    # ----- primaries -----------------------------------------------------------------
    def primary(self) -> sp.Basic:
        found = self.named_object()
        if found is not None:
            return found
        found = self.function_call()
        if found is not None:
            return found
        t = self.take()
        if t.kind == "number":
            return _number(t.text)
        if t.kind == "left":
            return self.delimited(t)
        if t.kind == "op":
            if t.text == "(":
                return self.group(("op", ")"))
            if t.text == "[":
                return self.group(("op", "]"))
            if t.text == "{":
                return self.braced(t)
        if t.kind == "command":
            return self.command(t)
        if t.kind in ("name", "styled"):
            return self.name_or_constant(t)
        if t.kind == "end":
            raise self.error("the text ends too early", t)
        raise self.error(f"unexpected {t.text!r}", t)

    def named_object(self) -> sp.Basic | None:
        """A hand-typed name of a whole object (``\\Pr(y \\mid \\boldsymbol\\theta)``)."""
        for tokens, obj in self.vocab.all_names():
            found, j = self.solid_from(self.i, len(tokens))
            if tuple(found) == tokens:
                self.i = j
                return obj
        return None

    def function_call(self) -> sp.Basic | None:
        t = self.peek()
        if t.kind not in ("styled", "command", "name"):
            return None
        start = self.i
        for template in self.vocab.templates_for(t.key):
            self.i = start
            try:
                return self.match(template)
            except LatexReadError:
                continue
        self.i = start
        return None

    def match(self, template: Template) -> sp.Basic:
        r"""The text of ``template`` with expressions in its slots; a power may follow the head
        (``\tanh^{2}{\left(z \right)}``, as SymPy prints powers of its named functions). A
        function of one argument applied to a vector acts element by element, as the lecture's
        ``\mathbf{h}_{1} = \mathrm{ReLU}[\boldsymbol\beta_{0} + \boldsymbol\Omega_{0} \mathbf{x}]``
        does (names given as explicit matrices).

        >>> from symbolic.activations.functions import ReLU
        >>> a, b = sp.symbols("a b", real=True)
        >>> vocab = Vocabulary.of([ReLU(a)], names={r"\mathbf{h}": sp.ImmutableMatrix([a, b])})
        >>> read_latex(r"\mathrm{ReLU}\left[\mathbf{h}\right]", vocab).T
        Matrix([[ReLU(a), ReLU(b)]])
        """
        args: dict[int, sp.Basic] = dict(template.fixed)
        power = None
        for n, key in enumerate(template.tokens):
            if key[0] == "slot":
                args[int(key[1])] = self.expr()
            else:
                t = self.take()
                if t.key != key and t.key != _PLAIN.get(key):
                    raise self.error(f"expected {key[1]!r}", t)
            if n == 0 and self.tokens[self.i].key == ("op", "^") and template.tokens[1:2] != (("op", "^"),):
                self.i += 1
                power = self.script()
        if template.nargs == 1 and isinstance(args[0], sp.MatrixBase):  # a[h]: the activation of every unit
            call = args[0].applyfunc(template.cls)
        else:
            call = template.cls(*[args[k] for k in range(template.nargs)])
        return call if power is None else _pow(call, power, self)

    def delimited(self, t: _Tok) -> sp.Basic:
        opener = t.text[len(r"\left"):]
        if opener == "(":
            return self.group(("right", r"\right)"))
        if opener == "[":
            return self.group(("right", r"\right]"))
        if opener == "|":
            return sp.Abs(self.group(("right", r"\right|")))
        if opener == r"\lfloor":
            return sp.floor(self.group(("right", r"\right\rfloor")))
        if opener == r"\lceil":
            return sp.ceiling(self.group(("right", r"\right\rceil")))
        if opener == ".":  # \left. expr \right|_{\substack{ y=\mu }}
            value = self.expr()
            self.expect("right", r"\right|")
            self.expect("op", "_")
            self.expect("op", "{")
            stacked = self.at(("command", r"\substack"))
            if stacked:
                self.take()
                self.expect("op", "{")
            pairs = [self.assignment()]
            while self.at(("command", "\\\\")):
                self.take()
                pairs.append(self.assignment())
            self.expect("op", "}")
            if stacked:
                self.expect("op", "}")
            return sp.Subs(value, tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))
        raise self.error(f"unexpected {t.text!r}", t)

    def assignment(self) -> tuple[sp.Symbol, sp.Basic]:
        variable = self.bound_variable()
        self.expect("op", "=")
        return variable, self.expr()

    def bound_variable(self) -> sp.Basic:
        t = self.take()
        if t.kind not in ("name", "command", "styled"):
            raise self.error("expected a variable", t)
        return self.name(t)

    def braced(self, t: _Tok) -> sp.Basic:
        r"""``{...}``: a group, or the base of an indexed element ``{f}_{i,{y}_{i}}``."""
        start = self.i
        head = self.peek()
        if head.kind in ("name", "command", "styled"):
            self.take()
            primes = self.primes()
            if self.at(("op", "}")):
                self.take()
                if self.peek(skip_thin=False).key == ("op", "_"):
                    self.take()
                    base_tex = head.text
                    base = self.vocab.base(_latex_keys(base_tex, primes, None), base_tex, head.pos)
                    self.expect("op", "{")
                    indices = [self.expr()]
                    while self.at(("op", ",")):
                        self.take()
                        indices.append(self.expr())
                    self.expect("op", "}")
                    return base[tuple(indices)]
        self.i = start
        return self.group(("op", "}"))

    def primes(self) -> str:
        out = ""
        while self.tokens[self.i].key == ("op", "'"):
            out += "'"
            self.i += 1
        return out

    def name(self, t: _Tok, base_tex: str | None = None) -> sp.Symbol:
        """A symbol's printed name (:func:`~symbolic.core.latex_names.scan_name`); a superscript
        is part of it only when the vocabulary has such a name (``x_{1}^*``), else a power."""
        found = scan_name(self.tokens, self.i - 1, base_tex)
        if found.sup is not None:
            symbol = self.vocab.find(found.keys(), found.shown(), t.pos)
            if symbol is not None:
                self.i = found.end
                return symbol
            if found.sup_first:  # x^{2}_{1} is no name here: read x, then the power
                found = replace(found, index=None)
            self.i = found.end_without_sup
        else:
            self.i = found.end
        keys = found.keys(with_sup=False)
        if found.index is not None and self.vocab.find(keys, found.shown(with_sup=False), t.pos) is None:
            element = self.element(t, found)
            if element is not None:
                return element
        return self.vocab.symbol(keys, found.shown(with_sup=False), t.pos)

    def element(self, t: _Tok, found: Any) -> sp.Basic | None:
        r"""``y_{i}``, ``f_{i,y_{i}}``: an element of an indexed base written as a name (the inline
        form), when no symbol has that name; None when no base has it."""
        try:
            base = self.vocab.base(_latex_keys(found.base, found.primes, None), found.base, t.pos)
        except LatexReadError:
            return None
        j = self.tokens.index(t) + 1 + len(found.primes)
        if self.tokens[j].key != ("op", "_"):
            return None
        self.i = j + 1
        if not self.at(("op", "{")):
            return base[self.script()]
        self.take()
        indices = [self.expr()]
        while self.at(("op", ",")):
            self.take()
            indices.append(self.expr())
        self.expect("op", "}")
        return base[tuple(indices)]

    def name_or_constant(self, t: _Tok) -> sp.Basic:
        if t.key == ("name", "e") and not self._known(r"e"):
            if self.peek(skip_thin=False).key == ("op", "^"):
                self.take()
                return sp.exp(self.script())
            return sp.E
        if t.kind == "styled" and t.text.startswith((r"\mathrm", r"\operatorname")) and not self._known(t.text):
            raise self.error(f"unknown function {t.text}", t)
        return self.name(t)

    def _known(self, base_tex: str) -> bool:
        vocabs = [self.vocab] + ([self.vocab.fallback] if self.vocab.fallback else [])
        return any(k[0] == base_tex for v in vocabs for k in v.symbols)

    def command(self, t: _Tok) -> sp.Basic:
        name = t.text
        if name in (r"\frac", r"\dfrac", r"\tfrac"):
            return self.fraction()
        if name == r"\sqrt":
            if self.at(("op", "[")):
                self.take()
                n = self.group(("op", "]"))
                return sp.root(self.script(), n)
            return sp.sqrt(self.script())
        if name == r"\binom":
            top = self.script()
            return sp.binomial(top, self.script())
        if name in (r"\sum", r"\prod"):
            return self.big_operator(sp.Sum if name == r"\sum" else sp.Product)
        if name == r"\int":
            return self.integral()
        if name == r"\lim":
            return self.limit()
        if name == r"\begin":
            return self.environment()
        if name == r"\pi" and not self._known(r"\pi"):
            return sp.pi
        if name == r"\infty":
            return sp.oo
        if name in (r"\log", r"\ln", r"\exp"):
            argument = self.function_argument()
            return sp.log(argument) if name != r"\exp" else sp.exp(argument)
        if name in (r"\min", r"\max") and self.at(("left", r"\left(")):  # \min\left(a, b\right)
            self.take()
            items = [self.expr()]
            while self.at(("op", ",")):
                self.take()
                items.append(self.expr())
            self.expect("right", r"\right)")
            return (sp.Min if name == r"\min" else sp.Max)(*items)
        if name in _GREEK_FUNCTIONS and self.at(("left", r"\left(")):
            self.take()
            return _GREEK_FUNCTIONS[name](self.group(("right", r"\right)")))
        if re.fullmatch(r"\\[A-Za-z]+", name) and name not in _STOP_COMMANDS:
            return self.name(t)
        raise self.error(f"unknown command {name}", t)

    def function_argument(self) -> sp.Basic:
        r"""``\log{\left(x \right)}``, ``\log\left(x\right)``, ``\exp\left[x\right]`` (the book's
        brackets), or ``\log x`` and ``\log y!`` (``\log {y}_{i}!``: an indexed element, not a group)."""
        found, after = self.solid_from(self.i, 3)
        indexed = (len(found) == 3 and found[0] == ("op", "{") and found[2] == ("op", "}")
                   and self.tokens[after].key == ("op", "_"))
        if self.at(("op", "{")) and not indexed:  # {y}_{i} is the base of an indexed element
            self.take()
            value = self.expr()
            self.expect("op", "}")
            return value
        if self.at(("left", r"\left("), ("op", "(")):
            opener = self.take()
            return self.group(("right", r"\right)") if opener.kind == "left" else ("op", ")"))
        if self.at(("left", r"\left[")):
            self.take()
            return self.group(("right", r"\right]"))
        return self.postfix()

    def fraction(self) -> sp.Basic:
        start = self.i
        try:
            derivative = self.derivative()
        except LatexReadError:  # \frac{d + 1}{2}: a fraction whose top starts with a d
            self.i, derivative = start, None
        if derivative is not None:
            return derivative
        top = self.script()
        return top / self.script()

    def derivative(self) -> sp.Basic | None:
        r"""``\frac{\partial^{2}}{\partial y\partial x} f``, the book's ``\frac{\partial L}{\partial x}``
        and ``\frac{dy}{dx}``, or ``\frac{d}{d x} f``, else None."""
        start = self.i
        top, _ = self.solid_from(self.i, 3)
        if len(top) < 2 or top[0] != ("op", "{"):
            return None
        operand = None
        if top[1][0] == "name" and top[1][1].startswith("d") and len(top[1][1]) > 1:  # \frac{dy}{dx}
            self.take()
            t = self.take()
            operand = self.name(t, t.text[1:])
            top[1] = ("name", "d")
        elif top[1] not in (("command", r"\partial"), ("name", "d")):
            return None
        else:
            self.take()
            self.take()
        symbol = top[1]
        if operand is None and self.at(("op", "^")):
            self.take()
            self.script()
        if operand is None and not self.at(("op", "}")):  # Leibniz: \frac{\partial L}{\partial x}, \frac{d\ell}{dx}
            operand = self.term()
        if not self.at(("op", "}")):
            self.i = start
            return None
        self.take()
        self.expect("op", "{")
        variables = []
        while not self.at(("op", "}")):
            t = self.take()
            if symbol == ("command", r"\partial") and t.key == symbol:
                variable = self.bound_variable()
            elif symbol == ("name", "d") and t.kind == "name" and t.text.startswith("d"):
                variable = self.bound_variable() if t.text == "d" else self.name(t, t.text[1:])
            else:
                self.i = start
                return None
            count = 1
            if self.at(("op", "^")):
                self.take()
                count = self.script()
            variables.append((variable, count))
        self.take()
        if operand is None:
            operand = self.term()  # SymPy prints the operand unbracketed up to a sum: the rest of the product
        return sp.Derivative(operand, *reversed(variables))

    def big_operator(self, kind: Any) -> sp.Basic:
        r"""``\sum_{i=1}^{I} t``; or ``\sum_{i} t`` (the inline form), over the one range the
        objects read against sum ``i`` over."""
        self.expect("op", "_")
        braced = self.at(("op", "{"))
        if braced:
            self.take()
        variable = self.bound_variable()
        if braced and self.at(("op", "=")):
            self.take()
            lower = self.expr()
            self.expect("op", "}")
            self.expect("op", "^")
            upper = self.script()
            return kind(self.signed_term(), (variable, lower, upper))
        if braced:
            self.expect("op", "}")
        ranges = self.vocab.ranges_of(variable)
        if len(ranges) != 1:
            raise self.error(f"a sum over {variable} without its range, and {len(ranges)} ranges of {variable} known")
        return kind(self.signed_term(), (variable, *next(iter(ranges))))

    def integral(self) -> sp.Basic:
        limits = None
        if self.at(("op", "_")):
            self.take()
            lower = self.script()
            self.expect("op", "^")
            limits = (lower, self.script())
        self.integrals += 1
        integrand = self.signed_term()
        self.integrals -= 1
        if not self.at_differential_now():
            raise self.error(r"expected the differential \, d<variable> of an integral")
        t = self.take()
        variable = self.bound_variable() if t.text == "d" else self.name(t, t.text[1:])
        return sp.Integral(integrand, (variable, *limits) if limits else variable)

    def limit(self) -> sp.Basic:
        r"""``\lim_{y \to \mu^-} f`` (a sum or product operand in ``\left(..\right)``)."""
        self.expect("op", "_")
        self.expect("op", "{")
        variable = self.bound_variable()
        self.expect("command", r"\to")
        point = self.postfix()
        direction = "+-"
        if self.at(("op", "^")):
            self.take()
            sign = self.take()
            if sign.key not in (("op", "+"), ("op", "-")):
                raise self.error("expected the side of a limit, ^+ or ^-", sign)
            direction = sign.text
        self.expect("op", "}")
        if point in (sp.oo, -sp.oo):  # SymPy's side of a limit at infinity
            direction = "-" if point is sp.oo else "+"
        return sp.Limit(self.power(), variable, point, direction)

    def at_differential_now(self) -> bool:
        self.integrals += 1
        try:
            return self.at_differential()
        finally:
            self.integrals -= 1

    def environment(self) -> sp.Basic:
        self.expect("op", "{")
        env = self.take().text
        self.expect("op", "}")
        rows: list[list] = []
        while True:
            if env == "cases":
                value = self.expr()
                self.expect("op", "&")
                t = self.take()
                if t.key == ("styled", r"\text{otherwise}"):
                    condition = sp.true
                elif t.key in (("styled", r"\text{for}"), ("styled", r"\text{if}")):
                    condition = self.condition()
                else:
                    raise self.error(r"expected \text{for}, \text{if} or \text{otherwise}", t)
                rows.append([value, condition])
            elif env in ("matrix", "pmatrix", "bmatrix"):
                row = [self.expr()]
                while self.at(("op", "&")):
                    self.take()
                    row.append(self.expr())
                rows.append(row)
            else:
                raise self.error(f"unknown environment {env!r}")
            if self.at(("command", "\\\\")):
                self.take()
                continue
            break
        self.expect("command", r"\end")
        self.expect("op", "{")
        if self.take().text != env:
            raise self.error(f"\\begin{{{env}}} ends with another environment")
        self.expect("op", "}")
        if env == "cases":
            return sp.Piecewise(*[tuple(r) for r in rows])
        return sp.Matrix(rows)

    def condition(self) -> sp.Basic:
        value = self.comparison()
        while self.at(("command", r"\wedge"), ("command", r"\vee")):
            op = self.take().text
            right = self.comparison()
            value = sp.And(value, right) if op == r"\wedge" else sp.Or(value, right)
        return value

    def comparison(self) -> sp.Basic:
        r"""``a < b``, or a chain of two inequalities ``a \le x < b`` (both hold)."""
        left = self.expr()
        t = self.peek()
        if t.text not in _RELATIONS:
            raise self.error("expected a comparison", t)
        self.take()
        middle = self.expr()
        first = _RELATIONS[t.text](left, middle)
        t = self.peek()
        if t.text in _RELATIONS and t.text not in ("=", r"\neq", r"\ne"):
            self.take()
            return sp.And(first, _RELATIONS[t.text](middle, self.expr()))
        return first


def _number(text: str) -> sp.Number:
    if "." in text:
        digits = len(text.replace(".", "").lstrip("0")) or 1
        return sp.Float(text, max(15, digits))
    return sp.Integer(text)


def _elementwise(a: sp.Basic, b: sp.Basic, parser: _Parser, t: _Tok) -> sp.Basic:
    r"""``a \odot b``: the elementwise product of two vectors or matrices of one shape (the
    lecture's ``\mathrm{ReLU}'[\mathbf{f}] \odot \partial\ell/\partial\mathbf{h}``); of two scalars, their product.

    >>> a, b = sp.symbols("a b", real=True)
    >>> vocab = Vocabulary.of([a, b], names={r"\mathbf{u}": sp.ImmutableMatrix([a, b])})
    >>> read_latex(r"\mathbf{u} \odot \mathbf{u}", vocab).T
    Matrix([[a**2, b**2]])
    """
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase) and a.shape == b.shape:
        return a.multiply_elementwise(b)
    if not isinstance(a, sp.MatrixBase) and not isinstance(b, sp.MatrixBase):
        return a * b
    raise parser.error(r"\odot multiplies two vectors of the same shape", t)


def _pow(base: sp.Basic, exponent: sp.Basic, parser: _Parser) -> sp.Basic:
    """``base^exponent``; a power of an exact number that SymPy would compute digit by digit
    (``10^{10^{10}}``) is refused."""
    if base.is_Rational and exponent.is_Integer and abs(exponent) > _MAX_EXPONENT and abs(base) != 1:
        raise parser.error(f"an exponent above {_MAX_EXPONENT} is refused")
    return sp.Pow(base, exponent)


@dataclass(frozen=True)
class Segment:
    """One part of a printed chain ``a = b \\approx c``: its relation to the part before
    (``"="``; ``"approx"`` after ``\\approx``), the object read (None: not read, ``reason``
    says why) and its text."""

    relation: str
    value: sp.Basic | None
    text: str
    reason: str = ""


def read_chain(text: str, vocab: Vocabulary) -> list[Segment]:
    r"""Read a printed chain ``a = b = c`` (``a \approx 0.27``) segment by segment.

    >>> z = sp.Symbol("z", real=True)
    >>> [s.value for s in read_chain(r"\frac{1}{1 + e^{- z}} = 1 - \frac{1}{e^{z} + 1}", Vocabulary.of([z]))]
    [1/(1 + exp(-z)), 1 - 1/(exp(z) + 1)]
    >>> [s.reason[:20] for s in read_chain(r"w_{1} z = 2 z", Vocabulary.of([z]))]
    ['unknown symbol w_{1}', '']
    """
    return _Parser(text, vocab).chain()


def read_condition(text: str, vocab: Vocabulary) -> sp.Basic:
    r"""Read one printed condition (``\lambda > \frac{1}{2}``, ``0 < \lambda < 1``, joined by
    ``\wedge``/``\vee``); raises :class:`LatexReadError` naming what it could not read.

    >>> lam = sp.Symbol("lambda", positive=True)
    >>> read_condition(r"\lambda > \frac{1}{2}", Vocabulary.of([lam]))
    lambda > 1/2
    """
    parser = _Parser(text, vocab)
    value = parser.condition()
    if parser.peek().kind != "end":
        raise parser.error(f"unexpected {parser.peek().text!r} after the condition")
    return value


def read_latex(text: str, vocab: Vocabulary) -> sp.Basic:
    r"""Read one printed formula (no ``=`` in it); raises :class:`LatexReadError` naming what
    it could not read.

    >>> z = sp.Symbol("z", real=True)
    >>> read_latex(r"\frac{1}{1 + e^{- z}}", Vocabulary.of([z]))
    1/(1 + exp(-z))
    >>> read_latex(r"\begin{cases} z & \text{if } 0 \le z < 1\\ 0 & \text{otherwise} \end{cases}", Vocabulary.of([z]))
    Piecewise((z, (z >= 0) & (z < 1)), (0, True))
    """
    segments = read_chain(text, vocab)
    if len(segments) > 1:
        raise LatexReadError(f"one formula expected, found a chain of {len(segments)}: {text[:60]!r}")
    if segments[0].value is None:
        raise LatexReadError(segments[0].reason)
    return segments[0].value
