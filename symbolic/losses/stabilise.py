r"""A stable form of a registered loss, derived by rewriting ``-log Pr(y | link[f])``.

A lecturer's loss registered without ``stable=`` is the negative log of the linked density.
In float64 that expression can be ``nan`` where the loss is small and finite (the Bernoulli
pmf with the sigmoid link: ``log(1 - sig[40])`` is ``log 0``) or lose a residual to
cancellation (a Cauchy loss expanded to ``log(f^2 e^{-2s} - 2 f y e^{-2s} + y^2 e^{-2s} + 1)``
at ``|f| ~ 1e8``). :func:`stable_form` rewrites it with the identities in :data:`REWRITES`,
the ones the built-in losses are written with:

=============  ======================================================================
rewrite        identity
=============  ======================================================================
sigmoid        ``log sig[u] = -softplus[-u]`` (and ``1 - sig[u] = sig[-u]``)
softplus       ``log(1 + e^u) = softplus[u]``
logsumexp      ``log(e^{u_1} + e^{u_2} + ...) = logsumexp[u_1, u_2, ...]``
log1p-square   ``log(1 + (u e^s)^2)`` evaluated in the log domain where ``u e^s`` overflows
log1p          ``log(1 + x)`` evaluated by ``log1p``
exp-scaled     ``u e^t`` evaluated as ``(u e^{t/2}) e^{t/2}`` (outside logarithms)
=============  ======================================================================

The result is a candidate, not a claim: :func:`symbolic.losses.custom.register_loss` compares
it with ``-log Pr`` at random points, and the recipe engine adds it to the per-sample
derivation as a step checked against the expanded logarithm. Where no rewrite applies,
:func:`stable_form` returns None and the expanded negative log-likelihood is compiled (and
printed as such).

>>> from symbolic.core.printing import latex
>>> f, y = sp.Symbol("f", real=True), sp.Symbol("y", integer=True, nonnegative=True)
>>> lam = 1 / (1 + sp.exp(-f))
>>> form = stable_form(sp.expand_log(-sp.log(lam**y * (1 - lam) ** (1 - y)), force=True))
>>> print(latex(form.expr))
y\, \mathrm{softplus}\left[- f\right] + \left(1 - y\right) \mathrm{softplus}\left[f\right]
>>> [r.name for r in form.rewrites]
['sigmoid', 'softplus']
>>> stable_form(sp.log(2) + f) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symbolic.activations.functions import Softplus, StockDefined, sig
from symbolic.core.reason import Fact, Reason
from symbolic.losses.functions import ExpScaled, Log1p, Log1pSquare
from symbolic.losses.sample import LogSumExp

__all__ = ["Rewrite", "REWRITES", "StableForm", "stable_form"]

#: Expressions larger than this (operations) are not factored or put over a common denominator.
_MAX_OPS = 400


@dataclass(frozen=True)
class Rewrite:
    """One identity a stable form is derived by: ``lhs = rhs`` in the symbols u, s, x.

    ``how`` says in words how the right-hand side is evaluated where its LaTeX is its
    definition; the mathematics printed is always the identity's own LaTeX.
    """

    name: str
    lhs: sp.Expr
    rhs: sp.Expr
    how: str = ""

    def text(self) -> Reason:
        r"""The identity as the reason of a step prints it (``$\log(1 + e^{u}) = \mathrm{softplus}[u]$``): a
        :class:`~symbolic.core.reason.Reason` whose identity is a fact, read back and proven where it is printed."""
        if self.how:
            return Reason("$@lhs$ @how", lhs=self.lhs, how=self.how)
        return Reason("$@identity$", identity=Fact(self.lhs, self.rhs))


_u, _s, _t = sp.Symbol("u", real=True), sp.Symbol("s", real=True), sp.Symbol("t", real=True)
_u1, _u2 = sp.Symbol("u_1", real=True), sp.Symbol("u_2", real=True)
_x = sp.Symbol("x", positive=True)

#: The rewrites, by name; each is an identity (tests prove them with the step checker).
REWRITES: dict[str, Rewrite] = {r.name: r for r in (
    Rewrite("sigmoid", sp.log(sig(_u)), -Softplus(-_u)),
    Rewrite("softplus", sp.log(1 + sp.exp(_u)), Softplus(_u)),
    Rewrite("logsumexp", sp.log(sp.exp(_u1) + sp.exp(_u2)), LogSumExp(_u1, _u2)),
    Rewrite("log1p-square", sp.log(1 + (_u * sp.exp(_s)) ** 2), Log1pSquare(_u, _s),
            "evaluated in the log domain where the square overflows"),
    Rewrite("log1p", sp.log(1 + _x), Log1p(_x), "evaluated by log1p"),
    Rewrite("exp-scaled", _u * sp.exp(_t), ExpScaled(_u, _t), "evaluated with the exponential split in two halves "
            "(a zero factor stays 0 where the exponential overflows)"),
)}


@dataclass(frozen=True)
class StableForm:
    """A per-sample loss rewritten for float64 and the rewrites that made it."""

    expr: sp.Expr
    rewrites: tuple[Rewrite, ...]

    def reason(self) -> str:
        """The reason of the derivation step that introduces it, naming each identity used."""
        out = Reason("a numerically stable form, derived by rewriting: ")
        for k, rewrite in enumerate(self.rewrites):
            out = out + ("; " if k else "") + rewrite.text()
        return out


def _exponent(term: sp.Expr) -> sp.Expr | None:
    """w with ``term = e^w`` (a positive number c counts as ``e^{log c}``), else None."""
    c, factors = term.as_coeff_mul()
    if not factors:
        return sp.log(c) if c.is_positive else None
    if len(factors) == 1 and isinstance(factors[0], sp.exp) and c.is_positive:
        return factors[0].args[0] + (sp.log(c) if c != 1 else 0)
    return None


def _one_plus_exp(a: sp.Expr) -> sp.Expr | None:
    """w with ``a = 1 + e^w``, else None."""
    if not a.is_Add or len(a.args) != 2 or sp.S.One not in a.args:
        return None
    rest = a - 1
    return rest.args[0] if isinstance(rest, sp.exp) else None


def _sigmoid_argument(a: sp.Expr) -> sp.Expr | None:
    """u with ``a = sig[u]``: ``sig(u)``, ``1/(1 + e^{-u})``, ``e^u/(1 + e^u)``, ``1 - sig[-u]``; else None."""
    if isinstance(a, sig):
        return a.args[0]
    if a.is_Add and len(a.args) == 2 and sp.S.One in a.args:  # 1 - sig[v] = sig[-v]
        v = _sigmoid_argument(-(a - 1))
        if v is not None:
            return -v
    if sp.count_ops(a) > _MAX_OPS:
        return None
    numerator, denominator = sp.fraction(sp.together(a))
    w = _one_plus_exp(denominator)
    if w is None:
        return None
    if numerator == 1:
        return -w
    if numerator == sp.exp(w):
        return w
    return None


def _square(w: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """(u, s) with ``w = (u e^s)^2``: a positive number, even powers and exponentials; else None."""
    c, factors = w.as_coeff_mul()
    if not c.is_positive:
        return None
    u, s, squares = sp.sqrt(c), sp.S.Zero, 0
    for factor in factors:
        if isinstance(factor, sp.exp):
            s += factor.args[0] / 2
        elif factor.is_Pow and factor.exp.is_Integer and factor.exp.is_even and factor.exp > 0:
            u, squares = u * factor.base ** (factor.exp // 2), squares + 1
        else:
            return None
    return (u, s) if squares else None


def _log(a: sp.Expr, used: list[str]) -> sp.Expr | None:
    """The rewrite of ``log(a)``, recording the rewrite's name in ``used``; None: none applies."""
    u = _sigmoid_argument(a)
    if u is not None:
        used.append("sigmoid")
        return -Softplus(-u)
    if not a.is_Add or a.is_number:
        return None
    exponents = [_exponent(t) for t in a.args]
    if all(w is not None for w in exponents):
        if len(exponents) == 2 and 0 in exponents:
            used.append("softplus")
            return Softplus(exponents[1 - exponents.index(0)])
        used.append("logsumexp")
        return LogSumExp(*exponents)
    if sp.S.One not in a.args:
        return None
    w = a - 1
    if sp.count_ops(w) <= _MAX_OPS:
        w = sp.factor(w)
    square = _square(w)
    if square is not None:
        used.append("log1p-square")
        return Log1pSquare(*square)
    used.append("log1p")
    return Log1p(w)


def _has_stable_function(expr: sp.Expr) -> bool:
    return any(isinstance(e, StockDefined) for e in sp.preorder_traversal(expr))


def _scaled(term: sp.Expr, used: list[str]) -> sp.Expr:
    """A term ``c u e^t`` outside the logarithms as ``c ExpScaled(u, t)`` (``u^2 e^t`` as the
    square of ``ExpScaled(u, t/2)``); other terms unchanged."""
    c, factors = term.as_coeff_mul()
    exps = [a for a in factors if isinstance(a, sp.exp) and not a.args[0].is_number]
    others = [a for a in factors if a not in exps]
    if len(exps) != 1 or not others or any(_has_stable_function(a) for a in others):
        return term
    t = exps[0].args[0]
    used.append("exp-scaled")
    if len(others) == 1 and others[0].is_Pow and others[0].exp == 2:
        return c * ExpScaled(others[0].base, t / 2) ** 2
    return c * ExpScaled(sp.Mul(*others), t)


def stable_form(neg_log: sp.Expr) -> StableForm | None:
    r"""``l = -log Pr(y | link[f])`` rewritten by :data:`REWRITES` (see the module docstring), or
    None when no rewrite applies.

    Parameters
    ----------
    neg_log : the negative log-likelihood with its logarithm expanded over products and powers
        (``sympy.expand_log(-log(Pr), force=True)``), but its sums not multiplied out: a Cauchy
        loss's ``log(1 + (y - f)^2 e^{-2s})`` keeps its residual.

    >>> f, y, s = sp.Symbol("f_1", real=True), sp.Symbol("y", real=True), sp.Symbol("f_2", real=True)
    >>> cauchy = 1 / (sp.pi * sp.exp(s) * (1 + ((y - f) / sp.exp(s)) ** 2))
    >>> form = stable_form(sp.expand_log(-sp.log(cauchy), force=True))
    >>> [r.name for r in form.rewrites], form.expr == s + sp.log(sp.pi) + Log1pSquare(y - f, -s)
    (['log1p-square'], True)
    """
    used: list[str] = []
    logs = {}
    for atom in sorted(neg_log.atoms(sp.log), key=sp.default_sort_key):
        new = _log(atom.args[0], used)
        if new is not None:
            logs[atom] = new
    rewritten = neg_log.xreplace(logs)
    terms = sp.Add.make_args(sp.expand(rewritten, deep=False))
    rewritten = sp.Add(*[_scaled(t, used) for t in terms])
    if not used:
        return None
    functions = sorted(rewritten.atoms(Softplus, LogSumExp, Log1p, Log1pSquare), key=sp.default_sort_key)
    if functions:
        rewritten = sp.collect(rewritten, functions)
    names = list(dict.fromkeys(used))
    return StableForm(rewritten, tuple(REWRITES[n] for n in names))
