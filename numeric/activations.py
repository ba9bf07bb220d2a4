"""The activations a[.] in torch, from their entries in :data:`symbolic.spec.ACTIVATIONS`.

A built-in entry carries the torch code its SymPy class prints to, so the twin and the
compiled derivation call the same torch functions; a lecturer's own activation gets the
torch code printed from its SymPy definition (or the torch function the lecturer named).
The equivalence tests compare the two realisations.
"""

from __future__ import annotations

from typing import Callable

import torch

from symbolic.spec import NetworkSpec

__all__ = ["torch_activation"]


def torch_activation(spec: NetworkSpec) -> Callable[[torch.Tensor], torch.Tensor]:
    """The torch function of a spec's activation (softplus as exact ``logaddexp(0, z)``,
    Heaviside as ``I[z > 0]``, 0 at 0).

    >>> a = torch_activation(NetworkSpec((1, 1), "leaky_relu"))
    >>> a(torch.tensor([-2.0, 0.0, 3.0])).tolist()
    [-0.20000000298023224, 0.0, 3.0]
    """
    entry, params = spec.activation_entry, spec.activation_params
    function = entry.torch_function(params)
    if function is not None:
        return function
    # No torch function or template: the torch code printed from the SymPy definition.
    import sympy as sp

    from symbolic.activations import functions  # noqa: F401  (binds the built-ins' SymPy classes)
    from symbolic.core.compile import compile_program

    z = sp.Symbol("z", real=True)
    compiled = compile_program([z], [], [entry.sympy_function(params)(z)], "torch")
    return lambda t: compiled(t)[0]
