r"""The names a printed LaTeX text may use, and its tokens: the vocabulary of a read-back.

A reader that trusted the package's printer for what it reads would be fooled by it, so a
printed name is decoded by the lecture's rules (DESIGN.md, Notation), never by printing the
symbol: ``\theta_{10}`` is ``theta_{1,0}`` (theta, phi and psi drop the commas of one-digit
indices), ``\beta_{0,1}`` is ``beta_{0,1}``, ``\phi'_{0}`` is ``phi'_{0}``, ``N_{r}`` is ``N_r``,
``x_{1}^*`` is ``x_{1}^*``; :func:`symbol_key` decodes a symbol's *name* to the same key
(its base as stock SymPy prints it), and a :class:`Vocabulary` looks printed names up among
the symbols of some SymPy objects. Functions are the exception: each function class found in
the objects is printed once on placeholder arguments, and that text is the class's template
(``\mathrm{ReLU}\left[\cdot\right]``, ``\mathrm{softmax}_{\cdot}\left[\cdot, \cdot\right]``).

>>> symbol_key("theta_{1,0}") == latex_keys(r"\theta", "", "10")[1]
True
>>> symbol_key("theta_{1,0}") == latex_keys(r"\theta", "", "01")[1]
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import sympy as sp
from sympy.printing.conventions import split_super_sub

from symbolic.core.printing import latex

__all__ = ["LatexReadError", "Vocabulary", "Template", "Token", "Name", "tokenize", "solid", "symbol_key", "latex_keys",
           "scan_name", "MAX_TOKENS"]

MAX_TOKENS = 20000
#: Bases whose one-digit indices the lecture writes without commas (``\theta_{10}``).
_COMMA_FREE = {r"\theta", r"\phi", r"\psi"}


class LatexReadError(ValueError):
    """The text is not in the grammar, or names something the vocabulary does not know."""


# ----- tokens ------------------------------------------------------------------------------
_STYLES = ("mathrm", "operatorname", "mathbf", "mathbb", "mathcal", "mathit", "text", "hat", "bar", "tilde",
           "dot", "ddot", "vec", "check", "breve", "boldsymbol")
_TOKEN = re.compile(r"""
    (?P<space>\\\\\s*&\\qquad(?![A-Za-z])|\s+|\\[;:!\ ]|~|\\quad(?![A-Za-z])|\\qquad(?![A-Za-z])
              |\\displaystyle(?![A-Za-z])|\\limits(?![A-Za-z]))
  | (?P<thin>\\,)
  | (?P<left>\\left\s*(?:\\\{|\\\||\\lfloor|\\lceil|[()\[\]|.]))
  | (?P<right>\\right\s*(?:\\\}|\\\||\\rfloor|\\rceil|[()\[\]|.]))
  | (?P<styled>\\(?:""" + "|".join(_STYLES) + r""")\s*(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<command>\\[A-Za-z]+|\\\\|\\[{}|])
  | (?P<name>[A-Za-z]+)
  | (?P<op>[-+*/^_(){}\[\],!|<>=&'])
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    """One token of a printed text; ``text`` is canonical (``\\boldsymbol{\\theta}``, ``\\left(``)."""

    kind: str  # space, thin, left, right, styled, number, command, name, op, slot, end
    text: str
    pos: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.text


def _canonical(kind: str, text: str) -> str:
    if kind in ("left", "right"):
        return re.sub(r"\s+", "", text)
    if kind == "styled":  # \boldsymbol\theta and \boldsymbol{\theta} alike
        m = re.match(r"\\([A-Za-z]+)\s*(.*)$", text, re.S)
        content = m.group(2).strip()
        if content.startswith("{") and content.endswith("}"):
            content = content[1:-1]
        content = content.strip() if m.group(1) == "text" else re.sub(r"\s+", "", content)
        return "\\" + m.group(1) + "{" + content + "}"
    return text


def tokenize(text: str) -> list[Token]:
    r"""The tokens of ``text`` (spaces kept as ``space``/``thin`` tokens; a wrapped sum's
    ``\\ &\qquad`` continuation is a space), ending with an ``end`` token."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise LatexReadError(f"unexpected character {text[pos]!r} at position {pos + 1}")
        kind, value = m.lastgroup, _canonical(m.lastgroup, m.group())
        scripted = tokens and tokens[-1].key in (("op", "_"), ("op", "^"))
        if scripted and (kind == "name" or value.isdigit()) and len(value) > 1:
            tokens.append(Token(kind, value[0], m.start()))  # x_12 is x_1 2, e^ab is e^a b in LaTeX
            tokens.append(Token(kind, value[1:], m.start() + 1))
        else:
            tokens.append(Token(kind, value, m.start()))
        pos = m.end()
        if len(tokens) > MAX_TOKENS:
            raise LatexReadError(f"the text is too long (more than {MAX_TOKENS} tokens)")
    tokens.append(Token("end", "", len(text)))
    return _digit_groups(tokens)


_GROUP_HEAD = re.compile(r"\d{1,3}$")
_GROUP = re.compile(r"\d{3}(\.\d+)?$")


def _digit_groups(tokens: list[Token]) -> list[Token]:
    r"""Join a number printed in digit groups (``1\,234\,567``, ``10{,}100``) into one number
    token. A separator between digits that do not form groups of three is left as it is, and the
    grammar then refuses two numbers side by side (it never multiplies them)."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        while out and out[-1].kind == "number" and (_GROUP_HEAD.match(out[-1].text) or out[-1].pos < 0):
            if tokens[i].kind == "thin" and tokens[i + 1].kind == "number":
                step = 1
            elif [x.key for x in tokens[i:i + 3]] == [("op", "{"), ("op", ","), ("op", "}")] and \
                    i + 3 < len(tokens) and tokens[i + 3].kind == "number":
                step = 3
            else:
                break
            group = tokens[i + step]
            if not _GROUP.match(group.text):
                break
            head = out.pop()
            joined = head.text + group.text
            # a joined number is marked by a negative position (its start, negated) so that a
            # further group may follow; a decimal part ends the number
            out.append(Token("number", joined, -abs(head.pos) - 1 if "." not in group.text else abs(head.pos)))
            i += step + 1
            t = tokens[i]
        out.append(t)
        i += 1
    return [Token(x.kind, x.text, -x.pos - 1) if x.kind == "number" and x.pos < 0 else x for x in out]


def solid(tokens: list[Token]) -> tuple[tuple[str, str], ...]:
    """The keys of the tokens that are not spaces (how names and templates are matched)."""
    return tuple(t.key for t in tokens if t.kind not in ("space", "thin", "end"))


# ----- symbol names ------------------------------------------------------------------------
def _index_parts(index: str) -> tuple[str, ...]:
    parts, depth, current = [], 0, ""
    for ch in re.sub(r"\s+", "", index):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return tuple(parts + [current]) if index.strip() else ()


#: A name the package's printer writes in the lecture's notation (theta_{1,0} -> \theta_{10}).
_LECTURE_NAME = re.compile(r"([A-Za-z]+)('?)_\{([^{}]*)\}")


@dataclass(frozen=True)
class Name:
    """A printed name as tokens give it: base, primes, subscript and superscript text, and
    the token index after it with and without the superscript (which may be a power)."""

    base: str
    primes: str
    index: str | None
    sup: str | None
    sup_first: bool
    end: int
    end_without_sup: int

    def keys(self, with_sup: bool = True) -> list[tuple]:
        return latex_keys(self.base, self.primes, self.index, self.sup if with_sup else None)

    def shown(self, with_sup: bool = True) -> str:
        text = self.base + self.primes + ("" if self.index is None else f"_{{{self.index}}}")
        return text + (f"^{{{self.sup}}}" if with_sup and self.sup is not None else "")


def _script(tokens: list[Token], i: int, mark: str) -> tuple[str | None, int]:
    """The raw text of a script ``_{...}``/``^{...}``/``_i``/``^*`` at token ``i``, and the
    index after it; (None, i) when there is none (or it cannot be a name's script)."""
    if tokens[i].key != ("op", mark):
        return None, i
    t = tokens[i + 1]
    if t.key == ("op", "{"):
        depth, j, parts = 0, i + 1, []
        while tokens[j].kind != "end":
            depth += {"{": 1, "}": -1}.get(tokens[j].text, 0) if tokens[j].kind == "op" else 0
            parts.append(tokens[j].text if tokens[j].kind != "space" else " ")
            j += 1
            if depth == 0:
                return "".join(parts[1:-1]), j
        return None, i
    if t.kind in ("number", "name"):
        return t.text[0], i + 2  # x_12 is x_1 2 in LaTeX (the parser splits the token)
    if t.kind in ("command", "styled") or (mark == "^" and t.key == ("op", "*")):
        return t.text, i + 2
    return None, i


def scan_name(tokens: list[Token], i: int, base: str | None = None) -> Name:
    r"""The name whose base token is ``tokens[i]`` (``base`` overrides its text, for ``dy``):
    primes, then a subscript and a superscript in either order (``x_{1}^*``, ``\phi^{[0]}_{0}``)."""
    base = base or tokens[i].text
    j = i + 1
    primes = ""
    while tokens[j].key == ("op", "'"):
        primes, j = primes + "'", j + 1
    sup, after_sup = _script(tokens, j, "^")
    index, after_index = _script(tokens, after_sup, "_")
    if sup is not None:
        return Name(base, primes, index, sup, True, after_index, j)
    sup, after_sup = _script(tokens, after_index, "^")
    return Name(base, primes, index, sup, False, after_sup, after_index)


def symbol_key(name: str) -> tuple:
    r"""The key a symbol's *name* is found by: (base, primes, index parts, superscripts), as
    stock SymPy prints the base (Greek letters, accents) and the lecture writes the indices;
    a name with braces of its own (``L_{\mathcal{N}}``, ``x_{1}^*``) is printed as it is, so
    it is decoded as printed text. Never the package's printer: its index layout is what a
    read-back checks.

    >>> symbol_key("theta_{1,0}"), symbol_key("N_r"), symbol_key("x_{1}^*")
    (('\\theta', '', ('1', '0'), ()), ('N', '', ('r',), ()), ('x', '', ('1',), ('*',)))
    """
    m = _LECTURE_NAME.fullmatch(name)
    if m:
        base, primes, index = m.groups()
        return _stock(base), primes, _index_parts(index), ()
    if "{" in name:
        try:
            tokens = tokenize(name)
        except LatexReadError:
            return (name,)
        if tokens[0].kind in ("name", "command", "styled"):
            found = scan_name(tokens, 0)
            if tokens[found.end].kind == "end":
                return found.keys()[0]
        return (name,)
    base, supers, subs = split_super_sub(name)
    primes = base[len(base.rstrip("'")):]
    return (_stock(base.rstrip("'")), primes, tuple(re.sub(r"\s+", "", s) for s in subs),
            tuple(re.sub(r"\s+", "", s) for s in supers))


def _stock(base: str) -> str:
    """How stock SymPy prints a name's base (``theta`` -> ``\\theta``, ``yhat`` -> ``\\hat{y}``)."""
    try:
        return re.sub(r"\s+", "", sp.latex(sp.Symbol(base))) if base else base
    except Exception:  # pragma: no cover - a name SymPy cannot print
        return base


def latex_keys(base_tex: str, primes: str, index: str | None, sup: str | None = None) -> list[tuple]:
    """Candidate keys of a printed name: the index split at commas, and for theta/phi/psi an
    index of one-character parts written without commas (``\\theta_{10}``, ``\\theta_{d0}``).

    >>> latex_keys(r"\\theta", "", "d0")[1]
    ('\\\\theta', '', ('d', '0'), ())
    """
    parts = _index_parts(index) if index is not None else ()
    supers = () if sup is None else (re.sub(r"\s+", "", sup),)
    keys = [(base_tex, primes, parts, supers)]
    if base_tex in _COMMA_FREE and len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalnum():
        keys.append((base_tex, primes, tuple(parts[0]), supers))
    return keys


# ----- vocabulary --------------------------------------------------------------------------
@dataclass
class Template:
    """How a function class prints: token keys with ``("slot", "k")`` for argument k."""

    cls: Any
    nargs: int
    tokens: tuple[tuple[str, str], ...]  # ("slot", "k") for argument k
    fixed: dict[int, sp.Basic]  # arguments the printed form leaves out (a leaky ReLU's slope)


#: Function classes this grammar reads itself (their printed forms start with a slot or a bracket).
_NATIVE = (sp.exp, sp.log, sp.Abs, sp.factorial, sp.binomial, sp.floor, sp.ceiling)
_PLACEHOLDERS = [f"Qzslot{c}" for c in "bcdfgjkmnpqrstvwxz"]


def _walk(expr: Any, symbols: set, bases: set, calls: dict, ranges: dict | None = None) -> None:
    if isinstance(expr, (sp.Sum, sp.Product)) and ranges is not None:
        for limit in expr.limits:
            if len(limit) == 3:
                ranges.setdefault(limit[0], set()).add((limit[1], limit[2]))
    if isinstance(expr, sp.IndexedBase):
        bases.add(expr)
        return
    if isinstance(expr, sp.Symbol):
        symbols.add(expr)
        return
    if isinstance(expr, sp.MatrixBase):
        for e in expr:
            _walk(e, symbols, bases, calls, ranges)
        return
    if not isinstance(expr, sp.Basic):
        return
    if isinstance(expr, sp.Function):
        calls.setdefault(type(expr), []).append(expr)
    for a in expr.args[:3] if isinstance(expr, sp.Limit) else expr.args:  # not a limit's side, Symbol('-')
        _walk(a, symbols, bases, calls, ranges)


@dataclass
class Vocabulary:
    """What a printed text may name: the symbols, indexed bases and function classes of some
    SymPy objects (looked up first in the objects themselves, then in ``fallback``: the rest
    of their derivation), and ``names``, hand-typed LaTeX names of whole objects."""

    symbols: dict[tuple, set] = field(default_factory=dict)
    bases: dict[tuple, set] = field(default_factory=dict)
    templates: dict[tuple[str, str], list[Template]] = field(default_factory=dict)
    names: list[tuple[tuple[tuple[str, str], ...], sp.Basic]] = field(default_factory=list)
    fallback: "Vocabulary | None" = None
    #: The ranges ``(lower, upper)`` the objects' sums and products take each index over.
    ranges: dict[sp.Symbol, set] = field(default_factory=dict)

    @classmethod
    def of(cls, objects: Iterable[Any], names: Mapping[str, sp.Basic] | None = None,
           fallback: "Vocabulary | None" = None) -> "Vocabulary":
        """The vocabulary of ``objects``; ``names`` maps hand-typed LaTeX to the object it names."""
        symbols: set = set()
        bases: set = set()
        calls: dict = {}
        ranges: dict = {}
        for obj in objects:
            _walk(obj, symbols, bases, calls, ranges)
        vocab = cls(fallback=fallback, ranges=ranges)
        own = dict(names or {})
        for s in symbols:
            vocab.symbols.setdefault(symbol_key(s.name), set()).add(s)
            if type(s) not in (sp.Symbol, sp.Dummy) and "_latex" in vars(type(s)):
                own.setdefault(latex(s), s)  # a symbol that prints itself (an adjoint dl/df)
        for b in bases:
            vocab.bases.setdefault(symbol_key(b.label.name), set()).add(b)
        for function, instances in calls.items():
            for template in _templates(function, instances):
                vocab.templates.setdefault(template.tokens[0], []).append(template)
        for group in vocab.templates.values():
            group.sort(key=lambda t: -len(t.tokens))
        for text, obj in own.items():
            vocab.names.append((solid(tokenize(text)), obj))
        vocab.names.sort(key=lambda n: -len(n[0]))
        return vocab

    def find(self, keys: list[tuple], shown: str, pos: int) -> sp.Symbol | None:
        """The one symbol with one of ``keys`` (here, else in the fallback), or None."""
        for vocab in (self, self.fallback):
            if vocab is None:
                continue
            found = {s for k in keys for s in vocab.symbols.get(k, ())}
            if len(found) == 1:
                return found.pop()
            if len(found) > 1:
                raise LatexReadError(f"ambiguous symbol {shown} at position {pos + 1}: "
                                     f"{', '.join(sorted(map(repr, found)))}")
        return None

    def symbol(self, keys: list[tuple], shown: str, pos: int) -> sp.Symbol:
        found = self.find(keys, shown, pos)
        if found is not None:
            return found
        known = ", ".join(sorted({s.name for group in self.symbols.values() for s in group}))
        raise LatexReadError(f"unknown symbol {shown} at position {pos + 1} (known: {known or 'none'})")

    def base(self, keys: list[tuple], shown: str, pos: int) -> sp.IndexedBase:
        for vocab in (self, self.fallback):
            found = set() if vocab is None else {b for k in keys for b in vocab.bases.get(k, ())}
            if len(found) == 1:
                return found.pop()
            if len(found) > 1:
                raise LatexReadError(f"ambiguous indexed name {shown} at position {pos + 1}")
        raise LatexReadError(f"unknown indexed name {{{shown}}} at position {pos + 1}")

    def ranges_of(self, index: sp.Symbol) -> set:
        """The ranges ``(lower, upper)`` of sums over ``index`` in the objects (else the fallback's)."""
        return self.ranges.get(index) or (set() if self.fallback is None else self.fallback.ranges_of(index))

    def templates_for(self, key: tuple[str, str]) -> list[Template]:
        own = self.templates.get(key, [])
        return own + ([] if self.fallback is None else self.fallback.templates_for(key))

    def all_names(self) -> list:
        return self.names + ([] if self.fallback is None else self.fallback.all_names())


def _templates(function: Any, instances: list) -> list[Template]:
    """How ``function`` prints, as templates: its call on placeholder symbols printed by the
    package's printer, cut into tokens with the placeholders as argument slots."""
    if not isinstance(function, type) or issubclass(function, _NATIVE):
        return []
    out = []
    for n in sorted({len(e.args) for e in instances}):
        if n > len(_PLACEHOLDERS):
            continue
        slots = [sp.Symbol(name) for name in _PLACEHOLDERS[:n]]
        try:
            call = function(*slots)
            if type(call) is not function:
                continue
            tokens = solid(tokenize(latex(call)))
        except Exception:  # a class that cannot be called on symbols prints only as itself
            continue
        tokens = tuple(("slot", str(_PLACEHOLDERS.index(t[1]))) if t[0] == "name" and t[1] in _PLACEHOLDERS
                       else t for t in tokens)
        if not tokens or tokens[0][0] not in ("styled", "command", "name") or tokens[0] == ("name", "e"):
            continue  # prints as a formula (x e^{t}, (z)^2): read as that formula
        shown = {int(t[1]) for t in tokens if t[0] == "slot"}
        fixed = {}
        for k in set(range(n)) - shown:  # an argument the print leaves out: one value in all calls
            values = {e.args[k] for e in instances if len(e.args) == n}
            if len(values) != 1:
                break
            fixed[k] = values.pop()
        else:
            out.append(Template(function, n, tokens, fixed))
    return out
