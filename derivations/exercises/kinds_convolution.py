r"""Exercise kinds on convolutional layers (UDL 10.2): the output length of a 1-D layer and its
number of parameters.

The mathematics is :mod:`symbolic.networks.convolution`'s: ``conv-output-length`` puts the
sheet's numbers into :data:`~symbolic.networks.convolution.LENGTH`, the formula the notes check
against the positions counted one by one and torch's output length; its step here is checked
against :func:`~symbolic.networks.convolution.counted_length` for the sheet's layer.
``conv-parameters`` puts them into :func:`~symbolic.networks.convolution.conv_parameters`. The
answer is the last step of each.

The twins are PyTorch's own: the length of ``torch.nn.functional.conv1d``'s output, and the
``numel`` of ``torch.nn.Conv1d``'s parameters. Each typical mistake is made again on purpose by
torch: the padding forgotten (``padding=0``), the padding on one side only (``F.pad`` on the left,
then no padding), the dilation forgotten (``dilation=1``), the stride forgotten (``stride=1``);
the bias forgotten (``bias=False``), the input channels forgotten (``Conv1d(1, C_o, K)``) and
the fully connected layer's count (``nn.Linear``'s ``numel``).
"""

from __future__ import annotations

import functools
import random

import sympy as sp

from symbolic.core.derivation import Check, Derivation
from symbolic.core.printing import latex
from symbolic.networks import convolution as conv

from derivations.exercises.base import Exercise, Witness, kind, pick
from derivations.exercises.question import Question

#: The grid on which the length formula is compared with the positions counted, for every sheet.
CHECK_GRID = {"I": range(4, 13), "K": range(1, 6), "stride": range(1, 4), "padding": range(0, 3),
              "dilation": range(1, 3)}


@functools.lru_cache(maxsize=None)
def _formula_counts() -> tuple[int, int]:
    """(settings where the formula equals the positions counted, settings compared) on CHECK_GRID."""
    import itertools

    same = total = 0
    for I, K, s, p, d in itertools.product(*CHECK_GRID.values()):
        counted = conv.counted_length(I, K, s, p, d)
        if counted < 1:
            continue
        total += 1
        same += conv.output_length(I, K, s, p, d) == counted
    return same, total


def _length_check(length: sp.Expr, numbers: dict) -> Check:
    """The printed formula ``length`` is :data:`~symbolic.networks.convolution.LENGTH`, and that
    formula equals the positions counted one by one for the sheet's layer and on CHECK_GRID."""
    same, total = _formula_counts()
    sheet = int(length.xreplace(numbers)) == conv.counted_length(*(int(numbers[s]) for s in conv.length_symbols))
    ok = sp.simplify(length - conv.LENGTH) == 0 and sheet and same == total
    return Check(f"exact count (the sheet's layer, and {total} settings)", ok, 0.0 if ok else float("inf"),
                 "" if ok else f"the formula misses the count on {total - same} of {total} settings"
                 + ("" if sheet else ", and on the sheet's layer"))


def _substituted(expr: sp.Expr, values: dict) -> str:
    """``expr`` with ``values`` put in, unevaluated, then ``= its value``: the arithmetic as printed."""
    with sp.evaluate(False):
        shown = expr.xreplace(values)
    return f"{latex(shown)} = {latex(expr.xreplace(values))}"


def _torch_length(I: int, K: int, stride: int, padding: int, dilation: int, left_only: bool = False) -> int:
    """The length of ``torch.nn.functional.conv1d``'s output; ``left_only``: the padding put on the
    left only (``F.pad``), then none."""
    import torch
    import torch.nn.functional as F

    x = torch.zeros(1, 1, I, dtype=torch.float64)
    if left_only:
        x, padding = F.pad(x, (padding, 0)), 0
    return F.conv1d(x, torch.zeros(1, 1, K, dtype=torch.float64), stride=stride, padding=padding,
                    dilation=dilation).shape[-1]


@kind("conv-output-length", "convolution")
def conv_output_length(rng: random.Random) -> Exercise:
    I_, K_, s_, p_, d_ = conv.length_symbols
    while True:
        I, K = pick(rng, [16, 20, 25, 28, 32, 50, 64, 100]), pick(rng, [3, 5, 7])
        stride, padding, dilation = pick(rng, [2, 3]), pick(rng, [1, 2, 3]), pick(rng, [2, 3])
        # counted position by position, only to choose the draw (the padding on one end: a longer input, unpadded)
        answer = conv.counted_length(I, K, stride, padding, dilation)
        slips = [conv.counted_length(I, K, stride, 0, dilation), conv.counted_length(I + padding, K, stride, 0, dilation),
                 conv.counted_length(I, K, stride, padding, 1), conv.counted_length(I, K, 1, padding, dilation)]
        generic = [answer, -answer, 2 * answer, sp.Rational(answer, 2)]
        if answer >= 2 and min(slips) >= 1 and len(set(slips + generic)) == len(slips) + len(generic):
            break
    numbers = {I_: sp.Integer(I), K_: sp.Integer(K), s_: sp.Integer(stride), p_: sp.Integer(padding),
               d_: sp.Integer(dilation)}
    d = Derivation("the output length", layout="block")
    d.definitions.update(numbers)  # the sheet's layer: the length below is of it
    d.add(conv.LENGTH, "the positions where the kernel's last weight still meets the padded input "
          "(the notes compare it with torch)", lhs=conv.L_, verify=lambda: _length_check(d.steps[0].rhs, numbers))
    d.add(d.steps[0].rhs.xreplace(numbers), "the sheet's numbers put in", rename=numbers,
          rhs_latex=_substituted(d.steps[0].rhs, numbers))
    answer = d.steps[-1].rhs  # the answer: the formula with the sheet's numbers
    no_padding = "you left out the padding: it adds p positions at each end of the input"
    one_side = "you padded one end only: the zero padding p is added at both ends"
    no_dilation = ("you left out the dilation: a dilated kernel of K weights spans d (K - 1) + 1 inputs, "
                   "not K")
    no_stride = "you left out the stride: the kernel moves s positions from one output to the next"
    mistakes = [(no_padding, sp.Integer(slips[0])), (one_side, sp.Integer(slips[1])),
                (no_dilation, sp.Integer(slips[2])), (no_stride, sp.Integer(slips[3]))]
    q = Question("conv-output-length")
    question = (f"A 1-D convolutional layer has a kernel of ${q.given(K_, K, 'the kernel size')}$ weights, stride "
                f"${q.given(s_, stride, 'the stride')}$, dilation ${q.given(d_, dilation, 'the dilation')}$ and zero "
                f"padding of ${q.given(p_, padding, 'the padding')}$ at each end of its input, which has "
                f"${q.given(I_, I, 'the input length')}$ entries. How many outputs does it have?")
    return Exercise(
        "conv-output-length", "convolution", "integer", question, d.steps[-1:], precision=0,
        solution=["The outputs are the positions where the kernel, spread by the dilation, still lies within "
                  "the padded input, one every stride:", d],
        mistakes=mistakes,
        witnesses=[Witness(no_padding, "the length of torch's conv1d output with padding=0",
                           _torch_length(I, K, stride, 0, dilation), True),
                   Witness(one_side, "the length of torch's conv1d output, the input padded on the left only",
                           _torch_length(I, K, stride, padding, dilation, left_only=True), True),
                   Witness(no_dilation, "the length of torch's conv1d output with dilation=1",
                           _torch_length(I, K, stride, padding, 1), True),
                   Witness(no_stride, "the length of torch's conv1d output with stride=1",
                           _torch_length(I, K, 1, padding, dilation), True)],
        twin=[("the length of torch.nn.functional.conv1d's output", float(_torch_length(I, K, stride, padding,
                                                                                         dilation)), float(answer))],
        title="The output length of a convolutional layer", printed=q)


def _numel(module) -> int:
    return sum(p.numel() for p in module.parameters())


@kind("conv-parameters", "convolution")
def conv_parameters(rng: random.Random) -> Exercise:
    import torch

    I_, K_, C_i, C_o = conv.COUNT_SYMBOLS
    while True:
        I, K = pick(rng, [16, 32, 64, 100]), pick(rng, [3, 5, 7])
        c_in, c_out = pick(rng, [2, 3, 4, 8]), pick(rng, [4, 6, 8, 16, 32])
        drawn = c_out * (c_in * K + 1)  # only to choose the draw (the answer is the derivation's)
        slips = [c_out * c_in * K, c_out * (K + 1), int(conv.dense_parameters(I, I, c_in, c_out))]
        generic = [drawn, -drawn, 2 * drawn, sp.Rational(drawn, 2)]
        if len(set(slips + generic)) == len(slips) + len(generic):
            break
    numbers = {K_: sp.Integer(K), C_i: sp.Integer(c_in), C_o: sp.Integer(c_out)}
    N = sp.Symbol("N_c", integer=True)
    d = Derivation("parameters", layout="block")
    d.definitions.update({**numbers, I_: sp.Integer(I)})  # the sheet's layer: the count below is of it
    d.definitions[N] = conv.conv_parameters(K_, C_i, C_o)
    formula = conv.conv_parameters(K_, C_i, C_o)
    d.add(formula.xreplace(numbers), "a kernel of C_i K weights and one bias for each output channel, the same at "
          "every position", lhs=N, rhs_latex=_substituted(formula, numbers))
    answer = d.steps[-1].rhs  # the answer: the count written out and checked
    no_bias = "you left out the biases: each output channel has one"
    no_channels = "you left out the input channels: each output channel's kernel has K weights for every input channel"
    dense = ("that is the count of a fully connected layer between the same inputs and outputs: the convolutional "
             "layer shares one kernel along the input")
    padding = (K - 1) // 2
    layer = torch.nn.Conv1d(c_in, c_out, K, padding=padding, device="meta")
    q = Question("conv-parameters")
    question = (f"A 1-D convolutional layer takes ${q.given(C_i, c_in, 'the input channels')}$ input channels of "
                f"length ${q.given(I_, I, 'the input length')}$ to ${q.given(C_o, c_out, 'the output channels')}$ "
                f"output channels, with kernels of size ${q.given(K_, K, 'the kernel size')}$ and zero padding "
                f"{padding}, so that the length stays the same. How many parameters (weights and biases) does it have?")
    return Exercise(
        "conv-parameters", "convolution", "integer", question, d.steps[-1:], precision=0,
        solution=["Every output channel has a kernel with a weight for each of the kernel's positions in each "
                  "input channel, and a bias; they are the same at every output position:", d],
        mistakes=[(no_bias, sp.Integer(slips[0])), (no_channels, sp.Integer(slips[1])), (dense, sp.Integer(slips[2]))],
        witnesses=[Witness(no_bias, "numel of torch.nn.Conv1d with bias=False",
                           _numel(torch.nn.Conv1d(c_in, c_out, K, bias=False, device="meta")), True),
                   Witness(no_channels, "numel of torch.nn.Conv1d with one input channel",
                           _numel(torch.nn.Conv1d(1, c_out, K, device="meta")), True),
                   Witness(dense, "numel of torch.nn.Linear between the flattened inputs and outputs",
                           _numel(torch.nn.Linear(c_in * I, c_out * I, device="meta")), True)],
        twin=[("numel of torch.nn.Conv1d's weight and bias", float(_numel(layer)), float(answer))],
        title="The parameters of a convolutional layer", printed=q)
