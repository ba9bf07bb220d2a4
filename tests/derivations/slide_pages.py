"""Reading a generated ``slides.tex`` page by page, for the slide tests (independent of the
renderer: frames, their titles, and the rows of their displays, as a reader would count them)."""

from __future__ import annotations

import re
from itertools import groupby

_DISPLAY = re.compile(r"\\begin\{(align\*|alignat\*)\}(?:\{\d+\})?\n(.*?)\n\\end\{\1\}|\\\[(.*?)\\\]", re.S)
_REASON = re.compile(r"^\s*&\\qquad\s*(?:\\parbox|\\text\{\\footnotesize)")


def pages(tex: str) -> list[tuple[str, str]]:
    """``(title, body)`` of every frame with a title, in order (a frame is a page: no overlays)."""
    out = []
    for frame in tex.split("\\begin{frame}")[1:]:
        frame = frame.split("\\end{frame}")[0]
        m = re.search(r"\\frametitle\{(.*)\}", frame)
        if m:
            out.append((m.group(1), frame))
    return out


def pages_per_title(tex: str) -> list[tuple[str, int]]:
    """``(title, pages)`` for each run of consecutive pages with the same title."""
    return [(title, len(list(run))) for title, run in groupby(t for t, _ in pages(tex))]


def display_rows(body: str) -> tuple[int, int]:
    """``(math rows, reason rows)`` of the displays on a page; a row holding an environment
    over several lines (``cases``) is one row."""
    math = reasons = 0
    for m in _DISPLAY.finditer(body):
        rows: list[str] = []
        for part in (m.group(2) if m.group(2) is not None else m.group(3)).split("\\\\\n"):
            if rows and rows[-1].count("\\begin{") > rows[-1].count("\\end{"):
                rows[-1] += part
            else:
                rows.append(part)
        reasons += sum(1 for r in rows if _REASON.match(r))
        math += sum(1 for r in rows if not _REASON.match(r))
    return math, reasons


def words_or_figures(body: str) -> bool:
    """Whether a page shows anything besides its displays: words or a figure."""
    rest = _DISPLAY.sub("", body)
    rest = re.sub(r"\\frametitle\{.*\}|\\framesubtitle\{.*\}|^%.*$|\\evidence\{[^\n]*\}|\\(?:begin|end)\{minipage\}"
                  r"(?:\{\\textwidth\})?|\\small|\[shrink\]|\\addtocounter\{framenumber\}\{-1\}", "", rest, flags=re.M)
    return "\\includegraphics" in rest or re.search(r"[A-Za-z]{3,}", rest) is not None


def thin_pages(tex: str) -> list[tuple[str, int]]:
    """Pages that show only displays, of fewer than three rows in all (reasons counted), or
    of one equation row: ``(title, page number of the slide)``."""
    out = []
    for title, run in groupby(pages(tex), key=lambda p: p[0]):
        for k, (_, body) in enumerate(run, 1):
            math, reasons = display_rows(body)
            if not words_or_figures(body) and (math + reasons < 3 or math <= 1):
                out.append((title, k))
    return out


def dangling_intros(tex: str) -> list[str]:
    """Slides with a page that ends on words introducing what follows (a last line ending ``:``)
    while the slide continues on the next page."""
    out, listed = [], pages(tex)
    for (title, body), (after, _) in zip(listed, listed[1:]):
        lines = [line for line in body.splitlines() if line.strip()]
        if title == after and lines and lines[-1].rstrip().endswith(":"):
            out.append(title)
    return out
