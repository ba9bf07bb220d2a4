r"""A derivation is data: ordered equality steps, each with a one-line reason and a check.

This module is the data model (:class:`Step`, :class:`Derivation`, its LaTeX/text printing
and its verification records); checking one step is :mod:`symbolic.core.step_check`.

Every step states ``lhs = rhs``. A step without its own ``lhs`` continues the chain of the
step before (printed as ``&= rhs``) and is checked against the previous right-hand side. A
step with a new ``lhs`` is checked as ``lhs = rhs`` after expanding the derivation's
``definitions`` (for example, ``L`` defined as a product over samples).

Each step is checked by :func:`symbolic.core.step_check.check_equal`: symbolic where SymPy can
prove the difference is zero (``expand``, targeted rewrites, ``simplify`` on small
expressions); otherwise numeric, by evaluating both sides with mpmath at 50 significant
digits at random points of the step's domain. The method and the largest error seen are
recorded on the step. The printed LaTeX of every step is then read back and proven equal to
the objects checked (:mod:`symbolic.core.readback`): one more record per derivation. Where the
printer writes a subexpression in the book's form (the normal density, ``log y!``:
:mod:`symbolic.core.book_forms`), that form is proven equal to SymPy's: one more record. A
step that continues the chain and prints the line above it again is merged into that line,
reasons joined; two printed lines that are still the same fail the check.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> d = Derivation("square of a sum")
>>> d.add((x + 1) ** 2, "definition", lhs=sp.Symbol("q"), check=False)
>>> d.add(x**2 + 2 * x + 1, "expand the square")
>>> d.check().passed
True
>>> print(d.to_latex())
\begin{align*}
q &= \left(x + 1\right)^{2} && \text{definition}\\
&= x^{2} + 2 x + 1 && \text{expand the square}
\end{align*}
>>> d.add(x**2 + 1, "a deliberately wrong step")
>>> d.check().passed
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from symbolic.core.book_forms import BookForm, book_forms
from symbolic.core.printing import display_width, latex, latex_lines, typeset_width, upright
from symbolic.core.readback import read_back, readback_record
# The step checker lives in its own module; its names stay importable from here.
from symbolic.core.step_check import NUMERIC_TOLERANCE, Cases, Check, _DIGITS, _unfold, check_equal  # noqa: F401

__all__ = ["Cases", "Check", "Step", "Derivation", "DerivationCheck", "check_equal"]


@dataclass
class Step:
    """One equality ``lhs = rhs`` with its reason; ``lhs`` None continues the chain."""

    rhs: sp.Expr
    reason: str
    lhs: sp.Expr | None = None
    checked: bool = True
    domain: Mapping[sp.Symbol, Any] | None = None
    check: Check | None = None
    lhs_latex: str | None = None
    rhs_latex: str | None = None
    rename: Mapping[sp.Basic, sp.Expr] | None = None
    verify: Any = None  # a callable () -> Check for a claim check_equal cannot test (an integral, a maximum)
    # A hand-typed side declared a name (notation), not a formula to read back; lhs_name None: a
    # hand-typed lhs of a bare symbol is a name when it does not read back as that symbol.
    lhs_name: bool | None = None
    rhs_name: bool = False
    readback: Any = None  # the read-back of the printed sides (symbolic.core.readback.ReadBack), set by check()


@dataclass
class Derivation:
    """An ordered list of checked equality steps; prints as LaTeX ``align*`` or text."""

    title: str
    steps: list[Step] = field(default_factory=list)
    definitions: dict[sp.Basic, sp.Expr] = field(default_factory=dict)
    domain: dict[sp.Symbol, Any] = field(default_factory=dict)
    layout: str = "row"  # where reasons go in LaTeX: decided per "row" or per "block"
    # the book's forms printed in place of SymPy's (symbolic.core.book_forms), each proven equal; set by check()
    book: list[tuple[BookForm, Check]] | None = field(default=None, repr=False)
    # step numbers of consecutive printed lines that are identical (:meth:`repeated_lines`); set by check()
    repeats: list[tuple[int, int]] | None = field(default=None, repr=False)

    def add(
        self,
        rhs: sp.Expr,
        reason: str,
        lhs: sp.Expr | None = None,
        check: bool = True,
        domain: Mapping[sp.Symbol, Any] | None = None,
        lhs_latex: str | None = None,
        rhs_latex: str | None = None,
        rename: Mapping[sp.Basic, sp.Expr] | None = None,
        verify: Any = None,
        lhs_name: bool | None = None,
        rhs_name: bool = False,
    ) -> None:
        """Append a step; ``check=False`` marks a definition (recorded, not proven).

        ``rename`` maps symbols of the previous step to this step's (a change of notation):
        the step is checked as ``previous.xreplace(rename) == rhs``. ``lhs_name``/``rhs_name``
        declare a hand-typed side a name (notation), not a formula to read back
        (:mod:`symbolic.core.readback`).
        """
        if lhs is None and not self.steps:
            raise ValueError("the first step of a derivation needs a left-hand side (lhs=...)")
        self.steps.append(Step(sp.sympify(rhs), reason, None if lhs is None else sp.sympify(lhs), check,
                               domain, lhs_latex=lhs_latex, rhs_latex=rhs_latex, rename=rename, verify=verify,
                               lhs_name=lhs_name, rhs_name=rhs_name))

    def _expand(self, expr: sp.Expr) -> sp.Expr:
        for _ in range(10):
            new = expr.xreplace(self.definitions) if self.definitions else expr
            if new == expr:
                break
            expr = new
        return expr

    def check(self, symbolic: bool = True) -> "DerivationCheck":
        """Check every step; results are stored on the steps and summarised.

        ``symbolic=False`` skips the proofs: every step is evaluated numerically (mpmath), an
        independent second witness for steps SymPy proves.
        """
        previous_rhs = None
        for i, step in enumerate(self.steps):
            domain = {**self.domain, **(step.domain or {})}
            try:
                if not step.checked:
                    step.check = Check("definition", True, 0.0)
                elif step.verify is not None:
                    step.check = step.verify()
                elif step.lhs is None:
                    before = previous_rhs.xreplace(step.rename) if step.rename else previous_rhs
                    step.check = check_equal(self._expand(before), self._expand(step.rhs), domain, seed=i,
                                             symbolic=symbolic)
                else:
                    step.check = check_equal(self._expand(step.lhs), self._expand(step.rhs), domain, seed=i,
                                             symbolic=symbolic)
            except Exception as exc:  # name the step whose check broke (the CLI prints it as the failed check)
                exc.add_note(f"{self.title}, step {i + 1}: {_short(step.reason, 100)}")
                raise
            previous_rhs = step.rhs
        for step, readback in zip(self.steps, read_back(self, symbolic=symbolic)):
            step.readback = readback
        self.book = self._book_checks(symbolic)
        self.repeats = self.repeated_lines()
        return DerivationCheck(self)

    @property
    def passed(self) -> bool:
        """Every step checked and passed, its printed LaTeX read back (when it was), and (when
        checked) every book's form proven equal to SymPy's and no printed line the same as the
        line above."""
        return (all(s.check is not None and s.check.passed and (s.readback is None or s.readback.passed)
                    for s in self.steps)
                and all(c.passed for _, c in self.book or ()) and not self.repeats)

    def book_forms(self) -> list[BookForm]:
        """The subexpressions the printer writes in the book's form (the normal density, ``log
        y!``: :mod:`symbolic.core.book_forms`) in the sides it prints (not the hand-typed ones)."""
        found: dict[sp.Basic, BookForm] = {}
        for step in self.steps:
            for obj, typed in ((step.lhs, step.lhs_latex), (step.rhs, step.rhs_latex)):
                if obj is not None and not typed:
                    found.update((f.canonical, f) for f in book_forms(obj) if f.canonical not in found)
        return list(found.values())

    def _book_checks(self, symbolic: bool = True) -> list[tuple[BookForm, Check]]:
        domain = {k: v for step in self.steps for k, v in (step.domain or {}).items()} | self.domain
        return [(form, form.check(domain, symbolic)) for form in self.book_forms()]

    # ----- printing ------------------------------------------------------------------
    def to_latex(self, environment: str = "align*", inline_width: int = 150, wrap_width: int = 66,
                 reason_width: int | None = 94) -> str:
        """LaTeX ``align*``: one row per step, its reason as ``\\text{}`` on the right, or on
        a line of its own below the step when the row would be too wide for the page
        (estimated from the LaTeX source length, ``inline_width``). With ``layout="block"``
        the choice is made once for the whole block (align* lines the reasons up after its
        widest row, so one wide row pushes every inline reason off the page).

        Every right-hand side starts after the widest left-hand side (align*'s first column),
        so long sums wrap at ``wrap_width`` less that width; a reason on its own line that
        would run past the page (``reason_width`` footnote-size characters per line, less the
        left column) continues on further lines (``None``: never split, e.g. for a caller that
        sets reasons in a box of its own)."""
        cells = []
        rows = self.printed_rows(wrap_width)
        repeated = {later for _, later in self._repeats(rows)}
        left_width = round(max((typeset_width(left) for left, _, _ in rows), default=0))
        for k, (left, rhs, numbers) in enumerate(rows):
            steps = [self.steps[n] for n in numbers]
            mark = ""
            if any(step.check is not None and not step.check.passed for step in steps):
                mark = r"\quad\textbf{(CHECK FAILED)}"
            elif any(step.readback is not None and not step.readback.passed for step in steps):
                mark = r"\quad\textbf{(READ-BACK FAILED)}"
            elif k in repeated:
                mark = r"\quad\textbf{(REPEATS THE LINE ABOVE)}"
            reasons = list(dict.fromkeys(_tex_text(upright(step.reason, text=True)) for step in steps))
            cells.append((left, rhs, "; ".join(reasons), mark))
        widest = max((len(left) for left, _, _, _ in cells), default=0) + max(
            (len(rhs) for _, rhs, _, _ in cells), default=0)
        block_inline = all(widest + 2 * len(reason) <= inline_width for _, _, reason, _ in cells)
        if any("\\qquad" in r for _, r, _, _ in cells):
            # A wrapped step is wide; align* would push every inline reason past it.
            inlines = [False] * len(cells)
        elif self.layout == "block":
            inlines = [block_inline] * len(cells)
        else:
            inlines = [len(left) + len(rhs) + 2 * len(reason) <= inline_width for left, rhs, reason, _ in cells]
            if not all(inlines):  # a reason on a line of its own widens the column every inline reason follows
                inlines = [False] * len(cells)
        rows = []
        for (left, rhs, reason, mark), inline in zip(cells, inlines):
            if inline:
                rows.append(f"{left}{' ' if left else ''}&= {rhs} && \\text{{{reason}}}{mark}")
            else:
                budget = None if reason_width is None else max(40, reason_width - (9 * left_width) // 5)
                lines = [f"({reason})"] if budget is None else wrap_text(f"({reason})", budget)
                reasons = [f"&\\qquad\\text{{\\footnotesize{lines[0]}}}"]  # further lines indented a little
                reasons += [f"&\\qquad\\quad\\text{{\\footnotesize {line}}}" for line in lines[1:]]
                rows.append(f"{left}{' ' if left else ''}&= {rhs}{mark}\\\\\n" + "\\\\\n".join(reasons))
        return f"\\begin{{{environment}}}\n" + "\\\\\n".join(rows) + f"\n\\end{{{environment}}}"

    def printed_rows(self, wrap_width: int = 66) -> list[tuple[str, str, list[int]]]:
        r"""The rows :meth:`to_latex` prints: ``(left, rhs, step indices)``. A step that continues
        the chain and prints the same right-hand side as the row above (``\log y!`` for both
        ``log(y!)`` and ``loggamma(y + 1)``) is merged into that row, its reason joined to the
        row's: no line repeats the line above it.

        >>> x = sp.Symbol("x", real=True)
        >>> d = Derivation("t")
        >>> d.add(x + 1, "definition", lhs=sp.Symbol("q"), check=False)
        >>> d.add(1 + x, "the same")
        >>> d.printed_rows()
        [('q', 'x + 1', [0, 1])]
        """
        rows: list[tuple[str, str, list[int]]] = []
        for k, (left, rhs) in enumerate(self.printed_cells(wrap_width)):
            if rows and not left and rhs == rows[-1][1]:
                rows[-1][2].append(k)
            else:
                rows.append((left, rhs, [k]))
        return rows

    def repeated_lines(self) -> list[tuple[int, int]]:
        """Step numbers ``(earlier, later)`` of consecutive printed lines that are identical
        (``lhs = rhs`` printed twice, e.g. one definition added twice): a check fails on them."""
        rows = self.printed_rows()
        return [(rows[a][2][-1] + 1, rows[b][2][0] + 1) for a, b in self._repeats(rows)]

    @staticmethod
    def _repeats(rows: list[tuple[str, str, list[int]]]) -> list[tuple[int, int]]:
        return [(k - 1, k) for k in range(1, len(rows)) if rows[k][:2] == rows[k - 1][:2]]

    def printed_cells(self, wrap_width: int = 66) -> list[tuple[str, str]]:
        r"""The two printed cells of every step, exactly as :meth:`to_latex` typesets them with
        this ``wrap_width``: the left-hand side (``""`` when the step continues the chain) and
        the right-hand side (a long sum on several lines joined by ``\\`` and ``&\qquad``).

        >>> x = sp.Symbol("x", real=True)
        >>> d = Derivation("t")
        >>> d.add(x + 1, "definition", lhs=sp.Symbol("q"), check=False)
        >>> d.add(1 + x, "the same", rhs_latex="1 + x")
        >>> d.printed_cells()
        [('q', 'x + 1'), ('', '1 + x')]
        """
        lefts = ["" if step.lhs is None else (upright(step.lhs_latex) if step.lhs_latex else latex(step.lhs))
                 for step in self.steps]
        left_width = round(max((typeset_width(left) for left in lefts), default=0))
        cells = []
        for step, left in zip(self.steps, lefts):
            if step.rhs_latex:
                rhs = upright(step.rhs_latex)
            else:  # long sums continue on further lines, indented under the '='
                rhs = "\\\\\n&\\qquad ".join(latex_lines(step.rhs, max(30, wrap_width - left_width)))
            cells.append((left, rhs))
        return cells

    def to_text(self) -> str:
        lines = [self.title]
        for step in self.steps:
            left = "" if step.lhs is None else sp.sstr(step.lhs)
            status = ""
            if step.check is not None:
                status = f"  [{'ok' if step.check.passed else 'FAILED'}: {step.check.method}]"
            lines.append(f"  {left:>12} = {sp.sstr(step.rhs)}    ({step.reason}){status}")
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.to_latex("aligned") + "$"

    def records(self) -> list[dict[str, Any]]:
        """Verification records (DESIGN.md: name, kind, max_error, passed) for every step, one
        for the read-back of the printed LaTeX (:func:`symbolic.core.readback.readback_record`;
        it fails, too, where a printed line repeats the line above), and one for the book's
        forms printed in place of SymPy's, where there are any (kind ``book-form``)."""
        out = []
        previous_rhs = None
        for i, step in enumerate(self.steps, start=1):
            c = step.check or Check("unchecked", False, float("inf"))
            entry = {
                "name": f"{self.title}: step {i} ({step.reason})",
                "kind": "derivation-step",
                "method": c.method,
                "max_error": c.max_error,
                "passed": c.passed,
            }
            if not c.passed:  # what was compared, so that a reader can see the failure
                expected = step.lhs if step.lhs is not None else previous_rhs
                entry.update(expected=_short(expected), got=_short(step.rhs), detail=c.detail)
            out.append(entry)
            previous_rhs = step.rhs
        if any(step.readback is None for step in self.steps):  # steps checked one by one, not by check()
            for step, readback in zip(self.steps, read_back(self)):
                step.readback = readback
        if self.book is None:
            self.book = self._book_checks()
        if self.repeats is None:
            self.repeats = self.repeated_lines()
        readback = readback_record(self)
        if readback is not None and self.repeats:  # the printed text repeats itself: its record fails
            readback.update(passed=False, detail="; ".join(
                [f"FAILED step {b} prints the line of step {a} again" for a, b in self.repeats]
                + ([readback["detail"]] if readback.get("detail") else []))[:2000])
        return out + ([readback] if readback is not None else []) + self._book_record()

    def _book_record(self) -> list[dict[str, Any]]:
        """One record for the book's forms printed in place of SymPy's (none when there are none)."""
        if not self.book:
            return []
        checks = [c for _, c in self.book]
        numeric = [c.method for c in checks if c.method.startswith("numeric")]
        forms = "; ".join(f"{form.name}: {_short(form.book, 120)} = {_short(form.canonical, 120)}"
                          + ("" if c.passed else f" FAILED ({c.detail})") for form, c in self.book)
        counted = f"{len(checks)} form{'s' if len(checks) != 1 else ''}"
        return [{"name": f"{self.title}: printed in the book's form", "kind": "book-form",
                 "method": numeric[0] if numeric else "symbolic",
                 "max_error": max(c.max_error for c in checks), "passed": all(c.passed for c in checks),
                 "detail": f"{counted} proven equal to SymPy's: {forms}"[:2000]}]


def _short(expr: Any, limit: int = 300) -> str:
    text = sp.sstr(expr)
    return text if len(text) <= limit else text[:limit] + "..."


def wrap_text(text: str, width: int) -> list[str]:
    r"""Text with ``$...$`` math cut at spaces outside the math into lines of at most
    ``width`` characters (math counted by :func:`display_width`; one word longer than the
    line stays whole).

    >>> wrap_text("(the loss is $\\sum_i l_i$ over the samples)", 18)
    ['(the loss is $\\sum_i l_i$', 'over the samples)']
    """
    words, current, in_math = [], "", False
    for ch in text:  # split at spaces outside math
        if ch == "$":
            in_math = not in_math
        if ch == " " and not in_math:
            words.append(current)
            current = ""
        else:
            current += ch
    words.append(current)

    def width_of(chunk: str) -> int:
        parts = chunk.split("$")
        return sum(len(p) if k % 2 == 0 else display_width(p) for k, p in enumerate(parts))

    lines: list[str] = []
    for word in words:
        if lines and width_of(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return [line for line in lines if line]


def _tex_text(text: str) -> str:
    if "$" in text:  # the reason carries its own inline math
        return text
    for ch in "&%#_":
        text = text.replace(ch, "\\" + ch)
    return text


@dataclass
class DerivationCheck:
    derivation: Derivation

    @property
    def passed(self) -> bool:
        return self.derivation.passed

    @property
    def failures(self) -> list[Step]:
        """The steps whose check, or whose printed LaTeX's read-back, failed."""
        return [s for s in self.derivation.steps if (s.check is not None and not s.check.passed)
                or (s.readback is not None and not s.readback.passed)]
