"""What the checks behind the notes are, in the words the notes use for them.

The notes' front matter (PDF and web) says how the equations were checked; the words must
match the method of each record: *proven* for a symbolic proof, *checked at N points to
50 digits* for a numerical evaluation at random points, *computed exactly* for rational
arithmetic and exact counts, *checked on a grid*, compared *with PyTorch* in floating
point. :func:`evidence_summary` counts the records of each method and says so.

>>> records = [{"kind": "derivation-step", "method": "symbolic"},
...            {"kind": "derivation-step", "method": "numeric (mpmath, 50 digits, 6 points)"},
...            {"kind": "derivation-step", "method": "definition"},
...            {"kind": "bound", "method": "upper bound, checked on a grid of 8001 points"},
...            {"kind": "symbolic-vs-torch", "method": "float64, relative error"}]
>>> print(evidence_summary(records))
Of the 3 derivation steps, 1 is proven symbolically, 1 is checked at 6 random points to 50 digits and 1 is a definition, stated rather than proven. Of the other 2 checks, 1 is checked on a grid and 1 compares with PyTorch in floating point.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["method_class", "evidence_summary"]

#: Method classes in the order the summary names them, with their wording.
WORDS = {
    "proven": "proven symbolically",
    "points": "checked at {points} random points to 50 digits",
    "digits": "evaluated to 30 to 50 digits at given points",
    "exact": "computed exactly (rational arithmetic, exact counts)",
    "grid": "checked on a grid",
    "torch": "compares with PyTorch in floating point",
    "mode": "a maximum checked against the density at sampled values (a mode)",
    "other": "another kind of check",
    "definition": "a definition, stated rather than proven",
}


def method_class(record: dict) -> str:
    """The class of a record's method: one of :data:`WORDS`.

    >>> [method_class({"method": m}) for m in ("symbolic (log rules, confirmed numerically)", "exact count",
    ...  "exact, on a grid", "float64, 200 random inputs", "50 digits, 3 random exact points", "row counts")]
    ['proven', 'exact', 'grid', 'torch', 'points', 'other']
    """
    method = str(record.get("method") or record.get("kind") or "")
    if method == "definition":
        return "definition"
    if "grid" in method:
        return "grid"
    if method.startswith(("symbolic", "expand", "sympy.solve")):
        return "proven"
    if re.search(r"\d+ digits", method) and "points" in method:
        return "points"
    if re.search(r"\d+ digits", method) and "float" not in method:
        return "digits"
    if method.startswith("exact"):
        return "exact"
    if re.search(r"float(32|64)|bitwise", method):
        return "torch"
    if method.startswith("numeric (mode against"):
        return "mode"
    return "other"


def _points(records: list[dict]) -> str:
    counts = sorted({int(m.group(1)) for r in records
                     if (m := re.search(r"(\d+) (?:random )?(?:exact )?points", str(r.get("method") or "")))})
    if not counts:
        return "several"
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"


def _phrase(count: int, cls: str, records: list[dict]) -> str:
    words = WORDS[cls].format(points=_points([r for r in records if method_class(r) == "points"]))
    if cls == "definition":
        verb = "is" if count == 1 else "are"
        words = words if count == 1 else "definitions, stated rather than proven"
        return f"{count} {verb} {words}"
    if cls == "torch":
        return f"{count} {'compares' if count == 1 else 'compare'} with PyTorch in floating point"
    if cls == "mode":
        verb = "is a maximum" if count == 1 else "are maxima"
        return f"{count} {verb} checked against the density at sampled values (modes)"
    if cls == "other":
        kind = "is another kind of check" if count == 1 else "are other checks"
        return f"{count} {kind} ({_join(_other_names([r for r in records if method_class(r) == 'other']))})"
    return f"{count} {'is' if count == 1 else 'are'} {words}"


#: Short names of the methods in the "other" class, by the start of their method text.
_OTHER_NAMES = (("table", "a table's trend"), ("row counts", "log row counts"),
                ("within the stated precision", "an answer within its precision"),
                ("values compared", "the answer and its mistakes told apart"))


def _other_names(records: list[dict]) -> list[str]:
    """What the records of the "other" class are, each kind named once, in the order met."""
    names: list[str] = []
    for r in records:
        method = str(r.get("method") or r.get("kind") or "")
        name = next((n for start, n in _OTHER_NAMES if method.startswith(start)), method)
        if name not in names:
            names.append(name)
    return names


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def evidence_summary(records: list[dict]) -> str:
    """Two sentences: how the derivation steps and how the other checks were checked."""
    steps = [r for r in records if r.get("kind") == "derivation-step"]
    others = [r for r in records if r.get("kind") != "derivation-step"]
    out = []
    for group, head in ((steps, "Of the {n} derivation steps, "), (others, "Of the other {n} checks, ")):
        if not group:
            continue
        counts = Counter(method_class(r) for r in group)
        parts = [_phrase(counts[c], c, group) for c in WORDS if counts[c]]
        if group is others and not steps:
            head = "Of the {n} checks, "
        head = head.replace("steps", "step").replace("checks", "check") if len(group) == 1 else head
        out.append(head.format(n=len(group)) + _join(parts) + ".")
    return " ".join(out)


def steps_words(records: list[dict]) -> str:
    """How the checked steps of one derivation were checked, for the prose beside it:
    ``"proven"`` when SymPy proved every one, else what was done to each.

    >>> steps_words([{"method": "definition"}, {"method": "symbolic"}, {"method": "symbolic"}])
    'proven'
    >>> steps_words([{"method": "numeric (mpmath, 50 digits, 6 points)"}, {"method": "symbolic"}])
    'step by step: 1 step proven symbolically and 1 checked at 6 random points to 50 digits'
    >>> steps_words([{"kind": "derivation-step", "method": "symbolic"},
    ...              {"kind": "readback", "method": "symbolic (printed LaTeX read back)"}])
    'proven'
    """
    checked = [r for r in records if method_class(r) != "definition"
               and r.get("kind", "derivation-step") == "derivation-step"]  # not the read-back of the printed text
    counts = Counter(method_class(r) for r in checked)
    if counts and set(counts) == {"proven"}:
        return "proven"
    words = {"proven": "proven symbolically", "points": f"checked at {_points(checked)} random points to 50 digits"}
    parts = [f"{counts[c]} {words.get(c, WORDS[c])}" for c in WORDS if counts[c]]
    if parts:
        first = parts[0].split(" ", 1)
        parts[0] = f"{first[0]} {'step' if first[0] == '1' else 'steps'} {first[1]}"
    return "step by step: " + _join(parts) if parts else "stated, not checked"
