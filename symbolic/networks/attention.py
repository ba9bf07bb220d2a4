r"""Dot-product self-attention (Prince, UDL sections 12.2-12.3): one head on N tokens of size D.

The tokens are the columns x_1..x_N of X (D x N). Each token gives a value, a query and a key,

    v_m = beta_v + Omega_v x_m,   q_n = beta_q + Omega_q x_n,   k_m = beta_k + Omega_k x_m,

and the n-th output is a weighted sum of the values, the weights a softmax over the keys m of
the scaled dot products of key m with query n (UDL eqs. 12.3-12.5 and 12.9):

    sa_n[x_1..x_N] = sum_{m=1}^{N} a[x_m, x_n] v_m,
    a[x_m, x_n] = softmax_m[k_m^T q_n / sqrt(D_q)] = exp[s_{mn}] / sum_{m'} exp[s_{m'n}].

In matrix form (book eq. 12.9) ``Sa[X] = V Softmax[K^T Q / sqrt(D_q)]`` with
``V = beta_v 1^T + Omega_v X`` (Q and K likewise) and the softmax taken over each column.
Here D_q = D (queries and keys as long as the tokens), so one head has 3 D^2 + 3 D parameters;
the scale 1/sqrt(D_q) keeps its symbol D_q (its value D is put in where numbers are).

:meth:`SelfAttention.program` instantiates the general definitions (:data:`DEFINITIONS`, with
symbolic N, D and D_q) for the head's sizes: a straight-line program of named intermediates
q, k, v, s, a and sa. :meth:`SelfAttention.matrix_form` builds the matrix form independently,
with SymPy matrices.

>>> head = SelfAttention(3, 2)
>>> head.form_check().passed, len(head.parameters) == parameter_count(2)
(True, True)
>>> head.equivariance_failures()
[]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symbolic.core.autodiff import Adjoint, reverse_mode
from symbolic.core.derivation import Derivation
from symbolic.core.step_check import Check, check_equal

__all__ = ["SelfAttention", "DEFINITIONS", "LOSS", "D", "D_q", "N", "d", "c", "m", "n", "j", "x_", "v_", "q_", "k_",
           "s_", "a_", "sa_", "parameter_count", "mha_parameter_count", "softmax", "softmax_jacobian",
           "jacobian_closed_form", "jacobian_check", "attention_derivation", "softmax_adjoint", "symbol"]

#: The per-sample loss of the gradient's program: least squares on the outputs.
LOSS = sp.Symbol("ell", real=True)
#: The sizes: tokens N, token size D, query and key size D_q.
N, D, D_q = sp.symbols("N D D_q", integer=True, positive=True)
#: The indices: d, c over the entries of a token, m, n, j over the tokens.
d, c, m, n, j = sp.symbols("d c m n j", integer=True, positive=True)
x_, v_, q_, k_, s_, a_ = (sp.IndexedBase(name, real=True) for name in ("x", "v", "q", "k", "s", "a"))
sa_ = sp.IndexedBase(r"\mathrm{sa}", real=True)
_omega = {name: sp.IndexedBase(f"omega_{name}", real=True) for name in "vqk"}
_beta = {name: sp.IndexedBase(f"beta_{name}", real=True) for name in "vqk"}


def _linear(name: str, token: sp.Symbol) -> sp.Expr:
    """beta_name[d] + sum_c omega_name[d, c] x[c, token]."""
    return _beta[name][d] + sp.Sum(_omega[name][d, c] * x_[c, token], (c, 1, D))


#: The general definitions (UDL 12.2-12.3, scaled as in 12.9), Indexed lhs -> rhs.
DEFINITIONS: dict[sp.Indexed, sp.Expr] = {
    v_[d, m]: _linear("v", m),
    q_[d, n]: _linear("q", n),
    k_[d, m]: _linear("k", m),
    s_[m, n]: sp.Sum(k_[c, m] * q_[c, n], (c, 1, D_q)) / sp.sqrt(D_q),
    a_[m, n]: sp.exp(s_[m, n]) / sp.Sum(sp.exp(s_[j, n]), (j, 1, N)),
    sa_[d, n]: sp.Sum(v_[d, m] * a_[m, n], (m, 1, N)),
}


def symbol(base: sp.IndexedBase | str, *indices: int) -> sp.Symbol:
    """The scalar symbol of one entry: ``symbol(q_, 1, 2)`` is ``q_{1,2}``, ``symbol("omega_q", 1, 2)``
    is ``omega_{q,1,2}`` (a subscript in the base's name joins the indices)."""
    name = str(base.label) if isinstance(base, sp.IndexedBase) else base
    head, _, sub = name.partition("_")
    inside = ",".join([*([sub] if sub else []), *map(str, indices)])
    return sp.Symbol(f"{head}_{{{inside}}}", real=True)


def parameter_count(D: sp.Expr) -> sp.Expr:
    """3 D^2 + 3 D: the D x D matrices Omega_v, Omega_q, Omega_k and the biases beta_v, beta_q, beta_k.

    >>> parameter_count(2)
    18
    """
    return 3 * D**2 + 3 * D


def mha_parameter_count(D: sp.Expr) -> sp.Expr:
    """4 D^2 + 4 D: one head as ``torch.nn.MultiheadAttention`` holds it, with its output projection
    (a further D x D matrix and bias) after the head.

    >>> mha_parameter_count(2)
    24
    """
    return parameter_count(D) + D**2 + D


def softmax(z) -> list[sp.Expr]:
    """p_i = exp[z_i] / sum_j exp[z_j]."""
    total = sum((sp.exp(zi) for zi in z), sp.S.Zero)
    return [sp.exp(zi) / total for zi in z]


def _vector(name: str, size: int) -> list[sp.Symbol]:
    return [sp.Symbol(f"{name}_{i}", real=True) for i in range(1, size + 1)]


def softmax_jacobian(size: int) -> tuple[sp.Matrix, list[sp.Symbol], list[sp.Symbol]]:
    """``(J, z, p)``: the Jacobian dp/dz of p = softmax[z] for ``size`` inputs, derived by
    differentiating (in terms of z), and the symbols z_1.., p_1.."""
    z, p = _vector("z", size), _vector("p", size)
    return sp.Matrix(softmax(z)).jacobian(sp.Matrix(z)), z, p


def jacobian_closed_form(p) -> sp.Matrix:
    """diag(p) - p p^T.

    >>> from symbolic.core.printing import latex
    >>> print(latex(jacobian_closed_form(sp.symbols("p_1 p_2"))))
    \\left[\\begin{matrix}- p_{1}^{2} + p_{1} & - p_{1} p_{2}\\\\- p_{1} p_{2} & - p_{2}^{2} + p_{2}\\end{matrix}\\right]
    """
    column = sp.Matrix(p)
    return sp.diag(*p) - column * column.T


def jacobian_check(size: int, closed=None) -> Check:
    """dp/dz (differentiated) = ``closed(p)`` (default :func:`jacobian_closed_form`) with p = softmax[z]
    put in, every entry proven (simplify).

    >>> jacobian_check(3).passed
    True
    """
    J, z, p = softmax_jacobian(size)
    put_in = (jacobian_closed_form if closed is None else closed)(p).xreplace(dict(zip(p, softmax(z))))
    wrong = [(r + 1, c + 1) for r in range(size) for c in range(size) if sp.simplify(J[r, c] - put_in[r, c]) != 0]
    return Check("symbolic (simplify), every entry", not wrong, 0.0 if not wrong else float("inf"),
                 f"entries {wrong} differ" if wrong else "")


def softmax_adjoint(a_column, adjoints) -> list[sp.Expr]:
    """dl/ds_{mn} = a_{mn} (dl/da_{mn} - sum_j a_{jn} dl/da_{jn}): the softmax's Jacobian
    diag(a_n) - a_n a_n^T (symmetric) times the column's adjoints dl/da_n."""
    total = sum((a * g for a, g in zip(a_column, adjoints)), sp.S.Zero)
    return [a * (g - total) for a, g in zip(a_column, adjoints)]


@dataclass(frozen=True)
class SelfAttention:
    """One head of dot-product self-attention on ``N`` tokens of size ``D`` (D_q = D)."""

    N: int = 3
    D: int = 2

    def __post_init__(self):
        for name in ("N", "D"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    def _matrix(self, base, rows: int, cols: int) -> sp.Matrix:
        return sp.Matrix(rows, cols, lambda r, c: symbol(base, r + 1, c + 1))

    @property
    def X(self) -> sp.Matrix:
        """The tokens as columns, x_{d,n}: (D, N)."""
        return self._matrix(x_, self.D, self.N)

    def Omega(self, name: str) -> sp.Matrix:
        """Omega_v, Omega_q or Omega_k: (D, D) of omega_{name,d,e}."""
        return self._matrix(f"omega_{name}", self.D, self.D)

    def beta(self, name: str) -> sp.Matrix:
        """beta_v, beta_q or beta_k: (D, 1) of beta_{name,d}."""
        return sp.Matrix(self.D, 1, lambda r, _: symbol(f"beta_{name}", r + 1))

    @property
    def parameters(self) -> list[sp.Symbol]:
        """Omega_q, beta_q, Omega_k, beta_k, Omega_v, beta_v, entry by entry (rows first)."""
        return [w for name in "qkv" for w in (*self.Omega(name), *self.beta(name))]

    def named(self, base) -> sp.Matrix:
        """The program's intermediates as a matrix: q, k, v, sa (D, N); s, a (N, N)."""
        rows = self.N if base in (s_, a_) else self.D
        return self._matrix(base, rows, self.N)

    def _instance(self, lhs: sp.Indexed, values: dict) -> tuple[sp.Symbol, sp.Expr]:
        """One assignment of the program: the general definition of ``lhs`` with the sizes and
        ``values`` (the indices) put in, the sums done, every entry a scalar symbol."""
        sizes = {N: self.N, D: self.D, **values}
        rhs = DEFINITIONS[lhs].replace(lambda t: isinstance(t, sp.Sum), lambda t: t.xreplace({D_q: self.D}))
        rhs = rhs.xreplace(sizes).doit()
        rhs = rhs.replace(lambda t: isinstance(t, sp.Indexed),
                          lambda t: symbol(t.base, *(int(i) for i in t.indices)))
        return symbol(lhs.base, *(int(i.xreplace(sizes)) for i in lhs.indices)), rhs

    @cached_property
    def _program(self) -> tuple[tuple[sp.Symbol, sp.Expr], ...]:
        out = []
        for lhs, first, second in ((v_[d, m], d, m), (q_[d, n], d, n), (k_[d, m], d, m), (s_[m, n], m, n),
                                   (a_[m, n], m, n), (sa_[d, n], d, n)):
            rows = self.N if first in (m, j) else self.D
            for r, c in itertools.product(range(1, rows + 1), range(1, self.N + 1)):
                out.append(self._instance(lhs, {first: r, second: c}))
        return tuple(out)

    def program(self) -> list[tuple[sp.Symbol, sp.Expr]]:
        """The forward pass as a straight-line program: v, q, k, then s, a, sa, each entry
        the general definition instantiated."""
        return list(self._program)

    def outputs(self, X: sp.Matrix | None = None) -> sp.Matrix:
        """sa_{d,n} written out in the inputs and parameters (the program composed), (D, N);
        ``X``: other tokens put in for x_{d,n}."""
        values: dict = {} if X is None else dict(zip(self.X, X))
        for s, rhs in self._program:
            values[s] = rhs.xreplace(values)
        return self.named(sa_).xreplace(values)

    def matrix_form(self, X: sp.Matrix | None = None, scale: sp.Expr | None = None) -> sp.Matrix:
        """V Softmax[K^T Q / sqrt(D_q)] with V = beta_v 1^T + Omega_v X (Q, K likewise) and the
        softmax over each column, built with SymPy matrices: (D, N)."""
        X = self.X if X is None else X
        ones = sp.ones(1, self.N)
        V, Q, K = (self.beta(name) * ones + self.Omega(name) * X for name in "vqk")
        S = K.T * Q * (1 / sp.sqrt(D_q) if scale is None else scale)
        A = sp.Matrix.hstack(*(sp.Matrix(softmax(S.col(c))) for c in range(self.N)))
        return V * A

    def form_check(self, matrix: sp.Matrix | None = None) -> Check:
        """The program's outputs (the per-token definitions) = the matrix form, every entry."""
        matrix = self.matrix_form() if matrix is None else matrix
        return _entries_equal(self.outputs(), matrix, "symbolic (expand), every entry")

    def permutations(self) -> list[sp.Matrix]:
        """Every N x N permutation matrix P (X P reorders the tokens)."""
        return [sp.Matrix(self.N, self.N, lambda r, c: int(order[c] == r))
                for order in itertools.permutations(range(self.N))]

    def equivariance_failures(self, form=None) -> list[int]:
        """The permutations (numbered from 1, in :meth:`permutations`' order) for which
        Sa[X P] != Sa[X] P in some entry (empty: equivariant, proven entry by entry);
        ``form(X)``: the layer (default :meth:`outputs`)."""
        form = self.outputs if form is None else form
        before = form(self.X)
        return [i for i, P in enumerate(self.permutations(), start=1)
                if not _entries_equal(form(self.X * P), before * P, "").passed]

    def gradient_program(self) -> tuple[list, dict, list]:
        """The loss ell = sum_{d,n} (y_{d,n} - sa_{d,n})^2 after the forward program, and its
        backward pass by reverse mode: ``(program, gradient, backward)``, ``gradient[w]`` in
        terms of the adjoints (:func:`symbolic.core.autodiff.reverse_mode`)."""
        y, sa = self._matrix("y", self.D, self.N), self.named(sa_)
        program = self.program() + [(LOSS, sum(((t - o) ** 2 for t, o in zip(y, sa)), sp.S.Zero))]
        backward, gradient = reverse_mode(program, LOSS, self.parameters)
        return program, gradient, backward

    def targets(self) -> sp.Matrix:
        """y_{d,n}: (D, N)."""
        return self._matrix("y", self.D, self.N)

    def closed_gradient(self) -> dict[sp.Symbol, sp.Expr]:
        """dl/dOmega_. = (dl/d.) X^T and dl/dbeta_. = (dl/d.) 1 for . = q, k, v (in terms of
        the adjoints of the queries, keys and values), entry by entry."""
        X, out = self.X, {}
        for name, base in (("q", q_), ("k", k_), ("v", v_)):
            G = self.named(base).applyfunc(lambda s: Adjoint(s, LOSS))  # (D, N)
            for w, g in zip(self.Omega(name), G * X.T):
                out[w] = g
            for w, g in zip(self.beta(name), G * sp.ones(self.N, 1)):
                out[w] = g
        return out


def _entries_equal(left: sp.Matrix, right: sp.Matrix, method: str) -> Check:
    if left.shape != right.shape:
        return Check(method, False, float("inf"), f"shape {right.shape}, not {left.shape}")
    for r, (a, b) in enumerate(zip(left, right)):
        if sp.expand(a - b) != 0 and not check_equal(a, b, seed=r).passed:
            return Check(method, False, float("inf"), f"entry {r + 1} (row by row) differs")
    return Check(method, True, 0.0)


def attention_derivation() -> Derivation:
    """s_{m,n} = k_m^T q_n / sqrt(D_q), a_{m,n} = softmax_m[s_{m,n}] and sa_{d,n} = sum_m v_{d,m} a_{m,n}
    (UDL 12.3-12.5, 12.9), for any N, D, D_q: the definitions, then the output with the attention
    weights put in.

    >>> from symbolic.core.printing import latex
    >>> dv = attention_derivation()
    >>> dv.check().passed
    True
    >>> print(latex(dv.steps[-1].rhs))
    \\sum_{m=1}^{N} \\frac{e^{{s}_{m,n}} {v}_{d,m}}{\\sum_{j=1}^{N} e^{{s}_{j,n}}}
    """
    dv = Derivation("dot-product self-attention")
    dv.definitions = {a_[m, n]: DEFINITIONS[a_[m, n]]}
    dv.add(DEFINITIONS[s_[m, n]], "definition: the dot product of key m with query n, scaled", lhs=s_[m, n],
           check=False)
    dv.add(DEFINITIONS[a_[m, n]], "definition: the attention weights, a softmax over the keys", lhs=a_[m, n],
           check=False)
    dv.add(DEFINITIONS[sa_[d, n]], "definition: a weighted sum of the values", lhs=sa_[d, n], check=False)
    dv.add(sp.Sum(v_[d, m] * DEFINITIONS[a_[m, n]], (m, 1, N)), "the attention weights put in")
    return dv
