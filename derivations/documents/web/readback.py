r"""What the web converter printed, read back: HTML tables and MathML displays against their LaTeX.

:mod:`derivations.documents.web.tex` turns a topic's LaTeX into HTML: tables cell by cell,
displays through ``latex2mathml`` and its own rewriting (``\text`` with math inside,
right-aligned cells, dropped size commands). A slip there (a cell dropped or moved, a row
merged, a symbol lost from a display) would print a table or an equation the checks never
saw. This module reads the HTML back, with a reader of its own, and compares it with the
LaTeX the topic wrote:

- a table: the same number of rows, each with the same number of cells, and each cell's text
  (its words, and its math's symbols, numbers and operators, in order) the text of the
  LaTeX cell;
- a display: the symbols, numbers, operators and words of the MathML, in order, are those of
  the LaTeX.

Both sides are reduced to the *content* a reader sees, in reading order: letters, digits,
operators and words; layout (spacing, sizes, alignment marks, braces of groups, the
structure of fractions and scripts) is not compared. Unicode forms are unified (NFKC: the
bold 𝐟 of ``\mathbf{f}`` is f; the minus sign is -). A LaTeX command the reader does not know
is a mismatch, never skipped.

>>> from derivations.documents.web.tex import math_html
>>> content_of_latex(r"\frac{\partial L}{\partial \boldsymbol\phi} = 2\,(y - \hat{y})")
'∂L∂φ=2(y-y^)'
>>> content_of_html(math_html(r"\frac{\partial L}{\partial \boldsymbol\phi} = 2\,(y - \hat{y})"))
'∂L∂φ=2(y-y^)'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence
from html.parser import HTMLParser

from latex2mathml.symbols_parser import convert_symbol

__all__ = ["content_of_latex", "content_of_html", "latex_cells", "html_cells", "Mismatch", "compare_display",
           "compare_table", "page_mismatches", "UnknownCommand"]


class UnknownCommand(ValueError):
    """A LaTeX command the reader has no reading for."""


#: Commands that only lay out (their arguments, if any, are read as they are).
_LAYOUT = {
    "frac", "dfrac", "tfrac", "sqrt", "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
    "biggl", "biggr", "mathrm", "mathbf", "boldsymbol", "bm", "mathit", "mathsf", "mathtt", "text", "textrm", "textit",
    "textbf", "texttt", "emph", "mbox", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits",
    "quad", "qquad", "notag", "nonumber", "footnotesize", "scriptsize", "small", "normalsize", "large", "Large",
    "centering", "noindent", "toprule", "midrule", "bottomrule", "hline", "par", "medskip", "bigskip", "smallskip",
    "mathcal", "mathbb", "mathscr", "mathfrak", "operatorname", "underbrace", "overbrace", "phantom", "hphantom",
    "vphantom", "strut", "allowbreak", "mathstrut", "mspace", "hspace", "vspace", "cline", "cmidrule", "substack",
}
#: Commands whose (first) brace argument is not content at all.
_ARGUMENT_DROPPED = {"label", "hspace", "vspace", "phantom", "hphantom", "vphantom", "mspace", "cmidrule", "cline",
                     "begin", "end"}
#: Accents: the accent's character follows its argument in MathML (``\hat{y}`` -> y^).
_ACCENTS = {"hat": "^", "widehat": "^", "bar": "¯", "overline": "―", "tilde": "~", "widetilde": "~", "vec": "→",
            "dot": "˙", "ddot": "¨", "check": "ˇ", "breve": "˘", "underline": "_"}
#: Names latex2mathml prints as words (function names).
_WORDS = {"log", "ln", "exp", "max", "min", "sup", "inf", "sin", "cos", "tan", "tanh", "sinh", "cosh", "det",
          "arg", "lim", "argmax", "argmin", "dim", "ker", "deg", "gcd", "Pr", "sec", "csc", "cot", "arcsin",
          "arccos", "arctan", "liminf", "limsup", "exp", "mod", "bmod"}
#: Prose: characters the converter writes for LaTeX's text ligatures and escapes.
_PROSE = [("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("~", " ")]
#: Characters written one way in LaTeX's reading and another in MathML, taken as the same.
_SAME = str.maketrans({"−": "-", "′": "'", "∗": "*", "\u00a0": " ", "·": "⋅", "∣": "|", "ϵ": "ε", "…": "…",
                       "\u2061": None, "\u2062": None, "\u2063": None, "\u2064": None})


def _normal(text: str) -> str:
    """Unicode compatibility form, same-meaning characters unified, no whitespace."""
    text = unicodedata.normalize("NFKC", text).translate(_SAME)
    return re.sub(r"\s+", "", text)


def _group(tex: str, i: int) -> tuple[str, int]:
    """The brace group (or the single token) starting at ``tex[i]`` (after spaces), and the index after it."""
    while i < len(tex) and tex[i].isspace():
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth, j = 0, i
        while j < len(tex):
            if tex[j] == "\\":  # an escaped character (\{, \}, \\) is no brace
                j += 2
                continue
            depth += {"{": 1, "}": -1}.get(tex[j], 0)
            if depth == 0:
                return tex[i + 1:j], j + 1
            j += 1
        raise ValueError(f"unbalanced braces in {tex[i:i + 60]!r}")
    m = re.match(r"\\[A-Za-z]+|\\.|.", tex[i:], re.S)
    return m.group(0), i + m.end()


def content_of_latex(tex: str, prose: bool = False) -> str:
    r"""The content of LaTeX, in reading order (see the module's docstring); ``prose`` reads
    text outside ``$...$`` as words (the text ligatures ``--``, ``~`` as the converter writes them).
    Raises :class:`UnknownCommand` for a command it cannot read."""
    tex = re.sub(r"(?<!\\)%[^\n]*", "", tex)
    out: list[str] = []
    i = 0
    in_math = not prose
    while i < len(tex):
        c = tex[i]
        if c == "$":
            in_math = not in_math if prose else in_math
            i += 1
            continue
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+)\*?|\\(.)", tex[i:], re.S)
            name, char = m.group(1), m.group(2)
            i += m.end()
            if char is not None:
                if char == "\\":  # a row break
                    continue
                out.append({",": "", ";": "", "!": "", ":": "", " ": "", ">": "", "|": "‖", "{": "{", "}": "}",
                            "%": "%", "&": "&", "_": "_", "#": "#", "$": "$"}.get(char, char))
                continue
            if name == "begin" and tex.startswith("{cases}", i):  # MathML draws the brace as an operator
                out.append("{")
            if name == "binom":  # MathML: ( n k )
                n, i = _group(tex, i)
                k, i = _group(tex, i)
                out.append("(" + content_of_latex(n) + content_of_latex(k) + ")")
                continue
            if name in _ARGUMENT_DROPPED:
                _, i = _group(tex, i)
                if name == "begin" and tex[i:i + 1] == "{":  # alignat's column count, a tabular's columns
                    _, i = _group(tex, i)
                continue
            if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big") and tex[i:i + 1] == ".":
                i += 1
                continue
            if name in _ACCENTS:
                arg, i = _group(tex, i)
                out.append(content_of_latex(arg) + _ACCENTS[name])
                continue
            if name == "sqrt" and tex[i:i + 1] == "[":  # \sqrt[n]{x}: MathML's mroot holds x, then n
                j = tex.index("]", i)
                index = tex[i + 1:j]
                arg, i = _group(tex, j + 1)
                out.append(content_of_latex(arg) + content_of_latex(index))
                continue
            if name in ("ldots", "dots", "cdots", "textbackslash"):
                out.append({"cdots": "⋯", "textbackslash": "\\"}.get(name, "…"))
                if tex[i:i + 2] == "{}":
                    i += 2
                continue
            if name == "texttt" and tex[i:i + 1] == "{":  # code: its characters as typed, no ligatures
                arg, i = _group(tex, i)
                arg = arg.replace(r"\textbackslash{}", "\x00").replace(r"\~{}", "~").replace(r"\^{}", "^")
                arg = re.sub(r"\\(.)", lambda m: m.group(1), arg).replace("{", "").replace("}", "")
                out.append(arg.replace("\x00", "\\"))
                continue
            if name in _LAYOUT:
                continue
            if name in _WORDS:
                out.append(name)
                continue
            code = convert_symbol("\\" + name)
            if code is None:
                raise UnknownCommand(f"\\{name}")
            out.append(chr(int(code, 16)))
            continue
        if in_math and c in "^'" and _then_subscript(tex, i):  # x^a_b, x'_b: MathML puts b first
            sup, j = (_group(tex, i + 1) if c == "^" else (c, i + 1))
            sub, i = _group(tex, tex.index("_", j) + 1)
            out.append(content_of_latex(sub) + (content_of_latex(sup) if c == "^" else "'"))
            continue
        if c in "{}^_&" and (in_math or c in "{}&"):
            i += 1
            continue
        if not in_math:
            for key, value in _PROSE:
                if tex.startswith(key, i):
                    out.append(value)
                    i += len(key)
                    break
            else:
                out.append(c)
                i += 1
            continue
        out.append(c)
        i += 1
    return _normal("".join(out))


def _then_subscript(tex: str, i: int) -> bool:
    """Whether the superscript (``^group`` or a prime) at ``tex[i]`` is followed by a subscript."""
    j = _group(tex, i + 1)[1] if tex[i] == "^" else i + 1
    while j < len(tex) and tex[j].isspace():
        j += 1
    return tex[j:j + 1] == "_"


class _Text(HTMLParser):
    """The text of an HTML fragment; inside a table, its rows of cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            (self.rows[-1] if self.rows else self.rows.append([]) or self.rows[-1]).append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        self.parts.append(data)
        if self.cell is not None:
            self.cell.append(data)


def content_of_html(fragment: str) -> str:
    """The content of an HTML or MathML fragment: every text node, in order, normalised."""
    reader = _Text()
    reader.feed(fragment)
    reader.close()
    return _normal("".join(reader.parts))


def html_cells(table: str) -> list[list[str]]:
    """The rows of an HTML table, each a list of its cells' content."""
    reader = _Text()
    reader.feed(table)
    reader.close()
    return [[_normal(c) for c in row] for row in reader.rows]


def latex_cells(body: str) -> list[list[str]]:
    r"""The rows of a ``tabular`` body (its column spec first), each a list of its cells' content:
    rows split at ``\\`` and cells at ``&`` outside braces and math, rules and empty rows left out."""
    body = re.sub(r"(?<!\\)%[^\n]*", "", body).strip()
    if body.startswith("{"):
        _, end = _group(body, 0)
        body = body[end:]
    rows, row, cell, depth, math, i = [], [], [], 0, False, 0
    while i < len(body):
        c = body[i]
        if c == "\\" and body[i + 1:i + 2] == "\\" and depth == 0 and not math:
            row.append("".join(cell))
            rows.append(row)
            row, cell = [], []
            i += 2
            continue
        if c == "\\":
            cell.append(body[i:i + 2])
            i += 2
            continue
        if c == "$":
            math = not math
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "&" and depth == 0 and not math:
            row.append("".join(cell))
            cell = []
            i += 1
            continue
        cell.append(c)
        i += 1
    row.append("".join(cell))
    rows.append(row)
    read = [[content_of_latex(c, prose=True) for c in r] for r in rows]
    return [r for r in read if any(r)]


@dataclass
class Mismatch:
    """Where a read-back differs: what (``display 3``, ``table 1, row 2, cell 4``) and the two texts."""

    where: str
    latex: str
    html: str

    def __str__(self) -> str:
        return f"{self.where}: the LaTeX reads {self.latex[:80]!r}, the HTML {self.html[:80]!r}"


def compare_display(where: str, latex: str, mathml: str) -> Mismatch | None:
    """A display's MathML against its LaTeX (content in order); None when they agree."""
    try:
        want = content_of_latex(latex)
    except UnknownCommand as exc:
        return Mismatch(where, f"(a command the read-back cannot read: {exc})", "")
    got = content_of_html(mathml)
    return None if want == got else Mismatch(where, want, got)


def compare_table(where: str, body: str, table: str) -> Mismatch | None:
    """An HTML table against its ``tabular`` body: rows, cells per row, each cell's content."""
    try:
        want = latex_cells(body)
    except UnknownCommand as exc:
        return Mismatch(where, f"(a command the read-back cannot read: {exc})", "")
    got = html_cells(table)
    if len(want) != len(got):
        return Mismatch(f"{where}: {len(want)} rows in the LaTeX, {len(got)} in the HTML", str(want), str(got))
    for r, (a, b) in enumerate(zip(want, got), start=1):
        if len(a) != len(b):
            return Mismatch(f"{where}, row {r}: {len(a)} cells in the LaTeX, {len(b)} in the HTML", str(a), str(b))
        for k, (x, y) in enumerate(zip(a, b), start=1):
            if x != y:
                return Mismatch(f"{where}, row {r}, cell {k}", x, y)
    return None


def page_mismatches(page_html: str, displays: Sequence[str], tables: Sequence[str]) -> tuple[list[Mismatch], int, int]:
    """Every display and table of a written page read back: the ``<div class="equation">``
    blocks' MathML against ``displays`` (their LaTeX, in order) and the ``<table class="data">``
    elements against ``tables`` (their ``tabular`` bodies). A page that holds more or fewer of
    either than its LaTeX is a mismatch too. Returns the mismatches and the two counts read."""
    printed_displays = re.findall(r'<div class="equation" id="[^"]*">(<math\b.*?</math>)', page_html, re.S)
    printed_tables = re.findall(r'<table class="data">.*?</table>', page_html, re.S)
    found: list[Mismatch] = []
    for what, want, got in (("displays", displays, printed_displays), ("tables", tables, printed_tables)):
        if len(want) != len(got):
            found.append(Mismatch(f"{len(want)} {what} in the LaTeX, {len(got)} on the page", "", ""))
    for k, (latex, mathml) in enumerate(zip(displays, printed_displays), start=1):
        m = compare_display(f"display {k}", latex, mathml)
        if m:
            found.append(m)
    for k, (body, table) in enumerate(zip(tables, printed_tables), start=1):
        m = compare_table(f"table {k}", body, table)
        if m:
            found.append(m)
    return found, len(printed_displays), len(printed_tables)
