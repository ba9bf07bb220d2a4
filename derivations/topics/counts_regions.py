"""Topic: parameter counts and the number of linear regions.

    python -m derivations.topics.counts_regions --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp

from derivations.checks.evidence import steps_words
from derivations.checks.printed import Formulas
from derivations.checks.tables import read_table, tabular
from derivations.figures.regions import regions_vs_parameters_figure
from derivations.checks.records import assign_ids, tagged
from derivations.topics.texts import counts_regions as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.regions.constructions import folding_network, shallow_construction
from symbolic.networks.counts import deep_parameter_count, parameter_count, parameter_count_derivation
from symbolic.regions.piecewise import count_regions
from symbolic.regions.counts import (D, D_i, K, j, activation_pattern_map, deep_region_count, max_regions, one_input_region_count,
                              region_count_derivation, region_value, shallow_region_count,
                              zaslavsky_small_width_derivation)
from symbolic.spec import NetworkSpec

TITLE = "Parameter counts and linear regions"
SLUG = "counts_regions"
#: (D, K) of the folding networks whose regions are counted exactly.
FOLDING = ((3, 1), (3, 2), (3, 3), (4, 2), (5, 2), (3, 4))
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("FOLDING",)
#: The widths of the figure's deep networks (one input; D_i = 10, multiples of D_i with D >= 3 D_i), their depths K.
FIGURE_WIDTHS = {1: (5, 10, 50), 10: (30, 50, 100)}
FIGURE_DEPTHS = range(1, 11)
#: Shallow one-input networks whose regions are counted exactly (D units), and the 2-D-1 networks counted on a grid.
ATTAINED_1D, ATTAINED_2D = range(1, 7), (2, 3, 4)
#: Zaslavsky's count at D_i = 2, D = 3; eq. 4.17 where it is no integer, and where it is; the biggest count shown.
ZASLAVSKY_EXAMPLE = {"D_i": 2, "D": 3}
NON_INTEGER = {"D_i": 2, "D": 3, "K": 2}
DEEP_EXAMPLE = {"D_i": 2, "D": 6, "K": 3}
BIG = {"D": 100, "K": 10}
#: Random integer networks of each width list the upper bound is searched with.
SEARCHED = 60

# The lecture's symbols: widths D_k of layers k = 0..K+1 (D_0 = D_i, D_{K+1} = D_o), d_k the
# dimension of the input space that layer k can split, N_r the number of regions.
k = sp.Symbol("k", integer=True, nonnegative=True)
D_k, d_k = sp.IndexedBase("D"), sp.IndexedBase("d")
N_r = sp.Symbol("N_r")
#: Parameters of a network of widths D_0, ..., D_{K+1}: sum_{k=0}^{K} D_{k+1} (D_k + 1).
PARAMETER_SUM = sp.Sum(D_k[k + 1] * (D_k[k] + 1), (k, 0, K))
#: The upper bound on the regions, prod_{k=1}^{K} sum_{j=0}^{d_k} binom(D_k, j), and with one input prod_k (D_k + 1).
UPPER_BOUND = sp.Product(sp.Sum(sp.binomial(D_k[k], j), (j, 0, d_k[k])), (k, 1, K))
ONE_INPUT_BOUND = sp.Product(D_k[k] + 1, (k, 1, K))
#: d_1 = D_0 (the inputs) and d_{k+1} = min(d_k, D_k): the dimension layer k can split.
FIRST_DIMENSION = (d_k[1], D_k[0])
NEXT_DIMENSION = (d_k[k + 1], sp.Min(d_k[k], D_k[k]))
#: Where a printed count that is not proven equal is compared: small positive integers (a product
#: over K layers with a symbolic K has no value to compare).
COUNT_DOMAIN = {K: lambda rng: rng.randint(1, 3), D: lambda rng: rng.randint(1, 6), D_i: lambda rng: rng.randint(1, 3),
                D_k: lambda rng: rng.randint(1, 5), d_k: lambda rng: rng.randint(0, 3)}


def at_widths(formula: sp.Sum | sp.Product, widths, dims=()) -> int:
    """``formula`` (a sum or product over the layers k) at the width list ``widths`` (D_0 .. D_{K+1})
    and the dimensions ``dims`` (d_1 .. d_K): an exact integer."""
    values = {D_k[i]: w for i, w in enumerate(widths)} | {d_k[i + 1]: v for i, v in enumerate(dims)}
    term, (index, low, high) = formula.function, formula.limits[0]
    layers = range(low, int(high.subs(K, len(widths) - 2)) + 1)
    terms = [term.xreplace({index: i}).xreplace(values).doit() for i in layers]
    return int(sp.Add(*terms) if isinstance(formula, sp.Sum) else sp.Mul(*terms))


def dimensions(widths) -> list[int]:
    """d_1 .. d_K of the width list ``widths`` by the printed recursion ``FIRST_DIMENSION``,
    ``NEXT_DIMENSION``: what each hidden layer can split."""
    values = {D_k[i]: w for i, w in enumerate(widths)}
    dims = [FIRST_DIMENSION[1].xreplace(values)]
    for i in range(1, len(widths) - 2):
        dims.append(NEXT_DIMENSION[1].xreplace({k: i}).xreplace(values | {d_k[i]: dims[-1]}))
    return [int(d) for d in dims]


def _series(labels: dict[str, str]) -> list[dict]:
    """The figure's curves; ``labels``: the printed ``K = 1`` and each width ``D = ..`` of a legend."""
    series = []
    Ds = sorted({int(v) for v in np.unique(np.round(np.logspace(0, 3.5, 40)))})
    shallow = f"shallow (${labels['K=1']}$, $D$ grows)"
    series.append({"D_i": 1, "label": shallow, "shallow": True,
                   "parameters": [parameter_count([1, d, 1]) for d in Ds],
                   "regions": [region_value(shallow_region_count(), D_i=1, D=d) for d in Ds]})
    for width in FIGURE_WIDTHS[1]:
        series.append({"D_i": 1, "label": _deep_label(labels, width), "shallow": False,
                       "parameters": [int(deep_parameter_count().subs({D: width, K: k})) for k in FIGURE_DEPTHS],
                       "regions": [region_value(one_input_region_count(), D=width, K=k) for k in FIGURE_DEPTHS]})
    Ds10 = [d for d in Ds if d >= 10]
    series.append({"D_i": 10, "label": shallow, "shallow": True,
                   "parameters": [parameter_count([10, d, 1]) for d in Ds10],
                   "regions": [region_value(shallow_region_count(), D_i=10, D=d) for d in Ds10]})
    for width in FIGURE_WIDTHS[10]:
        series.append({"D_i": 10, "label": _deep_label(labels, width), "shallow": False,
                       "parameters": [parameter_count([10] + [width] * k + [1]) for k in FIGURE_DEPTHS],
                       "regions": [region_value(deep_region_count(), D_i=10, D=width, K=k) for k in FIGURE_DEPTHS]})
    return series


def _deep_label(labels: dict[str, str], width: int) -> str:
    return f"deep, ${labels[f'D={width}']}$, $K$ from {FIGURE_DEPTHS[0]} to {FIGURE_DEPTHS[-1]}"


def _random_tensors(widths, rng) -> dict:
    """Integer weights and biases in [-3, 3] (exact arithmetic in the counter)."""
    out = {}
    for k, (a, b) in enumerate(zip(widths, widths[1:])):
        out[f"beta_{k}"] = [rng.randint(-3, 3) for _ in range(b)]
        out[f"omega_{k}"] = [[rng.randint(-3, 3) for _ in range(a)] for _ in range(b)]
    return out


def _general_position(D: int) -> dict:
    """A 2-D-1 network whose D joint lines are in general position inside [-4, 4]^2."""
    angles = [np.pi * (d + 0.5) / D for d in range(D)]
    offsets = [0.6 * (d - (D - 1) / 2) + 0.1 * d * d for d in range(D)]
    return {"beta_0": [-c for c in offsets], "omega_0": [[float(np.cos(a)), float(np.sin(a))] for a in angles],
            "beta_1": [0.0], "omega_1": [[1.0] * D]}


def _formula_vs_sum(printed: dict) -> dict:
    """The one-input formula 3D + 1 + (K-1)D(D+1) against the general sum, on a grid."""
    grid = [(d, k) for d in range(1, 7) for k in range(1, 6)]
    misses = [abs(int(deep_parameter_count().subs({D: d, K: k})) - at_widths(PARAMETER_SUM, [1] + [d] * k + [1]))
              for d, k in grid]
    return record(f"${printed['deep_parameters']}$ equals ${printed['parameter_sum']}$ for widths 1, D, ..., D, 1 "
                  f"on the grid D = 1..6, K = 1..5 ({len(grid)} networks)", "count", max(misses),
                  max(misses) == 0, "exact, on a grid", id="parameters.formula_vs_sum")


def _growth() -> dict:
    """What the section's first paragraph says: parameters grow linearly with depth and
    quadratically with width (the degrees of the printed count in K and D), the regions a network
    can reach exponentially with depth (the one-input count grows by the factor D + 1 per layer)."""
    count, regions = sp.expand(deep_parameter_count()), one_input_region_count()
    degrees = (sp.degree(count, K), sp.degree(count, D))
    factor = sp.simplify(regions.subs(K, K + 1) / regions)
    ok = degrees == (1, 2) and sp.simplify(factor - (D + 1)) == 0
    return record(f"parameters: degree {degrees[0]} in K, {degrees[1]} in D; regions: the factor {factor} per layer "
                  "(linear in depth, quadratic in width, exponential in depth)", "symbolic", 0 if ok else float("inf"),
                  ok, "symbolic (degrees of the printed count, ratio of the printed regions)", id="growth")


def _numel_grid(printed: dict) -> tuple[int, dict]:
    """Both parameter counts (and the functions that count: ``parameter_count`` and the spec's
    ``n_parameters``, which the tables print) against numel of the PyTorch twin: (networks
    checked, record)."""
    worst, n_nets = 0, 0
    for D_in in (1, 2, 3):
        for width in (1, 2, 4):
            for k in (1, 2, 3):
                for D_out in (1, 2):
                    widths = [D_in] + [width] * k + [D_out]
                    numel = sum(p.numel() for p in DeepNetworkModule(NetworkSpec(widths)).parameters())
                    # the spec's own count too: the tables, the web pages and the figures print it
                    worst = max(worst, abs(at_widths(PARAMETER_SUM, widths) - numel),
                                abs(int(parameter_count(widths)) - numel),
                                abs(NetworkSpec(widths).n_parameters - numel))
                    if D_in == D_out == 1:
                        worst = max(worst, abs(int(deep_parameter_count().subs({D: width, K: k})) - numel))
                    n_nets += 1
    return n_nets, record(f"parameter counts ${printed['parameter_sum']}$ (and ${printed['deep_parameters']}$ where "
                          f"the network has one input and one output) equal numel of the PyTorch twin on the grid "
                          f"of 1, 2, 3 inputs, 1, 2, 4 units, 1, 2, 3 layers, 1, 2 outputs ({n_nets} networks)",
                          "count", worst, worst == 0, "exact, on a grid", id="parameters.numel_grid", value=n_nets)


def _shallow_attained(printed: dict) -> list[dict]:
    """Zaslavsky's count is attained: one input by the exact counter, two inputs by grid patterns."""
    misses = [abs(count_regions(*shallow_construction(d)) - region_value(shallow_region_count(), D_i=1, D=d))
              for d in ATTAINED_1D]
    one = record(f"shallow construction has ${printed['one_input_shallow']}$ regions, D = {ATTAINED_1D[0]}.."
                 f"{ATTAINED_1D[-1]} (Zaslavsky with one input, attained)", "count", max(misses), max(misses) == 0,
                 "exact count (largest miss)", id="shallow.attained_1d", widths=list(ATTAINED_1D))
    misses = []
    for d in ATTAINED_2D:
        patterns = activation_pattern_map(NetworkSpec((2, d, 1)), _general_position(d), 4.0, 401)[2]
        misses.append(abs(patterns - region_value(shallow_region_count(), D_i=2, D=d)))
    two = record("2-D-1 networks with joint lines in general position: activation patterns on a 401 x 401 "
                 f"grid equal Zaslavsky's count, D = {', '.join(map(str, ATTAINED_2D))} (attained)", "count",
                 max(misses), max(misses) == 0, "grid count (a lower bound) equals the upper bound",
                 id="shallow.attained_2d", widths=list(ATTAINED_2D))
    return [one, two]


def _folding(folding) -> tuple[list[dict], list[dict]]:
    """The folding networks of ``folding`` ((D, K) pairs) reach (D+1)^K regions, counted exactly:
    their table rows (``D``, ``K``, and the records of its ``parameters``, of the one-input count
    ``formula`` and of the ``regions`` counted, each carrying the ``value`` it checked) and records."""
    table, records = [], []
    for d, k in folding:
        spec, tensors = folding_network([1] + [d] * k + [1])
        n = count_regions(spec, tensors)
        formula = region_value(one_input_region_count(), D=d, K=k)
        regions = record(f"folding network D = {d}, K = {k}: {n} regions, the one-input count (attained)", "count",
                         abs(n - formula), n == formula, "exact count", id=f"deep.folding.D{d}K{k}", value=n)
        numel = sum(int(np.size(v)) for v in tensors.values())
        counted = int(deep_parameter_count().subs({D: d, K: k}))
        parameters = record(f"folding network D = {d}, K = {k}: {spec.n_parameters} parameters, its tensors' {numel} "
                            f"entries and the one-input count {counted}", "count",
                            max(abs(spec.n_parameters - numel), abs(spec.n_parameters - counted)),
                            spec.n_parameters == numel == counted, "exact count",
                            id=f"deep.folding.D{d}K{k}.parameters", value=spec.n_parameters)
        bound = record(f"folding network D = {d}, K = {k}: the one-input count {formula} is the counted upper bound "
                       f"{max_regions(spec.widths)}", "count", abs(formula - max_regions(spec.widths)),
                       formula == max_regions(spec.widths), "exact integers", id=f"deep.folding.D{d}K{k}.bound",
                       value=formula)
        records += [regions, parameters, bound]
        table.append({"D": d, "K": k, "parameters": parameters, "formula": bound, "regions": regions})
    return table, records


def _bound_search(printed: dict) -> tuple[dict, list[dict]]:
    """SEARCHED random integer networks of each of five widths stay within the upper bound:
    ``{widths: (most regions found, bound)}``, the record, and the record that the printed
    one-input bound is the counting function's."""
    import random

    rng = random.Random(0)
    search = {}
    for widths in [(1, 1, 1, 1), (1, 2, 2, 1), (1, 2, 2, 2, 1), (1, 3, 3, 1), (1, 3, 2, 4, 1)]:
        found = max(count_regions(NetworkSpec(widths), _random_tensors(widths, rng)) for _ in range(SEARCHED))
        search[widths] = (found, max_regions(widths))
    over = [found - bound for found, bound in search.values() if found > bound]
    searched = record(f"upper bound ${printed['one_input_bound']}$ respected by {SEARCHED} random integer networks "
                      "each of widths "
                      + ", ".join("-".join(map(str, w)) + f" (largest {f} of {b})" for w, (f, b) in search.items()),
                      "count", max(over, default=0), not over, "exact counts, largest excess", id="deep.bound_search",
                      value=[[list(w), f, b] for w, (f, b) in search.items()], networks=SEARCHED)
    misses = [abs(at_widths(ONE_INPUT_BOUND, widths) - bound) for widths, (_, bound) in search.items()]
    formula = record(f"${printed['one_input_bound']}$ is the counted upper bound for the searched widths", "count",
                     max(misses), not any(misses), "exact integers", id="deep.one_input_bound_formula")
    return search, [searched, formula]


def _lower_bound_checks(printed: dict) -> list[dict]:
    """Eq. 4.17 (a lower bound on the maximum, from the literature) stays at most the upper bound,
    and equals it with one input."""
    rows = [(di, dd, k) for di in (1, 2, 3) for dd in (3 * di, 4 * di, 6 * di) for k in (1, 2, 3, 4)]
    widths = [[di] + [dd] * k + [1] for di, dd, k in rows]
    excess = [region_value(deep_region_count(), D_i=di, D=dd, K=k) - at_widths(UPPER_BOUND, w, dimensions(w))
              for (di, dd, k), w in zip(rows, widths)]
    below = record(f"eq. 4.17 at most the upper bound ${printed['upper_bound']}$ for "
                   f"1, 2, 3 inputs, 3, 4, 6 times as many units, 1 to 4 layers ({len(rows)} cases)", "count",
                   max(0, max(excess)), max(excess) <= 0, "exact integers", id="deep.lower_below_upper")
    narrowing = [(3, 2, 5, 1), (3, 1, 4, 4, 1), (2, 1, 3, 1)]  # a layer narrower than the input: d_k shrinks
    misses = [abs(at_widths(UPPER_BOUND, w, dimensions(w)) - max_regions(w)) for w in widths + narrowing]
    formula = record(f"${printed['upper_bound']}$ is the counted upper bound for these {len(rows)} widths and "
                     f"{', '.join('-'.join(map(str, w)) for w in narrowing)}", "count",
                     max(misses), not any(misses), "exact integers", id="deep.upper_bound_formula")
    one = [region_value(deep_region_count(), D_i=1, D=dd, K=k) - max_regions([1] + [dd] * k + [1])
           for dd in range(1, 8) for k in range(1, 6)]
    equal = record(f"eq. 4.17 with one input equals the upper bound ${printed['one_input']}$, D = 1..7, K = 1..5",
                   "count", max(map(abs, one)), not any(one), "exact integers", id="deep.one_input_equal")
    return [below, formula, equal]


def _printed(formulas: Formulas) -> dict:
    """Every formula the section and its record names print, printed from the objects the checks
    evaluate and read back (the book's forms where the printer orders factors otherwise)."""
    def setting(symbol, value, what):
        return formulas(sp.Eq(symbol, value), what)

    out = {
        "parameter_sum": formulas(PARAMETER_SUM, "parameters of a network, by layer",
                                  typed=r"\sum_{k=0}^{K} {D}_{k + 1} \left({D}_{k} + 1\right)"),
        "deep_parameters": formulas(deep_parameter_count(),
                                    "parameters with one input, one output, K layers of D units",
                                    typed=r"3 D + 1 + \left(K - 1\right) D \left(D + 1\right)"),
        "one_input_shallow": formulas(shallow_region_count().subs(D_i, 1).doit(), "Zaslavsky's count with one input"),
        "one_input_bound": formulas(ONE_INPUT_BOUND, "upper bound with one input"),
        "one_input": formulas(one_input_region_count(), "regions with one input, K layers of D units"),
        "upper_bound": formulas(UPPER_BOUND, "upper bound on the regions"),
        "first_dimension": formulas(FIRST_DIMENSION, "the dimension the first layer splits"),
        "next_dimension": formulas(NEXT_DIMENSION, "the dimension each next layer splits"),
        "z23_at": _settings(formulas, ZASLAVSKY_EXAMPLE, "Zaslavsky's count, an example"),
        "non_integer_at": _settings(formulas, NON_INTEGER, "eq. 4.17 where it is no integer"),
        "deep2_at": _settings(formulas, DEEP_EXAMPLE, "eq. 4.17, an example"),
        "big_at": _settings(formulas, BIG, "the biggest count shown"),
        "K=1": setting(K, 1, "depth of a shallow network"),
        "ten_inputs": setting(D_i, max(FIGURE_WIDTHS), "inputs of the figure's right panel"),
    }
    for width in FIGURE_WIDTHS[1] + FIGURE_WIDTHS[10]:
        out[f"D={width}"] = setting(D, width, "width of a deep network of the figure")
    return out


_COUNT_SYMBOLS = {"D_i": D_i, "D": D, "K": K}


def _examples(formulas: Formulas) -> dict:
    """The example counts the prose quotes, each printed as its value and read back against the
    count at its settings (``z23``: Zaslavsky's at ``ZASLAVSKY_EXAMPLE``, ``non_integer`` and
    ``deep2``: eq. 4.17 at ``NON_INTEGER`` and ``DEEP_EXAMPLE``, ``big``: the one-input count at ``BIG``)."""
    def at(formula, values: dict[str, int], what: str):
        count = formula.xreplace({_COUNT_SYMBOLS[n]: v for n, v in values.items()})
        value = count.doit()
        return formulas(count, what, typed=str(int(value)) if value.is_Integer else f"{float(value):g}")

    return {"z23": at(shallow_region_count(), ZASLAVSKY_EXAMPLE, "Zaslavsky's count, its value in the example"),
            "non_integer": at(deep_region_count(), NON_INTEGER, "eq. 4.17 where it is no integer, its value"),
            "deep2": at(deep_region_count(), DEEP_EXAMPLE, "eq. 4.17, its value in the example"),
            "big": at(one_input_region_count(), BIG, "the biggest count shown, its value")}


def _settings(formulas: Formulas, values: dict[str, int], what: str) -> str:
    """``$D_{i} = 2$, $D = 3$``: the values a count is taken at, each printed and read back."""
    return ", ".join(f"${formulas(sp.Eq(_COUNT_SYMBOLS[name], v), what)}$" for name, v in values.items())


def build(ctx: TopicContext) -> TopicResult:
    # The derivations: the parameter count, the one-input region count, Zaslavsky for D <= D_i.
    counts, regions, small = parameter_count_derivation(), region_count_derivation(), zaslavsky_small_width_derivation()
    for derivation in (counts, regions, small):
        derivation.check()
    count_records, region_records, small_records = counts.records(), regions.records(), small.records()

    # Every formula the section prints, printed from the objects below and read back.
    formulas = Formulas(SLUG, domain=COUNT_DOMAIN)
    printed = _printed(formulas)
    # Parameters: the one-input formula against the general sum, and both against the twin's numel.
    formula_record = _formula_vs_sum(printed)
    growth = _growth()
    _, numel_record = _numel_grid(printed)
    # Shallow networks: Zaslavsky's count is attained.
    attained = _shallow_attained(printed)
    # Deep networks, one input: (D+1)^K is an upper bound, attained by folding for D >= 3.
    table, folding_records = _folding(FOLDING)
    search, search_records = _bound_search(printed)
    # Several inputs: eq. 4.17 is a lower bound on the maximum (literature), below the upper bound.
    lower_records = _lower_bound_checks(printed)
    zaslavsky = formulas.display([sp.Eq(N_r, shallow_region_count())], "Zaslavsky's count")
    examples = _examples(formulas)
    lower = formulas.display([sp.Eq(N_r, deep_region_count())], "Prince's eq. 4.17")
    records = [*count_records, *region_records, *small_records, growth, formula_record, numel_record, *attained,
               *folding_records, *search_records, *lower_records, *formulas.records]

    figure = ctx.save_figure(regions_vs_parameters_figure(_series({k: str(v) for k, v in printed.items()})),
                             "regions_vs_parameters")
    assign_ids(SLUG, records)
    columns = text.columns(str(printed["one_input"]), one_input_region_count())
    folding_table = tabular(columns, table)
    tex = text.section(
        title=TITLE, numel=numel_record, counts_words=steps_words(count_records),
        counts_tex=tagged(counts.to_latex(), count_records + [formula_record, numel_record]),
        zaslavsky_tex=tagged(zaslavsky.latex, attained + [zaslavsky.record]),
        small_words=steps_words(small_records), small_tex=tagged(small.to_latex(), small_records),
        folding=folding_table, search=search_records[0], lower_tex=tagged(lower.latex, lower_records + [lower.record]),
        regions_tex=tagged(regions.to_latex(), region_records + folding_records), figure=figure,
        attained=attained, figure_widths=FIGURE_WIDTHS, figure_depths=FIGURE_DEPTHS,
        **{name: str(printed[name]) for name in text.PRINTED}, **{name: str(v) for name, v in examples.items()})
    records.append(read_table(tex, columns, table, SLUG, "table of folding networks", id="printed.table.folding"))
    displays = {"parameters": Display(counts.to_latex(), count_records + [numel_record], counts),
                "regions": Display(regions.to_latex(), region_records + folding_records, regions),
                "zaslavsky": Display(zaslavsky.latex, attained + [zaslavsky.record]),
                "lower bound": Display(lower.latex, lower_records + [lower.record])}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
