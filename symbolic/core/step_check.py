r"""Checking one equality ``a = b``: proven symbolically, or checked at N random points.

A proof tries targeted rewrites first (``expand``, logarithm rules for positive arguments,
a common denominator, the package's function definitions, ``simplify`` only on small
expressions), then structure: linearity of sums over samples (``log prod_i = sum_i log``),
independent groups of terms, and case splits over a finite support (:class:`Cases`). What
SymPy cannot prove is evaluated with mpmath at :data:`DIGITS` significant digits at random
points of the domain, and passes below :data:`symbolic.spec.tolerances.EXACT_RTOL`. The
method and the largest error seen are returned as a :class:`Check`.

A step of a :class:`symbolic.core.derivation.Derivation` is checked by :func:`check_equal`.

>>> import sympy as sp
>>> x = sp.Symbol("x", positive=True)
>>> check_equal(sp.log(x**2), 2 * sp.log(x)).method
'symbolic (log rules, confirmed numerically)'
>>> c = check_equal(sp.gamma(x + 1), x * sp.gamma(x), symbolic=False)
>>> c.method, c.passed
('numeric (mpmath, 50 digits, 6 points)', True)
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any, Mapping

import sympy as sp

from symbolic.spec.tolerances import DIGITS, EXACT_RTOL

__all__ = ["Cases", "Check", "check_equal", "NUMERIC_TOLERANCE", "DIGITS"]

#: Relative error below which a high-precision numeric check passes (the tolerance table's).
NUMERIC_TOLERANCE = EXACT_RTOL
_DIGITS = DIGITS


@dataclass
class Check:
    """The outcome of checking one equality: method, pass/fail and the largest error."""

    method: str  # "symbolic", "numeric (mpmath, 50 digits, N points)", "definition"
    passed: bool
    max_error: float = 0.0
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "passed": self.passed, "max_error": self.max_error, "detail": self.detail}


def _symbolic_zero(diff: sp.Expr, thorough: bool = True) -> bool:
    """True when targeted rewrites reduce ``diff`` to 0: expansion, logarithm rules (for
    positive arguments), a common denominator; ``thorough`` adds ``simplify`` for small
    expressions (never on big ones)."""
    if diff == 0:
        return True
    try:
        if sp.expand(diff) == 0:
            return True
        logs = sp.expand(sp.expand_log(diff, force=True))
        if logs == 0:
            return True
        if sp.count_ops(diff) <= 60:
            if sp.expand(sp.numer(sp.together(logs))) == 0:
                return True
            if thorough and sp.simplify(diff) == 0:
                return True
    except Exception:
        return False
    return False


class Cases(frozenset):
    """The complete, finite set of values a symbol takes (its support), e.g. ``y`` in {0, 1}.

    In a domain, ``Cases`` lets a check prove an identity case by case (substitute each
    value, prove each result); a plain set only supplies sample points.

    >>> sorted(Cases({1, 0}))
    [0, 1]
    """


def _unfold(expr: sp.Expr) -> sp.Expr:
    """Replace the package's functions (activations, logsumexp, softmax) by their stock
    SymPy definitions, ``y!`` by ``Gamma(y + 1)`` and ``logGamma(x)`` by ``log(Gamma(x))``
    for positive x (a targeted rewrite, true on that domain)."""

    def has_definition(e) -> bool:
        return isinstance(e, sp.Function) and callable(getattr(type(e), "definition", None))

    expr = expr.replace(has_definition, lambda e: type(e).definition(*e.args))
    expr = expr.replace(lambda e: isinstance(e, sp.factorial), lambda e: sp.gamma(e.args[0] + 1))
    return expr.replace(lambda e: isinstance(e, sp.loggamma) and e.args[0].is_positive,
                        lambda e: sp.log(sp.gamma(e.args[0])))


def _evaluate_operators(expr: sp.Expr) -> sp.Expr:
    """Carry out derivatives, substitutions, integrals and infinite sums (``doit``)."""

    def evaluable(e) -> bool:
        if isinstance(e, (sp.Derivative, sp.Subs, sp.Integral)):
            return True
        return isinstance(e, sp.Sum) and any(lim[2] is sp.oo for lim in e.limits)

    if not expr.has(sp.Derivative, sp.Subs, sp.Integral, sp.Sum):
        return expr
    return expr.replace(evaluable, lambda e: e.doit())


def _log_of_product(expr: sp.Expr) -> sp.Expr:
    """``log(prod_i g_i) -> sum_i log(g_i)`` (the likelihood's logarithm; factors positive)."""
    return expr.replace(lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Product),
                        lambda e: sp.Sum(sp.log(e.args[0].function), *e.args[0].limits))


def _split_sums(expr: sp.Expr) -> tuple[sp.Expr, dict[tuple, sp.Expr]] | None:
    """Write ``expr`` as ``rest + sum_k Sum(g_k, limits_k)`` with one summand per range.

    Linearity of the sum: constant factors move inside, sums over the same range merge,
    and summand terms free of the index become ``count * term``. Returns None when no
    sum appears linearly.
    """
    expr = _log_of_product(sp.expand_log(expr, force=True))
    rest: list[sp.Expr] = []
    summands: dict[tuple, list[sp.Expr]] = {}
    for term in sp.Add.make_args(sp.expand(expr)):
        factors = sp.Mul.make_args(term)
        sums = [f for f in factors if isinstance(f, sp.Sum)]
        if len(sums) != 1:
            rest.append(term)
            continue
        S = sums[0]
        indices = {lim[0] for lim in S.limits}
        others = sp.Mul(*[f for f in factors if f is not S])
        if others.free_symbols & indices:
            rest.append(term)
            continue
        for part in sp.Add.make_args(sp.expand(others * S.function)):
            if part.free_symbols & indices or len(S.limits) != 1:
                summands.setdefault(S.limits, []).append(part)
            else:
                _, lo, hi = S.limits[0]
                rest.append(part * (hi - lo + 1))
    if not summands:
        return None
    return sp.Add(*rest), {lim: sp.Add(*parts) for lim, parts in summands.items()}


def _domain_of(atom: sp.Basic, domain: Mapping[sp.Basic, Any]) -> Any:
    if atom in domain:
        return domain[atom]
    if isinstance(atom, sp.Indexed):
        for key in (atom.base, atom.base.label):
            if key in domain:
                return domain[key]
    return None


def _atoms(expr: sp.Expr) -> set[sp.Basic]:
    """Free symbols and concrete indexed elements (``y[2]``), but not IndexedBase labels."""
    indexed = {a for a in expr.atoms(sp.Indexed) if a.free_symbols <= {a, a.base.label}}
    labels = {a.base.label for a in expr.atoms(sp.Indexed)}
    free = {s for s in expr.free_symbols if not isinstance(s, sp.Indexed) and s not in labels}
    return free | indexed


def _case_atoms(expr: sp.Expr, domain: Mapping[sp.Basic, Any]) -> list[sp.Basic]:
    candidates = [s for s in expr.free_symbols if not (isinstance(s, sp.Symbol) and any(
        isinstance(a, sp.Indexed) and a.base.label == s for a in expr.atoms(sp.Indexed)))]
    return sorted((a for a in candidates if isinstance(_domain_of(a, domain), Cases)), key=sp.default_sort_key)


def _separate(diff: sp.Expr) -> list[sp.Expr]:
    """Split a sum into groups of terms that share no free symbols (e.g. one group per
    target); the sum is identically zero when every group is."""
    terms = sp.Add.make_args(sp.expand_log(diff, force=True))
    if len(terms) < 2:
        return [diff]
    groups: list[tuple[set, list[sp.Expr]]] = []
    for term in terms:
        symbols = set(term.free_symbols)
        merged = [g for g in groups if g[0] & symbols]
        rest = [g for g in groups if not g[0] & symbols]
        new = (symbols.union(*[g[0] for g in merged]), [t for g in merged for t in g[1]] + [term])
        groups = rest + [new]
    return [sp.Add(*g[1]) for g in groups]


def _prove_zero(diff: sp.Expr, domain: Mapping[sp.Basic, Any], depth: int = 0) -> str | None:
    """A proof that ``diff`` is identically 0, as the name of the method, or None."""
    diff = _evaluate_operators(diff)
    unfolded = _unfold(diff)
    candidates = [diff] if unfolded == diff else [diff, unfolded]
    if any(_symbolic_zero(e, thorough=False) for e in candidates):
        return "symbolic"
    method = _prove_by_structure(diff, unfolded, domain, depth)
    if method:
        return method
    if any(_symbolic_zero(e, thorough=True) for e in candidates):
        return "symbolic"
    return None


def _prove_by_structure(diff: sp.Expr, unfolded: sp.Expr, domain: Mapping[sp.Basic, Any], depth: int) -> str | None:
    """Linearity of sums over samples, independent groups of terms, cases over a support."""
    if depth < 3 and unfolded.has(sp.Sum, sp.Product):
        split = _split_sums(unfolded)
        if split is not None:
            rest, summands = split
            methods = [_prove_zero(rest, domain, depth + 1)] + [_prove_zero(g, domain, depth + 1)
                                                                for g in summands.values()]
            if all(methods):
                cases = sorted({m for m in methods if m != "symbolic"})
                return "symbolic (termwise over the sum" + ("; " + "; ".join(c[10:-1] for c in cases) if cases
                                                             else "") + ")"
    groups = _separate(diff)
    if depth < 3 and len(groups) > 1:
        methods = [_prove_zero(g, domain, depth + 1) for g in groups]
        if all(methods):
            return methods[0] if len(set(methods)) == 1 else "symbolic"
    atoms = _case_atoms(unfolded, domain)
    if depth < 3 and atoms:
        values = [sorted(_domain_of(a, domain), key=sp.default_sort_key) for a in atoms]
        combos = list(itertools.product(*values))
        if len(combos) <= 64:
            for combo in combos:
                case = unfolded.xreplace(dict(zip(atoms, map(sp.sympify, combo))))
                if not _prove_zero(case, domain, depth + 1):
                    return None
            names = ", ".join(sp.sstr(a) for a in atoms)
            return f"symbolic (case by case over {names})"
    return None


def _sample(symbol: sp.Basic, rng: random.Random, domain: Mapping[sp.Basic, Any]) -> sp.Expr:
    spec = _domain_of(symbol, domain)
    if callable(spec) and not isinstance(spec, sp.Basic):
        return sp.sympify(spec(rng))
    if isinstance(spec, (list, tuple, set, frozenset)):
        return sp.sympify(rng.choice(sorted(spec, key=sp.default_sort_key)))
    if isinstance(spec, sp.Basic):
        return spec
    if symbol.is_integer:
        lo = 1 if symbol.is_positive else 0
        return sp.Integer(rng.randint(lo, 4))
    if symbol.is_positive or symbol.is_nonnegative:
        return sp.Rational(rng.randint(1, 3000), 1000)
    # Generic reals: rationals in [-2, 2], kept away from 0 (ReLU kinks).
    value = 0
    while value == 0:
        value = rng.randint(-2000, 2000)
    return sp.Rational(value, 1000)


def _finite_doit(expr: sp.Expr) -> sp.Expr:
    """Expand sums and products with numeric bounds, carry out derivatives."""

    def finite(e) -> bool:
        if isinstance(e, (sp.Derivative, sp.Subs)):
            return True
        return isinstance(e, (sp.Sum, sp.Product)) and all(
            lim[1].is_Integer and lim[2].is_Integer for lim in e.limits)

    for _ in range(4):
        new = expr.replace(finite, lambda e: e.doit())
        if new == expr:
            break
        expr = new
    return expr


def check_equal(
    a: sp.Expr,
    b: sp.Expr,
    domain: Mapping[sp.Basic, Any] | None = None,
    points: int = 6,
    seed: int = 0,
    symbolic: bool = True,
) -> Check:
    r"""Check ``a == b``: symbolically if SymPy proves it, else at random points with mpmath.

    ``domain`` maps symbols (or an ``IndexedBase``, for all its elements) to a fixed value,
    a set of sample values, a :class:`Cases` set (the complete support: proofs may go case
    by case), or a sampler ``rng -> value``. Symbolic proofs use expansion, logarithm
    rules, the package's function definitions, linearity of sums over samples
    (``log prod_i = sum_i log``) and case splits; numeric checks draw the sample count
    ``I`` of a sum (1..4 unless fixed) and then every ``y_i``.

    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> check_equal(sp.log(1 / (1 + sp.exp(-z))), -sp.log(1 + sp.exp(-z))).method
    'symbolic (log rules, confirmed numerically)'
    >>> check_equal(sp.log(z**2), 2 * sp.log(z)).passed  # false for z < 0
    False
    >>> i, I = sp.Symbol("i", integer=True, positive=True), sp.Symbol("I", integer=True, positive=True)
    >>> r = sp.IndexedBase("r", real=True)
    >>> c = sp.log(2 * sp.pi) / 2
    >>> check_equal(sp.Sum(r[i]**2 / 2 + c, (i, 1, I)), sp.Sum(r[i]**2, (i, 1, I)) / 2 + I * c).method
    'symbolic (termwise over the sum)'
    """
    domain = dict(domain or {})
    a, b = sp.sympify(a), sp.sympify(b)
    if symbolic:
        fixed = {s: v for s, v in domain.items() if isinstance(v, sp.Basic) and not callable(v)}
        method = _prove_zero((a - b).xreplace(fixed), domain)
        if method and not any(log.args[0].free_symbols for log in (a - b).atoms(sp.log)):
            return Check(method, True, 0.0)
        if method:
            # The logarithm rules (log(uv) = log u + log v, log u^p = p log u) hold for positive
            # arguments only; SymPy applies them by force, so the proof is confirmed numerically.
            numeric = _numeric_check(a, b, domain, points, seed)
            if numeric.passed:
                return Check(f"{method} (log rules, confirmed numerically)", True, numeric.max_error)
            return Check(f"{method} (log rules) REFUTED numerically", False, numeric.max_error, numeric.detail)
    return _numeric_check(a, b, domain, points, seed)


def _numeric_check(a: sp.Expr, b: sp.Expr, domain: Mapping[sp.Basic, Any], points: int, seed: int) -> Check:
    """Evaluate ``a - b`` at ``points`` random points of ``domain`` with mpmath."""
    rng = random.Random(seed)
    max_err = 0.0
    for _ in range(points):
        values: dict[sp.Basic, sp.Expr] = {}
        try:
            ea, eb = _finite_doit(a), _finite_doit(b)
            for _round in range(6):
                atoms = _atoms(ea) | _atoms(eb)
                if not atoms:
                    break
                for s in sorted(atoms - set(values), key=sp.default_sort_key):
                    values[s] = _sample(s, rng, domain)
                ea, eb = _finite_doit(ea.xreplace(values)), _finite_doit(eb.xreplace(values))
            va, vb = ea.evalf(_DIGITS), eb.evalf(_DIGITS)
            err = abs(complex(sp.N(va - vb, _DIGITS)))  # the difference at full precision
            scale = max(1.0, abs(complex(vb)))
        except (TypeError, ValueError) as exc:
            return Check(f"numeric (mpmath, {_DIGITS} digits)", False, float("inf"), f"could not evaluate: {exc}")
        if err != err:  # nan
            return Check(f"numeric (mpmath, {_DIGITS} digits)", False, float("inf"), "evaluated to nan")
        max_err = max(max_err, err / scale)
    method = f"numeric (mpmath, {_DIGITS} digits, {points} points)"
    return Check(method, max_err < NUMERIC_TOLERANCE, max_err)
