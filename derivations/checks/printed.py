r"""Formulas in the prose: printed from the object their checks evaluate, read back, recorded.

A sentence of the notes that states a formula (a caption's ``\mathrm{softplus}[f] - y f``, a
joint ``x = -\theta_{10}/\theta_{11}``) must print the very object the topic checked, and the
printed text must say what that object says. :class:`Formulas` does both for one topic: each
call prints an object with the package's printer (:func:`symbolic.core.printing.latex`) or
takes the book's hand-typed form, reads the text back with the package's own LaTeX reader
(:mod:`symbolic.core.latex_reader`: no ``eval``, ``sympify`` or ``parse_latex``) and proves it
equal to the object (:func:`~symbolic.core.step_check.check_equal`: symbolically, else at
random points to 50 digits). The result prints as its LaTeX inside a template gap
(``@loss``); its read-back is one verification record (kind ``readback``) of the topic.

An equation (``sp.Eq``, or a chain given as a tuple ``(a, b, c)``) prints as ``a = b = c`` and
each part is read back against its own object, so a printed left side is checked too. A part
printed as a decimal (``= -6.1302``, a worked value) must agree with its object to half a unit
of its last printed digit, as in :mod:`symbolic.core.readback`.

>>> import sympy as sp
>>> f, y = sp.symbols("f y", real=True)
>>> formulas = Formulas("demo")
>>> str(formulas(sp.log(1 + sp.exp(f)) - y * f, "a loss", typed=r"\log(1 + e^{f}) - y f"))
'\\log(1 + e^{f}) - y f'
>>> formulas.records[-1]["passed"], formulas.records[-1]["kind"]
(True, 'readback')
>>> _ = formulas(sp.log(1 + sp.exp(f)) - y * f, "a typo", typed=r"\log(1 + e^{f}) + y f")
>>> formulas.records[-1]["passed"]
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import sympy as sp

__all__ = ["Printed", "Formulas"]


@dataclass(frozen=True)
class Printed:
    """One formula as printed (``latex``), the object it states (``obj``) and its read-back
    ``record``; ``str()`` is the LaTeX, so it fills a template gap as it is."""

    latex: str
    obj: Any
    record: dict[str, Any]

    def __str__(self) -> str:
        return self.latex

    @property
    def passed(self) -> bool:
        return bool(self.record["passed"])


def _parts(obj: Any) -> list[Any]:
    """The parts of a printed chain: ``Eq(a, b)`` -> ``[a, b]``, a tuple as it is, else ``[obj]``."""
    if isinstance(obj, sp.Equality):
        return [obj.lhs, obj.rhs]
    if isinstance(obj, (tuple, list)):
        return list(obj)
    return [obj]


def _as_basic(part: Any) -> sp.Basic:
    """A part of a printed chain as a SymPy object (an ``int`` or ``float`` from a computation)."""
    if isinstance(part, sp.Basic):
        return part
    if isinstance(part, int):
        return sp.Integer(part)
    if isinstance(part, float):
        return sp.Float(part)
    raise TypeError(f"a printed formula states a SymPy object or a number, not {type(part).__name__}")


def _check_part(read: Any, part: sp.Basic, domain: dict[Any, Any]):
    """``check_equal(read, part)``; a vector or matrix (a layer's ``h_1 = a[beta_0 + Omega_0 x]``)
    element by element, of the same shape."""
    from symbolic.core.step_check import Check, check_equal

    if not isinstance(part, sp.MatrixBase) and not isinstance(read, sp.MatrixBase):
        return check_equal(read, part, domain=domain)
    if getattr(read, "shape", None) != getattr(part, "shape", None):
        return Check("read back", False, float("inf"))
    checks = [check_equal(a, b, domain=domain) for a, b in zip(read, part)]
    failed = next((c for c in checks if not c.passed), None)
    if failed is not None:
        return failed
    return Check(next((c.method for c in checks if c.method.startswith("numeric")), checks[0].method), True,
                 max(c.max_error for c in checks))


#: What a display row's note may hold: spacing, punctuation and words in ``\\text{..}`` (no braces inside).
_WORDS = re.compile(r"(\\q?quad|\\[,;]|\\text\{[^{}$\\]*\}|\\footnotesize|[\s,.;()])*")


def _words_only(note: str) -> bool:
    r"""True when ``note`` holds no mathematics: ``\quad\text{(the first unit)}``, not ``\quad d = 1``."""
    return _WORDS.fullmatch(note) is not None


class Formulas:
    """The formulas one topic prints in its prose, each read back and recorded.

    ``names`` maps hand-typed LaTeX (``\\mathcal{B}``) to the object it names, for texts the
    printer would not make; ``domain`` is where numeric checks draw their values
    (:func:`~symbolic.core.step_check.check_equal`). ``records`` holds one record per call, in
    order: add them to the topic's records.
    """

    def __init__(self, topic: str, names: Mapping[str, Any] | None = None,
                 domain: Mapping[Any, Any] | None = None):
        self.topic = topic
        self.names = dict(names or {})
        self.domain = dict(domain or {})
        self.records: list[dict[str, Any]] = []

    def __call__(self, obj: Any, name: str, *, typed: str | None = None, also: Sequence[Any] = (),
                 domain: Mapping[Any, Any] | None = None, **settings: Any) -> Printed:
        """Print ``obj`` (``typed``: the book's form, hand-typed) and read it back; ``also``:
        further objects whose symbols the text may name; ``settings`` go to the printer."""
        text, problem, method, worst = self._row(obj, typed, list(also), {**self.domain, **(domain or {})}, settings)
        record = self._record(name, [text], [(problem, method, worst)])
        return Printed(text, obj, record)

    def display(self, rows: Sequence[Any], name: str, *, typed: Sequence[str | None] | None = None,
                notes: Sequence[str] | None = None, also: Sequence[Any] = (),
                domain: Mapping[Any, Any] | None = None, **settings: Any) -> Printed:
        r"""An ``align*`` display, one row per object (an ``Eq`` or a chain tuple prints
        ``a &= b``), every row read back; one record for the display. ``typed[k]`` is row k's
        hand-typed form (None: printed); ``notes[k]`` follows row k unread, so it must be
        words (``\quad\text{..}``) or empty: a note with mathematics outside ``\text`` is refused."""
        typed = list(typed) if typed is not None else [None] * len(rows)
        notes = list(notes) if notes is not None else [""] * len(rows)
        if len(typed) != len(rows) or len(notes) != len(rows):
            raise ValueError(f"{name}: {len(rows)} rows, {len(typed)} typed forms and {len(notes)} notes")
        for note in notes:
            if not _words_only(note):
                raise ValueError(f"{name}: a row's note states mathematics that is not read back: {note!r}")
        domain = {**self.domain, **(domain or {})}
        texts, outcomes = [], []
        for obj, form, note in zip(rows, typed, notes):
            text, problem, method, worst = self._row(obj, form, list(also), domain, settings)
            texts.append(text.replace(" = ", " &= ", 1) + note)
            outcomes.append((problem, method, worst))
        record = self._record(name, texts, outcomes)
        latex_text = "\\begin{align*}\n" + "\\\\\n".join(texts) + "\n\\end{align*}"
        return Printed(latex_text, tuple(rows), record)

    def _row(self, obj: Any, typed: str | None, also: list[Any], domain: dict[Any, Any],
             settings: dict[str, Any]) -> tuple[str, str, str, float]:
        """``(text, problem, method, largest error)`` of one printed chain; ``problem`` is
        empty when every part read back equal."""
        from symbolic.core.latex_reader import Vocabulary, read_chain
        from symbolic.core.printing import latex
        from symbolic.core.readback import _decimal_check  # a printed decimal: to half a unit of its last digit

        parts = _parts(obj)
        text = typed if typed is not None else " = ".join(latex(p, **settings) for p in parts)
        try:
            vocab = Vocabulary.of([p for p in parts if isinstance(p, sp.Basic)] + also, names=self.names)
            segments = read_chain(text, vocab)
        except Exception as exc:  # the reader's failure is a failed record, never a crash of the build
            return text, f"not read back: {type(exc).__name__}: {exc}", "not read back", float("inf")
        if len(segments) != len(parts):
            return text, f"printed {len(segments)} part(s), the object has {len(parts)}", "read back", float("inf")
        methods, worst = [], 0.0
        for k, (segment, part) in enumerate(zip(segments, parts), start=1):
            if segment.value is None or (k > 1 and segment.relation != "="):
                return text, f"part {k} {segment.text!r}: {segment.reason or 'not an equality'}", "not read back", \
                    float("inf")
            check = _decimal_check(segment, _as_basic(part))
            if check is None:
                check = _check_part(segment.value, _as_basic(part), domain)
            if not check.passed:
                return text, f"part {k} reads {segment.value}, the object is {part}", check.method, check.max_error
            methods.append(check.method)
            worst = max(worst, check.max_error)
        lead = next((m for m in methods if m.startswith(("numeric", "printed"))), "symbolic")
        if lead.startswith("printed"):  # the object evaluated to DIGITS digits, against the printed decimals
            from symbolic.spec.tolerances import DIGITS

            lead = f"{DIGITS} digits, {lead}"
        return text, "", lead, worst

    def _record(self, name: str, texts: list[str], outcomes: list[tuple[str, str, float]]) -> dict[str, Any]:
        from derivations.checks.verdicts import record

        failed = [(k, o) for k, o in enumerate(outcomes, start=1) if o[0]]
        worst = max((o[2] for o in outcomes), default=0.0)
        lead = next((o[1] for o in outcomes if o[1].startswith("numeric") or "printed" in o[1]), "symbolic")
        rows = f"{len(texts)} row{'s' if len(texts) != 1 else ''}"
        where = f"{self.topic}: printed {name}"
        if failed:
            k, (problem, method, _) = failed[0]
            out = record(where, "readback", worst, False, f"{method}, read back: {rows}",
                         detail=(f"row {k}: " if len(texts) > 1 else "") + problem, text=texts[k - 1][:300])
        else:
            out = record(where, "readback", worst, True, f"{lead}, read back: {rows}")
        self.records.append(out)
        return out
