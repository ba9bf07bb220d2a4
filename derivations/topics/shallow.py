"""Topic: shallow neural networks (the lecture's 1-3-1 ReLU example).

    python -m derivations.topics.shallow --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import TOLERANCES, compare, compile_outputs, evaluate_outputs
from derivations.figures.networks import shallow_decomposition_figure
from derivations.topics.topic import Display, TopicContext, TopicResult, align, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.networks.identities import shallow_is_deep
from symbolic.networks.network import deep_network, lecture_1_3_1
from derivations.checks.records import assign_ids, tagged
from symbolic.core.printing import latex, latex_lines

TITLE = "Shallow neural networks"
SLUG = "shallow"
#: Changes to the worked example's parameters, by symbol name, e.g. ``{"phi_{1}": "1/2"}`` (exact rationals).
VALUES: dict[str, str] = {}
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("VALUES",)


def build(ctx: TopicContext) -> TopicResult:
    net, values = lecture_1_3_1()
    names = {s.name: s for s in values}
    for name, value in VALUES.items():
        if name not in names:
            raise ValueError(f"VALUES names {name!r}, not a parameter of the example; choose from {', '.join(names)}")
        values[names[name]] = sp.Rational(value)
    x = net.inputs[0]
    records = []

    equations = "\\\\\n".join(line.replace(" = ", " &= ", 1) for line in net.equations_latex())
    number_lines = [f"{latex(s)} = {latex(e.subs(values))}" for s, e in net.program]
    numbers = "\\\\\n".join(line.replace(" = ", " &= ", 1) for line in number_lines)
    identity = shallow_is_deep(1, 3, 1)
    identity.check()
    identity_records = identity.records()
    records += identity_records

    # The same numbers through the torch twin and the compiled symbolic network.
    deep = deep_network(net.spec)
    rename = net.as_deep_parameters(deep)
    tensors = {name: np.zeros(shape) for name, shape in net.spec.tensor_shapes().items()}
    for p in deep.parameters:
        shallow_symbol = next(s for s, d in rename.items() if d == p.symbol)
        tensors[p.tensor][p.index] = float(values[shallow_symbol])
    module = DeepNetworkModule(net.spec).load_tensors(tensors)
    X = torch.linspace(-0.5, 2.5, 301, dtype=torch.float64).reshape(-1, 1)
    with torch.no_grad():
        y_torch = module(X)
    y_sym = evaluate_outputs(deep, X, {k: torch.tensor(v) for k, v in tensors.items()}, compile_outputs(deep, "torch"))
    c = compare("1-3-1 example: compiled symbolic network vs PyTorch twin (301 points)", y_sym, y_torch,
                TOLERANCES[torch.float64])
    records.append(record(c.name, "symbolic-vs-torch", c.max_rel, c.passed, "float64, relative error"))
    exact = [net.substituted_outputs()[0].subs(values).subs(x, sp.Rational(v)) for v in ("0", "1", "2")]
    c2 = compare("1-3-1 example: exact values at x = 0, 1, 2 vs PyTorch twin",
                 [float(e) for e in exact], module(torch.tensor([[0.0], [1.0], [2.0]], dtype=torch.float64)).detach().reshape(-1),
                 TOLERANCES[torch.float64])
    records.append(record(c2.name, "exact-vs-torch", c2.max_rel, c2.passed, "exact rational vs float64"))

    fig = shallow_decomposition_figure(net, values)
    figure = ctx.save_figure(fig, "shallow_decomposition")

    assign_ids(SLUG, records)
    twin, exact_rec = records[-2], records[-1]
    network_tex = tagged(f"\\begin{{align*}}\n{equations}\n\\end{{align*}}", identity_records + [twin])
    numbers_tex = tagged(f"\\begin{{align*}}\n{numbers}\n\\end{{align*}}", [exact_rec])
    tex = rf"""\section{{{TITLE}}}
A shallow network computes linear functions of the input, passes them through an
activation function $\mathrm{{a}}[\cdot]$ and returns a linear combination of these hidden
units. With one input, three hidden units and the ReLU activation (the lecture's example):
{network_tex}
The parameters $\theta_{{d0}}, \theta_{{d1}}$ set where each hidden unit switches on (its
\emph{{joint}} at $x = -\theta_{{d0}}/\theta_{{d1}}$) and $\phi_d$ weights its contribution. With the
worked example's numbers:
{numbers_tex}
\begin{{figure}}[h]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{The 1-3-1 ReLU network of the worked example, unit by unit: pre-activations
$\theta_{{d0}} + \theta_{{d1}} x$, activations $h_d$, weighted activations $\phi_d h_d$, and
their sum with $\phi_0$, a piecewise-linear function with joints at $x = 1/2, 1, 3/2$.}}
\end{{figure}}

The shallow network is the deep network of the later sections with one hidden layer
($K = 1$); the renaming is checked, not assumed:
{tagged(identity.to_latex(), identity_records)}
"""
    network_records = identity_records + [records[-2]]
    combined = "\\begin{align*}\ny &= " + "\\\\\n&\\qquad ".join(latex_lines(net.substituted_outputs()[0], 40)) \
        + "\n\\end{align*}"
    displays = {
        "network": Display(f"\\begin{{align*}}\n{equations}\n\\end{{align*}}", network_records),
        "combined": Display(combined, network_records),
        "numbers": Display(f"\\begin{{align*}}\n{numbers}\n\\end{{align*}}", [records[-1]]),
        "network: hidden units": Display(align(net.equations_latex()[:net.D]), network_records),
        "network: output": Display(align(net.equations_latex()[net.D:]), network_records),
        "numbers: hidden units": Display(align(number_lines[:net.D]), [records[-1]]),
        "numbers: output": Display(align(number_lines[net.D:]), [records[-1]]),
        "identity": Display(identity.to_latex(), identity_records, identity),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
