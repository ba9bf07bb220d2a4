r"""Read-back of printed JavaScript: the text a web page holds, run in Node.js, against SymPy.

The interactive figures of the web notes evaluate functions that
:mod:`symbolic.core.javascript` printed from SymPy expressions. A mistake in that printing
(``Math.exp`` for ``Math.log``, a dropped minus sign, a wrong branch of a conditional) would
reach the page unnoticed by every other check, which all evaluate the SymPy objects. This
module evaluates the *printed text*, exactly as the page holds it, in a real JavaScript
engine (Node.js, run as a subprocess: the script and the points go in as JSON on stdin,
no network, no packages) and compares each returned number with SymPy's value of the
expression it was printed from, evaluated exactly at the same float64 inputs to
:data:`DIGITS` digits:

    error = |js - sympy| / max(|sympy|, FLOOR) <= FLOAT64_RTOL     (FLOOR = 1e-3)

that is, relative error 1e-12 with an absolute floor of 1e-15 for values near zero.

Points (fixed seed, so a page is rebuilt byte for byte): each argument drawn with a random
sign and a magnitude from 1e-2 to 1e2 (a ``positive`` symbol stays positive), and, for
every kink (the argument of a ReLU, an indicator, ``Abs``, ``Heaviside``, ``Max``/``Min``
or a condition of a ``Piecewise``, after the package's functions are written as their
stock-SymPy definitions), a random point moved onto the kink along one argument, then
1e-9 and 1e-3 to either side of it. Where a kink's argument cancels (``theta_10 +
theta_11 x`` at the joint), float64 rounding of the inputs alone moves the value by more
than the tolerance; at such a point (only where the plain comparison fails) the error is
measured beyond the spread of SymPy's values over the inputs moved by up to 4 units in the
last place, which is what a backward-stable evaluation may differ by. A point exactly on a
kink that float64 represents (``z = 0``) is not moved, so ``>`` printed as ``>=`` shows.

>>> import sympy as sp
>>> from symbolic.core.javascript import JavaScriptFunction
>>> from symbolic.activations.functions import ReLU
>>> z = sp.Symbol("z", real=True)
>>> relu = JavaScriptFunction.value("relu", [z], ReLU(z))
>>> kink_arguments(relu)
[z]
>>> result = readback(relu.text, [relu]) if find_node() else None  # 20 random points, 5 at z = 0
>>> result is None or (result.passed, result.points, result.kinks) == (True, 25, 5)
True
"""

from __future__ import annotations

import json
import math
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any, Sequence

import sympy as sp

from symbolic.core.gates import StockDefined
from symbolic.core.javascript import JavaScriptFunction
from symbolic.spec.tolerances import DIGITS, FLOAT64_RTOL

__all__ = ["NODE_MISSING", "FLOOR", "JavaScriptError", "Readback", "find_node", "run_node", "kink_arguments",
           "sample_points", "sympy_values", "readback", "iterate"]

#: Values below FLOOR in size are compared absolutely (to FLOAT64_RTOL * FLOOR = 1e-15).
FLOOR = 1e-3
#: Magnitudes of the random arguments: 10**u with u uniform in this range.
MAGNITUDES = (-2.0, 2.0)
#: Offsets either side of a kink, relative to max(1, |kink|).
KINK_OFFSETS = (1e-9, 1e-3)
#: Units in the last place by which the inputs are moved to measure rounding (see above).
ULPS = 4
#: What a build without Node.js says instead of a read-back.
NODE_MISSING = "Node.js (node) was not found, so the printed JavaScript was not evaluated"

#: The Node.js side: run the script in a fresh context (``DD``, the page's drawing code,
#: a stub that ignores every call), call each function at each point, write the results
#: (a non-finite number as its name, since JSON has none) or the error as JSON.
_NODE_PROGRAM = r"""
const vm = require("vm");
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const job = JSON.parse(input);
  const encode = (v) => typeof v === "number" ? (Number.isFinite(v) ? v : String(v))
    : Array.isArray(v) ? v.map(encode)
    : (v !== null && typeof v === "object") ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]))
    : String(v);
  const stub = new Proxy({}, { get: () => () => undefined });
  const context = vm.createContext({ DD: stub });
  let out;
  try {
    vm.runInContext(job.script, context, { timeout: 10000 });
    out = { results: job.calls.map((call) => {
      const f = context[call.fn];
      if (typeof f !== "function") throw new Error(`the script defines no function ${call.fn}`);
      if (call.iterate) {  // x <- f(...x, ...args), steps times; the last x
        let x = call.iterate.start;
        for (let t = 0; t < call.iterate.steps; t++) x = f(...x, ...call.iterate.args);
        return encode(x);
      }
      return call.points.map((p) => encode(f(...p)));
    }) };
  } catch (e) {
    out = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  process.stdout.write(JSON.stringify(out));
});
"""


class JavaScriptError(RuntimeError):
    """The script did not run in Node.js (a syntax error, a missing function), or Node.js failed."""


def find_node() -> str | None:
    """The ``node`` executable on the PATH (Debian's ``nodejs`` package installs it), or None."""
    return shutil.which("node") or shutil.which("nodejs")


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(value, math.nan)
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return float(value)


def run_node(script: str, calls: Sequence[dict], node: str | None = None, timeout: float = 60) -> list:
    """Run ``script`` in Node.js and make ``calls`` (``{"fn": name, "points": [[args], ...]}``
    or ``{"fn": name, "iterate": {"start": [...], "args": [...], "steps": n}}``); their
    results, in order (non-finite numbers as float ``nan``/``inf``).

    Raises :class:`JavaScriptError` when the script fails or Node.js is missing."""
    node = node or find_node()
    if node is None:
        raise JavaScriptError(NODE_MISSING)
    out = node_json(node, _NODE_PROGRAM, {"script": script, "calls": list(calls)}, timeout,
                    "the printed JavaScript")
    return _decode(out["results"])


def node_json(node: str, program: str, payload: dict, timeout: float, what: str) -> dict:
    """Run Node.js ``program`` with ``payload`` as JSON on its standard input (no PATH, no
    NODE_OPTIONS) and return the JSON object it prints; :class:`JavaScriptError` when Node.js
    does not run, exits non-zero or reports an ``error`` (``what`` names the code that failed)."""
    try:
        proc = subprocess.run([node, "-e", program], input=json.dumps(payload, allow_nan=False),
                              capture_output=True, text=True, timeout=timeout, env={"PATH": "", "NODE_OPTIONS": ""})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaScriptError(f"Node.js did not run: {exc}") from exc
    if proc.returncode != 0:
        raise JavaScriptError(f"Node.js exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    out = json.loads(proc.stdout)
    if "error" in out:
        raise JavaScriptError(f"{what} failed in Node.js: {out['error']}")
    return out


# ----- points ------------------------------------------------------------------------------


def _stock(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every package function written as its stock-SymPy definition."""
    for _ in range(8):  # a definition may use another package function
        if not any(isinstance(e, StockDefined) for e in sp.preorder_traversal(expr)):
            break
        expr = expr.replace(lambda e: isinstance(e, StockDefined), lambda e: e.definition(*e.args))
    return expr


def kink_arguments(fn: JavaScriptFunction) -> list[sp.Expr]:
    """The expressions in the arguments of ``fn`` whose sign switches a branch: arguments of
    ``Abs``, ``Heaviside``, ``sign``, differences inside ``Max``/``Min`` and the two sides of
    every condition of a ``Piecewise`` (after :func:`_stock`), each once."""
    found: list[sp.Expr] = []
    for out in fn.outputs():
        expr = _stock(out)
        for node in sp.preorder_traversal(expr):
            if isinstance(node, (sp.Abs, sp.Heaviside, sp.sign)):
                found.append(node.args[0])
            elif isinstance(node, (sp.Max, sp.Min)):
                found += [a - b for i, a in enumerate(node.args) for b in node.args[i + 1:]]
            elif isinstance(node, sp.Piecewise):
                for _, cond in node.args:
                    found += [r.lhs - r.rhs for r in cond.atoms(sp.core.relational.Relational)]
    unique: list[sp.Expr] = []
    for g in found:
        if g.free_symbols and not any(sp.expand(g - h) == 0 or sp.expand(g + h) == 0 for h in unique):
            unique.append(g)
    return unique


def _draw(symbol: sp.Symbol, rng: random.Random) -> float:
    magnitude = 10 ** rng.uniform(*MAGNITUDES)
    return magnitude if symbol.is_positive or symbol.is_nonnegative else rng.choice((-1, 1)) * magnitude


def _allowed(symbol: sp.Symbol, value: float) -> bool:
    if not math.isfinite(value):
        return False
    if symbol.is_positive:
        return value > 0
    return value >= 0 if symbol.is_nonnegative else True


def sample_points(fn: JavaScriptFunction, rng: random.Random, n: int = 20) -> tuple[list[list[float]], int]:
    """``n`` random points for the arguments of ``fn``, then five points at and either side of
    every kink; the points and how many lie at kinks."""
    args = list(fn.args)
    points = [[_draw(a, rng) for a in args] for _ in range(n)]
    at_kinks = 0
    for g in kink_arguments(fn):
        for _attempt in range(20):
            base = {a: _draw(a, rng) for a in args}
            variables = [a for a in args if a in g.free_symbols]
            v = rng.choice(variables)
            rest = {a: sp.Rational(x) for a, x in base.items() if a != v}
            roots = [r for r in sp.solve(g.xreplace(rest), v) if r.is_real]
            roots = [float(r) for r in roots if _allowed(v, float(r))]
            if not roots:
                continue
            kink = roots[0]
            scale = max(1.0, abs(kink))
            for offset in (0.0, *KINK_OFFSETS, *(-o for o in KINK_OFFSETS)):
                value = kink + offset * scale
                if _allowed(v, value):
                    points.append([value if a == v else base[a] for a in args])
                    at_kinks += 1
            break
    return points, at_kinks


# ----- SymPy's values ----------------------------------------------------------------------


def sympy_values(outputs: Sequence[sp.Expr], args: Sequence[sp.Symbol], point: Sequence[float]) -> list[float]:
    """Each output at the point, the float64 inputs taken exactly, to DIGITS digits."""
    at = {a: sp.Rational(x) for a, x in zip(args, point)}
    values = []
    for out in outputs:
        try:
            value = sp.N(out.xreplace(at), DIGITS)
            values.append(float(value) if value.is_real else math.nan)
        except (TypeError, ValueError):
            values.append(math.nan)
    return values


def _error(js: float, reference: float, allowance: float = 0.0) -> float:
    if math.isnan(reference):
        return 0.0 if math.isnan(js) else math.inf
    if not math.isfinite(js) or not math.isfinite(reference):
        return 0.0 if js == reference else math.inf
    return max(0.0, abs(js - reference) - allowance) / max(abs(reference), FLOOR)


def _rounding_spread(outputs: Sequence[sp.Expr], args: Sequence[sp.Symbol], point: Sequence[float],
                     rng: random.Random, reference: list[float], tries: int = 6) -> list[float]:
    """How far SymPy's values move when the inputs move by up to ULPS units in the last place."""
    spread = [0.0] * len(outputs)
    for _ in range(tries):
        moved = [x * (1 + rng.randint(-ULPS, ULPS) * 2.0 ** -52) for x in point]
        for k, value in enumerate(sympy_values(outputs, args, moved)):
            if math.isfinite(value) and math.isfinite(reference[k]):
                spread[k] = max(spread[k], abs(value - reference[k]))
    return spread


def _read(result: Any, key: str | int | None) -> float:
    try:
        return float(result if key is None else result[key])
    except (KeyError, IndexError, TypeError):
        return math.nan


@dataclass
class Readback:
    """The printed functions of one script evaluated in Node.js against SymPy."""

    functions: list[str]
    points: int
    kinks: int
    max_error: float
    worst: str
    rounded: int = 0  # points where the rounding spread of the inputs was allowed for
    errors: dict[str, float] = field(default_factory=dict)  # largest error by function

    @property
    def passed(self) -> bool:
        return bool(self.max_error <= FLOAT64_RTOL)

    @property
    def method(self) -> str:
        return (f"Node.js runs the page's JavaScript at {self.points} points ({self.kinks} at kinks) against "
                f"SymPy's values to {DIGITS} places")


def readback(script: str, functions: Sequence[JavaScriptFunction], seed: int = 0, n: int = 20,
             node: str | None = None) -> Readback:
    """Run ``script`` (the text a page holds, which defines ``functions``) in Node.js at the
    points of :func:`sample_points` and compare every returned number with SymPy's value of
    the expression it was printed from. Raises :class:`JavaScriptError` when it cannot run."""
    rng = random.Random(seed)
    plans = []
    for fn in functions:
        points, kinks = sample_points(fn, rng, n)
        plans.append((fn, points, kinks))
    results = run_node(script, [{"fn": fn.name, "points": points} for fn, points, _ in plans], node=node)
    worst, where, rounded, errors = 0.0, "", 0, {}
    for (fn, points, _), values in zip(plans, results):
        outputs, keys = fn.outputs(), fn.keys
        errors[fn.name] = 0.0
        for point, value in zip(points, values):
            reference = sympy_values(outputs, fn.args, point)
            js = [_read(value, key) for key in keys]
            errs = [_error(a, b) for a, b in zip(js, reference)]
            if max(errs) > FLOAT64_RTOL:
                spread = _rounding_spread(outputs, fn.args, point, rng, reference)
                errs = [_error(a, b, 2 * s) for a, b, s in zip(js, reference, spread)]
                rounded += 1
            k = max(range(len(errs)), key=errs.__getitem__)
            errors[fn.name] = max(errors[fn.name], errs[k])
            if errs[k] > worst or not where:
                label = "" if keys[k] is None else f"[{keys[k]!r}]"
                worst, where = errs[k], (f"{fn.name}({', '.join(repr(x) for x in point)}){label}: "
                                         f"JavaScript {js[k]!r}, SymPy {reference[k]!r}")
    return Readback([fn.name for fn in functions], sum(len(p) for _, p, _ in plans), sum(k for _, _, k in plans),
                    worst, where, rounded, errors)


def iterate(script: str, name: str, start: Sequence[float], args: Sequence[float], steps: int,
            node: str | None = None) -> list[float]:
    """``x <- name(...x, ...args)`` run ``steps`` times in Node.js on the page's script; the last x."""
    call = {"fn": name, "iterate": {"start": list(start), "args": list(args), "steps": int(steps)}}
    return run_node(script, [call], node=node)[0]
