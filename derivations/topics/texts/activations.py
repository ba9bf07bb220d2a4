"""What the notes say about activation functions (``derivations.topics.activations``)."""

from __future__ import annotations

import sympy as sp

from derivations.topics.texts import fill
from symbolic.activations.functions import Activation, ELUPrime
from symbolic.core.printing import latex
from symbolic.spec import ACTIVATIONS

__all__ = ["section", "own_section", "table_display", "one_display", "own_display"]

SECTION = r"""\section{@title}
An activation function $\mathrm{a}[\cdot]$ is the nonlinearity applied to each hidden unit's
linear combination of the inputs; without it a network of any depth is one linear function.
The lecture's default is the rectified linear unit, $\mathrm{ReLU}[z] = \max(0, z)$; other common
choices are the sigmoid, tanh and variations on ReLU. Each is written below with its exact
derivative, which SymPy derives (the derivative of ReLU is the indicator
$\mathbb{I}[z > 0]$, taken as 0 at $z = 0$ as PyTorch does; the Heaviside step here is
$\mathbb{I}[z > 0]$ too, with $H(0) = 0$).
@table_tex
Every derivative is checked three times: against the derivative of the function's definition
(checked at 8 points to 50 digits), compiled to PyTorch against PyTorch's autograd of the same
activation at 8 points away from $z = 0$, and at $z = 0$ exactly (the kink of ReLU, leaky ReLU,
ELU and Heaviside), where the exact value, the compiled ones (PyTorch and NumPy) and autograd's
must agree.
\begin{figure}[ht]
\centering
\includegraphics[width=\textwidth]{@figure}
\caption{Activation functions $\mathrm{a}[z]$ (solid) and their derivatives $\mathrm{a}'[z]$ (dashed).}
\end{figure}
@own_tex"""

OWN = r"""\subsection*{Write your own activation}
A lecturer's own activation is one SymPy expression in one real symbol, registered in a
Python file passed to any command as \texttt{--plugin FILE.py} (see \texttt{examples/my\_losses.py}):
\begin{verbatim}
@example
\end{verbatim}
SymPy derives its derivative, finds its kinks (here $z \in \{@kinks\}$, where $|z|$ switches),
decides whether it is piecewise linear (@linear), and prints its
PyTorch code; the derivative below is checked against the autograd of PyTorch's own
\texttt{softsign} at @points points and at the kink, and it then works in
\texttt{derive}, \texttt{verify}, \texttt{evaluate}, \texttt{train} and these notes like a built-in one.
@display_tex
"""


def section(*, title: str, table_tex: str, figure: str, own_tex: str) -> str:
    """The section: every activation with its derivative, the figure, then ``own_tex``."""
    return fill(SECTION, title=title, table_tex=table_tex, figure=figure, own_tex=own_tex)


def own_section(*, example: str, kinks, regions_ready: bool, points: int, display_tex: str) -> str:
    """"Write your own activation": the registering line ``example``, what SymPy finds
    (``kinks``, whether the regions counter takes it) and the checked derivative."""
    linear = ("it is, so \\texttt{regions} counts its networks' pieces" if regions_ready else
              "here not, so \\texttt{regions} refuses it")
    return fill(OWN, example=example, kinks=", ".join(sp.latex(k) for k in kinks), linear=linear, points=points,
                display_tex=display_tex)


def power_latex(expr: sp.Expr) -> str:
    """LaTeX of an expression in which activations may be raised to powers (``tanh[z]^2``):
    the activation classes' printer takes no exponent, so powers are printed here."""
    powers = {p: sp.Symbol(f"Q{chr(65 + i)}") for i, p in enumerate(
        sorted(expr.atoms(sp.Pow), key=sp.default_sort_key)) if isinstance(p.base, Activation)}
    text = sp.latex(expr.xreplace(powers))
    for p, placeholder in powers.items():
        text = text.replace(placeholder.name, fill("@base^{@exp}", base=sp.latex(p.base), exp=sp.latex(p.exp)))
    return text


def _expand_primes(expr: sp.Expr) -> sp.Expr:
    """Write derivative-only classes (ELU') out by their definitions, for display."""
    return expr.replace(lambda e: isinstance(e, ELUPrime), lambda e: ELUPrime.definition(*e.args))


def _pair(expr, definition, slope) -> tuple[str, str]:
    """``a[z] &= definition`` and ``d/dz a[z] &= derivative``."""
    left = latex(expr) if isinstance(expr, Activation) else r"\mathrm{a}\left[z\right]"
    return (f"{left} &= {power_latex(definition)}",
            fill(r"\frac{d}{dz}@left &= @slope", left=left, slope=power_latex(_expand_primes(slope))))


def table_display(rows) -> str:
    """An ``alignat*`` of every activation ``(name, a[z], definition, a'[z])`` of ``rows``: the name
    and the definition, then the derivative under it (one row of both runs off the page for GELU
    and swish)."""
    lines = []
    for name, *row in rows:
        value, derivative = _pair(*row)
        lines.append(fill(r"&\text{@title:}\quad & @value,\\", title=ACTIVATIONS.get(name).title, value=value)
                     + "\n" + f"&& {derivative}")
    return "\\begin{alignat*}{2}\n" + "\\\\\n".join(lines) + "\n\\end{alignat*}"


def one_display(row) -> str:
    """An ``align*`` of one activation ``(name, a[z], definition, a'[z])``: definition and derivative."""
    value, derivative = _pair(*row[1:])
    return "\\begin{align*}\n" + value + "\\\\\n" + derivative + "\n\\end{align*}"


def own_display(a, definition, slope, tidy) -> str:
    """The own activation ``a``: its ``definition``, and its derivative as SymPy finds it and ``tidy``."""
    return fill(r"""\begin{align*}
@a &= @definition,\\
\frac{d}{dz}@a &= @slope = @tidy
\end{align*}""", a=latex(a), definition=latex(definition), slope=power_latex(slope), tidy=latex(tidy))
