"""What ``deepderive grade`` writes from a class's grades: a CSV, a gradebook, feedback, a summary.

:func:`write_reports` writes into the output folder, from a :class:`.grading.ClassGrades`:

- ``grades.csv``: one row per student of the key, in its order: ``student``, one column per
  exercise (``1`` correct, ``0`` not, empty when the student has no such exercise),
  ``score``, ``total``, ``status`` (``ok``, ``malformed``, ``unreadable``, ``oversized``,
  ``duplicate``, ``missing``), ``late`` (``yes``/``no``; empty without ``--deadline`` or
  without a file) and ``notes`` (the file's problems, the first three);
- ``gradebook.csv``: for an LMS's grade import: ``ID number``, one column per exercise,
  ``Total``;
- ``feedback/ID.txt``: each answer's verdict and the named mistake in plain words
  (:func:`.readable.readable`), and the file's problems;
- ``summary.md`` and ``summary.json``: per exercise the share correct and the most frequent
  mistakes; the students whose submission needs a look; files that belong to no student.

Every file is a function of the grades only (no dates, no timings), so the same inputs give
byte-identical files.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

from derivations.tex import OutputFolder

from derivations.exercises.grading import ClassGrades, StudentGrade
from derivations.exercises.readable import readable
from derivations.exercises.submissions import ANSWERED_TWICE, STATUSES

__all__ = ["write_reports", "grades_csv", "gradebook_csv", "feedback_text", "summary", "summary_markdown",
           "mistake_label", "MOST_FREQUENT"]

#: Mistakes listed per exercise in the summary.
MOST_FREQUENT = 3
#: Characters of a student's answer quoted in the feedback.
QUOTED = 300


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text (a leading ``=``, ``+``, ``-`` or ``@`` is not a formula).

    >>> _cell("=HYPERLINK(1)"), _cell("-3"), _cell("s001")
    ("'=HYPERLINK(1)", '-3', 's001')
    """
    text = str(text)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(c) for c in row])
    return buffer.getvalue()


def _late(grade: StudentGrade) -> str:
    late = grade.submission.late
    return "" if late is None else "yes" if late else "no"


def _notes(grade: StudentGrade) -> list[str]:
    return ([grade.submission.message] if grade.submission.message else []) + grade.problems


def grades_csv(grades: ClassGrades) -> str:
    """``grades.csv`` (see the module docstring)."""
    rows = [["student", *grades.exercises, "score", "total", "status", "late", "notes"]]
    for g in grades.students:
        cells = ["" if eid not in g.results else "1" if g.results[eid]["correct"] else "0" for eid in grades.exercises]
        notes = _notes(g)
        text = "; ".join(notes[:3]) + (f"; and {len(notes) - 3} more" if len(notes) > 3 else "")
        rows.append([g.student, *cells, str(g.score), str(g.total), g.submission.status, _late(g), text])
    return _csv(rows)


def gradebook_csv(grades: ClassGrades) -> str:
    """``gradebook.csv``: ``ID number``, one column per exercise (1/0), ``Total``."""
    rows = [["ID number", *grades.exercises, "Total"]]
    for g in grades.students:
        cells = ["" if eid not in g.results else "1" if g.results[eid]["correct"] else "0" for eid in grades.exercises]
        rows.append([g.student, *cells, str(g.score)])
    return _csv(rows)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTED else text[:QUOTED] + f"... ({len(text):,} characters)"


def feedback_text(grade: StudentGrade, grades: ClassGrades) -> str:
    """A student's feedback file: score, each answer's verdict and named mistake in plain
    words, and what was wrong with the file."""
    sub = grade.submission
    lines = [f"Feedback for {grade.student}"]
    if grade.graded:
        late = " (after the deadline)" if sub.late else ""
        lines.append(f"Submission: {sub.file}{late}")
        lines.append(f"Score: {grade.score} of {grade.total}")
    else:
        lines.append(f"Submission: {readable(sub.message)}")
        lines.append(f"Score: 0 of {grade.total} (nothing was graded)")
    lines.append("")
    if grade.graded:
        for eid, r in grade.results.items():
            if r["correct"]:
                verdict = "correct"
            elif r["method"] == "missing":
                verdict = "no answer"
            elif r["method"] == ANSWERED_TWICE:
                verdict = r["feedback"]
            else:
                verdict = f"incorrect: {readable(r['feedback'])}"
            lines.append(f"{eid}: {verdict}")
            if eid in grade.answers:
                lines.append(f"     your answer: {_quote(grade.answers[eid])}")
                lines.append(f"     checked: {readable(r['method'])}")
    problems = grade.problems
    if problems:
        lines += ["", "Problems with your file (these lines were not graded):"]
        lines += [f"  {readable(p)}" for p in problems]
    return "\n".join(lines) + "\n"


#: Feedback that starts with one of these counts as that mistake (the rest differs between students).
_GROUPED = ("not equivalent to the correct answer", "could not read the answer", "the answer cannot be evaluated",
            "you dropped the constant term")


def mistake_label(feedback: str) -> str:
    """The mistake a feedback names, in plain words, without the details that differ between students.

    >>> mistake_label("not equivalent to the correct answer (it differs at z = 1/2)")
    'not equivalent to the correct answer'
    >>> mistake_label(r"you dropped the output bias $\\phi_0$")
    'you dropped the output bias phi_0'
    """
    text = readable(feedback)
    return next((start for start in _GROUPED if text.startswith(start)), text)


def summary(grades: ClassGrades) -> dict:
    """``summary.json``: counts by status, late files, the mean score, per exercise the share
    correct and the most frequent mistakes, and the submissions that need a look."""
    graded = [g for g in grades.students if g.graded]
    status = Counter(g.submission.status for g in grades.students)
    exercises = {}
    for eid in grades.exercises:
        having = [g for g in graded if eid in g.results]
        answered = [g for g in having if eid in g.answers]
        correct = sum(1 for g in having if g.results[eid]["correct"])
        mistakes = Counter(mistake_label(g.results[eid]["feedback"]) for g in answered if not g.results[eid]["correct"])
        ranked = sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))[:MOST_FREQUENT]
        exercises[eid] = {"topic": grades.topics.get(eid, ""), "graded": len(having), "answered": len(answered),
                          "correct": correct, "share_correct": round(correct / len(having), 4) if having else None,
                          "mistakes": [{"mistake": m, "count": c} for m, c in ranked]}
    look = [{"student": g.student, "status": g.submission.status, "notes": [readable(n) for n in _notes(g)]}
            for g in grades.students if g.submission.status != "ok" or g.problems]
    scores = [g.score for g in graded]
    return {
        "students": len(grades.students), "graded": len(graded),
        "status": {s: status[s] for s in STATUSES if status[s]},
        "late": sum(1 for g in grades.students if g.submission.late),
        "deadline_given": grades.deadline is not None,
        "mean_score": round(sum(scores) / len(scores), 4) if scores else None,
        "total": max((g.total for g in graded), default=0),
        "exercises": exercises, "needs_a_look": look,
        "unknown_files": list(grades.folder.unknown), "ignored_files": list(grades.folder.ignored),
    }


def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def summary_markdown(data: dict) -> str:
    """``summary.md``: :func:`summary` as a page."""
    status = ", ".join(f"{n} {s}" for s, n in data["status"].items())
    plural = "" if data["graded"] == 1 else "s"
    lines = ["# Grades: class summary", "",
             f"{data['students']} students in the key ({status}); {data['graded']} submission{plural} graded"
             + (f", {data['late']} of them late" if data["deadline_given"] else "") + ". A malformed submission "
             "is graded without the lines that do not follow the format."]
    if data["mean_score"] is not None:
        lines.append(f"Mean score of the graded submissions: {data['mean_score']:g} of {data['total']}.")
    lines += ["", "| exercise | topic | correct | answered | most frequent mistakes |", "|---|---|---|---|---|"]
    for eid, e in data["exercises"].items():
        share = "" if e["share_correct"] is None else f"{e['correct']}/{e['graded']} ({100 * e['share_correct']:.0f}%)"
        mistakes = "; ".join(f"{m['mistake']} ({m['count']})" for m in e["mistakes"])
        lines.append(f"| {eid} | {_md(e['topic'])} | {share} | {e['answered']} | {_md(mistakes)} |")
    if data["needs_a_look"]:
        lines += ["", "## Submissions that need a look", ""]
        lines += [f"- {s['student']} ({s['status']}): {_md('; '.join(s['notes']))}" for s in data["needs_a_look"]]
    if data["unknown_files"] or data["ignored_files"]:
        lines += ["", "## Files that belong to no student", ""]
        lines += [f"- {_md(f)}: not a student of the key" for f in data["unknown_files"]]
        lines += [f"- {_md(f)}" for f in data["ignored_files"]]
    return "\n".join(lines) + "\n"


def write_reports(out: OutputFolder, grades: ClassGrades) -> list[str]:
    """Write every report (see the module docstring) and return the names written."""
    out.write_text("grades.csv", grades_csv(grades))
    out.write_text("gradebook.csv", gradebook_csv(grades))
    for g in grades.students:
        out.write_text(f"feedback/{g.student}.txt", feedback_text(g, grades))
    data = summary(grades)
    out.write_text("summary.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    out.write_text("summary.md", summary_markdown(data))
    return ["grades.csv", "gradebook.csv", "summary.md", "summary.json", f"feedback/ ({len(grades.students)} files)"]
