r"""The notes' print geometry and the figures' type sizes, in one place.

The notes print a figure with ``\includegraphics[width=F\textwidth]``: LaTeX scales the PDF so
that its width is F times the text width. A figure drawn F x :data:`TEXT_WIDTH_IN` wide is
therefore printed at scale 1, and a label set in 8 pt is 8 pt on paper; a figure drawn twice
as wide prints its 8 pt labels at 4 pt. :func:`figure` makes figures of exactly that width,
:func:`styled` sets their text in the sizes of :data:`RC` (8 pt at the least).

    >>> fig = figure(0.5, 2.0)
    >>> round(float(fig.get_figwidth()) / TEXT_WIDTH_IN, 3), fig.width_fraction
    (0.5, 0.5)
    >>> plt.close(fig)
"""

from __future__ import annotations

import functools
import re
from typing import Any, Callable, TypeVar

import matplotlib as mpl
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["TEXT_WIDTH_CM", "TEXT_WIDTH_IN", "TEXT_WIDTH_PT", "MIN_TEXT_PT", "RC", "PrintFigure", "figure",
           "style", "styled", "text_width_in", "wrap", "fit_titles"]

#: The notes' text width, ``\setlength{\textwidth}{15.5cm}`` in the preamble of
#: :mod:`derivations.documents.notes` (a test holds the two together; this floor may not import it).
TEXT_WIDTH_CM = 15.5
TEXT_WIDTH_IN = TEXT_WIDTH_CM / 2.54
#: The same width in PostScript points (1/72 in), the unit of matplotlib's font sizes and of a
#: PDF's MediaBox: 439.4 (TeX's points are 1/72.27 in: 441.0 of those).
TEXT_WIDTH_PT = 72 * TEXT_WIDTH_IN
#: No text of a figure prints smaller (mathtext's sub- and superscripts, 70% of their text, aside).
MIN_TEXT_PT = 8.0

#: The figures' type: tick labels and legends 8 pt, axis labels and titles 9 pt.
RC: dict[str, Any] = {
    "font.size": 9.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 9.0,
    "figure.titlesize": 9.0,
    "figure.labelsize": 9.0,
    "xtick.labelsize": MIN_TEXT_PT,
    "ytick.labelsize": MIN_TEXT_PT,
    "legend.fontsize": MIN_TEXT_PT,
    "legend.title_fontsize": MIN_TEXT_PT,
    "legend.frameon": False,
    "legend.handlelength": 1.6,
    "legend.borderaxespad": 0.3,
    "axes.titlepad": 4.0,
    "axes.labelpad": 2.0,
    "xtick.major.pad": 2.0,
    "ytick.major.pad": 2.0,
    "lines.linewidth": 1.2,
    "lines.markersize": 4.0,
}


def style():
    """A context in which figures are made and drawn in the sizes of :data:`RC`."""
    return mpl.rc_context(RC)


class PrintFigure(Figure):
    """A figure that draws itself in :func:`style`: the tick labels matplotlib makes only when a
    figure is drawn (and saved, after the figure function has returned) get the style's sizes too."""

    width_fraction: float = 1.0

    def draw(self, renderer):
        with style():
            return super().draw(renderer)


def figure(width_fraction: float, height_in: float) -> PrintFigure:
    r"""A figure ``width_fraction`` x the notes' text width wide and ``height_in`` inches high,
    for ``\includegraphics[width=<width_fraction>\textwidth]``: printed at scale 1.

    Its constrained layout keeps ``savefig.pad_inches`` (what ``bbox_inches="tight"`` adds
    around the drawing) free at the left and right edges, so the tightly cropped PDF keeps
    this width (its height may change: that does not scale it).

    Parameters
    ----------
    width_fraction : the fraction of the text width the notes print the figure at, in (0, 1].
    height_in : the height in inches.
    """
    if not 0 < width_fraction <= 1:
        raise ValueError(f"width_fraction must be in (0, 1] (a fraction of the text width), got {width_fraction!r}")
    if not height_in > 0:
        raise ValueError(f"height_in must be a positive number of inches, got {height_in!r}")
    pad = float(mpl.rcParams["savefig.pad_inches"])
    with style():
        fig = plt.figure(FigureClass=PrintFigure, figsize=(width_fraction * TEXT_WIDTH_IN, height_in),
                         layout="constrained")
    fig.get_layout_engine().set(w_pad=pad)
    fig.width_fraction = width_fraction
    return fig


F = TypeVar("F", bound=Callable[..., Any])


def styled(function: F) -> F:
    """Run a figure function in :func:`style`, so that every title, label and legend it makes
    is set in the style's sizes, and fit the titles of the figure it returns to their axes
    (:func:`fit_titles`)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with style():
            return fit_titles(function(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def text_width_in(text: str, size: float) -> float:
    """The width of ``text`` set in ``size`` pt (mathtext between ``$`` signs), in inches."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    ismath = text.count("$") >= 2
    with style():
        width, _, _ = RendererAgg(1, 1, 72).get_text_width_height_descent(text, FontProperties(size=size), ismath)
    return width / 72


#: A word of a title: math between dollar signs, or a run of other non-space characters
#: (the pattern is assembled from its parts: it is not a formula).
_DOLLAR = re.escape("$")
_WORD = re.compile("(?:" + _DOLLAR + "[^" + _DOLLAR + "]*" + _DOLLAR + r"|[^\s" + _DOLLAR + "])+")


def wrap(text: str, width_in: float, size: float = RC["axes.titlesize"]) -> str:
    r"""``text`` broken into lines no wider than ``width_in`` inches at ``size`` pt, at spaces
    outside ``$...$``; a line break already in ``text`` stays (and a word wider than the
    width gets a line of its own).

    >>> print(wrap(r"negative log-likelihood: the same minimiser for every $\sigma$", 2.5))
    negative log-likelihood: the same
    minimiser for every $\sigma$
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        start = len(lines)
        for word in _WORD.findall(paragraph):
            if len(lines) > start and text_width_in(lines[-1] + " " + word, size) <= width_in:
                lines[-1] += " " + word
            else:
                lines.append(word)
        if len(lines) == start:
            lines.append("")
    return "\n".join(lines)


def fit_titles(fig: Figure) -> Figure:
    """Break every axes' title into lines no wider than its axes, once the layout has placed
    them (a title wider than its axes would run into its neighbour's or past the figure's edge,
    and the layout does not move axes apart for it)."""
    with style():
        fig.draw_without_rendering()
    for ax in fig.axes:
        title = ax.title
        if title.get_text():
            width_in = ax.get_position().width * fig.get_figwidth()
            title.set_text(wrap(title.get_text(), width_in, title.get_fontsize()))
    return fig
