"""The activation functions a[.] as SymPy functions, and the ones a lecturer registers.

Importing this package binds the built-in registry entries (:data:`symbolic.spec.ACTIVATIONS`)
to their SymPy classes.
"""

from symbolic.activations import functions  # noqa: F401  (binds the built-ins' SymPy classes)
