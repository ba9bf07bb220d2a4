"""Topic: activation functions and their exact derivatives.

    python -m derivations.topics.activations --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
import torch

from derivations.figures.networks import activation_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.activations import torch_activation
from symbolic.activations.functions import ELUPrime, Activation, activation
from symbolic.core.compile import compile_program
from symbolic.activations.custom import make_activation
from symbolic.core.derivation import check_equal
from symbolic.core.printing import latex
from symbolic.spec import ACTIVATIONS, NetworkSpec
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "Activation functions"
SLUG = "activations"
#: Where each derivative is compared with torch autograd (away from the kinks at z = 0).
POINTS = (-3.1, -1.7, -0.6, -0.05, 0.05, 0.4, 1.3, 2.9)
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("POINTS",)


def _definition(expr: sp.Expr) -> sp.Expr:
    """An activation's definition in stock SymPy (the identity stays z; tanh in exponentials)."""
    if not isinstance(expr, Activation):
        return expr
    definition = type(expr).definition(*expr.args)
    return definition.rewrite(sp.exp) if isinstance(definition, sp.tanh) else definition


def _expand_primes(expr: sp.Expr) -> sp.Expr:
    """Write derivative-only classes (ELU') out by their definitions, for display."""
    return expr.replace(lambda e: isinstance(e, ELUPrime), lambda e: ELUPrime.definition(*e.args))


def _latex(expr: sp.Expr) -> str:
    """LaTeX of an expression in which activations may be raised to powers (``tanh[z]^2``):
    the activation classes' printer takes no exponent, so powers are printed here."""
    powers = {p: sp.Symbol(f"Q{chr(65 + i)}") for i, p in enumerate(
        sorted(expr.atoms(sp.Pow), key=sp.default_sort_key)) if isinstance(p.base, Activation)}
    text = sp.latex(expr.xreplace(powers))
    for p, placeholder in powers.items():
        text = text.replace(placeholder.name, rf"{sp.latex(p.base)}^{{{sp.latex(p.exp)}}}")
    return text


#: The notes' example of a lecturer's own activation (as ``examples/my_losses.py`` registers it).
OWN_EXAMPLE = 'register_activation("softsign", z / (1 + sp.Abs(z)))'


def _own_activation() -> tuple[str, list[dict], str]:
    """"Write your own activation": softsign from one expression, its derivative derived by
    SymPy and checked against PyTorch's own ``softsign`` (an independent implementation).
    Returns the section's LaTeX, its records and its display."""
    z = sp.Symbol("z", real=True)
    entry = make_activation("softsign", z / (1 + sp.Abs(z)))  # the entry, not registered
    a = entry.sympy_function()(z)
    slope = sp.diff(a, z)
    tidy = 1 / (1 + sp.Abs(z)) ** 2
    c = check_equal(slope, tidy, {z: lambda rng: sp.Rational(rng.choice([v for v in range(-300, 301) if v]), 100)},
                    points=8, symbolic=False)
    records = [record("softsign (own): SymPy's derivative equals 1/(1 + |z|)^2", "derivative", c.max_error, c.passed,
                      c.method, id="own_softsign.derivative")]
    zt = torch.tensor(POINTS + (0.0,), dtype=torch.float64, requires_grad=True)
    grad = torch.autograd.grad(torch.nn.functional.softsign(zt).sum(), zt)[0]
    ours = compile_program([z], [], [slope + 0 * z], "torch")(zt.detach())[0]
    err = float((ours - grad).abs().max() / max(1.0, float(grad.abs().max())))
    records.append(record(f"softsign (own): compiled a'[z] vs autograd of torch.nn.functional.softsign "
                          f"({len(POINTS)} points and the kink z = 0)", "symbolic-vs-torch", err, err <= FLOAT64_RTOL,
                          "float64, relative error", id="own_softsign.torch"))
    assign_ids(SLUG, records)  # before tagging, so that the tags carry the final ids
    kinks = ", ".join(sp.latex(k) for k in entry.kinks)
    linear = ("it is, so \\texttt{regions} counts its networks' pieces" if entry.regions_ready else
              "here not, so \\texttt{regions} refuses it")
    display = (f"\\begin{{align*}}\n{latex(a)} &= {latex(entry.sympy_class().definition(z))},\\\\\n"
               f"\\frac{{d}}{{dz}}{latex(a)} &= {_latex(slope)} = {latex(tidy)}\n\\end{{align*}}")
    tex = rf"""\subsection*{{Write your own activation}}
A lecturer's own activation is one SymPy expression in one real symbol, registered in a
Python file passed to any command as \texttt{{--plugin FILE.py}} (see \texttt{{examples/my\_losses.py}}):
\begin{{verbatim}}
{OWN_EXAMPLE}
\end{{verbatim}}
SymPy derives its derivative, finds its kinks (here $z \in \{{{kinks}\}}$, where $|z|$ switches),
decides whether it is piecewise linear ({linear}), and prints its
PyTorch code; the derivative below is checked against the autograd of PyTorch's own
\texttt{{softsign}} at {len(POINTS)} points and at the kink, and it then works in
\texttt{{derive}}, \texttt{{verify}}, \texttt{{evaluate}}, \texttt{{train}} and these notes like a built-in one.
{tagged(display, records)}
"""
    return tex, records, display


def build(ctx: TopicContext) -> TopicResult:
    z = sp.Symbol("z", real=True)
    records, rows, checks_of = [], [], {}
    for name in ACTIVATIONS:
        entry = ACTIVATIONS.get(name)
        # away from the kinks (z = 0 for the built-ins)
        points = torch.tensor([p for p in POINTS if all(abs(p - t) > 1e-3 for t in entry.kink_values())],
                              dtype=torch.float64)
        a = activation(name)
        expr = a(z)
        slope = sp.diff(expr, z)
        rows.append((name, expr, _definition(expr), slope))
        # 1. the class's derivative equals the derivative of its stock-SymPy definition
        c = check_equal(slope, sp.diff(_definition(expr), z), {z: lambda rng: sp.Rational(rng.choice(
            [v for v in range(-300, 301) if v]), 100)}, points=8, symbolic=False)
        records.append(record(f"{name}: a'[z] equals d/dz of the definition", "derivative", c.max_error, c.passed,
                              c.method))
        # 2. the compiled derivative equals torch autograd of the twin's activation
        zt = points.clone().requires_grad_(True)
        value = torch_activation(NetworkSpec((1, 1), name))(zt)
        # a step function is a constant to autograd (no graph): its gradient is 0
        grad = torch.autograd.grad(value.sum(), zt)[0] if value.requires_grad else torch.zeros_like(points)
        ours = torch.as_tensor(compile_program([z], [], [slope + 0 * z], "torch")(points)[0], dtype=torch.float64)
        ours = ours.expand_as(points)
        err = float((ours - grad).abs().max() / max(1.0, float(grad.abs().max())))
        records.append(record(f"{name}: compiled a'[z] vs torch autograd ({len(points)} points)", "symbolic-vs-torch", err,
                              err <= FLOAT64_RTOL, "float64, relative error"))
        # 3. at the kink z = 0 itself (ReLU'(0) = 0 as torch; leaky ReLU'(0) = 0.1; H'(0) = 0)
        kink = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        value = torch_activation(NetworkSpec((1, 1), name))(kink)
        grad0 = torch.autograd.grad(value.sum(), kink)[0] if value.requires_grad else torch.zeros(3, dtype=torch.float64)
        ours0 = torch.as_tensor(compile_program([z], [], [slope + 0 * z], "torch")(kink.detach())[0],
                                dtype=torch.float64).expand(3)
        numpy0 = np.broadcast_to(np.asarray(compile_program([z], [], [slope + 0 * z], "numpy")(np.zeros(3))[0],
                                            dtype=np.float64), (3,))
        values0 = [np.broadcast_to(np.asarray(compile_program([z], [], [expr + 0 * z], backend)(zero)[0], dtype=np.float64),
                                   (3,)) for backend, zero in (("torch", kink.detach()), ("numpy", np.zeros(3)))]
        exact0 = slope.subs(z, 0)
        err0 = max(float((ours0 - grad0).abs().max()), abs(float(exact0) - float(grad0[0])),
                   float(np.abs(numpy0 - grad0.numpy()).max()),
                   abs(float(_definition(expr).subs(z, 0)) - float(value.detach()[0])),  # and a[0] itself,
                   *(float(np.abs(v - value.detach().numpy()).max()) for v in values0))  # exact and compiled
        where = "its kink " if 0 in entry.kink_values() else ""
        records.append(record(f"{name}: a'[z] at {where}z = 0 exactly, exact ({float(exact0):g}) and compiled (torch and "
                              f"numpy), vs torch "
                              f"autograd ({float(grad0[0]):g}); a[0] too", "symbolic-vs-torch", err0, err0 <= FLOAT64_RTOL,
                              "float64, at z = 0 exactly", id=f"{name}.kink"))
        checks_of[name] = records[-3:]

    fig = activation_figure(list(ACTIVATIONS), activation)
    figure = ctx.save_figure(fig, "activations")

    def pair(name, expr, definition, slope):
        """``a[z] &= definition`` and ``d/dz a[z] &= derivative``."""
        left = latex(expr) if isinstance(expr, Activation) else r"\mathrm{a}\left[z\right]"
        return (f"{left} &= {_latex(definition)}", rf"\frac{{d}}{{dz}}{left} &= {_latex(_expand_primes(slope))}")

    def line(name, *row):
        """Two rows: the name and the definition, then the derivative under it (one row of
        both runs off the page for GELU and swish)."""
        value, derivative = pair(name, *row)
        return rf"&\text{{{ACTIVATIONS.get(name).title}:}}\quad & {value},\\" + "\n" + rf"&& {derivative}"

    body = "\\\\\n".join(line(*row) for row in rows)
    assign_ids(SLUG, records)
    table = tagged(f"\\begin{{alignat*}}{{2}}\n{body}\n\\end{{alignat*}}", records)
    table_records = list(records)
    own_tex, own_records, own_display = _own_activation()
    records += own_records
    tex = rf"""\section{{{TITLE}}}
An activation function $\mathrm{{a}}[\cdot]$ is the nonlinearity applied to each hidden unit's
linear combination of the inputs; without it a network of any depth is one linear function.
The lecture's default is the rectified linear unit, $\mathrm{{ReLU}}[z] = \max(0, z)$; other common
choices are the sigmoid, tanh and variations on ReLU. Each is written below with its exact
derivative, which SymPy derives (the derivative of ReLU is the indicator
$\mathbb{{I}}[z > 0]$, taken as 0 at $z = 0$ as PyTorch does; the Heaviside step here is
$\mathbb{{I}}[z > 0]$ too, with $H(0) = 0$).
{table}
Every derivative is checked three times: against the derivative of the function's definition
(checked at 8 points to 50 digits), compiled to PyTorch against PyTorch's autograd of the same
activation at 8 points away from $z = 0$, and at $z = 0$ exactly (the kink of ReLU, leaky ReLU,
ELU and Heaviside), where the exact value, the compiled ones (PyTorch and NumPy) and autograd's
must agree.
\begin{{figure}}[ht]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Activation functions $\mathrm{{a}}[z]$ (solid) and their derivatives $\mathrm{{a}}'[z]$ (dashed).}}
\end{{figure}}
{own_tex}"""
    displays = {"all": Display(f"\\begin{{alignat*}}{{2}}\n{body}\n\\end{{alignat*}}", table_records),
                "own": Display(own_display, own_records)}
    for row in rows:  # one activation: its definition and its derivative
        value, derivative = pair(*row)
        displays[row[0]] = Display(f"\\begin{{align*}}\n{value}\\\\\n{derivative}\n\\end{{align*}}", checks_of[row[0]])
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
