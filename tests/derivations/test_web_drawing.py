"""What the interactive figures draw, read back in Node.js against SymPy (documents/web/drawing.py).

Each figure's drawing record passes on the drawing code as shipped and fails when one line of
``assets/figures.js`` draws or shows something else: a tangent restated by hand with a sign
slip, a joint at another unit's output, the loss of the start shown as the last iterate's, a
learning rate halved, two units' patterns merged, the activation's derivative shown as its
value, the verdict of the readout inverted, a likelihood term drawn at another target, the
density handed the variance for sigma. Also the captions' claims added with it.
"""

import math
import os
import re

import pytest
import sympy as sp

from derivations.checks.javascript_readback import find_node
from derivations.documents.web import figures as web_figures
from derivations.documents.web.drawing import drawing_check, drawing_source
from derivations.documents.web.figures import (activations_figure, descent_figure, likelihood_figure,
                                               regions_figure, shallow_figure)
from derivations.documents.web.site import page_script


@pytest.fixture(scope="module")
def node():
    path = find_node()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("node missing in CI; .ci/run should install nodejs", pytrace=False)
        pytest.skip("no Node.js (apt-get install nodejs)")
    return path


FIGURES = {"shallow": shallow_figure, "activations": activations_figure, "regions": regions_figure,
           "descent": descent_figure, "likelihood": likelihood_figure}

#: One-line slips in figures.js, each with the figure whose drawing it changes.
MUTATIONS = {
    "tangent-by-hand-sign-slip": ("activations", "zt.map((z) => tangent(z, z0))", "zt.map((z) => y0 - s0 * (z - z0))"),
    "tangent-at-zero": ("activations", "zt.map((z) => tangent(z, z0))", "zt.map((z) => tangent(z, 0))"),
    "derivative-shown-as-value": ("activations", '"act-value">${y0.toPrecision(6)}', '"act-value">${s0.toPrecision(6)}'),
    "joint-on-a-unit": ("shallow", "const yj = forward(xj, ...args)[cfg.output];",
                        "const yj = forward(xj, ...args)[cfg.weighted[d]];"),
    "probe-at-the-wrong-x": ("shallow", "const y0 = forward(x0, ...args)[cfg.output];",
                             "const y0 = forward(x0 + 0.05, ...args)[cfg.output];"),
    "loss-of-the-start": ("descent", "const L = loss(phi[0], phi[1]);", "const L = loss(cfg.start[0], cfg.start[1]);"),
    "rate-halved": ("descent", "phi = step(phi[0], phi[1], v.alpha);", "phi = step(phi[0], phi[1], v.alpha / 2);"),
    "verdict-inverted": ("descent", "v.alpha < cfg.threshold ?", "v.alpha > cfg.threshold ?"),
    "fitted-line-of-the-start": ("descent", "xs.map((x) => model(x, ...phi))", "xs.map((x) => model(x, ...cfg.start))"),
    "patterns-merged": ("regions", "code |= 1 << d;", "code |= 1 << (d % 2);"),
    "count-off-by-one": ("regions", '"region-count">${seen.size}', '"region-count">${seen.size + 1}'),
    "stem-of-the-next-target": ("likelihood", "const p = at[cfg.term_keys[i]]",
                                "const p = at[cfg.term_keys[(i + 1) % cfg.term_keys.length]]"),
    "density-given-the-variance": ("likelihood", "density(y, v.f, v.sigma)", "density(y, v.f, v.sigma * v.sigma)"),
    "loss-curve-at-the-first-sigma": ("likelihood", "recipe(f, v.sigma)[cfg.loss_key]",
                                      "recipe(f, cfg.params[1].value)[cfg.loss_key]"),
    "likelihood-shown-as-a-term": ("likelihood", "${at[cfg.likelihood_key].toPrecision(4)}",
                                   "${at[cfg.term_keys[0]].toPrecision(4)}"),
    "minimiser-at-the-median": ("likelihood", "x1: right.sx(cfg.minimiser), x2: right.sx(cfg.minimiser)",
                                "x1: right.sx(cfg.targets[1]), x2: right.sx(cfg.targets[1])"),
    "prediction-point-a-step-off": ("likelihood", "cx: right.sx(v.f), cy:", "cx: right.sx(v.f + 0.05), cy:"),
}


@pytest.mark.parametrize("kind", sorted(FIGURES))
def test_the_drawing_as_shipped_agrees_with_sympy(node, kind):
    fig = FIGURES[kind]()
    rec = drawing_check(fig, page_script([fig]), node)
    assert rec["passed"], rec
    assert rec["id"] == f"{fig.topic}.web.drawing-{kind}" and rec["points"] > 1000 and rec["states"] >= 4
    assert rec["max_error"] <= 0.02


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_slip_in_the_drawing_code_turns_the_record_red(node, mutation):
    kind, old, new = MUTATIONS[mutation]
    source = drawing_source()
    assert source.count(old) == 1, old
    fig = FIGURES[kind]()
    rec = drawing_check(fig, page_script([fig]), node, drawing=source.replace(old, new))
    assert not rec["passed"] and rec["detail"].startswith("worst: "), rec


def test_drawing_code_that_does_not_run_fails(node):
    fig = shallow_figure()
    rec = drawing_check(fig, page_script([fig]), node, drawing=drawing_source().replace("window[cfg.forward]", "undefined"))
    assert not rec["passed"] and math.isinf(rec["max_error"]) and "TypeError" in rec["detail"]


def test_without_node_the_drawing_is_not_passed():
    fig = shallow_figure()
    rec = drawing_check(fig, page_script([fig]), None)
    assert not rec["passed"] and "not found" in rec["method"]


def test_figures_js_computes_no_formula_of_its_own():
    """Every call of a printed function in figures.js goes through the config's names, and no
    arithmetic in it combines values the printed functions return (the tangent, the loss's
    logarithm and the units' patterns are printed from SymPy)."""
    source = drawing_source()
    assert "Math.log(" not in source and "Math.exp(" not in source
    assert not re.search(r"[yY]0 [-+] [^;]*s0", source)  # a tangent restated by hand
    assert "> 0) code" not in source and "f[u] > 0" not in source  # the pattern restated by hand
    fig = activations_figure()
    assert all(f"function {e['tfn']}(z, z_0)" in fig.script for e in fig.config["activations"])


# ----- captions ------------------------------------------------------------------------------


def test_the_tangent_caption_is_each_activations_printed_tangent():
    fig = activations_figure()
    (claim,) = fig.claims
    assert claim("", None)["passed"]
    z, z_0 = web_figures.z, web_figures.z_0
    wrong = web_figures._tangent_claim(sp.Symbol("A") - sp.Symbol("S") * (z - z_0), sp.Symbol("A"), sp.Symbol("S"),
                                       [e["name"] for e in fig.config["activations"]], fig.functions[2::3])
    assert not wrong("", None)["passed"]  # a sign slip in the caption's form


def test_the_descent_caption_names_its_evidence():
    fig = descent_figure()
    text = re.sub(r"<[^>]+>", "", fig.caption)
    steps, margin = web_figures.DESCENT_STEPS, f"{float(web_figures.DESCENT_MARGIN):.0%}"
    assert f"running the page's update {steps} steps at {margin} below and {margin} above it" in text
    assert web_figures.rounded(web_figures.descent_threshold()[1]) in fig.config["words"]["below"]
    assert fig.config["threshold"] == float(web_figures.descent_threshold()[1])


def test_the_threshold_detail_prints_the_records_own_numbers():
    """The detail's two distances are the record's fields the verdict used (a mutation that
    printed another number there survived before)."""
    fig = descent_figure()
    rec = fig.claims[1](page_script([fig]), find_node())
    shown = [float(v) for v in re.findall(r"([0-9.]+e[+-][0-9]+)", rec["detail"])]
    assert shown == [float(f"{rec['max_error']:.1e}"), float(f"{rec['distance_above']:.1e}")]
    assert rec["passed"] and rec["max_error"] <= 1e-9 and rec["distance_above"] > 1e9
