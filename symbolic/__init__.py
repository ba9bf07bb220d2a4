"""deepderive's mathematics: the lecture's networks, losses and gradients in SymPy.

Submodules import SymPy; this package namespace loads them lazily so that ``numeric``
can import :mod:`symbolic.spec` (plain Python) without importing SymPy.
"""

from __future__ import annotations

import importlib
from typing import Any

from .spec import ACTIVATIONS, NetworkSpec, parse_widths

_LAZY = {
    "activation": "activations",
    "ReLU": "activations",
    "Indicator": "activations",
    "sig": "activations",
    "latex": "printing",
    "compile_program": "compile",
    "CompiledProgram": "compile",
    "deep_network": "networks",
    "shallow_network": "networks",
    "DeepNetwork": "networks",
    "ShallowNetwork": "networks",
    "lecture_1_3_1": "networks",
    "Derivation": "derivation",
    "register_loss": "user_losses",
    "Likelihood": "likelihood",
    "get_loss": "likelihood",
    "check_equal": "derivation",
    "parameter_count": "counts",
    "shallow_is_deep": "identities",
    "composition_is_deep": "identities",
}

__all__ = ["ACTIVATIONS", "NetworkSpec", "parse_widths", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'symbolic' has no attribute {name!r}")
