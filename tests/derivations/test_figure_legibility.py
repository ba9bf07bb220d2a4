"""Every figure of the notes is legible on paper (issue 27): no text prints below 8 pt.

A figure's text prints at (its size in the figure's PDF) x (F x the text width / the PDF's
width) when the notes include it with ``\\includegraphics[width=F\\textwidth]``. The notes are
built once (no PDF), every included figure's PDF is read (its MediaBox and the sizes of its
``Tf`` operators, in zlib-decompressed content streams) and every text is held to
:data:`~derivations.figures.style.MIN_TEXT_PT`. A size that is 70% or 49% of another size of
the same figure is mathtext's sub- or superscript (or one nested in it) of that text, which is
checked instead.
"""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pytest

from derivations.documents.notes import PREAMBLE, build_notes
from derivations.figures.style import MIN_TEXT_PT, TEXT_WIDTH_CM, TEXT_WIDTH_PT, figure, fit_titles, style, styled

INCLUDE = re.compile(r"\\includegraphics(\[[^\]]*\])?\{([^}]*)\}")
WIDTH = re.compile(r"\[width=(\d*\.?\d*)\\textwidth\]")
MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
STREAM = re.compile(rb"\bobj\s*<<((?:(?!endobj).)*?)>>\s*stream\r?\n", re.S)
LENGTH = re.compile(rb"/Length\s+(\d+)(\s+\d+\s+R)?")
FONT_SIZE = re.compile(rb"(?<![\w.])(\d*\.?\d+)\s+Tf\b")
SCRIPT_SHRINK = (0.7, 0.7 * 0.7)  # mathtext's SHRINK_FACTOR, once and twice
#: Rounding: a figure printed at scale 1 measures 8 pt less a few millionths.
ROUNDING_PT = 0.01

#: Figures drawn by modules not yet converted to derivations.figures.style, with the reason;
#: each must still be too small (so that the entry is dropped when its figure is redone).
PENDING: dict[str, str] = {}


def _length(data: bytes, dictionary: bytes) -> int:
    """A stream's ``/Length``, written in its dictionary or as an object of its own (``12 0 R``)."""
    length = LENGTH.search(dictionary)
    if length is None:
        raise ValueError("a stream without /Length")
    if not length.group(2):
        return int(length.group(1))
    number = int(length.group(1))
    held = re.search(rb"(?<!\d)%d\s+0\s+obj\s*(\d+)\s*endobj" % number, data)
    if held is None:
        raise ValueError(f"the stream length object {number} is missing")
    return int(held.group(1))


def pdf_text_sizes(data: bytes) -> tuple[float, list[float]]:
    """The width of a PDF's (first) MediaBox and the size of every ``Tf`` in its content streams."""
    box = MEDIABOX.search(data)
    if box is None:
        raise ValueError("no /MediaBox in the PDF")
    width = float(box.group(3)) - float(box.group(1))
    sizes: list[float] = []
    for stream in STREAM.finditer(data):
        dictionary = stream.group(1)
        if re.search(rb"/Subtype\s*/Image", dictionary):
            continue
        body = data[stream.end():stream.end() + _length(data, dictionary)]
        if b"/FlateDecode" in dictionary:
            body = zlib.decompress(body)
        sizes += [float(s) for s in FONT_SIZE.findall(body)]
    return width, sizes


def checked_sizes(sizes: list[float]) -> list[float]:
    """The sizes less those that are a script (70% or 49%) of another size in the list."""
    distinct = sorted(set(sizes))

    def is_script(s: float) -> bool:
        return any(abs(s - k * t) <= 1e-3 * t for t in distinct if t > s for k in SCRIPT_SHRINK)

    return [s for s in distinct if not is_script(s)]


def printed_sizes(pdf: bytes, fraction: float) -> list[float]:
    """The checked text sizes of a figure PDF as printed at ``fraction`` of the text width, in pt."""
    width, sizes = pdf_text_sizes(pdf)
    if not sizes:
        raise ValueError("no text (no Tf operator) found in the figure")
    return [s * fraction * TEXT_WIDTH_PT / width for s in checked_sizes(sizes)]


def included_figures(tex: str) -> list[tuple[str, float]]:
    """``(path, fraction of the text width)`` of every ``\\includegraphics`` of ``tex``."""
    found = []
    for options, path in INCLUDE.findall(tex):
        width = WIDTH.fullmatch(options)
        assert width, f"{path}: \\includegraphics{options} does not say [width=F\\textwidth]"
        found.append((path, float(width.group(1) or 1.0)))
    return found


# ----- the reader and the rule, on figures made here ----------------------------------------------


def _pdf(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="pdf", bbox_inches="tight")  # as TopicContext.save_figure saves them
    return buffer.getvalue()


@styled
def _labelled(fraction: float, label_size: float | None = None, width_in: float | None = None):
    fig = figure(fraction, 2.0)
    if width_in is not None:
        fig.set_figwidth(width_in)
    ax = fig.subplots()
    ax.plot([0, 1], [1, 100])
    ax.set_yscale("log")  # tick labels $10^{2}$: a superscript at 70%
    ax.set_xlabel(r"$\omega_{k}$ and $x^{2^{3}}$", fontsize=label_size)  # scripts at 70% and 49%
    ax.legend(["a line"])
    return fig


def test_a_figure_of_the_style_keeps_its_width_and_prints_its_text_at_8_pt_or_more():
    import matplotlib.pyplot as plt

    for fraction in (1.0, 0.49):
        fig = _labelled(fraction)
        pdf = _pdf(fig)
        plt.close(fig)
        width, sizes = pdf_text_sizes(pdf)
        assert width == pytest.approx(fraction * TEXT_WIDTH_PT, abs=1.0)  # printed at scale 1
        assert min(sizes) < MIN_TEXT_PT  # the scripts...
        assert min(printed_sizes(pdf, fraction)) >= MIN_TEXT_PT - ROUNDING_PT  # ...are scripts of a checked size


def test_a_small_label_or_a_figure_drawn_too_wide_is_caught():
    import matplotlib.pyplot as plt

    small = _labelled(1.0, label_size=7.0)
    wide = _labelled(1.0, width_in=12.0)  # printed at half its size
    try:
        assert min(printed_sizes(_pdf(small), 1.0)) == pytest.approx(7.0, abs=0.05)
        assert min(printed_sizes(_pdf(wide), 1.0)) < 0.6 * MIN_TEXT_PT
    finally:
        plt.close(small)
        plt.close(wide)


def _long_titles():
    fig = figure(1.0, 2.0)
    for ax in fig.subplots(1, 3):
        ax.set_title("a title much wider than its panel, which the layout does not make room for")
        ax.set_yticks([0, 1])  # the same tick labels whatever height the titles leave the axes
    return fig


def test_titles_are_broken_to_their_axes_so_that_the_figure_keeps_its_width():
    import matplotlib.pyplot as plt

    with style():
        unfitted = _long_titles()
        fitted = fit_titles(_long_titles())
    try:
        assert pdf_text_sizes(_pdf(unfitted))[0] > 1.2 * TEXT_WIDTH_PT  # would print at 80% or less
        assert 0.95 * TEXT_WIDTH_PT < pdf_text_sizes(_pdf(fitted))[0] <= TEXT_WIDTH_PT + ROUNDING_PT
        assert all(ax.title.get_text().count("\n") >= 2 for ax in fitted.axes)
    finally:
        plt.close(unfitted)
        plt.close(fitted)


def test_a_script_is_checked_as_its_text_and_a_lone_small_size_is_not_a_script():
    assert checked_sizes([8.0, 5.6, 3.92, 9.0, 6.3]) == [8.0, 9.0]
    assert checked_sizes([8.0, 5.0]) == [5.0, 8.0]
    assert checked_sizes([5.6]) == [5.6]


def test_every_include_states_its_width_as_a_fraction_of_the_text_width():
    tex = "\\includegraphics[width=0.49\\textwidth]{a.pdf} \\includegraphics[width=\\textwidth]{b.pdf}"
    assert included_figures(tex) == [("a.pdf", 0.49), ("b.pdf", 1.0)]
    with pytest.raises(AssertionError, match="c.pdf"):
        included_figures("\\includegraphics[scale=0.5]{c.pdf}")


def test_the_style_knows_the_notes_text_width():
    widths = re.findall(r"\\setlength\{\\textwidth\}\{([\d.]+)cm\}", PREAMBLE)
    assert widths == [f"{TEXT_WIDTH_CM:g}"]


# ----- the notes' figures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("legibility")
    build_notes(out, device="cpu", pdf=False)
    return out


@pytest.mark.slow
def test_every_figure_of_the_notes_prints_its_text_at_8_pt_or_more(notes):
    figures = included_figures((notes / "notes.tex").read_text())
    assert len(figures) >= 15  # every topic's figures, not a few
    smallest = {Path(path).stem: min(printed_sizes((notes / path).read_bytes(), fraction))
                for path, fraction in figures}
    too_small = {stem: round(size, 2) for stem, size in smallest.items() if size < MIN_TEXT_PT - ROUNDING_PT}
    assert set(too_small) - set(PENDING) == set(), f"text below {MIN_TEXT_PT} pt when printed: {too_small}"
    assert set(PENDING) <= set(too_small), f"legible now, drop from PENDING: {set(PENDING) - set(too_small)}"
