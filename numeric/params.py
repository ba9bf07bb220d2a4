"""The ``--params`` JSON format of DESIGN.md, read and written, with validation.

``{"beta_0": [...], "omega_0": [[...], ...], ..., "beta_K": [...], "omega_K": [[...]]}``
with ``beta_k`` of shape (D_{k+1},) and ``omega_k`` of shape (D_{k+1}, D_k).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from symbolic.spec import NetworkSpec

from .files import atomic_write_text, read_json_file

__all__ = ["params_from_json", "params_to_json", "load_params", "save_params"]


def _shape_of(value: Any, name: str, depth: int = 0) -> tuple[int, ...]:
    if isinstance(value, list):
        if depth >= 2:
            raise ValueError(f"params tensor {name} nests lists more than two deep (beta_k is a list of numbers, "
                             f"omega_k a list of rows of numbers)")
        if not value:
            return (0,)
        shapes = {_shape_of(v, name, depth + 1) for v in value}
        if len(shapes) != 1:
            raise ValueError(f"params tensor {name} is ragged (rows of different lengths)")
        return (len(value),) + shapes.pop()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "..."
        raise ValueError(f"params tensor {name} holds a non-number {shown}")
    if not math.isfinite(value):
        raise ValueError(f"params tensor {name} holds a non-finite number {value!r}")
    return ()


def _json_number(text: str) -> float:
    """JSON numbers become float64; one too large for it is refused, naming its size."""
    value = float(text)
    if not math.isfinite(value):
        digits = len(text.lstrip("-").split(".")[0].split("e")[0].split("E")[0])
        shown = text if len(text) <= 24 else f"{text[:12]}... ({digits} digits)"
        raise ValueError(f"the number {shown} is too large for float64 (at most about 1.8e308)")
    return value


def params_from_json(data: Any, spec: NetworkSpec, source: str = "params") -> dict[str, np.ndarray]:
    """Validate a decoded params object against a spec; return float64 arrays by name."""
    if not isinstance(data, dict):
        raise ValueError(f"{source} must be a JSON object of tensors, got {type(data).__name__}")
    shapes = spec.tensor_shapes()
    missing = [n for n in shapes if n not in data]
    if missing:
        raise ValueError(f"{source} is missing tensor {missing[0]} (expected {', '.join(shapes)} for widths "
                         f"{','.join(map(str, spec.widths))})")
    extra = [n for n in data if n not in shapes]
    if extra:
        raise ValueError(f"{source} has unexpected tensor {extra[0]!r} for widths {','.join(map(str, spec.widths))} "
                         f"(expected {', '.join(shapes)})")
    out = {}
    for name, shape in shapes.items():
        got = _shape_of(data[name], name)
        if got != shape:
            raise ValueError(f"{source} tensor {name} has shape {got}, expected {shape} for widths "
                             f"{','.join(map(str, spec.widths))}")
        out[name] = np.asarray(data[name], dtype=np.float64).reshape(shape)
    return out


def load_params(path: str | os.PathLike, spec: NetworkSpec) -> dict[str, np.ndarray]:
    """Read and validate a params JSON file (a regular UTF-8 file of at most
    :data:`symbolic.spec.limits.MAX_INPUT_FILE_BYTES` bytes)."""
    what = "params file"
    data = read_json_file(path, what, nested=" to be a params file (beta_k is a list of numbers, omega_k a list of rows)",
                          parse_int=_json_number, parse_float=_json_number)
    return params_from_json(data, spec, f"{what} {Path(path).name!r}")


def params_to_json(tensors: Mapping[str, Any]) -> dict[str, list]:
    """Arrays or tensors by name -> JSON-ready nested lists (DESIGN.md order kept)."""
    out = {}
    for name, value in tensors.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().double().numpy()
        out[name] = np.asarray(value, dtype=np.float64).tolist()
    return out


def save_params(path: str | os.PathLike, tensors: Mapping[str, Any]) -> None:
    """Write a params JSON file atomically (:func:`numeric.files.atomic_write`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(params_to_json(tensors), indent=1) + "\n")
