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
from derivations.checks.verdicts import compared
from derivations.topics.texts import shallow as text
from derivations.topics.topic import Display, TopicContext, TopicResult, align, topic_main
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


def _example():
    """The lecture's 1-3-1 ReLU network and its worked numbers, changed by :data:`VALUES`."""
    net, values = lecture_1_3_1()
    names = {s.name: s for s in values}
    for name, value in VALUES.items():
        if name not in names:
            raise ValueError(f"VALUES names {name!r}, not a parameter of the example; choose from {', '.join(names)}")
        values[names[name]] = sp.Rational(value)
    return net, values


def _twin_checks(net, values) -> list[dict]:
    """The example's numbers through the torch twin, against the compiled symbolic network and
    against the exact values at x = 0, 1, 2."""
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
    x = net.inputs[0]
    exact = [net.substituted_outputs()[0].subs(values).subs(x, sp.Rational(v)) for v in ("0", "1", "2")]
    c2 = compare("1-3-1 example: exact values at x = 0, 1, 2 vs PyTorch twin",
                 [float(e) for e in exact], module(torch.tensor([[0.0], [1.0], [2.0]], dtype=torch.float64)).detach().reshape(-1),
                 TOLERANCES[torch.float64])
    return [compared(c), compared(c2, "exact-vs-torch", "exact rational vs float64")]


def build(ctx: TopicContext) -> TopicResult:
    # The lecture's 1-3-1 network, its worked numbers, and the renaming into a deep network.
    net, values = _example()
    number_lines = [f"{latex(s)} = {latex(e.subs(values))}" for s, e in net.program]
    identity = shallow_is_deep(1, 3, 1)
    identity.check()
    identity_records = identity.records()
    # The same numbers through the torch twin and the compiled symbolic network.
    twin, exact = _twin_checks(net, values)
    records = [*identity_records, twin, exact]
    figure = ctx.save_figure(shallow_decomposition_figure(net, values), "shallow_decomposition")

    assign_ids(SLUG, records)
    network_records = identity_records + [twin]
    network, numbers = align(net.equations_latex()), align(number_lines)
    tex = text.section(title=TITLE, network_tex=tagged(network, network_records), numbers_tex=tagged(numbers, [exact]),
                       figure=figure, identity_tex=tagged(identity.to_latex(), identity_records))
    combined = text.combined_display(latex_lines(net.substituted_outputs()[0], 40))
    displays = {
        "network": Display(network, network_records),
        "combined": Display(combined, network_records),
        "numbers": Display(numbers, [exact]),
        "network: hidden units": Display(align(net.equations_latex()[:net.D]), network_records),
        "network: output": Display(align(net.equations_latex()[net.D:]), network_records),
        "numbers: hidden units": Display(align(number_lines[:net.D]), [exact]),
        "numbers: output": Display(align(number_lines[net.D:]), [exact]),
        "identity": Display(identity.to_latex(), identity_records, identity),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
