"""What is printed is what is checked: the web figures' JavaScript, run in Node.js, against SymPy.

Every function the interactive figures print (built as the site builds them:
``interactive_for`` and ``page_script``) is run in Node.js at random points and on both
sides of every kink and compared with SymPy's value of the expression it was printed from;
a wrong printer (``Math.exp`` for ``Math.log``, a dropped minus sign, ``>=`` for ``>``, the
branches of a conditional swapped) turns the read-back red. The gradient-descent caption's
threshold 2/lambda_max is checked against an independent eigenvalue (numpy) and by the
iterates of the page's own update.

Needs Node.js (``node``; Debian's ``nodejs``, which ``.ci/run`` installs); without it the
read-back tests skip, except in CI, where a missing ``node`` fails.
"""

import importlib
import math
import os
import random

import numpy as np
import pytest
import sympy as sp

from derivations.checks.javascript_readback import (FLOOR, JavaScriptError, find_node, kink_arguments, readback,
                                                    run_node, sample_points)
from derivations.documents.web import figures as web_figures
from derivations.documents.web.figures import (INTERACTIVE, descent_figure, descent_threshold, interactive_for,
                                               rounded, shallow_figure)
from derivations.documents.web.site import page_script, web_checks
from derivations.lecture import TOPICS
from symbolic.activations.functions import ReLU
from symbolic.core.javascript import JavaScriptFunction, JavaScriptPrinter
from symbolic.spec.tolerances import FLOAT64_RTOL
from symbolic.training.gradient_descent import lecture_linear_regression

jscode = importlib.import_module("sympy.printing.jscode")  # the module (the package's attribute is the function)


@pytest.fixture(scope="module")
def node():
    path = find_node()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("node missing in CI; .ci/run should install nodejs", pytrace=False)
        pytest.skip("no Node.js (apt-get install nodejs)")
    return path


def pages() -> list[tuple[str, list]]:
    """Each topic page's script and its figures, exactly as the site writes them."""
    return [(page_script(figs), figs) for figs in interactive_for(list(TOPICS)).values()]


def _step(fig):
    """The gradient-descent figure's printed update."""
    return next(f for f in fig.functions if f.name == fig.config["step"])


def test_every_figure_is_built_and_checked():
    kinds = sorted(fig.kind for _, figs in pages() for fig in figs)
    assert kinds == sorted(make().kind for make in INTERACTIVE) == ["activations", "descent", "likelihood", "regions",
                                                                      "shallow"]


def test_printed_javascript_reads_back(node):
    for script, figs in pages():
        for fig in figs:
            result = readback(script, fig.functions, node=node)
            assert result.passed, (fig.id, result.max_error, result.worst)
            assert result.max_error <= FLOAT64_RTOL and result.points >= 20 * len(fig.functions), fig.id
            if fig.kind in ("shallow", "activations"):  # ReLU, leaky ReLU, ELU, the indicator
                assert result.kinks > 0, fig.id


def test_points_cover_signs_magnitudes_and_both_sides_of_every_kink():
    forward = shallow_figure().functions[0]
    kinks = kink_arguments(forward)
    assert len(kinks) == 3  # one per hidden unit: theta_d0 + theta_d1 x
    points, at_kinks = sample_points(forward, random.Random(0))
    assert at_kinks == 5 * len(kinks)
    columns = np.array(points).T
    for arg, values in zip(forward.args, columns):
        assert (values > 0).any() and (values < 0).any(), arg
    magnitudes = np.log10(np.abs(np.concatenate(columns)))
    assert magnitudes.min() < -1 and magnitudes.max() > 1
    for g in kinks:
        f = sp.lambdify(forward.args, g)
        signs = {np.sign(f(*p)) for p in points[-at_kinks:]}
        assert {-1.0, 1.0} <= signs, g  # both sides of each kink (its own five points among them)
    step = _step(descent_figure())
    assert all(p[2] > 0 for p in sample_points(step, random.Random(1))[0])  # alpha is positive


def test_a_point_on_a_representable_kink_is_not_moved():
    z = sp.Symbol("z", real=True)
    points, at_kinks = sample_points(JavaScriptFunction.value("relu", [z], ReLU(z)), random.Random(0))
    assert at_kinks == 5 and [0.0] in points


def _mutated_readback(node) -> list[bool]:
    """Read-back verdicts of every figure, printed by whatever printer is in place now."""
    return [readback(script, fig.functions, node=node).passed for script, figs in pages() for fig in figs]


@pytest.mark.parametrize("mutation", ["exp-for-log", "minus-dropped", "greater-or-equal", "branches-swapped"])
def test_a_wrong_printer_turns_the_readback_red(node, monkeypatch, mutation):
    if mutation == "exp-for-log":
        monkeypatch.setitem(jscode.known_functions, "log", "Math.exp")
    elif mutation == "minus-dropped":
        original = JavaScriptPrinter._print_Mul
        monkeypatch.setattr(JavaScriptPrinter, "_print_Mul", lambda self, e: original(self, e).lstrip("-"))
    elif mutation == "greater-or-equal":
        original = JavaScriptPrinter._print_Relational
        monkeypatch.setattr(JavaScriptPrinter, "_print_Relational",
                            lambda self, e: original(self, e).replace(" > ", " >= "))
    else:
        def swapped(self, expr):
            text = self._print(expr.args[-1].expr)
            for e, c in reversed(expr.args[:-1]):
                text = f"(({self._print(c)}) ? ({text}) : ({self._print(e)}))"
            return text
        monkeypatch.setattr(JavaScriptPrinter, "_print_Piecewise", swapped)
    verdicts = _mutated_readback(node)
    assert not all(verdicts), mutation
    monkeypatch.undo()
    assert all(_mutated_readback(node))  # the same figures, printed rightly, pass


def test_greater_or_equal_is_seen_only_on_the_kink(node, monkeypatch):
    """``>=`` for ``>`` changes I[z > 0] only at z = 0: the kink's own point is what catches it."""
    z = sp.Symbol("z", real=True)
    step = JavaScriptFunction.value("step", [z], sp.diff(ReLU(z), z))
    original = JavaScriptPrinter._print_Relational
    monkeypatch.setattr(JavaScriptPrinter, "_print_Relational", lambda self, e: original(self, e).replace(">", ">="))
    result = readback(step.text, [step], node=node)
    assert not result.passed and result.worst.startswith("step(0.0)")


def test_a_script_that_does_not_run_is_an_error(node):
    with pytest.raises(JavaScriptError, match="defines no function"):
        run_node("function f(x) { return x; }", [{"fn": "g", "points": [[1.0]]}], node=node)
    with pytest.raises(JavaScriptError, match="SyntaxError"):
        run_node("function f(x) { return x; ", [{"fn": "f", "points": [[1.0]]}], node=node)


def test_non_finite_javascript_against_a_finite_value_fails(node):
    z = sp.Symbol("z", real=True)
    naive = JavaScriptFunction.value("softplus", [z], sp.log(1 + sp.exp(z)))
    result = readback(naive.text, [naive], node=node)
    assert result.passed  # |z| <= 100: no overflow
    big = run_node(naive.text, [{"fn": "softplus", "points": [[800.0]]}], node=node)[0][0]
    assert math.isinf(big)  # JavaScript overflows where SymPy gives 800: an error of inf, not a pass
    assert FLOOR * FLOAT64_RTOL == pytest.approx(1e-15)


def test_web_checks_record_every_figure(node):
    interactive = interactive_for(list(TOPICS))
    records, evidence = web_checks(interactive, node)
    assert all(r["passed"] for r in records), [r for r in records if not r["passed"]]
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    assert {f"{fig.topic}.web.javascript-{fig.kind}" for figs in interactive.values() for fig in figs} <= set(ids)
    for figs in interactive.values():
        for fig in figs:
            assert "run in Node.js" in evidence[fig.id] and "verification.html#" in evidence[fig.id]


def test_without_node_the_build_says_so_and_still_checks_the_captions():
    interactive = interactive_for(list(TOPICS))
    records, evidence = web_checks(interactive, None)
    assert not any(r["kind"] == "javascript" for r in records)
    assert all(r["passed"] for r in records) and "gradient_descent.web.threshold" in {r["id"] for r in records}
    assert all("was not evaluated" in text for text in evidence.values())
    threshold = next(r for r in records if r["id"] == "gradient_descent.web.threshold")
    assert "lambdified" in threshold["method"]


# ----- the gradient-descent caption ----------------------------------------------------------


def test_descent_caption_threshold_is_two_over_the_largest_eigenvalue():
    ex = lecture_linear_regression()
    x = np.array([float(v) for v in ex.x])
    hessian = 2 * np.array([[len(x), x.sum()], [x.sum(), (x * x).sum()]])  # of sum_i (phi_0 + phi_1 x_i - y_i)^2
    lam_max = np.linalg.eigvalsh(hessian).max()
    lam, threshold = descent_threshold(ex)
    assert float(lam) == pytest.approx(lam_max, rel=1e-15) and float(threshold) == pytest.approx(2 / lam_max, rel=1e-15)
    assert rounded(lam) == "33.62" and rounded(threshold) == "0.05949"
    caption = descent_figure().caption
    assert "0.05949" in caption and "33.62" in caption and "0.13" not in caption


def test_descent_claims_pass_and_a_wrong_threshold_fails():
    fig = descent_figure()
    script = page_script([fig])
    node = find_node()
    assert all(claim(script, node)["passed"] for claim in fig.claims)
    ex = lecture_linear_regression()
    step = _step(fig)
    for wrong in (sp.Rational(13, 100), sp.Rational(1, 20)):  # the old caption's 0.13; the lecture's 0.05
        record = web_figures._threshold_claim(ex, step, wrong)(script, node)
        assert not record["passed"], wrong


def test_a_caption_form_that_is_not_every_units_fails():
    fig = shallow_figure()
    net, _ = web_figures.lecture_1_3_1()
    theta_d = web_figures._general("theta", 2)
    joints = web_figures.shallow_joint_expressions(net)
    claim = web_figures._general_form_claim
    right = claim("shallow", "joints", "joint", -theta_d[0] / theta_d[1], theta_d, net, joints)
    wrong = claim("shallow", "joints", "joint", theta_d[0] / theta_d[1], theta_d, net, joints)
    assert right("", None)["passed"] and not wrong("", None)["passed"]
    assert fig.claims[0]("", None)["passed"]


def test_a_site_built_without_node_says_so(tmp_path, monkeypatch):
    """write_site on a one-topic site with the gradient-descent figure: without Node.js the
    caption and the verification page say the JavaScript was not evaluated, the caption's
    claims are still checked, and a failed web check is among the caller's records."""
    from derivations.documents.web import site
    from derivations.topics.topic import TopicResult

    topic = TopicResult("gradient_descent", "Gradient descent", "\\section{Gradient descent}\nText.")
    monkeypatch.setattr(site, "find_node", lambda: None)
    records: list[dict] = []
    site.write_site(tmp_path, [topic], records)
    page = (tmp_path / "html" / "gradient_descent.html").read_text()
    assert "was not evaluated" in page and "was not evaluated" in (tmp_path / "html" / "verification.html").read_text()
    assert {r["id"] for r in records} == {"gradient_descent.web.lambda-max", "gradient_descent.web.threshold",
                                          "gradient_descent.web.html-readback"}
    assert all(r["passed"] for r in records)
    assert "0.05949" in page and "0.13" not in page
    step = _step(descent_figure())
    wrong = web_figures._threshold_claim(lecture_linear_regression(), step, sp.Rational(13, 100))
    fig = descent_figure()
    fig.claims = (wrong,)
    monkeypatch.setattr(site, "interactive_for", lambda slugs: {"gradient_descent": [fig]})
    records = []
    site.write_site(tmp_path / "wrong", [topic], records)
    assert [r["passed"] for r in records if r["kind"] == "caption"] == [False]
    assert "FAILED" in (tmp_path / "wrong" / "html" / "gradient_descent.html").read_text()
