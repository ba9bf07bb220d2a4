"""Compile straight-line programs of SymPy assignments to numpy or torch functions.

A program is an ordered list of assignments ``(symbol, expression)``, the lecture's
forward (and backward) pass. It is compiled with common-subexpression elimination across
all assignments, into one Python function whose arguments are the program's inputs
(scalars or arrays of a batch of samples, broadcast together) and whose result is a list
of outputs. The intermediates are never substituted into one tree.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

import sympy as sp

from .activations import Indicator
from .printing import NumpyCodePrinter, fold_constants, identifier, torch_code_printer

__all__ = ["CompiledProgram", "compile_program", "Program"]

Backend = Literal["numpy", "torch"]
Program = list[tuple[sp.Symbol, sp.Expr]]


def _ordered(assignments: list[tuple[sp.Symbol, sp.Expr, int]], given: set[sp.Symbol]):
    """Emit assignments in dependency order, preferring their given rank."""
    defined = set(given)
    targets = {s for s, _, _ in assignments}
    waiting: dict[sp.Symbol, list[int]] = {}
    missing: list[int] = []
    heap: list[tuple[int, int]] = []
    for i, (_, expr, rank) in enumerate(assignments):
        deps = {s for s in expr.free_symbols if s in targets}
        missing.append(len(deps))
        for d in deps:
            waiting.setdefault(d, []).append(i)
        if not deps:
            heapq.heappush(heap, (rank, i))
    out = []
    while heap:
        _, i = heapq.heappop(heap)
        symbol, expr, _ = assignments[i]
        out.append((symbol, expr))
        defined.add(symbol)
        for j in waiting.get(symbol, ()):
            missing[j] -= 1
            if missing[j] == 0:
                heapq.heappush(heap, (assignments[j][2], j))
    if len(out) != len(assignments):
        raise ValueError("program has a cyclic or undefined dependency")
    return out


def _gated(printer, expr: sp.Mul, module: str) -> str | None:
    """``I[z > 0] * rest`` as ``where(z > 0, rest, 0)``: one pass instead of building the
    indicator and multiplying (the backward pass of ReLU). None when it does not apply."""
    gates = [a for a in expr.args if isinstance(a, Indicator)]
    if len(gates) != 1:
        return None
    rest = sp.Mul(*[a for a in expr.args if a is not gates[0]])
    if not rest.free_symbols:
        return None  # where() of two Python numbers would lose the dtype
    z = printer._print(gates[0].args[0])
    return f"{module}.where(({z}) > 0, {printer._print(rest)}, 0.0)"


class _TorchProgramMixin:
    def _print_Mul(self, expr):
        return _gated(self, expr, "torch") or super()._print_Mul(expr)


def _torch_program_printer() -> type:
    """Built on first use (see :func:`symbolic.printing.torch_code_printer`)."""
    global _TORCH_PROGRAM_PRINTER
    if _TORCH_PROGRAM_PRINTER is None:
        _TORCH_PROGRAM_PRINTER = type("_TorchProgramPrinter", (_TorchProgramMixin, torch_code_printer()), {})
    return _TORCH_PROGRAM_PRINTER


_TORCH_PROGRAM_PRINTER: type | None = None


class _NumpyProgramPrinter(NumpyCodePrinter):
    def _print_Mul(self, expr):
        return _gated(self, expr, "numpy") or super()._print_Mul(expr)


@dataclass
class CompiledProgram:
    """A compiled program: call it with one value per argument, get a list of outputs.

    Outputs are broadcast to the common batch shape of the arguments, so a gradient that
    does not depend on the sample still comes back with one value per sample.
    """

    args: tuple[sp.Symbol, ...]
    outputs: tuple[sp.Expr, ...]
    backend: Backend
    source: str
    n_lines: int
    _function: Any = field(repr=False)

    def __call__(self, *values: Any) -> list[Any]:
        if len(values) != len(self.args):
            raise TypeError(f"compiled program takes {len(self.args)} arguments, got {len(values)}")
        if self.backend == "torch":
            import torch

            # Python numbers take the dtype and device of the first floating tensor argument
            # (torch.as_tensor alone would make a float32 scalar and lose float64 precision).
            like = next((v for v in values if isinstance(v, torch.Tensor) and v.is_floating_point()), None)
            tensors = [v if isinstance(v, torch.Tensor) else
                       torch.as_tensor(v, dtype=like.dtype if like is not None and isinstance(v, float) else None,
                                       device=like.device if like is not None else None) for v in values]
            results = self._function(*tensors)
            shape = torch.broadcast_shapes(*(t.shape for t in tensors)) if tensors else ()
            ref = next((t for t in tensors if t.is_floating_point()), tensors[0] if tensors else None)
            out = []
            for r in results:
                if not isinstance(r, torch.Tensor):
                    r = torch.as_tensor(r, dtype=ref.dtype if ref is not None else None,
                                        device=ref.device if ref is not None else None)
                out.append(r.expand(shape) if r.shape != shape else r)
            return out
        import numpy as np

        arrays = [np.asarray(v) for v in values]
        shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        results = self._function(*arrays)
        return [np.broadcast_to(np.asarray(r, dtype=np.result_type(r, float)), shape) for r in results]


def compile_program(
    args: Sequence[sp.Symbol],
    program: Iterable[tuple[sp.Symbol, sp.Expr]],
    outputs: Sequence[sp.Expr],
    backend: Backend = "numpy",
    cse: bool = True,
) -> CompiledProgram:
    """Compile ``program`` (assignments in order) with ``outputs`` in terms of its symbols.

    >>> import sympy as sp
    >>> x, w, f, h = sp.symbols("x w f h", real=True)
    >>> from symbolic.activations import ReLU
    >>> fn = compile_program([x, w], [(f, w * x), (h, ReLU(f))], [h, f], "numpy")
    >>> [v.tolist() for v in fn([-1.0, 2.0], 3.0)]
    [[0.0, 6.0], [-3.0, 6.0]]
    """
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    args = tuple(args)
    program = [(s, fold_constants(sp.sympify(e))) for s, e in program]
    outputs = tuple(sp.sympify(o) for o in outputs)
    folded_outputs = [fold_constants(o) for o in outputs]

    # Readable, unique identifiers for every symbol.
    names: dict[sp.Symbol, sp.Symbol] = {}
    used: set[str] = set()
    for s in list(args) + [s for s, _ in program]:
        if s in names:
            continue
        base = identifier(s)
        name = base
        for n in itertools.count(1):
            if name not in used:
                break
            name = f"{base}_{n}"
        used.add(name)
        names[s] = sp.Symbol(name)
    out_syms = [sp.Symbol(f"_out{i}") for i in range(len(outputs))]

    exprs = [e.xreplace(names) for _, e in program] + [o.xreplace(names) for o in folded_outputs]
    if cse:
        replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_c"), order="none", list=True)
    else:
        replacements, reduced = [], exprs
    n_prog = len(program)
    assignments: list[tuple[sp.Symbol, sp.Expr, int]] = []
    for rank, (sym, expr) in enumerate(replacements):
        assignments.append((sym, expr, rank))
    offset = len(replacements)
    for i, (s, _) in enumerate(program):
        assignments.append((names[s], reduced[i], offset + i))
    for i, o in enumerate(reduced[n_prog:]):
        assignments.append((out_syms[i], o, offset + n_prog + i))
    # cse replacements may refer to program symbols: order by dependencies.
    ordered = _ordered(assignments, {names[a] for a in args})

    printer = (_torch_program_printer() if backend == "torch" else _NumpyProgramPrinter)(
        {"fully_qualified_modules": True, "allow_unknown_functions": False}
    )
    arg_names = [str(names[a]) for a in args]
    lines = [f"def _compiled({', '.join(arg_names)}):"]
    for sym, expr in ordered:
        lines.append(f"    {sym} = {printer.doprint(expr)}")
    lines.append(f"    return [{', '.join(str(s) for s in out_syms)}]")
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    if backend == "torch":
        import torch

        namespace["torch"] = torch
    else:
        import numpy
        import scipy.special

        namespace["numpy"] = numpy
        namespace["scipy"] = scipy
    exec(compile(source, "<deepderive-compiled>", "exec"), namespace)
    return CompiledProgram(args, outputs, backend, source, len(ordered), namespace["_compiled"])
