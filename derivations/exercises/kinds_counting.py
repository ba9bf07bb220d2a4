r"""Exercise kinds on counting: parameters of a network, the maximal number of linear regions
of a shallow network, and the shallow width that matches a deep network's regions.

The solution writes the count out term by term and checks it against the package's formulas
(:func:`symbolic.networks.counts.parameter_count`, :func:`symbolic.regions.counts.max_regions`);
the answer is that last step, and the twin counts the torch module's parameters. The typical
mistakes are counted again on the twin (its weights only, its biases only, its hidden units)
or by the package's region formula; the ``2^D`` activation patterns is a formula in D only.
"""

from __future__ import annotations

import random
from math import comb

import sympy as sp

from symbolic.networks.counts import parameter_count
from symbolic.core.derivation import Derivation
from symbolic.regions.counts import max_regions, max_regions_is_exact

from derivations.exercises.base import Exercise, Witness, kind, pick
from derivations.exercises.question import Question

N = sp.Symbol("N")
#: The widths and counts the questions state: D_i, D (hidden units of a shallow network), K, D_o.
D_in, D_hidden, K_layers, D_out = sp.symbols("D_i D K D_o", integer=True, positive=True)


#: The widths of layer k's input and output, for the rule the solutions state.
D_k, D_k1 = sp.Symbol("D_{k}", integer=True, positive=True), sp.Symbol("D_{k+1}", integer=True, positive=True)
j = sp.Symbol("j", integer=True, nonnegative=True)


def _layer_rule(e: Question) -> tuple[str, str]:
    """Layer k's weights ``D_{k+1} D_k`` (the entries of Omega_k) and biases ``D_{k+1}``, printed."""
    return (e(D_k1 * D_k, "the weights of layer k", typed="D_{k+1} D_k"),
            e(D_k1, "the biases of layer k", typed="D_{k+1}"))


def _zaslavsky(e: Question) -> str:
    """``sum_{j=0}^{D_i} binom(D, j)``: the largest number of regions of D hyperplanes in D_i dimensions."""
    return e(sp.Sum(sp.binomial(D_hidden, j), (j, 0, D_in)), "Zaslavsky's sum")


def _widths(widths: tuple) -> list[sp.Symbol]:
    """The symbols D_i, D_1, ..., D_K, D_o of a deep network's widths."""
    return [D_in] + [sp.Symbol(f"D_{{{k}}}", integer=True, positive=True) for k in range(1, len(widths) - 1)] + [D_out]


def _hidden_units(widths: tuple) -> int:
    """Hidden units of the torch twin of ``widths``: the entries of its biases beta_0 .. beta_{K-1}."""
    import torch

    from numeric.model import DeepNetworkModule
    from symbolic.spec import NetworkSpec

    module = DeepNetworkModule(NetworkSpec(widths, "relu"), dtype=torch.float64)
    return sum(beta.numel() for beta, _ in module.layers()[:-1])


@kind("parameter-count", "counts_regions")
def parameter_count_exercise(rng: random.Random) -> Exercise:
    import torch

    from numeric.model import DeepNetworkModule
    from symbolic.spec import NetworkSpec

    while True:
        K = pick(rng, [2, 3])
        widths = (pick(rng, [1, 2, 3]),) + tuple(pick(rng, [2, 3, 4, 5, 6]) for _ in range(K)) + (pick(rng, [1, 2]),)
        weights = sum(a * b for a, b in zip(widths, widths[1:]))
        biases = sum(widths[1:])
        if weights != biases:
            break
    terms = [f"{b} \\cdot ({a} + 1)" for a, b in zip(widths, widths[1:])]
    d = Derivation("parameters", layout="block")
    names = _widths(widths)
    d.definitions.update(dict(zip(names, widths)))  # the sheet's widths: the count below is of them
    d.definitions[K_layers] = len(widths) - 2
    d.definitions[N] = parameter_count(list(widths))
    e = Question("parameter-count", of="solution")
    entries, outputs = _layer_rule(e)
    d.add(sp.Integer(weights + biases), f"layer $k$ has ${entries}$ weights and ${outputs}$ biases", lhs=N,
          rhs_latex=" + ".join(terms) + f" = {weights} + {biases} = {weights + biases}")
    answer = d.steps[-1].rhs  # the answer: the count written out and checked
    module = DeepNetworkModule(NetworkSpec(widths, "relu"), dtype=torch.float64)
    counted = sum(p.numel() for p in module.parameters())
    twin_weights = sum(p.numel() for name, p in module.named_parameters() if name.startswith("omega_"))
    twin_biases = sum(p.numel() for name, p in module.named_parameters() if name.startswith("beta_"))
    weights_only = "you counted the weights only: every unit also has a bias"
    biases_only = f"you counted the biases only: the weight matrices have ${entries}$ entries"
    q = Question("parameter-count")
    question = (f"A deep network has the widths ${q.givens(list(zip(names, widths)), 'the width')}$ "
                f"(${q.given(K_layers, K, 'the hidden layers')}$ hidden layers). How many parameters (weights and "
                "biases) does it have?")
    return Exercise(
        "parameter-count", "counts_regions", "integer", question, d.steps[-1:], precision=0,
        solution=[f"Layer $k$ maps $D_k$ inputs to ${outputs}$ outputs: $\\boldsymbol\\Omega_k$ has ${entries}$ "
                  f"entries and $\\boldsymbol\\beta_k$ has ${outputs}$.", d],
        mistakes=[(weights_only, sp.Integer(weights)), (biases_only, sp.Integer(biases))],
        witnesses=[Witness(weights_only, "the entries of the torch twin's weight matrices omega_k", twin_weights, True),
                   Witness(biases_only, "the entries of the torch twin's bias vectors beta_k", twin_biases, True)],
        twin=[("parameters of the torch twin", float(counted), float(answer))], title="Counting parameters", printed=q,
        explained=e)


@kind("max-regions", "counts_regions")
def max_regions_exercise(rng: random.Random) -> Exercise:
    while True:  # D > D_i: fewer than the 2^D activation patterns are regions; every mistake tells apart
        D_i = pick(rng, [1, 2, 3])
        D = pick(rng, [4, 5, 6, 7, 8])
        drawn = sp.Integer(sum(comb(D, j) for j in range(D_i + 1)))  # only to choose the draw
        if len({drawn, D, 2 ** D, 2 * drawn, drawn + 1, drawn - 1}) == 6 and 2 * D != drawn:
            break
    d = Derivation("regions", layout="block")
    d.definitions.update({D_in: D_i, D_hidden: D})  # the sheet's widths
    d.definitions[N] = sp.Integer(max_regions((D_i, D, 1)))
    e = Question("max-regions", of="solution")
    d.add(sp.Add(*[sp.binomial(D, k) for k in range(D_i + 1)]), "Zaslavsky: $D$ hyperplanes in general position cut "
          f"the input space of $D_i$ dimensions into ${_zaslavsky(e)}$ regions", lhs=N,
          rhs_latex=" + ".join(f"\\binom{{{D}}}{{{k}}}" for k in range(D_i + 1)) + f" = {drawn}")
    answer = d.steps[-1].rhs  # the answer: Zaslavsky's sum, checked against the package's formula
    joints = "you counted the joints (hyperplanes), not the regions they separate"
    if D_i == 1:
        one_input = sp.Sum(sp.binomial(D_hidden, j), (j, 0, 1)).doit()  # Zaslavsky's sum for one input
        joints = f"off by one: $D$ joints separate ${e(one_input, 'the regions of D joints', typed='D + 1')}$ regions " \
                 "(you counted the joints)"
    patterns = ("not every activation pattern is a region: $D$ hyperplanes give fewer than "
                f"${e(2**D_hidden, 'the activation patterns', typed='2^D')}$ regions")
    mistakes = [(joints, sp.Integer(D)), (patterns, sp.Integer(2 ** D))]
    witnesses = [Witness(patterns, "2^D on/off patterns of D units: a formula in D alone, nothing else to compute")]
    twin = [("max_regions (the package's region formula)", float(max_regions((D_i, D, 1))), float(answer))]
    if D_i == 1:
        from symbolic.regions.piecewise import count_regions, network_pieces
        from symbolic.spec import NetworkSpec

        # attained: units with joints at 1..D and positive output weights (slopes 1, 2, ..., D)
        tensors = {"beta_0": [-k for k in range(1, D + 1)], "omega_0": [[1]] * D, "beta_1": [0], "omega_1": [[1] * D]}
        twin.append(("regions of a network attaining it (exact count)", float(count_regions(NetworkSpec((1, D, 1), "relu"),
                                                                                               tensors)), float(answer)))
        witnesses.append(Witness(joints, "the joints of that network, counted by exact piecewise-linear propagation",
                                 len(network_pieces(NetworkSpec((1, D, 1), "relu"), tensors).joints), True))
    else:
        witnesses.append(Witness(joints, "the hyperplanes: the hidden units of the torch twin (its bias entries beta_0)",
                                 _hidden_units((D_i, D, 1)), True))
    q = Question("max-regions")
    question = (f"What is the largest number of linear regions of a shallow ReLU network with "
                f"${q.given(D_in, D_i, 'the inputs')}$ input{'s' if D_i > 1 else ''} and "
                f"${q.given(D_hidden, D, 'the hidden units')}$ hidden units?")
    return Exercise(
        "max-regions", "counts_regions", "integer", question, d.steps[-1:], precision=0,
        solution=["Each hidden unit's joint is a hyperplane, where its pre-activation is zero; $D$ hyperplanes in "
                  f"general position divide the input space of $D_i$ dimensions into at most ${_zaslavsky(e)}$ regions "
                  "(Zaslavsky).", d],
        mistakes=mistakes, witnesses=witnesses, twin=twin, title="Linear regions of a shallow network", printed=q,
        explained=e)


@kind("depth-width", "depth")
def depth_width(rng: random.Random) -> Exercise:
    D = pick(rng, [3, 4, 5])  # (D + 1)^K is attained (folding) for D >= 3, only an upper bound below
    K = pick(rng, [2, 3, 4])
    regions = (D + 1) ** K
    width = sp.Integer(regions - 1)
    deep = (1,) + (D,) * K + (1,)
    d = Derivation("depth", layout="block")
    d.definitions.update({K_layers: K, D_hidden: D})  # the sheet's deep network
    d.definitions[N] = sp.Integer(max_regions(deep))
    e = Question("depth-width", of="solution")
    one_layer = e(sp.Sum(sp.binomial(D_hidden, j), (j, 0, 1)).doit(), "one layer's factor", typed="D + 1")
    d.add(sp.Integer(regions), f"each layer of $D$ units multiplies the regions by ${one_layer}$ (folding)", lhs=N,
          rhs_latex=f"(D + 1)^K = {D + 1}^{{{K}}} = {regions}")
    W = sp.Symbol("W")
    d.definitions[W] = sp.Integer(max_regions((1, int(width), 1)) - 1)
    shallow = e(sp.Sum(sp.binomial(W, j), (j, 0, 1)).doit(), "the regions of W units", typed="W + 1")
    needed = e(sp.Eq(W, (D_hidden + 1) ** K_layers - 1, evaluate=False), "the width needed")
    d.add(width, f"a shallow network with $W$ units has at most ${shallow}$ regions, so ${needed}$", lhs=W,
          rhs_latex=f"{regions} - 1 = {width}")
    answer = d.steps[-1].rhs  # the answer
    joints = f"off by one: $W$ hidden units give $W$ joints and ${shallow}$ regions (you counted regions as joints)"
    units = r"that is the deep network's $K D$ units: depth multiplies regions, width only adds them"
    q = Question("depth-width")
    question = (f"A deep ReLU network with one input and ${q.given(K_layers, K, 'the hidden layers')}$ hidden layers "
                f"of ${q.given(D_hidden, D, 'the units')}$ units can have ${q((D_hidden + 1) ** K_layers, 'the regions')}$ "
                "linear regions. How many hidden units does a shallow network (one input, one hidden layer) need at "
                "least to have as many linear regions?")
    return Exercise(
        "depth-width", "depth", "integer", question, d.steps[-1:], precision=0,
        solution=[d],
        mistakes=[(joints, sp.Integer(regions)), (units, sp.Integer(K * D))],
        witnesses=[Witness(joints, "the deep network's regions by the package's formula (max_regions)",
                           int(max_regions(deep)), True),
                   Witness(units, "the hidden units of the deep torch twin (its bias entries beta_0 .. beta_{K-1})",
                           _hidden_units(deep), True)],
        twin=[("max_regions of the deep widths (package formula)", float(max_regions(deep)), float(regions)),
              ("(D + 1)^K is attained for these widths (the package's max_regions_is_exact)", float(max_regions_is_exact(deep)), 1.0),
              ("max_regions of the shallow answer (package formula)", float(max_regions((1, int(answer), 1))),
               float(regions))],
        title="Depth versus width", printed=q, explained=e)
