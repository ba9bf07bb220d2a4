"""Dot-product self-attention (UDL 12.2-12.3) in SymPy: the per-token definitions against the
matrix form, permutation equivariance, the parameter count, the softmax's Jacobian and the
gradient's closed form; each check fails when the mathematics behind it is wrong."""

from __future__ import annotations

import pytest
import sympy as sp

from symbolic.core.autodiff import Adjoint
from symbolic.networks import attention as att


@pytest.fixture(scope="module")
def head():
    return att.SelfAttention(3, 2)


def test_the_program_instantiates_the_books_definitions(head):
    program = dict(head.program())
    x11, x21 = head.X[0, 0], head.X[1, 0]
    v11 = att.symbol("beta_v", 1) + att.symbol("omega_v", 1, 1) * x11 + att.symbol("omega_v", 1, 2) * x21
    assert program[att.symbol(att.v_, 1, 1)] == v11
    s = [att.symbol(att.s_, r, 1) for r in (1, 2, 3)]
    assert program[att.symbol(att.a_, 2, 1)] == sp.exp(s[1]) / sum(sp.exp(t) for t in s)
    k, q = head.named(att.k_), head.named(att.q_)
    assert sp.simplify(program[att.symbol(att.s_, 2, 3)] - (k[:, 1].T * q[:, 2])[0] / sp.sqrt(att.D_q)) == 0
    assert len(program) == 3 * 2 * 3 + 2 * 3 * 3 + 2 * 3


def test_the_definitions_equal_the_matrix_form_and_a_missing_scale_fails(head):
    assert head.form_check().passed
    assert not head.form_check(head.matrix_form(scale=1)).passed  # the 1/sqrt(D_q) forgotten
    # the softmax over the queries (each row) instead of the keys (each column)
    ones = sp.ones(1, 3)
    V, Q, K = (head.beta(c) * ones + head.Omega(c) * head.X for c in "vqk")
    S = K.T * Q / sp.sqrt(att.D_q)
    rows = sp.Matrix.vstack(*(sp.Matrix(att.softmax(S.row(r))).T for r in range(3)))
    assert not head.form_check(V * rows).passed


def test_permutation_equivariance_holds_and_a_position_term_breaks_it(head):
    assert len(head.permutations()) == 6 and head.equivariance_failures() == []
    position = sp.Matrix(2, 3, lambda r, c: c * sp.Symbol("w", real=True))  # a term that knows the position
    failures = head.equivariance_failures(lambda X: head.matrix_form(X) + position)
    assert failures == [2, 3, 4, 5, 6]  # every permutation but the identity


def test_the_parameter_count_is_the_number_of_parameter_symbols():
    for N, D in ((3, 2), (2, 3), (4, 1)):
        assert len(set(att.SelfAttention(N, D).parameters)) == att.parameter_count(D)
    Dsym = sp.Symbol("D")
    assert sp.expand(att.mha_parameter_count(Dsym) - att.parameter_count(Dsym)) == Dsym**2 + Dsym


def test_the_softmax_jacobian_is_proven_and_a_wrong_one_fails():
    for size in (2, 3, 4):
        assert att.jacobian_check(size).passed
    assert not att.jacobian_check(3, lambda p: sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T / 2).passed
    assert not att.jacobian_check(3, lambda p: sp.diag(*p)).passed


def test_reverse_mode_gives_the_closed_form_and_the_softmax_adjoint(head):
    program, gradient, backward = head.gradient_program()
    closed = head.closed_gradient()
    assert all(sp.expand(gradient[w] - closed[w]) == 0 for w in head.parameters)
    rows = dict(backward)
    A = head.named(att.a_)
    column = [Adjoint(a, att.LOSS) for a in A.col(0)]
    forward = {s: e for s, e in program if s in set(A)}
    for s, closed_row in zip(head.named(att.s_).col(0), att.softmax_adjoint(list(A.col(0)), column)):
        reverse = rows[Adjoint(s, att.LOSS)]
        assert sp.simplify((reverse - closed_row).xreplace(forward)) == 0


def test_the_derivation_passes_and_a_softmax_over_the_queries_fails():
    dv = att.attention_derivation()
    assert dv.check().passed
    wrong = att.attention_derivation()
    wrong.steps[-1].rhs = wrong.steps[-1].rhs.xreplace({att.s_[att.j, att.n]: att.s_[att.m, att.j]})
    assert not wrong.check().passed


@pytest.mark.parametrize("bad", [dict(N=0), dict(D=-1), dict(N=2.5)])
def test_a_bad_head_names_what_is_wrong(bad):
    with pytest.raises(ValueError, match="must be a positive integer"):
        att.SelfAttention(**bad)
