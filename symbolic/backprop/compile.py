r"""Compiled backpropagation: the derived program as numpy or torch code, two ways.

1. :func:`compile_backprop` hands the whole scalar program (forward, loss, backward) to
   :func:`symbolic.core.compile.compile_program` (common-subexpression elimination, one line
   per assignment); it returns the per-sample loss l_i and the per-sample gradients.
   Simple and literal; its cost is one array operation per scalar assignment.
2. :func:`compile_layers` compiles the *same* program layer by layer to tensor operations:
   the linear assignments become matrix products, checked element by element against the
   program (:meth:`symbolic.backprop.backprop.Backprop.matrix_form_check`), and the elementwise
   assignments (a[f], a'[f], the loss and dl/df_K) are compiled from the program's own
   expressions by ``compile_program``. It returns the gradient of the total loss
   ``L = sum_i l_i`` directly (the sum over samples is inside the matrix products)::

       f_k = beta_k + h_k Omega_k^T                  # (I, D_{k+1}), one row per sample
       dL/dOmega_k = (dl/df_k)^T h_k,  dL/dbeta_k = sum_i dl/df_k,  dl/dh_k = dl/df_k Omega_k

numpy, scipy and torch are imported only when a function is compiled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import sympy as sp

from symbolic.activations.functions import activation
from symbolic.backprop.backprop import Backprop, adjoint_symbol
from symbolic.core.compile import CompiledProgram, compile_program

__all__ = ["GradientResult", "LayerwiseGradient", "compile_backprop", "compile_layers", "evaluate_backprop",
           "target_arguments"]


@dataclass
class GradientResult:
    """Outputs (I, D_o), per-sample losses l_i (I,) and the gradient of L = sum_i l_i by tensor name."""

    outputs: Any
    loss: Any
    gradient: dict[str, Any]


def _backend_of(X: Any) -> str:
    try:
        import torch

        if isinstance(X, torch.Tensor):
            return "torch"
    except ImportError:  # pragma: no cover
        pass
    return "numpy"


def target_arguments(bp: Backprop, Y: Any, constants: Mapping[str, float] | None = None) -> list[Any]:
    r"""The loss's target columns, ``t_c = I[y = c]`` (one-hot) for categorical, then its
    constants (``sigma`` of the ``normal`` loss) as scalars.

    >>> import numpy as np
    >>> from symbolic.backprop.backprop import backprop, backprop_latex
    >>> bp = backprop((1, 1, 3), "categorical")
    >>> print(", ".join(backprop_latex(t) for t in bp.targets))
    t_{0}, t_{1}, t_{2}
    >>> [c.tolist() for c in target_arguments(bp, np.array([[2.0], [0.0]]))]
    [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    """
    columns = bp.loss.target_columns(Y)
    values = dict(constants or {})
    for s in bp.constants:
        if s.name not in values or values[s.name] is None:
            raise ValueError(f"{bp.loss.name} loss needs a value for {s.name} (e.g. --{s.name} 1.0)")
        v = float(values[s.name])
        if s.is_positive and not v > 0:
            raise ValueError(f"{s.name} must be positive, got {v}")
        if _backend_of(Y) == "torch":  # a 0-d tensor of the data's dtype: no float32 detour
            import torch

            columns.append(torch.as_tensor(v, dtype=Y.dtype, device=Y.device))
        else:
            columns.append(v)
    return columns


# ----- 1. the scalar program ---------------------------------------------------------------
def compile_backprop(bp: Backprop, backend: str = "numpy") -> CompiledProgram:
    r"""Compile the scalar program ``x, y, (sigma), phi -> l, f_K, dl/dphi...`` with CSE.

    Arguments are the inputs, the targets, the constants and the parameters (DESIGN.md
    order); outputs are l, the network outputs f_{K,1..D_o} and dl/dphi for every
    parameter, one value per sample.

    >>> from symbolic.backprop.backprop import backprop, backprop_latex
    >>> bp = backprop((1, 1, 1), "least-squares", "linear")
    >>> fn = compile_backprop(bp)
    >>> print(backprop_latex(bp.gradient[bp.parameters[-1]]))
    h_{1,1} \frac{\partial \ell}{\partial f_{1,1}}
    >>> [float(v) for v in fn(1.0, 0.0, 0.0, 1.0, 0.0, 1.0)]  # x, y, beta_0, omega_0, beta_1, omega_1
    [1.0, 1.0, 2.0, 2.0, 2.0, 2.0]
    """
    args = bp.net.inputs + bp.targets + bp.constants + bp.parameters
    outputs = [bp.l] + list(bp.net.outputs) + [bp.gradient[p] for p in bp.parameters]
    return compile_program(args, bp.program, outputs, backend)


def evaluate_backprop(bp: Backprop, compiled: CompiledProgram, X: Any, Y: Any, tensors: Mapping[str, Any],
                      constants: Mapping[str, float] | None = None) -> GradientResult:
    r"""Run a :func:`compile_backprop` function on a batch and sum over the samples,
    ``dL/dphi = sum_i dl_i/dphi``.

    >>> import numpy as np
    >>> from symbolic.backprop.backprop import backprop, backprop_latex
    >>> bp = backprop((1, 1, 1), "least-squares", "linear")
    >>> print(backprop_latex(bp.gradient[bp.parameters[0]]))
    \frac{\partial \ell}{\partial f_{0,1}}
    >>> ones = {name: np.ones(shape) for name, shape in bp.spec.tensor_shapes().items()}
    >>> r = evaluate_backprop(bp, compile_backprop(bp), np.array([[1.0], [0.0]]), np.zeros((2, 1)), ones)
    >>> r.gradient["beta_0"].tolist(), r.loss.tolist()  # l = (beta_1 + omega_1 (beta_0 + omega_0 x))^2
    ([10.0], [9.0, 4.0])
    """
    args = [X[:, i] for i in range(X.shape[1])] + target_arguments(bp, Y, constants)
    args += [tensors[p.tensor][p.index] for p in bp.net.parameters]
    values = compiled(*args)
    D_o = len(bp.net.outputs)
    stack = _np().stack if _backend_of(X) == "numpy" else __import__("torch").stack
    outputs = stack(values[1:1 + D_o], 1)  # (I, D_o)
    gradient: dict[str, Any] = {}
    for p, g in zip(bp.net.parameters, values[1 + D_o:]):
        if p.tensor not in gradient:
            like = tensors[p.tensor]
            gradient[p.tensor] = like * 0 if _backend_of(like) == "numpy" else like.detach() * 0
        gradient[p.tensor][p.index] = g.sum()
    return GradientResult(outputs, values[0], gradient)


# ----- 2. layer by layer ---------------------------------------------------------------
@dataclass
class LayerwiseGradient:
    """The backprop program compiled to matrix products and elementwise kernels.

    Call with X (I, D_i), targets Y (I, n) and the parameter tensors by name; returns a
    :class:`GradientResult` whose gradient is that of the total loss L = sum_i l_i.
    """

    bp: Backprop
    backend: str
    a: CompiledProgram  # z -> a[z]
    a_prime: CompiledProgram  # z, g -> a'[z] g (the backward step through a[.], fused)
    head: CompiledProgram  # f_K, targets, constants -> l, dl/df_K
    n_lines: int = field(default=0)

    def __call__(self, X: Any, Y: Any, tensors: Mapping[str, Any],
                 constants: Mapping[str, float] | None = None) -> GradientResult:
        K = self.bp.net.K
        torch_backend = self.backend == "torch"
        if torch_backend:
            import torch

            if not isinstance(X, torch.Tensor):
                raise TypeError("a torch-compiled gradient takes torch tensors")
        beta = [tensors[f"beta_{k}"] for k in range(K + 1)]  # (D_{k+1},)
        omega = [tensors[f"omega_{k}"] for k in range(K + 1)]  # (D_{k+1}, D_k)
        # forward pass: store f_k and h_k
        h, f = [X], []  # h_0 = x: (I, D_0)
        for k in range(K + 1):
            f_k = torch.addmm(beta[k], h[k], omega[k].T) if torch_backend else h[k] @ omega[k].T + beta[k]
            f.append(f_k)  # (I, D_{k+1})
            if k < K:
                h.append(self.a(f_k)[0])
        head = self.head(*[f[K][:, j] for j in range(f[K].shape[1])], *target_arguments(self.bp, Y, constants))
        loss = head[0]  # (I,)
        g = torch.stack(head[1:], dim=1) if torch_backend else _np().stack(head[1:], axis=1)  # dl/df_K: (I, D_o)
        gradient: dict[str, Any] = {}
        for k in range(K, -1, -1):
            gradient[f"omega_{k}"] = g.T @ h[k]  # dL/dOmega_k = sum_i dl/df_k h_k^T: (D_{k+1}, D_k)
            gradient[f"beta_{k}"] = g.sum(0)  # dL/dbeta_k: (D_{k+1},)
            if k > 0:
                g = self.a_prime(f[k - 1], g @ omega[k])[0]  # dl/df_{k-1} = a'[f_{k-1}] (.) Omega_k^T dl/df_k
        ordered = {name: gradient[name] for name in self.bp.spec.tensor_shapes()}
        return GradientResult(f[K], loss, ordered)


def _np():
    import numpy

    return numpy


def compile_layers(bp: Backprop, backend: str = "torch") -> LayerwiseGradient:
    r"""Compile the program layer by layer: matrix products plus elementwise kernels,

        f_k = beta_k + Omega_k h_k,  dl/dh_k = Omega_k^T dl/df_k,  dl/dOmega_k = dl/df_k h_k^T,

    after checking, element by element, that the program has exactly this form.

    >>> import numpy as np
    >>> from symbolic.backprop.backprop import backprop, backprop_latex
    >>> fn = compile_layers(backprop((1, 1, 1), "least-squares", "linear"), "numpy")
    >>> print(backprop_latex(fn.bp.gradient[fn.bp.parameters[1]]))
    x_{1} \frac{\partial \ell}{\partial f_{0,1}}
    >>> ones = {name: np.ones(shape) for name, shape in fn.bp.spec.tensor_shapes().items()}
    >>> result = fn(np.array([[1.0]]), np.array([[0.0]]), ones)
    >>> {name: g.tolist() for name, g in result.gradient.items()}
    {'beta_0': [6.0], 'omega_0': [[6.0]], 'beta_1': [6.0], 'omega_1': [[12.0]]}
    """
    problems = bp.matrix_form_check()
    if problems:
        raise ValueError(f"the program is not in layer form, so it cannot be compiled layer-wise: {problems[0]}")
    z = sp.Symbol("z", real=True)
    a_z = activation(bp.spec)(z)
    a_fn = compile_program([z], [], [a_z], backend)
    g = sp.Symbol("g", real=True)
    a_prime_fn = compile_program([z, g], [], [sp.diff(a_z, z) * g], backend)
    f_K = bp.net.outputs
    head_args = list(f_K) + bp.targets + bp.constants
    head_program = [(bp.l, bp.loss.expr)] + [(adjoint_symbol(f), bp.adjoints[adjoint_symbol(f)])
                                               for f in f_K if adjoint_symbol(f) in bp.adjoints]
    for s, e in head_program:
        stray = e.free_symbols - set(head_args) - {s for s, _ in head_program}
        if stray:
            raise ValueError(f"{s} depends on {sorted(map(str, stray))[0]}, not only on f_K and the targets")
    head = compile_program(head_args, head_program, [bp.l] + [bp.adjoint(f) for f in f_K], backend)
    return LayerwiseGradient(bp, backend, a_fn, a_prime_fn, head, a_fn.n_lines + a_prime_fn.n_lines + head.n_lines)
