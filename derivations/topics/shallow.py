"""Topic: shallow neural networks (the lecture's 1-3-1 ReLU example).

    python -m derivations.topics.shallow --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
import torch

from derivations.checks.crosscheck import TOLERANCES, compare, compile_outputs, evaluate_outputs
from derivations.checks.printed import Formulas, Printed
from derivations.figures.networks import shallow_decomposition_figure
from derivations.checks.verdicts import compared, record
from derivations.topics.texts import shallow as text
from derivations.topics.topic import Display, TopicContext, TopicResult, topic_main
from numeric.model import DeepNetworkModule
from symbolic.networks.counts import K
from symbolic.networks.identities import shallow_is_deep
from symbolic.networks.network import deep_network, lecture_1_3_1
from symbolic.regions.piecewise import shallow_joints
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


def unit_d(net, expr: sp.Expr) -> sp.Expr:
    """``expr``, stated for hidden unit 1 of ``net``, for a general unit d as the lecture writes
    it (``theta_{1,i} -> theta_{d,i}``, printed ``\\theta_{d0}``)."""
    return expr.xreplace({net.theta[0, i]: sp.Symbol(f"theta_{{d,{i}}}", real=True) for i in range(net.D_i + 1)})


def every_unit(name: str, net, general: sp.Expr, objects: list[sp.Expr]) -> dict:
    """The record that ``general`` (a formula for unit d, :func:`unit_d`) is ``objects[d - 1]``
    for every unit d = 1..D of ``net``: exact, unit by unit."""
    if len(objects) != net.D:
        raise ValueError(f"{name}: {len(objects)} objects for {net.D} hidden units; give one per unit")
    misses = []
    for k, obj in enumerate(objects):
        unit = general.xreplace({sp.Symbol(f"theta_{{d,{i}}}", real=True): net.theta[k, i]
                                 for i in range(net.D_i + 1)})
        if sp.expand(unit - obj) != 0:
            misses.append(k + 1)
    return record(name, "exact", 0.0 if not misses else float("inf"), not misses,
                  f"exact, every unit d = 1..{net.D}", **({"detail": f"differs for d = {misses}"} if misses else {}))


def rows_of(display: Printed) -> list[str]:
    """The rows of a printed ``align*`` display (each read back by its record)."""
    body = display.latex.removeprefix("\\begin{align*}\n").removesuffix("\n\\end{align*}")
    return body.split("\\\\\n")


def rows_display(rows: list[str]) -> str:
    """An ``align*`` display of some rows of a printed display."""
    return "\\begin{align*}\n" + "\\\\\n".join(rows) + "\n\\end{align*}"


def listed(items: list[str]) -> str:
    """``a, b and c``: items of a sentence."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _prose(formulas: Formulas, net, values) -> tuple[dict[str, Printed | str], list[dict]]:
    """The formulas of the section's sentences, printed from the example's objects, and the
    checks that the general forms (unit d) are every unit's."""
    x = net.inputs[0]
    pre = [e.args[0] for _, e in net.program[:net.D]]  # theta_{d0} + theta_{d1} x, inside a[.]
    joints = shallow_joints(net)
    checks = [every_unit("1-3-1 network: the pre-activation printed for unit d is every unit's", net,
                         unit_d(net, pre[0]), pre),
              every_unit("1-3-1 network: the joint printed for unit d is every unit's", net,
                         unit_d(net, joints[0]), joints)]
    at = sorted(j.xreplace(values) for j in joints)
    words: dict[str, Printed | str] = {
        "joint": formulas(sp.Eq(x, unit_d(net, joints[0])), "a unit's joint", fold_short_frac=True),
        "pre_activation": formulas(unit_d(net, pre[0]), "a unit's pre-activation"),
        "joints_at": listed([f"${formulas(sp.Eq(x, v), 'a joint of the example', fold_short_frac=True)}$"
                             for v in at]),
        "layers": formulas(sp.Eq(K, deep_network(net.spec).K), "the number of hidden layers"),
    }
    return words, checks


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
    formulas = Formulas(SLUG)
    network = formulas.display([sp.Eq(s, e) for s, e in net.program], "the 1-3-1 network")
    numbers = formulas.display([sp.Eq(s, e.xreplace(values)) for s, e in net.program], "the worked example's numbers")
    y = net.substituted_outputs()[0]
    lines = latex_lines(y, 40)
    combined_read = formulas(sp.Eq(net.outputs[0], y), "the 1-3-1 network in one equation",
                             typed=f"{latex(net.outputs[0])} = " + " ".join(lines))
    words, unit_checks = _prose(formulas, net, values)
    identity = shallow_is_deep(1, 3, 1)
    identity.check()
    identity_records = identity.records()
    # The same numbers through the torch twin and the compiled symbolic network.
    twin, exact = _twin_checks(net, values)
    records = [*identity_records, twin, exact, *unit_checks, *formulas.records]
    figure = ctx.save_figure(shallow_decomposition_figure(net, values), "shallow_decomposition")

    assign_ids(SLUG, records)
    network_records = [network.record] + identity_records + [twin]
    number_records = [numbers.record, exact]
    tex = text.section(title=TITLE, network_tex=tagged(network.latex, network_records),
                       numbers_tex=tagged(numbers.latex, number_records), figure=figure,
                       identity_tex=tagged(identity.to_latex(), identity_records), **words)
    combined = text.combined_display(lines)
    network_rows, number_rows = rows_of(network), rows_of(numbers)
    displays = {
        "network": Display(network.latex, network_records),
        "combined": Display(combined, [combined_read.record] + network_records),
        "numbers": Display(numbers.latex, number_records),
        "network: hidden units": Display(rows_display(network_rows[:net.D]), network_records),
        "network: output": Display(rows_display(network_rows[net.D:]), network_records),
        "numbers: hidden units": Display(rows_display(number_rows[:net.D]), number_records),
        "numbers: output": Display(rows_display(number_rows[net.D:]), number_records),
        "identity": Display(identity.to_latex(), identity_records, identity),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
