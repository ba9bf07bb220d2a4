"""The layout of DESIGN.md ("Layout"): floors bottom up, no import back up and no import
circle, counting imports made inside functions too; no module of ``symbolic/`` names a
``numeric`` module in a string (the torch side registers its twins onto the registry's
entries instead)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("symbolic", "numeric", "derivations")

#: Floors, bottom up: a module may import its own floor or lower ones, never higher.
FLOORS = [
    ("symbolic.spec",),
    ("symbolic.core",),
    ("symbolic.activations",),
    ("symbolic.networks",),
    ("symbolic.losses", "symbolic.regions"),
    ("symbolic.backprop", "symbolic.training"),
    ("symbolic",),  # the package's own facade (lazy re-exports)
    ("numeric",),
    ("derivations.lecture", "derivations.tex", "derivations.checks", "derivations.figures"),
    ("derivations.exercises",),
    ("derivations.topics",),
    ("derivations.documents",),
    ("derivations.commands",),
    ("derivations.cli", "derivations.__main__", "derivations"),
]


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


MODULES = _modules()


def _floor(module: str) -> int:
    best, floor = -1, None
    for n, prefixes in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, floor = len(prefix), n
    if floor is None:
        raise AssertionError(f"{module} lies on no floor of DESIGN.md's layout")
    return floor


def _resolve(module: str, node: ast.ImportFrom) -> list[str]:
    """The project modules an ``import``/``from ... import`` names (inside functions too)."""
    if node.level:
        package = module.split(".")
        is_package = MODULES[module].name == "__init__.py"
        base = package if is_package else package[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    names = [f"{target}.{a.name}" for a in node.names]
    found = [n for n in names if n in MODULES]  # from package import module
    if target in MODULES:
        found.append(target)
    return found


def _imports(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            out.update(_resolve(module, node))
    out.discard(module)
    return out


GRAPH = {m: _imports(m) for m in MODULES}


def test_every_module_lies_on_a_floor():
    for module in MODULES:
        _floor(module)


def test_no_import_runs_back_up():
    up = [f"{m} (floor {_floor(m)}) imports {t} (floor {_floor(t)})" for m, targets in GRAPH.items()
          for t in sorted(targets) if _floor(t) > _floor(m) and not t.startswith(m + ".")]
    assert not up, "\n".join(up)


def test_no_import_circle():
    """Tarjan's strongly connected components over the whole graph, function-local imports included
    (a package's ``__init__`` importing its own modules is not a circle)."""
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in GRAPH.items()}
    index, low, stack, on, circles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not circles, circles


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes (prose may name any module; no code runs them)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                out.add(id(first.value))
    return out


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("symbolic")))
def test_symbolic_names_no_numeric_module_in_a_string(module):
    """Every string constant but a docstring: a name such as ``"numeric.loss_twins:normal"``
    resolved at run time would be an import back up in disguise."""
    tree = ast.parse(MODULES[module].read_text())
    docs = _docstrings(tree)
    named = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and id(n) not in docs and any(f"numeric{c}" in n.value for c in ".:/")]
    assert not named, named
