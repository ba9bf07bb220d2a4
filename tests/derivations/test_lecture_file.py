"""`slides --lecture FILE.yaml`: a lecturer's own words survive a rebuild; a mistake in the
file is one error line, never a traceback, and the file is data, never code."""

from __future__ import annotations

import pytest

from derivations.cli import main
from derivations.documents.lecture_file import apply_lecture_file, read_lecture_file
from derivations.documents.slides import slides_document
from derivations.lecture import LECTURE, Eq, Text

SHALLOW = "Shallow neural networks"


def _write(tmp_path, text: str):
    path = tmp_path / "lecture.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_words_replaced_added_skipped_and_new_slides_placed(tmp_path):
    path = _write(tmp_path, f"""
slides:
  - title: {SHALLOW}
    text: ["My words: 50% of x_1 & more"]
    add: "- first point\\n- second point"
  - title: "Reflection: What happens when we have more than one input or output?"
    skip: true
  - new: Questions?
    after: {SHALLOW}
    text: Ask now.
  - new: The end
""")
    slides = apply_lecture_file(LECTURE, read_lecture_file(path))
    titles = [s.title for s in slides]
    assert titles[:2] == [SHALLOW, "Questions?"] and titles[-1] == "The end"
    assert not any(t.startswith("Reflection: What happens") for t in titles) and len(slides) == len(LECTURE) + 1
    shallow = slides[0]
    words = [i.text for i in shallow.body if isinstance(i, Text)]
    assert words == [r"My words: 50\% of x\_1 \& more", "- first point\n- second point"]
    # the equations and figures stay the topics' own
    assert [i for i in shallow.body if not isinstance(i, Text)] == [i for i in LECTURE[0].body if not isinstance(i, Text)]
    tex, _ = slides_document(slides[:2], {}, [])
    assert r"My words: 50\% of x\_1 \& more" in tex and r"\frametitle{Questions?}" in tex
    assert "\\item first point" in tex


@pytest.mark.parametrize("text, message", [
    ("slides:\n  - title: Shallow networks\n", "did you mean 'Shallow neural networks'"),
    (f"slides:\n  - title: {SHALLOW}\n    colour: red\n", "unknown key(s) colour"),
    (f"slides:\n  - title: {SHALLOW}\n    text: [a, b, c]\n", "has 1 block(s) of words, the file gives 3"),
    (f"slides:\n  - title: {SHALLOW}\n  - title: {SHALLOW}\n", "named twice"),
    (f"slides:\n  - title: {SHALLOW}\n    skip: true\n    add: x\n", "takes no other changes"),
    (f"slides:\n  - title: {SHALLOW}\n    add: 3\n", "must be non-empty text"),
    ("slides:\n  - new: X\n    after: Nowhere\n", "no slide is titled 'Nowhere'"),
    ("slides: [\n", "not valid YAML at line"),
    ("title: x\n", "expected one key 'slides'"),
    ("slides:\n  - !!python/object/apply:os.system ['touch pwned']\n", "not valid YAML"),
])
def test_a_mistake_in_the_file_is_one_error_line_and_exit_2(tmp_path, capsys, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, text)
    assert main(["slides", "--out", str(tmp_path / "out"), "--no-pdf", "--lecture", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ") and message in captured.err
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "out" / "slides.tex").exists()


def test_missing_and_binary_files_are_errors(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        read_lecture_file(tmp_path / "nope.yaml")
    (tmp_path / "b.yaml").write_bytes(b"\xff\xfe\x00slides")
    with pytest.raises(ValueError, match="not UTF-8"):
        read_lecture_file(tmp_path / "b.yaml")


def test_a_slide_with_equations_keeps_them_between_its_new_words():
    slide = next(s for s in LECTURE if s.title.startswith("Increasing model complexity"))
    texts = sum(isinstance(i, Text) for i in slide.body)
    changed = apply_lecture_file(LECTURE, {"slides": [{"title": slide.title,
                                                        "text": [f"words {k}" for k in range(texts)]}]})
    new = next(s for s in changed if s.title == slide.title)
    assert [type(i) for i in new.body] == [type(i) for i in slide.body]
    assert [i for i in new.body if isinstance(i, Eq)] == [i for i in slide.body if isinstance(i, Eq)]


def test_a_fifo_or_a_folder_is_refused_without_blocking(tmp_path):
    import os

    os.mkfifo(tmp_path / "fifo.yaml")
    with pytest.raises(ValueError, match="only regular files"):
        read_lecture_file(tmp_path / "fifo.yaml")
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(ValueError, match="folder"):
        read_lecture_file(tmp_path / "dir.yaml")
