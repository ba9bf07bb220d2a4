"""deepderive's numbers: the PyTorch twin of the symbolic networks, its losses and training.

Never imports SymPy (only the plain-Python :mod:`symbolic.spec`). The package namespace
loads its submodules lazily, so that reading a params or data file (:mod:`numeric.params`,
:mod:`numeric.data`) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "DeepNetworkModule": "model",
    "resolve_device": "model",
    "torch_activation": "activations",
    "load_params": "params",
    "params_from_json": "params",
    "params_to_json": "params",
    "save_params": "params",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'numeric' has no attribute {name!r}")
