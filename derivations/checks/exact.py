"""The checks printed at the head of ``deepderive derive --format latex``, without PyTorch.

``derive`` is a symbolic command and never imports torch (``deepderive verify`` is the
cross-check against PyTorch autograd). Its numeric checks compare the float64 numpy
compilation of the derived program with the *same* program evaluated exactly, to
:data:`DIGITS` significant digits, and the derived gradient with an independent witness,
central differences of the exactly evaluated loss with a step of 1e-20 (their error is
far below float64 rounding, so a wrong derivative, a factor 2 or a missing sum is an
error of order 1):

    compiled forward:   max_i |y_numpy(x_i) - y_exact(x_i)| / max(1, |y_exact|) <= FLOAT64_RTOL
    compiled gradient:  the same for dL/dphi = sum_i dl_i/dphi
    derivation:         |dL/dphi - (L(phi + h) - L(phi - h)) / 2h| / max(1, |dL/dphi|) <= 1e-25

Inputs are drawn in (-2, 2), parameters in (-1, 1), as binary floats taken exactly, so a
pre-activation is never exactly at a kink.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import sympy as sp

# Relative tolerances of float64 / float32 results against exact or float64 references
# (relative to max(1, |reference|)), the significant digits of the exact evaluations and
# the central differences' tolerance at those digits (FD_RTOL): all from the one table.
from symbolic.spec.tolerances import DIGITS, FLOAT32_RTOL, FLOAT64_RTOL  # noqa: F401
from symbolic.spec.tolerances import EXACT_RTOL as FD_RTOL

__all__ = ["FLOAT64_RTOL", "FLOAT32_RTOL", "DIGITS", "ExactCheck", "forward_exact_check", "gradient_exact_checks"]

#: Central-difference step (truncation error ~ h^2, far below FD_RTOL at DIGITS digits).
_H = sp.Rational(1, 10**20)


@dataclass(frozen=True)
class ExactCheck:
    """A largest relative error and the tolerance it must meet."""

    max_rel: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return bool(self.max_rel <= self.tolerance)


def _draw(rng: random.Random, lo: float, hi: float) -> float:
    return rng.uniform(lo, hi)


def _run(program, known: dict) -> dict:
    """Evaluate a straight-line program on numbers to DIGITS digits."""
    known = dict(known)
    for s, e in program:
        known[s] = e.xreplace(known).evalf(DIGITS)
    return known


def _rel(a: float, b) -> float:
    b = float(b)
    return abs(float(a) - b) / max(1.0, abs(b))


def _parameters(net, rng: random.Random) -> tuple[dict, dict[str, np.ndarray]]:
    """Random parameters: {symbol: exact Float}, and the same as float64 tensors by name."""
    tensors = {name: np.zeros(shape) for name, shape in net.spec.tensor_shapes().items()}
    exact = {}
    for p in net.parameters:
        value = _draw(rng, -1.0, 1.0)
        tensors[p.tensor][p.index] = value
        exact[p.symbol] = sp.Float(value, DIGITS)
    return exact, tensors


def forward_exact_check(net, points: int = 8, seed: int = 0) -> ExactCheck:
    """The numpy-compiled forward program vs the program evaluated exactly at ``points``
    random inputs (one random parameter set)."""
    from symbolic.core.compile import compile_program

    rng = random.Random(seed)
    exact, tensors = _parameters(net, rng)
    X = np.array([[_draw(rng, -2.0, 2.0) for _ in net.inputs] for _ in range(points)])  # (I, D_i)
    compiled = compile_program(net.inputs + net.parameter_symbols, net.program, net.outputs, "numpy")
    args = [X[:, i] for i in range(X.shape[1])] + [tensors[p.tensor][p.index] for p in net.parameters]
    with np.errstate(all="ignore"):
        columns = compiled(*args)  # D_o arrays of shape (I,)
    worst = 0.0
    for i in range(points):
        known = _run(net.program, {**exact, **{x: sp.Float(float(X[i, j]), DIGITS) for j, x in enumerate(net.inputs)}})
        for j, y in enumerate(net.outputs):
            worst = max(worst, _rel(np.broadcast_to(columns[j], (points,))[i], known[y]))
    return ExactCheck(worst, FLOAT64_RTOL)


def gradient_exact_checks(bp, points: int = 4, seed: int = 0, max_fd_parameters: int = 16
                          ) -> tuple[ExactCheck, ExactCheck, int]:
    """(compiled gradient vs exact, exact gradient vs central differences, number of
    parameters differenced) for L = sum_i l_i over ``points`` random samples."""
    from symbolic.backprop.backprop import adjoint_symbol
    from symbolic.backprop.compile import compile_layers

    net = bp.net
    rng = random.Random(seed)
    exact, tensors = _parameters(net, rng)
    samples = []
    for i in range(points):
        values = bp.random_point(seed + i)  # suitable targets (0/1, one-hot class, counts) and constants
        values.update(exact)
        values.update({x: sp.Float(_draw(rng, -2.0, 2.0), DIGITS) for x in net.inputs})
        samples.append(values)
    X = np.array([[float(v[x]) for x in net.inputs] for v in samples])  # (I, D_i)
    Y = np.array([bp.loss.decode(v) for v in samples])  # (I, n_targets): class indices where one-hot
    constants = {c.name: float(samples[0][c]) for c in bp.constants}
    compiled = None
    if not bp.matrix_form_check():  # else the program cannot be compiled layer-wise: that check fails
        with np.errstate(all="ignore"):
            compiled = compile_layers(bp, "numpy")(X, Y, tensors, constants).gradient

    gradient = {p: sp.Integer(0) for p in bp.parameters}  # exact dL/dphi = sum_i dl_i/dphi
    for values in samples:
        known = bp.evaluate(values, DIGITS)
        for p in bp.parameters:
            gradient[p] += known[adjoint_symbol(p)]
    by_symbol = {q.symbol: q for q in net.parameters}
    compiled_worst = float("inf") if compiled is None else max(
        _rel(compiled[by_symbol[p].tensor][by_symbol[p].index], gradient[p]) for p in bp.parameters)

    def total_loss(shift: dict) -> sp.Expr:
        return sum((_run(bp.forward, {**values, **shift})[bp.l] for values in samples), sp.Integer(0))

    chosen = list(bp.parameters)
    if len(chosen) > max_fd_parameters:
        chosen = random.Random(seed + 1).sample(chosen, max_fd_parameters)
    fd_worst = 0.0
    for p in chosen:
        plus, minus = total_loss({p: exact[p] + _H}), total_loss({p: exact[p] - _H})
        difference = ((plus - minus) / (2 * _H)).evalf(DIGITS)
        fd_worst = max(fd_worst, float(abs(sp.N(gradient[p] - difference, DIGITS)) / max(1, abs(gradient[p]))))
    return ExactCheck(compiled_worst, FLOAT64_RTOL), ExactCheck(fd_worst, FD_RTOL), len(chosen)
