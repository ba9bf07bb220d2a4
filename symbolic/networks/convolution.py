r"""A 1-D convolutional layer (Prince, UDL section 10.2): one kernel of K weights shared by
every output position, and a bias.

With stride ``s``, zero padding ``p`` and dilation ``d`` the layer's i-th pre-activation is

    z_i = beta + sum_{k=1}^{K} omega_k x_{s (i - 1) + d (k - 1) + 1 - p},   i = 1..L,

with ``x_j = 0`` outside ``1..I`` (zero padding) or ``x_j = x_{j mod I}`` (circular padding).
For K = 3, s = d = p = 1 it is the book's ``z_i = beta + omega_1 x_{i-1} + omega_2 x_i +
omega_3 x_{i+1}`` (UDL section 10.2, with its bias). The layer is linear in ``x``: its weight matrix
``Omega`` is the Jacobian ``dz/dx`` (derived here by differentiating, never written by hand), a
band of the kernel's weights, and ``z = beta 1 + Omega x``. The output length is

    L = floor((I + 2 p - d (K - 1) - 1) / s) + 1,

the number of positions where the kernel's last weight still meets the padded input.

>>> layer = ConvLayer(4)
>>> layer.weight_matrix()
Matrix([
[omega_2, omega_3,       0,       0],
[omega_1, omega_2, omega_3,       0],
[      0, omega_1, omega_2, omega_3],
[      0,       0, omega_1, omega_2]])
>>> layer.matrix_check().passed, layer.length, ConvLayer(7, stride=2, padding=0).length
(True, 4, 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symbolic.activations.functions import ReLU
from symbolic.core.autodiff import reverse_mode
from symbolic.core.derivation import Derivation
from symbolic.core.printing import latex
from symbolic.core.step_check import Check

__all__ = ["ConvLayer", "beta", "kernel", "inputs", "outputs", "tap", "LENGTH", "length_symbols", "output_length",
           "counted_length", "conv_parameters", "dense_parameters", "COUNT_SYMBOLS", "shift", "equivariance_rows",
           "gradient_program", "kernel_gradient", "receptive_field", "receptive_inputs", "counted_receptive_field", "LOSS",
           "layer_derivation", "equivariance_derivation", "i", "k", "t", "x_", "z_", "omega_"]

beta = sp.Symbol("beta", real=True)
#: The per-sample loss of the gradient's program (least squares on the layer's ReLU outputs).
LOSS = sp.Symbol("ell", real=True)
#: The output length's symbols: input length, kernel size, stride, padding, dilation.
length_symbols = I_, K_, s_, p_, d_ = sp.symbols("I K s p d", integer=True, positive=True)
L_ = sp.Symbol("L", integer=True, positive=True)
#: L = floor((I + 2 p - d (K - 1) - 1) / s) + 1 (torch.nn.Conv1d's documentation states the same).
LENGTH = sp.floor((I_ + 2 * p_ - d_ * (K_ - 1) - 1) / s_) + 1
#: The general position i, kernel index k and shift t, and the sequences x, z, omega indexed by them.
i, k, t = sp.symbols("i k t", integer=True)
x_, z_, omega_ = (sp.IndexedBase(name, real=True) for name in ("x", "z", "omega"))
x_shifted, z_shifted = sp.IndexedBase("x'", real=True), sp.IndexedBase("z'", real=True)
#: The parameter counts' symbols: input length, kernel size, input and output channels.
COUNT_SYMBOLS = sp.symbols("I K C_i C_o", integer=True, positive=True)


def kernel(K: int = 3, layer: int | None = None) -> tuple[sp.Symbol, ...]:
    """omega_1..omega_K (``layer``: omega_{l,1}..omega_{l,K}, a stack's l-th kernel)."""
    prefix = "omega_" if layer is None else f"omega_{{{layer},"
    return tuple(sp.Symbol(f"{prefix}{k}" if layer is None else f"{prefix}{k}}}", real=True) for k in range(1, K + 1))


def inputs(I: int) -> tuple[sp.Symbol, ...]:
    """x_1..x_I."""
    return tuple(sp.Symbol(f"x_{j}", real=True) for j in range(1, I + 1))


def outputs(L: int, name: str = "z") -> tuple[sp.Symbol, ...]:
    """z_1..z_L."""
    return tuple(sp.Symbol(f"{name}_{i}", real=True) for i in range(1, L + 1))


def tap(i: int, k: int, stride: int = 1, padding: int = 1, dilation: int = 1) -> int:
    """The input index s (i - 1) + d (k - 1) + 1 - p that weight omega_k meets at output i (1-based).

    >>> [tap(2, k) for k in (1, 2, 3)]
    [1, 2, 3]
    """
    return stride * (i - 1) + dilation * (k - 1) + 1 - padding


def output_length(I: int, K: int = 3, stride: int = 1, padding: int = 1, dilation: int = 1) -> int:
    """:data:`LENGTH` with the numbers put in.

    >>> output_length(10, 3, stride=2, padding=1, dilation=2)
    4
    """
    return int(LENGTH.subs({I_: I, K_: K, s_: stride, p_: padding, d_: dilation}))


def counted_length(I: int, K: int = 3, stride: int = 1, padding: int = 1, dilation: int = 1) -> int:
    """The output positions counted one by one: i = 1, 2, ... while the kernel's last weight
    meets the padded input (its index at most I + p); the explicit count :data:`LENGTH` states.

    >>> counted_length(10, 3, stride=2, padding=1, dilation=2)
    4
    """
    i = 0
    while tap(i + 1, K, stride, padding, dilation) <= I + padding:
        i += 1
    return i


@dataclass(frozen=True)
class ConvLayer:
    """One 1-D convolutional layer on I inputs (one channel in, one out); ``padding_mode``
    ``"zeros"`` or ``"circular"`` (torch's names)."""

    I: int
    K: int = 3
    stride: int = 1
    padding: int = 1
    dilation: int = 1
    padding_mode: str = "zeros"

    def __post_init__(self):
        for name in ("I", "K", "stride", "dilation"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        if not isinstance(self.padding, int) or self.padding < 0:
            raise ValueError(f"padding must be a nonnegative integer, got {self.padding!r}")
        if self.padding_mode not in ("zeros", "circular"):
            raise ValueError(f"padding_mode must be 'zeros' or 'circular', got {self.padding_mode!r}")
        if self.length < 1:
            raise ValueError(f"the kernel ({self.K} weights, dilation {self.dilation}) is longer than the padded "
                             f"input ({self.I} + 2 x {self.padding}): no output")

    @property
    def length(self) -> int:
        """The number of outputs L (:func:`counted_length`)."""
        return counted_length(self.I, self.K, self.stride, self.padding, self.dilation)

    @property
    def omega(self) -> tuple[sp.Symbol, ...]:
        return kernel(self.K)

    @property
    def x(self) -> tuple[sp.Symbol, ...]:
        return inputs(self.I)

    @property
    def z(self) -> tuple[sp.Symbol, ...]:
        return outputs(self.length)

    def input_at(self, j: int, x=None) -> sp.Expr:
        """x_j of the padded input: 0 outside 1..I (zeros), x_{j mod I} (circular)."""
        x = self.x if x is None else x
        if self.padding_mode == "circular":
            return x[(j - 1) % len(x)]
        return x[j - 1] if 1 <= j <= len(x) else sp.S.Zero

    def outputs(self, x=None, bias: sp.Expr = beta) -> list[sp.Expr]:
        """z_i = beta + sum_k omega_k x_{s (i - 1) + d (k - 1) + 1 - p}, i = 1..L (the definition)."""
        return [bias + sum((w * self.input_at(tap(i, k, self.stride, self.padding, self.dilation), x)
                            for k, w in enumerate(self.omega, start=1)), sp.S.Zero)
                for i in range(1, self.length + 1)]

    @cached_property
    def _matrix(self) -> sp.Matrix:
        return sp.Matrix(self.outputs()).jacobian(sp.Matrix(self.x))

    def weight_matrix(self) -> sp.Matrix:
        """Omega = dz/dx, shape (L, I): the Jacobian of the outputs, derived by differentiating."""
        return self._matrix.copy()

    def matrix_check(self, matrix: sp.Matrix | None = None) -> Check:
        """z = beta 1 + Omega x, entry by entry, proven (expand) for ``matrix`` (default: the derived one)."""
        matrix = self.weight_matrix() if matrix is None else matrix
        if matrix.shape != (self.length, self.I):
            return Check("symbolic (expand)", False, float("inf"), f"shape {matrix.shape}, not {(self.length, self.I)}")
        rhs = sp.ones(self.length, 1) * beta + matrix * sp.Matrix(self.x)
        wrong = [i for i, (a, b) in enumerate(zip(self.outputs(), rhs), start=1) if sp.expand(a - b) != 0]
        return Check("symbolic (expand), every entry", not wrong, 0.0 if not wrong else float("inf"),
                     f"rows {wrong} differ" if wrong else "")


def conv_parameters(K: sp.Expr, C_i: sp.Expr = 1, C_o: sp.Expr = 1) -> sp.Expr:
    """C_o (C_i K + 1): a kernel of C_i x K weights and a bias per output channel (UDL section 10.2).

    >>> conv_parameters(3)
    4
    """
    return C_o * (C_i * K + 1)


def dense_parameters(I: sp.Expr, L: sp.Expr, C_i: sp.Expr = 1, C_o: sp.Expr = 1) -> sp.Expr:
    """C_o L (C_i I + 1): a fully connected layer from the C_i I inputs to the C_o L outputs.

    >>> dense_parameters(6, 6)
    42
    """
    return C_o * L * (C_i * I + 1)


def shift(x, t: int, circular: bool) -> list[sp.Expr]:
    """The input moved t places to the right: x'_j = x_{j - t} (circular: indices mod I; else 0 enters)."""
    n = len(x)
    if circular:
        return [x[(j - t) % n] for j in range(n)]
    return [x[j - t] if j - t >= 0 else sp.S.Zero for j in range(n)]


def equivariance_rows(layer: ConvLayer, t: int) -> list[int]:
    """The rows i (1-based) where the layer of the shifted input differs from the shifted layer:
    z(x')_i != z'_i, both expanded (empty: equivariant, proven for every entry).

    >>> equivariance_rows(ConvLayer(6, padding_mode="circular"), 2), equivariance_rows(ConvLayer(6), 1)
    ([], [1, 6])
    """
    if layer.stride != 1 or layer.length != layer.I:
        raise ValueError("equivariance is stated for a layer of stride 1 with as many outputs as inputs")
    circular = layer.padding_mode == "circular"
    moved_first = layer.outputs(shift(layer.x, t, circular))
    moved_after = shift(layer.outputs(), t, circular)
    return [i for i, (a, b) in enumerate(zip(moved_first, moved_after), start=1) if sp.expand(a - b) != 0]


def gradient_program(layer: ConvLayer) -> tuple[list, dict, list]:
    """The loss ell = sum_i (y_i - ReLU[z_i])^2 through the layer as a straight-line program
    (z_i, h_i = ReLU[z_i], ell), and its backward pass by reverse mode: ``(program, gradient,
    backward)`` with ``gradient[omega_k]`` and ``gradient[beta]`` in terms of the adjoints
    dl/dz_i (:func:`symbolic.core.autodiff.reverse_mode`)."""
    z, h, y = layer.z, outputs(layer.length, "h"), outputs(layer.length, "y")
    program = [(zi, e) for zi, e in zip(z, layer.outputs())]
    program += [(hi, ReLU(zi)) for hi, zi in zip(h, z)]
    program.append((LOSS, sum(((yi - hi) ** 2 for yi, hi in zip(y, h)), sp.S.Zero)))
    backward, gradient = reverse_mode(program, LOSS, [*layer.omega, beta])
    return program, gradient, backward


def kernel_gradient(layer: ConvLayer, adjoints) -> dict[sp.Symbol, sp.Expr]:
    """dl/domega_k = sum_i x_{s (i - 1) + d (k - 1) + 1 - p} dl/dz_i and dl/dbeta = sum_i dl/dz_i:
    each weight's gradient is the input it met at every output, weighted by that output's
    gradient (a correlation of the input with dl/dz). ``adjoints``: dl/dz_1..dl/dz_L."""
    out = {w: sum((layer.input_at(tap(i, k, layer.stride, layer.padding, layer.dilation)) * g
                   for i, g in enumerate(adjoints, start=1)), sp.S.Zero)
           for k, w in enumerate(layer.omega, start=1)}
    out[beta] = sum(adjoints, sp.S.Zero)
    return out


def receptive_field(layers: sp.Expr, K: sp.Expr = 3, dilation: sp.Expr = 1) -> sp.Expr:
    """1 + layers d (K - 1): the inputs one output of ``layers`` stacked layers depends on
    (stride 1; each layer widens the field by d (K - 1)).

    >>> [receptive_field(n) for n in (1, 2, 3)]
    [3, 5, 7]
    """
    return 1 + layers * dilation * (K - 1)


def receptive_inputs(layers: int, K: int = 3, dilation: int = 1) -> list[int]:
    """The inputs the middle output of ``layers`` stacked layers (each its own kernel and bias,
    zero padding that keeps the length) depends on: the inputs that appear in its composed
    expression, as offsets from the middle; the input is long enough that no padding reaches them.

    >>> receptive_inputs(2)
    [-2, -1, 0, 1, 2]
    """
    if dilation * (K - 1) % 2:
        raise ValueError("a length-keeping layer needs d (K - 1) even (an odd kernel)")
    half = dilation * (K - 1) // 2
    I = 2 * layers * half + 3
    x = inputs(I)
    h = list(x)
    for n in range(1, layers + 1):
        layer = ConvLayer(I, K, padding=half, dilation=dilation)
        h = [e.xreplace(dict(zip(layer.omega, kernel(K, n)))) for e in layer.outputs(h, bias=sp.Symbol(f"beta_{n}"))]
    middle = I // 2
    return [j - middle for j in range(I) if x[j] in h[middle].free_symbols]


def counted_receptive_field(layers: int, K: int = 3, dilation: int = 1) -> int:
    """The number of :func:`receptive_inputs`, counted.

    >>> counted_receptive_field(2)
    5
    """
    return len(receptive_inputs(layers, K, dilation))


def _equal(a: sp.Expr, b: sp.Expr, method: str) -> Check:
    ok = sp.expand(sp.sympify(a).doit() - sp.sympify(b).doit()) == 0
    return Check(method, ok, 0.0 if ok else float("inf"), "" if ok else f"{a} != {b}")


def _general(index: sp.Expr, K: sp.Expr = K_) -> sp.Expr:
    """beta + sum_{k=1}^{K} omega_k x_{index(k)}."""
    return beta + sp.Sum(omega_[k] * x_[index], (k, 1, K))


def layer_derivation() -> Derivation:
    """z_i = beta + sum_k omega_k x_{s(i-1) + d(k-1) + 1 - p} down to the book's
    z_i = beta + omega_1 x_{i-1} + omega_2 x_i + omega_3 x_{i+1} (K = 3, s = d = p = 1).

    >>> d = layer_derivation()
    >>> d.check().passed
    True
    >>> print(latex(d.steps[-1].rhs))
    \\beta + {\\omega}_{1} {x}_{i - 1} + {\\omega}_{2} {x}_{i} + {\\omega}_{3} {x}_{i + 1}
    """
    general = _general(s_ * (i - 1) + d_ * (k - 1) + 1 - p_)
    book = {K_: 3, s_: 1, d_: 1, p_: 1}
    d = Derivation("the convolutional layer")
    d.add(general, "definition: one kernel of K weights, shared by every output position", lhs=z_[i], check=False)
    d.add(_general(i + k - 2, 3), "kernel size " + ", ".join(f"${latex(sp.Eq(a, b))}$" for a, b in book.items()),
          verify=lambda: _equal(d.steps[0].rhs.subs(book), d.steps[1].rhs, "symbolic (the values put in)"))
    d.add(beta + omega_[1] * x_[i - 1] + omega_[2] * x_[i] + omega_[3] * x_[i + 1], "the sum written out",
          verify=lambda: _equal(d.steps[1].rhs, d.steps[2].rhs, "symbolic (the sum done, expanded)"))
    return d


def equivariance_derivation() -> Derivation:
    """The layer of the input shifted by t, x'_j = x_{j-t}, is the layer's output shifted by t:
    z'_i = z_{i-t} for every integer i and t (an input without ends: every index interior).

    >>> equivariance_derivation().check().passed
    True
    """
    shifted = sp.Eq(x_shifted[i], x_[i - t])
    d = Derivation("translation equivariance")
    d.definitions = {z_[i - t]: _general(i - t + k - 2, 3)}
    d.add(_general(i + k - 2, 3).xreplace({x_: x_shifted}), "definition: the layer applied to the shifted input",
          lhs=z_shifted[i], check=False)

    def put_in() -> Check:
        moved = d.steps[0].rhs.replace(lambda e: isinstance(e, sp.Indexed) and e.base == x_shifted,
                                       lambda e: shifted.rhs.subs(i, e.indices[0]))
        return _equal(moved, d.steps[1].rhs, "symbolic (the shifted input put in)")

    d.add(_general(i + k - 2 - t, 3), f"the shifted input, ${latex(shifted)}$", verify=put_in)
    d.add(z_[i - t], f"the layer's definition at position ${latex(i - t)}$")
    return d
