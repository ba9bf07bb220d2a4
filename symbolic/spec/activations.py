r"""The registry of activations a[.]: one entry object per name, read by both sides.

An :class:`Activation` entry holds everything a command needs to know about one activation:
its SymPy definition (a Function class, built lazily; its derivative comes from SymPy), its
parameters with their defaults (Prince's leaky ReLU slope 1/10, ELU's alpha), its kinks
(points where it is not differentiable), whether it is piecewise linear, its LaTeX name, and
its torch function (a code template for the built-ins, else printed from the SymPy
expression). ``symbolic.spec.NetworkSpec`` validates a name against :data:`ACTIVATIONS`;
``symbolic.activations.functions.activation`` and ``numeric.activations.torch_activation`` ask the
entry. A lecturer adds an entry with ``symbolic.register_activation(name, expr)``.

This module is plain Python (no SymPy, no torch at import) so that ``numeric`` can import it.

>>> entry = ACTIVATIONS.get("leaky_relu")
>>> entry.latex, dict(entry.params), entry.kinks, entry.piecewise_linear
('\\mathrm{LReLU}', {'slope': Fraction(1, 10)}, (Fraction(0, 1),), True)
>>> ACTIVATIONS.get("rleu")
Traceback (most recent call last):
...
ValueError: unknown activation 'rleu' (did you mean 'relu'?); choose one of relu, leaky_relu, sigmoid, tanh, softplus, elu, gelu, swish, heaviside, linear
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Mapping

from symbolic.spec.registry import Registry

__all__ = ["Activation", "ACTIVATIONS", "bind_sympy", "regions_activations", "check_regions_activation"]


@dataclass(frozen=True, eq=False)
class Activation:
    r"""One activation a[z] and everything both realisations need of it.

    Parameters
    ----------
    name : the registry key (``"relu"``).
    title : the name in prose (``"leaky ReLU (slope 0.1)"``).
    latex : LaTeX of the function's name (``\mathrm{ReLU}``), printed as ``\mathrm{ReLU}\left[z\right]``.
    sympy : the SymPy Function class (called as ``cls(z, *params)``); None for a built-in,
        whose class the SymPy side binds when it is imported (:func:`bind_sympy`: this
        module names no module above it).
    identity : a[z] = z (no SymPy class).
    params : parameter defaults, in the order the SymPy class takes them (exact Fractions).
    positive : the parameters that must be positive.
    kinks : the points where a[.] is not differentiable (exact numbers); a cross-check keeps
        its samples away from them. None when they are not known.
    piecewise_linear : a[.] is linear between its kinks.
    continuous : a[.] is continuous (the Heaviside step is not).
    torch_code, numpy_code : code templates, ``{0}`` the argument and ``{1}``, ... the
        parameters; the SymPy printers and the torch twin both use them. None: printed from
        the SymPy definition.
    torch : a torch function given by the user (a callable or a dotted path such as
        ``"torch.nn.functional.softsign"``), used by the twin instead of printed code.
    definition_latex : the defining equation, for prose (``\mathrm{sig}[z] = 1/(1 + e^{-z})``).
    builtin : shipped with the package (not registered by a lecturer).
    """

    name: str
    title: str
    latex: str
    sympy: Any = None
    params: Mapping[str, Fraction] = field(default_factory=dict)
    positive: tuple[str, ...] = ()
    kinks: tuple | None = ()
    piecewise_linear: bool = False
    continuous: bool = True
    torch_code: str | None = None
    numpy_code: str | None = None
    torch: Any = None
    definition_latex: str = ""
    builtin: bool = False
    identity: bool = False

    # ----- parameters ---------------------------------------------------------------------

    def check_params(self, given: Mapping[str, Any] | None = None) -> dict[str, Fraction]:
        """The parameters with defaults filled in, as exact Fractions; ValueError naming a bad one.

        >>> ACTIVATIONS.get("elu").check_params({"alpha": 0.5})
        {'alpha': Fraction(1, 2)}
        >>> ACTIVATIONS.get("relu").check_params({"slope": 1})
        Traceback (most recent call last):
        ...
        ValueError: activation 'relu' takes no parameter 'slope'
        """
        params = dict(self.params)
        for key, value in dict(given or {}).items():
            if key not in self.params:
                raise ValueError(f"activation {self.name!r} takes no parameter {key!r}"
                                 + (f"; it takes {', '.join(self.params)}" if self.params else ""))
            if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)) or not math.isfinite(value):
                raise ValueError(f"activation parameter {key} must be a finite number, got {value!r}")
            params[key] = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
        for key in self.positive:
            if params[key] <= 0:
                raise ValueError(f"{self.name} {key} must be positive, got {float(params[key])}")
        return params

    # ----- the SymPy side (imports SymPy on first use) -------------------------------------

    def sympy_class(self):
        """The SymPy Function class of a[.] (None for the identity)."""
        if self.identity:
            return None
        if self.sympy is not None:
            return self.sympy
        try:
            return _BOUND[self.name]
        except KeyError:
            raise LookupError(f"activation {self.name!r} has no SymPy class yet: import symbolic.activations "
                              "(it binds the built-ins' classes)") from None

    def sympy_function(self, params: Mapping[str, Fraction] | None = None) -> Callable:
        """``z -> a[z]`` in SymPy, with the parameters (defaults unless given) as exact Rationals."""
        cls = self.sympy_class()
        if cls is None:
            return lambda z: z
        import sympy as sp

        values = [sp.Rational(v.numerator, v.denominator) for v in self.check_params(params).values()]
        return (lambda z: cls(z, *values)) if values else cls

    # ----- the torch side (imports torch on first use) --------------------------------------

    def torch_function(self, params: Mapping[str, Fraction] | None = None) -> Callable | None:
        """The twin's a[.] on tensors: the user's torch function, else the code template;
        None when the entry has neither (the torch side then prints it from the SymPy
        definition, :func:`numeric.activations.torch_activation`)."""
        if self.torch is not None:
            return _resolve(self.torch)
        values = [float(v) for v in self.check_params(params).values()]
        if self.torch_code is not None:
            import torch

            code = self.torch_code.format("(z)", *map(repr, values))
            # Our own templates (built-in entries), not user input.
            return eval(f"lambda z: {code}", {"torch": torch})  # noqa: S307
        return None

    # ----- kinks and pieces -----------------------------------------------------------------

    def kink_values(self) -> tuple[float, ...]:
        """The kinks as floats (for keeping samples away from them)."""
        return tuple(float(k) for k in (self.kinks or ()))

    @property
    def regions_ready(self) -> bool:
        """Networks of this activation have linear regions the region counts describe:
        continuous, piecewise linear, one kink (ReLU up to an affine change)."""
        return self.piecewise_linear and self.continuous and self.kinks is not None and len(self.kinks) == 1


#: The built-ins' SymPy classes, bound by :mod:`symbolic.activations.functions` when it is imported.
_BOUND: dict[str, Any] = {}


def bind_sympy(classes: Mapping[str, Any]) -> None:
    """Bind built-in entries (by name) to their SymPy Function classes."""
    for name, cls in classes.items():
        if not ACTIVATIONS.get(name).builtin:
            raise ValueError(f"bind_sympy binds built-in activations only, not {name!r}")
        _BOUND[name] = cls


def _resolve(function: Any) -> Callable:
    if callable(function):
        return function
    module, _, name = str(function).rpartition(".")
    if not module:
        raise ValueError(f"torch function must be a callable or a dotted path such as "
                         f"'torch.nn.functional.softsign', got {function!r}")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise ValueError(f"torch function {function!r} does not exist") from None


#: Every activation, by name: the built-ins below, then a lecturer's own.
ACTIVATIONS: Registry[Activation] = Registry("activation")

_F = Fraction
for _entry in (
    Activation("relu", "ReLU", r"\mathrm{ReLU}", kinks=(_F(0),), piecewise_linear=True,
               torch_code="torch.relu({0})", numpy_code="numpy.maximum({0}, 0.0)",
               definition_latex=r"\mathrm{ReLU}[z] = \max(0, z)"),
    Activation("leaky_relu", "leaky ReLU (slope 0.1)", r"\mathrm{LReLU}",
               params={"slope": _F(1, 10)}, kinks=(_F(0),), piecewise_linear=True,
               torch_code="torch.nn.functional.leaky_relu({0}, {1})", numpy_code="numpy.where({0} > 0, {0}, {1}*{0})",
               definition_latex=r"\mathrm{LReLU}[z] = z \text{ for } z > 0,\ z/10 \text{ otherwise}"),
    Activation("sigmoid", "logistic sigmoid", r"\mathrm{sig}",
               torch_code="torch.sigmoid({0})", numpy_code="scipy.special.expit({0})",
               definition_latex=r"\mathrm{sig}[z] = 1/(1 + e^{-z})"),
    Activation("tanh", "tanh", r"\tanh",
               torch_code="torch.tanh({0})", numpy_code="numpy.tanh({0})",
               definition_latex=r"\tanh[z] = (e^{z} - e^{-z})/(e^{z} + e^{-z})"),
    Activation("softplus", "softplus", r"\mathrm{softplus}",
               torch_code="torch.logaddexp(torch.zeros_like({0}), {0})", numpy_code="numpy.logaddexp(0.0, {0})",
               definition_latex=r"\mathrm{softplus}[z] = \log(1 + e^{z})"),
    Activation("elu", "ELU", r"\mathrm{ELU}", params={"alpha": _F(1)}, positive=("alpha",),
               kinks=(_F(0),), torch_code="torch.nn.functional.elu({0}, {1})",
               numpy_code="numpy.where({0} > 0, {0}, {1}*numpy.expm1(numpy.minimum({0}, 0.0)))",
               definition_latex=r"\mathrm{ELU}[z] = z \text{ for } z > 0,\ e^{z} - 1 \text{ otherwise}"),
    Activation("gelu", "GELU", r"\mathrm{GELU}",
               torch_code="torch.nn.functional.gelu({0})",
               numpy_code="({0})*0.5*(1.0 + scipy.special.erf(({0})*0.7071067811865476))",
               definition_latex=r"\mathrm{GELU}[z] = z\,\Phi(z)"),
    Activation("swish", "swish (SiLU)", r"\mathrm{swish}",
               torch_code="torch.nn.functional.silu({0})", numpy_code="({0})*scipy.special.expit({0})",
               definition_latex=r"\mathrm{swish}[z] = z\,\mathrm{sig}[z]"),
    # I[z > 0], 0 at 0; as a comparison cast to the dtype it is a constant to autograd
    # (torch.heaviside has no derivative), and its derivative is 0 almost everywhere.
    Activation("heaviside", "Heaviside step", r"\mathbb{I}", kinks=(_F(0),),
               piecewise_linear=True, continuous=False, torch_code="(({0}) > 0).to(({0}).dtype)",
               numpy_code="numpy.heaviside({0}, 0.0)", definition_latex=r"\mathbb{I}[z > 0]"),
    Activation("linear", "linear (identity)", r"\mathrm{a}", identity=True, piecewise_linear=True, torch_code="{0}",
               numpy_code="{0}", definition_latex=r"\mathrm{a}[z] = z"),
):
    ACTIVATIONS.add(_entry.name, Activation(**{**_entry.__dict__, "builtin": True}))
del _entry


def regions_activations() -> tuple[str, ...]:
    """Names of the activations whose networks the region counts describe (see ``regions_ready``)."""
    return tuple(name for name in ACTIVATIONS if ACTIVATIONS.get(name).regions_ready)


def check_regions_activation(name: str) -> Activation:
    """The entry of an activation the region counts apply to; ValueError naming the choices otherwise.

    >>> check_regions_activation("tanh")
    Traceback (most recent call last):
    ...
    ValueError: linear regions assume a piecewise-linear activation (relu or leaky_relu), got 'tanh'; use --activation relu
    """
    entry = ACTIVATIONS.get(name)
    if not entry.regions_ready:
        names = regions_activations()
        listed = " or ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " or " + names[-1]
        raise ValueError(f"linear regions assume a piecewise-linear activation ({listed}), got {name!r}; "
                         "use --activation relu")
    return entry
