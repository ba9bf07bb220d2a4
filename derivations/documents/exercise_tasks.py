"""The TODOs of the exercise notebooks, each checked against the object the package derived.

    deepderive notebooks --out DIR --exercises

A :class:`Task` is one cell a student fills in, in the style of the book's notebooks: a
formula (a SymPy expression, or the same as text) or a small Python function. Its
``reference`` is the package's own object (the 1-3-1 network's program, the Bernoulli
loss's checked derivation, the toy's backward program, the gradient-descent rule), never
retyped here; its ``mistakes`` are transformations of that object (the ReLU left out, the
sign of the update flipped), each with the feedback that names it.

:func:`check` is what a notebook's check cell calls. A formula goes through the answer
checker (:func:`derivations.exercises.checker.check_answer`: the answer grammar, the
comparison at points that cover the domain, the typical mistakes, then the generic ones);
a function is called at :data:`POINTS` points drawn from ``seed`` and compared in float64
with the reference and each mistake. A blank answer (``None`` or ``...``) and a function
that raises are verdicts with a message, never a traceback.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.str import StrPrinter

from derivations.exercises.checker import SIGN_ERROR, check_answer
from derivations.exercises.kinds_losses import nll_derivation
from symbolic.activations.functions import ReLU
from symbolic.backprop.toy import chain_rule_example
from symbolic.core.printing import latex
from symbolic.networks.network import lecture_1_3_1
from symbolic.training import updates
from symbolic.training.gradient_descent import lecture_linear_regression, least_squares_loss, phi_0, phi_1

__all__ = ["Task", "Verdict", "TOPIC_TASKS", "tasks", "task", "check", "POINTS", "BLANK", "solution_code",
           "python_name"]

#: Points at which a function answer is compared with the reference (the notebooks' default).
POINTS = 24
#: Relative and absolute tolerance of a function's float64 value.
RTOL, ATOL = 1e-9, 1e-12
#: What a blank answer is told (the tests look for these words).
BLANK = "no answer yet"


@dataclass(frozen=True)
class Task:
    """One TODO: the student assigns ``name`` (a formula) or defines ``name`` (a function of
    ``arguments``, in order); ``reference`` (one expression, or a tuple for several returned
    values) is the package's object, in the symbols of ``arguments``."""

    id: str  # "<topic>.<what>", the check cell's first argument
    topic: str
    title: str
    prompt: str  # markdown: what to write (words and notation only; the formula is the answer)
    form: str  # "formula" or "function"
    name: str  # the Python name the cell assigns or defines
    arguments: tuple[sp.Symbol, ...]  # the formula's variables, or the function's arguments in order
    reference: Any
    mistakes: tuple[tuple[str, Any], ...] = ()
    domain: dict[str, tuple] = field(default_factory=dict)  # symbol name -> the values it takes
    hint: str = ""  # the TODO comment's words


def python_name(symbol: sp.Symbol) -> str:
    """The notebook's name of a package symbol, as the book's notebooks write it:
    ``theta_{1,0}`` -> ``theta_10``, ``f_{3}`` -> ``f_3``, ``dl/dh_{3}`` -> ``dl_dh_3``."""
    name = str(symbol).replace("/", "_").replace("{", "").replace("}", "")
    head, _, index = name.rpartition("_")
    return f"{head}_{index.replace(',', '')}" if head else name.replace(",", "")


def _plain(symbol: sp.Symbol) -> sp.Symbol:
    return sp.Symbol(python_name(symbol), real=True)


# ----- the tasks, per topic ------------------------------------------------------------------

def _shallow() -> list[Task]:
    net, _ = lecture_1_3_1()
    x = net.inputs[0]
    (h_1, unit), = net.program[:1]
    y = net.substituted_outputs()[0]
    biases = {net.theta[d, 0]: 0 for d in range(net.D)}
    arguments = (x, *net.phi, *(net.theta[d, i] for d in range(net.D) for i in range(net.D_i + 1)))
    return [
        Task("shallow.hidden", "shallow", "One hidden unit",
             "The first hidden unit $h_1$ of the lecture's 1-3-1 ReLU network: its activation of a line in $x$ "
             "with the bias $\\theta_{10}$ and the slope $\\theta_{11}$. Write it as a SymPy expression in the symbols "
             "of the setup cell (`ReLU` is the package's activation), or as text such as the notes print it.",
             "formula", "h_1", (x, net.theta[0, 0], net.theta[0, 1]), unit,
             (("the activation is missing: this is the pre-activation, the line before the ReLU clips it",
               unit.args[0]),),
             hint="the first hidden unit, a SymPy expression in x, theta_10, theta_11"),
        Task("shallow.forward", "shallow", "The forward pass",
             "The network's output $y$ for an input $x$: three hidden units, each a ReLU of its own line in $x$, "
             "weighted by $\\phi_1, \\phi_2, \\phi_3$ and added to the offset $\\phi_0$ (book eq. 3.1). Use NumPy "
             "(`np.maximum` for the ReLU), as the book's notebook 3.1 does.",
             "function", "shallow_1_3_1", arguments, y,
             (("the ReLU is missing: without it the network is a straight line", y.replace(ReLU, lambda z: z)),
              ("the output offset phi_0 is missing", y.xreplace({net.phi[0, 0]: 0})),
              ("the hidden units' biases theta_d0 are missing", y.xreplace(biases))),
             hint=f"the output y of the 1-3-1 network for the input {python_name(x)}"),
    ]


def _losses() -> list[Task]:
    derivation, (y, _, mistakes, _, domain) = nll_derivation("bernoulli", None)[:2]
    loss = derivation.steps[-1].rhs  # the checked derivation's last step
    f = next(s for s in loss.free_symbols if s != y)
    return [
        Task("losses.bernoulli", "losses", "The Bernoulli loss",
             "The per-sample negative log-likelihood $\\ell$ of binary classification: the network's output $f$ "
             "passes through the logistic sigmoid to give the probability $\\lambda$ that $y$ is 1 (book section "
             "5.4). Write it as a SymPy expression in `f` and `y` (`sig` is the sigmoid, `sp.log` the logarithm), "
             "or as text. (The solution writes it in the package's stable form, with its `Softplus`.)",
             "formula", "l", (f, y), loss, tuple((str(m[0]), m[1]) for m in mistakes),
             domain={y.name: tuple(domain["y"])} if domain else {},
             hint="the Bernoulli negative log-likelihood of one sample, in f and y"),
    ]


def _backprop() -> list[Task]:
    ex = chain_rule_example()
    backward = dict(ex.backward)
    adjoint_f3, adjoint_h3, adjoint_f2 = (next(s for s in backward if str(s) == name)
                                          for name in ("dl/df_{3}", "dl/dh_{3}", "dl/df_{2}"))
    f_3, f_2, omega_3 = ex.f[3], ex.f[2], ex.omega[3]
    first = backward[adjoint_f3]  # dl/df_3 of l = (y - f_3)^2
    incoming = _plain(adjoint_f3)
    step = backward[adjoint_f2].xreplace({adjoint_h3: backward[adjoint_h3]}).xreplace({adjoint_f3: incoming})
    return [
        Task("backprop.loss", "backprop", "The first backward step",
             "The backward pass of the toy model (book section 7.3) starts at the loss: the derivative of the "
             "least-squares loss $\\ell$ with respect to the model's output $f_3$. Write it as a SymPy expression "
             "in `f_3` and `y`, or as text.",
             "formula", "dl_df_3", (f_3, ex.y), first,
             (("the inner derivative is missing: y - f_3 falls as f_3 grows, which flips the sign", -first),),
             hint="the derivative of the loss with respect to f_3, in f_3 and y"),
        Task("backprop.step", "backprop", "One backpropagation step",
             "One step back through the cosine layer: given the stored pre-activation $f_2$, the weight "
             "$\\omega_3$ and the incoming derivative with respect to $f_3$, return the derivative of the loss "
             "with respect to $f_2$: first through the weight to $h_3$, then through the cosine. Use NumPy.",
             "function", "backprop_step", (f_2, omega_3, incoming), step,
             (("the derivative of cos is minus sin: your sign is flipped", -step),
              ("you used the cosine itself, not its derivative", step.replace(sp.sin, sp.cos) * -1),
              ("the weight omega_3 is missing (the derivative with respect to h_3 carries it)",
               step.xreplace({omega_3: 1}))),
             hint="the derivative of the loss with respect to f_2, from f_2, omega_3 and dl_df_3"),
    ]


def _gradient_descent() -> list[Task]:
    example = lecture_linear_regression()
    loss = least_squares_loss(example.x, example.y)
    (new, update), = updates.update_rule("sgd")
    gradient = [sp.diff(loss, p) for p in (phi_0, phi_1)]
    alpha = updates.alpha
    step = tuple(update.xreplace({updates.phi: p, updates.g: g}) for p, g in zip((phi_0, phi_1), gradient))
    I = len(example.x)
    return [
        Task("gradient_descent.gradient", "gradient_descent", "The gradient",
             "The derivative of the least-squares loss $L$ (a sum over the lecture's data `x_data`, `y_data` of "
             "the setup cell) with respect to the offset $\\phi_0$ of the line. Write it as text, e.g. "
             "`\"3*phi_0 - phi_1\"`, or as a SymPy expression in `phi_0` and `phi_1`.",
             "formula", "dL_dphi_0", (phi_0, phi_1), gradient[0],
             (("you took the mean over the samples; the lecture's loss is their sum", gradient[0] / I),),
             hint="the derivative of the loss with respect to phi_0, in phi_0 and phi_1"),
        Task("gradient_descent.step", "gradient_descent", "One gradient-descent step",
             "One step of gradient descent on the same loss, from the parameters $\\phi_0, \\phi_1$ with the "
             "learning rate $\\alpha$: return the new $\\phi_0$ and $\\phi_1$ as a pair. Use the data `x_data`, "
             "`y_data` of the setup cell.",
             "function", "gradient_descent_step", (phi_0, phi_1, alpha), step,
             (("you moved uphill: the step goes against the gradient",
               tuple(update.xreplace({updates.phi: p, updates.g: -g}) for p, g in zip((phi_0, phi_1), gradient))),
              ("you took the mean over the samples; the lecture's loss is their sum",
               tuple(update.xreplace({updates.phi: p, updates.g: g / I}) for p, g in zip((phi_0, phi_1), gradient))),
              ("the learning rate is missing", tuple(s.xreplace({alpha: 1}) for s in step))),
             hint="the new (phi_0, phi_1) after one step with learning rate alpha"),
    ]


#: The topics that have an exercise notebook (in the lecture's order), and their tasks' factories.
TOPIC_TASKS: dict[str, Callable[[], list[Task]]] = {
    "shallow": _shallow, "losses": _losses, "gradient_descent": _gradient_descent, "backprop": _backprop,
}


@functools.lru_cache(maxsize=None)
def _all(topic: str) -> tuple[Task, ...]:
    return tuple(TOPIC_TASKS[topic]())


def tasks(topic: str) -> list[Task]:
    """The TODOs of ``topic``'s exercise notebook, in order."""
    if topic not in TOPIC_TASKS:
        raise ValueError(f"no exercise notebook for topic {topic!r}; choose from {', '.join(TOPIC_TASKS)}")
    return list(_all(topic))


def task(task_id: str) -> Task:
    """The task ``"<topic>.<what>"``."""
    topic = task_id.partition(".")[0]
    for t in tasks(topic) if topic in TOPIC_TASKS else ():
        if t.id == task_id:
            return t
    known = [t.id for name in TOPIC_TASKS for t in _all(name)]
    raise ValueError(f"unknown exercise {task_id!r}; choose from {', '.join(known)}")


# ----- checking ------------------------------------------------------------------------------

@dataclass
class Verdict:
    """What a check cell shows: correct or not, the named mistake or the reason, and how it was decided."""

    task: Task
    correct: bool
    message: str
    method: str = ""

    def __repr__(self) -> str:
        mark = "correct" if self.correct else "not yet"
        return f"{self.task.title}: {mark}: {self.message}" + (f" ({self.method})" if self.method else "")

    def _repr_markdown_(self) -> str:
        mark = "&#10004; correct" if self.correct else "&#10008; not yet"
        return f"**{self.task.title}: {mark}.** {self.message}" + (f" *({self.method})*" if self.method else "")


def _blank(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def _blank_verdict(t: Task) -> Verdict:
    what = "a formula" if t.form == "formula" else "the function's body"
    return Verdict(t, False, f"{BLANK}: replace the `...` after `# TODO` in the cell above with {what}, "
                             "run that cell, then this one")


def _record(t: Task) -> dict:
    """The task as an ``answers.json`` exercise record (DESIGN.md), for the answer checker."""
    record = {"id": t.id, "kind": "expression", "answer_srepr": sp.srepr(t.reference),
              "variables": [s.name for s in t.arguments], "precision": None,
              "mistakes": [{"feedback": feedback, "answer_srepr": sp.srepr(value)} for feedback, value in t.mistakes]}
    if t.domain:
        record["domain"] = {name: [int(v) for v in values] for name, values in t.domain.items()}
    return record


def _check_formula(t: Task, answer: Any) -> Verdict:
    if isinstance(answer, str):
        text = answer
    elif isinstance(answer, sp.Basic):
        names = {python_name(s): s.name for s in t.arguments}
        text = latex(answer.xreplace({s: sp.Symbol(names.get(s.name, s.name), real=True)
                                      for s in answer.free_symbols if isinstance(s, sp.Symbol)}))
    elif isinstance(answer, (int, float)) and not isinstance(answer, bool):
        text = repr(answer)
    else:
        return Verdict(t, False, f"expected a SymPy expression or text, got {type(answer).__name__}", "answer form")
    result = check_answer(_record(t), text)
    message = "your formula agrees with the package's derived one" if result.correct else result.feedback
    return Verdict(t, result.correct, message, result.method)


def _points(t: Task, n: int, seed: int) -> list[tuple[float, ...]]:
    """``n`` points of the arguments: each real in [-2, 2] (kinks are hit with probability 0),
    a positive one in (0, 2], a variable with a domain from its values; drawn from ``seed`` and the task."""
    rng = random.Random(f"{seed}:{t.id}")

    def draw(s: sp.Symbol) -> float:
        if s.name in t.domain:
            return float(rng.choice(t.domain[s.name]))
        return 2 * (1 - rng.random()) if s.is_positive else rng.uniform(-2, 2)

    return [tuple(draw(s) for s in t.arguments) for _ in range(n)]


def _numbers(value: Any) -> tuple[float, ...] | None:
    """A returned value as float64 numbers (a number, or a tuple/list/array of them)."""
    try:
        import numpy as np

        array = np.asarray(value, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    return tuple(float(v) for v in array)


def _close(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return len(a) == len(b) and all(math.isclose(u, v, rel_tol=RTOL, abs_tol=ATOL) for u, v in zip(a, b))


def _compiled(t: Task, value: Any) -> Callable:
    exprs = value if isinstance(value, tuple) else (value,)
    plain = {s: _plain(s) for s in t.arguments}
    return sp.lambdify([plain[s] for s in t.arguments], [e.xreplace(plain) for e in exprs], modules="numpy")


def _check_function(t: Task, answer: Any, n: int, seed: int) -> Verdict:
    if not callable(answer):
        return Verdict(t, False, f"expected a function `{t.name}`, got {type(answer).__name__}", "answer form")
    points = _points(t, n, seed)
    names = ", ".join(python_name(s) for s in t.arguments)
    got = []
    for point in points:
        try:
            value = answer(*point)
        except Exception as exc:  # the student's code: any error is a verdict, not a traceback
            where = ", ".join(f"{python_name(s)} = {v:.4g}" for s, v in zip(t.arguments, point))
            return Verdict(t, False, f"your function raised {type(exc).__name__}: {exc} (called with {where})",
                           "answer form")
        if _blank(value):
            return _blank_verdict(t)
        numbers = _numbers(value)
        if numbers is None:
            return Verdict(t, False, f"`{t.name}({names})` must return numbers, got {type(value).__name__}",
                           "answer form")
        got.append(numbers)
    method = f"float64, compared at {n} points drawn from seed {seed}"
    reference = _compiled(t, t.reference)
    if all(_close(g, _numbers(reference(*p))) for g, p in zip(got, points)):
        return Verdict(t, True, "your function agrees with the package's derived formula", method)
    named = list(t.mistakes) + [(SIGN_ERROR, tuple(-e for e in t.reference) if isinstance(t.reference, tuple)
                                 else -t.reference)]
    for feedback, wrong in named:
        mistake = _compiled(t, wrong)
        if all(_close(g, _numbers(mistake(*p))) for g, p in zip(got, points)):
            return Verdict(t, False, feedback, method + "; matches a typical mistake")
    for g, p in zip(got, points):
        expected = _numbers(reference(*p))
        if not _close(g, expected):
            where = ", ".join(f"{python_name(s)} = {v:.4g}" for s, v in zip(t.arguments, p))
            return Verdict(t, False, f"at {where} your function returns {_show(g)}, the formula gives "
                                     f"{_show(expected)}", method)
    raise AssertionError("unreachable: some point differs")


def _show(numbers: tuple[float, ...]) -> str:
    text = ", ".join(f"{v:.6g}" for v in numbers)
    return text if len(numbers) == 1 else f"({text})"


def check(task_id: str, answer: Any, points: int = POINTS, seed: int = 0) -> Verdict:
    """Check a student's ``answer`` to the task ``task_id`` (see the module docstring); the
    verdict shows itself in a notebook."""
    t = task(task_id)
    if _blank(answer):
        return _blank_verdict(t)
    if t.form == "formula":
        return _check_formula(t, answer)
    if not (isinstance(points, int) and 1 <= points <= 10_000):
        raise ValueError(f"points must be a whole number from 1 to 10000, got {points!r}")
    return _check_function(t, answer, points, seed)


# ----- the solution, printed from the reference ----------------------------------------------

class _Formula(StrPrinter):
    """SymPy code in the notebook's names (``theta_10``, ``sp.log``)."""

    def _print_Symbol(self, expr):
        return python_name(expr)

    def _print_Function(self, expr):
        name = type(expr).__name__
        prefix = "sp." if hasattr(sp, name) and getattr(sp, name) is type(expr) else ""
        return f"{prefix}{name}({', '.join(self._print(a) for a in expr.args)})"

    _print_log = _print_exp = _print_sin = _print_cos = _print_Function


class _NumPy(NumPyPrinter):
    """NumPy code in the notebook's names (``np.maximum``)."""

    def _print_Symbol(self, expr):
        return python_name(expr)

    def _print_sig(self, expr):
        return f"1/(1 + np.exp(-({self._print(expr.args[0])})))"


def solution_code(t: Task) -> str:
    """The right-hand side a solution cell fills in: the reference printed as SymPy code (a
    formula) or NumPy code (a function's return value)."""
    if t.form == "formula":
        return _Formula().doprint(t.reference)
    printer = _NumPy({"fully_qualified_modules": True})
    exprs = t.reference if isinstance(t.reference, tuple) else (t.reference,)
    code = ", ".join(printer.doprint(e) for e in exprs).replace("numpy.", "np.")
    return f"({code})" if len(exprs) > 1 else code
