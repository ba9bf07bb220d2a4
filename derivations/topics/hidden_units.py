"""Topic: more hidden units, multiple inputs and multiple outputs.

    python -m derivations.topics.hidden_units --out DIR
"""

from __future__ import annotations

import sys

import sympy as sp

from derivations.checks.crosscheck import forward_check, random_inputs
from derivations.checks.printed import Formulas
from derivations.figures.networks import shared_joints_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import record, twin_records
from derivations.topics.shallow import every_unit, rows_display, rows_of, unit_d
from derivations.topics.texts import hidden_units as text
from derivations.topics.topic import Display, TopicContext, TopicResult, topic_main
from symbolic.networks.counts import D, D_i
from symbolic.networks.network import deep_network, shallow_network
from symbolic.regions.counts import shallow_region_count
from symbolic.regions.piecewise import shallow_joints
from symbolic.core.printing import latex

TITLE = "More hidden units, multiple inputs and outputs"
SLUG = "hidden_units"
#: Widths (D_i, D, D_o) of the network with D hidden units (its general form checked at this D),
#: and of the multiple-input and the multiple-output examples.
MORE_UNITS = (1, 6, 1)
MULTI_INPUT = (2, 3, 1)
MULTI_OUTPUT = (1, 4, 2)
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("MORE_UNITS", "MULTI_INPUT", "MULTI_OUTPUT")

#: The lecture's general hidden unit d of D: h_d and phi_d as elements, so that the sum over d
#: states the network for every D.
d = sp.Symbol("d", integer=True, positive=True)
h = sp.IndexedBase("h", real=True)
phi = sp.IndexedBase("phi", real=True)


class Activation(sp.Function):
    r"""The lecture's activation ``a[z]``, any one: printed ``\mathrm{a}[z]``, with no definition
    (checks put the network's own activation in its place)."""

    nargs = 1

    def _latex(self, printer, exp=None) -> str:
        return rf"\mathrm{{a}}\left[{printer._print(self.args[0])}\right]"


def _is_deep(net) -> dict:
    """The record that the printed theta/phi network, renamed, is the deep network the twin check compiles."""
    deep = deep_network(net.spec)
    rename = {**net.as_deep_parameters(deep), **dict(zip(net.inputs, deep.inputs))}
    outputs = [e.xreplace(rename) for e in net.substituted_outputs()]
    misses = [j + 1 for j, (a, b) in enumerate(zip(outputs, deep.substituted_outputs())) if sp.expand(a - b) != 0]
    return record(f"{net.spec.describe()}: the printed network, renamed (theta, phi to beta, Omega), is the "
                  "compiled deep network", "exact", 0.0 if not misses else float("inf"), not misses,
                  "exact, every output", **({"detail": f"differs for outputs {misses}"} if misses else {}))


def _general(net, formulas: Formulas) -> tuple:
    """The network with D hidden units, for a general unit d, any D and an activation a[.]; and
    the checks that with ``net``'s activation and D = net.D it is ``net``, unit by unit and output."""
    pre = unit_d(net, net.program[0][1].args[0])  # theta_{d0} + theta_{d1} x
    rows = [sp.Eq(h[d], Activation(pre)), sp.Eq(net.outputs[0], net.phi[0, 0] + sp.Sum(phi[d] * h[d], (d, 1, D)))]
    a = type(net.program[0][1])  # the network's activation, for a
    unit_check = every_unit(f"{net.spec.describe()}: the hidden unit printed for a general d is every unit "
                            f"(a = {a.__name__})", net, a(*rows[0].rhs.args), [e for _, e in net.program[:net.D]])
    at_D = rows[1].rhs.subs(D, net.D).doit().xreplace(
        {**{phi[k]: net.phi[0, k] for k in range(1, net.D + 1)}, **{h[k]: net.h[k - 1] for k in range(1, net.D + 1)}})
    same = sp.expand(at_D - net.program[net.D][1]) == 0
    output_check = record(f"{net.spec.describe()}: the output printed for any D is the network's at D = {net.D}",
                          "exact", 0.0 if same else float("inf"), same, "exact, the sum carried out")
    shown = formulas.display(rows, "the network with D hidden units",
                             typed=[f"h_{{d}} = {latex(rows[0].rhs)}", r"y = \phi_{0} + \sum_{d=1}^{D} \phi_{d} h_{d}"],
                             notes=[r",\quad\text{for every hidden unit}", ""])
    return shown, [unit_check, output_check]


def build(ctx: TopicContext) -> TopicResult:
    formulas = Formulas(SLUG, names={r"\phi_{d}": phi[d], r"h_{d}": h[d]})
    more_units = shallow_network(*MORE_UNITS, "relu")
    two_inputs = shallow_network(*MULTI_INPUT, "relu")
    two_outputs = shallow_network(*MULTI_OUTPUT, "relu")
    general, general_checks = _general(more_units, formulas)
    # Each network compiled from its SymPy equations against its PyTorch twin; the printed
    # theta/phi equations are that network, renamed.
    records, checks_of = list(general_checks), {}
    for net in (more_units, two_inputs, two_outputs):
        twins = twin_records(net.spec, forward_check(net.spec, I=200, seed=ctx.seed))
        checks_of[net.spec.widths] = [_is_deep(net), *twins]
        records += checks_of[net.spec.widths]
    shown = {net.spec.widths: formulas.display([sp.Eq(s, e) for s, e in net.program],
                                               f"the {net.spec.describe()} network")
             for net in (two_inputs, two_outputs)}
    module, _ = random_inputs(two_outputs.spec, 1, seed=4)
    figure = ctx.save_figure(shared_joints_figure(module), "two_outputs_shared_joints")
    joints = shallow_joints(two_outputs)
    records.append(every_unit(f"{two_outputs.spec.describe()}: the joint printed for unit d is every unit's",
                              two_outputs, unit_d(two_outputs, joints[0]), joints))
    x = two_outputs.inputs[0]
    words = {"joint": formulas(sp.Eq(x, unit_d(two_outputs, joints[0])), "a unit's joint", fold_short_frac=True),
             "regions": formulas(shallow_region_count().subs(D_i, 1).doit(), "the most regions of one input")}
    records += formulas.records

    assign_ids(SLUG, records)
    general_records = [general.record, *general_checks, *checks_of[more_units.spec.widths]]
    tagged_of = {w: [shown[w].record, *checks_of[w]] for w in shown}
    tex = text.section(title=TITLE, general_tex=tagged(general.latex, general_records),
                       inputs_tex=tagged(shown[two_inputs.spec.widths].latex, tagged_of[two_inputs.spec.widths]),
                       outputs_tex=tagged(shown[two_outputs.spec.widths].latex, tagged_of[two_outputs.spec.widths]),
                       figure=figure, **words)
    general_rows = rows_of(general)
    displays = {"general": Display(general.latex, general_records),
                "general: hidden units": Display(rows_display(general_rows[:1]), general_records),
                "general: output": Display(rows_display(general_rows[1:]), general_records)}
    for key, net in (("two inputs", two_inputs), ("two outputs", two_outputs)):
        rows, checks = rows_of(shown[net.spec.widths]), tagged_of[net.spec.widths]
        displays[key] = Display(shown[net.spec.widths].latex, checks)
        displays[f"{key}: hidden units"] = Display(rows_display(rows[:net.D]), checks)
        displays[f"{key}: outputs"] = Display(rows_display(rows[net.D:]), checks)
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
