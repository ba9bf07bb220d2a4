r"""No formula typed by hand in what a derivation of ``symbolic/`` prints beside its sides: the
reasons (and the titles and lesson texts printed with them) and the hand-typed left- and
right-hand sides (``lhs_latex``/``rhs_latex``).

A reason that states mathematics carries it as objects (:class:`symbolic.core.reason.Reason`:
a template whose ``@name`` gaps are filled from SymPy objects by the package's printer, read
back and, for a stated fact, proven by :meth:`Derivation.check`). A side is printed from its
object, or its typed text is read back against the object it stands for.

The scan finds, in every string literal of ``symbolic/`` (docstrings aside):

- **text**: ``$...$`` math that states mathematics once the gaps (``@name``, f-string fields)
  are taken out (the rule of ``tests/derivations/test_typed_math.py``);
- **lhs_latex / rhs_latex**: typed LaTeX handed to a step as a side (directly, or through a
  name bound to a string) that states mathematics or writes a fraction, a derivative, a
  braced index or power.

What was typed before this rule is listed in ``typed_reasons_allowed.json`` (file ->
fragments): the list only shrinks. A new fragment fails; a listed one that is gone fails too,
until it is taken off the list (``python tests/symbolic/test_typed_reasons.py`` takes the gone
ones off; it never adds one).
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

from tests.derivations.test_typed_math import _GAP, _MATH, _STATES, _docstrings, _text_of, gone_entries, new_entries

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ROOT / "symbolic"
ALLOWED = Path(__file__).with_name("typed_reasons_allowed.json")
#: The sides a step takes as typed LaTeX.
_SIDES = ("lhs_latex", "rhs_latex")
#: Typed LaTeX of a side that is more than a name: math stated, or a fraction, derivative,
#: sum, braced index or power.
_SIDE_MATH = re.compile(_STATES.pattern + r"|\\partial|\^\{|_\{|\\int")


def _patterns(tree: ast.AST) -> set[int]:
    """String literals of regular expressions (``re.compile(...)``): their ``$`` is no math."""
    return {id(sub) for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "compile" for sub in ast.walk(node)}


def _strings(node: ast.AST, bound: dict[str, list[ast.AST]]) -> list[str]:
    """The string literals an expression is built from (names looked up in ``bound``)."""
    out = []
    inner = {id(v) for sub in ast.walk(node) if isinstance(sub, ast.JoinedStr) for v in sub.values}
    for sub in ast.walk(node):
        text = None if id(sub) in inner else _text_of(sub)
        if text is not None:
            out.append(text)
        elif isinstance(sub, ast.Name):
            for value in bound.get(sub.id, ()):
                out += _strings(value, {})
    return out


def _bindings(tree: ast.AST, module_level: bool = False) -> dict[str, list[ast.AST]]:
    bound: dict[str, list[ast.AST]] = {}
    for node in (tree.body if module_level else ast.walk(tree)):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(node.value)
    return bound


def _side_values(tree: ast.AST) -> list[ast.AST]:
    """Expressions handed to a step as a typed side: ``lhs_latex=...`` anywhere, ``"lhs_latex": ...``."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in _SIDES:
            out.append(node.value)
        elif isinstance(node, ast.Dict):
            out += [v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value in _SIDES]
    return out


def _names_in(values: list[ast.AST]) -> set[str]:
    return {n.id for value in values for n in ast.walk(value) if isinstance(n, ast.Name)}


def _side_names() -> set[str]:
    """Module constants (upper case) handed as a typed side anywhere in ``symbolic/`` (one
    module's constant imported by another)."""
    names = set()
    for path in sorted(SCANNED.rglob("*.py")):
        names |= _names_in(_side_values(ast.parse(path.read_text(encoding="utf-8"))))
    return {n for n in names if n.lstrip("_").isupper()}


def typed_fragments(path: Path, side_names: set[str] | None = None) -> list[str]:
    """The typed math of ``path``: ``$...$`` fragments that state mathematics, and typed sides
    (``lhs_latex: ...``), in the order found."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree) | _patterns(tree)
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
    values = _side_values(tree)
    bound = {k: v for k, v in _bindings(tree).items() if k in _names_in(values)}
    module = _bindings(tree, module_level=True)
    # a module constant handed as a side by another module
    values += [v for name in sorted((side_names or set()) & set(module)) for v in module[name]]
    seen = set()
    for value in values:
        for text in _strings(value, bound):
            key = " ".join(text.split())
            if key in seen or not _SIDE_MATH.search(_GAP.sub(" ", text)):
                continue
            seen.add(key)
            found.append("side: " + key)
    return found


def _all() -> dict[str, list[str]]:
    names = _side_names()
    return {str(p.relative_to(ROOT)): typed_fragments(p, names) for p in sorted(SCANNED.rglob("*.py"))}


def test_the_scanner_sees_typed_reasons_and_sides(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('import re\nPATTERN = re.compile(r"^(\\d)$|\\$(.+?)\\$")\nNAME = r"\\frac{\\partial L}{\\partial \\phi_0}"\n'
                      'd.add(x, r"since $\\sigma\'(z) = \\sigma(z)(1 - \\sigma(z))$", lhs=g, lhs_latex=NAME)\n'
                      'd.add(x, Reason(r"since $@fact$ for $\\sigma$", fact=f), lhs_latex=r"\\ell_i")\n'
                      'd.add(x, r"the notation $\\boldsymbol\\phi$", rhs_latex=r"x^{2} + 1")\n', encoding="utf-8")
    assert typed_fragments(sample) == ["\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))",
                                       "side: \\frac{\\partial L}{\\partial \\phi_0}", "side: x^{2} + 1"]


def test_no_new_formula_is_typed_in_a_reason_or_side():
    allowed = json.loads(ALLOWED.read_text(encoding="utf-8"))
    new = new_entries(allowed, _all())
    assert not new, ("typed math in a reason or side: fill a gap of a symbolic.core.reason.Reason from the "
                     "object (or print the side from its object): " + json.dumps(new, indent=1))


def test_the_list_of_typed_reasons_only_shrinks():
    allowed = json.loads(ALLOWED.read_text(encoding="utf-8"))
    gone = gone_entries(allowed, _all())
    assert not gone, f"no longer typed, take them off {ALLOWED.name}: " + json.dumps(gone, indent=1)


if __name__ == "__main__":  # take the fragments no longer typed off the list (it never adds one)
    import sys

    _old = json.loads(ALLOWED.read_text(encoding="utf-8")) if ALLOWED.exists() else None
    _now = {f: v for f, v in _all().items() if v}
    if _old is not None:
        _now = {f: sorted((Counter(v) & Counter(_old.get(f, []))).elements()) for f, v in _now.items()}
    elif "--first" not in sys.argv:
        raise SystemExit(f"{ALLOWED.name} is missing; --first writes it from the scan")
    ALLOWED.write_text(json.dumps({f: v for f, v in _now.items() if v}, indent=1, ensure_ascii=False) + "\n",
                       encoding="utf-8")
