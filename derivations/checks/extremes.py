r"""Every loss at extreme outputs: the compiled per-sample loss and its gradient against exact values.

``verify`` draws the outputs of a freshly initialised network, a few units in size, where a
loss compiled as its expanded ``-log`` still looks right: the Bernoulli pmf with the sigmoid
link, written out, is ``nan`` at f = 40 in float64. This probe sets one output at a time to
each of :data:`EXTREME_OUTPUTS` (the others at ordinary values) and compiles the loss the way
the network does (its per-sample expression in the outputs and targets, and ``dl/df_j`` by
``sympy.diff``, printed to torch), then compares each value with the same SymPy expressions
evaluated by mpmath to :data:`DIGITS` significant digits: first with DIGITS digits more than the
decimal span of the linked parameters (``e^{700}`` spans 304), then with twice as many, and so
on until two evaluations agree (a naive form needs thousands of digits at f = 1e4).

The targets are those of the support (both outcomes where there are few, a random draw
otherwise) and, on the real line, ``y = z + 0.7`` beside an extreme location z (an output that
is a parameter itself, ``mu = f_1``): there the residual is 0.7 while ``f^2 - 2 f y + y^2``
cancels to nothing (a Cauchy loss expanded by SymPy).

A point counts where every parameter the link gives is a number of the dtype (a scale
``e^{1e4}`` is no float64: the distribution itself is not representable there) and the exact
loss is within the dtype's range (where it overflows, its gradient means nothing); a gradient
counts where its exact value is within the range too. The check fails where the compiled value
is ``nan`` or ``inf``, or differs by more than the dtype's tolerance
(:mod:`symbolic.spec.tolerances`: ``RTOL`` for the loss, ``GRADIENT_RTOL`` for its gradient),
and names the loss, the output and the value:

    error measure:  |compiled - exact| / max(1, |exact|)
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import mpmath as mp
import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import Comparison
from symbolic.activations.functions import StockDefined
from symbolic.core.compile import compile_program
from symbolic.spec.losses import Likelihood, get_loss
from symbolic.spec.tolerances import CHECK_SIGMA, DIGITS, GRADIENT_RTOL, RTOL

__all__ = ["EXTREME_OUTPUTS", "extreme_check"]

#: The values one output takes in turn: a logit where sig rounds to 1, e^f near float64's
#: largest number (e^700 ~ 1e304), and far beyond it.
EXTREME_OUTPUTS = (-1e4, -700.0, -40.0, 40.0, 700.0, 1e4)
#: The offset of a real target from the extreme output beside it.
BESIDE = 0.7
#: Digits beyond which an exact evaluation that has not settled is given up (that point is skipped).
MAX_DIGITS = 12800


@dataclass(frozen=True)
class _Point:
    outputs: tuple[float, ...]
    targets: tuple[float, ...]  # the data row
    extreme: int  # the index of the extreme output


def _stock(expr: sp.Expr) -> sp.Expr:
    """The package's functions replaced by their stock-SymPy definitions (for mpmath)."""
    while True:
        found = [e for e in sp.preorder_traversal(expr) if isinstance(e, StockDefined)]
        if not found:
            return expr
        expr = expr.replace(lambda e: isinstance(e, StockDefined), lambda e: e.definition(*e.args))


def _settled(fn, values: list[float], guard: int) -> list | None:
    """``fn(*values)`` by mpmath, doubling the digits until two evaluations agree to DIGITS digits
    (relative to max(1, |value|)); None when they never do within MAX_DIGITS. The first
    evaluation carries ``guard`` digits more than DIGITS: a term lost beside 1 at fewer digits
    (``(r e^{-350})^2`` beside 1, multiplied by ``nu = e^{700}`` afterwards) is lost by both
    evaluations alike, and they would agree on a wrong value."""
    before, digits = None, DIGITS + 10 + guard
    while digits <= MAX_DIGITS:
        with mp.workdps(digits):
            try:
                now = [mp.mpmathify(v) for v in fn(*[mp.mpf(v) for v in values])]
            except (ZeroDivisionError, ValueError, OverflowError):
                now = None
            if now is not None and before is not None and all(
                    isinstance(a, mp.mpf) and isinstance(b, mp.mpf) and mp.isfinite(a) and mp.isfinite(b)
                    and abs(a - b) <= mp.mpf(10) ** -DIGITS * max(1, abs(b)) for a, b in zip(before, now)):
                return now
        before, digits = now, digits * 2
    return None


def _guard(parameters, values: list[float]) -> int:
    """Digits that a term can lose beside another: the decimal exponents of the linked
    parameters (a scale e^{700} spans 304 digits), and twice those of the values (a residual
    ``f^2 - 2 f y + y^2`` of numbers of size 1e8 cancels 16)."""
    spans = [abs(float(mp.log10(abs(p)))) for p in parameters if p != 0]
    spans += [2 * math.log10(abs(v)) for v in values if abs(v) > 1]
    return int(max(spans, default=0.0)) + 1


def _finite(value, dtype: torch.dtype) -> bool:
    """Within the dtype's range (a value below its smallest normal rounds, it does not overflow)."""
    return mp.isfinite(value) and abs(value) <= torch.finfo(dtype).max


def _representable(value, dtype: torch.dtype) -> bool:
    """A finite number of the dtype: 0, or between its smallest normal and largest magnitude."""
    info = torch.finfo(dtype)
    return mp.isfinite(value) and (value == 0 or info.tiny <= abs(value) <= info.max)


def _parameters(entry: Likelihood, outputs: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    """The distribution's linked parameters in the network's outputs (each target's, where one
    target's block is repeated over independent targets)."""
    model = entry.model()
    D_o = len(outputs)
    block = model.block(D_o) if model.depends_on_D_o else model.block()
    per = len(block.outputs)
    if D_o % per:
        return []
    n = D_o // per
    groups = [outputs] if n == 1 else [outputs[j::n] for j in range(n)]
    return [e.xreplace(dict(zip(block.outputs, g))) for g in groups for e in block.link.values()]


def _target_rows(entry: Likelihood, sample, D_o: int, j: int, z: float, rng: random.Random,
                 location: bool) -> list[tuple[float, ...]]:
    """Data rows for a point whose output j is z: every outcome where a target has at most four
    (the same in every column), else two draws from the support; where output j is a location
    on the real line, also ``z + BESIDE`` in every column."""
    support, n = entry.support, sample.n_data_targets
    outcomes = support.outcomes(D_o)
    if outcomes is not None and len(outcomes) <= 4 and not support.permutation:
        rows = [(float(v),) * n for v in outcomes]
    else:
        rows = [tuple(sample.decode(entry.model().sample_targets(rng, sample, D_o))) for _ in range(2)]
        if support.class_index:
            rows.append((float(j),))
    if support.real_line and location:
        rows.append((z + BESIDE,) * n)
    return rows


def _shown(values) -> str:
    return ", ".join(f"{v:g}" for v in values)


def extreme_check(loss: "str | Likelihood", D_o: int, *, dtype: torch.dtype = torch.float64, device: str = "cpu",
                  sigma: float = CHECK_SIGMA, seed: int = 0) -> list[Comparison]:
    r"""The compiled per-sample loss ``l_i`` and ``dl_i/df_j`` at extreme outputs vs mpmath
    (see the module docstring): two comparisons, each with a ``detail`` naming the loss, the
    output and the worst value where it fails.

    Parameters
    ----------
    loss : a registered name or entry; D_o : the number of network outputs.
    dtype, device : where the compiled loss is evaluated; the tolerance is the dtype's.
    sigma : the value of the loss's constant sigma (normal), if it has one.
    seed : the ordinary values of the other outputs and the drawn targets.

    >>> [c.passed for c in extreme_check("bernoulli", 1)]
    [True, True]
    """
    entry = get_loss(loss)
    outputs = tuple(sp.Symbol(f"f_{{{j}}}", real=True) for j in range(1, D_o + 1))
    sample = entry.model().sample(outputs)
    constants = sorted(sample.expr.free_symbols - set(outputs) - set(sample.targets), key=lambda s: s.name)
    fixed = {c: sp.Float(sigma) for c in constants}  # the only constant a loss has is the normal's sigma
    expr = sample.expr.xreplace(fixed)
    quantities = [expr] + [sp.diff(expr, f) for f in outputs]
    args = list(outputs) + list(sample.targets)
    compiled = compile_program(args, [], quantities, "torch")
    exact = sp.lambdify(args, [_stock(q) for q in quantities], modules="mpmath", cse=True)
    parameters = _parameters(entry, outputs)
    linked = sp.lambdify(list(outputs), [_stock(p) for p in parameters] or [sp.S.Zero], modules="mpmath")
    locations = {j for j, f in enumerate(outputs) if f in parameters}  # a parameter that is the output itself

    rng = random.Random(seed)
    base = [rng.randint(-900, 900) / 1000 for _ in outputs]
    points = []
    for j in range(D_o):
        for z in EXTREME_OUTPUTS:
            f = tuple(z if k == j else base[k] for k in range(D_o))
            points += [_Point(f, y, j) for y in _target_rows(entry, sample, D_o, j, z, rng, j in locations)]

    Y = np.array([p.targets for p in points], dtype=float)
    columns = [np.asarray(c, dtype=float) for c in sample.target_columns(Y)]
    rows = [list(p.outputs) + [float(c[i]) for c in columns] for i, p in enumerate(points)]
    tensors = [torch.tensor([r[k] for r in rows], dtype=dtype, device=device) for k in range(len(args))]
    # the exact side is evaluated at the very numbers the dtype holds (10000.7 is 10000.7001953125 in float32)
    rows = [list(r) for r in zip(*[t.double().cpu().tolist() for t in tensors])]
    points = [_Point(tuple(r[:D_o]), p.targets, p.extreme) for r, p in zip(rows, points)]
    with torch.no_grad():
        got = [torch.as_tensor(v, dtype=dtype, device=device).expand(len(points)).double().cpu().numpy()
               for v in compiled(*tensors)]

    tolerance = {"loss": RTOL[str(dtype).replace("torch.", "")],
                 "gradient": GRADIENT_RTOL[str(dtype).replace("torch.", "")]}
    worst = {"loss": (0.0, 0.0, ""), "gradient": (0.0, 0.0, "")}  # (relative, absolute, detail)
    counted = 0
    kind_name = str(dtype).replace("torch.", "")
    for i, (point, row) in enumerate(zip(points, rows)):
        with mp.workdps(DIGITS):
            parameters = linked(*[mp.mpf(v) for v in point.outputs])
        if not all(_representable(mp.mpmathify(p), dtype) for p in parameters):
            continue  # the distribution itself is not representable in this dtype here
        values = _settled(exact, row, _guard(parameters, row))
        if values is None or not _finite(values[0], dtype):
            continue  # no exact value, or a loss beyond the dtype's range (its gradient means nothing there)
        counted += 1
        for q, value in enumerate(values):
            if not _finite(value, dtype):
                continue
            reference, compiled_value = float(value), float(got[q][i])
            kind = "loss" if q == 0 else "gradient"
            absolute = abs(compiled_value - reference) if math.isfinite(compiled_value) else math.inf
            relative = absolute / max(1.0, abs(reference))
            if relative > worst[kind][0] or (relative == worst[kind][0] == math.inf and not worst[kind][2]):
                what = "l_i" if q == 0 else f"dl_i/df_{q}"
                targets = f" (targets {_shown(point.targets)})" if point.targets else ""
                detail = (f"{entry.name}: {what} at output f_{point.extreme + 1} = {point.outputs[point.extreme]:g} "
                          f"(outputs {_shown(point.outputs)}){targets} is {compiled_value!r} in {kind_name}; "
                          f"the exact value ({DIGITS} digits) is {reference!r}")
                worst[kind] = (relative, absolute, detail)
    out = []
    for kind, label in (("loss", "loss l_i"), ("gradient", "dl_i/df")):
        relative, absolute, detail = worst[kind]
        c = Comparison(f"{label} at extreme outputs ({kind_name}, {counted} points)", absolute, relative,
                       tolerance[kind])
        out.append(Comparison(c.name, absolute, relative, tolerance[kind], "" if c.passed else detail))
    return out
