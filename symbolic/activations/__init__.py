"""The activation functions a[.] as SymPy functions, and the ones a lecturer registers.

Importing this package binds the built-in registry entries (:data:`symbolic.spec.ACTIVATIONS`)
to their SymPy classes. ``from symbolic.activations import ReLU, activation`` works as before
the layout change (the names of :mod:`~symbolic.activations.functions` and
:mod:`~symbolic.activations.custom`).
"""

from symbolic.activations.functions import *  # noqa: F401,F403  (binds the built-ins' SymPy classes)
from symbolic.activations.functions import __all__ as _functions
from symbolic.activations.custom import *  # noqa: F401,F403
from symbolic.activations.custom import __all__ as _custom

__all__ = [*_functions, *_custom]
