r"""Sheets, checked solutions, ``answers.json`` and ``verification.json`` for a class.

    deepderive exercises --out DIR (--students N | --roster FILE.csv) [--seed S] [--topics T,...] [--no-pdf]

Every student gets one exercise of every kind (of the chosen topics), numbered E01, E02,
... in the lecture's order; the numbers are drawn from ``random.Random("S:ID:kind")``, so
the same seed and roster give byte-identical ``answers.json`` and students differ. Every
step of every solution is checked (:meth:`symbolic.core.derivation.Derivation.check`), every
answer is the printed final step of its solution, read back (:mod:`.readback`), every typical
mistake is an independent computation that the checker names (:mod:`.mistake_checks`), and
values of the solution are compared with a second computation (the PyTorch twin, an exact
computation, or the package's own formula; :func:`compared_with`); the question's formulas
and numbers are printed from the objects the solution uses and read back against them
(:mod:`.question`), and so are the formulas of the solutions' prose, step reasons and
mistakes' feedback; ``verification.json`` lists those checks, each
with a unique ``id`` that the solutions' LaTeX names in a ``% check: ID`` line before
each displayed equation.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import sympy as sp

from derivations.tex import OutputFolder, compile_pdf
from symbolic.core.derivation import Derivation
from symbolic.spec.tolerances import ANSWER_RTOL, ROUNDING_RTOL, TWIN_RTOL

from derivations.exercises import KINDS, load_kinds
from derivations.exercises.base import Exercise, answer_latex

__all__ = ["ExerciseSet", "build_exercises", "read_roster", "student_ids", "exercises_for", "exercise_record",
           "TWIN_TOLERANCE", "compared_with"]

#: Draws of a kind's numbers before giving up on well-posedness (the failed check is then recorded).
MAX_DRAWS = 20
#: Relative tolerance of a twin comparison (float64 torch vs the exact answer).
TWIN_TOLERANCE = TWIN_RTOL
#: Columns a roster row may have (a header of 200,000 columns is refused before any work per column).
MAX_ROSTER_COLUMNS = 1000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Names Windows keeps for devices, with any extension: a file named so cannot be written there.
_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)


def student_ids(n: int) -> list[str]:
    """``s001`` .. ``sNNN`` (at least three digits)."""
    if not isinstance(n, int) or n < 1 or n > 100_000:
        raise ValueError(f"--students must be an integer from 1 to 100000, got {n!r}")
    width = max(3, len(str(n)))
    return [f"s{k:0{width}d}" for k in range(1, n + 1)]


def read_roster(path: str | Path) -> list[str]:
    """Student ids from a CSV roster with a header and a column ``id`` (letters, digits, ``_.-``)."""
    from numeric.files import decode_text, read_regular_file, shorten

    path = Path(path)
    text = decode_text(read_regular_file(path, "roster", 10_000_000), "roster", path)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:  # a row is bounded before any work per cell
            if len(row) > MAX_ROSTER_COLUMNS:
                raise ValueError(f"roster {str(path)!r} line {reader.line_num} has {len(row)} columns, more than "
                                 f"{MAX_ROSTER_COLUMNS}; a roster needs a column 'id' (and a few more at most)")
            if any("\n" in cell or "\r" in cell for cell in row):
                raise ValueError(f"roster {str(path)!r} line {reader.line_num}: a quoted cell holds a line break; "
                                 f"write each cell on one line")
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ValueError(f"roster {str(path)!r} is not a readable CSV: {exc}") from None
    if not rows:
        raise ValueError(f"roster {str(path)!r} is empty; it needs a header with a column 'id'")
    header = [h.strip() for h in rows[0][1]]
    if header.count("id") != 1:
        raise ValueError(f"roster {str(path)!r} needs exactly one column 'id' in its header, got "
                         f"{shorten(','.join(header))!r}")
    col = header.index("id")
    ids, seen = [], {}
    for n, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        value = row[col].strip() if col < len(row) else ""
        where = f"roster {str(path)!r} line {n}: id {shorten(value)!r}"
        if not _ID.match(value):
            raise ValueError(f"{where} must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or a "
                             "digit (it names files)")
        if _DEVICE.match(value):
            raise ValueError(f"{where} is a name Windows keeps for a device: its files could not be written there")
        if value.casefold() in seen:
            first, line = seen[value.casefold()]
            raise ValueError(f"{where} " + ("appears twice" if first == value else
                             f"differs from {first!r} (line {line}) only in case: on macOS and Windows their files "
                             f"would be one file"))
        seen[value.casefold()] = (value, n)
        ids.append(value)
    if not ids:
        raise ValueError(f"roster {str(path)!r} lists no students")
    return ids


def _kinds_for(topics: Sequence[str] | None) -> list[str]:
    from derivations.lecture import TOPICS

    load_kinds()
    order = {t: i for i, t in enumerate(TOPICS)}
    slugs = [s for s, (topic, _) in KINDS.items() if topics is None or topic in topics]
    if not slugs:
        raise ValueError(f"no exercise kinds for the topics {', '.join(topics or [])}; choose from "
                         f"{', '.join(sorted({t for t, _ in KINDS.values()}, key=order.get))}")
    return sorted(slugs, key=lambda s: (order[KINDS[s][0]], list(KINDS).index(s)))


def exercises_for(student: str, seed: int, topics: Sequence[str] | None = None) -> list[tuple[str, Exercise]]:
    """The student's exercises, ``[(EID, exercise)]``, in the lecture's order."""
    out = []
    for n, slug in enumerate(_kinds_for(topics), start=1):
        rng = random.Random(f"{seed}:{student}:{slug}")
        eid = f"E{n:02d}"
        for _ in range(MAX_DRAWS):  # draw again (same stream) until the mistakes tell apart
            ex = KINDS[slug][1](rng)
            if _distinct_mistakes(student, eid, ex)["passed"]:
                break
        out.append((eid, ex))
    return out


def exercise_record(eid: str, ex: Exercise) -> dict:
    """The exercise's entry in ``answers.json`` (DESIGN.md keys, plus ``mistakes`` and ``domain``)."""
    answer = sp.Tuple(*ex.answer) if isinstance(ex.answer, tuple) else ex.answer
    record = {
        "id": eid, "topic": ex.topic, "kind": ex.kind, "question": ex.question,
        "answer": answer_latex(ex.answer, ex.kind), "answer_srepr": sp.srepr(answer),
        "variables": [s.name for s in ex.variables], "precision": ex.precision,
        "mistakes": [{"feedback": text, "answer_srepr": sp.srepr(sp.Tuple(*m) if isinstance(m, tuple) else sp.sympify(m))}
                     for text, m in ex.mistakes],
    }
    if ex.domain:
        record["domain"] = ex.domain
    return record


def _check_records(student: str, eid: str, ex: Exercise) -> tuple[list[dict], list[list[str]]]:
    """Verification records of one solution, and per derivation block the ids of its checks:
    every step of the solution, the answer and mistakes told apart (``distinct``), the key of
    ``answers.json`` read back from the printed final step (``key``, :mod:`.readback`), each
    typical mistake against its independent computation and the checker (``mistake-k``,
    ``sign-error``, :mod:`.mistake_checks`), and the comparisons with the twin (``twin-k``)."""
    from derivations.exercises.mistake_checks import mistake_records
    from derivations.exercises.question import question_record, solution_record
    from derivations.exercises.readback import key_record

    records, blocks = [], []
    n = 0
    for block in ex.solution:
        if not isinstance(block, Derivation):
            continue
        if any(s.check is None for s in block.steps):
            block.check()
        ids = []
        for r in block.records():
            n += 1
            r["id"] = f"{student}/{eid}/step-{n}"
            r["name"] = f"{student} {eid} {ex.slug}: {r['name']}"
            r["topic"] = ex.topic
            r["max_error"] = float(r["max_error"])
            ids.append(r["id"])
            records.append(r)
        blocks.append(ids)
    records.append(_distinct_mistakes(student, eid, ex))
    records.append(question_record(student, eid, ex.slug, ex.topic, ex.question, ex.printed, ex.derivations()))
    records.append(solution_record(student, eid, ex))
    record = exercise_record(eid, ex)  # the entry of answers.json, as ``check`` reads it
    records.append(key_record(student, eid, ex, record))
    records += mistake_records(student, eid, ex, record)
    for k, (what, value, exact) in enumerate(ex.twin, start=1):
        reference, value = float(sp.N(exact, 30)), float(value)
        error = abs(value - reference) / max(1.0, abs(reference))
        against = compared_with(what)
        records.append({"id": f"{student}/{eid}/twin-{k}", "name": f"{student} {eid} {ex.slug}: {what}",
                        "kind": "symbolic-vs-torch" if against == PYTORCH else "cross-check", "topic": ex.topic,
                        "method": "float64 against the exact value", "max_error": error,
                        "passed": bool(error <= TWIN_TOLERANCE), "against": against})
    return records, blocks


#: What a solution's value is compared with (a twin comparison's ``against``), in the words
#: the solutions print.
PYTORCH, PACKAGE, EXACT = "the PyTorch twin", "the package's own formula", "an exact computation"


def compared_with(what: str) -> str:
    """What a twin comparison described as ``what`` compares with: the PyTorch twin (torch's
    modules, autograd, losses or trainer), the package's own formula, or another exact
    computation (a count, an exact propagation).

    >>> [compared_with(w) for w in ("slope dy/dx (torch autograd)", "NLL at f = 1 (PyTorch twin)",
    ...  "max_regions (the package's region formula)", "joints (exact piecewise-linear propagation)")]
    ['the PyTorch twin', 'the PyTorch twin', "the package's own formula", 'an exact computation']
    """
    if "torch" in what.lower():
        return PYTORCH
    if "package" in what:
        return PACKAGE
    return EXACT


def _distinct_mistakes(student: str, eid: str, ex: Exercise) -> dict:
    """Well-posedness: the answer and every typical mistake (the kind's own, a sign error,
    twice, half) differ pairwise by more than twice the stated precision (expressions: at
    sample points of the domain), so that no feedback meets a correct answer and each wrong
    answer names one mistake."""
    from derivations.exercises.checker import _generic_mistakes, _sample_points, _values
    from derivations.exercises.key import domain_cases

    own = [ex.answer] + [m for _, m in ex.mistakes]
    generic = [m for _, m in _generic_mistakes(ex.answer, ex.kind)]
    if ex.kind == "expression":
        points = _sample_points(ex.variables, domain_cases(ex.domain, ex.variables))

        def values(c):
            return _values(sp.sympify(c), points)

        tol = ANSWER_RTOL
    else:
        def values(c):
            return [complex(float(x)) for x in (c if isinstance(c, tuple) else (c,))]

        tol = 2 * float(ex.precision or 0) + ROUNDING_RTOL

    def gap(a, b) -> float:
        if a is None or b is None:  # a candidate not finite on the domain differs anyway
            return float("inf")
        return max(abs(x - y) for x, y in zip(a, b))

    own_values = [values(c) for c in own]
    # A generic mistake equal to one of the kind's own is the same diagnosis (the checker names
    # the kind's own first); it must still differ from the answer.
    generic_values = [v for v in map(values, generic) if all(gap(v, w) > tol for w in own_values[1:])]
    smallest = min([gap(a, b) for i, a in enumerate(own_values) for b in own_values[i + 1:]]
                   + [gap(own_values[0], g) for g in generic_values]
                   + [gap(g, h) for i, g in enumerate(generic_values) for h in generic_values[i + 1:]],
                   default=float("inf"))
    return {"id": f"{student}/{eid}/distinct", "name": f"{student} {eid} {ex.slug}: the answer and the typical "
            "mistakes differ pairwise by more than twice the precision", "kind": "well-posed", "topic": ex.topic,
            "method": "values at sample points of the domain" if ex.kind == "expression" else "values compared",
            "max_error": 0.0 if smallest > tol else 1.0, "passed": bool(smallest > tol)}


@dataclass
class ExerciseSet:
    out: Path
    seed: int
    students: list[str]
    records: list[dict] = field(default_factory=list)
    pdfs: int = 0

    @property
    def passed(self) -> bool:
        return all(r["passed"] for r in self.records)


def build_exercises(out: str | Path | OutputFolder, students: Sequence[str], seed: int = 0,
                    topics: Sequence[str] | None = None, pdf: bool = True, progress: Callable[[str], None] | None = None) -> ExerciseSet:
    """Write sheets/, solutions/, answers.json and verification.json (see the module docstring)."""
    from derivations.exercises.latex import sheet_document, solution_document
    from derivations.exercises.manifest import kinds_record

    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    out = folder.path
    folder.folder("sheets")
    folder.folder("solutions")
    say = progress or (lambda line: None)
    result = ExerciseSet(out, seed, list(students))
    answers: dict[str, list] = {}
    for k, student in enumerate(students, start=1):
        exercises = exercises_for(student, seed, topics)
        answers[student] = [exercise_record(eid, ex) for eid, ex in exercises]
        checked, mine = [], []
        for eid, ex in exercises:
            records, blocks = _check_records(student, eid, ex)
            mine += records
            checked.append((eid, ex, blocks))
        result.records += mine
        folder.write_text(f"sheets/{student}.tex", sheet_document(student, seed, checked))
        folder.write_text(f"solutions/{student}.tex", solution_document(student, seed, checked, mine))
        if k % 25 == 0 or k == len(students):
            say(f"[{k}/{len(students)}] sheets and solutions written")
    result.records.append(kinds_record([ex.slug for _, ex in exercises], topics))  # no kind silently gone
    folder.write_text("answers.json", json.dumps({"seed": seed, "students": answers}, indent=1, sort_keys=False) + "\n")
    folder.write_text("verification.json", json.dumps(result.records, indent=1) + "\n")
    if pdf:
        if shutil.which("pdflatex"):
            for student in students:
                for kind in ("sheets", "solutions"):
                    compile_pdf(out / kind / f"{student}.tex", folder, runs=1, log=False)
                    result.pdfs += 1
            say(f"wrote {result.pdfs} PDFs")
        else:
            from derivations.tex import PDFLATEX_HINT

            say(PDFLATEX_HINT.replace("notes.tex and figures are", "the .tex files are").replace("notes.pdf", "PDFs"))
    return result
