"""Topic: deep networks, by composition, "changing perspective", and in matrix notation.

    python -m derivations.topics.deep_networks --out DIR
"""

from __future__ import annotations

import sys


from derivations.checks.crosscheck import forward_check
from derivations.figures.networks import composition_figure
from derivations.checks.records import assign_ids, tagged
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



def _by_layer(lines: list[str]) -> dict[str, list[str]]:
    """Scalar equations grouped as "layer 1", "layer 2", ..., "output" (h_{k,i} lines by k)."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        left = line.split(" = ", 1)[0]
        key = f"layer {left[3:].split(',')[0]}" if left.startswith("h_{") else "output"
        groups.setdefault(key, []).append(line)
    return groups


def build(ctx: TopicContext) -> TopicResult:
    records = []
    composition = composition_is_deep(2, 2, "relu")
    composition.check()
    composition_records = composition.records()
    records += composition_records

    two_layer = deep_network(NetworkSpec(TWO_LAYER, "relu"))
    general = deep_network(NetworkSpec(GENERAL, "relu"))
    for net in (two_layer, general):
        ok = net.matrix_form_check()
        records.append(record(f"{net.spec.describe()}: matrix equations = scalar program, element by element",
                              "derivation-step", 0.0 if ok else float("inf"), ok, "symbolic (MatrixSymbol.as_explicit)"))
    for spec in (two_layer.spec, general.spec, NetworkSpec((2, 5, 5, 5, 5, 1), "tanh")):
        for c in forward_check(spec, I=200, seed=ctx.seed):
            records.append(record(f"{spec.describe()}: compiled symbolic {c.name} vs PyTorch twin", "symbolic-vs-torch",
                                  c.max_rel, c.passed, "float64, 200 random inputs"))

    # Prince's Figure 4.1 idea: the first network folds [-1, 1] onto itself three times,
    # the second network's joints then repeat in every fold.
    first = DeepNetworkModule(NetworkSpec((1, 3, 1), "relu")).load_tensors(
        {"beta_0": [1, 1 / 3, -1 / 3], "omega_0": [[1], [1], [1]], "beta_1": [-1], "omega_1": [[2, -4, 4]]})
    second = DeepNetworkModule(NetworkSpec((1, 3, 1), "relu")).load_tensors(
        {"beta_0": [0.8, 0.3, -0.1], "omega_0": [[1], [1], [1]], "beta_1": [0], "omega_1": [[1, -2, 1.5]]})
    figure = ctx.save_figure(composition_figure(first, second), "composition")

    def checks_of(net):
        return [r for r in records if r["name"].startswith(net.spec.describe() + ":")]

    assign_ids(SLUG, records)
    composition_tex = tagged(composition.to_latex(), composition_records)
    two_tex = tagged(align(two_layer.matrix_equations_latex()), checks_of(two_layer))
    general_tex = tagged(align(general.matrix_equations_latex()), checks_of(general))
    scalar_tex = tagged(align(two_layer.scalar_equations_latex()), checks_of(two_layer))
    tex = rf"""\section{{{TITLE}}}
\subsection*{{From shallow to deep: adding another network}}
A simple way to extend a shallow network is to pass its output $y$ into a second shallow
network (with parameters $\theta'$, $\phi'$). The second network folds and re-maps the
piecewise-linear function of the first (Figure~\ref{{fig:composition}}).
\begin{{figure}}[ht]
\centering
\includegraphics[width=\textwidth]{{{figure}}}
\caption{{Composing two shallow ReLU networks: the first maps $x$ to $y$, the second maps
$y$ to $y'$; the composition has more linear regions than either network alone.}}
\label{{fig:composition}}
\end{{figure}}

\subsection*{{Changing perspective}}
Inserting the first network's output into the second network's hidden units gives a deep
network with two hidden layers (here with two hidden units each):
{composition_tex}
The second layer's weights $\psi_{{d'd}} = \theta'_{{d'1}}\phi_d$ form a rank-one matrix: a
general two-layer network, with all of $\boldsymbol\Omega_1$ free, is strictly more flexible.

\subsection*{{Matrix notation}}
With $\mathbf{{h}}_k$ the vector of hidden units of layer $k$, $\boldsymbol\beta_k$ the biases
and $\boldsymbol\Omega_k$ the weights, the two-layer network is
{two_tex}
and in general, with $K$ hidden layers of widths $D_1, \dots, D_K$ (here $D_i = 3$, three layers
of four units, $D_o = 2$):
{general_tex}
Element by element, the two-layer network reads
{scalar_tex}
These matrix products are what GPUs compute fast. The matrix equations, expanded element by
element, equal the scalar equations (checked symbolically), and each network compiled from
SymPy agrees with the PyTorch network of the same spec (float64).
"""

    def nested(net) -> str:  # y = beta_K + Omega_K a[... a[beta_0 + Omega_0 x]], from the matrix lines
        lines = net.matrix_equations_latex()
        out = lines[-1].split(" = ", 1)[1]
        for k in range(net.K, 0, -1):
            out = out.replace(rf"\mathbf{{h}}_{{{k}}}", lines[k - 1].split(" = ", 1)[1])
        return rf"\[ \mathbf{{y}} = {out} \]"

    matrix = two_layer.matrix_equations_latex()
    displays = {
        "composition": Display(composition.to_latex(), composition_records, composition),
        "two layers": Display(align(matrix), checks_of(two_layer)),
        "two layers: hidden layers": Display(align(matrix[:-1]), checks_of(two_layer)),
        "two layers: output": Display(align(matrix[-1:]), checks_of(two_layer)),
        "two layers: nested": Display(nested(two_layer), checks_of(two_layer)),
        "two layers: scalar": Display(align(two_layer.scalar_equations_latex()), checks_of(two_layer)),
        **{f"two layers: scalar, {name}": Display(align(lines), checks_of(two_layer))
           for name, lines in _by_layer(two_layer.scalar_equations_latex()).items()},
        "general": Display(align(general.matrix_equations_latex()), checks_of(general)),
    }
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
