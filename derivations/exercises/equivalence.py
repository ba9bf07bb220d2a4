r"""Is a student's expression equal to the reference on the whole domain, or where does it differ?

    answer == reference  <=>  answer(x) = reference(x) at every point x of the domain

A few random points miss an answer that is wrong on part of the line (``|z + 1|`` for
``z + 1`` agrees for every z > -1). :func:`compare` tests the equation at points that cover
the domain:

- every variable at both signs and at every magnitude ``10^-3 .. 10^3`` (two mantissas per
  decade, never 0 itself), within its assumptions (a positive symbol stays positive); a
  variable with a recorded support (``domain``) or an integer variable is enumerated (up to
  :data:`MAX_ENUMERATED` values, the extremes kept);
- both sides of every *switch* of either expression, at the distances :data:`OFFSETS`
  (relative to ``max(1, |root|)``), along each real variable through two of the points above.
  A switch is where an expression changes its formula or is not analytic: the kinks the
  activation registry records (ReLU, leaky ReLU, the indicator, ELU at ``z = 0``), the zeros
  of the arguments of ``Abs``/``sign``/``Heaviside``, of ``Max``/``Min`` differences and of
  ``Piecewise`` conditions, branch points (the argument of a logarithm, the base of a power
  with a non-integer exponent) and poles (the base of a negative power). Roots are solved
  with SymPy where the argument is a polynomial in the variable (``Poly.nroots``), else
  located numerically (:func:`_numeric_roots`: sign changes on a logarithmic grid, and on
  either side of a turning point of the argument between two grid points, then bisection);
  the method line says how many switches were located numerically.

The points are exact rationals drawn from a stream seeded by ``salt`` (the exercise and the
answer): a verdict is reproducible, but the points are not fixed in advance. Where both
values are rational (polynomials, ReLU, indicators at rational points) they are compared
exactly; otherwise at :data:`~symbolic.spec.tolerances.DIGITS` digits (mpmath; an expression
with a variable exponent gets the points as 60-digit floats, as exact powers could have
millions of digits), equal when ``|a - b| <= EXACT_RTOL max(1, |b|)``, the tolerance table's
bound for 50-digit values. Values are complex numbers (principal branches), so
``((n+1)^(1/(n+1)))^(n+2)`` and ``(n+1)^((n+2)/(n+1))`` differ for ``n < -1``. A point where
the reference is not finite (a pole) is skipped; one where only the answer is not finite
refutes it. A difference that SymPy reduces to a nonzero constant (``z`` for ``z + 10^-30``)
refutes at once. What remains accepted: a difference that is not constant and stays below
``EXACT_RTOL max(1, |b|)`` wherever a value is irrational (``sig(z) + 10^-30 z`` for
``sig(z)``), a difference concentrated between two points and away from every switch (a
narrow bump such as ``exp(-10^6 (z - 3/10)^2)``), and a switch whose argument (not a
polynomial) turns more than once between two grid points (10^(1/4) apart) and is positive
only there, away from the turning point found.

>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> compare(sp.Abs(z + 1), z + 1, [z], {}, "E1").equal
False
>>> print(compare(sp.Abs(z + 1), z + 1, [z], {}, "E1").where)
it differs at z = -331/50
>>> compare(sp.exp(z) / (1 + sp.exp(z)), 1 / (1 + sp.exp(-z)), [z], {}, "E1").equal
True
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import random
from dataclasses import dataclass
from typing import Mapping, Sequence

import mpmath
from mpmath.libmp.libhyper import NoConvergence
import sympy as sp

from symbolic.core.gates import StockDefined
from symbolic.core.step_check import _unfold
from symbolic.spec.activations import ACTIVATIONS
from symbolic.spec.tolerances import DIGITS, EXACT_RTOL

__all__ = ["Comparison", "compare", "proven_by_rewriting", "sample_points", "switches", "MAGNITUDES", "OFFSETS", "MAX_ENUMERATED"]

#: Decades every real variable is sampled at (both signs where its assumptions allow).
MAGNITUDES = tuple(range(-3, 4))
#: Distances (relative to max(1, |root|)) of the points on either side of a switch.
OFFSETS = (sp.Rational(1, 10**6), sp.Rational(1, 10**3), sp.Rational(1, 10))
#: A finite support or integer range larger than this is sampled (its extremes kept).
MAX_ENUMERATED = 40
#: Points on the magnitude grid (the rest of the points lie beside switches).
MAX_BASE_POINTS = 40
#: Switch points at most, and numeric root searches at most, per comparison.
MAX_SWITCH_POINTS = 72
MAX_NUMERIC_SEARCHES = 4
#: Digits of the second and third look at a point where the values differ at DIGITS digits.
SHARPER_DIGITS = (10 * DIGITS, 100 * DIGITS)
_PREC = int(DIGITS * 3.33) + 8  # bits
_GRID = sorted([sp.Integer(0)] + [s * sp.Rational(f"{10 ** (k / 4):.4g}") for k in range(-12, 13) for s in (-1, 1)])


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`: equal at every point, the number of points where both
    were compared, the switches found, and the first point where they differ (printable)."""

    equal: bool
    points: int
    switches: int
    where: str = ""
    point: tuple = ()
    numeric: int = 0  # switches whose zeros were searched for numerically (not solved)

    @property
    def method(self) -> str:
        if not self.equal:
            return "equivalence refuted " + ("by a constant difference" if not self.point else "at a point of the domain")
        sides = f", both sides of {self.switches} switch{'es' if self.switches != 1 else ''}" if self.switches else ""
        if self.numeric:
            sides += (f"; {self.numeric} of them located numerically, at sign changes of the argument on a grid of "
                      f"{len(_GRID)} points and beside its turning points, not proven to be every zero")
        return (f"equal at {self.points} points of the domain (exact where rational, else to {DIGITS} digits; "
                f"both signs, magnitudes 1e-3 to 1e3{sides})")


# ----- switches: kinks, branch points, poles ------------------------------------------------

def _conditions(piecewise: sp.Piecewise) -> list[sp.Expr]:
    out = []
    for _, cond in piecewise.args:
        for rel in getattr(cond, "atoms", lambda *_: ())(sp.core.relational.Relational):
            out.append(rel.lhs - rel.rhs)
    return out


def switches(expr: sp.Expr) -> list[sp.Expr]:
    """The arguments whose zeros are the switches of ``expr`` (kinks, branch points, poles).

    >>> z = sp.Symbol("z", real=True)
    >>> from symbolic.activations.functions import ReLU
    >>> switches(ReLU(2 * z + 1) + sp.log(z) / (z - 3))
    [z, z - 3, 2*z + 1]
    """
    found: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, StockDefined) and isinstance(node, sp.Function):
            entry = getattr(type(node), "entry", None)
            kinks = ACTIVATIONS.get(entry).kinks if entry in ACTIVATIONS else None
            if kinks is not None:
                found += [node.args[0] - sp.Rational(k.numerator, k.denominator) for k in kinks]
            else:
                definition = type(node).definition(*node.args)
                for pw in definition.atoms(sp.Piecewise):
                    found += _conditions(pw)
        elif isinstance(node, (sp.Abs, sp.sign, sp.Heaviside, sp.log, sp.gamma, sp.loggamma, sp.factorial)):
            found.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            found += [a - b for a, b in itertools.combinations(node.args, 2)]
        elif isinstance(node, sp.Piecewise):
            found += _conditions(node)
        elif isinstance(node, sp.Pow):
            e = node.exp
            if not e.is_integer or e.is_negative:
                found.append(node.base)
    out = []
    for g in found:
        if g.free_symbols and g not in out:
            out.append(g)
    return sorted(out, key=sp.default_sort_key)


def _polynomial_roots(g: sp.Expr, s: sp.Symbol) -> list[sp.Rational] | None:
    try:
        if not g.is_polynomial(s):
            if not g.is_rational_function(s):
                return None
            g = sp.numer(sp.together(g))
        poly = sp.Poly(g, s)
        if poly.degree() > 8:
            return None
        if poly.degree() < 1:
            return []
        roots = poly.nroots(n=30, maxsteps=60)
    except (sp.PolynomialError, NoConvergence, TypeError, ValueError, NotImplementedError):
        return None
    real = []
    for r in roots:
        re_part, im_part = r.as_real_imag()
        if abs(im_part) <= 1e-20 * max(1, abs(re_part)):
            real.append(sp.Rational(re_part))
    return real


def _numeric_switches(exprs: Sequence[sp.Expr], domain: Mapping) -> int:
    """How many switch arguments of ``exprs`` are not solved (:func:`_polynomial_roots`) in a
    variable that is not enumerated: their zeros are located numerically."""
    found = []
    for e in exprs:
        found += [g for g in switches(e) if g not in found]
    return sum(any(not (s in domain or s.is_integer) and not _solvable(g, s) for s in g.free_symbols) for g in found)


def _solvable(g: sp.Expr, s: sp.Symbol) -> bool:
    try:
        if not g.is_rational_function(s):
            return False
        return sp.Poly(sp.numer(sp.together(g)), s).degree() <= 8
    except (sp.PolynomialError, TypeError, ValueError, NotImplementedError):
        return False


def _sign(g: sp.Expr, s: sp.Symbol, x: sp.Expr) -> int | None:
    v = value(g, {s: x}, 30)
    if isinstance(v, sp.Rational):
        return int(sp.sign(v))
    return int(mpmath.sign(v)) if isinstance(v, mpmath.mpf) else None


def _bisect(g: sp.Expr, s: sp.Symbol, lo: sp.Rational, hi: sp.Rational, s_lo: int, halvings: int = 40) -> sp.Rational:
    """A zero of ``g`` between ``lo`` and ``hi``, where its sign changes from ``s_lo``
    (bisection: at most 2^-40 of the interval away)."""
    for _ in range(halvings):
        mid = (lo + hi) / 2
        sm = _sign(g, s, mid)
        if sm is None or sm == 0:
            return sp.Rational(sp.Float(mid, 20))
        lo, hi = (mid, hi) if sm == s_lo else (lo, mid)
    return sp.Rational(sp.Float((lo + hi) / 2, 20))


def _derivative(g: sp.Expr, s: sp.Symbol) -> sp.Expr | None:
    try:
        d = sp.diff(_unfold(g), s)
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return None
    return None if d.has(sp.Derivative, sp.Subs) else d


def _numeric_roots(g: sp.Expr, s: sp.Symbol) -> list[sp.Rational]:
    """Zeros of ``g`` located numerically on a logarithmic grid of ``s`` (0, +-10^-3 ..
    +-10^3): the sign changes between grid points, and the sign changes on either side of a
    turning point (a sign change of the derivative between grid points, refined by
    bisection) where ``g`` has the other sign, so that an argument positive only on a narrow
    interval between two grid points (``sin(z) - 0.9999`` near pi/2) is found; each refined by
    bisection. An argument that turns more than once between two grid points can still hide
    a zero there."""
    grid = _GRID
    signs = [_sign(g, s, x) for x in grid]
    d = _derivative(g, s)
    slopes = [_sign(d, s, x) for x in grid] if d is not None else [None] * len(grid)
    roots = []
    for i in range(len(grid) - 1):
        (x0, x1), (s0, s1), (d0, d1) = grid[i:i + 2], signs[i:i + 2], slopes[i:i + 2]
        if s0 == 0:
            roots.append(sp.Rational(x0))
        if s0 is None or s1 is None:
            continue
        pieces = [(x0, s0), (x1, s1)]
        if d0 is not None and d1 is not None and d0 * d1 < 0:
            turn = _bisect(d, s, x0, x1, d0, halvings=30)
            s_turn = _sign(g, s, turn)
            if s_turn == 0:
                roots.append(turn)
            elif s_turn is not None:
                pieces.insert(1, (turn, s_turn))
        for (a, sa), (b, sb) in zip(pieces, pieces[1:]):
            if sa != 0 and sb != 0 and sa != sb:
                roots.append(_bisect(g, s, a, b, sa))
    if signs[-1] == 0:
        roots.append(sp.Rational(grid[-1]))
    return sorted(set(roots))


# ----- sample points ----------------------------------------------------------------------

def _suits(s: sp.Symbol, x: sp.Rational) -> bool:
    return not ((s.is_positive and x <= 0) or (s.is_nonnegative and x < 0) or (s.is_negative and x >= 0)
                or (s.is_nonpositive and x > 0) or (s.is_integer and not x.is_integer) or (s.is_nonzero and x == 0))


def _enumerate(values: list, rng: random.Random) -> list:
    values = sorted(set(values), key=sp.default_sort_key)
    if len(values) <= MAX_ENUMERATED:
        return values
    return [values[0], values[-1]] + rng.sample(values[1:-1], MAX_ENUMERATED - 2)


def _pool(s: sp.Symbol, domain: Mapping, rng: random.Random) -> tuple[list[sp.Rational], bool]:
    """A variable's sample values, and whether they enumerate it (support or integers)."""
    if s in domain:
        # the key's support values are SymPy numbers already (key.py); nothing here goes through sympify
        return _enumerate([v if isinstance(v, sp.Basic) else sp.Rational(v) for v in domain[s]], rng), True
    if s.is_integer:
        candidates = list(range(-8, 9)) + [v * sign for v in (10, 20, 50, 100, 1000) for sign in (-1, 1)]
        return _enumerate([sp.Integer(v) for v in candidates if _suits(s, sp.Integer(v))], rng), True
    values = []  # not 0 itself: like a kink, a measure-zero point where removable singularities sit
    for k in MAGNITUDES:
        for sign in (-1, 1):
            for _ in range(2):
                x = sign * sp.Rational(rng.randint(100, 999), 100) * sp.Integer(10) ** k
                if _suits(s, x):
                    values.append(x)
    return values, False


def _salted(salt: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(salt.encode()).digest()[:8], "big"))


def sample_points(exprs: Sequence[sp.Expr], variables: Sequence[sp.Symbol], domain: Mapping,
                  salt: str) -> tuple[list[dict], int]:
    """Points covering the variables' domain and both sides of every switch of ``exprs``,
    drawn from a stream seeded by ``salt``; returns them and the number of switches.

    >>> z = sp.Symbol("z", positive=True)
    >>> points, n = sample_points([sp.Abs(z - 5)], [z], {}, "E1")
    >>> n, all(p[z] > 0 for p in points), any(5 < p[z] < 5 + 10**-5 for p in points)
    (1, True, True)
    """
    rng = _salted(salt)
    symbols = [s for s in variables if any(s in e.free_symbols for e in exprs)]
    if not symbols:
        return [{}], 0
    pools = {s: _pool(s, domain, rng) for s in symbols}
    n_base = min(MAX_BASE_POINTS, max([12] + [len(v) for v, _ in pools.values()]))
    columns = {}
    for s, (values, _) in pools.items():
        order = rng.sample(values, len(values))
        columns[s] = [order[i % len(order)] for i in range(n_base)]
    base = [{s: columns[s][i] for s in symbols} for i in range(n_base)]
    found = []
    for e in exprs:
        found += [g for g in switches(e) if g not in found]
    extra: list[dict] = []
    searches, searched = 0, {}
    for origin in base[:2]:
        for s in symbols:
            values, enumerated = pools[s]
            if s in domain:
                continue  # its whole support (or a sample of it, extremes kept) is enumerated
            others = {t: v for t, v in origin.items() if t is not s}
            for g in found:
                gs = g.xreplace(others)
                if s not in gs.free_symbols:
                    continue
                roots = _polynomial_roots(gs, s)
                if roots is None:
                    if (gs, s) in searched:
                        roots = searched[gs, s]
                    elif enumerated or searches >= MAX_NUMERIC_SEARCHES:
                        continue
                    else:
                        searches += 1
                        roots = searched[gs, s] = _numeric_roots(gs, s)
                for r in roots:
                    if abs(r) > 10**4:
                        continue
                    if enumerated:
                        near = {sp.floor(r) - 1, sp.floor(r), sp.ceiling(r), sp.ceiling(r) + 1}
                        xs = [x for x in near if x in values or (s not in domain and _suits(s, x))]
                    else:
                        scale = max(sp.Integer(1), abs(r))
                        xs = [x for d in OFFSETS for x in (r - d * scale, r + d * scale) if _suits(s, x)]
                    extra += [{**origin, s: x} for x in xs]
    points, seen = [], set()
    for p in base + extra:
        key = tuple(sorted(p.items(), key=lambda kv: kv[0].name))
        if key not in seen:
            seen.add(key)
            points.append(p)
    points = points[:len(base) + MAX_SWITCH_POINTS]
    # Moderate points first: a wrong answer is refuted before any value at 10^3 (where a
    # nested exponential costs SymPy a long evaluation) is computed.
    points.sort(key=lambda p: any(abs(v) > 10 for v in p.values()))
    return points, len(found)


# ----- values and the comparison -----------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _exact(expr: sp.Expr) -> bool:
    """Rational points can be put into ``expr`` exactly (no power has a variable exponent)."""
    return not any(p.exp.free_symbols for p in expr.atoms(sp.Pow))


def value(expr: sp.Expr, point: Mapping, digits: int = DIGITS) -> sp.Rational | mpmath.mpf | mpmath.mpc | None:
    """``expr`` at ``point``: exact when rational, else to ``digits`` digits (mpmath); None
    where it is not a finite number."""
    try:
        if _exact(expr):
            v = expr.xreplace(dict(point))
        else:  # a power with a variable exponent: exact powers could have millions of digits
            v = expr.xreplace({s: sp.Float(x, digits + 10) for s, x in point.items()})
        if v.is_Rational:
            return v
        if v.free_symbols or v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            return None
        m = v._to_mpmath(int(digits * 3.33) + 8)
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError):
        return None
    if not isinstance(m, (mpmath.mpf, mpmath.mpc)) or not mpmath.isfinite(m):
        return None
    return m


def agree(a, b) -> bool:
    """Exactly equal when both are rational, else ``|a - b| <= EXACT_RTOL max(1, |b|)``."""
    if isinstance(a, sp.Rational) and isinstance(b, sp.Rational):
        return a == b
    with mpmath.workprec(_PREC):
        x = mpmath.mpmathify(a) if not isinstance(a, sp.Rational) else mpmath.mpf(a.p) / a.q
        y = mpmath.mpmathify(b) if not isinstance(b, sp.Rational) else mpmath.mpf(b.p) / b.q
        return mpmath.fabs(x - y) <= EXACT_RTOL * max(1, mpmath.fabs(y))


def _sharper(answer: sp.Expr, reference: sp.Expr, point: Mapping, a, b) -> tuple:
    """Both values again at :data:`SHARPER_DIGITS` digits while they differ and a value still
    moves (``a``, ``b``: the values at :data:`DIGITS`): a form that cancels (``1 - sig(f)`` at
    f = 5000 is ``e^-5000``) needs more than 50 digits, and only a difference that persists
    refutes."""
    for digits in SHARPER_DIGITS:
        a2, b2 = value(answer, point, digits), value(reference, point, digits)
        settled = all(old is not None and new is not None and agree(old, new) for old, new in ((a, a2), (b, b2)))
        a, b = a2, b2
        if settled or (a is not None and b is not None and agree(a, b)):
            break
    return a, b


def _where(point: Mapping) -> str:
    def show(x):
        x = sp.Rational(x)
        return sp.sstr(x) if x.q <= 1000 else f"{float(x):.12g}"

    return ", ".join(f"{s.name} = {show(v)}" for s, v in sorted(point.items(), key=lambda kv: kv[0].name))


def compare(answer: sp.Expr, reference: sp.Expr, variables: Sequence[sp.Symbol], domain: Mapping,
            salt: str, points: tuple[list[dict], int] | None = None) -> Comparison:
    """Compare ``answer`` with ``reference`` at the points of :func:`sample_points` (or at
    ``points``, as it returns them): a constant difference SymPy can tell from 0 refutes at
    once; else the first point where they differ, or equal at every point."""
    difference = answer - reference
    if not difference.free_symbols and difference.is_zero is False:
        # the constant is not named: the answer minus it would be the key, and feedback reaches the student
        return Comparison(False, 0, 0, "they differ by a nonzero constant")
    points, n_switches = points or sample_points([answer, reference], variables, domain, salt)
    numeric = _numeric_switches([answer, reference], domain)
    compared = 0
    for p in points:
        b = value(reference, p)
        if b is None:
            continue  # a pole of the reference, or outside its domain
        a = value(answer, p)
        if a is None or not agree(a, b):
            a, b = _sharper(answer, reference, p, a, b)
            if b is None:
                continue
            if a is None:
                return Comparison(False, compared, n_switches, f"it is not finite at {_where(p)}", tuple(p.items()))
            if not agree(a, b):
                return Comparison(False, compared, n_switches, f"it differs at {_where(p)}", tuple(p.items()))
        compared += 1
    if compared == 0:
        return Comparison(False, 0, n_switches, "the correct answer could not be evaluated at any point")
    return Comparison(True, compared, n_switches, numeric=numeric)


def proven_by_rewriting(answer: sp.Expr, reference: sp.Expr) -> bool:
    """``answer - reference`` vanishes once the package's functions are unfolded into their
    definitions, rewritten with ``exp`` and put over one denominator (a quick proof: ``tanh``,
    ``sig`` and ``softplus`` forms of one expression).

    >>> f = sp.Symbol("f", real=True)
    >>> proven_by_rewriting((sp.tanh(-f / 2) + 1) / 2, 1 / (1 + sp.exp(f)))
    True
    """
    difference = _unfold(answer - reference)
    if difference == 0:
        return True
    if sp.count_ops(difference) > 200:
        return False
    try:
        rewritten = difference.rewrite(sp.exp)
        return sp.expand(sp.numer(sp.together(sp.expand(rewritten)))) == 0
    except (TypeError, ValueError, ArithmeticError, AttributeError, NotImplementedError, sp.PolynomialError):
        return False
