r"""A slide deck's title slide and setting: its words (from the command line, set as plain text),
its aspect ratio and Beamer's handout mode; the preamble made from them.

>>> print(preamble(Deck(title="Week 3 & 4", author="A. Lecturer", aspect="4:3")).splitlines()[0])
\documentclass[11pt,aspectratio=43]{beamer}
>>> "\\title{Week 3 \\& 4}" in preamble(Deck(title="Week 3 & 4"))
True
"""

from __future__ import annotations

from dataclasses import dataclass

from derivations.tex import escape_text

__all__ = ["ASPECTS", "Deck", "preamble"]


@dataclass(frozen=True)
class Deck:
    """What the title slide says and how the deck is set: ``aspect`` ``"16:9"`` or ``"4:3"``;
    ``handout``: Beamer's handout mode, four slides per A4 page for printing (no overlays)."""

    title: str = "Deep learning"
    subtitle: str = "Shallow and deep networks, loss functions, training"
    author: str = ""
    institute: str = ""
    date: str = "Every equation derived by SymPy and checked; see the last slide"
    aspect: str = "16:9"
    handout: bool = False


ASPECTS = {"16:9": "169", "4:3": "43"}


def preamble(deck: Deck = Deck()) -> str:
    """The Beamer preamble and the title slide; the deck's words are set as text (escaped)."""
    if deck.aspect not in ASPECTS:
        raise ValueError(f"--aspect must be one of {', '.join(ASPECTS)}, got {deck.aspect!r}")
    options = f"11pt,aspectratio={ASPECTS[deck.aspect]}" + (",handout" if deck.handout else "")
    pages = ("\\usepackage{pgfpages}\n\\pgfpagesuselayout{4 on 1}[a4paper,border shrink=5mm]\n"
             if deck.handout else "")
    words = {k: escape_text(getattr(deck, k)) for k in ("title", "subtitle", "author", "institute", "date")}
    return (f"\\documentclass[{options}]{{beamer}}\n" + pages + _STYLE
            + "".join(f"\\{k}{{{v}}}\n" for k, v in words.items() if v or k in ("author", "date"))
            + "\\begin{document}\n\\begin{frame}\n\\titlepage\n\\end{frame}\n")


_STYLE = r"""\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{bm}
\usepackage{booktabs}
\usepackage{graphicx}
\usefonttheme[onlymath]{serif}
\setbeamertemplate{navigation symbols}{}
\setbeamertemplate{footline}[frame number]
\setbeamertemplate{frametitle continuation}{}
\setbeamerfont{frametitle}{size=\large}
\setbeamerfont{framesubtitle}{size=\normalsize}
\setbeamercolor{evidence}{fg=black!55}
\newcommand{\evidence}[1]{\par\vspace{-0.6ex}{\usebeamercolor[fg]{evidence}\hfill\tiny #1\par}}
"""

