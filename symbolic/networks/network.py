r"""The lecture's networks in SymPy: shallow (theta/phi) and deep (beta/Omega).

Shallow network with D_i inputs, D hidden units and D_o outputs (lecture, "more hidden
units" and "multiple inputs and outputs"):

    h_d = a[theta_{d0} + sum_i theta_{di} x_i],     y_j = phi_{j0} + sum_d phi_{jd} h_d.

Deep network with widths (D_0 = D_i, D_1, ..., D_K, D_{K+1} = D_o), in matrix notation:

    f_0 = beta_0 + Omega_0 x,  h_{k+1} = a[f_k],  f_k = beta_k + Omega_k h_k,  y = f_K.

Both are straight-line programs of scalar assignments (never one big substituted tree);
:meth:`DeepNetwork.substituted_outputs` builds the single tree for small teaching examples
and for the independent check against ``sympy.diff``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping, Sequence

import sympy as sp

from symbolic.activations.functions import activation, activation_latex
from symbolic.core.printing import latex, latex_lines
from symbolic.spec import NetworkSpec

__all__ = ["Parameter", "DeepNetwork", "ShallowNetwork", "deep_network", "shallow_network", "lecture_1_3_1"]


def _sym(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class Parameter:
    """One scalar parameter: its symbol, the tensor it lives in, the layer and 0-based index."""

    symbol: sp.Symbol
    tensor: str
    layer: int
    index: tuple[int, ...]

    @property
    def name(self) -> str:
        return self.symbol.name


@dataclass
class DeepNetwork:
    r"""A deep network of a spec, as matrices of scalar symbols and a straight-line program.

    >>> net = deep_network(NetworkSpec((1, 2, 1), "relu"))
    >>> for s, e in net.program:
    ...     print(latex(s), "=", latex(e))
    f_{0,1} = \beta_{0,1} + \omega_{0,1,1} x_{1}
    f_{0,2} = \beta_{0,2} + \omega_{0,2,1} x_{1}
    h_{1,1} = \mathrm{ReLU}\left[f_{0,1}\right]
    h_{1,2} = \mathrm{ReLU}\left[f_{0,2}\right]
    f_{1,1} = \beta_{1,1} + \omega_{1,1,1} h_{1,1} + \omega_{1,1,2} h_{1,2}
    """

    spec: NetworkSpec
    inputs: list[sp.Symbol] = field(init=False)
    beta: list[sp.Matrix] = field(init=False)  # beta_k: (D_{k+1}, 1)
    omega: list[sp.Matrix] = field(init=False)  # Omega_k: (D_{k+1}, D_k)
    f: list[list[sp.Symbol]] = field(init=False)  # f_k, k = 0..K
    h: list[list[sp.Symbol]] = field(init=False)  # h_k, k = 1..K (h[0] is x)
    program: list[tuple[sp.Symbol, sp.Expr]] = field(init=False)

    def __post_init__(self) -> None:
        widths = self.spec.widths
        a = activation(self.spec)
        self.inputs = [_sym(f"x_{{{i}}}") for i in range(1, widths[0] + 1)]
        self.beta, self.omega, self.f, self.h = [], [], [], [self.inputs]
        self.program = []
        for k in range(len(widths) - 1):
            rows, cols = widths[k + 1], widths[k]
            beta_k = sp.Matrix([_sym(f"beta_{{{k},{i}}}") for i in range(1, rows + 1)])
            omega_k = sp.Matrix(rows, cols, lambda i, j: _sym(f"omega_{{{k},{i + 1},{j + 1}}}"))
            f_k = [_sym(f"f_{{{k},{i}}}") for i in range(1, rows + 1)]
            self.beta.append(beta_k)
            self.omega.append(omega_k)
            self.f.append(f_k)
            pre = beta_k + omega_k * sp.Matrix(self.h[k])  # (D_{k+1}, 1)
            self.program += list(zip(f_k, pre))
            if k < len(widths) - 2:
                h_next = [_sym(f"h_{{{k + 1},{i}}}") for i in range(1, rows + 1)]
                self.h.append(h_next)
                self.program += [(h_i, a(f_i)) for h_i, f_i in zip(h_next, f_k)]

    @property
    def K(self) -> int:
        return self.spec.K

    @property
    def outputs(self) -> list[sp.Symbol]:
        """The network outputs y = f_K (program symbols)."""
        return self.f[-1]

    @cached_property
    def parameters(self) -> list[Parameter]:
        """All parameters in the DESIGN.md order: beta_0, omega_0 (row-major), ..., omega_K."""
        params = []
        for k, (b, w) in enumerate(zip(self.beta, self.omega)):
            params += [Parameter(b[i], f"beta_{k}", k, (i,)) for i in range(b.rows)]
            params += [Parameter(w[i, j], f"omega_{k}", k, (i, j)) for i in range(w.rows) for j in range(w.cols)]
        return params

    @property
    def parameter_symbols(self) -> list[sp.Symbol]:
        return [p.symbol for p in self.parameters]

    def substituted_outputs(self) -> list[sp.Expr]:
        """Outputs as single expressions in x and the parameters (small networks only)."""
        values: dict[sp.Symbol, sp.Expr] = {}
        for s, e in self.program:
            values[s] = e.xreplace(values)
        return [values[s] for s in self.outputs]

    def parameter_values(self, tensors: Mapping[str, object]) -> dict[sp.Symbol, sp.Expr]:
        """Map symbols to the numbers of a params dict (DESIGN.md format, nested lists)."""
        out = {}
        for p in self.parameters:
            value = tensors[p.tensor]
            for i in p.index:
                value = value[i]  # type: ignore[index]
            out[p.symbol] = sp.nsimplify(value) if isinstance(value, sp.Basic) else sp.Float(float(value))  # type: ignore[arg-type]
        return out

    # ----- display -------------------------------------------------------------------
    def matrix_equations_latex(self) -> list[str]:
        r"""The general equations in matrix notation, one LaTeX line per layer.

        >>> print("\n".join(deep_network(NetworkSpec((1, 3, 3, 1), "relu")).matrix_equations_latex()))
        \mathbf{h}_{1} = \mathrm{ReLU}\left[\boldsymbol\beta_{0} + \boldsymbol\Omega_{0} \mathbf{x}\right]
        \mathbf{h}_{2} = \mathrm{ReLU}\left[\boldsymbol\beta_{1} + \boldsymbol\Omega_{1} \mathbf{h}_{1}\right]
        \mathbf{y} = \boldsymbol\beta_{2} + \boldsymbol\Omega_{2} \mathbf{h}_{2}
        """
        a = activation_latex(self.spec)
        lines = []
        for k in range(self.K + 1):
            prev = r"\mathbf{x}" if k == 0 else rf"\mathbf{{h}}_{{{k}}}"
            inner = rf"\boldsymbol\beta_{{{k}}} + \boldsymbol\Omega_{{{k}}} {prev}"
            if k < self.K:
                lines.append(rf"\mathbf{{h}}_{{{k + 1}}} = {a}\left[{inner}\right]")
            else:
                lines.append(rf"\mathbf{{y}} = {inner}")
        return lines

    def scalar_equations_latex(self) -> list[str]:
        """Every hidden unit and output as a scalar equation, h_{k,i} = a[beta + sum omega h]."""
        substitute = {f: e for f, e in self.program if f not in self.outputs and f.name.startswith("f_")}

        def wrap(expr: sp.Expr) -> str:  # long sums continue on indented lines in align*
            return "\\\\\n&\\qquad ".join(latex_lines(expr))

        lines = []
        for s, e in self.program:
            if s.name.startswith("h_"):
                lines.append(f"{latex(s)} = " + wrap(e.xreplace(substitute)))
            elif s in self.outputs:
                name = "y" if len(self.outputs) == 1 else f"y_{{{self.outputs.index(s) + 1}}}"
                lines.append(f"{name} = " + wrap(e))
        return lines

    def _repr_latex_(self) -> str:
        """Jupyter shows the network's matrix equations."""
        rows = "\\\\ ".join(line.replace(" = ", " &= ", 1) for line in self.matrix_equations_latex())
        return f"$\\displaystyle \\begin{{aligned}}{rows}\\end{{aligned}}$"

    def matrix_form_check(self) -> bool:
        """Check that the matrix equations, expanded element by element, equal the program.

        Builds ``beta_k + Omega_k h_k`` from SymPy ``MatrixSymbol`` objects, takes
        ``as_explicit()`` and compares every element with the scalar assignment.
        """
        for k in range(self.K + 1):
            rows, cols = self.omega[k].shape
            B = sp.MatrixSymbol(f"B{k}", rows, 1)
            W = sp.MatrixSymbol(f"W{k}", rows, cols)
            H = sp.MatrixSymbol(f"H{k}", cols, 1)
            explicit = (B + W * H).as_explicit()
            rename = {B[i, 0]: self.beta[k][i] for i in range(rows)}
            rename.update({W[i, j]: self.omega[k][i, j] for i in range(rows) for j in range(cols)})
            rename.update({H[j, 0]: self.h[k][j] for j in range(cols)})
            values = dict(self.program)
            for i in range(rows):
                if sp.expand(explicit[i, 0].xreplace(rename) - values[self.f[k][i]]) != 0:
                    return False
        return True


def deep_network(spec: NetworkSpec | Sequence[int], activation_name: str = "relu") -> DeepNetwork:
    """Build the symbolic deep network of a spec (or of widths and an activation name)."""
    if not isinstance(spec, NetworkSpec):
        spec = NetworkSpec(tuple(spec), activation_name)
    return DeepNetwork(spec)


@dataclass
class ShallowNetwork:
    r"""The shallow network in the lecture's theta/phi notation, as scalar equations.

    Hidden units ``h_d = a[theta_{d0} + sum_i theta_{di} x_i]`` and outputs
    ``y_j = phi_{j0} + sum_d phi_{jd} h_d`` (with one output, ``phi_d``).

    >>> net = shallow_network(1, 3, 1)
    >>> for line in net.equations_latex():
    ...     print(line)
    h_{1} = \mathrm{ReLU}\left[\theta_{10} + \theta_{11} x\right]
    h_{2} = \mathrm{ReLU}\left[\theta_{20} + \theta_{21} x\right]
    h_{3} = \mathrm{ReLU}\left[\theta_{30} + \theta_{31} x\right]
    y = \phi_{0} + \phi_{1} h_{1} + \phi_{2} h_{2} + \phi_{3} h_{3}
    """

    D_i: int
    D: int
    D_o: int
    activation_name: str = "relu"
    spec: NetworkSpec = field(init=False)
    inputs: list[sp.Symbol] = field(init=False)
    theta: sp.Matrix = field(init=False)  # (D, D_i + 1): column 0 the biases theta_{d0}
    phi: sp.Matrix = field(init=False)  # (D_o, D + 1): column 0 the biases phi_{j0}
    h: list[sp.Symbol] = field(init=False)
    outputs: list[sp.Symbol] = field(init=False)
    program: list[tuple[sp.Symbol, sp.Expr]] = field(init=False)

    def __post_init__(self) -> None:
        self.spec = NetworkSpec((self.D_i, self.D, self.D_o), self.activation_name)
        a = activation(self.spec)
        self.inputs = [_sym("x")] if self.D_i == 1 else [_sym(f"x_{{{i}}}") for i in range(1, self.D_i + 1)]
        self.theta = sp.Matrix(self.D, self.D_i + 1, lambda d, i: _sym(f"theta_{{{d + 1},{i}}}"))
        if self.D_o == 1:
            self.phi = sp.Matrix(1, self.D + 1, lambda j, d: _sym(f"phi_{{{d}}}"))
            self.outputs = [_sym("y")]
        else:
            self.phi = sp.Matrix(self.D_o, self.D + 1, lambda j, d: _sym(f"phi_{{{j + 1},{d}}}"))
            self.outputs = [_sym(f"y_{{{j}}}") for j in range(1, self.D_o + 1)]
        self.h = [_sym(f"h_{{{d}}}") for d in range(1, self.D + 1)]
        x = sp.Matrix([1] + self.inputs)
        hh = sp.Matrix([1] + self.h)
        self.program = [(self.h[d], a((self.theta[d, :] * x)[0])) for d in range(self.D)]
        self.program += [(self.outputs[j], (self.phi[j, :] * hh)[0]) for j in range(self.D_o)]

    @property
    def parameter_symbols(self) -> list[sp.Symbol]:
        return list(self.theta) + list(self.phi)

    def substituted_outputs(self) -> list[sp.Expr]:
        values: dict[sp.Symbol, sp.Expr] = {}
        for s, e in self.program:
            values[s] = e.xreplace(values)
        return [values[s] for s in self.outputs]

    def equations_latex(self) -> list[str]:
        """``h_d = a[...]`` and ``y_j = ...`` lines; theta/phi indices take commas in every
        line once any index has two digits (D >= 10, D_i >= 10 or D_o >= 10)."""
        commas = max(self.D, self.D_i, self.D_o) >= 10
        return [f"{latex(s, commas)} = " + "\\\\\n&\\qquad ".join(latex_lines(e, commas=commas))
                for s, e in self.program]

    def _repr_latex_(self) -> str:
        """Jupyter shows the network's equations in the lecture's theta/phi notation."""
        rows = "\\\\ ".join(line.replace(" = ", " &= ", 1) for line in self.equations_latex())
        return f"$\\displaystyle \\begin{{aligned}}{rows}\\end{{aligned}}$"

    def as_deep_parameters(self, deep: DeepNetwork) -> dict[sp.Symbol, sp.Symbol]:
        """The renaming theta -> (beta_0, Omega_0), phi -> (beta_1, Omega_1)."""
        mapping = {}
        for d in range(self.D):
            mapping[self.theta[d, 0]] = deep.beta[0][d]
            for i in range(self.D_i):
                mapping[self.theta[d, i + 1]] = deep.omega[0][d, i]
        for j in range(self.D_o):
            mapping[self.phi[j, 0]] = deep.beta[1][j]
            for d in range(self.D):
                mapping[self.phi[j, d + 1]] = deep.omega[1][j, d]
        return mapping


def shallow_network(D_i: int, D: int, D_o: int, activation_name: str = "relu") -> ShallowNetwork:
    """Build the shallow network with D_i inputs, D hidden units and D_o outputs."""
    return ShallowNetwork(D_i, D, D_o, activation_name)


def lecture_1_3_1() -> tuple[ShallowNetwork, dict[sp.Symbol, sp.Rational]]:
    r"""The lecture's worked example: a 1-3-1 ReLU network and exact parameter values.

    The values give joints at x = 1/2, 1 and 3/2 (``-theta_{d0}/theta_{d1}``).

    >>> net, values = lecture_1_3_1()
    >>> [net.substituted_outputs()[0].subs(values).subs(net.inputs[0], v) for v in (0, 1, 2)]
    [-1/5, 1, 9/5]
    """
    net = shallow_network(1, 3, 1, "relu")
    th, ph = net.theta, net.phi
    R = sp.Rational
    values = {
        th[0, 0]: R(-1, 2), th[0, 1]: R(1),  # joint at x = 1/2, unit active for x > 1/2
        th[1, 0]: R(1), th[1, 1]: R(-1),  # joint at x = 1, unit active for x < 1
        th[2, 0]: R(-3, 2), th[2, 1]: R(1),  # joint at x = 3/2
        ph[0, 0]: R(1, 2), ph[0, 1]: R(1), ph[0, 2]: R(-7, 10), ph[0, 3]: R(-2, 5),
    }
    return net, values
