r"""No formula typed by hand in what the notes, sheets and figures print: every piece of LaTeX
math in a string literal of ``derivations/topics/``, ``derivations/exercises/``,
``derivations/figures/``, ``derivations/documents/``, ``derivations/commands/`` and
``derivations/lecture.py`` (the slides' words) that states mathematics (a relation, an operator, a fraction, a power)
must come through a gap (``@name``, an f-string field) filled from a printed, read-back
object (:mod:`derivations.checks.printed`, the derivations' own printer), never be typed.

Math that only names notation (``$\boldsymbol\phi$``, ``$D_o$``, ``$y \in \{0, 1\}$``) is
allowed. The fragments typed before this rule are listed in ``typed_math_allowed.json``
(file -> fragments): the list may only shrink. A new typed formula fails; a listed fragment
that is gone fails too, until it is taken off the list, so the list always says what is left.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: The printing side: the topics' words, the exercise sheets, the figures, the documents, the
#: commands' output and the lecture's slide words.
SCANNED = [ROOT / "derivations" / name for name in ("topics", "exercises", "figures", "documents", "commands")]
SCANNED_FILES = [ROOT / "derivations" / "lecture.py"]
ALLOWED = Path(__file__).with_name("typed_math_allowed.json")

#: Math in a template: ``$..$``, ``\[..\]``, ``\(..\)`` and the display environments.
_MATH = re.compile(r"\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<!\\)\$(.+?)(?<!\\)\$|"
                   r"\\begin\{(align\*?|alignat\*?|equation\*?|gather\*?|multline\*?)\}(.+?)\\end\{\4\}", re.S)
#: A gap filled by code: ``@name``, ``@{name}``, an f-string field (replaced by ``@FIELD``).
_GAP = re.compile(r"@\{?[A-Za-z_][A-Za-z0-9_]*\}?")
#: What states mathematics: a relation, an operator between terms, a fraction, root, power,
#: a function of the lecture, a sum or product, an integral, a number with an operator.
_STATES = re.compile(r"=|<|>|\\[lg]eq?\b|\\ne\b|\\approx|\\to\b|(?<=[\w}\])])\s*[-+]\s*(?=[\w\\({\[])|"
                     r"\\frac|\\dfrac|\\tfrac|\\sqrt|\^|\\cdot|\\times|\\sum|\\prod|\\int|\\exp\b|\\log\b|"
                     r"\\max\b|\\min\b|\\operatorname|\\begin\{cases\}|/")


def _text_of(node: ast.AST) -> str | None:
    """A string literal's text; an f-string with each field replaced by a gap."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "@FIELD" for v in node.values)
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def typed_formulas(path: Path) -> list[str]:
    """The math fragments of ``path``'s string literals (docstrings and comments aside) that
    state mathematics once the gaps are taken out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    inner = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in skip or id(node) in inner:
            continue
        text = _text_of(node)
        if not text:
            continue
        for m in _MATH.finditer(text):
            body = next(g for g in (m.group(1), m.group(2), m.group(3), m.group(5)) if g is not None)
            if _STATES.search(_GAP.sub(" ", body)):
                found.append(" ".join(body.split()))
    return found


def _scanned() -> list[Path]:
    return [p for folder in SCANNED for p in sorted(folder.rglob("*.py"))] + SCANNED_FILES


def _all() -> dict[str, list[str]]:
    return {str(p.relative_to(ROOT)): typed_formulas(p) for p in _scanned()}


def test_the_scanner_sees_typed_formulas_and_passes_gaps_and_notation(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('A = r"the loss $\\mathrm{softplus}[f] - y f$ and $\\boldsymbol\\phi$"\n'
                      'B = r"a gap $@loss$ and $y \\in \\{0, 1\\}$"\n'
                      'C = f"$x = {1 + 1}$ and $@{n}$"\n'
                      'D = r"\\[ y = @rhs \\]"\n', encoding="utf-8")
    assert typed_formulas(sample) == ["\\mathrm{softplus}[f] - y f", "x = @FIELD", "y = @rhs"]


def new_entries(allowed: dict, found: dict) -> dict:
    """Per file, what ``found`` holds beyond the ``allowed`` list (repeats counted)."""
    new = {f: sorted((Counter(v) - Counter(allowed.get(f, []))).elements()) for f, v in found.items()}
    return {f: v for f, v in new.items() if v}


def gone_entries(allowed: dict, found: dict) -> dict:
    """Per file, what the ``allowed`` list holds that ``found`` no longer does."""
    return new_entries(found, allowed)


def test_no_new_formula_is_typed_in_the_topics():
    allowed = json.loads(ALLOWED.read_text(encoding="utf-8"))
    new = new_entries(allowed, _all())
    assert not new, ("typed formulas: print them from the checked object "
                     "(derivations.checks.printed.Formulas) and fill a gap: " + json.dumps(new, indent=1))


def test_the_list_of_typed_formulas_only_shrinks():
    allowed = json.loads(ALLOWED.read_text(encoding="utf-8"))
    gone = gone_entries(allowed, _all())
    assert not gone, f"no longer typed, take them off {ALLOWED.name}: " + json.dumps(gone, indent=1)


@pytest.mark.parametrize("path", _scanned(),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_topics_parse(path):
    typed_formulas(path)


if __name__ == "__main__":  # take the fragments no longer typed off the list (it never adds one)
    _old = json.loads(ALLOWED.read_text(encoding="utf-8")) if ALLOWED.exists() else None
    _now = {f: v for f, v in _all().items() if v}
    if _old is not None:
        _now = {f: sorted((Counter(v) & Counter(_old.get(f, []))).elements()) for f, v in _now.items()}
    ALLOWED.write_text(json.dumps({f: v for f, v in _now.items() if v}, indent=1, ensure_ascii=False) + "\n",
                       encoding="utf-8")
