"""Shared test helpers: one place for tolerances, readable spec strategies, CLI runner."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from symbolic.spec import ACTIVATIONS, NetworkSpec
from symbolic.spec.tolerances import FLOAT32_RTOL, FLOAT64_RTOL

#: float64 relative tolerance for symbolic-vs-torch agreement (relative to max(1, |ref|)).
RTOL64 = FLOAT64_RTOL  # the package's one table

#: The losses of the first round: one target per output (or two, or one class column), any D_o.
#: The book's other distributions have their own width rules and tests (test_book_losses.py).
FIRST_ROUND = ("least-squares", "normal", "heteroscedastic-normal", "bernoulli", "categorical", "poisson")
#: float32 (GPU) relative tolerance.
RTOL32 = FLOAT32_RTOL


def as_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def assert_close(actual, expected, rtol: float = RTOL64, what: str = "value") -> float:
    """Assert |a - e| <= rtol * max(1, |e|) elementwise; return the largest relative error."""
    a, e = as_numpy(actual), as_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(e)), f"{what}: non-finite values"
    rel = np.abs(a - e) / np.maximum(1.0, np.abs(e))
    worst = float(rel.max(initial=0.0))
    assert worst <= rtol, f"{what}: relative error {worst:.3e} > {rtol:.1e}"
    return worst


@st.composite
def specs(draw, max_hidden_layers: int = 4, max_width: int = 6, activations=ACTIVATIONS) -> NetworkSpec:
    """Hypothesis strategy: widths with 1..max_hidden_layers hidden layers, any activation."""
    K = draw(st.integers(1, max_hidden_layers))
    widths = draw(st.lists(st.integers(1, max_width), min_size=K + 2, max_size=K + 2))
    return NetworkSpec(tuple(widths), draw(st.sampled_from(list(activations))))


def spec_id(spec: NetworkSpec) -> str:
    return "-".join(map(str, spec.widths)) + "-" + spec.activation
