"""Topic: backpropagation (the chain rule on a composed function, then a deep network).

    python -m derivations.topics.backprop --out DIR
"""

from __future__ import annotations

import sys

import sympy as sp
import torch

from derivations.checks.crosscheck import GRADIENT_TOLERANCES, autograd_reference, compare, gradient_check
from symbolic.spec.losses import get_loss
from derivations.figures.backprop import gradient_tangents_figure
from derivations.checks.records import assign_ids, tagged
from numeric.model import DeepNetworkModule
from derivations.topics.topic import Display, TopicContext, TopicResult, align, record, topic_main
from symbolic.activations.functions import activation, activation_latex
from symbolic.backprop.backprop import adjoint_symbol, backprop
from symbolic.backprop.toy import chain_rule_example, toy_values
from symbolic.losses.sample import LOSSES
from symbolic.core.printing import latex
from symbolic.spec import ACTIVATIONS, NetworkSpec
from symbolic.spec.tolerances import EXACT_RTOL

TITLE = "Backpropagation"
SLUG = "backprop"
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("SMALL",)

#: The small network whose every assignment is printed.
SMALL = NetworkSpec((1, 2, 2, 1), "relu")



def _fmt(value) -> str:
    return f"{float(value):.4f}"


def toy_autograd(example, values) -> dict:
    """The toy's forward values and adjoints by torch autograd (float64), for the records."""
    num = {s: float(v) for s, v in values.items()}
    p = {s: torch.tensor(num[s], dtype=torch.float64, requires_grad=True) for s in example.parameters}
    b, w = [p[s] for s in example.beta], [p[s] for s in example.omega]
    f = [b[0] + w[0] * num[example.x]]
    h = [torch.sin(f[0])]
    f.append(b[1] + w[1] * h[0])
    h.append(torch.exp(f[1]))
    f.append(b[2] + w[2] * h[1])
    h.append(torch.cos(f[2]))
    f.append(b[3] + w[3] * h[2])
    for t in f + h:
        t.retain_grad()
    loss = (num[example.y] - f[3]) ** 2
    loss.backward()
    out = {example.l: (loss.item(), None)}
    out.update({s: (t.item(), t.grad.item()) for s, t in zip(example.f, f)})
    out.update({s: (t.item(), t.grad.item()) for s, t in zip(example.h[1:], h)})
    out.update({s: (p[s].item(), p[s].grad.item()) for s in example.parameters})
    return out


def _kinked() -> list[str]:
    """The activations with a kink at z = 0 (their registry entries say so)."""
    return [name for name in ACTIVATIONS if 0 in ACTIVATIONS.get(name).kink_values()]


def _kink_gradient_check() -> tuple[float, bool]:
    """The derived backward pass (scalar program and layer-wise) vs autograd on inputs whose
    pre-activations are exactly 0: ReLU'(0) = 0, leaky ReLU'(0) = 0.1, ELU'(0) = 1 and, for the
    Heaviside step, H(0) = 0 (its derivative 0) on both sides."""
    from symbolic.backprop.compile import compile_backprop, compile_layers, evaluate_backprop

    tensors = {"beta_0": [-1.0, 1.0], "omega_0": [[1.0], [2.0]], "beta_1": [0.25], "omega_1": [[1.5, -2.0]]}
    X = torch.tensor([[1.0], [-0.5], [0.3]], dtype=torch.float64)  # f_{0,1}(1) = 0, f_{0,2}(-1/2) = 0
    Y = torch.tensor([[0.5], [1.0], [-1.0]], dtype=torch.float64)
    worst, ok = 0.0, True
    for name in _kinked():
        spec = NetworkSpec((1, 2, 1), name)
        module = DeepNetworkModule(spec).load_tensors(tensors)
        if not bool((module.hidden(X)[0] == 0).any()):  # the check must really sit on a kink
            raise RuntimeError("the kink check's inputs no longer put a pre-activation at 0")
        ref = autograd_reference(module, X, Y, "least-squares")
        params = {k: v.detach() for k, v in module.named_parameters()}
        bp = backprop(spec, "least-squares")
        with torch.no_grad():
            results = [compile_layers(bp, "torch")(X, Y, params, {}),
                       evaluate_backprop(bp, compile_backprop(bp, "torch"), X, Y, params, {})]
        for result in results:
            for k, g in result.gradient.items():
                c = compare(f"dL/d{k}", g, ref["gradient"][k], GRADIENT_TOLERANCES[torch.float64])
                worst, ok = max(worst, c.max_rel), ok and c.passed
    return worst, ok


def build(ctx: TopicContext) -> TopicResult:
    records: list[dict] = []

    # 1. The chain rule on the composed toy function, with numbers.
    ex = chain_rule_example()
    values = toy_values(ex)
    numbers = ex.evaluate(values, digits=30)
    auto = toy_autograd(ex, values)
    got = [float(numbers[s]) for s in auto] + [float(numbers[adjoint_symbol(s)]) for s, (_, g) in auto.items()
                                                if g is not None]
    ref = [v for v, _ in auto.values()] + [g for _, g in auto.values() if g is not None]
    c = compare("chain-rule toy: every forward value and every dl/d(intermediate, parameter) vs torch autograd",
                got, ref, GRADIENT_TOLERANCES[torch.float64])
    records.append(record(c.name, "symbolic-vs-torch", c.max_rel, c.passed, "30-digit program vs float64 autograd"))
    composed_loss = ex.composed_loss()
    worst = max(float(abs(numbers[adjoint_symbol(p)] - sp.diff(composed_loss, p).xreplace(values).evalf(30)))
                for p in ex.parameters)
    records.append(record("chain-rule toy: backpropagated gradient vs sympy.diff of the composed loss", "symbolic",
                          worst, worst < EXACT_RTOL, "30 digits, absolute error"))

    given = ", ".join(f"{latex(s)} = {latex(v)}" for s, v in values.items())
    forward = align(ex.forward_latex(numbers, _fmt))
    factors = align(ex.factor_latex(numbers, _fmt))
    backward = align(ex.backward_latex(numbers, _fmt))
    figure = ctx.save_figure(gradient_tangents_figure(ex, values, numbers), "backprop_tangents")

    # 2. A deep network: the matrix form, and every assignment of a small one.
    bp_small = backprop(SMALL, "least-squares")
    problems = bp_small.matrix_form_check()
    records.append(record(f"{SMALL.describe()} least squares: derived backward program = matrix form, element by "
                          f"element", "symbolic", 0.0 if not problems else float("inf"), not problems,
                          "expand of each difference"))
    witness = bp_small.diff_check(points=3)
    records.append(record(f"{SMALL.describe()} least squares: backprop program vs sympy.diff of the substituted loss",
                          "symbolic", witness, witness < EXACT_RTOL, "50 digits, 3 random exact points"))
    n_ops = sum(sp.count_ops(e) for e in bp_small.substituted_gradient().values())
    n_program = sum(sp.count_ops(e) for _, e in bp_small.program) + sum(sp.count_ops(e) for e in bp_small.gradient.values())

    # 3. The compiled derived gradients vs autograd, every activation and every loss.
    worst_by, errors = {}, {}
    for name in ACTIVATIONS:
        for loss in LOSSES:
            D_o = get_loss(loss).smallest_D_o()
            spec = NetworkSpec((2, 4, 3, D_o), name)
            paths = ("program", "layers") if loss == LOSSES.names()[0] else ("layers",)  # the scalar path once
            try:
                checks = gradient_check(spec, loss, I=32, seed=1, paths=paths)
            except ValueError as exc:  # a derived program that cannot be compiled is a failed check
                errors[(name, loss)] = str(exc)
                continue
            worst_by[(name, loss)] = max(checks, key=lambda c: c.max_rel / c.tolerance)
    failed = [k for k, c in worst_by.items() if not c.passed] + list(errors)
    grid_worst = max([c.max_rel for c in worst_by.values()] + [float("inf")] * bool(errors))
    records.append(record(f"derived gradients (scalar program and layer-wise) vs torch autograd, "
                          f"{len(ACTIVATIONS)} activations x {len(LOSSES)} losses, 2-4-3-D_o networks",
                          "symbolic-vs-torch", grid_worst, not failed, "float64, relative error, 32 samples",
                          **({"detail": next(iter(errors.values()))} if errors else {})))
    big = NetworkSpec((2, 32, 32, 32, 1), "relu")
    try:
        big_checks = gradient_check(big, "least-squares", I=256, seed=2, paths=("layers",))
        big_worst, big_ok, big_error = max(c.max_rel for c in big_checks), all(c.passed for c in big_checks), {}
    except ValueError as exc:
        big_worst, big_ok, big_error = float("inf"), False, {"detail": str(exc)}
    records.append(record(f"{big.describe()} least squares: layer-wise derived gradient vs torch autograd",
                          "symbolic-vs-torch", big_worst, big_ok, "float64, relative error, 256 samples", **big_error))

    try:
        kink_worst, kink_ok, kink_error = *_kink_gradient_check(), {}
    except ValueError as exc:
        kink_worst, kink_ok, kink_error = float("inf"), False, {"detail": str(exc)}
    records.append(record(f"derived gradients vs torch autograd with pre-activations exactly 0 (1-2-1 networks, "
                          f"{', '.join(_kinked())}, least squares; x = 1 and x = -1/2 put f_{{0,1}} = 0 and "
                          f"f_{{0,2}} = 0)",
                          "symbolic-vs-torch", kink_worst, kink_ok, "float64, relative error, at the kinks",
                          id="gradient_at_kinks", **kink_error))

    z = sp.Symbol("z", real=True)
    a_name = activation_latex(SMALL)
    a_prime = latex(sp.diff(activation(SMALL)(z), z))
    assign_ids(SLUG, records)
    toy_records, deep_records = records[0:2], records[2:4]
    forward_tex, factors_tex, backward_tex = (tagged(block, toy_records) for block in (forward, factors, backward))
    matrix_tex = tagged(align(bp_small.matrix_latex()), deep_records + records[4:])
    program_tex = tagged(align(bp_small.scalar_latex()), deep_records)
    tex = rf"""\section{{{TITLE}}}
Backpropagation is an efficient way to compute the derivatives of the loss with respect to
every parameter: it applies the chain rule. A \emph{{forward pass}} computes and stores every
intermediate value needed for the loss; a \emph{{backward pass}} then goes through the same
intermediates in reverse order, multiplying each derivative found so far by one small local
derivative. Below, SymPy derives the backward pass from the forward pass (one
\texttt{{sympy.diff}} per assignment), never by expanding the loss into one expression.

\subsection*{{The chain rule on a composed function}}
Take the one-input model
$f[x, \boldsymbol\phi] = {latex(ex.composed())}$ and the least-squares loss
$\ell = (y - f[x, \boldsymbol\phi])^2$, at ${given}$. The forward pass stores every intermediate:
{forward_tex}
Each step of the backward pass needs one local derivative, read off its assignment:
{factors_tex}
The backward pass multiplies them, from the loss back to the first layer; the derivatives with
respect to the parameters follow from those with respect to the $f_k$:
{backward_tex}
Every value here equals the one PyTorch's autograd computes (largest relative error
{records[0]['max_error']:.1e}), and at this point every derivative agrees with \texttt{{sympy.diff}} of
the composed loss (evaluated to 30 digits, largest absolute error {records[1]['max_error']:.1e}). Figure~\ref{{fig:backprop-tangents}}
shows each derivative $\partial\ell/\partial\omega_k$ as the slope of the loss along $\omega_k$.
\begin{{figure}}[h]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{The chain-rule example: the loss $\ell$ as one weight $\omega_k$ varies (the others
fixed at the worked values), and the line through the worked point whose slope is the
backpropagated $\partial\ell/\partial\omega_k$.}}
\label{{fig:backprop-tangents}}
\end{{figure}}

\subsection*{{Backpropagation in a deep network}}
For a deep network the same two passes, written per layer, read (with
$\odot$ the elementwise product, $\mathbf{{h}}_0 = \mathbf{{x}}$, and here
${a_name}'[z] = {a_prime}$, the derivative SymPy finds for the activation):
{matrix_tex}
These are checked element by element against the derived program for the network below
({'passed' if not problems else 'FAILED'}). For the {SMALL.describe()} network of
{SMALL.n_parameters} parameters with the least-squares loss, the whole program is:
{program_tex}
It has {len(bp_small.program) + len(bp_small.parameters)} assignments and {n_program} operations;
the gradients written out as expressions of $x$ and the parameters instead take {n_ops}
operations, and the gap widens with every layer. The program's gradient agrees with
\texttt{{sympy.diff}} of the substituted loss at 3 random exact points (evaluated to 50 digits,
largest relative error {witness:.1e}).

Compiled to PyTorch, the derived gradients agree with autograd on the PyTorch twin of each
network for every activation and every loss (largest relative error {grid_worst:.1e}, float64;
random inputs, kept away from the kinks), also with pre-activations exactly at the kink $0$ for
ReLU and leaky ReLU (relative error {kink_worst:.1e}),
and layer by layer, as matrix products, for the {big.describe()} network
({big.n_parameters} parameters; largest relative error {big_worst:.1e}).
"""
    toy, deep = records[0:2], records[2:4]
    displays = {"forward": Display(forward, toy), "factors": Display(factors, toy), "backward": Display(backward, toy),
                "matrix": Display(align(bp_small.matrix_latex()), deep),
                "program": Display(align(bp_small.scalar_latex()), deep)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
