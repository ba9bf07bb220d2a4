"""`deepderive slides`: the lecture's slides, in order, every gap filled by a checked display."""

import json
import os
import re
import shutil
import subprocess

import pytest

from derivations.cli import main
from derivations.lecture import LECTURE, Eq
from derivations.documents.slides import build_slides, evidence_tag, overfull_boxes, slides_document
from derivations.topics.topic import Display, TopicResult, record
from derivations.checks.records import check_tags
from tests.derivations.slide_pages import dangling_intros, pages, pages_per_title, thin_pages

HAVE_PDFLATEX = shutil.which("pdflatex") is not None
if os.environ.get("CI") and not HAVE_PDFLATEX:  # CI installs it: never skip the compile there
    pytest.fail("pdflatex is missing in CI; .ci/run should install texlive", pytrace=False)

#: The titles the issue names, in the lecture's order (an independent list, not LECTURE's).
ISSUE_TITLES = [
    "Shallow neural networks", "Activation functions - introducing non-linearity",
    "From shallow to deep - changing perspective", "Digression: matrix notation and GPUs",
    "Deep networks - parameter counts and number of linear regions",
    "The maximum likelihood approach - a recipe for creating loss functions",
    "Example: binary classification - the loss function", "Gradient descent - the algorithm",
    "Batches, epochs, monitoring and checkpointing", "Digression: the backpropagation algorithm",
    "Specialized architectures",
]


#: Slides whose missing equation is a definition by nature (nothing to prove).
DEFINED_GAPS = {"From shallow to deep – Adding another network"}


def _normal(title: str) -> str:
    return re.sub(r"\s+", " ", title.replace("–", "-")).strip().lower()


def _frames(tex: str) -> list[tuple[str, str]]:
    """(slide title, the source of all its pages) for every slide, in order."""
    out: list[tuple[str, str]] = []
    for title, body in pages(tex):
        if out and out[-1][0] == title:
            out[-1] = (title, out[-1][1] + body)
        else:
            out.append((title, body))
    return out


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    out = tmp_path_factory.mktemp("slides")
    result = build_slides(out, device="cpu", pdf=HAVE_PDFLATEX)
    return out, result


@pytest.mark.slow
def test_every_lecture_title_once_in_order(deck):
    out, result = deck
    titles = [t for t, _ in _frames((out / "slides.tex").read_text())]
    assert titles[:-2] == [s.title for s in LECTURE] and titles[-2:] == ["Verification", "Verification by topic"]
    assert len(set(titles)) == len(titles)
    normal = [_normal(t) for t in titles]
    positions = [next(i for i, t in enumerate(normal) if t.startswith(_normal(want))) for want in ISSUE_TITLES]
    assert positions == sorted(positions)


@pytest.mark.slow
def test_every_gap_is_filled_by_a_tagged_display_whose_records_passed(deck):
    out, result = deck
    saved = json.loads((out / "verification.json").read_text())
    records = {r["id"]: r for r in saved}
    assert len(records) == len(saved) and all(r["passed"] for r in saved)
    assert check_tags((out / "slides.tex").read_text(), saved) == []  # every display tagged, every tag true
    frames = dict(_frames((out / "slides.tex").read_text()))
    for slide in LECTURE:
        body = frames[slide.title]
        tags = re.findall(r"^% (check|definition): (.*)$", body, re.M)
        assert len(tags) >= slide.gaps, slide.title
        for kind, ids in tags:
            for rid in ids.split(", "):
                assert rid in records, (slide.title, rid)
                if kind == "check":
                    assert records[rid]["passed"]
                else:
                    assert records[rid].get("method") == "definition"
        # every tag sits on the line directly before a display environment
        for m in re.finditer(r"^% (?:check|definition): .*\n(.*)$", body, re.M):
            assert m.group(1).startswith(("\\begin{align*}", "\\[", "\\begin{alignat*}")), (slide.title, m.group(1))
        if slide.gaps and slide.title not in DEFINED_GAPS:
            assert any(kind == "check" for kind, _ in tags), f"{slide.title}: no checked equation"
    # (the digression on several inputs repeated the reflection slide's gaps word for word; they are filled there)
    assert sum(s.gaps > 0 for s in LECTURE) >= 19


@pytest.mark.slow
def test_figures_regenerated_and_referenced(deck):
    out, _ = deck
    tex = (out / "slides.tex").read_text()
    figures = re.findall(r"\\includegraphics\[[^]]*\]\{(figures/[^}]+)\}", tex)
    assert len(figures) >= 15
    assert all((out / f).exists() for f in figures)


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_slides_compile_without_errors_or_overfull_boxes(deck):
    out, result = deck
    assert result.pdf is not None and result.pdf.exists()
    log = (out / "build" / "slides.log").read_text(errors="replace")
    assert [line for line in log.splitlines() if line.startswith("!")] == []
    assert overfull_boxes(log) == []
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True).stdout
        assert "Verification" in text and "Shallow neural networks" in text


# ----- fast: the renderer on hand-made topics ----------------------------------------------

def _topic(passed: bool = True) -> TopicResult:
    checks = [record("y equals the twin", "symbolic-vs-torch", 0.0 if passed else 0.5, passed, "float64", id="shallow.1")]
    hidden = Display("\\begin{align*}\nh_{1} &= \\theta_{11} x\\\\\nh_{2} &= 0\\\\\nh_{3} &= 0\n\\end{align*}", checks)
    output = Display("\\begin{align*}\ny &= \\phi_{3} h_{3}\n\\end{align*}", checks)
    return TopicResult("shallow", "Shallow neural networks", "", [], checks,
                       {"network: hidden units": hidden, "network: output": output})


def test_a_failed_check_is_marked_on_its_slide():
    slide = next(s for s in LECTURE if s.title.startswith("Increasing model complexity"))
    ok, _ = slides_document([slide], {"shallow": _topic(True)}, _topic(True).records)
    bad, _ = slides_document([slide], {"shallow": _topic(False)}, _topic(False).records)
    assert "CHECK FAILED" not in ok and "CHECK FAILED" in bad
    assert "% check: shallow.1" in bad


def test_a_missing_display_is_a_failed_record_not_a_silent_gap():
    slide = next(s for s in LECTURE if s.title.startswith("Shallow neural networks"))
    tex, missing = slides_document([slide], {"shallow": _topic()}, [])
    assert [r["passed"] for r in missing] == [False] and "MISSING EQUATION" in tex


def test_evidence_tag_names_checks_or_definitions():
    check = record("a", "derivation-step", 0.0, True, "symbolic", id="t.1")
    definition = record("b", "derivation-step", 0.0, True, "definition", id="t.2")
    assert evidence_tag([check, definition])[0] == "% check: t.1, t.2"
    assert evidence_tag([definition])[0] == "% definition: t.2"


def test_every_slide_reference_names_a_known_topic():
    from derivations.lecture import TOPICS

    for slide in LECTURE:
        for item in slide.body:
            if isinstance(item, Eq):
                assert item.topic in TOPICS, (slide.title, item.topic)


def test_bad_topics_exit_2_with_one_error_line(tmp_path, capsys):
    assert main(["slides", "--out", str(tmp_path), "--topics", "shalow", "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "shallow" in err[0]


def test_the_title_slide_takes_the_lecturers_words_as_plain_text(tmp_path, capsys):
    from derivations.cli import main

    out = tmp_path / "deck"
    code = main(["slides", "--out", str(out), "--topics", "shallow", "--no-pdf", "--device", "cpu",
                 "--title", r"Week 3: $x$ & \input{secret}", "--author", "A. Lecturer", "--institute", "Uni_X",
                 "--date", "3 Dec", "--aspect", "4:3", "--handout"])
    assert code == 0, capsys.readouterr()
    tex = (out / "slides.tex").read_text()
    assert tex.startswith("\\documentclass[11pt,aspectratio=43,handout]{beamer}\n\\usepackage{pgfpages}")
    assert r"\title{Week 3: \$x\$ \& \textbackslash{}input\{secret\}}" in tex
    assert r"\author{A. Lecturer}" in tex and r"\institute{Uni\_X}" in tex and r"\date{3 Dec}" in tex
    assert r"\input{secret}" not in tex


def test_a_slide_shows_a_small_mark_and_keeps_the_ids_in_the_source():
    passed = [{"id": "t.a", "passed": True, "method": "symbolic"}, {"id": "t.b", "passed": True, "method": "symbolic"}]
    tag, mark = evidence_tag(passed)
    assert mark == r"$\checkmark$" and "t.a" in tag and "t.b" in tag
    failed = [dict(passed[0]), dict(passed[1], passed=False)]
    tag, mark = evidence_tag(failed)
    assert mark.startswith(r"\textbf{CHECK FAILED}") and "t.b" in mark and "t.a" not in mark


def test_every_slide_equation_says_what_it_shows():
    for slide in LECTURE:
        for item in slide.body:
            if isinstance(item, Eq):
                assert item.defines or item.uses, (slide.title, item.topic, item.display)


@pytest.mark.slow
def test_every_slide_equation_shows_its_slides_concept(deck):
    out, result = deck
    records = json.loads((out / "verification.json").read_text())
    concepts = [r for r in records if r["kind"] == "slide-concept"]
    shown = sum(isinstance(item, Eq) for slide in LECTURE for item in slide.body)
    pointed = len(re.findall(r"^\\emph\{\\small In the notes \(", (out / "slides.tex").read_text(), re.M))
    assert len(concepts) + pointed == shown and all(r["passed"] for r in concepts), [r for r in concepts if not r["passed"]]
    assert pointed <= 12  # displays added for teaching that gave way to a pointer to the notes


def _swapped(slide, a: str, b: str):
    """``slide`` with the displays ``a`` and ``b`` of its equations swapped (a slip in the mapping)."""
    from dataclasses import replace

    body = tuple(replace(i, display={a: b, b: a}.get(i.display, i.display)) if isinstance(i, Eq) else i
                 for i in slide.body)
    return replace(slide, body=body)


@pytest.mark.slow
@pytest.mark.parametrize("title, a, b", [
    ("Reflection: What happens", "two inputs: hidden units", "two outputs: hidden units"),
    ("Increasing model complexity", "network: hidden units", "network: output"),
    ("Digression: Matrix notation", "two layers: hidden layers", "two layers: nested"),
])
def test_a_swapped_slide_equation_fails_its_concept_check(deck, title, a, b):
    _, result = deck
    slide = next(s for s in LECTURE if s.title.startswith(title))
    by_slug = {t.slug: t for t in result.topics}
    tex, own = slides_document([_swapped(slide, a, b)], by_slug, result.records)
    assert any(r["kind"] == "slide-concept" and not r["passed"] for r in own) and "CHECK FAILED" in tex
    tex, own = slides_document([slide], by_slug, result.records)
    assert all(r["passed"] for r in own) and "CHECK FAILED" not in tex


@pytest.mark.slow
def test_a_shifted_slice_of_steps_fails_its_concept_check(deck):
    from dataclasses import replace

    _, result = deck
    slide = next(s for s in LECTURE if any(isinstance(i, Eq) and i.steps == (3, 5) and i.topic == "deep_networks"
                                           for i in s.body))
    body = tuple(replace(i, steps=(0, 1)) if isinstance(i, Eq) and i.steps == (3, 5) else i for i in slide.body)
    _, own = slides_document([replace(slide, body=body)], {t.slug: t for t in result.topics}, result.records)
    assert [r["passed"] for r in own if r["kind"] == "slide-concept"] == [False]


# ----- the deck as projected: every slide, at most two pages, never a thin page ------------

#: How much Beamer may shrink a page of the default deck (a page it shrinks more is unreadable).
MOST_SHRINK_PERCENT = 30


@pytest.mark.slow
def test_every_slide_fits_in_two_pages_without_a_thin_page(deck):
    out, result = deck
    tex = (out / "slides.tex").read_text()
    counts = pages_per_title(tex)
    assert [t for t, _ in counts][:-2] == [s.title for s in LECTURE]  # every lecture slide, once, in order
    assert [(t, n) for t, n in counts if n > 2] == []
    assert thin_pages(tex) == [] and dangling_intros(tex) == []
    assert not re.search(r"checked: *[\w-]+\.[\w.-]+", tex)  # ids stay in the source's comments
    if result.pdf is not None and shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(result.pdf)], capture_output=True, text=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == 1 + sum(n for _, n in counts)  # + title page
        log = (out / "build" / "slides.log").read_text(errors="replace").replace("\n", "")
        shrunk = [float(p) for p in re.findall(r"shrunk by a factor of\s*([\d.]+)", log)]
        assert max(shrunk, default=0.0) <= MOST_SHRINK_PERCENT, shrunk
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True).stdout
            assert not re.search(r"checked: *[\w-]+\.[\w.-]+", text) and "slides.concept" not in text


@pytest.mark.slow
def test_the_4_3_deck_fits_too(deck):
    from derivations.documents.deck import Deck

    out, result = deck
    tex, own = slides_document(LECTURE, {t.slug: t for t in result.topics}, result.records, Deck(aspect="4:3"),
                               out / "figures")
    counts = pages_per_title(tex)
    assert [t for t, _ in counts][:-2] == [s.title for s in LECTURE]
    assert [(t, n) for t, n in counts if n > 2] == [] and thin_pages(tex) == []
    assert all(r["passed"] for r in own)
