r"""Students' submissions: a plain-text format people can write, JSON, and a folder of them.

A submission is one student's answers. The text format (``ID.txt``, UTF-8) has one answer
per line, ``EID: answer``, in LaTeX or plain text as the checker reads it; ``#`` starts a
comment (the answer grammar has no ``#``), blank lines and an empty answer (``E03:``, as in
the template) are skipped::

    # s001, sheet of week 3
    E01: -51/4
    E02: -2 (1 - sig(-2 z)) sig(-2 z)   # the chain rule
    E04: (45/8, -59/8)

JSON (``ID.json``) is ``{"E01": "-51/4", ...}``; a number may stand for its text
(``{"E01": -12.75}``). A file whose name ends in ``.json`` is JSON, any other the text format.
Reading a submission never evaluates it: the answers are text, handed to the checker's
grammar. A line that does not follow the format is a *problem* naming its line, and so is an
exercise answered twice (in either format: neither answer is graded, since which one was
meant is a guess); :func:`parse_submission` collects them. It is the one reader of
submissions: ``grade`` reports the problems and grades the other answers,
``check --submission`` and ``self-check --submission`` (:func:`read_answers`) refuse the file
with the first problem (exit 2), so that a student sees it before handing in.

A folder of submissions (:func:`find_submissions`) holds one file per student, named by the
student's id (``s001.txt`` or ``s001.json``), each read only if it is a regular file (never
through a symbolic link) of at most :data:`MAX_SUBMISSION_BYTES`.

>>> parsed = parse_submission(b"# week 3\nE01: -51/4\nE02:\nE03 1/2\n", "s001.txt")
>>> parsed.answers
{'E01': '-51/4'}
>>> parsed.problems
["line 4: expected 'EID: answer' (e.g. 'E01: 3/8'), got 'E03 1/2'"]
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from numeric.files import TMP_PREFIX, file_kind, shorten

__all__ = ["MAX_SUBMISSION_BYTES", "SUFFIXES", "ParsedSubmission", "FoundSubmission", "SubmissionFolder",
           "parse_submission", "read_submission_file", "read_answers", "find_submissions", "match_exercise",
           "mapped_answers", "answered_twice", "ANSWERED_TWICE", "submission_template", "filled_in", "STATUSES"]

#: Largest submission file read (a larger one is reported as oversized, never read).
MAX_SUBMISSION_BYTES = 64 * 1024
#: The names a submission file may have: ``ID.txt`` or ``ID.json``.
SUFFIXES = (".txt", ".json")
#: Entries a submissions folder may hold.
MAX_FOLDER_ENTRIES = 200_000
#: What became of a student's submission, in the order a report lists them.
STATUSES = ("ok", "malformed", "unreadable", "oversized", "duplicate", "missing")

_LINE = re.compile(r"([A-Za-z0-9_.-]{1,32})\s*:(.*)\Z", re.DOTALL)
_EID_NUMBER = re.compile(r"([A-Za-z]*)0*([0-9]+)\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


#: The ``method`` of the verdict on an exercise the submission answers twice.
ANSWERED_TWICE = "answered twice"


def answered_twice(eid: str, where: str = "") -> str:
    """The problem of an exercise answered twice (``where``: the lines, when known).

    >>> answered_twice("E03", " (first on line 2)")
    'E03 is answered twice (first on line 2); keep one answer per exercise (neither is graded)'
    """
    return f"{eid} is answered twice{where}; keep one answer per exercise (neither is graded)"


@dataclass
class ParsedSubmission:
    """The answers of one submission (``{EID: text}``), the line of each (text format), the
    problems found (each names its line), and the ids answered twice (none of their answers
    is kept)."""

    answers: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"submission {name!r} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}); save it as UTF-8") from None


def _parse_text(text: str) -> ParsedSubmission:
    out = ParsedSubmission()
    first: dict[str, int] = {}
    repeated: set[str] = set()
    for n, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        if _CONTROL.search(body):
            out.problems.append(f"line {n}: a control character (byte {ord(_CONTROL.search(body).group()):#04x}); "
                                "write the answer as plain text")
            continue
        match = _LINE.match(body)
        if not match:
            out.problems.append(f"line {n}: expected 'EID: answer' (e.g. 'E01: 3/8'), got {shorten(body)!r}")
            continue
        eid, answer = match.group(1), match.group(2).strip()
        if not answer:
            continue  # an empty answer, as the template leaves it
        if eid in first:
            if eid not in repeated:
                repeated.add(eid)
                out.twice.append(eid)
            out.problems.append(f"line {n}: " + answered_twice(eid, f" (first on line {first[eid]})"))
            continue
        first[eid] = n
        out.answers[eid], out.lines[eid] = answer, n
    for eid in repeated:
        del out.answers[eid], out.lines[eid]
    return out


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


class _Pairs(list):
    """A JSON object as its list of ``(key, value)`` pairs, repeated keys and all (the
    ``object_pairs_hook``: a repeated key is the student's problem, reported like a line)."""


def _json_type(value: Any) -> str:
    """What a JSON value is, in JSON's words (numbers arrive as text: see :func:`_parse_json`)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    return "an object" if isinstance(value, _Pairs) else "a list" if isinstance(value, list) else "a string"


#: JSON reads ``\f`` of ``"\frac"`` as a form feed and refuses ``"\s"``: LaTeX typed into JSON.
_BACKSLASH = ("in JSON a backslash is written \\\\ (\"\\\\frac{1}{2}\"); the text format (E01: \\frac{1}{2}, "
              "in a .txt file) takes LaTeX as typed")


def _parse_json(text: str) -> ParsedSubmission:
    out = ParsedSubmission()
    try:  # numbers stay text: the answer grammar reads them
        doc = json.loads(text, object_pairs_hook=_Pairs, parse_float=str, parse_int=str,
                         parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        hint = f"; {_BACKSLASH}" if "escape" in exc.msg else ""
        out.problems.append(f"line {exc.lineno}: not valid JSON ({exc.msg}){hint}; a JSON submission is "
                            '{"E01": "answer", ...} (or name the file .txt for one \'EID: answer\' per line)')
        return out
    except (RecursionError, ValueError) as exc:
        out.problems.append(f"not a JSON submission ({shorten(str(exc) or type(exc).__name__)})")
        return out
    if not isinstance(doc, _Pairs):
        out.problems.append('a JSON submission is an object {"E01": "answer", ...}, got ' + _json_type(doc))
        return out
    counts: dict[str, int] = {}
    for eid, _ in doc:
        counts[eid] = counts.get(eid, 0) + 1
    for eid, answer in doc:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", eid):
            out.problems.append(f"the key {shorten(eid)!r} is not an exercise id (E01, E02, ...)")
        elif counts[eid] > 1:
            if eid not in out.twice:
                out.twice.append(eid)
                out.problems.append(answered_twice(eid))
        elif not isinstance(answer, str):
            out.problems.append(f"{eid}: the answer must be text, got {_json_type(answer)}")
        elif _CONTROL.search(answer):
            out.problems.append(f"{eid}: the answer holds a control character; write it as plain text ({_BACKSLASH})")
        elif answer.strip():
            out.answers[eid] = answer.strip()
    return out


def parse_submission(data: bytes, name: str) -> ParsedSubmission:
    """The answers in ``data``, a submission file called ``name`` (``.json``: JSON, else the
    text format); a problem names its line. Raises ValueError only when the bytes are not
    UTF-8 text.

    >>> parse_submission(b'{"E01": -12.75, "E02": ""}', "s001.json").answers
    {'E01': '-12.75'}
    >>> parse_submission(b"E01: 1\\nE01: 2\\n", "s001.txt").problems
    ['line 2: E01 is answered twice (first on line 1); keep one answer per exercise (neither is graded)']
    >>> parse_submission(b'{"E01": "1", "E02": "2", "E01": "3"}', "s001.json").answers
    {'E02': '2'}
    """
    text = _decode(data, name)
    return _parse_json(text) if name.lower().endswith(".json") else _parse_text(text)


def _read(path: Path, limit: int) -> tuple[bytes, float]:
    """The bytes and modification time of regular file ``path`` (a link is never followed),
    or ``_Unreadable``/``_Oversized``."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        info = _lstat(path)
        if info is not None and stat.S_ISLNK(info.st_mode):
            raise _Unreadable("it is a symbolic link; submissions are read only from regular files") from None
        raise _Unreadable(f"it cannot be read ({exc.strerror or exc})") from None
    info = os.fstat(fd)  # before fdopen, which refuses a folder with an error naming the descriptor
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise _Unreadable(f"it is {file_kind(info.st_mode)}, not a regular file")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > limit:
            raise _Oversized(info.st_size)
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise _Unreadable(f"it cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise _Oversized(len(data))
    return data, info.st_mtime


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


class _Unreadable(Exception):
    pass


class _Oversized(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def _parsed_file(path: str | os.PathLike) -> ParsedSubmission:
    name = str(path)
    try:
        data, _ = _read(Path(path), MAX_SUBMISSION_BYTES)
    except _Oversized as exc:
        raise ValueError(f"submission {name!r} is {exc.size:,} bytes, more than the limit of "
                         f"{MAX_SUBMISSION_BYTES:,}") from None
    except _Unreadable as exc:
        raise ValueError(f"submission {name!r}: {exc}") from None
    return parse_submission(data, name)


def _more(n: int) -> str:
    """`` (and n more problems)``, or nothing when ``n`` is 0."""
    return f" (and {n} more problem{'s' if n > 1 else ''})" if n > 0 else ""


def read_submission_file(path: str | os.PathLike) -> dict[str, str]:
    """``{EID: answer}`` of one submission file (``.json`` or the text format), refusing the
    file (ValueError naming it and the line) at its first problem."""
    parsed = _parsed_file(path)
    if parsed.problems:
        raise ValueError(f"submission {str(path)!r}: {parsed.problems[0]}" + _more(len(parsed.problems) - 1))
    return parsed.answers


def read_answers(path: str | os.PathLike, known: Sequence[str]) -> dict[str, str]:
    """The answers of the submission file ``path`` by the exercises of ``known`` (``e1`` is
    ``E01``): what ``check --submission`` and ``self-check --submission`` read, with the
    reader ``grade`` uses (:func:`parse_submission`); a ValueError at the file's first problem,
    saying how many more ``grade`` reports (:func:`resolve_ids`).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "s001.txt").write_text("e1: 3/8   # plain text\\n")
    >>> _ = (folder / "s001.json").write_text('{"E01": 0.375}')
    >>> read_answers(folder / "s001.txt", ["E01", "E02"]), read_answers(folder / "s001.json", ["E01", "E02"])
    ({'E01': '3/8'}, {'E01': '0.375'})
    """
    name = str(path)
    parsed = _parsed_file(path)
    problems = resolve_ids(parsed, known)[1]
    try:
        if parsed.problems:
            raise ValueError(f"submission {name!r}: {parsed.problems[0]}")
        return mapped_answers(parsed.answers, known, name)
    except ValueError as exc:
        raise ValueError(str(exc) + _more(len(problems) - 1)) from None


def resolve_ids(parsed: ParsedSubmission, ids: Sequence[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """The answers of a submission by the key's exercise ids (``e1`` names ``E01``), its
    problems (those of the file, then the ids that name no exercise or an exercise named
    before), and the exercises answered twice (none of their answers is graded): what
    ``grade`` grades and reports, and what ``check --submission`` counts.

    >>> resolve_ids(parse_submission(b"E01: 1\\ne1: 2\\nE99: 3\\n", "s.txt"), ["E01", "E02"])[1]
    ['line 2: E01 is answered twice (as E01 and e1); keep one answer per exercise (neither is graded)', \
'line 3: E99 is not one of your exercises (E01-E02); not graded']
    """
    problems = list(parsed.problems)
    answers: dict[str, str] = {}
    named: dict[str, str] = {}
    twice = [t for t in (match_exercise(eid, ids) for eid in parsed.twice) if t is not None]
    for eid, text in parsed.answers.items():
        line = parsed.lines.get(eid)
        where = f"line {line}: " if line else ""
        target = match_exercise(eid, ids)
        if target is None:
            span = f"{ids[0]}-{ids[-1]}" if ids else "none"
            problems.append(f"{where}{eid} is not one of your exercises ({span}); not graded")
        elif target in named or target in twice:
            also = f" (as {named[target]} and {eid})" if target in named else f" (also as {eid})"
            problems.append(where + answered_twice(target, also))
            answers.pop(target, None)
            if target not in twice:
                twice.append(target)
        else:
            named[target] = eid
            answers[target] = text
    return {eid: answers[eid] for eid in ids if eid in answers}, problems, [eid for eid in ids if eid in twice]


def _eid_key(eid: str) -> tuple[str, str]:
    match = _EID_NUMBER.match(eid)
    return (match.group(1).upper(), match.group(2)) if match else (eid.upper(), "")


def mapped_answers(answers: dict[str, str], known: Sequence[str], name: str) -> dict[str, str]:
    """``answers`` keyed by the exercises of ``known`` they name (``e1`` is ``E01``: see
    :func:`match_exercise`); ValueError naming an id that is not one of them, or an exercise
    two ids name (``e1`` and ``E01``: answered twice).

    >>> mapped_answers({"e1": "1"}, ["E01", "E02"], "s.txt")
    {'E01': '1'}
    """
    mapped: dict[str, str] = {}
    mapped_as: dict[str, str] = {}
    for eid, text in answers.items():
        target = match_exercise(eid, known)
        if target is None:
            raise ValueError(f"submission {name!r}: unknown exercise {shorten(eid)!r}; the student has "
                             f"{', '.join(known)}")
        if target in mapped:
            raise ValueError(f"submission {name!r}: " + answered_twice(target, f" (as {mapped_as[target]} and {eid})"))
        mapped[target], mapped_as[target] = text, eid
    return mapped


def match_exercise(eid: str, known: Sequence[str]) -> str | None:
    """The exercise of ``known`` that ``eid`` names: itself, or the same id up to case and
    leading zeros (``e1`` -> ``E01``); None when there is none.

    >>> match_exercise("e1", ["E01", "E02"]), match_exercise("E10", ["E01"])
    ('E01', None)
    """
    if eid in known:
        return eid
    found = [k for k in known if _eid_key(k) == _eid_key(eid)]
    return found[0] if len(found) == 1 else None


@dataclass
class FoundSubmission:
    """What a submissions folder holds for one student: ``status`` (:data:`STATUSES`), the
    file's name, its answers and problems, a digest of its bytes, and whether it came after
    the deadline (None: no deadline given, or no file)."""

    student: str
    status: str
    file: str | None = None
    parsed: ParsedSubmission = field(default_factory=ParsedSubmission)
    digest: str | None = None
    late: bool | None = None
    message: str = ""


@dataclass
class SubmissionFolder:
    """Every student's :class:`FoundSubmission`, and the files that belong to no student."""

    found: dict[str, FoundSubmission]
    unknown: list[str]  # "name (did you mean 's001'?)" for files of ids not in the key
    ignored: list[str]  # other entries that are not hidden: "name: why"


def find_submissions(folder: str | os.PathLike, students: Iterable[str], deadline: float | None = None,
                     limit: int = MAX_SUBMISSION_BYTES) -> SubmissionFolder:
    """Look up every student's submission in ``folder`` (``ID.txt`` or ``ID.json``) and read
    it; ``deadline`` (a POSIX time) marks files modified after it as late. Problems with one
    file are that student's status, never an exception; a folder that cannot be listed is a
    ValueError."""
    root = Path(folder)
    try:
        info = os.stat(root)
    except OSError as exc:
        info, why = None, ("not found" if isinstance(exc, FileNotFoundError) else f"cannot be read ({exc.strerror})")
    if info is None or not stat.S_ISDIR(info.st_mode):
        what = why if info is None else f"is {file_kind(info.st_mode)}, not a folder"
        raise ValueError(f"submissions folder {str(root)!r} {what}; give the folder that holds ID.txt or ID.json "
                         "files")
    try:
        entries = []
        with os.scandir(root) as it:
            for entry in it:
                entries.append(entry.name)
                if len(entries) > MAX_FOLDER_ENTRIES:
                    raise ValueError(f"submissions folder {str(root)!r} holds more than {MAX_FOLDER_ENTRIES:,} "
                                     "entries; give a folder of submissions only")
    except OSError as exc:
        raise ValueError(f"cannot read submissions folder {str(root)!r}: {exc.strerror or exc}") from None
    students = list(students)
    known = set(students)
    files: dict[str, list[str]] = {}
    unknown, ignored = [], []
    for name in sorted(entries):
        if name.startswith(".") or name.startswith(TMP_PREFIX):
            continue
        stem, dot, suffix = name.rpartition(".")
        if not dot or f".{suffix.lower()}" not in SUFFIXES:
            ignored.append(f"{shorten(name)}: not a submission (name it ID.txt or ID.json)")
        elif stem in known:
            files.setdefault(stem, []).append(name)
        else:
            close = difflib.get_close_matches(stem, students, n=1)
            unknown.append(shorten(name) + (f" (did you mean {close[0]!r}?)" if close else ""))
    found = {}
    for student in students:
        names = files.get(student, [])
        if not names:
            found[student] = FoundSubmission(student, "missing", message=f"no submission ({student}.txt or "
                                             f"{student}.json)")
        elif len(names) > 1:
            found[student] = FoundSubmission(student, "duplicate", ", ".join(names),
                                             message=f"two submissions ({' and '.join(names)}); keep one")
        else:
            found[student] = _found(student, root / names[0], names[0], deadline, limit)
    return SubmissionFolder(found, unknown, ignored)


def _found(student: str, path: Path, name: str, deadline: float | None, limit: int) -> FoundSubmission:
    try:
        data, mtime = _read(path, limit)
    except _Oversized as exc:
        return FoundSubmission(student, "oversized", name, message=f"{name} is {exc.size:,} bytes, more than the "
                               f"limit of {limit:,}; not graded")
    except _Unreadable as exc:
        return FoundSubmission(student, "unreadable", name, message=f"{name}: {exc}; not graded")
    late = None if deadline is None else mtime > deadline
    digest = hashlib.sha256(data).hexdigest()
    try:
        parsed = parse_submission(data, name)
    except ValueError as exc:
        return FoundSubmission(student, "unreadable", name, digest=digest, late=late,
                               message=str(exc).replace("submission ", "", 1) + "; not graded")
    status = "malformed" if parsed.problems else "ok"
    return FoundSubmission(student, status, name, parsed, digest, late)


def submission_template(student: str, exercises: Sequence[tuple[str, str]]) -> str:
    """The text a student fills in: a header saying how, then per exercise ``(EID, what the
    answer is)`` a comment line and an empty ``EID:`` line.

    >>> print(submission_template("s001", [("E01", "a number (within 0.001)")]), end="")
    # Answers of student s001: one line per exercise, 'EID: answer', in LaTeX or plain text
    # as on the sheet (E01: 3/8, E02: 2*(y - f), E04: (1/2, -3)). A number may be exact
    # (a fraction) or a decimal within the stated precision. Write after the colon; '#'
    # starts a comment. Save as UTF-8 and hand in this file as s001.txt.
    <BLANKLINE>
    # E01: a number (within 0.001)
    E01:
    """
    lines = [f"# Answers of student {student}: one line per exercise, 'EID: answer', in LaTeX or plain text",
             "# as on the sheet (E01: 3/8, E02: 2*(y - f), E04: (1/2, -3)). A number may be exact",
             "# (a fraction) or a decimal within the stated precision. Write after the colon; '#'",
             f"# starts a comment. Save as UTF-8 and hand in this file as {student}.txt.", ""]
    for eid, what in exercises:
        lines += [f"# {eid}: {what}", f"{eid}:"]
    return "\n".join(lines) + "\n"


def filled_in(data: bytes) -> bool:
    """Whether a submission file holds at least one answer (a template does not)."""
    try:
        return bool(_parse_text(data.decode("utf-8-sig")).answers)
    except UnicodeDecodeError:
        return True
