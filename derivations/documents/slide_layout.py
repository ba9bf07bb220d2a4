r"""A slide's content fitted to its frame: how tall each piece is, and where the pages break.

A lecture slide (:class:`~derivations.lecture.Slide`) becomes one or more Beamer frames. The
height of every piece is estimated from its LaTeX in points, for the frame's real size
(:data:`FRAMES`: Beamer's text width and height at 11 pt for 16:9 and 4:3, measured once with
pdflatex, see ``tests/derivations/test_slides_layout.py``): a paragraph by its characters per
line, a display row by what it holds (a fraction, a sum with limits, a matrix, a reason set in
a box of half the width), a figure by its PDF's own proportions. The pieces are packed in
order onto pages of the frame's height; a display is cut only between steps and never leaves
fewer than :data:`MIN_ROWS` rows on either side; words that introduce an equation (ending
``:``) stay with it; a slide's ``Break`` starts a new page only when what follows it would
not fit on the current one.

>>> g = FRAMES["16:9"]
>>> round(display_height([r"y &= x"], g)), round(display_height([r"y &= \frac{1}{2}"], g))
(36, 44)
>>> [len(p) for p in pack([Piece("a", 100.0), Piece("b", 100.0), Piece("c", 100.0)], 220.0)]
[2, 1]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

__all__ = ["Geometry", "FRAMES", "MIN_ROWS", "Piece", "Run", "text_height", "display_height", "row_height",
           "figure_height", "body_height", "pack"]

#: A display is never cut into a piece of fewer rows than this (unless it is that short).
MIN_ROWS = 3


@dataclass(frozen=True)
class Geometry:
    """A frame's text area in points (``\\textwidth``, ``\\textheight`` of Beamer at 11 pt), the
    body height under a one-line title, and the width (characters of typeset math) at which a
    slide's display rows wrap."""

    width: float
    height: float
    body: float
    wrap: int


#: Measured with pdflatex (``\the\textwidth``, and a frame's text height under a title read from
#: Beamer's shrink factor of a frame too tall for it).
FRAMES = {"16:9": Geometry(width=398.34, height=244.07, body=223.7, wrap=58),
          "4:3": Geometry(width=307.29, height=261.14, body=240.7, wrap=44)}

#: Points per line: normal text (11 pt), a title line (\large), a reason line (\footnotesize).
LINE, TITLE_LINE, REASON_LINE = 13.6, 14.6, 9.95
#: Width of a character, in points: text, a title, a reason; and of a character of math source.
CHAR, TITLE_CHAR, REASON_CHAR = 4.9, 6.6, 4.3
#: A display's space above and below, and the height of a plain row (\small align*).
DISPLAY_SKIP, ROW = 20.6, 15.0
#: Space a list adds per item and around it; space between two pieces of a frame.
ITEM_SKIP, LIST_SKIP, GAP = 3.5, 6.0, 2.0
#: The space a centred figure adds above and below itself.
FIGURE_SKIP = 12.0


def body_height(title: str, subtitle: str, g: Geometry) -> float:
    """The height left for a frame's body under its title (and subtitle), in points."""
    lines = max(1, math.ceil(len(_plain(title)) * TITLE_CHAR / g.width)) - 1 + (1 if subtitle else 0)
    return g.body - lines * TITLE_LINE


def _plain(tex: str) -> str:
    """LaTeX source less its commands and braces: roughly the characters it typesets."""
    tex = re.sub(r"\\(?:begin|end)\{[^}]*\}|\\item(?:\x5b[^\x5d]*\x5d)?", "", tex)  # \x5b, \x5d: brackets
    tex = re.sub(r"\\[A-Za-z]+\s*", "x", tex)  # a command prints about one character
    return re.sub(r"[{}$^_&]", "", tex)


def text_height(tex: str, g: Geometry) -> float:
    """The height of the lecture's words as :func:`derivations.documents.slides._text` sets them:
    paragraphs and list items wrapped at the frame's width."""
    height, in_list = 0.0, False
    for line in tex.splitlines():
        if line.startswith("\\begin{"):
            height += LIST_SKIP
            in_list = True
            continue
        if line.startswith("\\end{"):
            in_list = False
            continue
        width = g.width * (0.9 if in_list else 1.0)
        chars = len(_plain(line))
        if chars:
            height += LINE * max(1, math.ceil(chars * CHAR / width)) + (ITEM_SKIP if in_list else 0.0)
    return height


def row_height(row: str, g: Geometry) -> float:
    """The height of one ``align*`` row on a slide: a reason in its box of half the width is as
    many footnote-size lines as its characters fill; math by its tallest part."""
    if "\\parbox" in row:
        lines = max(1, math.ceil(len(_plain(row)) * REASON_CHAR / (0.5 * g.width)))
        return 5.0 + REASON_LINE * lines
    matrices = re.findall(r"\\begin\{(?:matrix|cases)\}(.*?)\\end\{(?:matrix|cases)\}", row, re.S)
    if matrices:
        return 8.0 + 13.0 * max(m.count("\\\\") + 1 for m in matrices)
    if re.search(r"\\int\\limits", row):
        return 38.0
    if re.search(r"\\(?:sum|prod)_", row):
        return 32.0
    if "\\frac" in row or "\\binom" in row or "\\dfrac" in row:
        return 31.0 if row.count("\\frac") > 1 and "\\sqrt" in row else 23.0
    if "\\sqrt" in row or "^{" in row:
        return 17.0
    return ROW


def display_height(rows: list[str], g: Geometry) -> float:
    """The height of a display of these ``align*`` rows (its skips included)."""
    return DISPLAY_SKIP + sum(row_height(r, g) for r in rows)


def figure_height(path: Path, fraction: float, g: Geometry) -> float:
    """A figure's height: ``fraction`` of the text height, or less when the PDF's own proportions
    at the full text width are lower (``keepaspectratio``); with the centred block's skips."""
    height = fraction * g.height
    try:
        box = re.search(rb"/MediaBox\s*\x5b\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\x5d", path.read_bytes())
    except OSError:
        box = None
    if box:
        x0, y0, x1, y1 = (float(v) for v in box.groups())
        if x1 > x0 and y1 > y0:
            height = min(height, g.width * (y1 - y0) / (x1 - x0))
    return height + FIGURE_SKIP


@dataclass
class Run:
    """A display that may be cut between its units (steps, or rows with their continuation
    rows): ``heights`` per unit, ``rows`` (``align*`` rows) per unit, and ``render(lo, hi)`` the
    LaTeX and records of units ``[lo, hi)``."""

    heights: list[float]
    rows: list[int]
    render: Callable[[int, int], tuple[str, list]]

    def height(self, lo: int, hi: int) -> float:
        return DISPLAY_SKIP + sum(self.heights[lo:hi])

    def row_count(self, lo: int, hi: int) -> int:
        return sum(self.rows[lo:hi])


@dataclass
class Piece:
    """Something placed on a page: LaTeX, or a slice ``[lo, hi)`` of a :class:`Run`. ``group``:
    the part of the slide between two ``Break`` items; ``leads``: words that introduce the next piece."""

    tex: str
    height: float
    run: Run | None = None
    lo: int = 0
    hi: int = 0
    group: int = 0
    leads: bool = False
    extra: dict = field(default_factory=dict)

    def part(self, lo: int, hi: int) -> "Piece":
        return Piece("", self.run.height(lo, hi), self.run, lo, hi, self.group, False, self.extra)


def _cut(piece: Piece, room: float) -> int | None:
    """Where to cut a run's piece so that its head fits in ``room``: the last unit boundary
    leaving at least :data:`MIN_ROWS` rows on both sides, or None."""
    run, best = piece.run, None
    for k in range(piece.lo + 1, piece.hi):
        if run.height(piece.lo, k) > room:
            break
        if run.row_count(piece.lo, k) >= MIN_ROWS and run.row_count(k, piece.hi) >= MIN_ROWS:
            best = k
    return best


def pack(pieces: list[Piece], height: float) -> list[list[Piece]]:
    """The pieces on pages of ``height`` points, in order: a run cut where it would overflow
    (:func:`_cut`), words that lead into a piece moved with it (and kept with it on one page even
    when the two are too tall for it), a new ``group`` started on a new page when it does not fit
    in what is left of the current one (but would on an empty page)."""
    pages: list[list[Piece]] = [[]]
    used = 0.0
    queue = list(pieces)
    held = False  # words alone on a page that cannot take what they introduce: it joins them all the same
    while queue:
        piece = queue.pop(0)
        room = height - used
        need = piece.height + (GAP if pages[-1] else 0.0)
        if held:
            held = False
            if piece.run is None or _cut(piece, room - GAP) is None:
                pages[-1].append(piece)  # the page is too tall: the frame shrinks it
                used += need
                continue
        if pages[-1] and piece.group != pages[-1][-1].group and need > room:
            group_height = sum(p.height + GAP for p in [piece] + queue if p.group == piece.group)
            if group_height <= height:
                pages.append([])
                used, room, need = 0.0, height, piece.height
        if need <= room:
            if piece.leads and queue:  # the words and at least the start of what they introduce
                nxt = queue[0]
                cuttable = nxt.run is not None and nxt.run.row_count(nxt.lo, nxt.hi) >= 2 * MIN_ROWS
                first = nxt.run.height(nxt.lo, _cut_floor(nxt)) if cuttable else nxt.height
                if pages[-1] and need + GAP + first > room:
                    pages.append([])
                    used = 0.0
                held = not pages[-1] and piece.height + GAP + first > height
            pages[-1].append(piece)
            used += piece.height + (GAP if len(pages[-1]) > 1 else 0.0)
            continue
        if piece.run is not None:
            k = _cut(piece, room - (GAP if pages[-1] else 0.0))
            if k is not None:
                head, tail = piece.part(piece.lo, k), piece.part(k, piece.hi)
                pages[-1].append(head)
                pages.append([])
                used = 0.0
                queue.insert(0, tail)
                continue
        if pages[-1]:
            pages.append([])
            used = 0.0
            queue.insert(0, piece)
            continue
        if piece.run is not None:  # taller than a page even on its own: cut it as it fits
            k = _cut(piece, height)
            if k is not None:
                pages[-1].append(piece.part(piece.lo, k))
                pages.append([])
                used = 0.0
                queue.insert(0, piece.part(k, piece.hi))
                continue
        pages[-1].append(piece)  # too tall and uncuttable: the frame shrinks it
        used += piece.height
    return [p for p in pages if p]


def _cut_floor(piece: Piece) -> int:
    """The first unit boundary of a run's piece that holds :data:`MIN_ROWS` rows."""
    for k in range(piece.lo + 1, piece.hi + 1):
        if piece.run.row_count(piece.lo, k) >= MIN_ROWS:
            return k
    return piece.hi
