r"""Exercise kinds on backpropagation: the book's toy composed function with numbers, and the
gradient of a small ReLU network at a point.

The forward and backward programs are the package's (:func:`symbolic.backprop.toy.chain_rule_example`,
:func:`symbolic.backprop.backprop.backprop`); the solution prints every intermediate with its
number, checks the backward pass against ``sympy.diff`` of the substituted loss (50
digits), and the twin's autograd gradient against the answer; the answer is the solution's last
step(s). The typical mistakes are made again by torch autograd: the other parameter's gradient,
the gradient through a straight-through ReLU (ReLU' taken as 1), the gradient of minus the loss.
"""

from __future__ import annotations

import functools
import random

import sympy as sp

from symbolic.activations.functions import ReLU
from symbolic.backprop.backprop import Adjoint, adjoint_symbol, backprop_latex
from symbolic.core.derivation import Derivation, check_equal
from symbolic.core.printing import latex

from derivations.exercises import twin
from derivations.exercises.base import HALVES, Exercise, R, Witness, kind, number_latex, pick
from derivations.exercises.checker import SIGN_ERROR
from derivations.exercises.question import Question

#: Layer k of the toy, any k: f_k = beta_k + omega_k h_k into a loss ell of f_k, for the chain
#: rule its feedback states (``dl/domega_k = h_k dl/df_k``, ``dl/dbeta_k = dl/df_k``).
beta_k, omega_k, h_k, _u = sp.symbols("beta_k omega_k h_k u", real=True)
_ell = sp.Function("ell")
_F_K = beta_k + omega_k * h_k
#: The feedback's words for the rule (answers.json keeps them), each naming its derivative.
LAYER_NAMES = {r"\partial \ell / \partial \omega_k": sp.Derivative(_ell(_F_K), omega_k),
               r"\partial \ell / \partial \beta_k": sp.Derivative(_ell(_F_K), beta_k),
               r"\partial \ell / \partial f_k": sp.Subs(sp.Derivative(_ell(_u), _u), _u, _F_K)}

DIGITS = 60


@functools.lru_cache(maxsize=None)
def _toy():
    from symbolic.backprop.toy import chain_rule_example

    return chain_rule_example()


@functools.lru_cache(maxsize=None)
def _toy_compiled():
    from symbolic.core.compile import compile_program

    ex = _toy()
    return compile_program([ex.x, ex.y] + ex.parameters, ex.forward, [ex.l], "torch")


def _fmt(value) -> str:
    return f"{float(value):.6g}"


@kind("toy-backprop", "backprop")
def toy_backprop(rng: random.Random) -> Exercise:
    import torch

    ex = _toy()
    quarters = [R(n, 4) for n in range(-6, 7) if n]
    while True:
        values = {ex.x: pick(rng, [R(1, 2), R(1), R(-1, 2), R(3, 2)]), ex.y: pick(rng, HALVES)}
        for b, w in zip(ex.beta, ex.omega):
            values[b], values[w] = pick(rng, quarters), pick(rng, quarters)
        k = rng.randrange(4)
        which = pick(rng, ["omega", "beta"])
        param = (ex.omega if which == "omega" else ex.beta)[k]
        other = (ex.beta if which == "omega" else ex.omega)[k]
        known = ex.evaluate(values, DIGITS)
        answer_n = known[adjoint_symbol(param)]
        other_n = known[adjoint_symbol(other)]
        candidates = [float(v) for v in (answer_n, other_n, -answer_n, 2 * answer_n, answer_n / 2)]
        if 0.05 < abs(candidates[0]) < 500 and all(abs(a - b) > 0.01 for i, a in enumerate(candidates)
                                                  for b in candidates[i + 1:]):
            break
    exact = sp.diff(ex.composed_loss(), param).xreplace(values)
    # Each step: the assignment evaluated exactly (to 50 digits) from the exact values before it,
    # against the program's 60-digit run; the last step is the independent sympy.diff witness.
    exact_known = dict(values)
    d = Derivation("forward and backward pass", layout="block")
    for s, e in ex.program + [(adjoint_symbol(param), ex.gradient[param])]:
        if s in (ex.y,):
            continue
        exact_known[s] = e.xreplace(exact_known)
        reason = "forward pass" if s in dict(ex.forward) else "backward pass: chain rule"
        d.add(known[s], reason, lhs=exact_known[s], lhs_latex=backprop_latex(s),
              rhs_latex=f"{backprop_latex(e)} = {_fmt(known[s])}")
    # the last step: the backward pass's value (exact, from the exact values before it) is
    # sympy.diff of the composed loss; its right-hand side is the answer
    d.add(exact, "independent check: sympy.diff of the composed loss", lhs=exact_known[adjoint_symbol(param)],
          lhs_latex=rf"\frac{{\partial}}{{\partial {latex(param)}}} \left(y - f[x, \boldsymbol\phi]\right)^2",
          rhs_latex=_fmt(exact))
    # The points of a numeric check are all the same for a closed expression: one evaluation.
    for step in d.steps:
        step.check = check_equal(step.lhs, step.rhs, points=1, symbolic=False)
    answer = d.steps[-1].rhs

    def torch_gradients(scale: float = 1.0) -> list[float]:  # autograd of scale * l, in the order x, y, parameters
        args = [torch.tensor(float(values[s]), dtype=torch.float64, requires_grad=True)
                for s in [ex.x, ex.y] + ex.parameters]
        (loss,) = _toy_compiled()(*args)
        (scale * loss).backward()
        return [float(a.grad) for a in args]

    grads = torch_gradients()
    torch_grad = grads[2 + ex.parameters.index(param)]
    f, ell = sp.Symbol("f", real=True), sp.Symbol("ell")
    d.definitions.update(values)  # the sheet's input, target and parameters
    d.definitions[f] = ex.composed()  # the toy model the passes run through
    d.definitions[ell] = (ex.y - f) ** 2
    q = Question("toy-backprop")
    model = q(sp.Eq(f, ex.composed(), evaluate=False), "the toy model")
    loss = q(sp.Eq(ell, (ex.y - f) ** 2, evaluate=False), "the loss")
    assignments = q.givens([(s, values[s]) for s in [ex.x, ex.y] + ex.parameters], "the given value")
    asked = q(sp.Derivative(ell, param), "the derivative asked for")
    question = (f"The toy model ${model}$ with the loss ${loss}$ has ${assignments}$. Run the forward and the backward "
                f"pass and give ${asked}$ to 3 decimal places.")
    e = Question("toy-backprop", names=LAYER_NAMES, of="solution")
    df = LAYER_NAMES[r"\partial \ell / \partial f_k"]
    weight = e((LAYER_NAMES[r"\partial \ell / \partial \omega_k"], h_k * df), "the weight's derivative",
               typed=r"\partial \ell / \partial \omega_k = h_k\, \partial \ell / \partial f_k")
    bias = e((LAYER_NAMES[r"\partial \ell / \partial \beta_k"], df), "the bias's derivative",
             typed=r"\partial \ell / \partial \beta_k = \partial \ell / \partial f_k")
    given = e.named(adjoint_symbol(other), rf"\partial \ell / \partial {latex(other)}", "the derivative given")
    hint = f"you gave ${given}$: ${weight}$ and ${bias}$"
    return Exercise(
        "toy-backprop", "backprop", "number", question, d.steps[-1:], precision=0.001,
        solution=["Every intermediate is stored on the way forward; the backward pass multiplies the local "
                  r"derivatives from $\ell$ back to the parameter (numbers to 6 significant digits, checked to 50).", d],
        mistakes=[(hint, other_n)],
        witnesses=[Witness(hint, f"torch autograd of the loss with respect to {other.name}",
                           grads[2 + ex.parameters.index(other)]),
                   Witness(SIGN_ERROR, "torch autograd of minus the loss",
                           torch_gradients(-1.0)[2 + ex.parameters.index(param)])],
        twin=[(f"dl/d{param.name.replace('_{', '_').rstrip('}')} (torch autograd)", torch_grad, answer)], explained=e,
        title="Backpropagation on the toy model", printed=q)


@functools.lru_cache(maxsize=None)
def _network():
    from symbolic.backprop.backprop import backprop
    from symbolic.spec import NetworkSpec

    return backprop(NetworkSpec((1, 2, 1), "relu"), "least-squares")


@functools.lru_cache(maxsize=None)
def _substituted_gradient():
    return _network().substituted_gradient()


@kind("network-gradient", "backprop")
def network_gradient(rng: random.Random) -> Exercise:
    bp = _network()
    net = bp.net
    x = net.inputs[0]
    (y,) = bp.targets
    quarter = [R(n, 2) for n in range(-4, 5) if n]
    while True:
        values = {x: pick(rng, [R(1, 2), R(-1), R(3, 2), R(-1, 2), R(2)]), y: pick(rng, HALVES)}
        values.update({p: pick(rng, quarter) for p in bp.parameters})
        pre = [(net.beta[0][i] + net.omega[0][i, 0] * x).xreplace(values) for i in range(2)]
        if not (any(p > 0 for p in pre) and any(p < 0 for p in pre)) or min(abs(p) for p in pre) < R(1, 4):
            continue
        known = bp.evaluate(values)
        wanted = [net.beta[0][0], net.beta[0][1], net.omega[0][0, 0], net.omega[0][1, 0]]
        answer = tuple(known[adjoint_symbol(p)] for p in wanted)
        # every unit treated as active (ReLU' taken as 1)
        dl_df1 = known[adjoint_symbol(net.f[1][0])]
        active = tuple(dl_df1 * net.omega[1][0, i].xreplace(values) * m for m in (1, values[x]) for i in range(2))
        if any(v != 0 for v in answer) and len({answer, active, tuple(-v for v in answer), answer[:2][::-1] + answer[2:][::-1]}) == 4:
            break
    d = Derivation("backward pass", layout="block")
    d.definitions.update(values)
    d.definitions.update(dict(bp.program + bp.gradient_assignments))
    for s, e in bp.program:
        if s in bp.targets:
            continue
        d.add(known[s], "backward pass: chain rule" if isinstance(s, Adjoint) else "forward pass", lhs=s,
              lhs_latex=backprop_latex(s), rhs_latex=f"{backprop_latex(e)} = {number_latex(known[s])}")
    substituted = _substituted_gradient()
    for p in wanted:
        d.add(known[adjoint_symbol(p)], "independent check: sympy.diff of the substituted loss",
              lhs=substituted[p].xreplace(values), lhs_latex=backprop_latex(adjoint_symbol(p)))
    answer_steps = d.steps[-len(wanted):]
    answer = tuple(s.rhs for s in answer_steps)  # the answer: the last four checked steps
    tensors = {"beta_0": [float(values[net.beta[0][i]]) for i in range(2)],
               "omega_0": [[float(values[net.omega[0][i, 0]])] for i in range(2)],
               "beta_1": [float(values[net.beta[1][0]])], "omega_1": [[float(values[net.omega[1][0, i]]) for i in range(2)]]}
    def entries(grads: dict) -> tuple:  # (dl/dbeta_{0,1}, dl/dbeta_{0,2}, dl/domega_{0,1,1}, dl/domega_{0,2,1})
        return tuple(grads["beta_0"] + [grads["omega_0"][0][0], grads["omega_0"][1][0]])

    torch_values = entries(twin.parameter_gradient((1, 2, 1), tensors, [values[x]], [values[y]]))
    z = sp.Symbol("z", real=True)
    e = Question("network-gradient", names={r"\mathrm{ReLU}'[z]": sp.Derivative(ReLU(z), z)}, of="solution")
    slope = e((sp.Derivative(ReLU(z), z), sp.diff(ReLU(z), z)), "ReLU's derivative",
              typed=r"\mathrm{ReLU}'[z] = \mathbb{I}[z > 0]")
    relu_one = f"wrong activation derivative: ${slope}$ is 0 for the inactive unit, not 1"
    swapped = "you swapped the hidden units' indices"
    q = Question("network-gradient")
    forward = ", ".join(f"${q(sp.Eq(s, e, evaluate=False), 'the network')}$" for s, e in bp.program
                        if not isinstance(s, Adjoint) and s != bp.l)
    loss = q(sp.Eq(bp.l, dict(bp.program)[bp.l], evaluate=False), "the loss")
    asked = ", ".join(f"${q(sp.Derivative(bp.l, p), 'the derivative asked for')}$" for p in wanted)
    question = (f"The network {forward} with two hidden units has "
                f"${q.givens([(p, values[p]) for p in bp.parameters], 'the parameter')}$. For the sample "
                f"${q.givens([(x, values[x]), (y, values[y])], 'the sample')}$ and the loss ${loss}$, give {asked}, in "
                "this order.")
    return Exercise(
        "network-gradient", "backprop", "vector", question, answer_steps, precision=0.001,
        solution=["Forward pass, then the backward pass by the chain rule, each adjoint from the ones after it, "
                  f"with ${slope}$ for the hidden units:", d],
        mistakes=[(relu_one, active), (swapped, answer[:2][::-1] + answer[2:][::-1])],
        witnesses=[Witness(relu_one, "torch autograd through a straight-through ReLU (its derivative taken as 1)",
                           entries(twin.parameter_gradient((1, 2, 1), tensors, [values[x]], [values[y]],
                                                           relu_derivative_one=True))),
                   Witness(swapped, "the key's entries with the two hidden units exchanged (a transformation of the key)"),
                   Witness(SIGN_ERROR, "torch autograd of minus the loss",
                           entries(twin.parameter_gradient((1, 2, 1), tensors, [values[x]], [values[y]], scale=-1.0)))],
        twin=[(f"gradient entry {i + 1} (torch autograd)", tv, a) for i, (tv, a) in enumerate(zip(torch_values, answer))],
        title="The gradient of a small network", printed=q, explained=e)
