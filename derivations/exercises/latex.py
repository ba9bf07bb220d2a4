r"""The LaTeX of a student's problem sheet and of the worked solutions.

Solutions print each checked derivation with a ``% check: ID, ...`` line before it (the ids
of ``verification.json``), the answer (tagged with the check that reads it back from the
printed final step), the twin's comparisons and the typical mistakes the checker recognises
(tagged with the checks of their independent computations).
"""

from __future__ import annotations

import math

import sympy as sp

from derivations.checks.evidence import checked_numerically, method_class
from derivations.checks.records import tag_line, tagged, tagged_ids
from symbolic.core.printing import latex

from derivations.exercises.base import Exercise, answer_latex

__all__ = ["sheet_document", "solution_document", "answer_instructions"]

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{bm}
\setlength{\textwidth}{15.5cm}
\setlength{\oddsidemargin}{0.2cm}
\setlength{\evensidemargin}{0.2cm}
\setlength{\textheight}{23cm}
\setlength{\topmargin}{-1.5cm}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\allowdisplaybreaks
\begin{document}
"""


def _escape(text: str) -> str:
    from derivations.tex import escape

    return escape(text)


def answer_instructions(ex: Exercise) -> str:
    """What the sheet says about the form of the answer and the precision it needs."""
    if ex.kind == "integer":
        return "Answer with a whole number."
    if ex.kind == "number":
        return (f"Answer with a number; answers within ${ex.precision:g}$ of the exact value are accepted "
                f"(to {_places(ex.precision)} decimal places, or exactly, e.g. as a fraction).")
    if ex.kind == "vector":
        return (f"Answer with a list $(a, b, \\dots)$; each entry within ${ex.precision:g}$ of the exact value "
                f"(to {_places(ex.precision)} decimal places, or exactly).")
    names = ", ".join(f"${latex(s)}$" for s in ex.variables)
    return (f"Answer with an expression in {names}, in LaTeX or plain text (e.g. "
            r"\texttt{2*(y - f)}, \texttt{exp(-f)}, \texttt{sig(f)}, $\mathrm{ReLU}\left[\dots\right]$).")


def _places(precision: float) -> int:
    """The decimal places an answer within ``precision`` needs: 3 for 0.001, 4 for 0.0001.

    >>> _places(0.001), _places(0.0001), _places(0.5)
    (3, 4, 1)
    """
    return max(1, math.ceil(-math.log10(precision) - 1e-9))


def _header(title: str, student: str, seed: int) -> str:
    """The sheet's title and student; never the seed (with the roster it rebuilds every student's
    numbers and answers: it stays in the lecturer's answers.json)."""
    return (PREAMBLE + f"\\begin{{center}}\\Large {title}\\\\[0.3em]\\large student \\texttt{{{_escape(student)}}}"
            "\\end{center}\n")


def sheet_document(student: str, seed: int, exercises: list[tuple[str, Exercise, list]]) -> str:
    """The problem sheet: every exercise's question and the form of answer it needs."""
    body = [_header("Deep learning: exercises", student, seed),
            "Check an answer with your own self-check file, \\texttt{self-check/"
            f"{_escape(student)}.json}}: \\texttt{{deepderive self-check --key {_escape(student)}.json --exercise EID "
            "--answer '...'}. Hand in your answers as \\texttt{"
            f"{_escape(student)}.txt}}, one line \\texttt{{EID: answer}} per exercise (the template is "
            f"\\texttt{{submissions/{_escape(student)}.txt}})."]
    for eid, ex, _ in exercises:
        body.append(f"\\subsection*{{{eid}: {_escape(ex.title)}}}\n{ex.question}\n\n\\textit{{{answer_instructions(ex)}}}")
    body.append(r"\end{document}")
    return "\n\n".join(body) + "\n"


def _mistake_latex(answer, kind: str) -> str:
    return answer_latex(answer, kind)


def solution_document(student: str, seed: int, exercises: list[tuple[str, Exercise, list]], records: list[dict]) -> str:
    """Worked solutions: checked derivations (with their check ids), answers, twin checks."""
    by_id = {r["id"]: r for r in records}
    body = []
    for eid, ex, blocks in exercises:
        parts = [f"\\subsection*{{{eid}: {_escape(ex.title)}}}", ex.question]
        derivations = iter(blocks)
        for block in ex.solution:
            if isinstance(block, str):
                parts.append(block)
                continue
            ids = next(derivations)
            failed = [i for i in ids if not by_id[i]["passed"]]
            parts.append(tagged(block.to_latex(), [by_id[i] for i in ids]))
            if failed:
                parts.append(r"\textbf{CHECK FAILED:} " + _escape(", ".join(failed)))
        answer = answer_latex(ex.answer, ex.kind)
        if ex.kind in ("number", "vector") and not all(sp.sympify(a).is_Rational for a in
                                                        (ex.answer if isinstance(ex.answer, tuple) else (ex.answer,))):
            answer = rf"{latex(sp.Tuple(*ex.answer) if isinstance(ex.answer, tuple) else ex.answer)} \approx {answer}"
        twin_ids = [r for r in records if r["id"].startswith(f"{student}/{eid}/twin-")]
        key = by_id.get(f"{student}/{eid}/key")
        line = f"\\textbf{{Answer:}} ${answer}$."
        if key is not None:
            line = tag_line([key]) + "\n" + line + ("" if key["passed"] else r" \textbf{KEY CHECK FAILED}")
        parts.append(line)
        if twin_ids:
            worst = max(r["max_error"] for r in twin_ids)
            ok = all(r["passed"] for r in twin_ids)
            parts.append(f"Cross-checked ({len(twin_ids)} comparison{'s' if len(twin_ids) > 1 else ''}, "
                         + ", ".join(_escape(r["name"].split(": ", 1)[1]) for r in twin_ids)
                         + f"): largest relative error ${_sci(worst)}$, "
                         + ("passed." if ok else r"\textbf{FAILED}."))
        if ex.mistakes:
            items = "\n".join(f"\\item ${_mistake_latex(m, ex.kind)}$: {_escape(text)}" for text, m in ex.mistakes)
            checks = [r for r in records if r["id"].startswith((f"{student}/{eid}/mistake-", f"{student}/{eid}/sign-"))]
            failed = [r["id"] for r in checks if not r["passed"]]
            parts.append((tag_line(checks) + "\n" if checks else "")
                         + "Typical mistakes the checker recognises (besides a sign error and a factor of 2):\n"
                         f"\\begin{{itemize}}\\small\n{items}\n\\end{{itemize}}"
                         + (r"\textbf{CHECK FAILED:} " + _escape(", ".join(failed)) if failed else ""))
        body.append("\n\n".join(parts))
    shown = [by_id[i] for i in tagged_ids("\n".join(body))]
    head = [_header("Deep learning: worked solutions", student, seed), evidence_header(shown, records)]
    return "\n\n".join(head + body + [r"\end{document}"]) + "\n"


def evidence_header(shown: list[dict], records: list[dict]) -> str:
    """What the solutions' checks were, counted from the sheet's records: how the displayed
    steps (``shown``: the records behind the displays) were checked, that each answer is its
    solution's printed last step read back, and what each exercise's values were compared with
    (each twin record's ``against``)."""
    steps = [r for r in shown if r.get("kind") == "derivation-step"]
    definitions = sum(method_class(r) == "definition" for r in steps)
    proven = sum(method_class(r) == "proven" for r in steps)
    numeric = checked_numerically(steps)
    text = (f"Of the {len(steps)} displayed steps, {definitions} "
            f"{'is a definition' if definitions == 1 else 'are definitions'} (stated, not proven), {proven} "
            f"{'was' if proven == 1 else 'were'} proven symbolically" + (f" and {numeric}. " if numeric else ". "))
    keys = [r for r in records if r["id"].endswith("/key")]
    read = sum(bool(r["passed"]) for r in keys)
    text += (f"Each of the {read} answers" if read == len(keys) else f"{read} of the {len(keys)} answers") + \
        " is the printed final step of its checked solution, read back. "
    against: dict[str, list[str]] = {}
    for r in records:
        if "/twin-" in r["id"]:
            eid = r["id"].split("/")[1]
            if eid not in against.setdefault(r.get("against", "a second computation"), []):
                against[r.get("against", "a second computation")].append(eid)
    if against:
        text += ("Values of the solutions were also compared in float64 with "
                 + _join([f"{what} ({_eids(eids)})" for what, eids in against.items()])
                 + "; each answer below names its comparisons. ")
    return _escape(text) + ("The line before each display in the LaTeX source names its checks in "
                            "\\texttt{verification.json}.")


def _eids(eids: list[str]) -> str:
    """Exercise ids, runs of three or more joined by an en dash: ``E01--E03, E06, E07``."""
    numbers = [int(e[1:]) for e in eids]
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(", ".join(f"E{n:02d}" for n in r) if len(r) < 3 else f"E{r[0]:02d}--E{r[-1]:02d}" for r in runs)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _sci(value: float) -> str:
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.1e}".split("e")
    return rf"{mantissa}\times 10^{{{int(exponent)}}}"
