"""Verification records made from what a check measured: the record's one home.

A record is the dict DESIGN.md names, ``name``, ``kind``, ``max_error``, ``passed`` and
``method``, plus any extra fields (``id``, ``detail``). :func:`record` makes one from its
numbers; :func:`compared` from a :class:`~derivations.checks.crosscheck.Comparison`;
:func:`twin_records` from the forward cross-check of a network against its PyTorch twin
(:func:`~derivations.checks.crosscheck.forward_check`); :func:`guarded` runs a check whose
derived program may not compile and makes that a failed check instead of a crash.

>>> record("2 + 2 = 4", "exact", 0, True, "exact integers", id="arithmetic")
{'name': '2 + 2 = 4', 'kind': 'exact', 'max_error': 0.0, 'passed': True, 'method': 'exact integers', 'id': 'arithmetic'}
>>> guarded(lambda: (1e-16, True))
(1e-16, True, {})
>>> def uncompilable():
...     raise ValueError("w is neither an argument nor assigned")
>>> guarded(uncompilable)
(inf, False, {'detail': 'w is neither an argument nor assigned'})
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

__all__ = ["record", "compared", "twin_records", "guarded"]


def record(name: str, kind: str, max_error: float, passed: bool, method: str = "", **extra: Any) -> dict[str, Any]:
    """One verification record (DESIGN.md: ``name``, ``kind``, ``max_error``, ``passed``)."""
    return {"name": name, "kind": kind, "max_error": float(max_error), "passed": bool(passed), "method": method, **extra}


def compared(c: Any, kind: str = "symbolic-vs-torch", method: str = "float64, relative error",
             **extra: Any) -> dict[str, Any]:
    """The record of a comparison ``c`` (a :class:`~derivations.checks.crosscheck.Comparison`):
    its name, its largest relative error and whether that is within its tolerance."""
    return record(c.name, kind, c.max_rel, c.passed, method, **extra)


def twin_records(spec: Any, comparisons: Iterable[Any], method: str = "float64, 200 random inputs"
                 ) -> list[dict[str, Any]]:
    """One record per output of ``forward_check(spec, ...)``: the network compiled from its
    SymPy equations against the PyTorch twin built from the same spec."""
    return [record(f"{spec.describe()}: compiled symbolic {c.name} vs PyTorch twin", "symbolic-vs-torch",
                   c.max_rel, c.passed, method) for c in comparisons]


def guarded(check: Callable[[], tuple[float, bool]]) -> tuple[float, bool, dict[str, str]]:
    """``(largest error, passed, extra fields)`` of ``check()``. A ``ValueError`` (a derived
    program that cannot be compiled) is a failed check: infinite error, the message as ``detail``."""
    try:
        worst, passed = check()
    except ValueError as exc:
        return float("inf"), False, {"detail": str(exc)}
    return worst, passed, {}
