"""Topic: more hidden units, multiple inputs and multiple outputs.

    python -m derivations.topics.hidden_units --out DIR
"""

from __future__ import annotations

import sys

import sympy as sp

from derivations.checks.crosscheck import forward_check, random_inputs
from derivations.figures.networks import shared_joints_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import twin_records
from derivations.topics.texts import hidden_units as text
from derivations.topics.topic import Display, TopicContext, TopicResult, align, topic_main
from symbolic.networks.network import shallow_network
from symbolic.core.printing import latex
from symbolic.spec import NetworkSpec

TITLE = "More hidden units, multiple inputs and outputs"
SLUG = "hidden_units"
#: Widths (D_i, D, D_o) of the multiple-input and the multiple-output examples.
MULTI_INPUT = (2, 3, 1)
MULTI_OUTPUT = (1, 4, 2)
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("MULTI_INPUT", "MULTI_OUTPUT")


def build(ctx: TopicContext) -> TopicResult:
    records = []
    d, D = sp.symbols("d D", integer=True, positive=True)
    general = [
        r"h_{d} = \mathrm{a}\left[\theta_{d0} + \theta_{d1} x\right], \quad d = 1, \dots, D",
        rf"y = \phi_{{0}} + {latex(sp.Sum(sp.Symbol('phi_{d}') * sp.Symbol('h_{d}'), (d, 1, D)))}",
    ]
    # Each network compiled from its SymPy equations against its PyTorch twin.
    two_inputs = shallow_network(*MULTI_INPUT, "relu")
    two_outputs = shallow_network(*MULTI_OUTPUT, "relu")
    checks_of = {}
    for spec in (NetworkSpec((1, 6, 1), "relu"), two_inputs.spec, two_outputs.spec):
        checks_of[spec.widths] = twin_records(spec, forward_check(spec, I=200, seed=ctx.seed))
        records += checks_of[spec.widths]
    module, _ = random_inputs(two_outputs.spec, 1, seed=4)
    figure = ctx.save_figure(shared_joints_figure(module), "two_outputs_shared_joints")

    assign_ids(SLUG, records)
    tex = text.section(title=TITLE, general_tex=tagged(align(general), checks_of[(1, 6, 1)]),
                       inputs_tex=tagged(align(two_inputs.equations_latex()), checks_of[two_inputs.spec.widths]),
                       outputs_tex=tagged(align(two_outputs.equations_latex()), checks_of[two_outputs.spec.widths]),
                       figure=figure)
    displays = {"general": Display(align(general), checks_of[(1, 6, 1)]),
                "general: hidden units": Display(align(general[:1]), checks_of[(1, 6, 1)]),
                "general: output": Display(align(general[1:]), checks_of[(1, 6, 1)])}
    for key, net in (("two inputs", two_inputs), ("two outputs", two_outputs)):
        lines, checks = net.equations_latex(), checks_of[net.spec.widths]
        displays[key] = Display(align(lines), checks)
        displays[f"{key}: hidden units"] = Display(align(lines[:net.D]), checks)
        displays[f"{key}: outputs"] = Display(align(lines[net.D:]), checks)
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
