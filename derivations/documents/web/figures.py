"""Interactive figures of the web notes, computed by the derived expressions.

Each figure is the lecture's library example (the 1-3-1 network, the activation classes,
the 1-D regression loss, a 2-3-1 network) whose SymPy expressions are printed to
JavaScript by :mod:`symbolic.core.javascript`; the page's script (``assets/figures.js`` beside this module)
only draws: it evaluates the printed functions and never restates a formula. Nothing is
loaded from outside the page's folder.

>>> fig = shallow_figure()
>>> fig.topic, [p["name"] for p in fig.config["params"]][:2]
('shallow', ['theta_1_0', 'theta_1_1'])
>>> "function shallow_forward(x, theta_1_0" in fig.script
True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from symbolic.activations.functions import activation
from symbolic.training.gradient_descent import alpha, least_squares_loss, lecture_linear_regression, phi_0, phi_1
from symbolic.core.javascript import javascript, javascript_function, javascript_program
from symbolic.networks.network import lecture_1_3_1, shallow_network
from symbolic.core.printing import identifier, latex
from symbolic.spec import ACTIVATIONS

from derivations.documents.web.tex import math_html

__all__ = ["Interactive", "INTERACTIVE", "shallow_figure", "activations_figure", "descent_figure",
           "regions_figure", "interactive_for", "shallow_joint_expressions"]


@dataclass
class Interactive:
    """A figure: the topic page it belongs on, its caption, the printed functions and the
    configuration handed to the drawing code (``DD.<kind>(id, config)``)."""

    id: str
    kind: str
    topic: str
    caption: str  # HTML
    script: str  # JavaScript functions printed from SymPy
    config: dict

    def html(self) -> str:
        return (f'<figure class="interactive" id="{self.id}" data-kind="{self.kind}">'
                f'<div class="controls"></div><div class="plot"></div><div class="readout"></div>'
                f'<figcaption>{self.caption}</figcaption></figure>')

    def javascript(self) -> str:
        return f"{self.script}\nDD.{self.kind}({json.dumps(self.id)}, {json.dumps(self.config)});"


def _slider(symbol: sp.Symbol, value: sp.Expr, lo: float, hi: float, step: float) -> dict:
    return {"name": identifier(symbol), "label": math_html(latex(symbol)), "min": lo, "max": hi, "step": step,
            "value": float(value)}


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
    weighted = [(sp.Symbol(f"w_{{{d + 1}}}"), net.phi[0, d + 1] * h) for d, h in enumerate(net.h)]
    forward = javascript_program("shallow_forward", [x, *params], net.program + weighted, net.outputs)
    joints = shallow_joint_expressions(net)
    joint_js = (f"function shallow_joints({', '.join(identifier(p) for p in params)}) "
                f"{{ return [{', '.join(javascript(j) for j in joints)}]; }}")
    config = {
        "params": [_slider(p, values[p], -2.0, 2.0, 0.05) for p in params],
        "x": [-0.5, 2.5], "y": [-1.5, 2.5], "probe": 1.3,
        "units": [identifier(h) for h in net.h], "weighted": [identifier(w) for w, _ in weighted],
        "output": identifier(net.outputs[0]),
        "unit_labels": [math_html(latex(w_e)) for _, w_e in weighted],
        "forward": "shallow_forward", "joints": "shallow_joints",
    }
    caption = ("The lecture's 1-3-1 ReLU network. Move a slider: the output " + math_html("y")
               + " (black), the weighted hidden units " + math_html(r"\phi_d h_d")
               + " (coloured) and the joints " + math_html(r"x = -\theta_{d0}/\theta_{d1}")
               + " (dots) are recomputed from the network's derived equations, printed to JavaScript by SymPy.")
    return Interactive("fig-shallow", "shallow", "shallow", caption, forward + "\n" + joint_js, config)


def activations_figure() -> Interactive:
    """(2) Every activation a[z] and its derived derivative a'[z], with a tangent at z_0."""
    z = sp.Symbol("z", real=True)
    entries, functions, skipped = [], [], []
    for name in ACTIVATIONS:
        expr = activation(name)(z)
        slope = sp.diff(expr, z)
        key = re.sub(r"\W", "_", name)  # a JavaScript identifier (a registered name may hold '-')
        try:
            functions.append(javascript_function(f"act_{key}", [z], expr))
            functions.append(javascript_function(f"dact_{key}", [z], slope))
        except ValueError:
            skipped.append(name)  # JavaScript has no erf (GELU)
            continue
        entries.append({"name": name, "fn": f"act_{key}", "dfn": f"dact_{key}"})
    config = {"activations": entries, "z": [-4.0, 4.0], "y": [-1.5, 3.0], "z0": 0.5}
    caption = ("An activation " + math_html(r"\mathrm{a}[z]") + " (solid), its derivative "
               + math_html(r"\mathrm{a}'[z]") + " derived by SymPy (dashed) and the tangent at "
               + math_html("z_0") + " whose slope is that derivative.")
    if skipped:
        caption += " Not shown: " + ", ".join(skipped) + " (its definition uses erf, which JavaScript lacks)."
    return Interactive("fig-activations", "activations", "activations", caption, "\n".join(functions), config)


def descent_figure() -> Interactive:
    """(3) Gradient descent on the 1-D least-squares loss, with a learning-rate slider."""
    ex = lecture_linear_regression()
    x = sp.Symbol("x", real=True)
    L = least_squares_loss(ex.x, ex.y)
    update = [phi_0 - alpha * sp.diff(L, phi_0), phi_1 - alpha * sp.diff(L, phi_1)]
    functions = [
        javascript_function("descent_loss", [phi_0, phi_1], L),
        f"function descent_step({identifier(phi_0)}, {identifier(phi_1)}, {identifier(alpha)}) "
        f"{{ return [{javascript(update[0])}, {javascript(update[1])}]; }}",
        javascript_function("descent_model", [x, phi_0, phi_1], phi_0 + phi_1 * x),
    ]
    config = {
        "params": [{"name": "alpha", "label": math_html(r"\alpha"), "min": 0.005, "max": 0.16, "step": 0.005,
                    "value": float(ex.alpha)},
                   {"name": "steps", "label": "steps", "min": 1, "max": 100, "step": 1, "value": 60}],
        "start": [float(v) for v in ex.start], "data": [[float(a), float(b)] for a, b in zip(ex.x, ex.y)],
        "phi0": [-1.0, 3.0], "phi1": [-1.5, 2.0],
        "loss": "descent_loss", "step": "descent_step", "model": "descent_model",
    }
    caption = ("Gradient descent " + math_html(r"\boldsymbol\phi \leftarrow \boldsymbol\phi - \alpha\, "
                                               r"\partial L/\partial \boldsymbol\phi")
               + " on the least-squares loss of the lecture's four points, from "
               + math_html(r"\boldsymbol\phi^{[0]} = (2, -1/2)") + ". The loss, its gradient and the update are "
               "SymPy's, printed to JavaScript. Raise the learning rate past about 0.13 and the iterates diverge.")
    return Interactive("fig-descent", "descent", "gradient_descent", caption, "\n".join(functions), config)


def regions_figure() -> Interactive:
    """(4) The linear regions of a 2-3-1 ReLU network: each colour one pattern of active units."""
    net = shallow_network(2, 3, 1, "relu")
    R = sp.Rational
    start = [[R(1, 5), R(1), R(-1, 2)], [R(-3, 10), R(2, 5), R(1)], [R(1, 2), R(-1), R(-4, 5)]]
    values = {net.theta[d, i]: start[d][i] for d in range(3) for i in range(3)}
    f = [sp.Symbol(f"f_{{{d + 1}}}") for d in range(net.D)]
    pre = [(f[d], e.args[0]) for d, (_, e) in enumerate(net.program[:net.D])]
    thetas = list(net.theta)
    functions = javascript_program("regions_pre", [*net.inputs, *thetas], pre, f)
    config = {"params": [_slider(t, values[t], -1.5, 1.5, 0.05) for t in thetas],
              "x": [-3.0, 3.0], "cells": 90, "pre": "regions_pre", "units": [identifier(s) for s in f],
              "max_regions": int(sum(sp.binomial(net.D, j) for j in range(net.D_i + 1)))}
    caption = ("The linear regions of a 2-3-1 ReLU network over " + math_html(r"[-3, 3]^2")
               + ": each colour is one pattern of active hidden units, from the pre-activations "
               + math_html(r"\theta_{d0} + \theta_{d1} x_1 + \theta_{d2} x_2")
               + " printed to JavaScript. Three lines in general position make at most "
               + f"{config['max_regions']} regions; the count shown is of the patterns seen on the grid "
               "(a lower bound).")
    return Interactive("fig-regions", "regions", "piecewise_linear", caption, functions, config)


#: The interactive figures, in the lecture's order of their topics.
INTERACTIVE: tuple[Callable[[], Interactive], ...] = (shallow_figure, activations_figure, regions_figure,
                                                      descent_figure)


def interactive_for(topics: list[str]) -> dict[str, list[Interactive]]:
    """The figures whose topic is among ``topics``, by topic."""
    out: dict[str, list[Interactive]] = {}
    for make in INTERACTIVE:
        fig = make()
        if fig.topic in topics:
            out.setdefault(fig.topic, []).append(fig)
    return out
