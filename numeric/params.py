"""The ``--params`` JSON format of DESIGN.md, read and written, with validation.

``{"beta_0": [...], "omega_0": [[...], ...], ..., "beta_K": [...], "omega_K": [[...]]}``
with ``beta_k`` of shape (D_{k+1},) and ``omega_k`` of shape (D_{k+1}, D_k).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from symbolic.spec import NetworkSpec

__all__ = ["params_from_json", "params_to_json", "load_params", "save_params"]


def _shape_of(value: Any, name: str) -> tuple[int, ...]:
    if isinstance(value, list):
        if not value:
            return (0,)
        shapes = {_shape_of(v, name) for v in value}
        if len(shapes) != 1:
            raise ValueError(f"params tensor {name} is ragged (rows of different lengths)")
        return (len(value),) + shapes.pop()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"params tensor {name} holds a non-number {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"params tensor {name} holds a non-finite number {value!r}")
    return ()


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
    """Read and validate a params JSON file."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ValueError(f"params file {str(path)!r} not found") from None
    except OSError as exc:
        raise ValueError(f"cannot read params file {str(path)!r}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"params file {str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    return params_from_json(data, spec, f"params file {path.name!r}")


def params_to_json(tensors: Mapping[str, Any]) -> dict[str, list]:
    """Arrays or tensors by name -> JSON-ready nested lists (DESIGN.md order kept)."""
    out = {}
    for name, value in tensors.items():
        if hasattr(value, "detach"):
            value = value.detach().cpu().double().numpy()
        out[name] = np.asarray(value, dtype=np.float64).tolist()
    return out


def save_params(path: str | os.PathLike, tensors: Mapping[str, Any]) -> None:
    """Write a params JSON file atomically (temporary file, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".params-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(params_to_json(tensors), fh, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
