r"""Exercise kinds on training: one gradient-descent step of 1-D linear regression, and the
gradient of a batch for SGD (a sum over the batch, as in the lecture, not a mean).

The model is ``y = phi_0 + phi_1 x`` with ``L[phi] = sum_i (phi_0 + phi_1 x_i - y_i)^2``
(:func:`symbolic.training.gradient_descent.least_squares_loss`); the solution differentiates it
(checked against ``sympy.diff``), its last steps are the answer, and the twin is one torch
autograd step. Each typical mistake is that step taken the slipped way in torch (the loss with
``.mean()``, the square's factor 2 lost, ``torch.optim.SGD(maximize=True)``); the number of
updates of SGD is counted with the trainer's own batching rule
(:func:`numeric.training.batch_bounds`, which :meth:`numeric.training.Trainer._batches` cuts with),
for the answer and for its mistakes, and compared with the updates the trainer itself makes
(its step counter after a run). Every question prints its formulas and numbers from the objects
the solution uses (:mod:`.question`).
"""

from __future__ import annotations

import random

import sympy as sp

from symbolic.core.derivation import Derivation
from symbolic.core.printing import latex
from symbolic.training.gradient_descent import least_squares_loss, phi_0, phi_1

from derivations.exercises.base import HALVES, Exercise, R, Witness, kind, number_latex, pick, tex_number
from derivations.exercises.checker import SIGN_ERROR
from derivations.exercises.question import Question

#: The data's inputs and targets as the questions name them, x_i and y_i; the sample index i.
x, y = sp.IndexedBase("x", real=True), sp.IndexedBase("y", real=True)
i = sp.Symbol("i", integer=True, positive=True)
learning_rate, L, ell_i = sp.Symbol("alpha", positive=True), sp.Symbol("L"), sp.Symbol("ell_i")
#: The model y = phi_0 + phi_1 x as a question states it.
MODEL = sp.Eq(sp.Symbol("y", real=True), phi_0 + phi_1 * sp.Symbol("x", real=True), evaluate=False)


def _data_symbols(n: int) -> tuple[list, list]:
    """The symbols x_1..x_n and y_1..y_n of a data set of n samples."""
    return [x[k] for k in range(1, n + 1)], [y[k] for k in range(1, n + 1)]


#: A sample's loss and its derivatives in phi_0 and phi_1 as the solutions state them.
ELL_I = (phi_0 + phi_1 * x[i] - y[i]) ** 2


def _partial_name(p: sp.Symbol) -> str:
    return rf"\frac{{\partial \ell_i}}{{\partial {latex(p)}}}"


def _sample_rule(e: Question, p: sp.Symbol) -> str:
    """``d l_i / d p = 2 (phi_0 + phi_1 x_i - y_i) ...``: a sample's derivative, SymPy's (factored)."""
    return e((sp.Derivative(ELL_I, p), sp.factor(sp.diff(ELL_I, p))), f"a sample's derivative in {p}",
             typed=f"{_partial_name(p)} = {latex(sp.factor(sp.diff(ELL_I, p)))}")


def _words(slug: str) -> Question:
    """The printed parts of a training solution's words (its reasons and feedback)."""
    return Question(slug, names={_partial_name(p): sp.Derivative(ELL_I, p) for p in (phi_0, phi_1)}, of="solution")


def _gradient_derivation(xs, ys, start, title: str, names=None, e: Question | None = None,
                         over: str = "the samples") -> tuple[Derivation, tuple]:
    """The gradient of L[phi] = sum_i (phi_0 + phi_1 x_i - y_i)^2 at ``start``; ``names``: the
    symbols of the samples (default x_1, y_1, ...), defined as the data's numbers; ``e``: where
    its reasons print their rules (each sample's derivative, summed ``over``)."""
    e = e if e is not None else _words(title)
    X, Y = names or _data_symbols(len(xs))
    loss = least_squares_loss(X, Y)  # in the data's symbols: the checks read the numbers from the definitions
    r = [start[0] + start[1] * xv - yv for xv, yv in zip(xs, ys)]
    g0, g1 = sum(2 * v for v in r), sum(2 * v * xv for v, xv in zip(r, xs))
    at = {phi_0: start[0], phi_1: start[1]}
    d = Derivation(title, layout="block")
    d.definitions.update({**dict(zip(X, xs)), **dict(zip(Y, ys))})
    d.add(g0, f"the sum over {over} of ${_sample_rule(e, phi_0)}$", lhs=sp.Derivative(loss, phi_0).subs(at),
          lhs_latex=r"\frac{\partial L}{\partial \phi_0}",
          rhs_latex=" + ".join(f"2 \\cdot {tex_number(v)}" for v in r) + f" = {number_latex(g0)}")
    d.add(g1, f"the sum over {over} of ${_sample_rule(e, phi_1)}$",
          lhs=sp.Derivative(loss, phi_1).subs(at), lhs_latex=r"\frac{\partial L}{\partial \phi_1}",
          rhs_latex=" + ".join(f"2 \\cdot {tex_number(v)} \\cdot {tex_number(xv)}" for v, xv in zip(r, xs))
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


def _table(q: Question, xs, ys) -> str:
    """The samples ``$(x_i, y_i)$``: ``$(.., ..)$, ...``, each entry a given number of x_i or y_i."""
    X, Y = _data_symbols(len(xs))
    points = [f"${q.point([(X[k], xs[k]), (Y[k], ys[k])], 'the sample')}$" for k in range(len(xs))]
    return "$(x_i, y_i)$: " + ", ".join(points[:-1]) + " and " + points[-1]


def _loss(q: Question, n: int) -> str:
    """``L = sum_{i=1}^{n} (phi_0 + phi_1 x_i - y_i)^2``, printed and read back."""
    return q(sp.Eq(L, sp.Sum((phi_0 + phi_1 * x[i] - y[i]) ** 2, (i, 1, n)), evaluate=False), "the loss")


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
    gradients = [sp.Symbol(f"G_{j}") for j in range(2)]  # dL/dphi_j, as the update's rule names them
    e = Question("gd-step", of="solution", names={
        **{_partial_name(p): sp.Derivative(ELL_I, p) for p in (phi_0, phi_1)},
        **{rf"\frac{{\partial L}}{{\partial {latex(p)}}}": G for p, G in zip((phi_0, phi_1), gradients)},
        r"\nabla L": sp.Symbol("nabla_L")})
    d, _ = _gradient_derivation(xs, ys, start, "gradient", e=e)
    step = Derivation("update", layout="block")
    step.definitions[learning_rate] = alpha  # the sheet's learning rate
    for j, (s, gradient) in enumerate(zip(start, d.steps)):
        gj = gradient.rhs  # the checked partial derivative
        nj = s - alpha * gj
        new, p = sp.Symbol(f"phi_{j}^[1]"), (phi_0, phi_1)[j]
        step.definitions.update({new: p - learning_rate * gradients[j], p: s, gradients[j]: gj})  # the rule, its values
        rule = e(sp.Eq(new, step.definitions[new], evaluate=False), f"the update of {p}",
                 typed=rf"\phi_{{{j}}}^{{[1]}} = {latex(p)} - \alpha \frac{{\partial L}}{{\partial {latex(p)}}}")
        step.add(nj, f"${rule}$", lhs=s - alpha * gj,
                 lhs_latex=rf"\phi_{j}^{{[1]}}",
                 rhs_latex=f"{number_latex(s)} - {number_latex(alpha)} \\cdot {tex_number(gj)} = {number_latex(nj)}")
    new = tuple(s.rhs for s in step.steps)  # the answer: the two updated parameters as printed
    torch_new = _torch_step(xs, ys, start, alpha)
    mean = "you used the mean of the per-sample gradients: the loss is a sum over the samples"
    half = "you lost the factor 2 of the derivative of the square"
    phi, nabla = sp.Symbol("phi"), sp.Symbol("nabla_L")  # the parameters and the gradient, as a vector rule
    against = e(phi - learning_rate * nabla, "the step against the gradient", typed=r"\phi - \alpha \nabla L")
    ascent = f"sign error: gradient descent steps against the gradient, ${against}$"
    first, second = (e(p, f"the parameter {p}", typed=t) for p, t in ((phi_0, r"\phi_0"), (phi_1, r"\phi_1")))
    swap = f"you swapped ${first}$ and ${second}$"
    q = Question("gd-step")
    question = (f"Fit ${q(MODEL, 'the model')}$ to the data {_table(q, xs, ys)}, with the loss ${_loss(q, len(xs))}$. "
                f"Starting from "
                f"${', '.join(q(sp.Eq(p, v, evaluate=False), 'the start') for p, v in zip((phi_0, phi_1), start))}$, take one "
                f"gradient-descent step with learning rate ${q.given(learning_rate, alpha, 'the learning rate')}$. Give "
                "the new $(\\phi_0, \\phi_1)$.")
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
        title="One step of gradient descent", printed=q, explained=e)


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
    e = _words("sgd-gradient")
    d, _ = _gradient_derivation(bx, by, start, "batch gradient", ([x[k + 1] for k in batch], [y[k + 1] for k in batch]),
                                e=e, over="the batch")
    X, Y = _data_symbols(6)
    d.definitions.update({**dict(zip(X, xs)), **dict(zip(Y, ys))})  # the whole data set, the batch among it
    g = tuple(s.rhs for s in d.steps)  # the answer: the two checked partial derivatives
    grad = _torch_gradient(bx, by, start)
    mean_text = "you used the mean over the batch: the batch loss is a sum over its samples"
    every = "you used every sample: the batch gradient sums over the batch only"
    swap = r"you swapped the two components"
    q = Question("sgd-gradient")
    members = ", ".join(str(k + 1) for k in batch[:-1]) + f" and {batch[-1] + 1}"
    sample = q(sp.Eq(ell_i, (phi_0 + phi_1 * x[i] - y[i]) ** 2, evaluate=False), "the per-sample loss")
    partials = " and ".join(f"${q(sp.Derivative(ell_i, p), 'a partial derivative')}$" for p in (phi_0, phi_1))
    question = (f"For ${q(MODEL, 'the model')}$ with the per-sample loss ${sample}$ and the six samples "
                f"{_table(q, xs, ys)}, stochastic gradient descent draws the batch $\\mathcal{{B}}$ of the samples "
                f"{members}. Compute the batch gradient, the sums over the batch of {partials}, at "
                f"${', '.join(q(sp.Eq(p, v, evaluate=False), 'the point') for p, v in zip((phi_0, phi_1), start))}$.")
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
        title="The gradient of a batch", printed=q, explained=e)


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
    I_, B_, E_ = sp.symbols("I B E", integer=True, positive=True)  # samples, batch size, epochs
    d = Derivation("steps", layout="block")
    d.definitions.update({I_: I, B_: B, E_: epochs})  # the sheet's numbers: the count below is of them
    d.definitions[N] = sp.ceiling(I_ / B_) * E_
    e = Question("steps-per-epoch", of="solution")
    batches_per_epoch = e(sp.ceiling(I_ / B_), "the batches of an epoch")
    d.add(sp.Integer(per_epoch * epochs), f"each epoch visits every sample once, in ${batches_per_epoch}$ batches "
          "(the last one smaller)", lhs=N,
          rhs_latex=rf"{epochs} \cdot \left\lceil \frac{{{I}}}{{{B}}} \right\rceil = {epochs} \cdot {per_epoch} = "
                    f"{per_epoch * epochs}")
    answer = d.steps[-1].rhs  # the answer: the updates the trainer's batching makes, checked against ceil(I / B)
    counted = _count_steps(I, B, epochs)
    q = Question("steps-per-epoch")
    question = (f"Stochastic gradient descent runs for ${q.given(E_, epochs, 'the epochs')}$ epochs over "
                f"${q.given(I_, I, 'the samples')}$ training samples with batches of ${q.given(B_, B, 'the batch size')}$ "
                "samples (shuffled without replacement each epoch; the last batch of an epoch may be smaller). How many "
                "parameter updates does it make?")
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
        twin=[("updates made by the torch trainer (its step counter after the epochs)", float(counted), float(answer))],
        title="Steps of stochastic gradient descent", printed=q, explained=e)


def _count_steps(I: int, B: int, epochs: int) -> int:
    """Updates the trainer makes: :class:`numeric.training.Trainer` run for the epochs on I samples
    in batches of B (SGD, its own shuffling and batching, :meth:`~numeric.training.Trainer._batches`),
    read off its step counter. The data are zeros, so the parameters stay finite."""
    import numpy as np

    from numeric.data import Dataset
    from numeric.training import TrainConfig, Trainer
    from symbolic.spec import NetworkSpec

    data = Dataset(np.zeros((I, 1)), np.zeros((I, 1)))  # X (I, D_i), Y (I, 1)
    config = TrainConfig(optimizer="sgd", lr=1e-3, batch_size=B, epochs=epochs, device="cpu", dtype="float64",
                         progress=False)
    trainer = Trainer(NetworkSpec((1, 1, 1), "linear"), "least-squares", data, config)
    trainer.run()
    return trainer.step
