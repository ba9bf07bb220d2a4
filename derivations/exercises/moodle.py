r"""The exercises as a Moodle question bank (Moodle XML): one question per student and exercise.

    deepderive export-moodle --answers ex/answers.json --out quiz.xml [--students ID,...] [--category NAME]

Moodle's XML question format (``<quiz>`` of ``<question type="...">``, each with
``<name><text>``, ``<questiontext format="html"><text>`` and ``<answer fraction="...">``)
imported in the question bank (Question bank > Import > Moodle XML). Every student's
questions go into a category of their own, ``$course$/top/CATEGORY/ID``, before them:

- **number** and **integer** answers: a ``numerical`` question, the answer with
  ``<tolerance>`` the stated precision (0 for integers), then each typical mistake as a 0 %
  answer with its feedback (Moodle shows the feedback of the first answer within its
  tolerance; the build keeps the answer and the mistakes more than twice the precision apart);
- **vector** answers: a ``cloze`` question, one ``{1:NUMERICAL:=value:tolerance}`` field per entry;
- **expression** answers: a ``shortanswer`` question. Moodle compares the text, not the
  mathematics, so the answer is listed in a few equivalent plain-text forms (as SymPy prints
  it, without spaces, expanded; ``*`` escaped, which Moodle's short answers read as a
  wildcard otherwise) and the typical mistakes as 0 % answers. An equivalent answer written
  another way is marked wrong there: grade expressions with ``deepderive grade``.

Question text is HTML, its mathematics between ``\(...\)`` for Moodle's MathJax filter.

>>> record = {"id": "E01", "kind": "number", "topic": "shallow", "question": "Compute $y$.",
...           "answer_srepr": "Rational(-51, 4)", "variables": [], "precision": 0.001, "mistakes": []}
>>> xml = moodle_xml({"seed": 0, "students": {"s001": [record]}})
>>> print(xml.splitlines()[0])
<?xml version="1.0" encoding="UTF-8"?>
>>> import xml.etree.ElementTree as ET
>>> q = ET.fromstring(xml).findall("question")[1]
>>> q.get("type"), q.find("answer/text").text, q.find("answer/tolerance").text
('numerical', '-12.75', '0.001')
"""

from __future__ import annotations

import html
import re
from decimal import Decimal, localcontext
import xml.etree.ElementTree as ET
from typing import Any, Sequence

import sympy as sp

from derivations.exercises.checker import _generic_mistakes, student_exercises
from derivations.exercises.key import KeyEntry, parse_entry
from derivations.exercises.readable import readable

__all__ = ["moodle_xml", "number_text", "expression_forms", "CATEGORY"]

#: The parent category of the students' categories.
CATEGORY = "deepderive"
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MATH = re.compile(r"\$([^$]*)\$")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", str(text))


def number_text(value: sp.Expr) -> str:
    """A number as Moodle reads it: a decimal, exact when it terminates (in 30 digits), else to 15 digits.

    >>> number_text(sp.Rational(-51, 4)), number_text(sp.Rational(1, 3)), number_text(sp.Integer(95))
    ('-12.75', '0.333333333333333', '95')
    """
    value = sp.sympify(value)
    if value.is_Rational:
        rest = int(value.q)
        for factor in (2, 5):
            while rest % factor == 0:
                rest //= factor
        if rest == 1:  # a terminating decimal
            with localcontext() as context:
                context.prec = 60
                text = format(Decimal(int(value.p)) / Decimal(int(value.q)), "f")
            text = text.rstrip("0").rstrip(".") if "." in text else text
            if len(text) <= 30:
                return text
    return f"{float(sp.N(value, 30)):.15g}"


def expression_forms(expr: sp.Expr) -> list[str]:
    """Equivalent plain-text forms of an expression, for a short-answer question (unescaped):
    as SymPy prints it, in reverse order, with common factors taken out, expanded; each also
    without spaces, and a power also written with ``^`` (what the question's hint and most
    students write) besides Python's ``**``.

    >>> expression_forms(2 * (sp.Symbol("y") - sp.Symbol("f")))
    ['-2*f + 2*y', '-2*f+2*y', '2*y - 2*f', '2*y-2*f', '2*(-f + y)', '2*(-f+y)', '2*(y - f)', '2*(y-f)']
    >>> expression_forms(sp.Symbol("z") ** 2)
    ['z**2', 'z^2']
    """
    out: list[str] = []
    for form in (expr, sp.factor_terms(expr), sp.expand(expr)):
        for order in (None, "rev-lex"):
            text = sp.sstr(form, order=order)
            for variant in (text, text.replace(" ", ""), text.replace("**", "^"), text.replace(" ", "").replace("**", "^")):
                if variant not in out:
                    out.append(variant)
    return out


def _shortanswer_text(form: str) -> str:
    """A form as a Moodle short answer: ``*`` is a wildcard there, so it is escaped."""
    return form.replace("*", "\\*")


def _html(question: str, note: str) -> str:
    """The question's LaTeX text as HTML for Moodle: ``$...$`` becomes ``\\(...\\)``, the rest is escaped."""
    parts = _MATH.split(question)
    body = "".join(html.escape(p, quote=False) if i % 2 == 0 else f"\\({html.escape(p, quote=False)}\\)"
                   for i, p in enumerate(parts))
    return f"<p>{_clean(body)}</p><p><em>{html.escape(note, quote=False)}</em></p>"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        ET.SubElement(element, "text").text = _clean(text)
    return element


def _value(parent: ET.Element, tag: str, value: str) -> None:
    ET.SubElement(parent, tag).text = value


def _header(quiz: ET.Element, kind: str, student: str, record: dict, note: str) -> ET.Element:
    question = ET.SubElement(quiz, "question", {"type": kind})
    _sub(question, "name", f"{student} {record['id']}" + (f" ({record['topic']})" if record.get("topic") else ""))
    _sub(question, "questiontext", _html(str(record.get("question", "")), note), format="html")
    _sub(question, "generalfeedback", "", format="html")
    _value(question, "defaultgrade", "1")
    _value(question, "penalty", "0")
    _value(question, "hidden", "0")
    _value(question, "idnumber", f"{student}-{record['id']}")
    return question


def _answer(question: ET.Element, fraction: int, text: str, feedback: str, tolerance: str | None = None) -> None:
    answer = ET.SubElement(question, "answer", {"fraction": str(fraction), "format": "moodle_auto_format"})
    ET.SubElement(answer, "text").text = _clean(text)
    if tolerance is not None:
        _value(answer, "tolerance", tolerance)
    _sub(answer, "feedback", html.escape(feedback, quote=False), format="html")


def _mistakes(entry: KeyEntry) -> list[tuple[str, Any]]:
    return list(entry.mistakes) + _generic_mistakes(entry.reference, entry.kind)


def _numerical(quiz: ET.Element, student: str, record: dict, entry: KeyEntry) -> None:
    tolerance = "0" if entry.kind == "integer" else f"{entry.precision:g}"
    note = ("Answer with a whole number." if entry.kind == "integer" else
            f"Answer with a decimal number; answers within {entry.precision:g} of the exact value are accepted.")
    question = _header(quiz, "numerical", student, record, note)
    _answer(question, 100, number_text(entry.reference), "Correct.", tolerance)
    seen = {number_text(entry.reference)}
    for feedback, wrong in _mistakes(entry):
        if not wrong.is_number or not sp.N(wrong).is_real:
            continue
        text = number_text(wrong)
        if text not in seen:
            seen.add(text)
            _answer(question, 0, text, readable(feedback), tolerance)
    _value(question, "unitgradingtype", "0")
    _value(question, "unitpenalty", "0.1")
    _value(question, "showunits", "3")
    _value(question, "unitsleft", "0")


def _cloze(quiz: ET.Element, student: str, record: dict, entry: KeyEntry) -> None:
    tolerance = f"{entry.precision:g}"
    fields = ", ".join(f"{{1:NUMERICAL:={number_text(v)}:{tolerance}}}" for v in entry.reference)
    note = (f"Answer with decimal numbers; each within {entry.precision:g} of the exact value is accepted.")
    question = _header(quiz, "cloze", student, record, note)
    text = question.find("questiontext/text")
    text.text = text.text + f"<p>Answer: ({fields})</p>"


def _shortanswer(quiz: ET.Element, student: str, record: dict, entry: KeyEntry) -> None:
    names = ", ".join(s.name for s in entry.variables)
    note = (f"Answer with an expression in {names} in plain text, e.g. 2*(y - f), exp(-f), sig(f), ReLU(z). "
            "The answer is compared as text with a few forms of the correct one.")
    question = _header(quiz, "shortanswer", student, record, note)
    _value(question, "usecase", "0")
    forms = expression_forms(entry.reference)
    for form in forms:
        _answer(question, 100, _shortanswer_text(form), "Correct.")
    for feedback, wrong in _mistakes(entry):
        form = sp.sstr(wrong)
        if form not in forms:
            forms.append(form)
            _answer(question, 0, _shortanswer_text(form), readable(feedback))


def _category(quiz: ET.Element, path: str) -> None:
    question = ET.SubElement(quiz, "question", {"type": "category"})
    _sub(question, "category", f"$course$/top/{path}")


def moodle_xml(answers: dict, students: Sequence[str] | None = None, category: str = CATEGORY) -> str:
    """The Moodle XML question bank of ``answers`` (a validated ``answers.json``; every entry
    of the chosen students is validated in full first): a category per student, a question
    per exercise (see the module docstring). ``students``: a subset, in this order."""
    chosen = list(answers["students"]) if students is None else list(students)
    if len(set(chosen)) != len(chosen):  # a category and every question twice: Moodle would import both
        raise ValueError(f"student {next(s for n, s in enumerate(chosen) if s in chosen[:n])[:64]!r} is listed twice")
    quiz = ET.Element("quiz")
    for student in chosen:
        records = student_exercises(answers, student)  # unknown student: a ValueError naming it
        _category(quiz, f"{category}/{student}")
        for record in records:
            entry = parse_entry(record, student)
            if entry.kind in ("number", "integer"):
                _numerical(quiz, student, record, entry)
            elif entry.kind == "vector":
                _cloze(quiz, student, record, entry)
            else:
                _shortanswer(quiz, student, record, entry)
    ET.indent(quiz, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"
