"""Topic: deep networks, by composition, "changing perspective", and in matrix notation.

    python -m derivations.topics.deep_networks --out DIR
"""

from __future__ import annotations

import sys

import sympy as sp

from derivations.checks.crosscheck import forward_check
from derivations.checks.printed import Formulas
from derivations.figures.networks import composition_figure
from derivations.checks.records import assign_ids, tagged
from derivations.checks.verdicts import twin_records
from derivations.topics.texts import deep_networks as text
from derivations.topics.topic import Display, TopicContext, TopicResult, align, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.networks.counts import D_i, D_o
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


def matrix_names(net) -> dict[str, sp.ImmutableMatrix]:
    r"""The names of the matrix notation as the network's own vectors and matrices:
    ``\boldsymbol\beta_{k}``, ``\boldsymbol\Omega_{k}``, ``\mathbf{x}``, ``\mathbf{h}_{k}``, ``\mathbf{y}``
    (and ``y`` for a single output), so that a printed matrix equation reads back as the
    network's equations, element by element."""
    names = {r"\mathbf{x}": sp.ImmutableMatrix(net.inputs), r"\mathbf{y}": sp.ImmutableMatrix(net.outputs)}
    for k in range(net.K + 1):
        names[rf"\boldsymbol\beta_{{{k}}}"] = sp.ImmutableMatrix(net.beta[k])
        names[rf"\boldsymbol\Omega_{{{k}}}"] = sp.ImmutableMatrix(net.omega[k])
        if k:
            names[rf"\mathbf{{h}}_{{{k}}}"] = sp.ImmutableMatrix(net.h[k])
    if len(net.outputs) == 1:
        names["y"] = net.outputs[0]
    return names


def _layer_values(net) -> tuple[dict, dict]:
    """The network's program as a dict, and each pre-activation f_{k,i} (k < K) as its sum."""
    values = dict(net.program)
    return values, {f: values[f] for k in range(net.K) for f in net.f[k]}


def matrix_rows(net) -> list[tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]]:
    """``h_{k+1} = a[beta_k + Omega_k h_k]`` (k < K) and ``y = beta_K + Omega_K h_K``, each side the
    vector of the network's program (the equations its checks compile and evaluate)."""
    values, pre = _layer_values(net)
    rows = [(sp.ImmutableMatrix(net.h[k + 1]), sp.ImmutableMatrix([values[h].xreplace(pre) for h in net.h[k + 1]]))
            for k in range(net.K)]
    return rows + [(sp.ImmutableMatrix(net.outputs), sp.ImmutableMatrix([values[y] for y in net.outputs]))]


def scalar_rows(net) -> list[tuple[sp.Symbol, sp.Expr]]:
    """Every hidden unit ``h_{k,i} = a[beta_{k-1,i} + sum_j omega h]`` and output of the program."""
    values, pre = _layer_values(net)
    return ([(h, values[h].xreplace(pre)) for k in range(1, net.K + 1) for h in net.h[k]]
            + [(y, values[y]) for y in net.outputs])


def nested_row(net) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]:
    """``y = beta_K + Omega_K a[... a[beta_0 + Omega_0 x]]``: the outputs in x and the parameters."""
    return sp.ImmutableMatrix(net.outputs), sp.ImmutableMatrix(net.substituted_outputs())


def _rank_one(composition) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]:
    """The second layer's weights psi_{d'd} (d >= 1) of the composition and their definitions
    theta'_{d'1} phi_d, as matrices."""
    psi = sorted((s for s in composition.definitions if s.name.startswith("psi_") and not s.name.endswith(",0}")),
                 key=lambda s: s.name)
    rows = sorted({s.name.split(",")[0] for s in psi})
    grid = [[s for s in psi if s.name.split(",")[0] == row] for row in rows]
    return (sp.ImmutableMatrix(grid),
            sp.ImmutableMatrix([[composition.definitions[s] for s in line] for line in grid]))


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
    # Every display and formula printed, read back as the objects the checks evaluated.
    prose, two_printed, general_printed = (Formulas(SLUG), Formulas(SLUG, names=matrix_names(two_layer)),
                                           Formulas(SLUG, names=matrix_names(general)))
    matrix = two_printed.display(matrix_rows(two_layer), "two-layer network in matrix notation",
                                 typed=two_layer.matrix_equations_latex())
    scalar = two_printed.display(scalar_rows(two_layer), "two-layer network, element by element",
                                 typed=two_layer.scalar_equations_latex())
    nested = two_printed.display([nested_row(two_layer)], "two-layer network as one nested equation",
                                 typed=[text.nested_line(two_layer)])
    general_tex = general_printed.display(matrix_rows(general), f"{general.spec.describe()} network in matrix notation",
                                          typed=general.matrix_equations_latex())
    words = {"psi": prose(_rank_one(composition), "second layer's weights of the composition (rank one)"),
             "D_i": prose(sp.Eq(D_i, GENERAL[0]), "inputs of the general network"),
             "D_o": prose(sp.Eq(D_o, GENERAL[-1]), "outputs of the general network")}
    records += prose.records + two_printed.records + general_printed.records
    assign_ids(SLUG, records)
    tex = text.section(title=TITLE, figure=figure, composition_tex=tagged(composition.to_latex(), composition_records),
                       two_tex=tagged(matrix.latex, two_checks + [matrix.record]),
                       general_tex=tagged(general_tex.latex, general_checks + [general_tex.record]),
                       scalar_tex=tagged(scalar.latex, two_checks + [scalar.record]),
                       hidden=len(GENERAL) - 2, width=GENERAL[1], **{k: str(v) for k, v in words.items()})
    lines = two_layer.matrix_equations_latex()
    displays = {
        "composition": Display(composition.to_latex(), composition_records, composition),
        "two layers": Display(matrix.latex, two_checks + [matrix.record]),
        "two layers: hidden layers": Display(align(lines[:-1]), two_checks + [matrix.record]),
        "two layers: output": Display(align(lines[-1:]), two_checks + [matrix.record]),
        "two layers: nested": Display(nested.latex, two_checks + [nested.record]),
        "two layers: scalar": Display(scalar.latex, two_checks + [scalar.record]),
        **{f"two layers: scalar, {name}": Display(align(rows), two_checks + [scalar.record])
           for name, rows in text.by_layer(two_layer.scalar_equations_latex()).items()},
        "general": Display(general_tex.latex, general_checks + [general_tex.record]),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
