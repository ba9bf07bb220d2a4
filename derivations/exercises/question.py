r"""A question's mathematics printed from the objects its solution uses, and read back.

A kind writes its question through a :class:`Question`: every formula and every given number
is a SymPy object (the network's program, the loss, the value the solution's derivation
defines ``theta_{10}`` to be) printed by the package's printer, or the book's typed form, and
read back with the package's LaTeX reader and proven equal to the object
(:class:`~derivations.checks.printed.Formulas`). The question's text fills its gaps with these
printed parts, so no formula of a question is typed beside the object it states.

The build's record ``question`` (:func:`question_record`) then checks the text that reaches the
sheet against the solution, from the printed end:

- every printed part read back equal to its object, and its text is in the question;
- nothing else in the question's mathematics states anything: each ``$...$`` fragment with the
  printed parts taken out holds no relation, operator, fraction or power (notation such as
  ``$\mathbf{f}$`` or ``$D_h$`` may stay);
- every stated equation ``s = ...`` whose ``s`` a derivation of the solution defines says what the
  solution uses: the stated right-hand side equals that definition (the givens kept as symbols,
  everything else expanded through the derivation's definitions), and every given number names a
  symbol the solution defines. A question that states another network, function or number than
  the one solved fails here.

The build's record ``prose`` (:func:`solution_record`) checks the solution's words the same way:
the formulas of its prose blocks, of its steps' reasons and of its mistakes' feedback are printed
through the exercise's ``explained`` :class:`Question` from the objects the solution checks (the
generic rule its steps apply, the definition a step uses), read back, and nothing else in those
words states mathematics. A data point prints as a tuple (:meth:`Question.point`), each entry
printed from its number and read back on its own.

>>> import sympy as sp
>>> from symbolic.core.derivation import Derivation
>>> t, x = sp.Symbol("t", real=True), sp.Symbol("x", real=True)
>>> q = Question("demo")
>>> text = f"With ${q.givens([(t, sp.Rational(1, 2))], 'the parameter')}$, find $x$."
>>> d = Derivation("demo")
>>> d.definitions[t] = sp.Rational(1, 2)
>>> record = question_record("s001", "E01", "demo", "demo", text, q, [d])
>>> record["passed"], record["method"]
(True, 'read back: 1 printed part, 1 given linked to the solution')
>>> question_record("s001", "E01", "demo", "demo", text.replace("1}{2", "1}{3"), q, [d])["passed"]
False
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

import sympy as sp

from derivations.checks.printed import Formulas, Printed

__all__ = ["Question", "question_record", "solution_record", "solution_texts", "stated_mathematics"]

#: Math of a question: ``$..$`` (the sheets use no other delimiters in questions).
_MATH = re.compile(r"(?<!\\)\$(.+?)(?<!\\)\$", re.S)
#: What states mathematics (the rule of the typed-formula scan of the printing side): a
#: relation, an operator between terms, a fraction, root, power, product, sum, a function.
_STATES = re.compile(r"=|<|>|\\(?:l|g)eq?\b|\\ne\b|\\approx|\\to\b|(?<=[\w}\x5d)])\s*[-+]\s*(?=[\w\\({\x5b])|"
                     r"\\frac|\\dfrac|\\tfrac|\\sqrt|\^|\\cdot|\\times|\\sum|\\prod|\\int|\\exp\b|\\log\b|"
                     r"\\max\b|\\min\b|\\operatorname|\\begin\{cases\}|/|\\left|\\mathrm\{(?!d\b)")
_GAP = "@"


class Question:
    """The printed parts of one question, each read back against its object.

    ``names`` maps hand-typed LaTeX names to the objects they name (see
    :class:`~derivations.checks.printed.Formulas`); ``domain`` is where numeric read-backs draw
    their values; ``of`` says whose parts they are in the records (``"solution"``: the words of a
    solution, :func:`solution_record`)."""

    def __init__(self, slug: str, names: Mapping[str, Any] | None = None, domain: Mapping[Any, Any] | None = None,
                 of: str = "question"):
        self.slug, self.of = slug, of
        self.formulas = Formulas(f"{of} of {slug}", names=names, domain=domain)
        self.parts: list[tuple[Printed, bool]] = []  # (printed part, is a given number)
        self.joined: list[str] = []  # texts made of printed parts only: the tuples of :meth:`point`
        self.slips: list[Printed] = []  # parts that state a typical mistake's formula: read back, never linked

    def __call__(self, obj: Any, name: str, *, typed: str | None = None, also: Sequence[Any] = (),
                 given: bool = False, slip: bool = False, **settings: Any) -> str:
        """Print ``obj`` (an expression, an ``Eq``, a chain tuple; ``typed``: the book's form),
        read it back, and return its LaTeX for a gap of the question. ``slip``: the formula a
        typical mistake uses (``\lambda = f``, the link left out): read back, but it states no
        definition of the solution, so it is not linked to one."""
        printed = self.formulas(obj, name, typed=typed, also=also, **settings)
        self.parts.append((printed, given))
        if slip:
            self.slips.append(printed)
        return printed.latex

    def given(self, symbol: sp.Basic, value: Any, name: str = "a given value") -> str:
        """``symbol = value``: a number the solution's derivation defines ``symbol`` to be."""
        return self(sp.Eq(symbol, sp.sympify(value, strict=True), evaluate=False), f"{name} {symbol}", given=True)

    def givens(self, pairs: Sequence[tuple[sp.Basic, Any]], name: str = "the given values") -> str:
        """``a = 1, b = 2, ...``: one given per pair, joined by commas."""
        return ", ".join(self.given(s, v, name) for s, v in pairs)

    def number(self, value: Any, name: str) -> str:
        """A bare number of the question (a count, a width), printed from the value the solution uses."""
        return self(sp.sympify(value, strict=True), name)

    def named(self, obj: Any, text: str, name: str) -> str:
        """``text``, hand-typed, as the name of the whole ``obj`` (words kept as they were, which the
        reader would take for another formula): read back as that object."""
        sub = Question(self.slug, names={**self.formulas.names, text: obj}, domain=self.formulas.domain, of=self.of)
        printed = sub(obj, name, typed=text)
        self.include(sub)
        return printed

    def point(self, pairs: Sequence[tuple[sp.Basic, Any]], name: str = "the point") -> str:
        r"""``\left(a, b\right)``: a tuple of given numbers (a sample ``(x_i, y_i)``), each entry
        printed from its value and read back on its own, and each a given of the symbol it is paired
        with (``pairs``: (symbol, value)), linked to the solution as :meth:`given` is."""
        entries = []
        for symbol, value in pairs:
            value = sp.sympify(value, strict=True)
            printed = self.formulas(value, f"{name} {symbol}")
            # the entry states ``symbol = value``: its chain for the link to the solution
            self.parts.append((Printed(printed.latex, sp.Eq(symbol, value, evaluate=False), printed.record), True))
            entries.append(printed.latex)
        text = r"\left(" + ", ".join(entries) + r"\right)"
        self.joined.append(text)
        return text

    def include(self, other: "Question") -> None:
        """Adopt the printed parts of ``other`` (a derivation built once and shared, whose reasons
        print through their own :class:`Question`)."""
        self.parts += [p for p in other.parts if all(p[0] is not q for q, _ in self.parts)]
        self.joined += [t for t in other.joined if t not in self.joined]
        self.slips += [p for p in other.slips if all(p is not q for q in self.slips)]


def _chain(obj: Any) -> list[Any]:
    if isinstance(obj, sp.Equality):
        return [obj.lhs, obj.rhs]
    if isinstance(obj, (tuple, list)):
        return list(obj)
    return [obj]


def stated_mathematics(question: str, printed: Sequence[str]) -> list[str]:
    r"""The math fragments of ``question`` that still state mathematics once every ``printed``
    text is taken out of them (longest first): formulas typed beside the objects.

    >>> stated_mathematics(r"Let $y = 2 x$ and $x = 1$ with $\mathbf{f}$.", ["x = 1"])
    ['y = 2 x']
    """
    out = []
    for m in _MATH.finditer(question):
        body = m.group(1)
        for text in sorted(printed, key=len, reverse=True):
            if text:
                body = body.replace(text, _GAP)
        if _STATES.search(body):
            out.append(" ".join(m.group(1).split()))
    return out


def _expanded(expr: Any, definitions: Mapping[Any, Any]) -> sp.Basic:
    expr = sp.sympify(expr, strict=True)
    for _ in range(10):
        new = expr.xreplace(definitions)
        if new == expr:
            break
        expr = new
    return expr


def _link(chain: list[Any], derivations: Sequence[Any], kept: set) -> tuple[bool | None, str]:
    """Whether a stated chain ``s = a (= b ...)`` says what the solution defines ``s`` to be:
    None when no derivation defines ``s``; else (agrees, detail)."""
    from symbolic.core.step_check import check_equal

    head = chain[0]
    for d in derivations:
        if head in d.definitions:
            definitions = {k: v for k, v in d.definitions.items() if k not in kept}
            defined = _expanded(d.definitions[head], definitions)
            for part in chain[1:]:
                stated = _expanded(part, definitions)
                check = check_equal(stated, defined, getattr(d, "domain", None) or None, points=4, seed=11)
                if not check.passed:
                    return False, f"the question states {sp.sstr(head)} = {sp.sstr(part)}; the solution ({d.title}) " \
                                  f"defines it as {sp.sstr(d.definitions[head])}"
            return True, ""
    return None, ""


def question_record(student: str, eid: str, slug: str, topic: str, text: str, question: Question | None,
                    derivations: Sequence[Any]) -> dict:
    """The verification record ``question`` of one exercise (see the module docstring)."""
    base = {"id": f"{student}/{eid}/question", "kind": "readback", "topic": topic,
            "name": f"{student} {eid} {slug}: the question is printed from the objects its solution uses, read back"}
    if question is None:
        return {**base, "method": "none", "max_error": float("inf"), "passed": False,
                "detail": "the question is typed text, not printed through a Question"}
    return {**base, **_verdict(text, question, derivations, "the question")}


def solution_texts(ex: Any) -> list[str]:
    """The words a solution prints beside its checked displays: its prose blocks, the reason of
    every step of its derivations, and the feedback of every typical mistake (which
    ``answers.json`` and ``deepderive check`` print too)."""
    from symbolic.core.derivation import Derivation

    texts = [block for block in ex.solution if isinstance(block, str)]
    texts += [step.reason for block in ex.solution if isinstance(block, Derivation) for step in block.steps]
    return texts + [feedback for feedback, _ in ex.mistakes]


def solution_record(student: str, eid: str, ex: Any) -> dict:
    """The verification record ``prose`` of one exercise: the formulas of the solution's prose, its
    steps' reasons and its mistakes' feedback (:func:`solution_texts`) are the printed parts of
    ``ex.explained`` (a :class:`Question`), each read back against the object the solution checks,
    nothing else in them states mathematics, and every stated ``s = ...`` whose ``s`` a derivation
    of the solution defines says what the solution uses (as for the question). A solution without
    formulas in its words needs no printed parts."""
    text = "\n".join(solution_texts(ex))
    base = {"id": f"{student}/{eid}/prose", "kind": "readback", "topic": ex.topic,
            "name": f"{student} {eid} {ex.slug}: the formulas of the solution's prose, reasons and feedback are "
                    "printed from the objects the solution checks, read back"}
    return {**base, **_verdict(text, ex.explained or Question(ex.slug), ex.derivations(), "the solution's words")}


def _verdict(text: str, question: Question, derivations: Sequence[Any], where: str) -> dict:
    """``method``, ``max_error``, ``passed`` (and ``detail``) of a text printed through ``question``."""
    problems, worst = [], 0.0
    parts = question.parts
    for printed, _ in parts:
        worst = max(worst, float(printed.record["max_error"]))
        if not printed.passed:
            problems.append(f"{printed.record['name']}: {printed.record.get('detail', 'not read back')}")
        if printed.latex not in text:
            problems.append(f"the printed {printed.record['name'].split(': printed ', 1)[-1]} "
                            f"({printed.latex[:80]!r}) is not in {where}")
    for joined in question.joined:
        if joined not in text:
            problems.append(f"the printed tuple {joined[:80]!r} is not in {where}")
    typed = stated_mathematics(text, [p.latex for p, _ in parts] + list(question.joined))
    problems += [f"typed beside its object: ${t[:100]}$" for t in typed]
    kept = {_chain(p.obj)[0] for p, given in parts if given}
    linked = 0
    for printed, given in parts:
        chain = _chain(printed.obj)
        if len(chain) < 2 or any(printed is slip for slip in question.slips):
            continue
        agrees, detail = _link(chain, derivations, kept)
        if agrees is None and given:
            problems.append(f"the given {sp.sstr(chain[0])} is defined by no derivation of the solution")
        elif agrees is False:
            problems.append(detail)
        linked += bool(agrees) and given
    n = len(parts)
    method = f"read back: {n} printed part{'s' if n != 1 else ''}, {linked} given{'s' if linked != 1 else ''} " \
             "linked to the solution"
    out = {"method": method, "max_error": float(worst if not problems else max(worst, 1.0)), "passed": not problems}
    if problems:
        out["detail"] = "; ".join(problems)[:600]
    return out
