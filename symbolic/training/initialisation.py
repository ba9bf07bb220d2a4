r"""Initialisation (Prince, UDL section 7.5): the variance of the pre-activations and of the
gradients through a layer, and the weight variance that keeps them (He for ReLU, Glorot for tanh).

A layer computes ``f' = beta + Omega h`` from ``h = a[f]``. With ``beta = 0`` and the weights
``Omega_ij`` independent, of mean 0 and variance ``sigma_Omega^2``, independent of ``h``:

* forward: ``sigma_{f'}^2 = D_h sigma_Omega^2 E[h^2]``, and for ReLU of a pre-activation
  symmetric about 0, ``E[h^2] = sigma_f^2 / 2``; the variance stays when
  ``sigma_Omega^2 = 2 / D_h`` (He initialisation);
* backward: ``dl/dh_j = sum_i Omega_ij dl/df'_i`` and ``dl/df_j = I[f_j > 0] dl/dh_j``, so
  ``sigma_{df}^2 = D_{h'} sigma_Omega^2 sigma_{df'}^2 / 2``: the gradients keep their variance
  when ``sigma_Omega^2 = 2 / D_{h'}`` (treating the gradients as independent of the weights,
  as the book does);
* tanh is linear near 0: ``sigma_Omega^2 = 1 / D_h`` forward, ``1 / D_{h'}`` backward, and
  Glorot's compromise ``2 / (D_h + D_{h'})``.

Every step is checked: the expectation steps by exact moment expansion
(:func:`moment_expansion`, independent normal weights, for ``D_h = 1..6``), the integrals by
SymPy, each rule by substituting it into its condition.

>>> d = forward_variance()
>>> d.check().passed, d.steps[-1].rhs
(True, D_h*sigma_f**2*sigma_{\Omega}**2/2)
>>> he_rule().rhs
2/D_h
"""

from __future__ import annotations

import sympy as sp

from symbolic.core.derivation import Derivation
from symbolic.core.step_check import Check

__all__ = ["D_h", "D_next", "sigma_Omega", "sigma_f", "sigma_next", "sigma_df", "sigma_dnext", "f",
           "forward_variance", "backward_variance", "he_rule", "he_backward_rule", "glorot_rule",
           "rule_check", "moment_expansion", "relu_second_moment", "variance_ratio"]

D_h = sp.Symbol("D_h", positive=True, integer=True)
D_next = sp.Symbol("D_{h'}", positive=True, integer=True)
sigma_Omega = sp.Symbol(r"sigma_{\Omega}", positive=True)
sigma_f = sp.Symbol("sigma_f", positive=True)
sigma_next = sp.Symbol("sigma_{f'}", positive=True)
sigma_df = sp.Symbol(r"sigma_{\partial f}", positive=True)
sigma_dnext = sp.Symbol(r"sigma_{\partial f'}", positive=True)
f = sp.Symbol("f", real=True)
h = sp.Symbol("h", real=True)


class Expectation(sp.Function):
    r"""``E[x]``, the expectation of a unit's quantity: a name the derivation gives a value by its
    steps (no definition of its own), printed as the book writes it, ``\mathbb{E}[h^{2}]``.

    >>> from symbolic.core.printing import latex
    >>> print(latex(Expectation(h**2)))
    \mathbb{E}[h^{2}]
    """

    nargs = 1

    def _eval_is_positive(self):  # the mean square of a unit that is not constantly 0
        return True if self.args[0].is_Pow and self.args[0].exp == 2 else None

    def _latex(self, printer, exp=None) -> str:
        tex = rf"\mathbb{{E}}[{printer._print(self.args[0])}]"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"


#: E[h^2], the second moment of a unit's activation.
second_moment = Expectation(h**2)
#: Widths the moment expansion is checked at.
WIDTHS = range(1, 7)


def _normal_density(x: sp.Symbol, s: sp.Symbol) -> sp.Expr:
    return sp.exp(-x**2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)


def relu_second_moment(s: sp.Expr = sigma_f) -> sp.Expr:
    """E[ReLU(f)^2] for f ~ N(0, s^2), integrated over the whole line (SymPy): s^2 / 2."""
    return sp.integrate(sp.Piecewise((f**2, f > 0), (0, True)) * _normal_density(f, s), (f, -sp.oo, sp.oo))


def moment_expansion(width: int, gate: bool = False, moment: sp.Expr = second_moment) -> sp.Expr:
    r"""E[(I sum_{j=1}^{width} Omega_j h_j)^2] by expanding the square and taking each term's
    expectation from independence: the Omega_j normal with mean 0 and variance sigma_Omega^2
    (odd moments 0, the fourth 3 sigma^4), the h_j alike with second moment ``moment``; ``gate``:
    I is an indicator I[f > 0] (I^k = I, mean 1/2), the backward pass's ReLU derivative, else 1.

    >>> moment_expansion(3), moment_expansion(2, gate=True, moment=sp.Symbol("g2"))
    (3*sigma_{\Omega}**2*Expectation(h**2), g2*sigma_{\Omega}**2)
    """
    omega = sp.symbols(f"Omega_1:{width + 1}", real=True)
    h = sp.symbols(f"h_1:{width + 1}", real=True)
    indicator = sp.Symbol("I", real=True)
    expanded = sp.expand(((indicator if gate else 1) * sum(w * x for w, x in zip(omega, h))) ** 2)
    total = sp.S.Zero
    for term in sp.Add.make_args(expanded):
        coefficient, powers = term.as_coeff_mul()
        value = coefficient
        for factor in powers:
            base, exponent = factor.as_base_exp()
            if base in omega:  # normal moments: 0 for odd powers, (k - 1)!! sigma^k for even ones
                value *= 0 if exponent % 2 else sigma_Omega ** exponent * sp.factorial2(exponent - 1)
            elif base in h:
                value *= moment if exponent == 2 else sp.Symbol(f"E_{{h^{exponent}}}")
            else:  # the indicator: I^k = I, mean 1/2
                value *= sp.Rational(1, 2)
        total += value
    return sp.expand(total)


def _moment_check(expected, gate: bool = False, moment: sp.Expr = second_moment) -> Check:
    """The expansion for D = 1..6 equals ``expected(D)`` (exact)."""
    wrong = []
    for width in WIDTHS:
        got = moment_expansion(width, gate, moment)
        if sp.expand(got - expected(width)) != 0:
            wrong.append(f"D = {width}: {got}")
    return Check(f"exact moment expansion for D = {WIDTHS.start}..{WIDTHS.stop - 1}", not wrong,
                 0.0 if not wrong else float("inf"), "; ".join(wrong))


def _same(a: sp.Expr, b: sp.Expr, method: str) -> Check:
    ok = sp.simplify(a - b) == 0
    return Check(method, ok, 0.0 if ok else float("inf"), "" if ok else f"{a} != {b}")


def forward_variance() -> Derivation:
    """E[h^2] = sigma_f^2 / 2 for ReLU, and sigma_{f'}^2 = D_h sigma_Omega^2 E[h^2] = D_h sigma_Omega^2 sigma_f^2 / 2
    (the pre-activations normal with mean 0)."""
    from symbolic.activations.functions import ReLU

    d = Derivation("the variance of the next layer's pre-activations")
    # the density kept a factor of its own, so that it prints in the book's form (symbolic.core.book_forms)
    whole = sp.Integral(sp.Mul(ReLU(f) ** 2, _normal_density(f, sigma_f), evaluate=False), (f, -sp.oo, sp.oo))
    half = sp.Integral(sp.Mul(f**2, _normal_density(f, sigma_f), evaluate=False), (f, 0, sp.oo))
    d.add(whole, "definition: the mean square of a ReLU unit's output, its pre-activation normal with mean 0",
          lhs=second_moment, check=False)
    # each check reads its step's printed objects when it runs (a changed step is checked as changed)
    d.add(half, "ReLU is 0 below 0 and the identity above",
          verify=lambda: _same(relu_second_moment(), d.steps[1].rhs.doit(), "symbolic (both integrals by SymPy)"))
    d.add(sigma_f**2 / 2, "the integral: half of the variance, by symmetry",
          verify=lambda: _same(d.steps[1].rhs.doit(), d.steps[2].rhs, "symbolic (SymPy's integral)"))
    d.add(D_h * sigma_Omega**2 * second_moment,
          "no bias; the weights are independent, of mean 0 and independent of the activations: "
          "the cross terms vanish and the squares are alike",
          lhs=sigma_next**2,
          verify=lambda: _moment_check(lambda w: d.steps[3].rhs.subs(D_h, w)))
    d.add(D_h * sigma_Omega**2 * sigma_f**2 / 2, "the second moment found above",
          verify=lambda: _same(d.steps[3].rhs.subs(second_moment, relu_second_moment()), d.steps[4].rhs,
                               "symbolic (the integral put in)"))
    return d


def backward_variance() -> Derivation:
    """sigma_{df}^2 = D_{h'} sigma_Omega^2 sigma_{df'}^2 / 2 for ReLU."""
    d = Derivation("the variance of the gradients one layer down")
    d.add(D_next * sigma_Omega**2 * sigma_dnext**2 / 2,
          "the chain rule through the weights to the units above, then through the ReLU; the weights are "
          "independent, of mean 0 and (as the book assumes) independent of the gradients; the ReLU passes half",
          lhs=sigma_df**2, verify=lambda: _moment_check(lambda w: d.steps[0].rhs.subs(D_next, w), gate=True,
                                                         moment=sigma_dnext**2))
    return d


def variance_ratio(kind: str = "forward", activation: str = "relu") -> sp.Expr:
    """The factor by which one layer multiplies the variance (forward) or the gradients' variance
    (backward): ReLU halves it, tanh near 0 keeps it."""
    width = D_h if kind == "forward" else D_next
    return width * sigma_Omega**2 * (sp.Rational(1, 2) if activation == "relu" else 1)


def he_rule() -> sp.Equality:
    """sigma_Omega^2 = 2 / D_h: the forward variance kept (the ratio 1)."""
    return sp.Eq(sigma_Omega**2, sp.solve(sp.Eq(variance_ratio("forward"), 1), sigma_Omega)[0] ** 2)


def he_backward_rule() -> sp.Equality:
    """sigma_Omega^2 = 2 / D_{h'}: the gradients' variance kept."""
    return sp.Eq(sigma_Omega**2, sp.solve(sp.Eq(variance_ratio("backward"), 1), sigma_Omega)[0] ** 2)


def glorot_rule() -> sp.Equality:
    """sigma_Omega^2 = 2 / (D_h + D_{h'}): for tanh (linear near 0), the mean of the forward
    condition's D_h and the backward condition's D_{h'}."""
    return sp.Eq(sigma_Omega**2, 2 / (D_h + D_next))


def rule_check(rule: sp.Equality, kind: str, activation: str) -> Check:
    """``rule`` put into its condition: the layer's factor is exactly 1 (He, forward or backward);
    for Glorot, ``1 / sigma_Omega^2`` is the mean of the forward and the backward conditions'
    ``1 / sigma_Omega^2`` (``D_h`` and ``D_{h'}``)."""
    if activation == "tanh":
        forward = sp.solve(sp.Eq(variance_ratio("forward", "tanh"), 1), sigma_Omega)[0] ** 2
        backward = sp.solve(sp.Eq(variance_ratio("backward", "tanh"), 1), sigma_Omega)[0] ** 2
        ok = sp.simplify(1 / rule.rhs - (1 / forward + 1 / backward) / 2) == 0
    else:
        ok = sp.simplify(variance_ratio(kind, activation).subs(sigma_Omega**2, rule.rhs) - 1) == 0
    return Check("symbolic (the rule put into its condition)", ok, 0.0 if ok else float("inf"))
