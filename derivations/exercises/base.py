r"""What an exercise is: a question, its answer, a checked worked solution and typical mistakes.

An exercise *kind* is a function ``make(rng) -> Exercise`` registered with :func:`kind`;
it draws the student's numbers from ``rng`` (seeded by the seed, the student's id and the
kind), keeps drawing until the problem is well posed, and returns the question (LaTeX),
the worked solution as blocks of LaTeX and checked :class:`~symbolic.core.derivation.Derivation`
objects, the solution's *answer steps*, comparisons against the PyTorch twin, and the
*mistakes*: answers that a typical slip produces, each with the feedback that names the slip
("you used the pre-activation of an inactive unit"), and its *witness*: the slip made on
purpose by an independent computation (:class:`Witness`).

The answer is not computed beside the solution: it *is* the right-hand side of the answer
steps (:func:`key_of`), the SymPy object the step's check verified and the solution prints;
:mod:`.readback` reads the printed step back and compares it with ``answers.json``.

This module imports SymPy only; the kinds import torch lazily inside ``make``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence, Union

import sympy as sp

from symbolic.core.derivation import Derivation, Step
from symbolic.core.printing import latex

__all__ = ["Exercise", "Witness", "KINDS", "kind", "key_of", "R", "Answer", "number_latex", "answer_latex", "pick",
           "nonzero", "tex_number", "DEFAULT_PRECISION"]

R = sp.Rational
Answer = Union[sp.Expr, tuple]

#: Absolute tolerance of a number answer unless a kind says otherwise ("to 3 decimal places").
DEFAULT_PRECISION = 0.001


@dataclass(frozen=True)
class Witness:
    """An independent computation of one typical mistake: the slip made on purpose (the twin
    with the ReLU left out, the loss divided by I, the derivative of the negated function),
    which the build compares with the mistake the checker recognises (``feedback`` names it).

    ``value`` is None where the mistake is definable only as a transformation of the key (the
    two outputs in the other order): ``how`` says so, and the build still checks that the
    checker names that mistake. ``exact``: ``value`` is exact (SymPy), compared exactly;
    otherwise float64, compared within the twin's tolerance.
    """

    feedback: str
    how: str
    value: Any = None
    exact: bool = False


def key_of(steps: Sequence[Step], kind: str) -> Answer:
    """The answer: the right-hand side of the answer step (a vector: one step per entry, in order).

    >>> d = Derivation("y")
    >>> d.add(sp.Rational(3, 2), "output", lhs=sp.Symbol("y"))
    >>> key_of(d.steps[-1:], "number")
    3/2
    """
    steps = list(steps)
    if kind == "vector":
        if not steps:
            raise ValueError("a vector answer needs one answer step per entry, got none")
        return tuple(s.rhs for s in steps)
    if len(steps) != 1:
        raise ValueError(f"a {kind} answer is the right-hand side of one step, got {len(steps)} steps")
    return steps[0].rhs


@dataclass
class Exercise:
    """One student's exercise of one kind (see the module docstring)."""

    slug: str  # the kind, e.g. "shallow-output"
    topic: str  # the notes topic it exercises
    kind: str  # expression, number, integer or vector
    question: str  # LaTeX
    answer_steps: list[Step]  # the solution's steps whose right-hand sides are the answer
    variables: list[sp.Symbol] = field(default_factory=list)
    precision: float | None = None  # absolute tolerance for number/vector answers; None: exact
    solution: list[Any] = field(default_factory=list)  # LaTeX strings and Derivations, in order
    mistakes: list[tuple[str, Answer]] = field(default_factory=list)  # (feedback, wrong answer)
    twin: list[tuple[str, float, float]] = field(default_factory=list)  # (what, torch value, exact value)
    domain: dict[str, list] = field(default_factory=dict)  # variable name -> the values it takes (support)
    title: str = ""
    witnesses: list[Witness] = field(default_factory=list)  # independent computations of the mistakes
    printed: Any = None  # the question's printed parts (a .question.Question), read back by the build
    explained: Any = None  # the printed parts of the solution's prose, reasons and feedback (a .question.Question)
    answer: Answer = field(init=False)  # key_of(answer_steps): the key written to answers.json

    def __post_init__(self) -> None:
        self.answer = key_of(self.answer_steps, self.kind)

    def derivations(self) -> list[Derivation]:
        return [b for b in self.solution if isinstance(b, Derivation)]


#: Registered kinds: slug -> (topic, make).
KINDS: dict[str, tuple[str, Callable[[random.Random], Exercise]]] = {}


def kind(slug: str, topic: str):
    """Register ``make(rng) -> Exercise`` as the exercise kind ``slug`` of ``topic``."""

    def register(make: Callable[[random.Random], Exercise]):
        KINDS[slug] = (topic, make)
        return make

    return register


def pick(rng: random.Random, values: Sequence):
    return values[rng.randrange(len(values))]


def nonzero(rng: random.Random, values: Sequence):
    value = 0
    while value == 0:
        value = pick(rng, values)
    return value


#: Small rationals the kinds draw parameters from (halves and quarters).
HALVES = [R(n, 2) for n in range(-6, 7)]


def number_latex(value: sp.Expr) -> str:
    """A number as the sheet prints it: an exact rational, else 6 significant digits."""
    value = sp.sympify(value)
    if value.is_Rational:
        return latex(value)
    return f"{float(value):.6g}"


def tex_number(value: sp.Expr) -> str:
    """Like :func:`number_latex`, with parentheses around a negative number (for products)."""
    text = number_latex(value)
    return f"\\left({text}\\right)" if text.startswith("-") else text


def answer_latex(answer: Answer, kind: str) -> str:
    r"""The answer in LaTeX that the answer grammar reads back: exact rationals and
    expressions as the notes print them; irrational numbers to 12 significant digits."""
    if kind == "vector":
        return r"\left(" + ", ".join(answer_latex(a, "number") for a in answer) + r"\right)"
    if kind in ("number", "integer"):
        value = sp.sympify(answer)
        return latex(value) if value.is_Rational else f"{float(value):.12g}"
    return latex(answer)
