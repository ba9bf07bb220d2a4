r"""The optimisers' update rules in the book's notation (Prince, *Understanding Deep Learning*, ch. 6).

The gradient of step t is the loss summed over the batch, ``g_t = sum_{i in B_t} dl_i/dphi``.

* SGD (eq. 6.9, with the sum): ``phi_{t+1} = phi_t - alpha g_t``;
* momentum (eq. 6.11): ``m_{t+1} = beta m_t + (1 - beta) g_t``, ``phi_{t+1} = phi_t - alpha m_{t+1}``;
* Adam (eqs. 6.13-6.16): ``m_{t+1} = beta m_t + (1 - beta) g_t``,
  ``v_{t+1} = gamma v_t + (1 - gamma) g_t^2``, ``m~ = m_{t+1} / (1 - beta^{t+1})``,
  ``v~ = v_{t+1} / (1 - gamma^{t+1})``, ``phi_{t+1} = phi_t - alpha m~ / (sqrt(v~) + epsilon)``.

Each rule is a list of assignments ``(symbol, expression)``, applied in order, elementwise;
:func:`apply_rule` evaluates them with numpy (lambdified), so the numbers a check compares
come from exactly the equations the notes print.

>>> rule = update_rule("momentum")
>>> print(rule_latex(rule)[1])
\boldsymbol\phi_{t+1} &= \boldsymbol\phi_{t} - \alpha \mathbf{m}_{t+1}
>>> apply_rule(rule, {"phi": 1.0, "m": 0.0, "g": 2.0, "t": 0}, alpha=0.1, beta=0.5)["phi"]
0.9
"""

from __future__ import annotations

from typing import Any, Mapping

import sympy as sp

__all__ = ["UPDATE_RULES", "GRADIENT_LATEX", "update_rule", "rule_latex", "apply_rule"]

phi, phi1, m, m1, v, v1, g, mt, vt = sp.symbols("phi phi1 m m1 v v1 g mtilde vtilde", real=True)
alpha, beta, gamma, epsilon = sp.symbols("alpha beta gamma epsilon", positive=True)
t = sp.Symbol("t", integer=True, nonnegative=True)

_LATEX = {phi: r"\boldsymbol\phi_{t}", phi1: r"\boldsymbol\phi_{t+1}", m: r"\mathbf{m}_{t}", m1: r"\mathbf{m}_{t+1}",
          v: r"\mathbf{v}_{t}", v1: r"\mathbf{v}_{t+1}", mt: r"\tilde{\mathbf{m}}_{t+1}", vt: r"\tilde{\mathbf{v}}_{t+1}",
          g: r"\mathbf{g}_t"}

#: name -> ordered assignments; ``phi1`` is the new parameter, ``m1``/``v1`` the new state.
UPDATE_RULES: dict[str, list[tuple[sp.Symbol, sp.Expr]]] = {
    "sgd": [(phi1, phi - alpha * g)],
    "momentum": [(m1, beta * m + (1 - beta) * g), (phi1, phi - alpha * m1)],
    "adam": [(m1, beta * m + (1 - beta) * g), (v1, gamma * v + (1 - gamma) * g**2),
             (mt, m1 / (1 - beta ** (t + 1))), (vt, v1 / (1 - gamma ** (t + 1))),
             (phi1, phi - alpha * mt / (sp.sqrt(vt) + epsilon))],
}


def update_rule(name: str) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The assignments of optimiser ``name`` (``sgd``, ``momentum``, ``adam``)."""
    if name not in UPDATE_RULES:
        raise ValueError(f"no update rule for {name!r}; choose one of {', '.join(UPDATE_RULES)}")
    return UPDATE_RULES[name]


def rule_latex(rule: list[tuple[sp.Symbol, sp.Expr]]) -> list[str]:
    r"""``lhs &= rhs`` lines in the book's notation (bold vectors, operations elementwise)."""
    return [f"{_LATEX[lhs]} &= {sp.latex(rhs, symbol_names=_LATEX, order='rev-lex')}" for lhs, rhs in rule]


#: The gradient every rule uses: the loss summed over the batch B_t.
GRADIENT_LATEX = (r"\mathbf{g}_t &= \sum_{i \in \mathcal{B}_t} "
                  r"\frac{\partial \ell_i[\boldsymbol\phi_t]}{\partial \boldsymbol\phi}")


def apply_rule(rule: list[tuple[sp.Symbol, sp.Expr]], state: Mapping[str, Any], **hyper: float) -> dict[str, Any]:
    """Evaluate the assignments on numpy arrays: ``state`` holds ``phi``, ``g``, ``t`` and the
    optimiser's ``m``/``v``; ``hyper`` alpha, beta, gamma, epsilon. Returns the new
    ``phi``, ``m``, ``v`` (those the rule defines)."""
    names = {"phi": phi, "m": m, "v": v, "g": g, "t": t, "alpha": alpha, "beta": beta, "gamma": gamma,
             "epsilon": epsilon}
    values: dict[sp.Symbol, Any] = {names[k]: val for k, val in {**state, **hyper}.items()}
    for lhs, rhs in rule:
        free = sorted(rhs.free_symbols, key=sp.default_sort_key)
        values[lhs] = sp.lambdify(free, rhs, "numpy")(*[values[s] for s in free])
    out = {"phi": values[phi1]}
    if m1 in values:
        out["m"] = values[m1]
    if v1 in values:
        out["v"] = values[v1]
    return out
