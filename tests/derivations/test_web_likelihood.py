"""The maximum-likelihood figure of the losses page (documents/web/figures.py: likelihood_figure).

Its printed JavaScript (the normal density, the likelihood's terms, their product and the
negative log-likelihood of the losses topic's targets) reads back against SymPy, and what
figures.js draws from it against the normal density of the lecture's losses; a one-line slip
in the printed text (the per-sample loss without its log(sigma), a residual with the wrong
sign, the density's exponent without its minus) turns both records red. The caption's claims
(L = -log P; the minimum at the mean of the targets for every sigma) are proven, and a wrong
minimiser or a loss that is not -log P fails them.
"""

import os
import re

import pytest
import sympy as sp

from derivations.checks.javascript_readback import find_node, readback
from derivations.documents.web import figures as web_figures
from derivations.documents.web.drawing import drawing_check
from derivations.documents.web.figures import LIKELIHOOD_TARGETS, interactive_for, likelihood_figure
from derivations.documents.web.site import page_script
from symbolic.core.javascript import JavaScriptFunction


@pytest.fixture(scope="module")
def node():
    path = find_node()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("node missing in CI; .ci/run should install nodejs", pytrace=False)
        pytest.skip("no Node.js (apt-get install nodejs)")
    return path


@pytest.fixture(scope="module")
def fig():
    return likelihood_figure()


#: One-line slips in the printed JavaScript: (what the page holds, what it would hold instead, count).
PRINTED_SLIPS = {
    "loss-without-log-sigma": ("const ell_1 = Math.log(sigma) + ", "const ell_1 = "),
    "residual-sign-slip": ("(1/2)*Math.pow(6 - f, 2)", "(1/2)*Math.pow(6 + f, 2)"),
    "density-exponent-without-minus": ("Math.exp(-1/2*Math.pow(-f + y, 2)", "Math.exp(1/2*Math.pow(-f + y, 2)"),
}


def test_the_figure_is_on_the_losses_page_and_prints_the_recipes_expressions(fig):
    assert [f.id for f in interactive_for(["losses"])["losses"]] == ["fig-likelihood"]
    assert fig.topic == "losses" and [p["name"] for p in fig.config["params"]] == ["f", "sigma"]
    density, recipe = fig.functions
    assert (density.name, recipe.name) == (fig.config["density_fn"], fig.config["recipe"])
    y, f, sigma = density.args
    r = web_figures.checked_recipe("normal")
    mu, _ = r.parameters
    outputs = dict(zip(recipe.keys, recipe.outputs()))
    I = len(LIKELIHOOD_TARGETS)
    for i, t in enumerate(LIKELIHOOD_TARGETS):  # the recipe's density and per-sample loss at each target
        assert sp.simplify(outputs[f"p_{i + 1}"] - r.pmf.xreplace({y: t, mu: f})) == 0
        assert sp.simplify(outputs[f"ell_{i + 1}"] + sp.log(r.pmf.xreplace({y: t, mu: f}))) == 0
    assert sp.simplify(outputs["P"] - sp.Mul(*(outputs[f"p_{i + 1}"] for i in range(I)))) == 0
    assert fig.config["targets"] == [float(t) for t in LIKELIHOOD_TARGETS]
    assert fig.config["minimiser"] == sum(LIKELIHOOD_TARGETS) / I == 3.0


def test_the_printed_javascript_and_the_drawing_agree_with_sympy(node, fig):
    script = page_script([fig])
    result = readback(script, fig.functions, node=node)
    assert result.passed and result.points >= 40, (result.max_error, result.worst)
    rec = drawing_check(fig, script, node)
    assert rec["passed"] and rec["states"] == 6 and rec["points"] > 3000, rec


@pytest.mark.parametrize("slip", sorted(PRINTED_SLIPS))
def test_a_slip_in_the_printed_javascript_turns_both_records_red(node, fig, slip):
    old, new = PRINTED_SLIPS[slip]
    script = page_script([fig])
    assert script.count(old) == 1, old
    wrong = script.replace(old, new)
    assert not readback(wrong, fig.functions, node=node).passed, slip
    rec = drawing_check(fig, wrong, node)  # the drawing, against SymPy's own density, sees it too
    assert not rec["passed"] and rec["detail"].startswith("worst: "), rec


def test_the_captions_claims_are_proven(fig):
    records = [claim("", None) for claim in fig.claims]
    assert [r["id"] for r in records] == ["losses.web.negative-log-likelihood", "losses.web.nll-minimum"]
    assert all(r["passed"] and r["max_error"] == 0.0 for r in records), records
    text = re.sub(r"<[^>]+>", "", fig.caption)
    assert "the mean of the 3 targets, for every" in text and "proven" in text


def test_a_wrong_minimiser_fails_the_minimum_claim(fig):
    density, recipe = fig.functions
    _, f, sigma = density.args
    L = next(s for s, _ in recipe.body if str(s) == "L")
    targets = [sp.Integer(t) for t in LIKELIHOOD_TARGETS]
    for wrong in (sp.Integer(2), sp.Rational(10, 3)):  # the median; the mean plus a third
        rec = web_figures._minimum_claim(recipe, L, f, sigma, wrong, targets)("", None)
        assert not rec["passed"] and "stationary at [3]" in rec["detail"], wrong
    right = web_figures._minimum_claim(recipe, L, f, sigma, sp.Integer(3), targets)("", None)
    assert right["passed"]


def test_a_loss_that_is_not_minus_log_p_fails_the_claim(fig):
    """The per-sample loss without its log(sigma): L is then not -log P (nor is its minimiser
    claim affected, which is why both claims are kept)."""
    _, recipe = fig.functions
    P = next(s for s, _ in recipe.body if str(s) == "P")
    L = next(s for s, _ in recipe.body if str(s) == "L")
    sigma = recipe.args[1]
    body = tuple((s, e - sp.log(sigma) if str(s) == "ell_{1}" else e) for s, e in recipe.body)
    wrong = JavaScriptFunction(recipe.name, recipe.args, body, recipe.returns)
    rec = web_figures._negative_log_claim(wrong, P, L)("", None)
    assert not rec["passed"] and rec["detail"] == f"-log P - L = {sp.log(sigma)}"
    assert web_figures._negative_log_claim(recipe, P, L)("", None)["passed"]
