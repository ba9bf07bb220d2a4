r"""The optimisers' update rules in the book's notation (Prince, *Understanding Deep Learning*, ch. 6).

The gradient of step t is the loss summed over the batch, ``g_t = sum_{i in B_t} dl_i/dphi``.

* SGD (section 6.2, with the sum): ``phi_{t+1} = phi_t - alpha g_t``;
* momentum (section 6.3, eq. 6.11): ``m_{t+1} = beta m_t + (1 - beta) g_t``, ``phi_{t+1} = phi_t - alpha m_{t+1}``;
* Adam (section 6.4, eqs. 6.15-6.17): ``m_{t+1} = beta m_t + (1 - beta) g_t``,
  ``v_{t+1} = gamma v_t + (1 - gamma) g_t^2``, ``m~ = m_{t+1} / (1 - beta^{t+1})``,
  ``v~ = v_{t+1} / (1 - gamma^{t+1})``, ``phi_{t+1} = phi_t - alpha m~ / (sqrt(v~) + epsilon)``.

Each rule is a list of assignments ``(symbol, expression)``, applied in order, elementwise;
each expression is held unevaluated (``evaluate=False``) in the book's arrangement, so it
prints as the book writes it (``beta m_t + (1 - beta) g_t``, not SymPy's ``g_t (1 - beta) +
beta m_t``); :func:`apply_rule` evaluates them with numpy (lambdified), so the numbers a check
compares come from exactly the equations the notes print.

>>> rule = update_rule("momentum")
>>> print(rule_latex(rule)[0])
\mathbf{m}_{t+1} &= \beta \mathbf{m}_{t} + \left(1 - \beta\right) \mathbf{g}_t
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



def _add(*terms: sp.Expr) -> sp.Expr:
    return sp.Add(*terms, evaluate=False)


def _mul(*factors: sp.Expr) -> sp.Expr:
    return sp.Mul(*factors, evaluate=False)


def _average(decay: sp.Symbol, state: sp.Symbol, new: sp.Expr) -> sp.Expr:
    """``decay state + (1 - decay) new``, the book's running average, in the book's order."""
    return _add(_mul(decay, state), _mul(_add(1, -decay), new))


def _corrected(state: sp.Symbol, decay: sp.Symbol) -> sp.Expr:
    """``state / (1 - decay^{t+1})``: Adam's correction for the start at 0."""
    return _mul(state, sp.Pow(_add(1, -sp.Pow(decay, _add(t, 1), evaluate=False)), -1, evaluate=False))


def _step(direction: sp.Expr) -> sp.Expr:
    """``phi_t - alpha direction``."""
    return _add(phi, _mul(-1, alpha, direction))


#: name -> ordered assignments in the book's form (unevaluated); ``phi1`` is the new parameter,
#: ``m1``/``v1`` the new state.
UPDATE_RULES: dict[str, list[tuple[sp.Symbol, sp.Expr]]] = {
    "sgd": [(phi1, _step(g))],
    "momentum": [(m1, _average(beta, m, g)), (phi1, _step(m1))],
    "adam": [(m1, _average(beta, m, g)), (v1, _average(gamma, v, sp.Pow(g, 2))),
             (mt, _corrected(m1, beta)), (vt, _corrected(v1, gamma)),
             (phi1, _step(_mul(mt, sp.Pow(_add(sp.sqrt(vt), epsilon), -1, evaluate=False))))],
}


def update_rule(name: str) -> list[tuple[sp.Symbol, sp.Expr]]:
    """The assignments of optimiser ``name`` (``sgd``, ``momentum``, ``adam``)."""
    if name not in UPDATE_RULES:
        raise ValueError(f"no update rule for {name!r}; choose one of {', '.join(UPDATE_RULES)}")
    return UPDATE_RULES[name]


def rule_latex(rule: list[tuple[sp.Symbol, sp.Expr]]) -> list[str]:
    r"""``lhs &= rhs`` lines in the book's notation (bold vectors, operations elementwise)."""
    return [f"{_LATEX[lhs]} &= {sp.latex(rhs, symbol_names=_LATEX, order='none')}" for lhs, rhs in rule]


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
