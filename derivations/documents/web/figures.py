"""Interactive figures of the web notes, computed by the derived expressions.

Each figure is the lecture's library example (the 1-3-1 network, the activation classes,
the 1-D regression loss, a 2-3-1 network) whose SymPy expressions are printed to
JavaScript by :mod:`symbolic.core.javascript`; the page's script (``assets/figures.js`` beside this module)
only draws: it evaluates the printed functions and never restates a formula. Nothing is
loaded from outside the page's folder.

A figure keeps the printed functions as objects (:class:`~symbolic.core.javascript.JavaScriptFunction`,
the text and the SymPy expressions it was printed from), so the web build can run the
page's text in Node.js against SymPy (:mod:`derivations.checks.javascript_readback`). Every
number and formula in a caption is a field of a computed object, and each one that is a
claim carries its check (``Interactive.claims``): the joints' and pre-activations' general
form against every unit, the learning rate above which gradient descent diverges against
the iterates of the page's own update.

>>> fig = shallow_figure()
>>> fig.topic, [p["name"] for p in fig.config["params"]][:2]
('shallow', ['theta_1_0', 'theta_1_1'])
>>> "function shallow_forward(x, theta_1_0" in fig.script
True
>>> lam, threshold = descent_threshold()
>>> print(latex(lam), rounded(lam), rounded(threshold))
2 \\sqrt{61} + 18 33.62 0.05949
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import sympy as sp

from derivations.checks.javascript_readback import JavaScriptError, iterate
from derivations.checks.verdicts import record
from symbolic.activations.functions import activation
from symbolic.losses.recipes import checked_recipe
from symbolic.training.gradient_descent import (LinearRegression, alpha, least_squares_loss,
                                                lecture_linear_regression, phi_0, phi_1)
from symbolic.core.javascript import JavaScriptFunction, NotPrintable
from symbolic.networks.network import lecture_1_3_1, shallow_network
from symbolic.regions.counts import max_regions
from symbolic.core.printing import identifier, latex
from symbolic.spec import ACTIVATIONS

from derivations.documents.web.tex import math_html

__all__ = ["Interactive", "INTERACTIVE", "shallow_figure", "activations_figure", "descent_figure",
           "regions_figure", "likelihood_figure", "interactive_for", "shallow_joint_expressions",
           "descent_threshold", "rounded", "DESCENT_MARGIN", "DESCENT_STEPS", "LIKELIHOOD_TARGETS"]

#: A check of a caption's claim: ``check(script, node)`` is a verification record (``script``
#: the page's JavaScript, ``node`` the Node.js executable or None).
Claim = Callable[[str, "str | None"], dict]

#: Learning rates 1 - DESCENT_MARGIN and 1 + DESCENT_MARGIN times 2/lambda_max, iterated
#: DESCENT_STEPS times: |1 - alpha lambda_max| = 1 -+ 2 DESCENT_MARGIN, so the distance to the
#: minimum shrinks or grows by about 0.98^3000 ~ 1e-26 or 1.02^3000 ~ 1e26.
DESCENT_MARGIN = sp.Rational(1, 100)
DESCENT_STEPS = 3000


@dataclass
class Interactive:
    """A figure: the topic page it belongs on, its caption, the printed functions, the
    configuration handed to the drawing code (``DD.<kind>(id, config)``) and the checks of
    its caption's claims."""

    id: str
    kind: str
    topic: str
    caption: str  # HTML
    functions: tuple[JavaScriptFunction, ...]  # printed from SymPy; their text is the page's
    config: dict
    claims: tuple[Claim, ...] = field(default=())

    @property
    def script(self) -> str:
        """The JavaScript functions printed from SymPy, as the page holds them."""
        return "\n".join(f.text for f in self.functions)

    def html(self, evidence: str = "") -> str:
        """The figure's HTML; ``evidence`` (HTML) closes its caption."""
        caption = self.caption + (" " + evidence if evidence else "")
        return (f'<figure class="interactive" id="{self.id}" data-kind="{self.kind}">'
                f'<div class="controls"></div><div class="plot"></div><div class="readout"></div>'
                f'<figcaption>{caption}</figcaption></figure>')

    def javascript(self) -> str:
        return f"{self.script}\nDD.{self.kind}({json.dumps(self.id)}, {json.dumps(self.config)});"


def rounded(value: sp.Expr, digits: int = 4) -> str:
    """A computed number as a caption prints it: ``digits`` significant digits."""
    return f"{float(value):.{digits}g}"


def _slider(symbol: sp.Symbol, value: sp.Expr, lo: float, hi: float, step: float) -> dict:
    return {"name": identifier(symbol), "label": math_html(latex(symbol)), "min": lo, "max": hi, "step": step,
            "value": float(value)}


def _general(name: str, n: int) -> list[sp.Symbol]:
    """Unit d's parameters in general, ``theta_{d0}, ..., theta_{d,n-1}`` (a caption's form)."""
    return [sp.Symbol(f"{name}_{{d{i}}}", real=True) for i in range(n)]


def _general_form_claim(topic: str, key: str, what: str, general: sp.Expr, theta_d: Sequence[sp.Symbol],
                        net, units: Sequence[sp.Expr]) -> Claim:
    """The caption's general form of a per-unit expression, unit d's parameters put in, is
    each unit's expression (the difference expands to 0)."""
    def check(script: str, node: str | None) -> dict:
        wrong = [d + 1 for d, unit in enumerate(units)
                 if sp.expand(general.xreplace(dict(zip(theta_d, net.theta.row(d)))) - unit) != 0]
        return record(f"web figure: the caption's {what} ${latex(general)}$ is every unit's, $d = 1, \\dots, {net.D}$",
                      "caption", 0.0 if not wrong else math.inf, not wrong,
                      "symbolic (unit d's parameters put into the caption's form; the difference expands to 0)",
                      id=f"{topic}.web.{key}", topic=topic, **({"detail": f"not unit(s) {wrong}"} if wrong else {}))
    return check


def _network_name(net) -> str:
    """``1-3-1 ReLU network``: the widths and activation of the network's spec."""
    return f"{'-'.join(str(w) for w in net.spec.widths)} {net.spec.activation_entry.title} network"


def _weighted(phi_d: sp.Expr, h_d: sp.Expr) -> sp.Expr:
    """A hidden unit's contribution to the output, phi_d h_d (the figure and its caption)."""
    return phi_d * h_d


def shallow_joint_expressions(net=None) -> list[sp.Expr]:
    """The joints x = -theta_{d0}/theta_{d1}: each hidden unit's pre-activation solved for x."""
    net = net or lecture_1_3_1()[0]
    x = net.inputs[0]
    return [sp.solve(sp.Eq(e.args[0], 0), x)[0] for _, e in net.program[:net.D]]


def shallow_figure() -> Interactive:
    """(1) The 1-3-1 network: a slider per theta and phi; output, weighted units, joints."""
    net, values = lecture_1_3_1()
    x = net.inputs[0]
    params = net.parameter_symbols
    weighted = [(sp.Symbol(f"w_{{{d + 1}}}"), _weighted(net.phi[0, d + 1], h)) for d, h in enumerate(net.h)]
    forward = JavaScriptFunction.program("shallow_forward", [x, *params], net.program + weighted, net.outputs)
    joints = shallow_joint_expressions(net)
    joint_fn = JavaScriptFunction.array("shallow_joints", params, joints)
    config = {
        "params": [_slider(p, values[p], -2.0, 2.0, 0.05) for p in params],
        "x": [-0.5, 2.5], "y": [-1.5, 2.5], "probe": 1.3,
        "units": [identifier(h) for h in net.h], "weighted": [identifier(w) for w, _ in weighted],
        "output": identifier(net.outputs[0]),
        "unit_labels": [math_html(latex(w_e)) for _, w_e in weighted],
        "forward": "shallow_forward", "joints": "shallow_joints",
    }
    theta_d = _general("theta", 2)
    joint = -theta_d[0] / theta_d[1]
    caption = (f"The lecture's {_network_name(net)}. Move a slider: the output " + math_html(latex(net.outputs[0]))
               + " (black), the weighted hidden units "
               + math_html(latex(_weighted(sp.Symbol("phi_{d}", real=True), sp.Symbol("h_{d}", real=True))))
               + " (coloured) and the joints " + math_html(latex(sp.Eq(x, joint)))
               + " (dots) are recomputed from the network's derived equations, printed to JavaScript by SymPy.")
    claims = (_general_form_claim("shallow", "joints", "joint", joint, theta_d, net, joints),)
    return Interactive("fig-shallow", "shallow", "shallow", caption, (forward, joint_fn), config, claims)


#: The activation figure's variable and the point of its tangent.
z, z_0 = sp.Symbol("z", real=True), sp.Symbol("z_0", real=True)


def tangent_line(expr: sp.Expr) -> sp.Expr:
    """The tangent of ``a[z]`` at ``z_0``: ``a[z_0] + a'[z_0] (z - z_0)``, a function of z and z_0."""
    return expr.subs(z, z_0) + sp.diff(expr, z).subs(z, z_0) * (z - z_0)


def activations_figure() -> Interactive:
    """(2) Every activation a[z] and its derived derivative a'[z], with a tangent at z_0."""
    entries, functions, skipped = [], [], []
    for name in ACTIVATIONS:
        expr = activation(name)(z)
        slope = sp.diff(expr, z)
        key = re.sub(r"\W", "_", name)  # a JavaScript identifier (a registered name may hold '-')
        trio = (JavaScriptFunction.value(f"act_{key}", [z], expr), JavaScriptFunction.value(f"dact_{key}", [z], slope),
                JavaScriptFunction.value(f"tan_{key}", [z, z_0], tangent_line(expr)))
        try:
            for f in trio:
                f.text  # noqa: B018 - printing is what may fail
        except NotPrintable as exc:
            skipped.append(f"{name} (JavaScript has no {exc.function})")  # GELU: erf
            continue
        functions += trio
        entries.append({"name": name, "fn": f"act_{key}", "dfn": f"dact_{key}", "tfn": f"tan_{key}"})
    config = {"activations": entries, "z": [-4.0, 4.0], "y": [-1.5, 3.0], "z0": 0.5, "tangent_halfwidth": 1.2}
    a_0, slope_0 = sp.Symbol(r"\mathrm{a}[z_{0}]", real=True), sp.Symbol(r"\mathrm{a}'[z_{0}]", real=True)
    general = a_0 + slope_0 * (z - z_0)
    caption = ("An activation " + math_html(r"\mathrm{a}[z]") + " (solid), its derivative "
               + math_html(r"\mathrm{a}'[z]") + " derived by SymPy (dashed) and the tangent "
               + math_html(latex(general)) + ", all three printed to JavaScript.")
    if skipped:
        caption += " Not shown: " + ", ".join(skipped) + "."
    tangents = functions[2::3]
    claims = (_tangent_claim(general, a_0, slope_0, [e["name"] for e in entries], tangents),)
    return Interactive("fig-activations", "activations", "activations", caption, tuple(functions), config, claims)


def _tangent_claim(general: sp.Expr, a_0: sp.Symbol, slope_0: sp.Symbol, names: Sequence[str],
                   tangents: Sequence[JavaScriptFunction]) -> Claim:
    """The caption's tangent, each activation's a[z_0] and a'[z_0] put in, is the tangent the
    page prints for it (the difference expands to 0)."""
    def check(script: str, node: str | None) -> dict:
        wrong = []
        for name, fn in zip(names, tangents):
            expr = activation(name)(z)
            put = general.xreplace({a_0: expr.subs(z, z_0), slope_0: sp.diff(expr, z).subs(z, z_0)})
            if sp.expand(put - fn.outputs()[0]) != 0:
                wrong.append(name)
        return record(f"web figure: the caption's tangent ${latex(general)}$ is the printed tangent of each of the "
                      f"{len(names)} activations shown", "caption", 0.0 if not wrong else math.inf, not wrong,
                      "symbolic (each activation's value and derivative at z_0 put into the caption's form; the "
                      "difference from the printed function's expression expands to 0)",
                      id="activations.web.tangent", topic="activations",
                      **({"detail": f"not the tangent of {', '.join(wrong)}"} if wrong else {}))
    return check


def descent_threshold(ex: LinearRegression | None = None) -> tuple[sp.Expr, sp.Expr]:
    r"""The largest eigenvalue lambda_max of the Hessian of L[phi] = sum_i (phi_0 + phi_1 x_i - y_i)^2,
    exactly, and 2/lambda_max: gradient descent with a learning rate above it diverges.

    L is quadratic, so phi^{[t]} - phi* = (1 - alpha H)^t (phi^{[0]} - phi*), which shrinks for
    every start when |1 - alpha lambda| < 1 for both eigenvalues, that is 0 < alpha < 2/lambda_max.

    >>> lam, threshold = descent_threshold()
    >>> print(latex(threshold))
    \frac{2}{2 \sqrt{61} + 18}
    """
    ex = ex or lecture_linear_regression()
    H = sp.hessian(least_squares_loss(ex.x, ex.y), (phi_0, phi_1))
    lam = max(H.eigenvals(), key=lambda e: sp.N(e, 30))
    return lam, 2 / lam


def _lambda_max_claim(ex: LinearRegression, lam: sp.Expr) -> Claim:
    def check(script: str, node: str | None) -> dict:
        H = sp.hessian(least_squares_loss(ex.x, ex.y), (phi_0, phi_1))
        lam_ = sp.Symbol("lambda")
        roots = sp.Poly((H - lam_ * sp.eye(2)).det(), lam_).all_roots()
        ok = sp.expand((H - lam * sp.eye(2)).det()) == 0 and all(sp.N(r - lam, 30) <= 0 for r in roots)
        return record(f"web figure: the largest eigenvalue of the Hessian of the loss is $\\lambda_{{\\max}} = "
                      f"{latex(lam)} \\approx {rounded(lam)}$", "caption", 0.0 if ok else math.inf, ok,
                      "exact (det(H - lambda I) = 0 in SymPy's algebraic numbers; no root of the characteristic "
                      "polynomial is larger)", id="gradient_descent.web.lambda-max", topic="gradient_descent")
    return check


def _threshold_claim(ex: LinearRegression, update: JavaScriptFunction, threshold: sp.Expr) -> Claim:
    """Iterates of the page's update just below 2/lambda_max converge, just above it diverge."""
    rates = [float(threshold * (1 - DESCENT_MARGIN)), float(threshold * (1 + DESCENT_MARGIN))]
    start = [float(v) for v in ex.start]
    grad = [sp.diff(least_squares_loss(ex.x, ex.y), p) for p in (phi_0, phi_1)]
    minimum = sp.solve(grad, (phi_0, phi_1))
    best = [float(minimum[phi_0]), float(minimum[phi_1])]

    def run_update(script: str, node: str | None, rate: float) -> list[float]:
        if node:  # the page's own text
            return iterate(script, update.name, start, [rate], DESCENT_STEPS, node=node)
        step = sp.lambdify(update.args, update.outputs())  # the expressions it was printed from
        phi = start
        for _ in range(DESCENT_STEPS):
            phi = step(*phi, rate)
        return phi

    def check(script: str, node: str | None) -> dict:
        d0 = math.dist(start, best)
        try:
            below, above = (math.dist(run_update(script, node, r), best) / d0 for r in rates)
        except (JavaScriptError, OverflowError) as exc:
            below, above = math.inf, math.inf
            failure = str(exc)
        else:
            failure = ""
        ok = below <= 1e-9 and not above <= 1e9  # inf and nan count as diverged
        margin = f"{float(DESCENT_MARGIN):.0%}"
        engine = (f"the page's {update.name} run in Node.js" if node
                  else f"{update.name}'s SymPy expressions lambdified to Python floats (Node.js not found)")
        rec = record(f"web figure: gradient descent from $\\boldsymbol\\phi^{{[0]}}$ converges with "
                     f"$\\alpha$ {margin} below $2/\\lambda_{{\\max}} \\approx {rounded(threshold)}$ and diverges "
                     f"{margin} above it",
                     "caption", below, ok,
                     f"{engine}, {DESCENT_STEPS} steps at each rate (converged: distance to the minimum under 1e-9 "
                     "of the start's; diverged: over 1e9 of it; the error shown is the converged one)",
                     id="gradient_descent.web.threshold", topic="gradient_descent", distance_above=above)
        # the detail prints the very numbers the verdict used: the record's own fields
        rec["detail"] = failure or (f"distance to the minimum over the start's: {rec['max_error']:.1e} at the lower "
                                    f"rate, {rec['distance_above']:.1e} at the higher")
        return rec
    return check


def descent_figure() -> Interactive:
    """(3) Gradient descent on the 1-D least-squares loss, with a learning-rate slider."""
    ex = lecture_linear_regression()
    x = sp.Symbol("x", real=True)
    L = least_squares_loss(ex.x, ex.y)
    update = [phi_0 - alpha * sp.diff(L, phi_0), phi_1 - alpha * sp.diff(L, phi_1)]
    step = JavaScriptFunction.array("descent_step", [phi_0, phi_1, alpha], update)
    functions = (
        JavaScriptFunction.value("descent_loss", [phi_0, phi_1], L),
        JavaScriptFunction.value("descent_log_loss", [phi_0, phi_1], sp.log(L)),  # the heat map's levels
        step,
        JavaScriptFunction.value("descent_model", [x, phi_0, phi_1], phi_0 + phi_1 * x),
    )
    config = {
        "params": [{"name": "alpha", "label": math_html(r"\alpha"), "min": 0.005, "max": 0.16, "step": 0.005,
                    "value": float(ex.alpha)},
                   {"name": "steps", "label": "steps", "min": 1, "max": 100, "step": 1, "value": 60}],
        "start": [float(v) for v in ex.start], "data": [[float(a), float(b)] for a, b in zip(ex.x, ex.y)],
        "phi0": [-1.0, 3.0], "phi1": [-1.5, 2.0], "x": [-0.5, 3.5], "y": [-1.5, 4.0],
        "loss": "descent_loss", "log_loss": "descent_log_loss", "step": "descent_step", "model": "descent_model",
    }
    lam, threshold = descent_threshold(ex)
    margin = f"{float(DESCENT_MARGIN):.0%}"
    evidence = (f"checked by running the page's update {DESCENT_STEPS} steps at {margin} below and {margin} "
                "above it")
    config["threshold"] = float(threshold)
    config["words"] = {"below": f"α below 2/λ<sub>max</sub> ≈ {rounded(threshold)}: the iterates converge",
                       "above": f"α above 2/λ<sub>max</sub> ≈ {rounded(threshold)}: the iterates diverge"}
    start = ", ".join(latex(v) for v in ex.start)
    caption = ("Gradient descent " + math_html(r"\boldsymbol\phi \leftarrow \boldsymbol\phi - \alpha\, "
                                               r"\partial L/\partial \boldsymbol\phi")
               + f" on the least-squares loss of the lecture's {ex.I} points, from "
               + math_html(rf"\boldsymbol\phi^{{[0]}} = ({start})") + ". The loss, its gradient and the update are "
               "SymPy's, printed to JavaScript. The Hessian of the loss has largest eigenvalue "
               + math_html(rf"\lambda_{{\max}} = {latex(lam)} \approx {rounded(lam)}")
               + " (exact): the iterates converge for learning rates below "
               + math_html(rf"2/\lambda_{{\max}} \approx {rounded(threshold)}") + f" and diverge above it ({evidence}).")
    claims = (_lambda_max_claim(ex, lam), _threshold_claim(ex, step, threshold))
    return Interactive("fig-descent", "descent", "gradient_descent", caption, functions, config, claims)


def regions_figure() -> Interactive:
    """(4) The linear regions of a 2-3-1 ReLU network: each colour one pattern of active units."""
    net = shallow_network(2, 3, 1, "relu")
    R = sp.Rational
    start = [[R(1, 5), R(1), R(-1, 2)], [R(-3, 10), R(2, 5), R(1)], [R(1, 2), R(-1), R(-4, 5)]]
    values = {net.theta[d, i]: start[d][i] for d in range(3) for i in range(3)}
    f = [sp.Symbol(f"f_{{{d + 1}}}") for d in range(net.D)]
    s = [sp.Symbol(f"s_{{{d + 1}}}") for d in range(net.D)]  # a'[f_d]: the unit's slope, its pattern bit
    pre = [(f[d], e.args[0]) for d, (_, e) in enumerate(net.program[:net.D])]
    a = net.spec.activation_entry
    u = sp.Symbol("u", real=True)
    slope = sp.diff(activation(a.name)(u), u)
    slopes = [(s[d], slope.subs(u, f[d])) for d in range(net.D)]
    thetas = list(net.theta)
    functions = (JavaScriptFunction.program("regions_pre", [*net.inputs, *thetas], pre + slopes, f + s),)
    config = {"params": [_slider(t, values[t], -1.5, 1.5, 0.05) for t in thetas],
              "x": [-3.0, 3.0], "cells": 90, "pre": "regions_pre", "units": [identifier(v) for v in f],
              "slopes": [identifier(v) for v in s],
              "max_regions": max_regions(net.spec.widths)}  # Zaslavsky's count, the library's
    theta_d = _general("theta", net.D_i + 1)
    general = theta_d[0] + sum(t * xi for t, xi in zip(theta_d[1:], net.inputs))
    lo, hi = (latex(sp.nsimplify(v)) for v in config["x"])
    caption = (f"The linear regions of a {_network_name(net)} over " + math_html(rf"[{lo}, {hi}]^{{{net.D_i}}}")
               + ": each colour is one pattern of active hidden units, from the pre-activations "
               + math_html(latex(general)) + " and the slopes " + math_html(r"\mathrm{a}'[f_d]")
               + f" (a pattern: which slopes are nonzero), printed to JavaScript. {net.D} lines in general position make at most "
               + f"{config['max_regions']} regions; the count shown is of the patterns seen on the grid "
               "(a lower bound).")
    claims = (_general_form_claim("piecewise_linear", "pre-activations", "pre-activation", general, theta_d, net,
                                  [e for _, e in pre]),)
    return Interactive("fig-regions", "regions", "piecewise_linear", caption, functions, config, claims)


#: The targets of the losses topic's worked example of the normal loss (one predicted mean for
#: all three): the maximum-likelihood figure's data.
LIKELIHOOD_TARGETS = (1, 2, 6)


def likelihood_figure() -> Interactive:
    r"""(5) The maximum-likelihood recipe of the normal model (the losses topic's recipe): the
    prediction f = mu and sigma on sliders; the density N(y; f, sigma^2), its values p_i at the
    targets (the likelihood's terms), their product P and the negative log-likelihood L, the
    sum of the recipe's per-sample losses, against f."""
    r = checked_recipe("normal")
    mu, sigma = r.parameters
    y, f = r.target, r.outputs[0]
    density = r.pmf.xreplace(r.link)  # N(y; f, sigma^2): the recipe's density, its mean linked to f
    targets = [sp.Integer(t) for t in LIKELIHOOD_TARGETS]
    I = len(targets)
    p = [sp.Symbol(f"p_{{{i + 1}}}", positive=True) for i in range(I)]
    ell = [sp.Symbol(f"ell_{{{i + 1}}}", real=True) for i in range(I)]
    P, L = sp.Symbol("P", positive=True), sp.Symbol("L", real=True)
    program = ([(p_i, density.xreplace({y: t})) for p_i, t in zip(p, targets)] + [(P, sp.Mul(*p))]
               + [(l_i, r.per_sample_loss.xreplace({y: t})) for l_i, t in zip(ell, targets)] + [(L, sp.Add(*ell))])
    recipe = JavaScriptFunction.program("likelihood_recipe", [f, sigma], program, [*p, P, *ell, L])
    functions = (JavaScriptFunction.value("likelihood_density", [y, f, sigma], density), recipe)
    mean = sp.Add(*targets) / I
    config = {
        "params": [{**_slider(f, 1.5, -1.0, 7.0, 0.05), "label": math_html(latex(sp.Eq(mu, f)))},
                   _slider(sigma, 1.5, 0.5, 3.0, 0.05)],
        "targets": [float(t) for t in targets], "y": [-2.0, 9.0], "density": [0.0, 0.85],
        "f": [-1.0, 7.0], "nll": [0.0, 40.0], "minimiser": float(mean),
        "density_fn": "likelihood_density", "recipe": "likelihood_recipe",
        "term_keys": [identifier(v) for v in p], "likelihood_key": identifier(P), "loss_key": identifier(L),
        "term_labels": [math_html(latex(v)) for v in p],
        "likelihood_label": math_html(latex(P)), "loss_label": math_html(latex(L)),
    }
    shown = ", ".join(latex(t) for t in targets)
    caption = ("The maximum-likelihood recipe for the normal model, on the losses topic's targets "
               + math_html(f"{latex(sp.Symbol('y_{i}', real=True))} = {shown}") + ". Move the prediction " + math_html(latex(sp.Eq(mu, f)))
               + " or " + math_html(latex(sigma)) + ": the density " + math_html(latex(density))
               + " (left) is evaluated at each target (stems): the likelihood's terms "
               + math_html(", ".join(latex(v) for v in p)) + ", whose product is the likelihood "
               + math_html(latex(sp.Eq(P, sp.Mul(*p))))
               + "; the negative log-likelihood " + math_html(f"{latex(L)} = {latex(-sp.log(P))} = "
                                                             f"{latex(sp.Add(*ell))}")
               + ", the sum of the recipe's per-sample losses " + math_html(latex(sp.Eq(ell[0], recipe.outputs()[I + 1])))
               + ", ..., is drawn against " + math_html(latex(f)) + " for the current " + math_html(latex(sigma))
               + " (right). Density, terms, likelihood and loss are the recipe's SymPy expressions, printed to "
               "JavaScript. The negative log-likelihood is smallest at " + math_html(latex(sp.Eq(f, mean)))
               + f", the mean of the {I} targets, for every " + math_html(latex(sigma))
               + " (dashed line; proven: the derivative in " + math_html(latex(f))
               + " vanishes only there, with " + math_html(latex(sigma)) + " a symbol, and the second derivative is "
               "positive).")
    claims = (_negative_log_claim(recipe, P, L), _minimum_claim(recipe, L, f, sigma, mean, targets))
    return Interactive("fig-likelihood", "likelihood", "losses", caption, functions, config, claims)


def _negative_log_claim(recipe: JavaScriptFunction, P: sp.Symbol, L: sp.Symbol) -> Claim:
    """The caption's L = -log P: the printed loss is the negative logarithm of the printed
    likelihood (the difference, logarithms expanded, simplifies to 0)."""
    def check(script: str, node: str | None) -> dict:
        out = dict(zip((s for s, _ in recipe.body), recipe.outputs()))
        diff = sp.simplify(sp.expand_log(-sp.log(out[P]) - out[L], force=False))
        ok = diff == 0
        return record(f"web figure: the negative log-likelihood ${latex(L)}$ of the printed figure is "
                      f"${latex(-sp.log(P))}$ of its printed likelihood ${latex(P)}$", "caption", 0.0 if ok else math.inf,
                      ok, "symbolic (the logarithm of the product expanded; the difference simplifies to 0)",
                      id="losses.web.negative-log-likelihood", topic="losses",
                      **({} if ok else {"detail": f"-log P - L = {diff}"}))
    return check


def _minimum_claim(recipe: JavaScriptFunction, L: sp.Symbol, f: sp.Symbol, sigma: sp.Symbol, minimiser: sp.Expr,
                   targets: Sequence[sp.Expr]) -> Claim:
    """The caption's minimiser: the printed loss's derivative in f vanishes there and nowhere
    else, sigma a symbol; the second derivative is positive; it is the mean of the targets."""
    def check(script: str, node: str | None) -> dict:
        loss = dict(zip((s for s, _ in recipe.body), recipe.outputs()))[L]
        slope = sp.diff(loss, f)
        stationary = sp.solve(slope, f)
        curvature = sp.simplify(sp.diff(loss, f, 2))
        mean = sp.Add(*targets) / len(targets)
        ok = stationary == [minimiser] and bool(curvature.is_positive) and sp.simplify(minimiser - mean) == 0
        return record(f"web figure: the negative log-likelihood of the targets ${', '.join(latex(t) for t in targets)}$ "
                      f"is smallest at ${latex(sp.Eq(f, minimiser))}$, their mean, for every ${latex(sigma)}$",
                      "caption", 0.0 if ok else math.inf, ok,
                      "symbolic (the derivative in f solved with sigma a positive symbol: one root; the second "
                      "derivative positive)", id="losses.web.nll-minimum", topic="losses",
                      **({} if ok else {"detail": f"stationary at {stationary}, second derivative {curvature}, "
                                                  f"mean {mean}"}))
    return check


#: The interactive figures, in the lecture's order of their topics.
INTERACTIVE: tuple[Callable[[], Interactive], ...] = (shallow_figure, activations_figure, regions_figure,
                                                      descent_figure, likelihood_figure)


def interactive_for(topics: list[str]) -> dict[str, list[Interactive]]:
    """The figures whose topic is among ``topics``, by topic."""
    out: dict[str, list[Interactive]] = {}
    for make in INTERACTIVE:
        fig = make()
        if fig.topic in topics:
            out.setdefault(fig.topic, []).append(fig)
    return out
