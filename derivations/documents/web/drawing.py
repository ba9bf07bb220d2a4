r"""What the interactive figures draw, read back: ``assets/figures.js`` run in Node.js against SymPy.

The printed functions are read back on their own (:mod:`derivations.checks.javascript_readback`);
this module checks what the drawing code does with them. It runs the page's script exactly as
a page holds it (``figures.js``, then the printed functions and the ``DD.<kind>(id, config)``
calls) in Node.js with a small stand-in for the browser's document (elements, attributes,
children, event listeners; no layout), moves the figure's controls as a reader would, and
after each move reads the SVG and the readout back:

- every drawn curve (``polyline``), point by point, in pixels against SymPy's value at the
  same abscissa mapped through the plot's frame (the SVG ``rect.frame`` spans the data
  ranges of the figure's configuration): off by at most :data:`PIXELS` (the drawing rounds
  to 0.01 px);
- every marked point (joints, the tangent's point of contact, the iterates) likewise;
- every number in the readout against SymPy to the digits it shows;
- the linear-regions map: each grid cell's colour is one pattern of SymPy's pre-activations'
  signs, and the count shown is the number of patterns on the grid.

SymPy's side is the lecture's objects (the network, the activations, the loss), evaluated
exactly at the float64 inputs, not the printed JavaScript: a formula the drawing code
restates, mixes up or mis-draws (a tangent with the wrong sign, the joints of another unit, a
readout of the start instead of the last iterate) turns the record red.

>>> from derivations.documents.web.figures import activations_figure
>>> fig = activations_figure()
>>> rec = drawing_check(fig, fig.javascript(), find_node()) if find_node() else None
>>> rec is None or (rec["passed"], rec["id"]) == (True, "activations.web.drawing-activations")
True
"""

from __future__ import annotations

import html
import math
import re
from fractions import Fraction
from importlib import resources
from typing import Callable, Sequence

import sympy as sp

from derivations.checks.javascript_readback import NODE_MISSING, JavaScriptError, find_node, node_json
from derivations.checks.verdicts import record
from derivations.documents.web.figures import LIKELIHOOD_TARGETS, Interactive, z
from symbolic.activations.functions import activation
from symbolic.core.printing import identifier
from symbolic.losses.lecture import normal_pdf
from symbolic.networks.network import lecture_1_3_1, shallow_network
from symbolic.spec.tolerances import DIGITS
from symbolic.training.gradient_descent import (alpha, least_squares_loss, lecture_linear_regression, phi_0,
                                                phi_1)

__all__ = ["PIXELS", "find_node", "drawing_source", "run_drawing", "drawing_check", "Plot"]

#: Largest distance, in pixels, between a drawn point and SymPy's (the drawing prints 0.01 px).
PIXELS = 0.02

#: The Node.js side: a document of plain objects, the page's script run on it, the controls
#: moved one action at a time; after each action every figure's element tree as JSON.
_NODE_PROGRAM = r"""
const vm = require("vm");
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (c) => { input += c; });
process.stdin.on("end", () => {
  const job = JSON.parse(input);
  class Node_ {
    constructor(tag) { this.tag = tag; this.attrs = {}; this.children = []; this.parent = null;
                       this.listeners = {}; this.dataset = {}; this.className = ""; this._text = "";
                       this.innerHTML = ""; this.options = []; }
    setAttribute(k, v) { this.attrs[k] = String(v); }
    getAttribute(k) { return this.attrs[k]; }
    appendChild(n) { if (typeof n === "object") { n.parent = this; } this.children.push(n); return n; }
    append(...ns) { for (const n of ns) this.appendChild(typeof n === "object" ? n : String(n)); }
    removeChild(n) { this.children.splice(this.children.indexOf(n), 1); n.parent = null; return n; }
    get firstChild() { return this.children[0] || null; }
    set textContent(t) { this.children = []; this._text = String(t); }
    get textContent() { return this._text; }
    addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }
    add(option) { this.options.push(option); if (this.value === undefined) this.value = option.value; }
    classes() { return (this.attrs["class"] || this.className || "").split(/\s+/); }
    querySelector(sel) {
      const cls = sel.startsWith(".") ? sel.slice(1) : null;
      for (const c of this.children) {
        if (typeof c !== "object") continue;
        if (cls ? c.classes().includes(cls) : c.tag === sel) return c;
        const hit = c.querySelector(sel);
        if (hit) return hit;
      }
      return null;
    }
    find(f) {
      if (f(this)) return this;
      for (const c of this.children) if (typeof c === "object") { const hit = c.find(f); if (hit) return hit; }
      return null;
    }
    json() {
      return { tag: this.tag, attrs: { ...this.attrs }, cls: this.classes().filter(Boolean), text: this._text,
               html: this.innerHTML, value: this.value === undefined ? null : String(this.value),
               param: this.dataset.param || null,
               children: this.children.map((c) => typeof c === "object" ? c.json() : { tag: "#text", text: c, attrs: {}, cls: [], html: "",
                                                                              value: null, param: null, children: [] }) };
    }
  }
  const roots = {};
  const document = {
    createElementNS: (ns, tag) => new Node_(tag),
    createElement: (tag) => new Node_(tag),
    getElementById: (id) => {
      if (!roots[id]) {
        const root = new Node_("figure");
        for (const c of ["controls", "plot", "readout"]) { const d = new Node_("div"); d.className = c; root.appendChild(d); }
        roots[id] = root;
      }
      return roots[id];
    },
  };
  function Option(text, value) { const o = new Node_("option"); o.text = text; o.value = value; return o; }
  const context = vm.createContext({ document, Option, console });
  context.window = context;
  const snapshot = () => Object.fromEntries(Object.entries(roots).map(([id, r]) => [id, r.json()]));
  let out;
  try {
    vm.runInContext(job.script, context, { timeout: 20000 });
    const shots = [snapshot()];
    for (const a of job.actions) {
      const root = roots[a.figure];
      const target = root.find((n) => a.param ? n.dataset.param === a.param : n.tag === a.tag);
      if (!target) throw new Error(`figure ${a.figure} has no control ${a.param || a.tag}`);
      target.value = String(a.value);
      for (const fn of target.listeners[a.event] || []) fn({ target });
      shots.push(snapshot());
    }
    out = { shots };
  } catch (e) {
    out = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  process.stdout.write(JSON.stringify(out));
});
"""


def drawing_source() -> str:
    """``assets/figures.js``, the page's drawing code, as the site copies it."""
    return resources.files("derivations.documents.web.assets").joinpath("figures.js").read_text()


def run_drawing(script: str, actions: Sequence[dict], node: str, drawing: str | None = None,
                timeout: float = 120) -> list[dict]:
    """Run the drawing code and ``script`` in Node.js, then ``actions`` (``{"figure": id,
    "param": name | "tag": tag, "value": v, "event": "input" | "change"}``); the element trees
    of every figure (by id) before the first action and after each."""
    payload = {"script": (drawing if drawing is not None else drawing_source()) + "\n" + script,
               "actions": list(actions)}
    return node_json(node, _NODE_PROGRAM, payload, timeout, "the drawing code")["shots"]


# ----- reading the element tree --------------------------------------------------------------


def _walk(tree: dict):
    yield tree
    for c in tree["children"]:
        yield from _walk(c)


def _all(tree: dict, tag: str, cls: str | None = None) -> list[dict]:
    return [n for n in _walk(tree) if n["tag"] == tag and (cls is None or cls in n["cls"])]


class Plot:
    """One drawn plot (an ``svg`` of the figure) and its data ranges: data to pixels through
    its frame, the rectangle the drawing code spans from the ranges' ends."""

    def __init__(self, svg: dict, xr: Sequence[float], yr: Sequence[float]):
        frame = next(n for n in _walk(svg) if n["tag"] == "rect" and "frame" in n["cls"])
        a = {k: float(frame["attrs"][k]) for k in ("x", "y", "width", "height")}
        self.svg, self.xr, self.yr, self.frame = svg, list(xr), list(yr), a

    def px(self, x: float) -> float:
        return self.frame["x"] + (x - self.xr[0]) / (self.xr[1] - self.xr[0]) * self.frame["width"]

    def py(self, y: float) -> float:
        return self.frame["y"] + (self.yr[1] - y) / (self.yr[1] - self.yr[0]) * self.frame["height"]

    def data_x(self, px: float) -> float:
        return self.xr[0] + (px - self.frame["x"]) / self.frame["width"] * (self.xr[1] - self.xr[0])

    def curves(self, cls: str) -> list[list[tuple[float, float]]]:
        return [[tuple(map(float, p.split(","))) for p in n["attrs"]["points"].split()]
                for n in _all(self.svg, "polyline", cls)]


class _Tally:
    """The largest pixel error seen, the largest error of a shown number in units of half its
    last digit, and where the worst miss was."""

    def __init__(self):
        self.pixels, self.digits, self.where, self.points, self.missing = 0.0, 0.0, "", 0, ""

    def pixel(self, drawn: float, expected: float, where: str) -> None:
        """A drawn coordinate; far off the plot (a diverging iterate) float64 rounding of the
        coordinate itself is allowed for."""
        self.points += 1
        err = abs(drawn - expected) if math.isfinite(expected) else (0.0 if drawn == expected else math.inf)
        err = max(0.0, err - 1e-12 * abs(expected)) if math.isfinite(err) else math.inf
        if not err <= self.pixels:
            self.pixels = err if not math.isnan(err) else math.inf
            if self.pixels > PIXELS:
                self.where = f"{where}: drawn at {drawn!r} px, SymPy's at {expected!r} px"

    def lacks(self, what: str) -> None:
        """Something the figure must draw or show is not there (or is there too often)."""
        self.missing = self.missing or what

    def number(self, shown: str, expected: float, where: str) -> None:
        """A number shown to its printed digits: off by at most half a unit of its last digit."""
        self.points += 1
        try:
            value = float(shown)
        except ValueError:
            value = math.nan
        digits = re.sub(r"e.*", "", shown.lstrip("-")).replace(".", "").lstrip("0") or "0"
        exponent = math.floor(math.log10(abs(expected))) if expected and math.isfinite(expected) else 0
        half = 0.5 * 10 ** (exponent - len(digits) + 1)
        err = abs(value - expected) / half if math.isfinite(value) else math.inf
        if not err <= self.digits:
            self.digits = err if not math.isnan(err) else math.inf
            if self.digits > 1 + 1e-6:
                self.where = f"{where}: shown {shown}, SymPy {expected!r}"

    def curve(self, plot: Plot, drawn: list[tuple[float, float]], f: Callable[[float], float], where: str) -> None:
        """A drawn polyline against f: each point's ordinate at its own abscissa (read back from
        the pixel; the slope times that abscissa's rounding is allowed for)."""
        if not drawn:
            self.pixel(math.nan, 0.0, f"{where}: nothing drawn")
            return
        h = (plot.xr[1] - plot.xr[0]) * 1e-6
        for px, py in drawn:
            x = plot.data_x(px)
            expected = plot.py(f(x))
            slope = abs(plot.py(f(x + h)) - plot.py(f(x - h))) / (plot.px(x + h) - plot.px(x - h))
            allowance = slope * 0.005 if math.isfinite(slope) else 0.0
            self.pixel(py, expected + math.copysign(min(allowance, abs(py - expected)), py - expected),
                       f"{where} at x = {x:.4g}")

    @property
    def passed(self) -> bool:
        return self.pixels <= PIXELS and self.digits <= 1 + 1e-6 and not self.missing and self.points > 0

    @property
    def error(self) -> float:
        """The record's largest error: pixels, or infinite when a shown number or a drawn thing failed."""
        return self.pixels if self.digits <= 1 + 1e-6 and not self.missing else math.inf


def _exact(expr: sp.Expr, at: dict) -> float:
    """``expr`` at float64 inputs taken exactly, to DIGITS digits, as a float."""
    value = sp.N(expr.xreplace({k: sp.Rational(v) for k, v in at.items()}), DIGITS)
    return float(value) if value.is_real else math.nan


def _readout(tree: dict, cls: str) -> list[str]:
    """The texts of the readout's spans of class ``cls`` (tags inside dropped, entities read)."""
    text = "".join(n["html"] for n in _walk(tree) if "readout" in n["cls"])
    return [_text(m) for m in re.findall(rf'<span class="{cls}"[^>]*>((?:(?!</?span).)*)</span>', text)]


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _values(tree: dict) -> dict[str, float]:
    return {n["param"]: float(n["value"]) for n in _walk(tree) if n["param"]}


# ----- each figure: what SymPy says it should show --------------------------------------------


def _shallow(fig: Interactive, shots: list[dict], tally: _Tally) -> None:
    net, _ = lecture_1_3_1()
    x = net.inputs[0]
    by_name = {identifier(p): p for p in net.parameter_symbols}
    y = net.substituted_outputs()[0]
    for k, shot in enumerate(shots):
        tree = shot[fig.id]
        at = {by_name[n]: v for n, v in _values(tree).items()}
        plot = Plot(_all(tree, "svg")[0], fig.config["x"], fig.config["y"])
        out = sp.lambdify([x], y.xreplace({p: sp.Rational(v) for p, v in at.items()}), )
        for curve in plot.curves("output"):
            tally.curve(plot, curve, lambda t: float(out(t)), f"state {k}: output")
        units = plot.curves("unit")
        for d, curve in enumerate(units):
            w = sp.lambdify([x], (net.phi[0, d + 1] * net.h[d]).xreplace(dict(net.program)).xreplace(
                {p: sp.Rational(v) for p, v in at.items()}), )
            tally.curve(plot, curve, lambda t, w=w: float(w(t)), f"state {k}: unit {d + 1}")
        if len(units) != net.D:
            tally.lacks(f"state {k}: {len(units)} unit curves for {net.D} units")
        joints = _all(tree, "circle", "joint")
        for d in range(net.D):
            xj = -at[net.theta[d, 0]] / at[net.theta[d, 1]] if at[net.theta[d, 1]] else math.inf
            dot = next((j for j in joints if j["attrs"].get("data-unit") == str(d + 1)), None)
            if math.isfinite(xj) and dot is None:
                tally.lacks(f"state {k}: no joint of unit {d + 1}")
            elif dot is not None:
                tally.pixel(float(dot["attrs"]["cx"]), plot.px(xj), f"state {k}: joint {d + 1} (x)")
                tally.pixel(float(dot["attrs"]["cy"]), plot.py(float(out(xj))), f"state {k}: joint {d + 1} (y)")
        probe = float(next(n for n in _walk(tree) if "probe-x" in n["cls"])["value"])
        for shown in _readout(tree, "probe-y"):
            tally.number(shown, _exact(y, {**at, x: probe}), f"state {k}: y({probe})")


def _activations(fig: Interactive, shots: list[dict], tally: _Tally) -> None:
    for k, shot in enumerate(shots):
        tree = shot[fig.id]
        name = next(n for n in _walk(tree) if n["tag"] == "select")["value"]
        z0 = _values(tree)["z0"]
        a = activation(name)(z)
        da = sp.diff(a, z)
        f, df = sp.lambdify([z], a, ), sp.lambdify([z], da, )
        a0, s0 = _exact(a, {z: z0}), _exact(da, {z: z0})
        plot = Plot(_all(tree, "svg")[0], fig.config["z"], fig.config["y"])
        for cls, g in (("activation", lambda t: float(f(t))), ("derivative", lambda t: float(df(t))),
                       ("tangent", lambda t: a0 + s0 * (t - z0))):  # the tangent line, in SymPy's numbers
            curves = plot.curves(cls)
            if len(curves) != 1:
                tally.lacks(f"{name}: {len(curves)} {cls} curves")
            for curve in curves:
                tally.curve(plot, curve, g, f"{name}: {cls}")
        for dot in _all(tree, "circle", "touch"):
            tally.pixel(float(dot["attrs"]["cx"]), plot.px(z0), f"{name}: point of contact (z)")
            tally.pixel(float(dot["attrs"]["cy"]), plot.py(a0), f"{name}: point of contact (y)")
        for cls, value in (("act-value", a0), ("dact-value", s0)):
            for shown in _readout(tree, cls):
                tally.number(shown, value, f"{name}: {cls} at z0 = {z0}")


def _descent(fig: Interactive, shots: list[dict], tally: _Tally) -> None:
    ex = lecture_linear_regression()
    L = least_squares_loss(ex.x, ex.y)
    grad = [sp.diff(L, p) for p in (phi_0, phi_1)]
    x = sp.Symbol("x", real=True)
    for k, shot in enumerate(shots):
        tree = shot[fig.id]
        v = _values(tree)
        rate, steps = Fraction(v["alpha"]), int(v["steps"])
        # the iterates, exactly in rationals (the learning rate as the float the slider holds)
        phi = [sp.Rational(float(s)) for s in ex.start]
        its = [phi]
        step = sp.lambdify([phi_0, phi_1, alpha], [p - alpha * g for p, g in zip((phi_0, phi_1), grad)])
        for _ in range(steps):
            phi = step(*phi, sp.Rational(rate))
            its.append(phi)
        left, right = (Plot(s, *r) for s, r in zip(_all(tree, "svg"), ((fig.config["phi0"], fig.config["phi1"]),
                                                                       (fig.config["x"], fig.config["y"]))))
        dots = _all(left.svg, "circle")
        if len(dots) != len(its):
            tally.lacks(f"state {k}: {len(dots)} iterates drawn for {len(its)}")
        for t, (dot, q) in enumerate(zip(dots, its)):
            tally.pixel(float(dot["attrs"]["cx"]), left.px(float(q[0])), f"state {k}: iterate {t} (phi_0)")
            tally.pixel(float(dot["attrs"]["cy"]), left.py(float(q[1])), f"state {k}: iterate {t} (phi_1)")
        path = left.curves("iterates")
        if len(path) != 1 or len(path[0]) != len(its):
            tally.lacks(f"state {k}: the path of the iterates")
        for t, ((px, py), q) in enumerate(zip(path[0] if path else [], its)):
            tally.pixel(px, left.px(float(q[0])), f"state {k}: path at iterate {t} (phi_0)")
            tally.pixel(py, left.py(float(q[1])), f"state {k}: path at iterate {t} (phi_1)")
        model = phi_0 + phi_1 * x
        for cls, q in (("start-model", its[0]), ("model", its[-1])):
            line = sp.lambdify([x], model.xreplace({phi_0: q[0], phi_1: q[1]}))
            for curve in right.curves(cls):
                tally.curve(right, curve, lambda t, line=line: float(line(t)), f"state {k}: {cls}")
            if len(right.curves(cls)) != 1:
                tally.lacks(f"state {k}: no {cls} line")
        for shown in _readout(tree, "loss-value"):
            tally.number(shown, float(L.xreplace({phi_0: its[-1][0], phi_1: its[-1][1]})), f"state {k}: L")
        for shown, q in zip(_readout(tree, "phi-value"), its[-1]):
            tally.number(shown, float(q), f"state {k}: phi^[{steps}]")
        verdict = _readout(tree, "verdict")
        expected = fig.config["words"]["below" if float(rate) < fig.config["threshold"] else "above"]
        if verdict != [_text(expected)]:
            tally.lacks(f"state {k}: verdict {verdict!r} at alpha = {float(rate)}")


def _regions(fig: Interactive, shots: list[dict], tally: _Tally) -> None:
    """Each cell's colour is one pattern of the signs of SymPy's pre-activations at the cell's
    centre (computed exactly at the float64 centre the drawing uses; a centre within 1e-12 of
    a unit's line may take either side), and the count shown is the number of patterns."""
    net = shallow_network(2, 3, 1, "relu")
    by_name = {identifier(t): t for t in net.theta}
    n, (lo, hi) = fig.config["cells"], fig.config["x"]
    edges = [lo + ((hi - lo) * i) / n for i in range(n + 1)]  # the drawing's float64 grid
    centres = [(edges[i] + edges[i + 1]) / 2 for i in range(n)]
    for k, shot in enumerate(shots):
        tree = shot[fig.id]
        at = {by_name[name]: Fraction(v) for name, v in _values(tree).items()}
        rows = [[at[net.theta[d, i]] for i in range(3)] for d in range(net.D)]
        rects = [r for r in _all(tree, "rect") if "fill" in r["attrs"]]
        if len(rects) != n * n:
            tally.lacks(f"state {k}: {len(rects)} cells for {n * n}")
            continue
        colour_of: dict[tuple, str] = {}
        pattern_of: dict[str, tuple] = {}
        ambiguous = []
        for idx, r in enumerate(rects):  # drawn column by column, bottom to top
            x1, x2 = centres[idx // n], centres[idx % n]
            f = [t0 + t1 * Fraction(x1) + t2 * Fraction(x2) for t0, t1, t2 in rows]
            pattern = tuple(v > 0 for v in f)
            fill = r["attrs"]["fill"]
            if any(abs(v) <= 1e-12 for v in f):
                ambiguous.append((pattern, [abs(v) <= 1e-12 for v in f], fill, x1, x2))
                continue
            tally.points += 1
            if colour_of.setdefault(pattern, fill) != fill or pattern_of.setdefault(fill, pattern) != pattern:
                tally.lacks(f"state {k}: cell ({x1:.3g}, {x2:.3g}) coloured as another pattern")
        for pattern, free, fill, x1, x2 in ambiguous:
            seen = pattern_of.get(fill)
            if seen is not None and any(a != b and not f for a, b, f in zip(pattern, seen, free)):
                tally.lacks(f"state {k}: cell ({x1:.3g}, {x2:.3g}) on a line coloured as another pattern")
        count = len(set(pattern_of.values()) | {p for p, _, fill, _, _ in ambiguous if fill not in pattern_of})
        for shown in _readout(tree, "region-count"):
            if int(shown) != count:
                tally.lacks(f"state {k}: {shown} patterns shown, {count} on the grid")


def _likelihood(fig: Interactive, shots: list[dict], tally: _Tally) -> None:
    """The maximum-likelihood figure against the normal density N(y; f, sigma^2) of the
    lecture's losses (``normal_pdf``) at the losses topic's targets: the density curve, the
    targets, the stems and points of the terms p_i = N(y_i; f, sigma^2), the prediction's line;
    the negative log-likelihood -log(p_1 p_2 p_3) against f, its point at the slider's f and
    the line at its minimiser (solved here); the readout's terms, product and loss."""
    y, f = sp.Symbol("y", real=True), sp.Symbol("f", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    targets = [sp.Integer(t) for t in LIKELIHOOD_TARGETS]
    terms = [normal_pdf(t, f, sigma**2) for t in targets]
    likelihood = sp.Mul(*terms)
    nll = sp.expand_log(-sp.log(likelihood), force=True)  # a sum: no underflow of the product
    (minimiser,) = sp.solve(sp.diff(nll, f), f)
    for k, shot in enumerate(shots):
        tree = shot[fig.id]
        v = _values(tree)
        at = {f: v["f"], sigma: v["sigma"]}
        left, right = (Plot(s, *r) for s, r in zip(_all(tree, "svg"), ((fig.config["y"], fig.config["density"]),
                                                                       (fig.config["f"], fig.config["nll"]))))
        exact = {sigma: sp.Rational(v["sigma"]), f: sp.Rational(v["f"])}
        pdf = sp.lambdify([y], normal_pdf(y, f, sigma**2).xreplace(exact))
        curves = left.curves("density")
        if len(curves) != 1:
            tally.lacks(f"state {k}: {len(curves)} density curves")
        for c in curves:
            tally.curve(left, c, lambda t: float(pdf(t)), f"state {k}: density")
        data = _all(left.svg, "circle", "datum")
        if len(data) != len(targets):
            tally.lacks(f"state {k}: {len(data)} targets drawn for {len(targets)}")
        for dot, t in zip(data, targets):
            tally.pixel(float(dot["attrs"]["cx"]), left.px(float(t)), f"state {k}: target {t} (y)")
            tally.pixel(float(dot["attrs"]["cy"]), left.py(0.0), f"state {k}: target {t} (on the axis)")
        p = [_exact(term, at) for term in terms]
        for cls in ("term", "stem"):
            drawn = {n["attrs"].get("data-index"): n for n in _all(left.svg, "circle" if cls == "term" else "line", cls)}
            if sorted(drawn) != [str(i + 1) for i in range(len(targets))]:
                tally.lacks(f"state {k}: {cls}s {sorted(drawn)}")
            for i, (t, p_i) in enumerate(zip(targets, p)):
                n = drawn.get(str(i + 1))
                if n is None:
                    continue
                a = n["attrs"]
                if cls == "term":
                    tally.pixel(float(a["cx"]), left.px(float(t)), f"state {k}: term {i + 1} (y)")
                    tally.pixel(float(a["cy"]), left.py(p_i), f"state {k}: term {i + 1} (density)")
                else:
                    for key, want in (("x1", left.px(float(t))), ("x2", left.px(float(t))), ("y1", left.py(0.0)),
                                      ("y2", left.py(p_i))):
                        tally.pixel(float(a[key]), want, f"state {k}: stem {i + 1} ({key})")
        for cls, plot, x in (("prediction", left, v["f"]), ("minimiser", right, float(minimiser))):
            lines = _all(plot.svg, "line", cls)
            if len(lines) != 1:
                tally.lacks(f"state {k}: {len(lines)} {cls} lines")
            for line in lines:
                for key in ("x1", "x2"):
                    tally.pixel(float(line["attrs"][key]), plot.px(x), f"state {k}: the {cls}'s line ({key})")
        loss = sp.lambdify([f], nll.xreplace({sigma: exact[sigma]}))
        curves = right.curves("nll")
        if len(curves) != 1:
            tally.lacks(f"state {k}: {len(curves)} loss curves")
        for c in curves:
            tally.curve(right, c, lambda t: float(loss(t)), f"state {k}: negative log-likelihood")
        L = _exact(nll, at)
        points = _all(right.svg, "circle", "current")
        if len(points) != 1:
            tally.lacks(f"state {k}: {len(points)} points at the prediction")
        for dot in points:
            tally.pixel(float(dot["attrs"]["cx"]), right.px(v["f"]), f"state {k}: the prediction's loss (f)")
            tally.pixel(float(dot["attrs"]["cy"]), right.py(L), f"state {k}: the prediction's loss (L)")
        shown = _readout(tree, "term-value")
        if len(shown) != len(targets):
            tally.lacks(f"state {k}: {len(shown)} terms shown")
        for i, (text, p_i) in enumerate(zip(shown, p)):
            tally.number(text, p_i, f"state {k}: term {i + 1}")
        for cls, value in (("likelihood-value", _exact(likelihood, at)), ("nll-value", L)):
            texts = _readout(tree, cls)
            if len(texts) != 1:
                tally.lacks(f"state {k}: {len(texts)} {cls} shown")
            for text in texts:
                tally.number(text, value, f"state {k}: {cls}")


#: Each figure kind: the reading of its drawing, and the controls moved (after the first drawing).
_READERS: dict[str, Callable[[Interactive, list[dict], _Tally], None]] = {
    "shallow": _shallow, "activations": _activations, "descent": _descent, "regions": _regions,
    "likelihood": _likelihood}


def _actions(fig: Interactive) -> list[dict]:
    """Each figure's controls moved as a reader might: a few sliders, every activation."""
    if fig.kind == "activations":
        acts = [{"figure": fig.id, "tag": "select", "value": e["name"], "event": "change"}
                for e in fig.config["activations"]]
        return acts + [{"figure": fig.id, "param": "z0", "value": -1.35, "event": "input"},
                       {"figure": fig.id, "param": "z0", "value": 0, "event": "input"}]
    if fig.kind == "likelihood":  # to the minimum, narrower, past it, wider
        return [{"figure": fig.id, "param": p, "value": value, "event": "input"}
                for p, value in (("f", 3), ("sigma", 0.75), ("f", 5.2), ("sigma", 2.6), ("f", -0.85))]
    if fig.kind == "descent":
        return [{"figure": fig.id, "param": "alpha", "value": 0.03, "event": "input"},
                {"figure": fig.id, "param": "steps", "value": 100, "event": "input"},
                {"figure": fig.id, "param": "alpha", "value": 0.065, "event": "input"},
                {"figure": fig.id, "param": "steps", "value": 7, "event": "input"}]
    params = [p["name"] for p in fig.config["params"]]
    moves = [(params[0], 0.35), (params[-1], -0.6), (params[len(params) // 2], 1.1)]
    return [{"figure": fig.id, "param": p, "value": v, "event": "input"} for p, v in moves]


def drawing_check(fig: Interactive, script: str, node: str | None, drawing: str | None = None) -> dict:
    """The record of ``fig``'s drawing read back (see the module's docstring); ``script`` is
    the page's inline script, ``drawing`` the drawing code (default ``assets/figures.js``)."""
    rid, topic = f"{fig.topic}.web.drawing-{fig.kind}", fig.topic
    name = (f"web figure: what figures.js draws for {fig.id} (curves, points, readout), run in Node.js as the page "
            "holds it, against SymPy")
    if node is None:
        return record(name, "drawing", math.inf, False, NODE_MISSING, id=rid, topic=topic)
    actions = _actions(fig)
    tally = _Tally()
    try:
        shots = run_drawing(script, actions, node, drawing)
        _READERS[fig.kind](fig, shots, tally)
    except (JavaScriptError, KeyError, StopIteration, ValueError, IndexError) as exc:
        return record(name, "drawing", math.inf, False, "Node.js runs the page's drawing code", id=rid, topic=topic,
                      detail=f"{type(exc).__name__}: {exc}")
    method = (f"Node.js runs figures.js and the page's script in a stand-in document, in {len(shots)} states of the "
              f"controls; {tally.points} drawn points and shown numbers against SymPy (pixels to {PIXELS}, numbers "
              "to their printed digits)")
    worst = tally.missing or tally.where
    return record(name, "drawing", tally.error, tally.passed, method, id=rid, topic=topic, states=len(shots),
                  points=tally.points, **({"detail": f"worst: {worst}"} if worst else {}))
