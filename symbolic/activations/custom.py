r"""A lecturer's own activations: ``register_activation(name, expr)``.

The expression, in one real symbol z, is the whole definition. SymPy derives the
derivative a'[z]; the torch and numpy code are printed from the expression (SymPy's
``_torchcode``/``_numpycode`` hooks of the new Function class); the kinks are the points
where an ``Abs``, ``sign``, ``Max``/``Min``, ``Piecewise`` condition or step function in it
switches (found by ``solveset``); the activation is piecewise linear when its second
derivative vanishes away from them. The entry then travels the built-ins' road: ``derive``,
``verify``, ``evaluate``, ``train``, ``regions`` (piecewise linear with one kink) and the notes.

SymPy's ``Heaviside`` is rewritten to the package's indicator ``I[z > 0]`` (0 at 0, as
torch's ReLU'(0) = 0), and ``Max``/``Min`` through ``ReLU`` (``max(a, b) = b + ReLU[a - b]``;
SymPy's derivative of ``Max`` is 1/2 at the tie).

>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> entry = make_activation("softsign", z / (1 + sp.Abs(z)))
>>> entry.kinks, entry.piecewise_linear  # |z| switches at 0, but both one-sided slopes there are 1
((), False)
>>> a = entry.sympy_function()
>>> print(sp.latex(a(z)))
\mathrm{softsign}\left[z\right]
>>> print(sp.diff(a(z), z))
-z*sign(z)/(Abs(z) + 1)**2 + 1/(Abs(z) + 1)
>>> make_activation("bad", z * sp.Symbol("w"))
Traceback (most recent call last):
...
ValueError: activation 'bad' must be an expression in one real symbol, got 2: w, z
"""

from __future__ import annotations

import ast
import importlib.util
import keyword
import re
from pathlib import Path
from typing import Any, Callable, Sequence

import sympy as sp

from symbolic.spec.activations import ACTIVATIONS, Activation
from symbolic.spec.registry import resolve_path
from symbolic.activations.functions import ACTIVATION_CLASSES, Activation as ActivationFunction, Indicator, ReLU

__all__ = ["register_activation", "make_activation", "RegisteredActivation"]

#: Where a registered expression must be a finite real number (an activation is defined on all of R).
_PROBES = (-3.7, -1.3, -0.4, 0.0, 0.6, 1.9, 3.2)
#: Rational points at which piecewise linearity (a'' = 0) and a given derivative are checked.
_POINTS = tuple(sp.Rational(p, 7) for p in (-23, -11, -5, -2, 3, 6, 13, 26))


class RegisteredActivation(ActivationFunction):
    """Base class of the registered activations: a[z] and a'[z] are stored ``Lambda``s of the
    lecturer's expression and its SymPy derivative; exact at numbers."""

    _expr: sp.Lambda
    _slope: sp.Lambda

    @classmethod
    def eval(cls, z):
        if z.is_Number:
            return cls._expr(z)
        return None

    @classmethod
    def definition(cls, z):
        return cls._expr(z)

    def fdiff(self, argindex=1):
        return self._slope(self.args[0])


def _class_name(name: str) -> str:
    base = re.sub(r"\W", "_", name)
    if not base or base[0].isdigit():
        base = "_" + base
    if keyword.iskeyword(base) or hasattr(sp, base) or base in ACTIVATION_CLASSES or base in ("LogSumExp",):
        base = f"act_{base}"
    return base


def _latex_name(name: str) -> str:
    return r"\mathrm{" + re.sub(r"([_&%$#{}])", r"\\\1", name) + "}"


def _max(*args: sp.Expr) -> sp.Expr:
    out = args[0]
    for b in args[1:]:
        out = b + ReLU(out - b)  # max(a, b) = b + ReLU[a - b]
    return out


def _min(*args: sp.Expr) -> sp.Expr:
    out = args[0]
    for b in args[1:]:
        out = out - ReLU(out - b)  # min(a, b) = a - ReLU[a - b]
    return out


def _standard(expr: sp.Expr) -> sp.Expr:
    """Heaviside -> I[. > 0] (0 at 0); Max/Min -> through ReLU, whose derivative I[. > 0]
    is 0 at the tie as torch's (SymPy's derivative of Max is 1/2 there)."""
    expr = expr.replace(lambda e: isinstance(e, sp.Heaviside), lambda e: Indicator(e.args[0]))
    expr = expr.replace(lambda e: isinstance(e, sp.Max), lambda e: _max(*e.args))
    return expr.replace(lambda e: isinstance(e, sp.Min), lambda e: _min(*e.args))


def _piecewise(expr: sp.Expr) -> sp.Expr:
    """The expression with the package's functions written as their stock definitions
    (Piecewise), for SymPy's solveset and limits."""
    return expr.replace(lambda e: isinstance(e, ActivationFunction), lambda e: e.definition(*e.args))


def _switches(expr: sp.Expr) -> list[sp.Expr]:
    """Expressions g(z) (with the value t at which they switch) whose crossing makes a kink."""
    out = []
    for e in sp.preorder_traversal(expr):
        if isinstance(e, (sp.Abs, sp.sign, sp.floor, sp.ceiling)):
            out.append(e.args[0])
        elif isinstance(e, sp.Piecewise):
            for _, cond in e.args:
                for rel in ([cond] if isinstance(cond, sp.core.relational.Relational) else cond.atoms(
                        sp.core.relational.Relational)):
                    out.append(rel.lhs - rel.rhs)
        elif isinstance(e, ActivationFunction):
            entry = ACTIVATIONS.get(e.entry) if e.entry in ACTIVATIONS else None
            for t in (entry.kinks or ()) if entry is not None else ():
                out.append(e.args[0] - sp.nsimplify(t))
    return out


def switch_kind(expr: sp.Expr, z: sp.Symbol, t: sp.Expr) -> tuple[str, sp.Float, sp.Float]:
    """What happens to ``a[z] = expr`` where it switches, at ``z = t``: ``"step"`` (its value
    jumps), ``"kink"`` (continuous, its one-sided slopes differ) or ``"smooth"`` (both agree:
    differentiable there, although a piece or an |.| switches); with the left and right slopes,
    each evaluated 10^-30 from ``t`` to 40 digits (``expr`` in stock SymPy: its definition).

    >>> z = sp.Symbol("z", real=True)
    >>> switch_kind(z / (1 + sp.Abs(z)), z, 0)[0], switch_kind(sp.Abs(z), z, 0)[0]
    ('smooth', 'kink')
    """
    e = sp.Rational(1, 10**30)
    slope = sp.diff(expr, z).replace(lambda x: isinstance(x, sp.DiracDelta), lambda x: sp.S.Zero)
    left, right = (sp.N(slope.subs(z, t + s * e), 40) for s in (-1, 1))
    if not _is_continuous(expr, z, (t,)):
        return "step", left, right
    return ("kink" if abs(left - right) > 1e-20 else "smooth"), left, right


def _kinks(name: str, expr: sp.Expr, z: sp.Symbol) -> tuple:
    """The points where a[.] is not differentiable: where a piece or an |.| switches and its
    value jumps or its one-sided slopes differ (a smooth switch, as softsign's |z| at 0, is none)."""
    found: set = set()
    for g in _switches(_piecewise(expr)):
        solutions = sp.solveset(g, z, sp.S.Reals)
        if isinstance(solutions, sp.FiniteSet):
            found |= set(solutions)
        elif solutions is not sp.S.EmptySet:
            raise ValueError(f"activation {name!r}: cannot find where {g} = 0 (SymPy gives {solutions}); "
                             "pass kinks=[...] to register_activation")
    plain = _piecewise(expr)
    return tuple(sorted((t for t in found if switch_kind(plain, z, t)[0] != "smooth"), key=float))


def _number(expr: sp.Expr, z: sp.Symbol, at) -> complex | None:
    try:
        value = complex(sp.N(expr.subs(z, at), 30))
    except (TypeError, ValueError):
        return None
    return value


def _is_piecewise_linear(slope: sp.Expr, z: sp.Symbol, kinks: tuple) -> bool:
    second = sp.diff(slope, z).replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    points = [p for p in _POINTS if all(abs(float(p) - float(t)) > 1e-9 for t in kinks)]
    return all(second.subs(z, p) == 0 for p in points)


def _is_continuous(expr: sp.Expr, z: sp.Symbol, kinks: tuple) -> bool:
    """No jump at a kink: a[t - e] and a[t + e] agree to 1e-20 for e = 10^-30 (exact
    rational arithmetic; a piecewise-linear a[.] moves by about e there unless it jumps)."""
    e = sp.Rational(1, 10**30)
    return all(abs(sp.N(expr.subs(z, t + e) - expr.subs(z, t - e), 40)) < 1e-20 for t in kinks)


def _defined_in_source(path: str) -> bool:
    """True when the module of a dotted path defines its last name as a function or class at its
    top level, read from the module's source without importing its package (torch takes a second
    or two to import, and ``derive`` needs no torch); False when that cannot be told this way."""
    module, _, attr = path.rpartition(".")
    package, *inner = module.split(".")
    try:
        spec = importlib.util.find_spec(package)  # a top-level name: found without importing it
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.submodule_search_locations:
        return False
    base = Path(next(iter(spec.submodule_search_locations)), *inner)
    source = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    return any(isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == attr for node in tree.body)


def _check_torch(name: str, function: str | Callable | None) -> None:
    """A ``torch=`` function must exist and be callable. A dotted path that its module's source
    defines is accepted as it is; any other is imported now, with a "did you mean" for a
    misspelt part (unless torch cannot be imported here: the command that builds the twin
    then says so)."""
    if function is None or callable(function):
        return
    if not isinstance(function, str):
        raise TypeError(f"the torch function of activation {name!r} must be a callable or a dotted path such as "
                        f"'torch.nn.functional.softsign', got {type(function).__name__} {function!r}")
    if _defined_in_source(function):
        return
    try:
        found = resolve_path(function)
    except ImportError:
        return
    except ValueError as exc:
        raise ValueError(f"the torch function of activation {name!r}: {exc}") from None
    if not callable(found):
        raise ValueError(f"the torch function of activation {name!r}, {function!r}, is a {type(found).__name__}, "
                         f"not a function; name a function such as 'torch.nn.functional.softsign'")


def make_activation(name: str, expr: sp.Expr, *, derivative: sp.Expr | None = None,
                    kinks: Sequence[Any] | None = None, latex: str | None = None, title: str | None = None,
                    torch: str | Callable | None = None) -> Activation:
    r"""The registry entry of the activation ``a[z] = expr``, not registered (see
    :func:`register_activation`; the notes use this to show an example without taking its name).

    Parameters
    ----------
    name : the name (``--activation NAME``).
    expr : a SymPy expression in exactly one symbol (taken as real).
    derivative : a'[z] in the same symbol; default SymPy's ``diff``; a given one is checked
        against it at 8 points away from the kinks.
    kinks : the points where a[.] is not differentiable; default found by SymPy.
    latex : LaTeX of the name; default ``\mathrm{name}``.
    title : the name in prose; default ``name``.
    torch : a torch function for the twin (a callable, or a dotted path such as
        ``"torch.nn.functional.softsign"``, checked now: read from its module's source where
        that defines it, else imported; a misspelt part is refused with a "did you mean");
        default the torch code printed from ``expr``.

    >>> z = sp.Symbol("z", real=True)
    >>> entry = make_activation("hardtanh-mine", sp.Max(-1, sp.Min(1, z)))
    >>> entry.kinks, entry.piecewise_linear, entry.regions_ready
    ((-1, 1), True, False)
    """
    if not isinstance(name, str) or not name or name.startswith("-") or re.search(r"\s", name):
        raise ValueError(f"activation name must be a non-empty string without spaces that does not start with "
                         f"'-', got {name!r}")
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"activation {name!r} must be a SymPy expression in one real symbol, got "
                        f"{type(expr).__name__} {expr!r}")
    symbols = sorted(expr.free_symbols, key=lambda s: s.name)
    if len(symbols) != 1:
        got = f"{len(symbols)}: {', '.join(s.name for s in symbols)}" if symbols else "a constant"
        raise ValueError(f"activation {name!r} must be an expression in one real symbol, got {got}")
    z = sp.Symbol(symbols[0].name, real=True)
    expr = _standard(expr.xreplace({symbols[0]: z}))
    for p in _PROBES:
        value = _number(expr, z, sp.Float(p))
        if value is None or value.imag != 0 or not abs(value.real) < float("inf"):
            raise ValueError(f"activation {name!r} is not a finite real number at {z} = {p} (it is "
                             f"{sp.N(expr.subs(z, p), 6)}): an activation must be defined for every real {z}")
    slope = sp.diff(expr, z)
    if kinks is None:
        found = _kinks(name, expr, z)
    else:
        found = tuple(sorted((sp.nsimplify(k) for k in kinks), key=float))
    if derivative is not None:
        given = _standard(sp.sympify(derivative).xreplace({symbols[0]: z}))
        for p in _POINTS:
            if any(abs(float(p) - float(t)) < 1e-9 for t in found):
                continue
            a, b = _number(given, z, p), _number(slope, z, p)
            if a is None or b is None or abs(a - b) > 1e-20 * max(1.0, abs(b)):
                raise ValueError(f"activation {name!r}: the given derivative {given} differs from d/d{z} of the "
                                 f"expression, {slope}, at {z} = {p}")
        slope = given
    _check_torch(name, torch)
    piecewise_linear = _is_piecewise_linear(slope, z, found)
    cls = type(_class_name(name), (RegisteredActivation,), {
        "_expr": sp.Lambda(z, expr), "_slope": sp.Lambda(z, slope), "latex_name": latex or _latex_name(name),
        "__module__": __name__, "__doc__": f"The registered activation {name}[{z}] = {expr}."})
    return Activation(name, title or name, latex or _latex_name(name), cls, kinks=found,
                      piecewise_linear=piecewise_linear,
                      continuous=_is_continuous(expr, z, found) if piecewise_linear else True, torch=torch,
                      definition_latex=rf"{latex or _latex_name(name)}[{sp.latex(z)}] = {sp.latex(expr)}")


def register_activation(name: str, expr: sp.Expr, **options: Any) -> Activation:
    r"""Register the activation ``a[z] = expr`` (one real symbol z) under ``name`` for every
    command; options as :func:`make_activation`. Returns its registry entry.

    The derivative comes from SymPy, the torch code is printed from ``expr`` (unless
    ``torch=`` names a torch function), the kinks are found by SymPy (unless ``kinks=``
    states them). A name that is taken is refused.

    >>> z = sp.Symbol("z", real=True)
    >>> register_activation("relu", z)
    Traceback (most recent call last):
    ...
    ValueError: activation 'relu' is already registered; choose another name
    """
    if name in ACTIVATIONS:
        ACTIVATIONS.add(name, None)  # the registry's own message: already registered
    entry = make_activation(name, expr, **options)
    ACTIVATIONS.add(name, entry)
    ACTIVATION_CLASSES[entry.sympy.__name__] = entry.sympy
    return entry
