r"""Exercise kinds on activation functions: the derivative of ``a[c z]`` as an expression,
and the derivative's value at a point.

The derivatives are the package's own (each activation class's ``fdiff``); the solution
proves them from the activation's definition (chain rule, then the exponential form), once
per activation with the factor ``c`` symbolic, and then substitutes the student's numbers.
Values are cross-checked against torch autograd on the twin's activation. The answer is the
last step of the solution; each typical mistake is made again on purpose from the activation's
definition (SymPy differentiates the slipped expression) or by torch autograd.
"""

from __future__ import annotations

import functools
import random

import sympy as sp

from symbolic.activations.functions import activation
from symbolic.spec.activations import ACTIVATIONS
from symbolic.core.derivation import Derivation
from symbolic.core.step_check import _unfold
from symbolic.core.printing import latex

from derivations.exercises import twin
from derivations.exercises.base import Exercise, R, Witness, kind, number_latex, pick
from derivations.exercises.checker import SIGN_ERROR
from derivations.exercises.question import Question

z = sp.Symbol("z", real=True)
c = sp.Symbol("c", real=True, nonzero=True)
u = sp.Symbol("u", real=True)


def _name(name: str) -> str:
    """LaTeX of the activation's name, from its registry entry (``\\mathrm{sig}``)."""
    return ACTIVATIONS.get(name).latex


def _definition(name: str) -> sp.Expr:
    """The activation's definition at ``z`` in elementary functions (its class's own unfolding;
    tanh in exponentials)."""
    unfolded = _unfold(activation(name)(z))
    return unfolded.rewrite(sp.exp) if unfolded.has(sp.tanh) else unfolded


def _stated_definition(q: Question, d: Derivation, name: str) -> str:
    """``a[z] = ...``: the definition the question states, printed and read back, and the
    definition of ``a[z]`` in the solution's derivation ``d`` (which the question's is linked to)."""
    d.definitions[activation(name)(z)] = _definition(name)
    return q(sp.Eq(activation(name)(z), _definition(name), evaluate=False), f"the definition of {name}")


#: The activation whose derivative a student confuses with this one's.
CONFUSED = {"sigmoid": "tanh", "tanh": "sigmoid", "softplus": "sigmoid", "swish": "sigmoid", "elu": "relu",
            "leaky_relu": "relu"}


def derivative(name: str, arg: sp.Expr) -> sp.Expr:
    """a'[arg] from the package's activation class (``fdiff``)."""
    return sp.diff(activation(name)(u), u).xreplace({u: arg})


#: The inner derivative as the solutions and the feedback print it (answers.json keeps the words).
INNER = r"d(cz)/dz = c"


def _words(slug: str) -> Question:
    """The printed parts of an activation solution's words; ``d(cz)/dz`` names the derivative."""
    return Question(slug, names={"d(cz)/dz": sp.Derivative(c * z, z)}, of="solution")


def _inner(e: Question) -> str:
    """``d(cz)/dz = c``: the inner derivative, SymPy's."""
    return e((sp.Derivative(c * z, z), sp.diff(c * z, z)), "the inner derivative", typed=INNER)


#: The chain rule's words, printed once with the derivation they belong to.
_CHAIN_WORDS: dict[str, Question] = {}


@functools.lru_cache(maxsize=None)
def chain_rule_derivation(name: str) -> Derivation:
    r"""d/dz a[c z] = c a'[c z], proven once per activation with c symbolic (its reason's formula
    printed into ``_CHAIN_WORDS[name]``)."""
    a = activation(name)
    definition = type(a(u)).definition(u)
    d = Derivation(f"derivative of {name}[c z]", layout="block")
    q = sp.Symbol("q")
    d.add(sp.Derivative(a(c * z), z), "the quantity asked for", lhs=q, check=False, lhs_name=True,
          lhs_latex=rf"\frac{{d}}{{dz}} {_name(name)}\left[c z\right]")
    _CHAIN_WORDS[name] = e = _words(f"activation-derivative {name}")
    d.add(c * derivative(name, c * z), f"chain rule: ${_inner(e)}$, and the activation's derivative")
    d.add(sp.diff(definition.xreplace({u: c * z}), z), "the same from the definition in exponentials")
    d.check()
    return d


def _readable(value: sp.Expr) -> bool:
    """Whether the answer grammar reads the printed value back: a student could type it."""
    from derivations.exercises.answer_grammar import AnswerSyntaxError, parse_answer

    try:
        parse_answer(latex(value), [])
    except AnswerSyntaxError:
        return False
    return True


def _definition_of(name: str, arg: sp.Expr) -> sp.Expr:
    """The activation's definition (in exponentials) at ``arg``, from its class."""
    return type(activation(name)(u)).definition(u).xreplace({u: arg})


def _product_rule_mistakes(name: str, cv: sp.Expr, answer: sp.Expr) -> list[tuple[str, sp.Expr, Witness]]:
    """For an activation defined as a product z g[z] (swish: z sig[z]), the product rule's
    commonest slip: dropping the term c g[cz] (its witness differentiates only g: c z d/dz g[cz]);
    no such mistake for other activations."""
    definition = type(activation(name)(u)).definition(u)
    if not (definition.is_Mul and u in definition.args):
        return []
    g = definition / u
    if not g.has(u):
        return []
    dropped = g.xreplace({u: cv * z})
    # (the term is not printed: it is part of the answer, and the feedback reaches the student)
    feedback = "product rule: you differentiated only the second factor and dropped the term of the first"
    witness = Witness(feedback, "SymPy: c z times the derivative of g[c z] only (the factor c z not differentiated)",
                      cv * z * sp.diff(g.xreplace({u: cv * z}), z), exact=True)
    return [(feedback, answer - cv * dropped, witness)]


@kind("activation-derivative", "activations")
def activation_derivative(rng: random.Random) -> Exercise:
    name = pick(rng, ["sigmoid", "tanh", "softplus", "swish"])
    cv = pick(rng, [R(2), R(3), R(1, 2), R(3, 2), R(-2), R(-1, 2)])
    a = activation(name)
    generic = chain_rule_derivation(name)
    d = Derivation("with the given c", layout="block")
    e = _words("activation-derivative")
    e.include(_CHAIN_WORDS[name])
    d.add(generic.steps[1].rhs.xreplace({c: cv}), f"the proven rule with ${e(sp.Eq(c, cv, evaluate=False), 'c')}$",
          lhs=sp.Derivative(a(cv * z), z), lhs_latex=rf"\frac{{d}}{{dz}} {_name(name)}\left[{latex(cv * z)}\right]")
    answer = d.steps[-1].rhs  # the answer: the proven rule with the sheet's c
    inner = f"you dropped the inner derivative $c$ (chain rule: ${_inner(e)}$)"
    wrong = f"that is the derivative of the wrong activation ({CONFUSED[name]}, not {name})"
    mistakes = [(inner, derivative(name, cv * z)), (wrong, cv * derivative(CONFUSED[name], cv * z))]
    witnesses = [Witness(inner, "SymPy: the definition differentiated in its argument, then c z put in",
                         sp.diff(_definition_of(name, u), u).xreplace({u: cv * z}), exact=True),
                 Witness(wrong, f"SymPy: d/dz of the definition of {CONFUSED[name]}[c z]",
                         sp.diff(_definition_of(CONFUSED[name], cv * z), z), exact=True),
                 Witness(SIGN_ERROR, "SymPy: d/dz of minus the definition of a[c z]",
                         sp.diff(-_definition_of(name, cv * z), z), exact=True)]
    for feedback, value, witness in _product_rule_mistakes(name, cv, answer):
        mistakes.append((feedback, value))
        witnesses.append(witness)
    points = [R(-3, 2), R(1, 3), R(7, 5)]
    twin_values = [(f"derivative at z = {p} (torch autograd)", cv * twin.activation_derivative(name, cv * p)[1],
                    answer.subs(z, p)) for p in points]
    q = Question("activation-derivative")
    question = (f"With ${_stated_definition(q, d, name)}$, differentiate ${q(a(cv * z), 'the function')}$ with respect "
                "to $z$. Answer with an expression in $z$ (you may use the activation itself, or exponentials).")
    return Exercise(
        "activation-derivative", "activations", "expression", question, d.steps[-1:], variables=[z],
        solution=["The rule, proven once for any constant $c$:", generic, "With the sheet's number:", d],
        mistakes=mistakes, witnesses=witnesses, twin=twin_values, title="Derivative of an activation", printed=q,
        explained=e)


@functools.lru_cache(maxsize=None)
def _value_derivation(name: str) -> Derivation:
    a = activation(name)
    d = Derivation(f"{name}'", layout="block")
    q = sp.Symbol("q")
    d.add(sp.Derivative(a(z), z), "the derivative asked for", lhs=q, check=False, lhs_name=True,
          lhs_latex=rf"{_name(name)}'\left[z\right]")
    d.add(derivative(name, z), "the activation's derivative")
    return d


@kind("activation-slope", "activations")
def activation_slope(rng: random.Random) -> Exercise:
    while True:
        name = pick(rng, ["sigmoid", "tanh", "softplus", "swish", "elu", "leaky_relu"])
        z0 = pick(rng, [R(-2), R(-3, 2), R(-1), R(-1, 2), R(1, 2), R(1), R(3, 2), R(2)])
        if ACTIVATIONS.get(name).kinks and z0 > 0:
            continue  # the negative branch is the interesting one
        drawn = derivative(name, z0)  # only to choose the draw
        value = activation(name)(z0)
        confused = derivative(CONFUSED[name], z0)
        numbers = [float(v) for v in (drawn, value, confused, -drawn, 2 * drawn)]
        if abs(numbers[0]) > 0.02 and all(abs(p - q) > 0.01 for i, p in enumerate(numbers) for q in numbers[i + 1:]):
            break
    generic = _value_derivation(name)
    d = Derivation("at the point", layout="block")
    e = _words("activation-slope")
    d.add(generic.steps[-1].rhs.xreplace({z: z0}), f"substitute ${e(sp.Eq(z, z0, evaluate=False), 'the point')}$",
          lhs=sp.Subs(sp.Derivative(activation(name)(z), z), z, z0), lhs_latex=rf"{_name(name)}'\left[{number_latex(z0)}\right]")
    if not _readable(d.steps[-1].rhs):  # a derivative printed as a'[z0] (ELU'): say what number it is
        d.add(_unfold(d.steps[-1].rhs), "the derivative's definition at the point")
    answer = d.steps[-1].rhs  # the answer: the derivative at the point, as printed
    value_torch, slope_torch = twin.activation_derivative(name, z0)
    value_given = f"you gave the activation's value ${e(activation(name)(z), 'the value', typed=_name(name) + '[z]')}$, not its slope"
    wrong = f"that is the slope of the wrong activation ({CONFUSED[name]}, not {name})"
    q = Question("activation-slope")
    question = (f"With ${_stated_definition(q, d, name)}$, compute the slope "
                f"${q(sp.Derivative(activation(name)(z), z), 'the slope')}$ at ${q(sp.Eq(z, z0), 'the point')}$ "
                "to 3 decimal places.")
    return Exercise(
        "activation-slope", "activations", "number", question, d.steps[-1:], precision=0.001,
        solution=[generic, d, f"Numerically, the slope is ${e(answer, 'the slope', typed=f'{float(answer):.6f}')}$."],
        mistakes=[(value_given, value), (wrong, confused)],
        witnesses=[Witness(value_given, "the torch activation's value at the point", value_torch),
                   Witness(wrong, f"torch autograd slope of {CONFUSED[name]} at the point",
                           twin.activation_derivative(CONFUSED[name], z0)[1]),
                   Witness(SIGN_ERROR, "torch autograd slope of minus the activation at the point",
                           twin.activation_derivative(name, z0, scale=-1)[1])],
        twin=[("slope (torch autograd)", slope_torch, answer), ("value (torch)", value_torch, value)],
        title="Slope of an activation", printed=q, explained=e)

