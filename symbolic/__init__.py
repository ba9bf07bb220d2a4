"""deepderive's mathematics: the lecture's networks, losses and gradients in SymPy.

Submodules import SymPy; this package namespace loads them lazily so that ``numeric``
can import :mod:`symbolic.spec` (plain Python) without importing SymPy.
"""

from __future__ import annotations

import importlib
from typing import Any

from symbolic.spec import ACTIVATIONS, NetworkSpec, parse_widths

_LAZY = {
    "activation": "activations.functions",
    "register_activation": "activations.custom",
    "make_activation": "activations.custom",
    "ReLU": "activations.functions",
    "Indicator": "activations.functions",
    "sig": "activations.functions",
    "latex": "core.printing",
    "compile_program": "core.compile",
    "CompiledProgram": "core.compile",
    "deep_network": "networks.network",
    "shallow_network": "networks.network",
    "DeepNetwork": "networks.network",
    "ShallowNetwork": "networks.network",
    "lecture_1_3_1": "networks.network",
    "Derivation": "core.derivation",
    "register_loss": "losses.custom",
    "Likelihood": "spec.losses",
    "get_loss": "spec.losses",
    "check_equal": "core.derivation",
    "parameter_count": "networks.counts",
    "shallow_is_deep": "networks.identities",
    "composition_is_deep": "networks.identities",
}

__all__ = ["ACTIVATIONS", "NetworkSpec", "parse_widths", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'symbolic' has no attribute {name!r}")
