r"""The chain rule on a composed scalar function (the backpropagation toy example).

    f[x, phi] = beta_3 + omega_3 cos[beta_2 + omega_2 exp[beta_1 + omega_1 sin[beta_0 + omega_0 x]]],
    l = (y - f[x, phi])^2                                    (Prince, UDL section 7.3)

Forward pass, storing every intermediate:

    f_0 = beta_0 + omega_0 x,  h_1 = sin f_0,  f_1 = beta_1 + omega_1 h_1,  h_2 = exp f_1,
    f_2 = beta_2 + omega_2 h_2,  h_3 = cos f_2,  f_3 = beta_3 + omega_3 h_3,  l = (y - f_3)^2.

Backward pass, the chain rule one factor at a time (:func:`symbolic.backprop.backprop.reverse_mode`):

    dl/df_3 = -2 (y - f_3),  dl/dh_k = omega_k dl/df_k,  dl/df_{k-1} = (dh_k/df_{k-1}) dl/dh_k,
    dl/dbeta_k = dl/df_k,  dl/domega_k = h_k dl/df_k  (h_0 = x).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import sympy as sp

from symbolic.backprop.backprop import LOSS_SYMBOL, Program, adjoint_symbol, backprop_latex, reverse_mode
from symbolic.losses.sample import sample_loss

__all__ = ["ChainRuleExample", "chain_rule_example", "toy_values"]


def _sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass
class ChainRuleExample:
    """The toy's program (forward, loss, backward), its local factors and its gradient."""

    x: sp.Symbol
    y: sp.Symbol
    beta: list[sp.Symbol]  # beta_0..beta_3
    omega: list[sp.Symbol]  # omega_0..omega_3
    f: list[sp.Symbol]  # f_0..f_3
    h: list[sp.Symbol]  # h_1..h_3 (h[0] is x)
    forward: Program
    backward: Program
    gradient: dict[sp.Symbol, sp.Expr]
    l: sp.Symbol = LOSS_SYMBOL

    @property
    def parameters(self) -> list[sp.Symbol]:
        """beta_0, omega_0, ..., beta_3, omega_3."""
        return [p for pair in zip(self.beta, self.omega) for p in pair]

    @property
    def program(self) -> Program:
        return self.forward + self.backward

    @property
    def gradient_assignments(self) -> Program:
        return [(adjoint_symbol(p), self.gradient[p]) for p in self.parameters]

    @cached_property
    def factors(self) -> list[tuple[sp.Symbol, sp.Symbol, sp.Expr]]:
        r"""The backward factors ``(t, s, dt/ds)``, last first: dl/df_3, then for k = 3..1
        ``df_k/dh_k = omega_k`` and ``dh_k/df_{k-1}``, each ``sympy.diff`` of one assignment."""
        values = dict(self.forward)
        out = [(self.l, self.f[3], sp.diff(values[self.l], self.f[3]))]
        for k in range(3, 0, -1):
            out.append((self.f[k], self.h[k], sp.diff(values[self.f[k]], self.h[k])))
            out.append((self.h[k], self.f[k - 1], sp.diff(values[self.h[k]], self.f[k - 1])))
        return out

    def composed(self) -> sp.Expr:
        """f[x, phi] as the one nested expression of the slide."""
        values: dict[sp.Symbol, sp.Expr] = {}
        for s, e in self.forward[:-1]:
            values[s] = e.xreplace(values)
        return values[self.f[3]]

    def composed_loss(self) -> sp.Expr:
        return dict(self.forward)[self.l].xreplace({self.f[3]: self.composed()})

    def evaluate(self, values: dict[sp.Symbol, sp.Expr], digits: int = 30) -> dict[sp.Symbol, sp.Float]:
        """Every forward value, adjoint and gradient at the given x, y and parameters."""
        known: dict[sp.Symbol, sp.Expr] = dict(values)
        for s, e in self.program + self.gradient_assignments:
            known[s] = e.xreplace(known).evalf(digits)
        return known

    # ----- display -------------------------------------------------------------------
    def forward_latex(self, numbers: dict[sp.Symbol, sp.Expr] | None = None, fmt: Callable[[sp.Expr], str] | None = None) -> list[str]:
        r"""``lhs = rhs`` (``= value`` with numbers) for every forward assignment."""
        return [self._line(s, e, numbers, fmt) for s, e in self.forward]

    def backward_latex(self, numbers: dict[sp.Symbol, sp.Expr] | None = None, fmt: Callable[[sp.Expr], str] | None = None) -> list[str]:
        r"""``lhs = rhs`` (``= value``) for every backward assignment and gradient."""
        return [self._line(s, e, numbers, fmt) for s, e in self.backward + self.gradient_assignments]

    def factor_latex(self, numbers: dict[sp.Symbol, sp.Expr] | None = None, fmt: Callable[[sp.Expr], str] | None = None) -> list[str]:
        r"""``\partial t / \partial s = expression (= value)`` for every backward factor."""
        lines = []
        for t, s, d in self.factors:
            lhs = rf"\frac{{\partial {backprop_latex(t)}}}{{\partial {backprop_latex(s)}}}"
            line = f"{lhs} = {backprop_latex(d)}"
            if numbers is not None:
                line += f" = {(fmt or _default_fmt)(d.xreplace(numbers).evalf(30))}"
            lines.append(line)
        return lines

    def _line(self, s, e, numbers, fmt) -> str:
        line = f"{backprop_latex(s)} = {backprop_latex(e)}"
        if numbers is not None:
            line += f" = {(fmt or _default_fmt)(numbers[s])}"
        return line


def _default_fmt(value: sp.Expr) -> str:
    return f"{float(value):.6g}"


def chain_rule_example() -> ChainRuleExample:
    r"""The toy ``f = beta_3 + omega_3 cos[beta_2 + omega_2 exp[beta_1 + omega_1 sin[beta_0 + omega_0 x]]]``
    with the least-squares loss ``l = (y - f)^2``, as a forward and a derived backward program.

    >>> ex = chain_rule_example()
    >>> print(backprop_latex(ex.composed()))
    \beta_{3} + \omega_{3} \cos{\left(\beta_{2} + \omega_{2} e^{\beta_{1} + \omega_{1} \sin{\left(\beta_{0} + \omega_{0} x \right)}} \right)}
    >>> for line in ex.backward_latex()[:3]:
    ...     print(line)
    \frac{\partial \ell}{\partial f_{3}} = 2 f_{3} - 2 y
    \frac{\partial \ell}{\partial h_{3}} = \omega_{3} \frac{\partial \ell}{\partial f_{3}}
    \frac{\partial \ell}{\partial f_{2}} = - \sin{\left(f_{2} \right)} \frac{\partial \ell}{\partial h_{3}}
    """
    x, y = _sym("x"), None
    beta = [_sym(f"beta_{{{k}}}") for k in range(4)]
    omega = [_sym(f"omega_{{{k}}}") for k in range(4)]
    f = [_sym(f"f_{{{k}}}") for k in range(4)]
    h = [x] + [_sym(f"h_{{{k}}}") for k in range(1, 4)]
    inner = [sp.sin, sp.exp, sp.cos]
    forward: Program = []
    for k in range(4):
        forward.append((f[k], beta[k] + omega[k] * h[k]))
        if k < 3:
            forward.append((h[k + 1], inner[k](f[k])))
    loss = sample_loss("least-squares", [f[3]])
    y = loss.targets[0]
    forward.append((LOSS_SYMBOL, loss.expr))
    params = [p for pair in zip(beta, omega) for p in pair]
    backward, gradient = reverse_mode(forward, LOSS_SYMBOL, params)
    return ChainRuleExample(x, y, beta, omega, f, h, forward, backward, gradient)


def toy_values(example: ChainRuleExample) -> dict[sp.Symbol, sp.Rational]:
    r"""The worked example's numbers: x = 1/2, y = 1 and exact rational parameters, chosen so
    that f_0 = beta_0 + omega_0 x = 1.

    >>> ex = chain_rule_example()
    >>> values = toy_values(ex)
    >>> print(backprop_latex(ex.forward[0][1].xreplace(values)))
    1
    """
    R = sp.Rational
    ex = example
    return {
        ex.x: R(1, 2), ex.y: R(1),
        ex.beta[0]: R(1, 2), ex.omega[0]: R(1),
        ex.beta[1]: R(-1, 2), ex.omega[1]: R(3, 2),
        ex.beta[2]: R(1, 4), ex.omega[2]: R(3, 4),
        ex.beta[3]: R(-3, 2), ex.omega[3]: R(2),
    }
