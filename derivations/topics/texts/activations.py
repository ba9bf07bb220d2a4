"""What the notes say about activation functions (``derivations.topics.activations``)."""

from __future__ import annotations

import sympy as sp

from derivations.tex import escape
from derivations.topics.texts import fill
from symbolic.activations.functions import Activation, ELUPrime, Indicator
from symbolic.core.printing import latex
from symbolic.spec import ACTIVATIONS

__all__ = ["section", "own_section", "table_display", "pair_forms", "own_forms", "display_rows", "shown_slope",
           "ZERO_ONE_NAME"]

SECTION = r"""\section{@title}
An activation function $\mathrm{a}[\cdot]$ is the nonlinearity applied to each hidden unit's
linear combination of the inputs; without it a network of any depth is one linear function.
The lecture's default is the rectified linear unit, $@relu$; other common
choices are the sigmoid, tanh and variations on ReLU. Each is written below with its exact
derivative, which SymPy derives (the derivative of ReLU is the indicator
$@relu_slope$, taken as 0 at $@kink$ as PyTorch does; the Heaviside step here is
$@step$ too, with $@step_at_kink$).
@table_tex
Every derivative is checked three times: against the derivative of the function's definition
(checked at 8 points to 50 digits), compiled to PyTorch against PyTorch's autograd of the same
activation at 8 points away from $@kink$, and at $@kink$ exactly (@at_zero), where the exact
value, the compiled ones (PyTorch and NumPy) and autograd's must agree.
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
SymPy derives its derivative, finds where it switches and whether it has a kink there (@kinks),
decides whether it is piecewise linear (@linear), and prints its
PyTorch code; the derivative below is checked against the autograd of PyTorch's own
\texttt{softsign} at @points points and at $@kink$, and it then works in
\texttt{derive}, \texttt{verify}, \texttt{evaluate}, \texttt{train} and these notes like a built-in one.
@display_tex
"""


#: The Heaviside step's value at 0 as the prose names it (the topic reads it back as the step's value there).
ZERO_ONE_NAME = "H(0)"


def section(*, title: str, table_tex: str, figure: str, own_tex: str, switches: dict[str, str],
            printed: dict[str, str]) -> str:
    """The section: every activation with its derivative, the figure, then ``own_tex``;
    ``switches`` maps each activation that switches at z = 0 to what it does there
    (``kink``, ``step`` or ``smooth``, from :func:`symbolic.activations.custom.switch_kind`);
    ``printed``: the prose's formulas, printed and read back by the topic (``relu``,
    ``relu_slope``, ``kink``, ``step``, ``step_at_kink``)."""
    return fill(SECTION, title=title, table_tex=table_tex, figure=figure, own_tex=own_tex,
                at_zero=_at_zero(switches), **printed)


def _names(names: list[str]) -> str:
    titles = [escape(ACTIVATIONS.get(n).title) for n in names]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def _at_zero(switches: dict[str, str]) -> str:
    """Where the activations that switch at z = 0 have a kink, a step, or a smooth switch."""
    parts = []
    for kind, words in (("kink", "{} a kink"), ("step", "{} a step"),
                        ("smooth", "{} a switch of pieces with equal slopes on both sides")):
        names = [n for n, k in switches.items() if k == kind]
        if names:
            parts.append(words.format(_names(names) + (" has" if len(names) == 1 else " have")))
    return "where " + ("; ".join(parts) if parts else "no activation switches")


def own_section(*, example: str, kinks, switch: tuple[str, float, float] | None, regions_ready: bool, points: int,
                display_tex: str, kink: str) -> str:
    """"Write your own activation": the registering line ``example``, what SymPy finds
    (``kinks``; ``switch``: what happens at z = 0, where |z| switches; whether the regions
    counter takes it) and the checked derivative; ``kink``: the printed ``z = 0``."""
    linear = ("it is, so \\texttt{regions} counts its networks' pieces" if regions_ready else
              "here not, so \\texttt{regions} refuses it")
    if kinks:
        found = "here a kink at $z \\in \\{" + ", ".join(sp.latex(k) for k in kinks) + "\\}$"
    elif switch is not None:
        kind, left, right = switch
        found = (f"here $|z|$ switches at ${kink}$, but the slopes on both sides there are "
                 f"{float(left):g} and {float(right):g}: no kink, it is differentiable everywhere")
    else:
        found = "here none"
    return fill(OWN, example=example, kinks=found, linear=linear, points=points, display_tex=display_tex,
                kink=kink)


def power_latex(expr: sp.Expr) -> str:
    """LaTeX of an expression in which activations may be raised to powers (``tanh[z]^2``):
    the activation classes' printer takes no exponent, so powers are printed here."""
    powers = {p: sp.Symbol(f"Q{chr(65 + i)}") for i, p in enumerate(
        sorted(expr.atoms(sp.Pow), key=sp.default_sort_key)) if isinstance(p.base, Activation)}
    text = sp.latex(expr.xreplace(powers))
    for p, placeholder in powers.items():
        text = text.replace(placeholder.name, fill("@base^{@exp}", base=sp.latex(p.base), exp=sp.latex(p.exp)))
    return text


def shown_slope(slope: sp.Expr) -> sp.Expr:
    r"""The derivative as the table prints it: derivative-only classes (ELU') written out by
    their definitions, and a derivative ``a + b I[z > 0]`` other than the indicator itself as
    its two cases (leaky ReLU's ``1`` for ``z > 0``, ``s`` otherwise), not as a sum with the
    indicator in it. The topic proves the printed form equal to ``slope``.

    >>> from symbolic.activations.functions import LeakyReLU
    >>> z = sp.Symbol("z", real=True)
    >>> print(latex(shown_slope(sp.diff(LeakyReLU(z, sp.Rational(1, 10)), z))))
    \begin{cases} 1 & \text{for}\: z > 0 \\\frac{1}{10} & \text{otherwise} \end{cases}
    """
    slope = slope.replace(lambda e: isinstance(e, ELUPrime), lambda e: ELUPrime.definition(*e.args))
    indicators = slope.atoms(Indicator)
    if len(indicators) != 1:
        return slope
    indicator = indicators.pop()
    below = slope.xreplace({indicator: 0})
    above = slope.xreplace({indicator: 1})
    if slope == indicator or sp.expand(below + (above - below) * indicator - slope) != 0:
        return slope  # the indicator itself (ReLU'), or not a sum a + b I[z > 0]
    return sp.Piecewise((sp.simplify(above), indicator.args[0] > 0), (below, True))


def pair_forms(expr, definition, slope) -> list[str]:
    """``a[z] = definition`` and ``d/dz a[z] = derivative`` as the table prints them (the
    derivative as :func:`shown_slope`; the identity's ``a[z]`` names ``z``); the topic reads
    both back."""
    left = latex(expr) if isinstance(expr, Activation) else r"\mathrm{a}\left[z\right]"
    return [f"{left} = {power_latex(definition)}",
            fill(r"\frac{d}{dz}@left = @slope", left=left, slope=power_latex(shown_slope(slope)))]


def display_rows(display: str) -> list[str]:
    r"""The rows of an ``align*`` display (``a &= b``), as :meth:`Formulas.display` made them.

    >>> display_rows("\\begin{align*}\na &= b\\\\\nc &= d\n\\end{align*}")
    ['a &= b', 'c &= d']
    """
    body = display.removeprefix("\\begin{align*}\n").removesuffix("\n\\end{align*}")
    return body.split("\\\\\n")


def table_display(rows) -> str:
    """An ``alignat*`` of every activation ``(name, a[z] row, a'[z] row)`` of ``rows`` (each row
    ``left &= right``, as read back): the name and the definition, then the derivative under it
    (one row of both runs off the page for GELU and swish)."""
    lines = []
    for name, value, derivative in rows:
        lines.append(fill(r"&\text{@title:}\quad & @value,\\", title=escape(ACTIVATIONS.get(name).title), value=value)
                     + "\n" + f"&& {derivative}")
    return "\\begin{alignat*}{2}\n" + "\\\\\n".join(lines) + "\n\\end{alignat*}"


def own_forms(a, definition, slope, tidy) -> list[str]:
    """The own activation ``a``: ``a = definition`` and ``d/dz a = slope = tidy`` (its derivative
    as SymPy finds it, and tidied), as printed; the topic reads both back."""
    return [f"{latex(a)} = {latex(definition)}",
            fill(r"\frac{d}{dz}@a = @slope = @tidy", a=latex(a), slope=power_latex(slope), tidy=latex(tidy))]
