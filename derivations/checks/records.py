r"""Verification ids and display tags: which records check which displayed equation.

Every verification record gets a short unique ``id``, stable across runs
(``losses.bernoulli-likelihood.3``: topic, then a key, then a step number). In every
generated ``.tex`` the line directly before each displayed-equation environment
(``align*``, ``equation*``, ``\[``, ...) is a LaTeX comment naming the records behind it::

    % check: counts_regions.parameters.1, counts_regions.parameters.2
    \begin{align*} ... \end{align*}

or ``% definition: ID`` when every record behind it is a definition. The notes, slides, web
pages and exercise sheets made from the same topics use the same three functions:

* :func:`assign_ids` gives a topic's records their ids (call it once, before writing LaTeX);
* :func:`tag_line` / :func:`tagged` write the comment line for a display's records;
* :func:`check_tags` lists every untagged display, unknown id, duplicate id and check tag
  whose record did not pass (empty: the document is traceable).

>>> recs = [{"name": "q: step 1 (definition)", "method": "definition", "passed": True},
...         {"name": "q: step 2 (expand)", "method": "symbolic", "passed": True}]
>>> assign_ids("demo", recs)
['demo.q.1', 'demo.q.2']
>>> tex = tagged("\\[ q = x^2 \\]", recs)
>>> print(tex)
% check: demo.q.1, demo.q.2
\[ q = x^2 \]
>>> check_tags(tex, recs)
[]
>>> check_tags("\\[ q \\]", recs)
['line 1: display \\[ has no "% check:" or "% definition:" tag on the line before']
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

__all__ = ["assign_ids", "slug", "tag_line", "tagged", "tagged_ids", "check_tags", "unread_displays", "DISPLAY_START"]

#: How a displayed-equation environment starts (the line it starts on is tagged).
DISPLAY_START = re.compile(r"(?<!\\)(\\\[|\$\$|\\begin\{(align|alignat|equation|gather|multline|eqnarray|displaymath)\*?\})")
_TAG = re.compile(r"^\s*%\s*(check|definition):\s*(.+?)\s*$")
_STEP = re.compile(r"^(.*): step (\d+) \(")


_FILLER = {"a", "an", "the", "of", "is", "are", "and", "to", "in", "on", "for", "with", "at", "by", "vs", "its"}


def slug(text: str, limit: int = 28) -> str:
    """A short id part: lower case, letters/digits/``-`` only (``"Bernoulli: likelihood"`` ->
    ``"bernoulli-likelihood"``).

    >>> slug("the $K$-layer network, (theta, phi)")
    'k-layer-network-theta-phi'
    """
    text = re.sub(r"\\[a-zA-Z]+", " ", text)
    words = [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w and w not in _FILLER]
    return "-".join(words)[:limit].rstrip("-") or "check"


def assign_ids(topic: str, records: Sequence[dict[str, Any]]) -> list[str]:
    """Give every record a unique ``id`` prefixed by ``topic`` (a record keeps an ``id`` it has,
    prefixed once; an id with a ``/``, such as ``S001/E01/step-1``, is kept as it is); return
    the ids in order. Calling it again on the same records changes nothing.

    A derivation step ``"<title>: step N (reason)"`` becomes ``topic.<slug(title)>.N``; any
    other record ``topic.<slug(name)>``; a repeated id gets ``-2``, ``-3``, ... appended. Give a
    record an explicit ``id=`` when its name carries measured numbers, so that the id stays
    the same when the numbers change.
    """
    seen: dict[str, int] = {}
    ids = []
    for r in records:
        given = r.get("id")
        if given:
            qualified = given.startswith(topic + ".") or "/" in given  # a path id (student/E01/step-1) is global
            base = given if qualified else f"{topic}.{given}"
        else:
            step = _STEP.match(r["name"])
            base = f"{topic}.{slug(step.group(1))}.{step.group(2)}" if step else f"{topic}.{slug(r['name'])}"
        n = seen.get(base, 0) + 1
        seen[base] = n
        r["id"] = base if n == 1 else f"{base}-{n}"
        ids.append(r["id"])
    return ids


def tag_line(records: Iterable[dict[str, Any]]) -> str:
    """``% check: ID, ...`` for the records behind a display (``% definition: ...`` when all
    of them are definitions). The records need ids (:func:`assign_ids`)."""
    records = list(records)
    if not records:
        raise ValueError("a display needs at least one record behind it (a check or a definition)")
    missing = [r["name"] for r in records if not r.get("id")]
    if missing:
        raise ValueError(f"record {missing[0]!r} has no id yet; call assign_ids(topic, records) first")
    kind = "definition" if all(r.get("method") == "definition" for r in records) else "check"
    return f"% {kind}: " + ", ".join(r["id"] for r in records)


def tagged(latex: str, records: Iterable[dict[str, Any]]) -> str:
    """A single display (``\\[ ... \\]``, ``align*``, ...) with its tag line before it."""
    return tag_line(records) + "\n" + latex.strip("\n")


def tagged_ids(tex: str) -> list[str]:
    r"""Every id the tag lines of a LaTeX document name, once each, in order: the records
    behind its displays.

    >>> tagged_ids("% check: t.a.1, t.a.2\n\\[ a \\]\n% definition: t.a.1\n\\[ b \\]")
    ['t.a.1', 't.a.2']
    """
    ids: dict[str, None] = {}
    for line in tex.splitlines():
        match = _TAG.match(line)
        if match:
            ids.update((i.strip(), None) for i in match.group(2).split(",") if i.strip())
    return list(ids)


def check_tags(tex: str, records: Sequence[dict[str, Any]]) -> list[str]:
    """Every traceability problem of a LaTeX document against its records (empty: none).

    Problems: a display without a tag on the line before, a tag naming an id no record has,
    a ``check`` tag naming a record that did not pass, a ``definition`` tag naming a record
    that is a check, and two records with one id.
    """
    problems = []
    by_id: dict[str, dict[str, Any]] = {}
    for r in records:
        rid = r.get("id")
        if not rid:
            problems.append(f"record {r.get('name', '?')!r} has no id")
        elif rid in by_id:
            problems.append(f"id {rid!r} is used by two records")
        else:
            by_id[rid] = r
    lines = tex.splitlines()
    in_comment_env = False
    for n, line in enumerate(lines, start=1):
        if line.lstrip().startswith("%"):
            match = _TAG.match(line)
            if match:
                kind, ids = match.group(1), [i.strip() for i in match.group(2).split(",") if i.strip()]
                for rid in ids:
                    r = by_id.get(rid)
                    if r is None:
                        problems.append(f"line {n}: tag names unknown id {rid!r}")
                    elif kind == "check" and not r.get("passed"):
                        problems.append(f"line {n}: check tag names {rid!r}, which did not pass")
                    elif kind == "definition" and r.get("method") != "definition":
                        problems.append(f"line {n}: definition tag names {rid!r}, which is a check")
            continue
        if "\\begin{verbatim}" in line:
            in_comment_env = True
        if "\\end{verbatim}" in line:
            in_comment_env = False
            continue
        start = DISPLAY_START.search(line.split("%")[0] if "%" in line and "\\%" not in line else line)
        if start and not in_comment_env and line[:start.start()].strip():
            problems.append(f"line {n}: display {start.group(1)} does not start its own line")
        elif start and not in_comment_env:
            previous = lines[n - 2] if n >= 2 else ""
            if not _TAG.match(previous):
                problems.append(f'line {n}: display {start.group(1)} has no "% check:" or "% definition:" '
                                "tag on the line before")
    return problems


def json_default(value):
    """``json.dumps`` default for records: floats as they are, anything else as text."""
    if isinstance(value, float):
        return value
    return str(value)


def unread_displays(tex: str, records: Sequence[dict[str, Any]]) -> list[str]:
    """The displays of a LaTeX document whose tag names no read-back record (kind ``readback``):
    their printed text is not proven to say what the checked object says. Each is named by
    the first id of its tag (``"(untagged) line N"`` without one)."""
    kinds = {r.get("id"): r.get("kind") for r in records}
    out, tag = [], None
    for n, line in enumerate(tex.splitlines(), start=1):
        match = _TAG.match(line)
        if match:
            tag = [i.strip() for i in match.group(2).split(",") if i.strip()]
            continue
        code = line.split("%")[0] if "%" in line and "\\%" not in line else line
        if DISPLAY_START.search(code):
            if not tag:
                out.append(f"(untagged) line {n}")
            elif not any(kinds.get(i) == "readback" for i in tag):
                out.append(tag[0])
        if line.strip():
            tag = None if not match else tag
    return out
