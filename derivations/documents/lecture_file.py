r"""A lecturer's own words for the slides, kept in a file of their own (``slides --lecture FILE``).

The deck is regenerated from the topics on every build; a lecturer's edits must survive
that without touching Python. A lecture file (YAML) names slides by their titles and says
what to change; the equations and figures stay the topics' (checked) ones::

    slides:
      - title: Shallow neural networks      # a slide of the lecture, by its title
        text:                                # its words, one entry per block of words
          - "Shallow networks: linear maps, an activation, a linear combination."
        add: "Next week: deep networks."     # words added at the end of the slide
      - title: Reflection: What happens when we have more than one input or output?
        skip: true                           # leave this slide out
      - new: Questions?                      # a slide of the lecturer's own
        after: Shallow neural networks       # where it goes (default: the end)
        text: "Ask now, or on the forum."

Words are set as plain text (LaTeX's special characters are escaped, so a stray ``%`` or
``_`` cannot break the PDF); a line starting ``1.`` or ``- `` is a list item, as in the
lecture's own words. ``text`` replaces the slide's blocks of words in order: a list of as
many strings as the slide has blocks (one string for a slide with one block). The file is
data: read with ``yaml.safe_load`` (no Python objects), every key and title checked, and a
mistake is a ``ValueError`` naming it (the CLI's ``error:`` line).

>>> from derivations.lecture import LECTURE
>>> deck = apply_lecture_file(LECTURE, {"slides": [{"new": "Questions?", "after": "Shallow neural networks",
...                                                  "text": "Ask now."}]})
>>> [s.title for s in deck[:2]]
['Shallow neural networks', 'Questions?']
>>> apply_lecture_file(LECTURE, {"slides": [{"title": "Shallow networks"}]})
Traceback (most recent call last):
...
ValueError: lecture file, slide 1: no slide is titled 'Shallow networks' (did you mean 'Shallow neural networks'?)
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from derivations.lecture import Slide, Text
from derivations.tex import escape_text

__all__ = ["read_lecture_file", "apply_lecture_file", "MAX_BYTES"]

#: A lecture file larger than this is refused unread (a whole lecture's words are a few kB).
MAX_BYTES = 1_000_000
_CHANGE_KEYS = {"title", "text", "add", "skip"}
_NEW_KEYS = {"new", "after", "text"}


def read_lecture_file(path: str | Path) -> dict[str, Any]:
    """The lecture file at ``path`` as plain data (YAML, ``safe_load``); ValueError naming the
    problem for a missing, oversized, unreadable or malformed file."""
    import yaml

    from numeric.files import decode_text, read_regular_file

    path = Path(path)  # a regular file only (no FIFO, device or folder), of at most MAX_BYTES
    text = decode_text(read_regular_file(path, "lecture file", MAX_BYTES), "lecture file", path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"lecture file {str(path)!r} is not valid YAML{where}: "
                         f"{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict) or set(data) != {"slides"} or not isinstance(data["slides"], list):
        raise ValueError(f"lecture file {str(path)!r}: expected one key 'slides' holding a list of slides")
    return data


def _words(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where} must be non-empty text")
    if "\x00" in value:
        raise ValueError(f"{where} holds a NUL character")
    # plain text, escaped line by line; list markers ("1. ", "- ") stay for the slide's list layout
    return "\n".join(escape_text(line) for line in value.strip().splitlines())


def _title(titles: list[str], value: Any, where: str) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be a slide title (text)")
    if value in titles:
        return titles.index(value)
    close = difflib.get_close_matches(value, titles, n=1)
    raise ValueError(f"{where}: no slide is titled {value!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))


def _changed(slide: Slide, entry: dict, where: str) -> Slide | None:
    """``slide`` with ``entry``'s changes (None: skipped)."""
    if entry.get("skip") is True:
        if set(entry) - {"title", "skip"}:
            raise ValueError(f"{where}: a skipped slide takes no other changes")
        return None
    if "skip" in entry and entry["skip"] is not False:
        raise ValueError(f"{where}: skip must be true or false")
    body = list(slide.body)
    if "text" in entry:
        texts = entry["text"] if isinstance(entry["text"], list) else [entry["text"]]
        blocks = [k for k, item in enumerate(body) if isinstance(item, Text)]
        if len(texts) != len(blocks):
            raise ValueError(f"{where}: the slide {slide.title!r} has {len(blocks)} block(s) of words, "
                             f"the file gives {len(texts)}")
        for n, (k, words) in enumerate(zip(blocks, texts), start=1):
            body[k] = Text(_words(words, f"{where}, text {n}"))
    if "add" in entry:
        body.append(Text(_words(entry["add"], f"{where}, add")))
    return replace(slide, body=tuple(body))


def apply_lecture_file(lecture: Sequence[Slide], data: dict[str, Any]) -> list[Slide]:
    """The slides of ``lecture`` changed as the lecture file ``data`` says (see the module)."""
    slides: list[Slide | None] = list(lecture)
    titles = [s.title for s in lecture]
    added: dict[int, list[Slide]] = {}
    for n, entry in enumerate(data.get("slides") or [], start=1):
        where = f"lecture file, slide {n}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected keys such as 'title' and 'text', got {type(entry).__name__}")
        if "new" in entry:
            unknown = set(entry) - _NEW_KEYS
            if unknown:
                raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))} for a new slide "
                                 f"(it takes {', '.join(sorted(_NEW_KEYS))})")
            title = _words(entry["new"], f"{where}, new")
            after = _title(titles, entry["after"], f"{where}, after") if "after" in entry else len(titles) - 1
            body = (Text(_words(entry["text"], f"{where}, text")),) if "text" in entry else ()
            added.setdefault(after, []).append(Slide(title, body=body))
            continue
        unknown = set(entry) - _CHANGE_KEYS
        if unknown or "title" not in entry:
            raise ValueError(f"{where}: " + (f"unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                                             f"(a slide takes {', '.join(sorted(_CHANGE_KEYS))}, a new one 'new')"
                                             if unknown else "which slide? give its 'title' (or 'new' for a new one)"))
        k = _title(titles, entry["title"], where)
        if slides[k] is None or slides[k] is not lecture[k]:
            raise ValueError(f"{where}: the slide {titles[k]!r} is named twice in the file")
        slides[k] = _changed(lecture[k], entry, where)
    out: list[Slide] = []
    for k, slide in enumerate(slides):
        if slide is not None:
            out.append(slide)
        out.extend(added.get(k, []))
    return out
