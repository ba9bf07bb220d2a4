r"""Supports as objects: the set a loss's targets lie in, and everything a command asks of it.

A :class:`Support` is an interval of the real line (``real``, ``positive``, ``nonnegative``,
``unit-interval``, ``circular``) or a discrete set of outcomes (``binary``, ``count``,
``class``, ``ranking``). It answers, as attributes, the questions that used to be asked by
comparing its name: its interval (the normalisation integral's limits), its outcomes, its
LaTeX, the SymPy assumptions of a target symbol, the words of an error message, and one
sampler of exact target values for checks at random points.

Plain Python: no SymPy, no torch (the interval's ends are floats; :mod:`symbolic.losses.block`
turns them into SymPy numbers, ``math.pi`` into ``pi``).

>>> unit = SUPPORTS["unit-interval"]
>>> unit.interval, unit.discrete, unit.assumptions
((0.0, 1.0), False, {'positive': True})
>>> SUPPORTS["class"].outcomes(3), SUPPORTS["count"].outcomes(3)
(range(0, 3), None)
>>> import random
>>> [str(v) for v in SUPPORTS["binary"].sample(random.Random(0), 4, D_o=1)]
['1', '1', '0', '1']
>>> [int(v) for v in SUPPORTS["ranking"].sample(random.Random(0), 3, D_o=3)]
[0, 2, 1]
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

__all__ = ["SUPPORTS", "Support"]


def _np():
    import numpy as np

    return np


@dataclass(frozen=True)
class Support:
    """The set a target lies in.

    name : the registry's name (``real``, ..., ``ranking``).
    plural, singular : the words of a message about the targets (``singular(D_o, loss)``).
    test : ``test(Y, D_o)``, a boolean numpy array of the *bad* entries of Y (I, n).
    fix : the hint appended to a message about a bad target.
    interval : ``(lower, upper)`` of a continuous support (floats; ``math.inf``, ``math.pi``).
    outcomes : ``outcomes(D_o)``, the finite outcomes of one target (None when infinite or
        not one target at a time: counts, rankings).
    draw : ``(lo, hi)``: exact sample targets are drawn uniformly from this range (continuous:
        on a grid of ``1/denominator``; counts: the integers lo..hi).
    latex : the set in LaTeX (``D`` stands for the number of outputs where it matters).
    where : the set in words, for messages ("the real line", "y > 0", ...).
    assumptions : SymPy assumptions that hold for a target symbol of this support.
    sum_latex : ``sum_latex(D)``, the sum over the outcomes in LaTeX (discrete supports; D targets).
    summed : how a discrete total is computed, in words (the normalisation check's method).
    permutation : a row of targets is a permutation of the item indices (rankings).
    class_index : the targets are class indices (a torch side stores them as integers).
    """

    name: str
    plural: Callable[[int], str]
    singular: Callable[[int, str], str]
    test: Callable[[Any, int], Any]
    fix: Callable[[int], str] = lambda D_o: ""
    interval: tuple[float, float] | None = None
    outcomes: Callable[[int], range | None] = lambda D_o: None
    draw: tuple[int | float, int | float] | None = None
    latex: str = ""
    where: str = ""
    assumptions: dict = field(default_factory=lambda: {"real": True})
    sum_latex: Callable[[int], str] = lambda D: ""
    summed: str = ""
    permutation: bool = False
    class_index: bool = False

    def __str__(self) -> str:
        return self.name

    @property
    def discrete(self) -> bool:
        return self.interval is None

    @property
    def real_line(self) -> bool:
        """The whole real line (a Gaussian integrates over it in closed form)."""
        return self.interval == (-math.inf, math.inf)

    @property
    def counts(self) -> bool:
        """Nonnegative integers without an upper end (a sum to infinity)."""
        return self.discrete and not self.permutation and self.outcomes(1) is None

    def sample(self, rng: random.Random, n: int, D_o: int, denominator: int = 1000) -> list[Fraction]:
        """``n`` exact target values that suit the support, for checks at random points.

        Continuous: uniform on the grid of ``1/denominator`` in :attr:`draw` (ends included);
        finite outcomes: uniform over them; counts: uniform in :attr:`draw`; a ranking: a
        random permutation of ``0..n-1``.
        """
        if self.permutation:
            order = list(range(n))
            rng.shuffle(order)
            return [Fraction(v) for v in order]
        outcomes = self.outcomes(D_o)
        if outcomes is not None:
            return [Fraction(rng.randrange(outcomes.start, outcomes.stop)) for _ in range(n)]
        lo, hi = self.draw
        if self.counts:
            return [Fraction(rng.randint(int(lo), int(hi))) for _ in range(n)]
        d = denominator
        first, last = math.ceil(round(lo * d, 9)), math.floor(round(hi * d, 9))
        return [Fraction(rng.randint(first, last), d) for _ in range(n)]


def _ranking_bad(Y, D_o):
    np = _np()
    n = Y.shape[1]
    rows = (Y != np.round(Y)) | (Y < 0) | (Y > n - 1)
    not_perm = np.array([len(set(r.tolist())) != n for r in Y]) if len(Y) else np.zeros(0, dtype=bool)
    bad = rows.copy()
    for i in np.nonzero(not_perm & ~rows.any(axis=1))[0]:
        seen = set()
        for j, v in enumerate(Y[i].tolist()):  # the first repeated index is the bad entry
            if v in seen:
                bad[i, j] = True
                break
            seen.add(v)
    return bad


_INTEGER = {"nonnegative": True, "integer": True}

SUPPORTS: dict[str, Support] = {s.name: s for s in (
    Support("real", lambda D: "finite numbers", lambda D, n: "a finite number", lambda Y, D: ~_np().isfinite(Y),
            interval=(-math.inf, math.inf), draw=(-2, 2), latex=r"\mathbb{R}", where="the real line"),
    Support("positive", lambda D: "positive numbers (y > 0)", lambda D, n: f"a positive number y > 0 ({n} loss)",
            lambda Y, D: ~(Y > 0), interval=(0.0, math.inf), draw=(0.05, 3), latex=r"(0, \infty)", where="y > 0",
            assumptions={"positive": True}),
    Support("nonnegative", lambda D: "nonnegative numbers (y >= 0)",
            lambda D, n: f"a nonnegative number y >= 0 ({n} loss)", lambda Y, D: ~(Y >= 0),
            interval=(0.0, math.inf), draw=(0, 3), latex=r"[0, \infty)", where="y >= 0",
            assumptions={"nonnegative": True}),
    Support("unit-interval", lambda D: "strictly between 0 and 1 (0 < y < 1)",
            lambda D, n: f"strictly between 0 and 1 ({n} loss)", lambda Y, D: ~((Y > 0) & (Y < 1)),
            lambda D: "; the density of 0 and 1 is 0 or infinite: clip the targets into (0, 1)",
            interval=(0.0, 1.0), draw=(0.02, 0.98), latex="(0, 1)", where="(0, 1)", assumptions={"positive": True}),
    Support("circular", lambda D: "angles in [-pi, pi]", lambda D, n: f"an angle in [-pi, pi] ({n} loss)",
            lambda Y, D: ~((Y >= -math.pi) & (Y <= math.pi)), lambda D: "; wrap angles with atan2(sin y, cos y)",
            interval=(-math.pi, math.pi), draw=(-3.1, 3.1), latex=r"[-\pi, \pi]", where="[-pi, pi]"),
    Support("binary", lambda D: "0 or 1", lambda D, n: f"0 or 1 ({n} loss)", lambda Y, D: ~_np().isin(Y, (0.0, 1.0)),
            lambda D: "; encode the two classes as 0 and 1", outcomes=lambda D: range(2), latex=r"\{0, 1\}",
            where="{0, 1}", assumptions=_INTEGER, sum_latex=lambda D: r"\sum_{y \in \{0, 1\}} ", summed="sum over 0 and 1"),
    Support("count", lambda D: "nonnegative integer counts", lambda D, n: f"a count 0, 1, 2, ... ({n} loss)",
            lambda Y, D: (Y != _np().round(Y)) | (Y < 0), draw=(0, 4), latex=r"\{0, 1, 2, \dots\}",
            where="the counts 0, 1, 2, ...", assumptions=_INTEGER, sum_latex=lambda D: r"\sum_{y = 0}^{\infty} ",
            summed="sum of 400 terms"),
    Support("class", lambda D: f"class indices 0..{D - 1} (one per output)",
            lambda D, n: f"a class index 0..{D - 1} ({n} loss with D_o = {D} classes)",
            lambda Y, D: (Y != _np().round(Y)) | (Y < 0) | (Y > D - 1),
            lambda D: f"; a network with D_o = {D} outputs has {D} classes", outcomes=range,
            latex=r"\{0, \dots, D - 1\}", where="the class indices", assumptions=_INTEGER,
            sum_latex=lambda D: rf"\sum_{{y = 0}}^{{{D - 1}}} ", summed="sum over the classes", class_index=True),
    Support("ranking", lambda D: f"rankings: each row a permutation of the item indices 0..{D - 1}",
            lambda D, n: f"a ranking: a permutation of the item indices 0..{D - 1} ({n} loss)", _ranking_bad,
            lambda D: "; list every item once, first to last", latex=r"\text{rankings of } 0, \dots, D - 1",
            where="the rankings", assumptions=_INTEGER, sum_latex=lambda D: r"\sum_{\text{rankings } \mathbf{y}} ",
            summed="sum over all n! rankings", permutation=True),
)}
