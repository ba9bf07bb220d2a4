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
import linecache
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Sequence

import sympy as sp

from symbolic.core.printing import NumpyCodePrinter, fold_constants, identifier, torch_code_printer

__all__ = ["CompiledProgram", "compile_program", "program_cse", "Program"]

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
    gates = [a for a in expr.args if getattr(type(a), "is_gate", False)]  # the indicator I[z > 0]
    if len(gates) != 1:
        return None
    rest = sp.Mul(*[a for a in expr.args if a is not gates[0]])
    if not rest.free_symbols:
        return None  # where() of two Python numbers would lose the dtype
    z = printer._print(gates[0].args[0])
    return f"{module}.where(({z}) > 0, {printer._print(rest)}, 0.0)"


def _log_gamma(expr: sp.Expr) -> sp.Expr:
    """``log(x!)`` and ``log(gamma(x))`` as ``loggamma``: finite where the factorial overflows."""
    return expr.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], (sp.factorial, sp.gamma)),
                        lambda e: sp.loggamma(e.args[0].args[0] + (1 if isinstance(e.args[0], sp.factorial) else 0)))


class _TorchProgramMixin:
    def _print_Mul(self, expr):
        return _gated(self, expr, "torch") or super()._print_Mul(expr)

    # Gamma and factorials through torch.lgamma (torch has no gamma or factorial of tensors):
    # log(y!) = lgamma(y + 1) stays finite where y! overflows float64 (y > 170).
    def _print_loggamma(self, expr):
        return f"torch.lgamma({self._print(expr.args[0])})"

    def _print_gamma(self, expr):
        return f"torch.exp(torch.lgamma({self._print(expr.args[0])}))"

    def _print_factorial(self, expr):
        return f"torch.exp(torch.lgamma({self._print(expr.args[0] + 1)}))"

    def _print_log(self, expr):
        arg = expr.args[0]
        if isinstance(arg, sp.factorial):
            return f"torch.lgamma({self._print(arg.args[0] + 1)})"
        if isinstance(arg, sp.gamma):
            return f"torch.lgamma({self._print(arg.args[0])})"
        parent = getattr(super(), "_print_log", None)
        return parent(expr) if parent is not None else self._print_Function(expr)


def _torch_program_printer() -> type:
    """Built on first use (see :func:`symbolic.core.printing.torch_code_printer`)."""
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


def _identifiers(symbols: Iterable[sp.Symbol]) -> dict[sp.Symbol, sp.Symbol]:
    """Readable, unique Python identifiers for the symbols (``beta_{0,1}`` -> ``beta_0_1``)."""
    names: dict[sp.Symbol, sp.Symbol] = {}
    used: set[str] = set()
    for s in symbols:
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
    return names


def _check_symbols(args: Sequence[sp.Symbol], program: Program, outputs: Sequence[sp.Expr]) -> None:
    """Every symbol an assignment or an output reads is an argument or assigned before it."""
    known = set(args)
    for s, e in program:
        stray = e.free_symbols - known
        if stray:
            name = sorted(map(str, stray))[0]
            raise ValueError(f"{name!r} appears in the assignment {s} = {sp.sstr(e)[:120]} but is neither an "
                             "argument nor assigned earlier: add it to the arguments or assign it first")
        known.add(s)
    for o in outputs:
        stray = o.free_symbols - known
        if stray:
            name = sorted(map(str, stray))[0]
            raise ValueError(f"{name!r} appears in the output {sp.sstr(o)[:120]} but is neither an argument "
                             "nor assigned by the program")


def program_cse(program: Program, given: Iterable[sp.Symbol], eliminate: bool = True):
    """A ``cse`` callable for :func:`sympy.lambdify` that returns the program itself.

    ``lambdify(args, outputs, cse=program_cse(program, args))`` prints one line per
    assignment: the common subexpressions of all assignments and outputs (``eliminate``,
    ``sympy.cse``), then the program's assignments in dependency order, and returns the
    reduced outputs. The intermediates are never substituted into one tree.

    >>> x, w, f, h = sp.symbols("x w f h", real=True)
    >>> program_cse([(f, sp.exp(w * x)), (h, f * sp.exp(w * x))], [x, w])([h + 1])
    ([(_c0, exp(w*x)), (f, _c0), (h, _c0*f)], [h + 1])
    """
    program = list(program)

    def cse(outputs: Sequence[sp.Expr]) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
        exprs = [e for _, e in program] + list(outputs)
        if eliminate:
            replacements, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("_c"), order="none", list=True)
        else:
            replacements, reduced = [], exprs
        n_prog = len(program)
        assignments = [(sym, expr, rank) for rank, (sym, expr) in enumerate(replacements)]
        offset = len(replacements)
        assignments += [(s, reduced[i], offset + i) for i, (s, _) in enumerate(program)]
        # cse replacements may refer to program symbols: order by dependencies.
        return _ordered(assignments, set(given)), list(reduced[n_prog:])

    return cse


def compile_program(
    args: Sequence[sp.Symbol],
    program: Iterable[tuple[sp.Symbol, sp.Expr]],
    outputs: Sequence[sp.Expr],
    backend: Backend = "numpy",
    cse: bool = True,
) -> CompiledProgram:
    """Compile ``program`` (assignments in order) with ``outputs`` in terms of its symbols.

    Built on :func:`sympy.lambdify`: its ``cse`` is :func:`program_cse`, which hands it the
    program's assignments (with common subexpressions eliminated when ``cse``), and its
    printer is the package's numpy or torch printer (DESIGN.md's printing fixes).

    >>> import sympy as sp
    >>> x, w, f, h = sp.symbols("x w f h", real=True)
    >>> from symbolic.activations.functions import ReLU
    >>> fn = compile_program([x, w], [(f, w * x), (h, ReLU(f))], [h, f], "numpy")
    >>> [v.tolist() for v in fn([-1.0, 2.0], 3.0)]
    [[0.0, 6.0], [-3.0, 6.0]]
    >>> compile_program([x], [(f, w * x)], [f])
    Traceback (most recent call last):
    ...
    ValueError: 'w' appears in the assignment f = w*x but is neither an argument nor assigned earlier: add it to the arguments or assign it first
    """
    if backend not in ("numpy", "torch"):
        raise ValueError(f"backend must be 'numpy' or 'torch', got {backend!r}")
    args = tuple(args)
    program = [(s, fold_constants(sp.sympify(e))) for s, e in program]
    outputs = tuple(sp.sympify(o) for o in outputs)
    if backend == "torch":  # log(y!) as lgamma(y + 1) before common subexpressions split the log from y!
        program = [(s, _log_gamma(e)) for s, e in program]
        outputs = tuple(_log_gamma(o) for o in outputs)
    _check_symbols(args, program, outputs)
    names = _identifiers(list(args) + [s for s, _ in program])
    renamed = [(names[s], e.xreplace(names)) for s, e in program]
    reduced_outputs = [fold_constants(o).xreplace(names) for o in outputs]
    printer = (_torch_program_printer() if backend == "torch" else _NumpyProgramPrinter)(
        {"fully_qualified_modules": True, "allow_unknown_functions": False}
    )
    if backend == "torch":
        import torch

        namespace: dict[str, Any] = {"torch": torch}
    else:
        import numpy
        import scipy.special

        namespace = {"numpy": numpy, "scipy": scipy}
    arguments = [names[a] for a in args]
    program_lines = program_cse(renamed, arguments, eliminate=cse)
    n_lines = 0

    def counted(exprs):
        nonlocal n_lines
        lines, reduced = program_lines(exprs)
        n_lines = len(lines) + len(reduced)
        return lines, reduced

    function = sp.lambdify(arguments, reduced_outputs, modules=[namespace], printer=printer, cse=counted)
    source = "".join(linecache.getlines(function.__code__.co_filename))
    return CompiledProgram(args, outputs, backend, source, n_lines, function)
