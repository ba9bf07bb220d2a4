"""The stable functions' printed numpy and torch code equals their definitions (mpmath, 400
digits) on both sides of every branch switch and at the extremes; torch autograd through
the printed code equals the derivative ``fdiff`` states, and stays finite."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
import torch

from symbolic.core.compile import compile_program
from symbolic.losses.functions import ExpPhi, ExpScaled, Log1p, Log1pSquare, LogGammaStirling, LogScaledBesselI0

u, s, t = sp.Symbol("u", real=True), sp.Symbol("s", real=True), sp.Symbol("t", real=True)
x = sp.Symbol("x", positive=True)

#: (expression, its arguments, points): points straddle each switch (x = 20, |t| = 1, log|u e^s| = 300).
CASES = {
    "LogGammaStirling": (LogGammaStirling(x), [x], [[v] for v in (1e-300, 1e-5, 0.5, 1.0, 7.3, 19.999, 20.0, 20.001,
                                                                 1e3, 1e8, 1e300)]),
    "Log1p": (Log1p(x), [x], [[v] for v in (1e-300, 1e-17, 1e-8, 0.5, 3.0, 1e300)]),
    "ExpPhi": (ExpPhi(s, t), [s, t], [[a, b] for a in (-700.0, 0.0, 700.0) for b in (-700.0, -1.0001, -0.9999, -1e-9,
                                                                                      0.0, 1e-9, 0.3, 0.9999, 1.0001)]
               + [[-700.0, 1400.0], [0.0, 700.0]]),
    "Log1pSquare": (Log1pSquare(u, s), [u, s], [[a, b] for a in (-0.7, 0.0, 1e-200, 3.0) for b in (-1050.0, -20.0, 0.0,
                                                                                                     299.0, 301.0, 1050.0)]
                    + [[1.0, 299.999], [1.0, 300.001]]),
    "ExpScaled": (ExpScaled(u, s), [u, s], [[a, b] for a in (0.0, 1e-300, -2.5) for b in (-1400.0, -700.0, 0.0, 700.0,
                                                                                      1400.0)]),
    "LogScaledBesselI0": (LogScaledBesselI0(x), [x], [[v] for v in (1e-300, 1e-3, 1.0, 7.9, 8.1, 500.0, 1e8, 1e300)]),
}


def _definition(expr):
    """The expression in stock SymPy: every package function replaced by its definition."""
    def defined(e):
        return isinstance(e, sp.Function) and callable(getattr(type(e), "definition", None))

    while expr.has(*{type(e) for e in expr.atoms(sp.Function) if defined(e)}):
        expr = expr.replace(defined, lambda e: type(e).definition(*e.args))
    return expr


def _exact(expr, args, point):
    """The definition in mpmath with 400 digits (room for the cancellations the printed code avoids)."""
    with mp.workdps(400):
        return float(sp.lambdify(args, _definition(expr), "mpmath")(*[mp.mpf(v) for v in point]))


#: log(i0e(kappa)) near kappa = 0 is -kappa + ..., returned as log(1.0) = 0 below kappa ~ 1e-16:
#: exact to 1e-16 absolute there (it is added to log 2 pi), not relative.
ABSOLUTE_NEAR_ZERO = {"LogScaledBesselI0": 1e-3}


def _close(got: float, ref: float, floor: float = 1e-300, rtol: float = 1e-13) -> bool:
    if not math.isfinite(ref):
        return got == ref
    return math.isfinite(got) and abs(got - ref) <= rtol * max(abs(ref), floor)


@pytest.mark.parametrize("name", list(CASES))
def test_printed_code_equals_the_definition(name):
    expr, args, points = CASES[name]
    numpy_fn, torch_fn = (compile_program(args, [], [expr], b) for b in ("numpy", "torch"))
    bad = []
    for point in points:
        ref = _exact(expr, args, point)
        with np.errstate(all="ignore"):
            got_numpy = float(numpy_fn(*[np.float64(v) for v in point])[0])
        got_torch = float(torch_fn(*[torch.tensor(v, dtype=torch.float64) for v in point])[0])
        for backend, got in (("numpy", got_numpy), ("torch", got_torch)):
            if not _close(got, ref, ABSOLUTE_NEAR_ZERO.get(name, 1e-300)):
                bad.append(f"{backend} at {point}: {got!r}, exact {ref!r}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", list(CASES))
def test_autograd_through_the_printed_code_equals_fdiff(name):
    """Away from overflow, at moderate points on both sides of the switches."""
    expr, args, points = CASES[name]
    fn = compile_program(args, [], [expr], "torch")
    bad = []
    for point in points:
        if any(abs(v) > 400 for v in point) or (name == "LogGammaStirling" and point[0] < 1e-3):
            continue  # derivatives there are out of float64's range, or cancel to nothing
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
        fn(*leaves)[0].backward()
        for a, leaf in zip(args, leaves):
            ref = _exact(sp.diff(expr, a), args, point)
            got = float(leaf.grad)
            if not (math.isfinite(got) and abs(got - ref) <= 1e-9 * max(1.0, abs(ref))):
                bad.append(f"d/d{a} at {point}: autograd {got!r}, fdiff {ref!r}")
    assert not bad, "\n".join(bad)


def test_autograd_is_finite_where_a_branch_is_not_taken():
    """torch.where back-propagates into the branch it did not take: the printed code keeps
    that branch's arguments in range, so a zero residual or a huge scale gives no nan."""
    fn = compile_program([u, s], [], [Log1pSquare(u, s)], "torch")
    for point in ([0.0, 1000.0], [0.0, -1000.0], [1e-300, 1000.0], [5.0, 400.0]):
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
        fn(*leaves)[0].backward()
        assert all(torch.isfinite(leaf.grad) for leaf in leaves), point
