"""Topic: deep networks, by composition, "changing perspective", and in matrix notation.

    python -m derivations.topics.deep_networks --out DIR
"""

from __future__ import annotations

import sys

from derivations.checks.crosscheck import forward_check
from derivations.figures.networks import composition_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import twin_records
from derivations.topics.texts import deep_networks as text
from derivations.topics.topic import Display, TopicContext, TopicResult, align, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.networks.identities import composition_is_deep
from symbolic.networks.network import deep_network
from symbolic.spec import NetworkSpec

TITLE = "Deep networks"
SLUG = "deep_networks"
#: Widths of the two-layer example and of the general K-layer example.
TWO_LAYER = (1, 3, 3, 1)
GENERAL = (3, 4, 4, 4, 2)
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("TWO_LAYER", "GENERAL")



def _matrix_form_checks(*nets) -> list[dict]:
    """Each network's matrix equations, expanded element by element, equal its scalar program."""
    records = []
    for net in nets:
        ok = net.matrix_form_check()
        records.append(record(f"{net.spec.describe()}: matrix equations = scalar program, element by element",
                              "derivation-step", 0.0 if ok else float("inf"), ok, "symbolic (MatrixSymbol.as_explicit)"))
    return records


def _composition_figure(ctx: TopicContext) -> str:
    """Prince's Figure 4.1 idea: the first network folds [-1, 1] onto itself three times, the
    second network's joints then repeat in every fold."""
    first = DeepNetworkModule(NetworkSpec((1, 3, 1), "relu")).load_tensors(
        {"beta_0": [1, 1 / 3, -1 / 3], "omega_0": [[1], [1], [1]], "beta_1": [-1], "omega_1": [[2, -4, 4]]})
    second = DeepNetworkModule(NetworkSpec((1, 3, 1), "relu")).load_tensors(
        {"beta_0": [0.8, 0.3, -0.1], "omega_0": [[1], [1], [1]], "beta_1": [0], "omega_1": [[1, -2, 1.5]]})
    return ctx.save_figure(composition_figure(first, second), "composition")


def _checks_of(records: list[dict], net) -> list[dict]:
    """The records of one network (their names start with its description)."""
    return [r for r in records if r["name"].startswith(net.spec.describe() + ":")]


def build(ctx: TopicContext) -> TopicResult:
    # Two shallow networks composed are a deep network with two hidden layers.
    composition = composition_is_deep(2, 2, "relu")
    composition.check()
    composition_records = composition.records()

    # Matrix notation: equal to the scalar equations, and each network equal to its PyTorch twin.
    two_layer = deep_network(NetworkSpec(TWO_LAYER, "relu"))
    general = deep_network(NetworkSpec(GENERAL, "relu"))
    records = composition_records + _matrix_form_checks(two_layer, general)
    for spec in (two_layer.spec, general.spec, NetworkSpec((2, 5, 5, 5, 5, 1), "tanh")):
        records += twin_records(spec, forward_check(spec, I=200, seed=ctx.seed))
    figure = _composition_figure(ctx)

    two_checks, general_checks = _checks_of(records, two_layer), _checks_of(records, general)
    matrix, scalar = two_layer.matrix_equations_latex(), two_layer.scalar_equations_latex()
    assign_ids(SLUG, records)
    tex = text.section(title=TITLE, figure=figure, composition_tex=tagged(composition.to_latex(), composition_records),
                       two_tex=tagged(align(matrix), two_checks),
                       general_tex=tagged(align(general.matrix_equations_latex()), general_checks),
                       scalar_tex=tagged(align(scalar), two_checks))
    displays = {
        "composition": Display(composition.to_latex(), composition_records, composition),
        "two layers": Display(align(matrix), two_checks),
        "two layers: hidden layers": Display(align(matrix[:-1]), two_checks),
        "two layers: output": Display(align(matrix[-1:]), two_checks),
        "two layers: nested": Display(text.nested_display(two_layer), two_checks),
        "two layers: scalar": Display(align(scalar), two_checks),
        **{f"two layers: scalar, {name}": Display(align(lines), two_checks)
           for name, lines in text.by_layer(scalar).items()},
        "general": Display(align(general.matrix_equations_latex()), general_checks),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
