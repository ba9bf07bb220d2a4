"""Slides fitted to their frames: pages packed from estimated heights, never a thin page, at
most two pages a slide (fast: hand-made topics; the whole deck is checked in test_slides.py)."""

import re
import shutil
import subprocess
from dataclasses import replace

import pytest
import sympy as sp

from derivations.documents import slide_layout, slides
from derivations.documents.deck import Deck, preamble
from derivations.documents.slide_layout import FRAMES, MIN_ROWS, Piece, Run, pack
from derivations.lecture import Eq, Slide, Text
from derivations.topics.topic import Display, TopicResult, record
from symbolic.core.derivation import Derivation, Step
from tests.derivations.slide_pages import dangling_intros, pages, pages_per_title, thin_pages


def _run(rows: int, height: float = 20.0) -> Run:
    """A display of ``rows`` one-row units (a reader counts them in the rendered LaTeX)."""
    return Run([height] * rows, [1] * rows,
               lambda lo, hi: ("\\begin{align*}\n" + "\\\\\n".join(f"y_{{{k}}} &= {k}" for k in range(lo, hi))
                               + "\n\\end{align*}", []))


@pytest.mark.parametrize("rows, room", [(4, 70.0), (5, 70.0), (7, 90.0), (12, 100.0), (9, 300.0)])
def test_a_display_is_never_cut_into_a_piece_of_fewer_than_three_rows(rows, room):
    words = Piece("words", 40.0)
    run = _run(rows)
    parts = [p for page in pack([words, Piece("", run.height(0, rows), run, 0, rows)], room) for p in page
             if p.run is not None]
    assert sum(p.hi - p.lo for p in parts) == rows and [p.lo for p in parts] == sorted(p.lo for p in parts)
    assert all(p.hi - p.lo >= MIN_ROWS for p in parts), [(p.lo, p.hi) for p in parts]


def test_words_that_introduce_an_equation_move_with_it():
    run = _run(6)
    pages_ = pack([Piece("a", 150.0), Piece("b:", 30.0, leads=True), Piece("", run.height(0, 6), run, 0, 6)], 200.0)
    assert [[p.tex for p in page] for page in pages_][0] == ["a"]
    assert pages_[1][0].tex == "b:"


def test_a_group_after_a_break_starts_a_page_only_when_it_does_not_fit():
    fits = pack([Piece("a", 50.0), Piece("b", 50.0, group=1)], 200.0)
    new_page = pack([Piece("a", 150.0), Piece("b", 100.0, group=1)], 200.0)
    assert [len(p) for p in fits] == [2] and [len(p) for p in new_page] == [1, 1]


def _derivation_topic(steps: int) -> TopicResult:
    x, y = sp.symbols("x y")
    d = Derivation("toy chain", steps=[Step(rhs=x + k, reason="add one", lhs=y if k == 0 else None)
                                       for k in range(steps)])
    checks = [record(f"step {k}", "derivation-step", 0.0, True, "symbolic", id=f"toy.{k}") for k in range(steps)]
    display = Display(d.to_latex(), checks, d)
    return TopicResult("shallow", "Toy topic", "", [], checks, {"chain": display})


def _slide(steps: tuple[int, int] | None = None) -> Slide:
    return Slide("A long chain", body=(Text("Some words that lead into the chain:"),
                                       Eq("shallow", "chain", steps=steps, gap=False, defines=("y",))))


@pytest.mark.parametrize("n", [2, 7, 8, 9, 14])
def test_a_long_derivation_fits_in_two_pages_without_a_thin_page(n):
    topic = _derivation_topic(n)
    tex, own = slides.slides_document([_slide()], {"shallow": topic}, topic.records)
    counts = pages_per_title(tex)
    assert counts[0][0] == "A long chain" and counts[0][1] <= slides.MAX_PAGES
    assert thin_pages(tex) == []
    assert [r["passed"] for r in own if r["kind"] == "slide-concept"] == [True]
    assert "checked:" not in tex.split("\\begin{document}")[1].replace("% check:", "")


def test_a_derivation_too_long_for_two_pages_shows_its_key_steps_and_names_the_rest():
    topic = _derivation_topic(40)
    tex, own = slides.slides_document([_slide()], {"shallow": topic}, topic.records)
    assert pages_per_title(tex)[0][1] <= slides.MAX_PAGES and thin_pages(tex) == []
    skipped = [int(n) for n in re.findall(r"\((\d+) more steps?: in the notes, .Toy topic.\)", tex)]
    shown = len(re.findall(r"&= x \+ \d+|y &= x\b", tex))
    assert skipped and shown + sum(skipped) == 40  # every step shown or counted as left out
    assert "y &= x\\\\" in tex and "x + 39" in tex  # the first and the last step are kept


def test_the_thin_page_check_fails_on_a_page_of_one_equation_row(monkeypatch):
    """Without the three-row rule the packer leaves a one-row continuation; the check sees it."""
    topic = _derivation_topic(3)  # a page holds the words and two steps, not three
    small = replace(FRAMES["16:9"], body=100.0)
    monkeypatch.setitem(slide_layout.FRAMES, "16:9", small)
    monkeypatch.setattr(slides, "FRAMES", slide_layout.FRAMES)
    tex, _ = slides.slides_document([_slide()], {"shallow": topic}, topic.records)
    assert thin_pages(tex) == []
    monkeypatch.setattr(slide_layout, "MIN_ROWS", 1)
    tex, _ = slides.slides_document([_slide()], {"shallow": topic}, topic.records)
    assert thin_pages(tex) != []


def test_the_page_readers_count_what_a_reader_sees():
    tex = ("\\begin{frame}[shrink]\n\\frametitle{T}\nWords.\n\\end{frame}\n"
           "\\addtocounter{framenumber}{-1}\n\\begin{frame}[shrink]\n\\frametitle{T}\n"
           "\\begin{minipage}{\\textwidth}\\small\n% check: a.1\n\\begin{align*}\ny &= 1\\\\\n"
           "&\\qquad\\parbox[t]{0.5\\textwidth}{\\raggedright\\footnotesize(why)}\n\\end{align*}\n"
           "\\evidence{$\\checkmark$}\n\\end{minipage}\n\\end{frame}\n"
           "\\begin{frame}[shrink]\n\\frametitle{U}\n\\begin{align*}\ny &= \\begin{cases} 1\\\\\n0 \\end{cases}\\\\\n"
           "z &= 1\\\\\nw &= 2\n\\end{align*}\n\\end{frame}\n")
    assert [t for t, _ in pages(tex)] == ["T", "T", "U"]
    assert pages_per_title(tex) == [("T", 2), ("U", 1)]
    assert thin_pages(tex) == [("T", 2)]  # one equation row and its reason, nothing else
    assert dangling_intros(tex) == [] and dangling_intros(tex.replace("Words.", "Words:")) == ["T"]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("aspect", ["16:9", "4:3"])
def test_the_frame_sizes_are_beamers(tmp_path, aspect):
    """The geometry the pages are packed for is Beamer's: text width, text height, and the body
    under a one-line title (read from Beamer's shrink factor of a frame too tall for it)."""
    pre = preamble(Deck(aspect=aspect)).split("\\begin{document}")[0]
    (tmp_path / "g.tex").write_text(pre + "\\begin{document}\n\\begin{frame}[shrink]\\frametitle{Short}"
                                    "\\typeout{SIZE \\the\\textwidth\\space\\the\\textheight}"
                                    "\\vbox to 400pt{\\vfil}\\end{frame}\n\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "g.tex"], cwd=tmp_path,
                   capture_output=True, timeout=120)
    log = (tmp_path / "g.log").read_text(errors="replace").replace("\n", "")
    width, height = (float(v) for v in re.search(r"SIZE ([\d.]+)pt\s*([\d.]+)pt", log).groups())
    shrink = float(re.search(r"shrunk by a factor of\s*([\d.]+)", log).group(1))
    g = FRAMES[aspect]
    assert width == pytest.approx(g.width, abs=0.5) and height == pytest.approx(g.height, abs=0.5)
    assert 400 * (1 - shrink / 100) == pytest.approx(g.body, abs=1.0)
