r"""Tables in the notes: printed from checked values, and read back from the printed LaTeX by header.

A table cell is a claim like any sentence: "regions 64" in the row K = 3 says that the folding
network of three layers has 64 linear regions. :func:`tabular` prints a table from rows whose
cells are checked values (a verification record carrying the ``value`` it checked, or the
object itself); :func:`read_table` then finds the ``tabular`` in the LaTeX that is actually
written (the topic's section, after its template is filled), maps each printed column to its
:class:`Column` by the header it prints, never by position, and compares every cell with the
value its row states: an integer exactly, a decimal to half a unit of its last printed digit,
a formula read back with the package's LaTeX reader (:class:`~derivations.checks.printed.Formulas`)
and proven equal. A column whose header states a formula (``regions $(D + 1)^{K}$``) also has
each cell compared with that formula at the row's values. One ``readback`` record per table.

>>> import sympy as sp
>>> rows = [{"K": 1, "regions": {"name": "1 layer", "passed": True, "value": 4}},
...         {"K": 2, "regions": {"name": "2 layers", "passed": True, "value": 16}}]
>>> K = sp.Symbol("K")
>>> columns = [Column("$K$", "K"), Column("regions $4^{K}$", "regions", formula=4**K, at={K: "K"})]
>>> tex = tabular(columns, rows)
>>> print(tex)
\begin{tabular}{rr}
\toprule
$K$ & regions $4^{K}$ \\
\midrule
1 & 4\\
2 & 16\\
\bottomrule
\end{tabular}
>>> read_table(tex, columns, rows, "demo", "regions table")["passed"]
True
>>> read_table(tex.replace("16", "15"), columns, rows, "demo", "regions table")["detail"]
'row 2, column regions $4^{K}$: printed 15, the row states 16'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping, Sequence

import sympy as sp

__all__ = ["Column", "stated", "tabular", "read_table", "printed_tables"]


@dataclass(frozen=True)
class Column:
    r"""One column: its ``header`` as printed (a tuple prints over several header rows and is read
    back joined by spaces), the row's ``field`` it states, the format of a float (``fmt``, as in
    :func:`format`), its alignment; ``formula``: what the header states each cell is, evaluated
    at the row's fields ``at`` (symbol -> field name, or a fixed number); ``words``: the words a
    formula cell prints after its formula, made from the value (``(twice He)``), checked against
    the formula read back."""

    header: str | tuple[str, ...]
    field: str
    fmt: str = ""
    align: str = "r"
    formula: sp.Basic | None = None
    at: Mapping[Any, Any] = field(default_factory=dict)
    words: Callable[[Any], str] | None = None

    @property
    def lines(self) -> tuple[str, ...]:
        return self.header if isinstance(self.header, tuple) else (self.header,)

    @property
    def name(self) -> str:
        """The header as it is read back: its lines joined by spaces."""
        return " ".join(line.strip() for line in self.lines if line.strip())


def stated(cell: Any) -> Any:
    """The value a cell states: a verification record's ``value`` (the value it checked), else the cell."""
    if isinstance(cell, dict) and "value" in cell:
        return cell["value"]
    return cell


def _print(column: Column, value: Any) -> str:
    from symbolic.core.printing import latex

    if value is None:
        return "--"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, sp.Integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return format(value, column.fmt or "g")
    if isinstance(value, sp.Basic):
        text = f"${latex(value)}$"
        return text + (f" {column.words(value)}" if column.words is not None else "")
    raise TypeError(f"column {column.name!r}: a cell states an int, a float, a SymPy object or words, "
                    f"not {type(value).__name__}")


def tabular(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]]) -> str:
    """The ``tabular`` (booktabs rules) of ``rows``, each cell printed from the value it states
    (:func:`stated`)."""
    depth = max(len(c.lines) for c in columns)
    header = [" & ".join((c.lines + ("",) * depth)[i] for c in columns) + r" \\" for i in range(depth)]
    body = [" & ".join(_print(c, stated(row[c.field])) for c in columns) + r"\\" for row in rows]
    spec = "".join(c.align for c in columns)
    return "\n".join([rf"\begin{{tabular}}{{{spec}}}", r"\toprule", *header, r"\midrule", *body, r"\bottomrule",
                      r"\end{tabular}"])


def _braced(text: str, start: int) -> int:
    """The index after the brace group that opens at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0) if text[i - 1:i] != "\\" else 0
        if depth == 0:
            return i + 1
    raise ValueError("a tabular's column specification does not close")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)&", line)]


def printed_tables(tex: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every ``tabular`` of ``tex`` as ``(headers, rows of cells)``: the header rows (above
    ``\\midrule``) joined column by column with spaces, the body rows split at ``&``."""
    tables = []
    for m in re.finditer(r"\\begin\{tabular\}", tex):
        start = _braced(tex, m.end())
        end = tex.find(r"\end{tabular}", start)
        body = tex[start:end if end >= 0 else len(tex)]
        body = re.sub(r"\\(toprule|bottomrule|hline)\b", "", body)
        head, _, rest = body.partition(r"\midrule")
        lines = lambda part: [ln for ln in (s.strip() for s in re.split(r"\\\\", part)) if ln]  # noqa: E731
        head_rows = [_cells(ln) for ln in lines(head)]
        width = max((len(r) for r in head_rows), default=0)
        headers = [" ".join(r[i].strip() for r in head_rows if i < len(r) and r[i].strip()) for i in range(width)]
        tables.append((headers, [_cells(ln) for ln in lines(rest)]))
    return tables


_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^(-?\d+(?:\.(\d+))?)(?:[eE]([-+]?\d+))?$")


def _plain(cell: str) -> str:
    """A number cell without math delimiters and digit-group spacing (``1\\,\\allowbreak 024``)."""
    return re.sub(r"\$|\\,|\\allowbreak|\{,\}|\s", "", cell)


def _compare(cell: str, value: Any, column: Column, topic: str) -> tuple[str, float, Any]:
    """``(problem, error, value read)`` of one printed cell against the value its row states."""
    from derivations.checks.printed import Formulas

    if value is None:
        return ("" if cell == "--" else f"printed {cell!r}, the row states no value"), 0.0, None
    if isinstance(value, str):
        return ("" if " ".join(cell.split()) == " ".join(value.split()) else f"printed {cell!r}, the row states "
                f"{value!r}"), 0.0, value
    if isinstance(value, (int, sp.Integer)) and not isinstance(value, bool):
        text = _plain(cell)
        if not _INTEGER.match(text):
            return f"printed {cell!r}, not an integer", float("inf"), None
        return ("" if int(text) == int(value) else f"printed {text}, the row states {int(value)}"), \
            float(abs(int(text) - int(value))), int(text)
    if isinstance(value, float):
        m = _DECIMAL.match(_plain(cell))
        if not m:
            return f"printed {cell!r}, not a decimal", float("inf"), None
        try:
            printed = Decimal(_plain(cell))
        except InvalidOperation:
            return f"printed {cell!r}, not a decimal", float("inf"), None
        half = Decimal(5) * Decimal(10) ** (int(m.group(3) or 0) - len(m.group(2) or "") - 1)
        error = abs(Decimal(repr(value)) - printed)
        ok = error <= half * (1 + Decimal("1e-9"))
        return ("" if ok else f"printed {cell}, the row states {value!r} (more than half a unit of the last "
                f"printed digit away)"), float(error), float(printed)
    if isinstance(value, sp.Basic):
        m = re.match(r"^\$(.+?)(?<!\\)\$(.*)$", cell, re.S)
        if not m:
            return f"printed {cell!r}, not a formula in $...$", float("inf"), None
        check = Formulas(topic)(value, column.name, typed=m.group(1))
        if not check.passed:
            return f"printed {m.group(1)!r}: {check.record.get('detail', 'not equal')}", check.record["max_error"], None
        words = m.group(2).strip()
        expected = column.words(value).strip() if column.words is not None else ""
        if " ".join(words.split()) != " ".join(expected.split()):
            return f"printed the words {words!r} after the formula, it states {expected!r}", float("inf"), None
        return "", check.record["max_error"], value
    raise TypeError(f"column {column.name!r}: cannot compare a {type(value).__name__}")


def _header_claim(column: Column, row: Mapping[str, Any], read: Any) -> str:
    """The header's formula at the row's values against the value read from the cell ('' if equal)."""
    if column.formula is None or read is None:
        return ""
    values = {s: stated(row[f]) if isinstance(f, str) else f for s, f in column.at.items()}
    expected = column.formula.xreplace({s: sp.sympify(v, strict=True) for s, v in values.items()}).doit()
    if sp.simplify(expected - read) != 0:
        return f"the header's {column.formula} at {values} is {expected}, the cell {read}"
    return ""


def read_table(tex: str, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], topic: str, name: str,
               **extra: Any) -> dict[str, Any]:
    """The read-back record of the table printed in ``tex`` whose headers are ``columns``': each
    printed column mapped by its header, each cell compared with the value its row states
    (:func:`stated`) and with its header's formula. Fails when no printed table has exactly
    these headers, when a row is missing or added, or when a cell differs."""
    from derivations.checks.verdicts import record

    wanted = {c.name: c for c in columns}
    where = f"{topic}: printed {name}"
    method = f"read back by header: {len(rows)} rows, {len(columns)} columns"
    found = printed_tables(tex)
    match = next(((h, b) for h, b in found if sorted(h) == sorted(wanted)), None)
    if match is None:
        seen = "; ".join(" | ".join(h) for h, _ in found) or "no table"
        return record(where, "readback", float("inf"), False, method,
                      detail=f"no printed table has the headers {' | '.join(wanted)} (printed: {seen})", **extra)
    headers, body = match
    problems, worst = [], 0.0
    if len(body) != len(rows):
        problems.append(f"printed {len(body)} rows, the table has {len(rows)}")
    for k, (cells, row) in enumerate(zip(body, rows), start=1):
        if len(cells) != len(headers):
            problems.append(f"row {k}: printed {len(cells)} cells under {len(headers)} headers")
            continue
        for header, cell in zip(headers, cells):
            column = wanted[header]
            problem, error, read = _compare(cell, stated(row[column.field]), column, topic)
            problem = problem or _header_claim(column, row, read)
            worst = max(worst, error)
            if problem:
                problems.append(f"row {k}, column {header}: {problem}")
    if problems:
        return record(where, "readback", float("inf") if worst == 0 else worst, False, method, detail=problems[0],
                      **extra)
    return record(where, "readback", worst, True, method, **extra)
