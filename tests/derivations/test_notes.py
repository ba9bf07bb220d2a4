"""`deepderive notes`: end to end, each topic script on its own, failures, bad input."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import derivations.topics.shallow
from derivations.cli import main
from derivations.lecture import TOPICS
from derivations.documents.notes import build_notes, latex_problems, overfull_boxes
from derivations.topics.topic import TopicResult, record
from tests.sampled import TOPIC_SCRIPTS, sampled

HAVE_PDFLATEX = shutil.which("pdflatex") is not None
if os.environ.get("CI") and not HAVE_PDFLATEX:  # CI installs it: never skip the compile there
    pytest.fail("pdflatex is missing in CI; .ci/run should install texlive", pytrace=False)


@pytest.fixture(scope="module")
def notes(tmp_path_factory, notes_build):
    """Every topic's notes with their PDF, in a folder of their own: the topics load from the
    run's shared build (tests/derivations/conftest.py); the notes are assembled and compiled here."""
    out = notes_build.seed(tmp_path_factory.mktemp("notes"))
    lines = []
    result = build_notes(out, device="cpu", pdf=HAVE_PDFLATEX, progress=lines.append, cache=True)
    return out, result, lines


@pytest.mark.slow
def test_every_topic_present_and_verified(notes):
    out, result, lines = notes
    assert [t.slug for t in result.topics] == list(TOPICS)
    assert len(lines) >= len(TOPICS)  # a progress line per topic
    tex = (out / "notes.tex").read_text()
    for topic in result.topics:
        assert f"\\section{{{topic.title}}}" in tex
    records = json.loads((out / "verification.json").read_text())
    assert records and all({"name", "kind", "max_error", "passed"} <= set(r) for r in records)
    failed = [r["name"] for r in records if not r["passed"]]
    assert failed == []
    for topic in result.topics:
        assert topic.records, f"topic {topic.slug} records no checks"
        for figure in topic.figures:
            assert (out / figure).exists() and (out / figure).with_suffix(".png").exists()
    preamble = tex.split("\\begin{document}")[0]
    packages = {line.split("{")[1].rstrip("}") for line in preamble.splitlines() if line.startswith("\\usepackage")}
    assert packages <= {"amsmath", "amssymb", "bm", "booktabs", "graphicx"}


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_notes_compile_and_pdf_has_the_sections(notes):
    out, result, _ = notes
    assert result.pdf is not None and result.pdf.exists()
    log = (out / "build" / "notes.log").read_text(errors="replace")
    assert latex_problems(log) == []
    assert "There were undefined references" not in log
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True).stdout
        for title in ["Shallow neural networks", "Deep networks", "Verification"]:
            assert title in text


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_PDFLATEX, reason="pdflatex not installed")
def test_nothing_runs_off_the_page_and_the_contents_fit_page_one(notes):
    out, result, _ = notes
    log = (out / "build" / "notes.log").read_text(errors="replace")
    assert overfull_boxes(log) == []  # no line sticks out of the text block by more than 2pt
    if shutil.which("pdftotext"):
        first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(result.pdf), "-"], capture_output=True,
                               text=True).stdout
        assert "Contents" in first
        missing = [t.title for t in result.topics if " ".join(t.title.split()) not in " ".join(first.split())]
        assert missing == []  # every entry of the contents, the last topic too, is on page 1


def test_overfull_boxes_over_the_tolerance_are_reported():
    log = ("Overfull \\hbox (48.31462pt too wide) detected at line 91\n"
           "Overfull \\hbox (1.2pt too wide) in paragraph at lines 3--4\n"
           "Overfull \\vbox (5.0pt too high) has occurred while \\output is active\n")
    assert [line.split("(")[1].split("pt")[0] for line in overfull_boxes(log)] == ["48.31462", "5.0"]


@pytest.mark.slow
def test_every_topic_converts_to_a_web_page(notes):
    """The web notes read the same LaTeX: no topic uses a command the converter drops."""
    import re

    from derivations.documents.web.tex import fragment_html

    _, result, _ = notes
    for topic in result.topics:
        page = fragment_html(topic.latex, topic.slug)
        assert page.problems == [], (topic.slug, page.problems)
        prose = re.sub(r"<math.*?</math>", "", page.html, flags=re.S)
        assert "\\" not in prose and "$" not in prose, topic.slug


@pytest.mark.slow
@pytest.mark.parametrize("topic", sampled(TOPICS, TOPIC_SCRIPTS))  # the rest with --full and in CI
def test_each_topic_script_runs_on_its_own(topic, tmp_path):
    proc = subprocess.run([sys.executable, "-m", f"derivations.topics.{topic}", "--out", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / f"{topic}.tex").read_text().lstrip().startswith("\\section")
    assert json.loads((tmp_path / f"{topic}.json").read_text())


def test_a_failing_check_makes_notes_exit_1_and_is_marked(tmp_path, monkeypatch, capsys):
    def broken(ctx):
        return TopicResult("shallow", "Shallow neural networks", "\\section{Shallow neural networks}",
                           [], [record("injected wrong equality", "derivation-step", 0.5, False, "test")])

    monkeypatch.setattr(derivations.topics.shallow, "build", broken)
    assert main(["notes", "--out", str(tmp_path), "--topics", "shallow", "--no-pdf", "--device", "cpu"]) == 1
    assert "FAILED: injected wrong equality" in capsys.readouterr().out
    tex = (tmp_path / "notes.tex").read_text()
    assert "checks FAILED" in tex and "\\textbf{NO}" in tex
    assert json.loads((tmp_path / "verification.json").read_text())[0]["passed"] is False


def test_a_crashing_topic_is_a_failed_check(tmp_path, monkeypatch):
    def crash(ctx):
        raise RuntimeError("boom")

    monkeypatch.setattr(derivations.topics.shallow, "build", crash)
    result = build_notes(tmp_path, ["shallow"], pdf=False)
    assert not result.passed and "boom" in result.records[0]["detail"]


def test_subset_of_topics_in_lecture_order(tmp_path):
    result = build_notes(tmp_path, ["shallow"], pdf=False)
    assert [t.slug for t in result.topics] == ["shallow"] and result.passed


@pytest.mark.parametrize(
    "argv, message",
    [
        (["notes", "--topics", "shalow"], "error: unknown topic 'shalow' (did you mean 'shallow'?); choose from "),
        (["notes", "--topics", ","], "error: --topics needs at least one topic"),
    ],
)
def test_bad_topics(argv, message, capsys, tmp_path):
    assert main(argv + ["--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    assert main(["notes", "--out", str(blocker / "notes"), "--topics", "shallow", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot write to output folder '{blocker / 'notes'}'") and err.count("\n") == 1


def test_cuda_without_cuda_is_bad_input(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    assert main(["notes", "--out", str(tmp_path), "--device", "cuda"]) == 2
    assert capsys.readouterr().err == ("error: --device cuda requested but CUDA is not available on this machine; "
                                       "use --device cpu or auto\n")


@pytest.mark.slow
def test_every_display_is_tagged_with_passing_records(notes):
    from derivations.checks.records import check_tags

    out, result, _ = notes
    records = json.loads((out / "verification.json").read_text())
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) and all(ids)
    tex = (out / "notes.tex").read_text()
    assert check_tags(tex, records) == []
    assert tex.count("% check:") + tex.count("% definition:") >= 50


@pytest.mark.slow
def test_every_display_is_read_back_but_the_listed_ones(notes):
    """Every display's tag names a read-back record (its printed text parsed back and proven
    equal to the checked object), except the displays listed in unread_displays_allowed.json
    (by the first id of their tag): that list only shrinks, a stale entry fails too."""
    from collections import Counter

    from derivations.checks.records import unread_displays

    out, _, _ = notes
    records = json.loads((out / "verification.json").read_text())
    unread = Counter(unread_displays((out / "notes.tex").read_text(), records))
    allowed = Counter(json.loads((Path(__file__).with_name("unread_displays_allowed.json")).read_text()))
    assert not unread - allowed, f"displays not read back: {sorted((unread - allowed).elements())}"
    assert not allowed - unread, f"read back now, take them off the list: {sorted((allowed - unread).elements())}"


def test_unread_displays_finds_a_display_without_a_readback_record():
    from derivations.checks.records import unread_displays

    tex = "% check: a, b\n\\[ y = 1 \\]\n% check: c\n\\begin{align*}\ny &= 2\n\\end{align*}\n\\[ z \\]\n"
    records = [{"id": "a", "kind": "exact"}, {"id": "b", "kind": "readback"}, {"id": "c", "kind": "exact"}]
    assert unread_displays(tex, records) == ["c", "(untagged) line 7"]


def test_paper_size_is_a4_unless_letter_is_asked_for():
    from derivations.documents.notes import latex_document

    assert latex_document([], []).startswith("\\documentclass[11pt,a4paper]{article}")
    assert latex_document([], [], paper="letter").startswith("\\documentclass[11pt,letterpaper]{article}")
    with pytest.raises(ValueError, match="--paper must be one of a4, letter"):
        latex_document([], [], paper="a3")


def test_no_appendix_moves_the_verification_tables_to_a_document_of_their_own(tmp_path):
    from derivations.documents.notes import latex_document, verification_document

    from derivations.topics.topic import TopicContext

    shallow = derivations.topics.shallow.build(TopicContext(tmp_path))
    records = shallow.records
    with_tables = latex_document([shallow], records)
    handout = latex_document([shallow], records, appendix=False)
    tables = verification_document([shallow], records)
    row = "check & method & largest error & passed"
    assert row in with_tables and row not in handout and row in tables
    assert "verification.pdf" in handout and "the Verification section lists them" in with_tables
    assert handout.count(r"\end{document}") == tables.count(r"\end{document}") == 1


@pytest.mark.skipif(not HAVE_PDFLATEX, reason="needs pdflatex")
def test_no_appendix_writes_verification_pdf_and_a_shorter_handout(tmp_path, capsys):
    assert main(["notes", "--topics", "shallow", "--out", str(tmp_path / "a"), "--no-cache"]) == 0
    assert main(["notes", "--topics", "shallow", "--out", str(tmp_path / "b"), "--no-appendix", "--no-cache"]) == 0
    assert "verification.pdf" in capsys.readouterr().out
    assert not (tmp_path / "a" / "verification.pdf").exists() and (tmp_path / "b" / "verification.pdf").is_file()

    def text(path):
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout

    header = "passed\n"  # the tables' last column head
    assert header in text(tmp_path / "a" / "notes.pdf") and header not in text(tmp_path / "b" / "notes.pdf")
    assert header in text(tmp_path / "b" / "verification.pdf")
