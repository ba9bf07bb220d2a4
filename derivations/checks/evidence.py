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
...            {"kind": "symbolic-vs-torch", "method": "float64, relative error"},
...            {"kind": "stability", "method": "float32 vs mpmath 50 digits, relative error"}]
>>> print(evidence_summary(records))
Of the 3 derivation steps, 1 is proven symbolically, 1 is checked at 6 random points to 50 digits and 1 is a definition, stated rather than proven. Of the other 3 checks, 1 is checked on a grid, 1 compares with PyTorch in floating point and 1 compares a floating-point evaluation with 50-digit values.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["method_class", "evidence_summary", "steps_words", "how_checked", "numeric_steps",
           "checked_numerically"]

#: Method classes in the order the summary names them, with their wording.
WORDS = {
    "proven": "proven symbolically",
    "points": "checked at {points} random points to {digits} digits",
    "digits": "evaluated to {digits} digits at given points",
    "exact": "computed exactly (rational arithmetic, exact counts)",
    "grid": "checked on a grid",
    "torch": "compares with PyTorch in floating point",
    "float": "compares a floating-point evaluation with {digits}-digit values",
    "mode": "a maximum checked against the density at sampled values (a mode)",
    "slope": "a one-sided slope beside a kinked maximum checked {offset} from it to {digits} digits "
             "at {points} parameter points",
    "other": "another kind of check",
    "definition": "a definition, stated rather than proven",
}


def method_class(record: dict) -> str:
    """The class of a record's method: one of :data:`WORDS`.

    >>> [method_class({"method": m}) for m in ("symbolic (log rules, confirmed numerically)", "exact count",
    ...  "exact, on a grid", "float64, 200 random inputs", "50 digits, 3 random exact points", "row counts",
    ...  "numeric (slope 1e-30 from the mode, 50 digits, 4 parameter points)", "float32 vs mpmath 50 digits")]
    ['proven', 'exact', 'grid', 'torch', 'points', 'other', 'slope', 'float']
    """
    method = str(record.get("method") or record.get("kind") or "")
    if method == "definition":
        return "definition"
    if "grid" in method:
        return "grid"
    if method.startswith(("symbolic", "expand", "sympy.solve")):
        return "proven"
    if _SLOPE.match(method):
        return "slope"
    if re.search(r"\d+ digits", method) and "points" in method:
        return "points"
    if re.search(r"\d+ digits", method) and "float" not in method:
        return "digits"
    if method.startswith("exact"):
        return "exact"
    if re.search(r"float(32|64) vs mpmath", method):
        return "float"
    if re.search(r"float(32|64)|bitwise", method):
        return "torch"
    if method.startswith("numeric (mode against"):
        return "mode"
    return "other"


#: Where a method's numbers are written: its points (random or parameter points), digits and,
#: for a one-sided slope, the distance from the peak.
_NUMBERS = {"points": re.compile(r"(\d+) (?:random |parameter )?(?:exact )?points"),
            "digits": re.compile(r"(\d+)[ -]digits"), "offset": re.compile(r"slope (\S+) from")}
_SLOPE = re.compile(r"numeric \(slope \S+ from the mode")
_MODE = re.compile(r"numeric \(mode against (.+), (\d+) parameter points\)$")
_MPMATH = re.compile(r"numeric \(mpmath, (\d+) digits, (\d+) points\)$")


def _numbers(records: list[dict], field: str) -> str:
    """The values of one number in the records' methods: ``"6"``, ``"3 to 8"`` or ``"several"``."""
    found = {m.group(1) for r in records if (m := _NUMBERS[field].search(str(r.get("method") or "")))}
    if not found:
        return "several"
    if field == "offset":
        return ", ".join(sorted(found))
    values = sorted(int(v) for v in found)
    return str(values[0]) if len(values) == 1 else f"{values[0]} to {values[-1]}"


def _fill(cls: str, records: list[dict]) -> str:
    """The words of a class, with the numbers its records' methods state."""
    mine = [r for r in records if method_class(r) == cls]
    words = WORDS[cls].format(**{field: _numbers(mine, field) for field in _NUMBERS})
    return words.replace("at 1 random points", "at 1 point")


def _phrase(count: int, cls: str, records: list[dict]) -> str:
    words = _fill(cls, records)
    if cls == "definition":
        verb = "is" if count == 1 else "are"
        words = words if count == 1 else "definitions, stated rather than proven"
        return f"{count} {verb} {words}"
    if cls in ("torch", "float"):
        return f"{count} {words if count == 1 else words.replace('compares', 'compare', 1)}"
    if cls == "mode":
        verb = "is a maximum" if count == 1 else "are maxima"
        return f"{count} {verb} checked against the density at sampled values (modes)"
    if cls == "slope":
        return f"{count} {'is' if count == 1 else 'are'} " + (words if count == 1 else words.replace(
            "a one-sided slope", "one-sided slopes", 1))
    if cls == "other":
        kind = "is another kind of check" if count == 1 else "are other checks"
        return f"{count} {kind} ({_join(_other_names([r for r in records if method_class(r) == 'other']))})"
    return f"{count} {'is' if count == 1 else 'are'} {words}"


def how_checked(method: str) -> str:
    """How a derivation step that SymPy did not prove was checked, in words, from its method:
    what was compared, where, and to how many digits (the method's own numbers).

    >>> how_checked("numeric (mpmath, 50 digits, 6 points)")
    'evaluation at 6 random points to 50 digits'
    >>> how_checked("numeric (mpmath, 50 digits, 1 points)")
    'evaluation at 1 point to 50 digits'
    >>> how_checked("numeric (mode against both outcomes, 6 parameter points)")
    'comparing the density at the maximum with its value at both outcomes, at 6 parameter points'
    >>> how_checked("numeric (slope 1e-30 from the mode, 50 digits, 4 parameter points)")
    'evaluating the slope 1e-30 from a kinked maximum to 50 digits at 4 parameter points'
    """
    if m := _MPMATH.match(method):
        digits, points = m.groups()
        where = "1 point" if points == "1" else f"{points} random points"
        return f"evaluation at {where} to {digits} digits"
    if m := _MODE.match(method):
        return f"comparing the density at the maximum with its value at {m.group(1)}, at {m.group(2)} parameter points"
    if _SLOPE.match(method):
        record = [{"method": method}]
        return (f"evaluating the slope {_numbers(record, 'offset')} from a kinked maximum to "
                f"{_numbers(record, 'digits')} digits at {_numbers(record, 'points')} parameter points")
    return method


def numeric_steps(records: list[dict]) -> str:
    """The derivation steps among ``records`` that were checked but not proven, counted by how
    (:func:`how_checked`; the maxima together, then where each was compared); empty when
    there are none.

    >>> numeric_steps([{"method": "numeric (mpmath, 50 digits, 6 points)"}, {"method": "symbolic"},
    ...                {"method": "numeric (mpmath, 50 digits, 6 points)"}, {"method": "definition"}])
    '2 by evaluation at 6 random points to 50 digits'
    >>> print(numeric_steps([{"method": "numeric (mode against both outcomes, 6 parameter points)"},
    ...                      {"method": "numeric (mode against the 3 outcomes, 6 parameter points)"}]))
    2 maxima by comparing the density there with its value elsewhere (1 against both outcomes at 6 parameter points and 1 against the 3 outcomes at 6 parameter points)
    """
    parts = []
    for cls in WORDS:
        counts = Counter(str(r.get("method")) for r in records if method_class(r) == cls)
        if cls in ("proven", "definition") or not counts:
            continue
        if cls != "mode":
            parts += [f"{n} by {how_checked(method)}" for method, n in counts.items()]
            continue
        where = [(n, m.group(1), m.group(2)) for method, n in counts.items() if (m := _MODE.match(method))]
        total = sum(counts.values())
        listed = _join([f"{'' if len(where) == 1 else f'{n} '}against {what} at {k} parameter points"
                        for n, what, k in where]) if where else "sampled values"
        parts.append(f"{total} {'maximum' if total == 1 else 'maxima'} by comparing the density there with its "
                     f"value elsewhere ({listed})")
    return _join(parts) if parts else ""


def checked_numerically(records: list[dict]) -> str:
    """How many derivation steps among ``records`` were checked but not proven, and how
    (:func:`numeric_steps`); empty when there are none.

    >>> checked_numerically([{"method": "numeric (mpmath, 50 digits, 1 points)"}] * 2 + [{"method": "symbolic"}])
    '2 were checked numerically by evaluation at 1 point to 50 digits'
    >>> checked_numerically([{"method": "numeric (mpmath, 50 digits, 6 points)"},
    ...                      {"method": "numeric (mode against both outcomes, 6 parameter points)"}])
    '2 were checked numerically: 1 by evaluation at 6 random points to 50 digits and 1 maximum by comparing the density there with its value elsewhere (against both outcomes at 6 parameter points)'
    """
    n = sum(method_class(r) not in ("proven", "definition") for r in records)
    if not n:
        return ""
    how = numeric_steps(records)
    head = f"{n} {'was' if n == 1 else 'were'} checked numerically"
    return f"{head} {how.split(' ', 1)[1]}" if how.startswith(f"{n} by ") else f"{head}: {how}"


#: Short names of the methods in the "other" class, by the start of their method text.
_OTHER_NAMES = (("table", "a table's trend"), ("row counts", "log row counts"),
                ("within the stated precision", "an answer within its precision"),
                ("values compared", "the answer and its mistakes told apart"))


#: Methods named by a pattern in them (a table's size, a sample's size vary; the kind does not).
_OTHER_PATTERNS = ((re.compile(r"read back by header"), "tables read back by their headers"),
                   (re.compile(r"within (\d+) standard errors"), r"sampled means within \1 standard errors"),
                   (re.compile(r"^the derived ratios"), "derived factors compared with each other"),
                   (re.compile(r"^read back: \d+ printed parts?"), "exercise questions read back"))


def _other_name(method: str) -> str:
    """The short name of one "other" method.

    >>> _other_name("read back by header: 7 rows, 4 columns"), _other_name("4000 draws, within 4 standard errors")
    ('tables read back by their headers', 'sampled means within 4 standard errors')
    >>> _other_name("read back: 15 printed parts, 11 givens linked to the solution")
    'exercise questions read back'
    """
    for start, name in _OTHER_NAMES:
        if method.startswith(start):
            return name
    for pattern, name in _OTHER_PATTERNS:
        found = pattern.search(method)
        if found:
            return found.expand(name)
    return method


def _other_names(records: list[dict]) -> list[str]:
    """What the records of the "other" class are, each kind named once, in the order met."""
    names: list[str] = []
    for r in records:
        method = str(r.get("method") or r.get("kind") or "")
        name = _other_name(method)
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
    words = {"proven": "proven symbolically"}
    parts = [f"{counts[c]} {words.get(c) or _fill(c, checked)}" for c in WORDS if counts[c]]
    if parts:
        first = parts[0].split(" ", 1)
        parts[0] = f"{first[0]} {'step' if first[0] == '1' else 'steps'} {first[1]}"
    return "step by step: " + _join(parts) if parts else "stated, not checked"
