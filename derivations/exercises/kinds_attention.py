r"""Exercise kinds on self-attention (UDL 12.2): the number of parameters of one head.

The mathematics is :mod:`symbolic.networks.attention`'s: ``attention-parameters`` puts the
sheet's token size into :func:`~symbolic.networks.attention.parameter_count` (3 D^2 + 3 D: the
matrices Omega_v, Omega_q, Omega_k and the biases beta_v, beta_q, beta_k), the count the notes
check against the derived head's parameter symbols and ``torch.nn.MultiheadAttention``. The
answer is the last step.

The twin is PyTorch's own: the ``numel`` of ``nn.MultiheadAttention``'s input projection (its
weight and bias). Each typical mistake is made again on purpose by torch: the biases forgotten
(``bias=False``: its input projection's weight alone), the output projection counted too (the
module's whole ``numel``), and one of the three maps counted instead of three (``nn.Linear(D, D)``).
"""

from __future__ import annotations

import random

import sympy as sp

from symbolic.core.derivation import Derivation
from symbolic.core.printing import latex
from symbolic.networks import attention as att

from derivations.exercises.base import Exercise, Witness, kind, pick
from derivations.exercises.question import Question

#: The token sizes a sheet draws from.
SIZES = (8, 12, 16, 24, 32, 48, 64, 96, 128, 256, 512)


def _substituted(expr: sp.Expr, values: dict) -> str:
    """``expr`` with ``values`` put in, unevaluated, then ``= its value``: the arithmetic as printed."""
    with sp.evaluate(False):
        shown = expr.xreplace(values)
    return f"{latex(shown)} = {latex(expr.xreplace(values))}"


def _numel(module) -> int:
    return sum(p.numel() for p in module.parameters())


@kind("attention-parameters", "attention")
def attention_parameters(rng: random.Random) -> Exercise:
    import torch

    D, tokens = pick(rng, SIZES), pick(rng, [4, 6, 10, 20, 50])
    numbers = {att.D: sp.Integer(D)}
    N = sp.Symbol("N_{sa}", integer=True)
    formula = att.parameter_count(att.D)
    d = Derivation("parameters", layout="block")
    d.definitions[N] = formula.xreplace(numbers)
    d.definitions[att.D] = sp.Integer(D)
    d.add(formula.xreplace(numbers), "three square weight matrices (values, queries, keys) and three biases, shared "
          "by every token", lhs=N, rhs_latex=_substituted(formula, numbers))
    answer = d.steps[-1].rhs  # the answer: the count written out and checked
    no_bias = "you left out the biases: the values, queries and keys each have a bias of D entries"
    projection = ("that counts nn.MultiheadAttention's output projection too (a further D x D matrix and bias "
                  "after the head): the head itself has only the values', queries' and keys' parameters")
    one_map = "you counted one linear map: the values, the queries and the keys each have their own"
    mha = torch.nn.MultiheadAttention(D, 1, device="meta")
    no_bias_mha = torch.nn.MultiheadAttention(D, 1, bias=False, device="meta")
    slips = [3 * D**2, int(att.mha_parameter_count(D)), D**2 + D]
    q = Question("attention-parameters")
    question = (f"A self-attention layer with one head takes a sequence of {tokens} tokens, each a vector of "
                f"${q.given(att.D, D, 'the token size')}$ entries; its values, queries and keys have $D$ entries too. "
                "How many parameters (weights and biases) do its values, queries and keys have together?")
    return Exercise(
        "attention-parameters", "attention", "integer", question, d.steps[-1:], precision=0, printed=q,
        solution=["Each of the values, queries and keys is a linear map of a token: a square weight matrix and a "
                  "bias, the same for every token, so the number of tokens does not matter:", d],
        mistakes=[(no_bias, sp.Integer(slips[0])), (projection, sp.Integer(slips[1])), (one_map, sp.Integer(slips[2]))],
        witnesses=[Witness(no_bias, "numel of nn.MultiheadAttention's input projection with bias=False",
                           no_bias_mha.in_proj_weight.numel(), True),
                   Witness(projection, "numel of nn.MultiheadAttention with one head", _numel(mha), True),
                   Witness(one_map, "numel of torch.nn.Linear(D, D)", _numel(torch.nn.Linear(D, D, device="meta")),
                           True)],
        twin=[("numel of torch.nn.MultiheadAttention's input projection (weight and bias)",
               float(mha.in_proj_weight.numel() + mha.in_proj_bias.numel()), float(answer))],
        title="The parameters of a self-attention head")
