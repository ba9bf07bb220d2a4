"""Topic: initialisation (UDL 7.5): the variance through a layer, He and Glorot, and what a
factor of two does to a deep network.

    python -m derivations.topics.initialisation --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import contextlib
import math
import sys

import numpy as np
import sympy as sp
import torch

from derivations.checks.printed import Formulas
from derivations.checks.records import assign_ids, tagged
from derivations.checks.tables import read_table, stated, tabular
from derivations.figures.initialisation import variance_figure
from derivations.topics.texts import initialisation as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.model import DeepNetworkModule
from symbolic.spec import NetworkSpec
from symbolic.training import initialisation as init

TITLE = "Initialisation"
SLUG = "initialisation"
#: The deep network of the experiment: WIDTH units in each of LAYERS hidden layers.
WIDTH = 100
LAYERS = 50
#: Independent networks drawn per weight variance, and inputs per network.
NETWORKS = 32
INPUTS = 128
#: Weight variances tried, as multiples of 1 / WIDTH: half of He, He, twice He.
SCALES = (1, 2, 4)
#: How many standard errors of the mean over the networks a measured ratio may be off.
BAND = 4.0
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("WIDTH", "LAYERS", "NETWORKS", "SCALES")


def _network(scale: int, generator: torch.Generator) -> DeepNetworkModule:
    """The twin with no biases and normal weights of variance scale / WIDTH (He's for scale 2:
    :func:`library_checks` shows that it is what ``torch.nn.init.kaiming_normal_`` draws)."""
    spec = NetworkSpec((WIDTH,) + (WIDTH,) * LAYERS + (WIDTH,), "relu")
    model = DeepNetworkModule(spec, dtype=torch.float64, generator=generator)
    with torch.no_grad():
        for beta, omega in model.layers():
            beta.zero_()
            omega.normal_(0.0, math.sqrt(scale / WIDTH), generator=generator)
    return model


@contextlib.contextmanager
def _one_thread():
    """Small matrices (WIDTH x WIDTH) gain nothing from torch's threads, and on a busy machine
    its thread pool makes them 20 times slower: one thread while measuring."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def measure(scale: int, seed: int) -> dict:
    """Every network's pre-activations f_k and gradients dl/df_k (l = v . f_K, v standard normal)
    at weight variance scale / WIDTH, summarised per network: the mean squares per layer
    (``forward``, ``backward``: shape (NETWORKS, K + 1)) and, pooled over the layers, the
    per-layer ratios the derivation predicts (``one_layer``: mean f_{k+1}^2 over D sigma^2 mean
    h_k^2, derived 1; ``relu``: mean h_k^2 over mean f_k^2, derived 1/2; ``up``: mean f_{k+1}^2
    over mean f_k^2 and ``down``: mean (dl/df_k)^2 over mean (dl/df_{k+1})^2, both derived
    D sigma^2 / 2), each shape (NETWORKS,). The same seed draws the same standard normal
    weights for every scale, so the scales differ only by the factor. (The pooled one-layer
    ratios are the sound test: the mean square after 50 layers is heavy-tailed across networks,
    so its sample mean over a few networks is no test of its expectation.)"""
    generator = torch.Generator().manual_seed(seed)
    variance = scale / WIDTH
    forward, backward, one_layer, relu, up, down = [], [], [], [], [], []
    for _ in range(NETWORKS):
        model = _network(scale, generator)
        x = torch.randn(INPUTS, WIDTH, dtype=torch.float64, generator=generator)
        fs = model.hidden(x)
        for f_k in fs:
            f_k.retain_grad()
        v = torch.randn(fs[-1].shape, dtype=torch.float64, generator=generator)
        (fs[-1] * v).sum().backward()
        f2 = torch.stack([(f_k.detach() ** 2).mean() for f_k in fs])
        h2 = torch.stack([(torch.relu(f_k.detach()) ** 2).mean() for f_k in fs])
        g2 = torch.stack([(f_k.grad ** 2).mean() for f_k in fs])
        forward.append(f2.numpy())
        backward.append(g2.numpy())
        one_layer.append(float((f2[1:] / (WIDTH * variance * h2[:-1])).mean()))
        relu.append(float((h2 / f2).mean()))
        up.append(float((f2[1:] / f2[:-1]).mean()))
        down.append(float((g2[:-1] / g2[1:]).mean()))
    derived = {kind: float(init.variance_ratio(kind).subs({init.sigma_Omega: sp.sqrt(sp.Rational(scale, WIDTH)),
                                                          init.D_h: WIDTH, init.D_next: WIDTH}))
               for kind in ("forward", "backward")}
    return {"forward": np.array(forward), "backward": np.array(backward), "one_layer": np.array(one_layer),
            "relu": np.array(relu), "up": np.array(up), "down": np.array(down), "factor": derived["forward"],
            "factor_back": derived["backward"]}


def _band_record(name: str, values: np.ndarray, derived: float, id_: str) -> dict:
    """The mean over the networks of ``values`` is ``derived`` within BAND standard errors (its
    ``value``: the measured mean, as the table prints it)."""
    mean, se = float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))
    ok = abs(mean - derived) <= BAND * se
    return record(f"{name}: measured {mean:.4f} (standard error {se:.4f}), derived {derived:g}", "monte-carlo",
                  abs(mean - derived), ok, f"PyTorch twin, {NETWORKS} networks of {LAYERS} layers x {INPUTS} "
                  f"inputs, pooled over the layers, within {BAND:g} standard errors", id=id_, mean=mean, se=se,
                  value=mean, derived=derived, band=BAND, networks=len(values))


def _scaling_record(runs: dict, scale: int) -> dict:
    """The same draws at ``scale`` times 1/WIDTH instead of He's 2/WIDTH: the last layer's mean
    square is (scale/2)^(K+1) times He's and the first layer's gradient (scale/2)^K times, as the
    derived factor scale/2 per layer says (ReLU is positively homogeneous: exact up to rounding)."""
    K = LAYERS
    c = runs[scale]["factor"] / runs[2]["factor"]
    forward = runs[scale]["forward"][:, -1] / runs[2]["forward"][:, -1] / c ** (K + 1)
    backward = runs[scale]["backward"][:, 0] / runs[2]["backward"][:, 0] / c ** K
    worst = float(max(np.abs(forward - 1).max(), np.abs(backward - 1).max()))
    return record(f"sigma_Omega^2 = {scale}/{WIDTH}: layer {K}'s activations {c:g}^{K + 1} and layer 0's "
                  f"gradients {c:g}^{K} times He's, for the same draws", "exact-vs-torch", worst, worst <= 1e-10,
                  "float64, relative error over every network", id=f"scaling.x{scale}")


def _derived_record(run: dict, scale: int) -> dict:
    """One layer's derived factor, forward and backward (equal for D_h = D_h' = WIDTH): the
    table's one column of derived factors (its ``value``)."""
    forward, backward = run["factor"], run["factor_back"]
    return record(f"sigma_Omega^2 = {scale}/{WIDTH}: one layer's derived factor {forward:g} forward, {backward:g} "
                  "backward", "symbolic", abs(forward - backward), forward == backward,
                  f"the derived ratios at D_h = D_h' = {WIDTH}", value=forward, id=f"derived.x{scale}")


def _table(runs: dict, experiment: list[dict]) -> list[dict]:
    """The table's rows: the weight variance (printed, read back), one layer's derived factor and
    the measured forward and backward factors (the records that checked them), and the derived
    factor over the layers as a power (the header's formula checks it)."""
    by_id = {r["id"]: r for r in experiment}
    rows = []
    for scale in sorted(runs):
        rows.append({"variance": sp.Eq(init.sigma_Omega**2, sp.Rational(scale) / init.D_h),
                     "sigma": sp.sqrt(sp.Rational(scale, WIDTH)), "factor": by_id[f"derived.x{scale}"],
                     "forward": by_id[f"forward.factor.x{scale}"], "backward": by_id[f"backward.factor.x{scale}"],
                     "total": sp.Pow(sp.nsimplify(stated(by_id[f"derived.x{scale}"])), LAYERS, evaluate=False)})
    return rows


def _power(formulas: Formulas, base: sp.Rational, exponent: int):
    """``base**exponent`` printed as a power of two (``2^{-50}``) where it is one, read back."""
    value = base**exponent
    if value == 1:
        return formulas(value, "a factor over the layers", typed="1")
    log2 = sp.log(value, 2)
    typed = rf"2^{{{int(log2)}}}" if log2.is_integer else None
    return formulas(value, "a factor over the layers", typed=typed)


def library_checks(generator: torch.Generator) -> list[dict]:
    """torch.nn.init's He (kaiming_normal_) and Glorot (xavier_normal_) weights have the variance
    the rules give, within BAND standard errors of a variance estimate from 4 million draws."""
    out = []
    fan_in, fan_out = 1000, 4000
    for name, fill, rule, values in (
            ("kaiming_normal_ (He)", lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu",
                                                                               generator=generator),
             init.he_rule(), {init.D_h: fan_in}),
            ("xavier_normal_ (Glorot)", lambda w: torch.nn.init.xavier_normal_(w, generator=generator),
             init.glorot_rule(), {init.D_h: fan_in, init.D_next: fan_out})):
        w = torch.empty(fan_out, fan_in, dtype=torch.float64)
        fill(w)
        n = w.numel()
        derived = float(rule.rhs.subs(values))
        measured = float((w ** 2).mean())
        se = derived * math.sqrt(2 / n)  # a normal sample's variance estimate: relative SE sqrt(2/n)
        out.append(record(f"torch.nn.init.{name}: variance {measured:.6g} vs the rule's {derived:.6g} "
                          f"(fan-in {fan_in}, fan-out {fan_out})", "monte-carlo", abs(measured - derived) / derived,
                          abs(measured - derived) <= BAND * se,
                          f"{n} draws, within {BAND:g} standard errors", id=f"torch.{name.split()[0]}"))
    return out


def build(ctx: TopicContext) -> TopicResult:
    forward, backward = init.forward_variance(), init.backward_variance()
    forward.check()
    backward.check()
    records = forward.records() + backward.records()
    forward_records, backward_records = list(records[:len(forward.records())]), list(records[len(forward.records()):])

    rules = [init.he_rule(), init.he_backward_rule(), init.glorot_rule()]
    rule_records = [record(f"{name}: the rule put into its condition", "symbolic", c.max_error, c.passed, c.method,
                           id=f"rule.{key}")
                    for (key, name), c in zip((("he", "He, forward"), ("he-backward", "He, backward"),
                                                ("glorot", "Glorot (tanh)")),
                                               (init.rule_check(rules[0], "forward", "relu"),
                                                init.rule_check(rules[1], "backward", "relu"),
                                                init.rule_check(rules[2], "forward", "tanh")))]
    generator = torch.Generator().manual_seed(ctx.seed)
    library = library_checks(generator)
    formulas = Formulas(SLUG)
    shown = formulas.display(rules, "the rules", notes=[r"\qquad\text{(He: the activations keep their variance)}",
                                                         r"\qquad\text{(He: the gradients keep theirs)}",
                                                         r"\qquad\text{(Glorot, for tanh: between the two)}"])
    rules_records = [shown.record, *rule_records, *library]

    with _one_thread():
        runs = {scale: measure(scale, ctx.seed) for scale in sorted(set(SCALES) | {2})}
    he_run = runs[2]
    experiment = [_band_record("one layer forward, mean f'^2 / (D_h sigma_Omega^2 mean h^2)", he_run["one_layer"], 1.0,
                               "forward.one-layer"),
                  _band_record("ReLU: mean h^2 / mean f^2", he_run["relu"], 0.5, "forward.relu")]
    for scale in sorted(runs):
        run = runs[scale]
        experiment += [_band_record(f"sigma_Omega^2 = {scale}/{WIDTH}: one layer's factor forward, "
                                    "mean f'^2 / mean f^2", run["up"], run["factor"], f"forward.factor.x{scale}"),
                       _band_record(f"sigma_Omega^2 = {scale}/{WIDTH}: one layer's factor backward, "
                                    "mean (dl/df)^2 / mean (dl/df')^2", run["down"], run["factor_back"],
                                    f"backward.factor.x{scale}")]
    experiment += [_derived_record(runs[scale], scale) for scale in sorted(runs)]
    experiment += [_scaling_record(runs, scale) for scale in SCALES if scale != 2]
    he = formulas(init.he_rule(), "He's rule")
    half = _power(formulas, sp.Rational(1, 2), LAYERS)
    labels = {scale: str(formulas(sp.Eq(init.sigma_Omega**2, sp.Rational(scale) / init.D_h), f"label x{scale}"))
              for scale in runs}
    figure = ctx.save_figure(variance_figure(runs, WIDTH, LAYERS, labels), "initialisation_variance")
    table = _table(runs, experiment)
    band = next(r for r in experiment if r["id"] == "forward.factor.x2")  # He's: the prose's counts
    records += rules_records + experiment + [r for r in formulas.records if r not in rules_records]
    assign_ids(SLUG, records)
    words = {"weight_variance": str(formulas(init.sigma_Omega**2, "the weight variance")),
             "input_variance": str(formulas(init.sigma_f**2, "the pre-activations' variance")),
             "forward_factor": str(formulas(init.variance_ratio("forward"), "one layer's factor, forward")),
             "backward_factor": str(formulas(init.variance_ratio("backward"), "one layer's factor, backward"))}
    columns = text.columns(words["forward_factor"], init.variance_ratio("forward"),
                           {init.sigma_Omega: "sigma", init.D_h: WIDTH}, LAYERS, init.he_rule().rhs)
    tex = text.section(title=TITLE, forward_tex=tagged(forward.to_latex(), forward_records),
                       backward_tex=tagged(backward.to_latex(), backward_records),
                       rules_tex=tagged(shown.latex, rules_records), he=str(he), half=str(half),
                       width=WIDTH, layers=LAYERS, networks=band["networks"], inputs=INPUTS, band=band["band"],
                       table=tabular(columns, table), figure=figure, **words)
    records.append(read_table(tex, columns, table, SLUG, "table of the weight variances' factors", id="printed.table"))
    recorded = {id(r) for r in records}
    records += [r for r in formulas.records if id(r) not in recorded]  # the table's and the prose's read-backs
    assign_ids(SLUG, records)
    displays = {"forward": Display(forward.to_latex(), forward_records, forward),
                "backward": Display(backward.to_latex(), backward_records, backward),
                "rules": Display(shown.latex, rules_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
