r"""A derivation is data: ordered equality steps, each with a one-line reason and a check.

Every step states ``lhs = rhs``. A step without its own ``lhs`` continues the chain of the
step before (printed as ``&= rhs``) and is checked against the previous right-hand side. A
step with a new ``lhs`` is checked as ``lhs = rhs`` after expanding the derivation's
``definitions`` (for example, ``L`` defined as a product over samples).

Checks are symbolic where SymPy can prove the difference is zero (``expand``, targeted
rewrites, ``simplify`` on small expressions); otherwise numeric, by evaluating both sides
with mpmath at 50 significant digits at random points of the step's domain. The method
and the largest error seen are recorded on the step.

>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> d = Derivation("square of a sum")
>>> d.add((x + 1) ** 2, "definition", lhs=sp.Symbol("q"), check=False)
>>> d.add(x**2 + 2 * x + 1, "expand the square")
>>> d.check().passed
True
>>> print(d.to_latex())
\begin{align*}
q &= \left(x + 1\right)^{2} && \text{definition}\\
&= x^{2} + 2 x + 1 && \text{expand the square}
\end{align*}
>>> d.add(x**2 + 1, "a deliberately wrong step")
>>> d.check().passed
False
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import sympy as sp

from .printing import latex

__all__ = ["Check", "Step", "Derivation", "check_equal"]

#: Relative/absolute error below which a high-precision numeric check passes.
NUMERIC_TOLERANCE = 1e-25
_DIGITS = 50


@dataclass
class Check:
    """The outcome of checking one equality: method, pass/fail and the largest error."""

    method: str  # "symbolic", "numeric (mpmath, 50 digits, N points)", "definition"
    passed: bool
    max_error: float = 0.0
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "passed": self.passed, "max_error": self.max_error, "detail": self.detail}


def _symbolic_zero(diff: sp.Expr) -> bool:
    if diff == 0:
        return True
    try:
        if sp.expand(diff) == 0:
            return True
        if sp.expand(sp.expand_log(diff, force=True)) == 0:
            return True
        if sp.count_ops(diff) <= 60 and sp.simplify(diff) == 0:
            return True
    except Exception:
        return False
    return False


def _sample(symbol: sp.Symbol, rng: random.Random, domain: Mapping[sp.Symbol, Any]) -> sp.Expr:
    spec = domain.get(symbol)
    if callable(spec):
        return sp.sympify(spec(rng))
    if isinstance(spec, (list, tuple, set, frozenset)):
        return sp.sympify(rng.choice(sorted(spec)))
    if isinstance(spec, sp.Basic):
        return spec
    if symbol.is_integer:
        lo = 1 if symbol.is_positive else 0
        return sp.Integer(rng.randint(lo, 4))
    if symbol.is_positive:
        return sp.Rational(rng.randint(1, 3000), 1000)
    # Generic reals: rationals in [-2, 2], kept away from 0 (ReLU kinks).
    value = 0
    while value == 0:
        value = rng.randint(-2000, 2000)
    return sp.Rational(value, 1000)


def check_equal(
    a: sp.Expr,
    b: sp.Expr,
    domain: Mapping[sp.Symbol, Any] | None = None,
    points: int = 6,
    seed: int = 0,
    symbolic: bool = True,
) -> Check:
    """Check ``a == b``: symbolically if SymPy proves it, else at random points with mpmath.

    ``domain`` maps symbols to a fixed value, a set of allowed values, or a sampler
    ``rng -> value``. Sums and products with symbolic bounds need their bound fixed there.

    >>> import sympy as sp
    >>> z = sp.Symbol("z", real=True)
    >>> check_equal(sp.log(1 / (1 + sp.exp(-z))), -sp.log(1 + sp.exp(-z))).method
    'symbolic'
    """
    domain = dict(domain or {})
    a, b = sp.sympify(a), sp.sympify(b)
    if symbolic:
        fixed = {s: v for s, v in domain.items() if isinstance(v, sp.Basic) and not callable(v)}
        if _symbolic_zero((a - b).xreplace(fixed)):
            return Check("symbolic", True, 0.0)
    rng = random.Random(seed)
    free = sorted((a.free_symbols | b.free_symbols), key=lambda s: s.name)
    max_err = 0.0
    for _ in range(points):
        values = {s: _sample(s, rng, domain) for s in free}
        try:
            va = sp.sympify(a.xreplace(values)).doit().evalf(_DIGITS)
            vb = sp.sympify(b.xreplace(values)).doit().evalf(_DIGITS)
            va = va.xreplace(values).evalf(_DIGITS) if va.free_symbols else va
            vb = vb.xreplace(values).evalf(_DIGITS) if vb.free_symbols else vb
            err = abs(complex(va) - complex(vb))
            scale = max(1.0, abs(complex(vb)))
        except (TypeError, ValueError) as exc:
            return Check(f"numeric (mpmath, {_DIGITS} digits)", False, float("inf"), f"could not evaluate: {exc}")
        max_err = max(max_err, err / scale)
    method = f"numeric (mpmath, {_DIGITS} digits, {points} points)"
    return Check(method, max_err < NUMERIC_TOLERANCE, max_err)


@dataclass
class Step:
    """One equality ``lhs = rhs`` with its reason; ``lhs`` None continues the chain."""

    rhs: sp.Expr
    reason: str
    lhs: sp.Expr | None = None
    checked: bool = True
    domain: Mapping[sp.Symbol, Any] | None = None
    check: Check | None = None
    lhs_latex: str | None = None
    rhs_latex: str | None = None
    rename: Mapping[sp.Basic, sp.Expr] | None = None


@dataclass
class Derivation:
    """An ordered list of checked equality steps; prints as LaTeX ``align*`` or text."""

    title: str
    steps: list[Step] = field(default_factory=list)
    definitions: dict[sp.Basic, sp.Expr] = field(default_factory=dict)
    domain: dict[sp.Symbol, Any] = field(default_factory=dict)

    def add(
        self,
        rhs: sp.Expr,
        reason: str,
        lhs: sp.Expr | None = None,
        check: bool = True,
        domain: Mapping[sp.Symbol, Any] | None = None,
        lhs_latex: str | None = None,
        rhs_latex: str | None = None,
        rename: Mapping[sp.Basic, sp.Expr] | None = None,
    ) -> None:
        """Append a step; ``check=False`` marks a definition (recorded, not proven).

        ``rename`` maps symbols of the previous step to this step's (a change of notation):
        the step is checked as ``previous.xreplace(rename) == rhs``.
        """
        if lhs is None and not self.steps:
            raise ValueError("the first step of a derivation needs a left-hand side (lhs=...)")
        self.steps.append(Step(sp.sympify(rhs), reason, None if lhs is None else sp.sympify(lhs), check,
                               domain, lhs_latex=lhs_latex, rhs_latex=rhs_latex, rename=rename))

    def _expand(self, expr: sp.Expr) -> sp.Expr:
        for _ in range(10):
            new = expr.xreplace(self.definitions) if self.definitions else expr
            if new == expr:
                break
            expr = new
        return expr

    def check(self) -> "DerivationCheck":
        """Check every step; results are stored on the steps and summarised."""
        previous_rhs = None
        for i, step in enumerate(self.steps):
            domain = {**self.domain, **(step.domain or {})}
            if not step.checked:
                step.check = Check("definition", True, 0.0)
            elif step.lhs is None:
                before = previous_rhs.xreplace(step.rename) if step.rename else previous_rhs
                step.check = check_equal(self._expand(before), self._expand(step.rhs), domain, seed=i)
            else:
                step.check = check_equal(self._expand(step.lhs), self._expand(step.rhs), domain, seed=i)
            previous_rhs = step.rhs
        return DerivationCheck(self)

    @property
    def passed(self) -> bool:
        return all(s.check is not None and s.check.passed for s in self.steps)

    # ----- printing ------------------------------------------------------------------
    def to_latex(self, environment: str = "align*", inline_width: int = 150) -> str:
        """LaTeX ``align*``: one row per step, its reason as ``\\text{}`` on the right, or on
        a line of its own below the step when the row would be too wide for the page
        (estimated from the LaTeX source length, ``inline_width``)."""
        rows = []
        for step in self.steps:
            rhs = step.rhs_latex or latex(step.rhs)
            if step.lhs is None:
                left = ""
            else:
                left = step.lhs_latex or latex(step.lhs)
            mark = ""
            if step.check is not None and not step.check.passed:
                mark = r"\quad\textbf{(CHECK FAILED)}"
            reason = _tex_text(step.reason)
            if len(left) + len(rhs) + 2 * len(reason) <= inline_width:
                rows.append(f"{left}{' ' if left else ''}&= {rhs} && \\text{{{reason}}}{mark}")
            else:
                rows.append(f"{left}{' ' if left else ''}&= {rhs}{mark}\\\\\n"
                            f"&\\qquad\\text{{\\footnotesize({reason})}}")
        return f"\\begin{{{environment}}}\n" + "\\\\\n".join(rows) + f"\n\\end{{{environment}}}"

    def to_text(self) -> str:
        lines = [self.title]
        for step in self.steps:
            left = "" if step.lhs is None else sp.sstr(step.lhs)
            status = ""
            if step.check is not None:
                status = f"  [{'ok' if step.check.passed else 'FAILED'}: {step.check.method}]"
            lines.append(f"  {left:>12} = {sp.sstr(step.rhs)}    ({step.reason}){status}")
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.to_latex("aligned") + "$"

    def records(self) -> list[dict[str, Any]]:
        """Verification records (DESIGN.md: name, kind, max_error, passed) for every step."""
        out = []
        for i, step in enumerate(self.steps, start=1):
            c = step.check or Check("unchecked", False, float("inf"))
            out.append({
                "name": f"{self.title}: step {i} ({step.reason})",
                "kind": "derivation-step",
                "method": c.method,
                "max_error": c.max_error,
                "passed": c.passed,
            })
        return out


def _tex_text(text: str) -> str:
    if "$" in text:  # the reason carries its own inline math
        return text
    for ch in "&%#_":
        text = text.replace(ch, "\\" + ch)
    return text


@dataclass
class DerivationCheck:
    derivation: Derivation

    @property
    def passed(self) -> bool:
        return self.derivation.passed

    @property
    def failures(self) -> list[Step]:
        return [s for s in self.derivation.steps if s.check is not None and not s.check.passed]
