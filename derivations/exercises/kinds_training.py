r"""Exercise kinds on training: one gradient-descent step of 1-D linear regression, and the
gradient of a batch for SGD (a sum over the batch, as in the lecture, not a mean).

The model is ``y = phi_0 + phi_1 x`` with ``L[phi] = sum_i (phi_0 + phi_1 x_i - y_i)^2``
(:func:`symbolic.training.gradient_descent.least_squares_loss`); the solution differentiates it
(checked against ``sympy.diff``), its last steps are the answer, and the twin is one torch
autograd step. Each typical mistake is that step taken the slipped way in torch (the loss with
``.mean()``, the square's factor 2 lost, ``torch.optim.SGD(maximize=True)``); the number of
updates of SGD is counted with the trainer's own batching rule
(:func:`numeric.training.batch_bounds`), for the answer and for its mistakes.
"""

from __future__ import annotations

import random

import sympy as sp

from symbolic.core.derivation import Derivation
from symbolic.training.gradient_descent import least_squares_loss, phi_0, phi_1

from derivations.exercises.base import HALVES, Exercise, R, Witness, kind, number_latex, pick, tex_number
from derivations.exercises.checker import SIGN_ERROR


def _gradient_derivation(xs, ys, start, title: str) -> tuple[Derivation, tuple]:
    L = least_squares_loss(xs, ys)
    r = [start[0] + start[1] * x - y for x, y in zip(xs, ys)]
    g0, g1 = sum(2 * v for v in r), sum(2 * v * x for v, x in zip(r, xs))
    at = {phi_0: start[0], phi_1: start[1]}
    d = Derivation(title, layout="block")
    d.add(g0, r"$\partial L / \partial \phi_0 = \sum_i 2 (\phi_0 + \phi_1 x_i - y_i)$", lhs=sp.Derivative(L, phi_0).subs(at),
          lhs_latex=r"\frac{\partial L}{\partial \phi_0}",
          rhs_latex=" + ".join(f"2 \\cdot {tex_number(v)}" for v in r) + f" = {number_latex(g0)}")
    d.add(g1, r"$\partial L / \partial \phi_1 = \sum_i 2 (\phi_0 + \phi_1 x_i - y_i) x_i$",
          lhs=sp.Derivative(L, phi_1).subs(at), lhs_latex=r"\frac{\partial L}{\partial \phi_1}",
          rhs_latex=" + ".join(f"2 \\cdot {tex_number(v)} \\cdot {tex_number(x)}" for v, x in zip(r, xs))
          + f" = {number_latex(g1)}")
    return d, (r, g0, g1)


def _torch_gradient(xs, ys, start, reduce: str = "sum", scale: float = 1.0) -> list[float]:
    """Autograd gradient of ``scale`` times the loss of the samples: ``sum`` of the squared
    residuals, their ``mean``, or ``half``: the sum of r^2 / 2 (the square's factor 2 lost)."""
    import torch

    phi = torch.tensor([float(v) for v in start], dtype=torch.float64, requires_grad=True)
    X = torch.tensor([float(v) for v in xs], dtype=torch.float64)
    Y = torch.tensor([float(v) for v in ys], dtype=torch.float64)
    squares = (phi[0] + phi[1] * X - Y) ** 2  # (I,)
    loss = {"sum": squares.sum, "mean": squares.mean, "half": lambda: (squares / 2).sum()}[reduce]()
    (scale * loss).backward()
    return phi.grad.tolist()


def _torch_step(xs, ys, start, alpha, reduce: str = "sum", maximize: bool = False) -> tuple[float, float]:
    """One step of ``torch.optim.SGD`` (learning rate alpha) on the loss of the samples
    (``reduce`` as in :func:`_torch_gradient`; ``maximize``: gradient ascent)."""
    import torch

    phi = torch.tensor([float(v) for v in start], dtype=torch.float64, requires_grad=True)
    X = torch.tensor([float(v) for v in xs], dtype=torch.float64)
    Y = torch.tensor([float(v) for v in ys], dtype=torch.float64)
    optimizer = torch.optim.SGD([phi], lr=float(alpha), maximize=maximize)
    squares = (phi[0] + phi[1] * X - Y) ** 2  # (I,)
    {"sum": squares.sum, "mean": squares.mean, "half": lambda: (squares / 2).sum()}[reduce]().backward()
    optimizer.step()
    return tuple(phi.detach().tolist())


def _data(rng: random.Random, I: int):
    xs = sorted(rng.sample([R(n, 2) for n in range(-4, 5)], I))
    ys = [pick(rng, HALVES) for _ in range(I)]
    return xs, ys


def _table(xs, ys) -> str:
    return ", ".join(f"({number_latex(x)}, {number_latex(y)})" for x, y in zip(xs, ys))


@kind("gd-step", "gradient_descent")
def gd_step(rng: random.Random) -> Exercise:
    while True:
        xs, ys = _data(rng, 3)
        start = (pick(rng, HALVES), pick(rng, HALVES))
        alpha = pick(rng, [R(1, 10), R(1, 20), R(1, 8), R(1, 4)])
        r = [start[0] + start[1] * x - y for x, y in zip(xs, ys)]
        g = (sum(2 * v for v in r), sum(2 * v * x for v, x in zip(r, xs)))
        drawn = (start[0] - alpha * g[0], start[1] - alpha * g[1])  # only to choose the draw
        wrong = {"mean": tuple(s - alpha * gi / 3 for s, gi in zip(start, g)),
                 "half": tuple(s - alpha * gi / 2 for s, gi in zip(start, g)),
                 "ascent": tuple(s + alpha * gi for s, gi in zip(start, g)), "swap": drawn[::-1]}
        if g[0] != 0 and g[1] != 0 and len({drawn, *wrong.values(), start}) == 6:
            break
    d, _ = _gradient_derivation(xs, ys, start, "gradient")
    step = Derivation("update", layout="block")
    for j, (s, gradient) in enumerate(zip(start, d.steps)):
        gj = gradient.rhs  # the checked partial derivative
        nj = s - alpha * gj
        step.add(nj, r"$\phi \leftarrow \phi - \alpha\, \partial L / \partial \phi$", lhs=s - alpha * gj,
                 lhs_latex=rf"\phi_{j}^{{[1]}}",
                 rhs_latex=f"{number_latex(s)} - {number_latex(alpha)} \\cdot {tex_number(gj)} = {number_latex(nj)}")
    new = tuple(s.rhs for s in step.steps)  # the answer: the two updated parameters as printed
    torch_new = _torch_step(xs, ys, start, alpha)
    mean = "you used the mean of the per-sample gradients: the loss is a sum over the samples"
    half = "you lost the factor 2 of the derivative of the square"
    ascent = r"sign error: gradient descent steps against the gradient, $\phi - \alpha \nabla L$"
    swap = r"you swapped $\phi_0$ and $\phi_1$"
    question = (r"Fit $y = \phi_0 + \phi_1 x$ to the data $(x_i, y_i) = " + _table(xs, ys) + r"$ with the loss "
                r"$L[\boldsymbol\phi] = \sum_i (\phi_0 + \phi_1 x_i - y_i)^2$. Starting from "
                f"$(\\phi_0, \\phi_1) = ({number_latex(start[0])}, {number_latex(start[1])})$, take one gradient-descent "
                f"step with learning rate $\\alpha = {number_latex(alpha)}$. Give the new $(\\phi_0, \\phi_1)$.")
    return Exercise(
        "gd-step", "gradient_descent", "vector", question, step.steps, precision=0.001,
        solution=["The gradient of the total loss, a sum over the samples:", d, "The step:", step],
        mistakes=[(mean, wrong["mean"]), (half, wrong["half"]), (ascent, wrong["ascent"]), (swap, wrong["swap"])],
        witnesses=[Witness(mean, "a torch.optim.SGD step on the mean of the squared residuals",
                           _torch_step(xs, ys, start, alpha, "mean")),
                   Witness(half, "a torch.optim.SGD step on the sum of the squared residuals over 2",
                           _torch_step(xs, ys, start, alpha, "half")),
                   Witness(ascent, "a torch.optim.SGD step with maximize=True (gradient ascent)",
                           _torch_step(xs, ys, start, alpha, maximize=True)),
                   Witness(swap, "the two entries of the key in the other order (a transformation of the key)")],
        twin=[(f"phi_{j} after the step (torch autograd)", torch_new[j], new[j]) for j in range(2)],
        title="One step of gradient descent")


@kind("sgd-gradient", "sgd")
def sgd_gradient(rng: random.Random) -> Exercise:
    while True:
        xs, ys = _data(rng, 6)
        start = (pick(rng, HALVES), pick(rng, HALVES))
        batch = sorted(rng.sample(range(6), 3))
        bx, by = [xs[i] for i in batch], [ys[i] for i in batch]
        r = [start[0] + start[1] * x - y for x, y in zip(bx, by)]
        g = (sum(2 * v for v in r), sum(2 * v * x for v, x in zip(r, bx)))  # only to choose the draw
        ra = [start[0] + start[1] * x - y for x, y in zip(xs, ys)]
        full = (sum(2 * v for v in ra), sum(2 * v * x for v, x in zip(ra, xs)))
        mean = (g[0] / 3, g[1] / 3)
        if g[0] != 0 and g[1] != 0 and len({g, full, mean, g[::-1], (g[0] / 2, g[1] / 2)}) == 5:
            break
    d, _ = _gradient_derivation(bx, by, start, "batch gradient")
    g = tuple(s.rhs for s in d.steps)  # the answer: the two checked partial derivatives
    grad = _torch_gradient(bx, by, start)
    mean_text = "you used the mean over the batch: the batch loss is a sum over its samples"
    every = "you used every sample: the batch gradient sums over the batch only"
    swap = r"you swapped the two components"
    question = (r"For $y = \phi_0 + \phi_1 x$ with the per-sample loss $\ell_i = (\phi_0 + \phi_1 x_i - y_i)^2$ and the data "
                f"$(x_i, y_i)_{{i=1}}^{{6}} = {_table(xs, ys)}$, stochastic gradient descent draws the batch "
                f"$\\mathcal{{B}} = \\{{{', '.join(str(i + 1) for i in batch)}\\}}$. Compute the batch gradient "
                r"$\left(\sum_{i \in \mathcal{B}} \partial \ell_i / \partial \phi_0, \sum_{i \in \mathcal{B}} \partial \ell_i / "
                r"\partial \phi_1\right)$ at $(\phi_0, \phi_1) = "
                f"({number_latex(start[0])}, {number_latex(start[1])})$.")
    return Exercise(
        "sgd-gradient", "sgd", "vector", question, d.steps, precision=0.001,
        solution=[f"Only the batch's samples {', '.join(str(i + 1) for i in batch)} enter, summed:", d],
        mistakes=[(mean_text, mean), (every, full), (swap, g[::-1])],
        witnesses=[Witness(mean_text, "torch autograd of the mean over the batch", tuple(_torch_gradient(bx, by, start, "mean"))),
                   Witness(every, "torch autograd of the sum over all six samples", tuple(_torch_gradient(xs, ys, start))),
                   Witness(swap, "the two entries of the key in the other order (a transformation of the key)"),
                   Witness(SIGN_ERROR, "torch autograd of minus the batch loss",
                           tuple(_torch_gradient(bx, by, start, scale=-1.0)))],
        twin=[(f"batch gradient component {j} (torch autograd)", grad[j], g[j]) for j in range(2)],
        title="The gradient of a batch")


@kind("steps-per-epoch", "sgd")
def steps_per_epoch(rng: random.Random) -> Exercise:
    from numeric.training import batch_bounds

    while True:
        I = pick(rng, [50, 60, 75, 90, 100, 120, 150, 200])
        B = pick(rng, [7, 8, 16, 20, 25, 32])
        epochs = pick(rng, [2, 3, 5])
        if I % B and I > B:
            break
    batches = batch_bounds(I, B)  # the trainer's batching rule: one update per batch
    per_epoch = len(batches)
    N = sp.Symbol("N")
    d = Derivation("steps", layout="block")
    d.definitions[N] = sp.ceiling(sp.Rational(I, B)) * epochs
    d.add(sp.Integer(per_epoch * epochs), r"each epoch visits every sample once, in $\lceil I / B \rceil$ batches "
          "(the last one smaller)", lhs=N,
          rhs_latex=rf"{epochs} \cdot \left\lceil \frac{{{I}}}{{{B}}} \right\rceil = {epochs} \cdot {per_epoch} = "
                    f"{per_epoch * epochs}")
    answer = d.steps[-1].rhs  # the answer: the updates the trainer's batching makes, checked against ceil(I / B)
    counted = _count_steps(I, B, epochs)
    question = (f"Stochastic gradient descent runs for {epochs} epochs over $I = {I}$ training samples with batches of "
                f"$B = {B}$ samples (shuffled without replacement each epoch; the last batch of an epoch may be "
                "smaller). How many parameter updates does it make?")
    last = "off by one per epoch: the last, smaller batch is an update too"
    samples = "that is the number of samples seen, not the number of updates (one update per batch)"
    return Exercise(
        "steps-per-epoch", "sgd", "integer", question, d.steps[-1:], precision=0,
        solution=[d],
        mistakes=[(last, sp.Integer((I // B) * epochs)), (samples, sp.Integer(I * epochs))],
        witnesses=[Witness(last, "the full batches of the trainer's batching rule (batch_bounds), every epoch",
                           epochs * sum(1 for a, b in batches if b - a == B), True),
                   Witness(samples, "the samples in the batches of the trainer's batching rule, every epoch",
                           epochs * sum(b - a for a, b in batches), True)],
        twin=[("updates counted by the torch trainer's batching", float(counted), float(answer))],
        title="Steps of stochastic gradient descent")


def _count_steps(I: int, B: int, epochs: int) -> int:
    """Updates made by the trainer's own shuffled batches (:func:`numeric.training.shuffled_batches`,
    cut by :func:`numeric.training.batch_bounds`), epoch after epoch."""
    import numpy as np

    from numeric.training import shuffled_batches

    rng = np.random.default_rng(0)
    return sum(len(shuffled_batches(I, B, rng)) for _ in range(epochs))
