r"""The LaTeX a topic writes for the notes, as HTML with MathML (for the web notes).

Topics write one LaTeX fragment (``\section``, prose with ``$...$``, ``align*`` blocks,
figures, small tables); this module turns that same fragment into HTML, so no equation is
typed twice. Math goes through ``latex2mathml`` (MathML Core, laid out by the browser, no
script or network needed). Every displayed equation is wrapped in a block that links to
its verification records: the ids of the ``% check: ID, ...`` or ``% definition: ID``
line before the environment, or, in a fragment without such lines, the topic's part of
the verification page.

>>> page = fragment_html(r"\section{Demo}" "\n" r"A unit \emph{switches} at $x = -\theta_{10}/\theta_{11}$."
...                      "\n% check: demo-1\n" r"\begin{align*}y &= 1\end{align*}", "demo")
>>> page.title, page.equations[0].ids
('Demo', ['demo-1'])
>>> "<em>switches</em>" in page.html and page.problems
[]
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Callable

from latex2mathml.converter import convert as _latex2mathml

__all__ = ["Equation", "Page", "fragment_html", "math_html", "inline_html"]

#: Display environments, converted as one MathML block each (alignat's column count dropped).
_DISPLAY = re.compile(
    r"(?:^[ \t]*%[ \t]*(?P<tag>check|definition):[ \t]*(?P<ids>[^\n]*)\n)?"
    r"(?:\\begin\{(?P<env>align\*|alignat\*|equation\*|gather\*|multline\*|align|equation)\}(?:\{\d+\})?"
    r"(?P<body>.*?)\\end\{(?P=env)\}|\\\[(?P<bracket>.*?)\\\])",
    re.S | re.M,
)
_BLOCK = re.compile(
    r"\\begin\{(?P<env>figure|center|enumerate|itemize|tabular|quote|quotation)\}(?:\[[^\]]*\])?(?P<body>.*?)\\end\{(?P=env)\}"
    r"|\\(?P<sec>section|subsection|subsubsection|paragraph)\*?\{(?P<title>(?:[^{}]|\{[^{}]*\})*)\}",
    re.S,
)
_VERBATIM = re.compile(r"\\begin\{verbatim\}(.*?)\\end\{verbatim\}", re.S)
#: Commands that only set layout in the PDF.
_DROP = re.compile(r"\\(noindent|centering|clearpage|newpage|small|footnotesize|scriptsize|large|Large|"
                   r"normalsize|medskip|bigskip|smallskip|toprule|midrule|bottomrule|hline|par)\b\s*")
_TEXT_COMMANDS = {"emph": "em", "textit": "em", "textbf": "strong", "texttt": "code", "text": "span",
                  "textrm": "span", "mbox": "span"}
_SYMBOLS = {r"\ldots": "…", r"\dots": "…", r"\%": "%", r"\&": "&amp;", r"\_": "_", r"\#": "#", r"\$": "$",
            r"\{": "{", r"\}": "}", r"\textbackslash{}": "\\", r"\ ": " ", r"\,": "\u2009", "~": "\u00a0",
            "``": "“", "''": "”", "---": "—", "--": "–", r"\\": "<br>"}


@dataclass
class Equation:
    """One displayed equation: its anchor, the verification ids it links to, its LaTeX."""

    anchor: str
    ids: list[str]
    tag: str  # "check", "definition" or "" (no tag line: links to the topic's checks)
    latex: str
    mathml: str = ""  # what the page prints for it (read back by documents/web/readback.py)


@dataclass
class Page:
    title: str
    html: str
    equations: list[Equation] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # figure stems (figures/<stem>.svg)
    problems: list[str] = field(default_factory=list)  # LaTeX the converter did not understand
    tables: list[tuple[str, str]] = field(default_factory=list)  # (tabular body, the HTML printed for it)


def math_html(tex: str, display: bool = False) -> str:
    """MathML for a LaTeX formula (``latex2mathml``); layout-only size commands dropped."""
    tex = re.sub(r"\\(footnotesize|scriptsize|small|normalsize|displaystyle|limits)\b", "", tex)
    tex = re.sub(r"\\label\{[^}]*\}", "", tex)
    return _spaced(_right_aligned(_latex2mathml(_math_in_text(tex).strip(), display="block" if display else "inline")))


#: An operator name (``log``, ``exp``, ``Pr``: several letters in one element) followed at once
#: by a symbol, a number or another name (not a bracket).
_NAME_THEN_ARGUMENT = re.compile(r'(<mi>[A-Za-z]{2,}</mi>|<mo movablelimits="true">[A-Za-z]{2,}</mo>)'
                                 r'(?=<mi\b|<mn\b|<mo movablelimits|<ms(?:ub|up|ubsup)><mi\b)')


def _spaced(mathml: str) -> str:
    """A thin space between an operator name and its argument (``\\log \\Pr`` would print "logPr"):
    TeX puts one there; MathML Core, without an operator dictionary for names, does not.

    >>> _spaced('<mi>log</mi><mo movablelimits="true">Pr</mo><mo>(</mo>')
    '<mi>log</mi><mspace width="0.1667em"></mspace><mo movablelimits="true">Pr</mo><mo>(</mo>'
    """
    return _NAME_THEN_ARGUMENT.sub(r'\1<mspace width="0.1667em"></mspace>', mathml)


_MTD = re.compile(r"<mtd\b([^>]*?)(/?)>|</mtd>")


def _right_aligned(mathml: str) -> str:
    """Right-align the ``columnalign="right"`` cells (align*'s left-hand sides).

    MathML Core lays a cell's content out from its start edge and ignores ``columnalign``
    and ``text-align``; a right-to-left cell starts at its right edge, so the content goes
    in a left-to-right ``mrow`` inside a ``dir="rtl"`` cell.

    >>> _right_aligned('<mtd columnalign="right"><mi>y</mi></mtd><mtd columnalign="left"><mo>=</mo></mtd>')
    '<mtd columnalign="right" dir="rtl"><mrow dir="ltr"><mi>y</mi></mrow></mtd><mtd columnalign="left"><mo>=</mo></mtd>'
    """
    out, stack, last = [], [], 0
    for m in _MTD.finditer(mathml):
        out.append(mathml[last:m.start()])
        last = m.end()
        if m.group(0) == "</mtd>":
            right = stack.pop() if stack else False
            out.append("</mrow></mtd>" if right else "</mtd>")
        elif m.group(2):  # an empty cell, <mtd ... />
            out.append(m.group(0))
        else:
            right = 'columnalign="right"' in m.group(1)
            stack.append(right)
            out.append(f'<mtd{m.group(1)} dir="rtl"><mrow dir="ltr">' if right else m.group(0))
    out.append(mathml[last:])
    return "".join(out)


def _math_in_text(tex: str) -> str:
    r"""``\text{rename $\theta$ to $\beta$}`` -> ``\text{rename }\theta\text{ to }\beta``
    (latex2mathml reads ``$`` inside ``\text`` literally)."""
    out, i = [], 0
    for m in re.finditer(r"\\text\{", tex):
        if m.start() < i:
            continue
        inner, end = _braced(tex, m.end() - 1)
        if "$" not in inner:
            continue
        parts = re.split(r"(?<!\\)\$", inner)
        pieces = [rf"\text{{{p}}}" if k % 2 == 0 else f"{{{_math_in_text(p)}}}" for k, p in enumerate(parts) if p]
        out.append(tex[i:m.start()] + "".join(pieces))
        i = end
    return "".join(out) + tex[i:]


def _braced(text: str, start: int) -> tuple[str, int]:
    """The contents of the brace group opening at ``text[start]`` and the index after it."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i + 1
    raise ValueError(f"unbalanced braces in {text[start:start + 60]!r}")


def inline_html(text: str, problems: list[str] | None = None, refs: dict[str, str] | None = None) -> str:
    """Prose with ``$...$`` math and text commands as HTML."""
    problems = problems if problems is not None else []
    out = []
    for i, part in enumerate(re.split(r"(?<!\\)\$((?:[^$\\]|\\.)+)\$", text)):
        out.append(math_html(part) if i % 2 else _prose(part, problems, refs or {}))
    return "".join(out)


def _prose(text: str, problems: list[str], refs: dict[str, str]) -> str:
    text = _DROP.sub("", text)
    result, i = [], 0
    while i < len(text):
        if text[i] != "\\":
            j = text.find("\\", i)
            j = len(text) if j < 0 else j
            result.append(_plain(text[i:j]))
            i = j
            continue
        m = re.match(r"\\([A-Za-z]+)\s*", text[i:])
        if not m:  # \% \& \\ \, ...
            two = text[i:i + 2]
            result.append(_SYMBOLS.get(two, html.escape(two[1:])))
            i += 2
            if two in (r"\^", r"\~") and text[i:i + 2] == "{}":  # \^{}: the accent with an empty argument
                i += 2
            continue
        name, end = m.group(1), i + m.end()
        if name in ("ldots", "dots", "textbackslash"):
            result.append("…" if name != "textbackslash" else "\\")
            i = end + (2 if text[end:end + 2] == "{}" else 0)
        elif name == "texttt" and end < len(text) and text[end] == "{":
            inner, i = _braced(text, end)
            result.append(f"<code>{html.escape(_verbatim(inner), quote=False)}</code>")
        elif name in _TEXT_COMMANDS and end < len(text) and text[end] == "{":
            inner, i = _braced(text, end)
            tag = _TEXT_COMMANDS[name]
            result.append(f"<{tag}>{inline_html(inner, problems, refs)}</{tag}>")
        elif name in ("ref", "eqref", "label", "cite") and end < len(text) and text[end] == "{":
            inner, i = _braced(text, end)
            if name in ("ref", "eqref"):
                result.append(f'<a href="#{html.escape(_anchor(inner))}">{refs.get(inner, "?")}</a>')
        else:
            problems.append(f"\\{name}")
            i = end
    return "".join(result)


def _verbatim(text: str) -> str:
    r"""The characters of ``\texttt{...}`` as typed: a command line's ``--optimizer`` keeps its two
    hyphens (the typewriter font has no ligatures; an en dash there breaks copy and paste), LaTeX's
    escapes (``\_``, ``\textbackslash{}``, ``\~{}``) as their characters, a bare group's braces dropped.

    >>> _verbatim(r"deepderive train --lr 0.02 --out run\_1 ``a''")
    "deepderive train --lr 0.02 --out run_1 ``a''"
    """
    text = text.replace(r"\textbackslash{}", "\x00").replace(r"\~{}", "~").replace(r"\^{}", "^")
    text = re.sub(r"\\([^A-Za-z])", r"\1", text)
    return " ".join(text.replace("{", "").replace("}", "").replace("\x00", "\\").split())


def _plain(text: str) -> str:
    """Prose without commands: LaTeX's ligatures as characters; a bare group's braces
    (``10{,}100``) print nothing, as in the PDF (an escaped ``\\{`` never reaches here)."""
    text = html.escape(text.replace("{", "").replace("}", ""), quote=False)
    for key in ("---", "--", "``", "''", "~"):
        text = text.replace(key, _SYMBOLS[key])
    return text


def _anchor(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", label)


def _table(body: str, problems: list[str], refs: dict[str, str], tables: list | None = None) -> str:
    source = body
    body = body.strip()
    if body.startswith("{"):  # the column spec, braces inside it too (p{0.5\linewidth}, @{})
        body = body[_braced(body, 0)[1]:]
    body = _DROP.sub("", body)
    rows = [r.strip() for r in re.split(r"\\\\", body) if r.strip()]
    cells = [[inline_html(c.strip(), problems, refs) for c in re.split(r"(?<!\\)&", r)] for r in rows]
    if not cells:
        return ""
    head = "".join(f"<th>{c}</th>" for c in cells[0])
    rest = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells[1:])
    table = f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rest}</tbody></table>'
    if tables is not None:
        tables.append((source, table))
    return table


def fragment_html(tex: str, slug: str, figure_src: Callable[[str], str] | None = None) -> Page:
    """Convert one topic's LaTeX fragment; ``figure_src(stem)`` gives an image's URL
    (default ``figures/<stem>.svg``)."""
    figure_src = figure_src or (lambda stem: f"figures/{stem}.svg")
    page = Page(title=slug, html="")
    # Figure labels -> numbers, so "Figure~\ref{fig:x}" reads "Figure 2" and links to it.
    labels = re.findall(r"\\begin\{figure\}.*?\\label\{([^}]*)\}.*?\\end\{figure\}", tex, re.S)
    refs = {label: str(n) for n, label in enumerate(labels, start=1)}
    pieces: list[str] = []

    def display(m: re.Match) -> str:
        body = m.group("body") if m.group("env") else m.group("bracket")
        env = m.group("env") or ""
        if env.startswith("align"):  # align, align*, alignat*: rows and columns
            source = "\\begin{align*}" + body + "\\end{align*}"
        else:
            source = body
        n = len(page.equations) + 1
        ids = [i.strip() for i in (m.group("ids") or "").split(",") if i.strip()]
        eq = Equation(f"eq-{slug}-{n}", ids, m.group("tag") or "", source.strip())
        eq.mathml = math_html(source, display=True)
        page.equations.append(eq)
        pieces.append(_equation_block(eq, eq.mathml, slug))
        return f"\x00{len(pieces) - 1}\x00"

    def block(m: re.Match) -> str:
        if m.group("sec"):
            title = m.group("title")
            if m.group("sec") == "section":
                page.title = title
                pieces.append("")
            elif m.group("sec") == "paragraph":
                pieces.append(f"\x01<strong>{inline_html(title, page.problems, refs)}</strong> ")
            else:
                level = 2 if m.group("sec") == "subsection" else 3
                pieces.append(f"<h{level}>{inline_html(title, page.problems, refs)}</h{level}>")
            return f"\x00{len(pieces) - 1}\x00"
        env, body = m.group("env"), m.group("body")
        if env == "figure":
            pieces.append(_figure(body, page, refs, figure_src))
        elif env == "center":
            inner = re.sub(r"\\begin\{tabular\}(.*?)\\end\{tabular\}",
                           lambda t: "\x02" + _table(t.group(1), page.problems, refs, page.tables) + "\x02", body, flags=re.S)
            parts = inner.split("\x02")
            pieces.append('<div class="center">' + "".join(
                p if k % 2 else inline_html(_DROP.sub("", p).strip(), page.problems, refs)
                for k, p in enumerate(parts)) + "</div>")
        elif env == "tabular":
            pieces.append(_table(body, page.problems, refs, page.tables))
        elif env in ("quote", "quotation"):
            paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body) if p.strip()]
            pieces.append("<blockquote>" + "".join(f"<p>{inline_html(p, page.problems, refs)}</p>"
                                                   for p in paragraphs) + "</blockquote>")
        else:
            tag = "ol" if env == "enumerate" else "ul"
            items = [i.strip() for i in re.split(r"\\item\b", body)[1:]]
            pieces.append(f"<{tag}>" + "".join(f"<li>{inline_html(i, page.problems, refs)}</li>" for i in items)
                          + f"</{tag}>")
        return f"\x00{len(pieces) - 1}\x00"

    def verbatim(m: re.Match) -> str:  # code as the reader types it: escaped, never converted
        pieces.append("<pre><code>" + html.escape(m.group(1).strip("\n"), quote=False) + "</code></pre>")
        return f"\x00{len(pieces) - 1}\x00"

    text = _VERBATIM.sub(verbatim, tex)
    text = _DISPLAY.sub(display, text)
    text = _BLOCK.sub(block, text)
    text = re.sub(r"(?m)^[ \t]*%.*\n?", "", text)  # remaining comments
    page.html = _paragraphs(text, pieces, page.problems, refs)
    return page


def _paragraphs(text: str, pieces: list[str], problems: list[str], refs: dict[str, str]) -> str:
    """Blank lines separate paragraphs; placeholders ``\\x00N\\x00`` are the blocks."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        chunks = re.split(r"\x00(\d+)\x00", para)
        run: list[str] = []
        for k, chunk in enumerate(chunks):
            if k % 2 == 0:
                if chunk.strip():
                    run.append(inline_html(chunk.strip(), problems, refs))
                continue
            piece = pieces[int(chunk)]
            if piece.startswith("\x01"):  # \paragraph{...}: bold lead-in of the next paragraph
                run.append(piece[1:])
                continue
            if run:
                out.append("<p>" + " ".join(run) + "</p>")
                run = []
            if piece:
                out.append(piece)
        if run:
            out.append("<p>" + " ".join(run) + "</p>")
    return "\n".join(out)


def _equation_block(eq: Equation, mathml: str, slug: str) -> str:
    if eq.ids:
        links = " ".join(f'<a href="verification.html#{html.escape(i)}">{html.escape(i)}</a>' for i in eq.ids)
        label = "definition" if eq.tag == "definition" else "checked"
        if len(eq.ids) > 3:  # a long list of ids folds away under its count
            evidence = (f'<details class="evidence"><summary>{label} by {len(eq.ids)} records</summary>{links}'
                        '</details>')
        else:
            evidence = f'<span class="evidence">{label}: {links}</span>'
    else:
        evidence = f'<span class="evidence"><a href="verification.html#topic-{slug}">checks of this topic</a></span>'
    return f'<div class="equation" id="{eq.anchor}">{mathml}{evidence}</div>'


def _figure(body: str, page: Page, refs: dict[str, str], figure_src: Callable[[str], str]) -> str:
    images = re.findall(r"\\includegraphics(?:\[[^\]]*\])?\{([^}]*)\}", body)
    caption = ""
    m = re.search(r"\\caption\{", body)
    if m:
        caption, _ = _braced(body, m.end() - 1)
    label = re.search(r"\\label\{([^}]*)\}", body)
    number = refs.get(label.group(1)) if label else None
    anchor = f' id="{html.escape(_anchor(label.group(1)))}"' if label else ""
    stems = [re.sub(r"\.(pdf|png|svg)$", "", path.rsplit("/", 1)[-1]) for path in images]
    page.figures += stems
    text = inline_html(caption, page.problems, refs)
    alt = _alt_text(text)  # the caption says what the figure shows; its file name only without one
    imgs = [f'<img src="{html.escape(figure_src(stem))}" alt="{html.escape(alt or stem.replace("_", " "))}">'
            for stem in stems]
    lead = f"Figure {number}. " if number else ""
    return f"<figure{anchor}>{''.join(imgs)}<figcaption>{lead}{text}</figcaption></figure>"


def _alt_text(caption_html: str, limit: int = 300) -> str:
    """A figure's alt text: its caption as plain text (MathML as its symbols), cut at a
    sentence's end near ``limit`` characters."""
    text = html.unescape(re.sub(r"<[^>]+>", "", caption_html))
    text = re.sub(r"\s+", " ", text.replace("\u2061", "")).strip()
    if len(text) <= limit:
        return text
    cut = text.rfind(". ", 0, limit)
    return text[:cut + 1] if cut > 0 else text[:limit].rsplit(" ", 1)[0] + " …"
