r"""Reverse-mode differentiation of a straight-line program: the chain rule, backwards.

A program is an ordered list of assignments ``(t, e_t)``, each symbol assigned once. For
an output ``l`` assigned by the program, the adjoint of a symbol s is

    dl/ds = sum over assignments t = e_t(..., s, ...) of (d e_t / d s) dl/dt,   dl/dl = 1,

accumulated from the last assignment to the first. Nothing here knows about networks or
losses: :mod:`symbolic.backprop.backprop` builds a network's backward pass on :func:`reverse_mode`.
Each adjoint is its own symbol, an :class:`Adjoint` ``dl/ds``, that prints as
``\frac{\partial l}{\partial s}`` (the network's per-sample loss
:data:`symbolic.backprop.backprop.LOSS_SYMBOL` prints as ``\ell``).

>>> from symbolic.core.printing import latex
>>> x, w, f, l = sp.symbols("x w f l", real=True)
>>> backward, gradient = reverse_mode([(f, w * x), (l, sp.exp(f))], l, [w])
>>> print(latex(backward[0][0]), "=", latex(backward[0][1]))
\frac{\partial l}{\partial f} = e^{f}
>>> print(latex(gradient[w]))
x \frac{\partial l}{\partial f}
"""

from __future__ import annotations

from typing import Iterable, Sequence

import sympy as sp

from symbolic.core.extrema import binary_extrema, stock_extrema

__all__ = ["Adjoint", "Program", "local_partials", "reverse_mode", "stock_symbols"]

Program = list[tuple[sp.Symbol, sp.Expr]]


class Adjoint(sp.Symbol):
    r"""The adjoint ``dl/ds`` of a program symbol ``s`` for the output ``l``: a real symbol
    that holds the derivative of ``l`` with respect to ``s`` in the backward pass.

    Its name is ``d<l>/d<s>`` (``dl/df_{1,2}``, as text and JSON show it); it knows ``wrt``
    (s) and ``output`` (l) and prints as a partial derivative. Its ``srepr`` is that of a
    plain real symbol of the same name, so exported programs use stock SymPy only.

    >>> from symbolic.core.printing import latex
    >>> g = Adjoint(sp.Symbol("f_{1,2}", real=True), sp.Symbol("l", real=True))
    >>> g.name, g.wrt, g.is_real
    ('dl/df_{1,2}', f_{1,2}, True)
    >>> print(latex(g))
    \frac{\partial l}{\partial f_{1,2}}
    >>> sp.srepr(g)
    "Symbol('dl/df_{1,2}', real=True)"
    """

    __slots__ = ("wrt", "output")

    wrt: sp.Symbol
    output: sp.Symbol

    def __new__(cls, wrt: sp.Symbol, output: sp.Symbol) -> "Adjoint":
        if not isinstance(wrt, sp.Symbol) or not isinstance(output, sp.Symbol):
            raise TypeError(f"an adjoint d{output}/d{wrt} needs two symbols, got {type(output).__name__} "
                            f"and {type(wrt).__name__}")
        obj = sp.Symbol.__xnew__(cls, f"d{output.name}/d{wrt.name}", real=True)
        obj.wrt, obj.output = wrt, output
        return obj

    def _hashable_content(self):
        return super()._hashable_content() + (self.wrt, self.output)

    def __getnewargs_ex__(self):
        return (self.wrt, self.output), {}

    def _latex(self, printer) -> str:
        return rf"\frac{{\partial {printer._print(self.output)}}}{{\partial {printer._print(self.wrt)}}}"

    def _sympyrepr(self, printer) -> str:
        return printer._print(sp.Symbol(self.name, real=True))


def stock_symbols(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every symbol of a ``Symbol`` subclass (adjoints, the loss symbol) replaced
    by a plain ``Symbol`` of the same name and assumptions: the expression that its
    ``srepr`` (``derive --format json``) reads back as in stock SymPy.

    >>> g = Adjoint(sp.Symbol("f", real=True), sp.Symbol("l", real=True))
    >>> plain = stock_symbols(2 * g)
    >>> plain == 2 * sp.Symbol("dl/df", real=True), plain == 2 * g
    (True, False)
    """
    special = {s for s in expr.free_symbols
               if isinstance(s, sp.Symbol) and type(s) is not sp.Symbol and not isinstance(s, (sp.Dummy, sp.Wild))}
    return expr.xreplace({s: sp.Symbol(s.name, **s.assumptions0) for s in special}) if special else expr


def local_partials(expr: sp.Expr, symbols: Iterable[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    r"""The local partial derivatives ``d e / d s`` of one assignment's expression ``e``.

    Differentiates term by term, so a layer's ``beta + sum_j omega_j h_j`` costs one
    derivative per (term, symbol) pair rather than per (term x symbol). A stock ``Max``/``Min``
    is differentiated as it is compiled (:mod:`symbolic.core.extrema`): ``Max(0, z)`` as ReLU
    (``I[z > 0]``, 0 at the tie, as ``torch.relu``), other ties split 1/2 as ``torch.maximum``.

    >>> from symbolic.core.printing import latex
    >>> b, w, h = (sp.Symbol(n, real=True) for n in ("beta_{0,1}", "omega_{0,1,1}", "h_{1,1}"))
    >>> d = local_partials(b + w * h, [b, w, h])
    >>> print(", ".join(latex(d[s]) for s in (b, w, h)))
    1, h_{1,1}, \omega_{0,1,1}
    """
    wanted = set(symbols)
    pieces: dict[sp.Symbol, list[sp.Expr]] = {}
    for term in sp.Add.make_args(expr):
        # Max/Min: differentiated as compiled, torch's value at a tie (symbolic.core.extrema), not Heaviside's 1/2
        binary = binary_extrema(term)
        for s in term.free_symbols & wanted:
            pieces.setdefault(s, []).append(stock_extrema(binary.diff(s)))
    return {s: sp.Add(*p) for s, p in pieces.items()}


def _independent_runs(program: Program) -> list[Program]:
    """Split a program into maximal runs of consecutive, mutually independent assignments."""
    runs: list[Program] = []
    current: Program = []
    assigned: set[sp.Symbol] = set()
    for s, e in program:
        if current and e.free_symbols & assigned:
            runs.append(current)
            current, assigned = [], set()
        current.append((s, e))
        assigned.add(s)
    if current:
        runs.append(current)
    return runs


def reverse_mode(
    program: Sequence[tuple[sp.Symbol, sp.Expr]], output: sp.Symbol, wrt: Sequence[sp.Symbol]
) -> tuple[Program, dict[sp.Symbol, sp.Expr]]:
    r"""Reverse-mode differentiation of a straight-line program (the chain rule, backwards):

        dl/ds = sum over assignments t = e_t(..., s, ...) of (d e_t / d s) dl/dt,   dl/dl = 1.

    Returns the backward assignments ``(Adjoint(s, output), ...)`` for the assigned symbols
    that the output depends on (last assignment first, units in order), and the gradient
    ``{w: dl/dw expression}`` of every symbol in ``wrt`` (0 where ``output`` does not depend
    on it), in terms of program and adjoint symbols.

    >>> from symbolic.core.printing import latex
    >>> x, w, f, h, l = sp.symbols("x w f h l", real=True)
    >>> backward, gradient = reverse_mode([(f, w * x), (h, sp.sin(f)), (l, h**2)], l, [w])
    >>> for s, e in backward:
    ...     print(latex(s), "=", latex(e))
    \frac{\partial l}{\partial h} = 2 h
    \frac{\partial l}{\partial f} = \cos{\left(f \right)} \frac{\partial l}{\partial h}
    >>> print(latex(gradient[w]))
    x \frac{\partial l}{\partial f}
    """
    program = [(s, sp.sympify(e)) for s, e in program]
    assigned = [s for s, _ in program]
    if output not in assigned:
        raise ValueError(f"output {output} is not assigned by the program")
    if len(set(assigned)) != len(assigned):
        raise ValueError("a straight-line program assigns each symbol once")
    wrt = list(wrt)
    overlap = set(wrt) & set(assigned)
    if overlap:
        raise ValueError(f"cannot differentiate with respect to assigned symbol {sorted(map(str, overlap))[0]}")
    differentiable = set(assigned) | set(wrt)
    contributions: dict[sp.Symbol, list[sp.Expr]] = {}
    backward: Program = []
    for run in reversed(_independent_runs(program)):
        # 1. adjoints of this run's symbols (they depend only on later assignments)
        seeds: dict[sp.Symbol, sp.Expr] = {}
        for s, _ in run:
            if s == output:
                seeds[s] = sp.S.One
            elif contributions.get(s):
                adjoint = Adjoint(s, output)
                backward.append((adjoint, sp.Add(*contributions.pop(s))))
                seeds[s] = adjoint
        # 2. propagate to the symbols each assignment reads
        for s, e in run:
            if s not in seeds:
                continue  # the output does not depend on s
            for t, d in local_partials(e, differentiable).items():
                if d != 0:
                    contributions.setdefault(t, []).append(d * seeds[s])
    gradient = {w: sp.Add(*contributions.get(w, [])) for w in wrt}
    return backward, gradient
