"""The attention topic (UDL 12.2-12.3): the head against scaled_dot_product_attention and
nn.MultiheadAttention, permutation equivariance, the parameter count, the softmax's Jacobian and
the gradient; each claim fails when the mathematics or the printed text behind it is wrong."""

from __future__ import annotations

import pytest
import sympy as sp
import torch

import derivations.topics.attention as topic
from derivations.topics.topic import TopicContext
from symbolic.core.autodiff import reverse_mode
from symbolic.networks import attention as att


@pytest.fixture
def small(monkeypatch):
    """Sizes a unit test affords (the notes use the module's)."""
    monkeypatch.setattr(topic, "BATCH", 8)
    monkeypatch.setattr(topic, "DIFF_POINTS", 1)
    monkeypatch.setattr(topic, "MOST_TOKENS", 3)


def _generator():
    return torch.Generator().manual_seed(0)


def _failed(records) -> set[str]:
    return {r["id"] for r in records if not r["passed"]}


def test_every_record_passes_and_the_displays_are_the_books(small, tmp_path):
    result = topic.build(TopicContext(tmp_path))
    assert result.passed and len(result.records) >= 25, _failed(result.records)
    kinds = {r["kind"] for r in result.records}
    assert {"derivation-step", "readback", "exact-vs-torch", "exact", "symbolic", "derivative"} <= kinds
    assert set(result.displays) == {"definitions", "attention", "matrix", "counts", "jacobian", "gradient"}
    assert r"\frac{1}{\sqrt{D_{q}}}" in result.displays["matrix"].latex
    assert r"N_{sa} &= 3 D^{2} + 3 D" in result.displays["counts"].latex
    assert (tmp_path / "figures" / "attention_matrix.pdf").exists()


def test_a_printed_matrix_form_with_a_slip_fails_its_read_back(small, monkeypatch, tmp_path):
    printer = topic.latex

    def slip(expr, **settings):  # K printed untransposed in the scores' row
        text = printer(expr, **settings)
        return text.replace(r"k_{1,1} & k_{2,1}\\k_{1,2} & k_{2,2}", r"k_{1,1} & k_{1,2}\\k_{2,1} & k_{2,2}", 1)

    monkeypatch.setattr(topic, "latex", slip)
    assert "attention.attention-printed-matrix-for" in _failed(topic.build(TopicContext(tmp_path)).records)


def test_a_missing_scale_in_the_definition_fails_against_torch(small, monkeypatch):
    definitions = dict(att.DEFINITIONS)
    definitions[att.s_[att.m, att.n]] = definitions[att.s_[att.m, att.n]] * sp.sqrt(att.D_q)
    monkeypatch.setattr(att, "DEFINITIONS", definitions)
    failed = _failed(topic.forward_checks(att.SelfAttention(3, 2), _generator()))
    assert {"forward.matrix", "forward.sdpa", "forward.mha"} <= failed


def test_a_softmax_over_the_queries_fails_against_torch(small, monkeypatch):
    definitions = dict(att.DEFINITIONS)
    definitions[att.a_[att.m, att.n]] = (sp.exp(att.s_[att.m, att.n])
                                         / sp.Sum(sp.exp(att.s_[att.m, att.j]), (att.j, 1, att.N)))
    monkeypatch.setattr(att, "DEFINITIONS", definitions)
    failed = _failed(topic.forward_checks(att.SelfAttention(3, 2), _generator()))
    assert {"forward.matrix", "forward.sdpa", "forward.mha"} <= failed


def test_a_layer_that_knows_positions_fails_the_equivariance(small, monkeypatch):
    head = att.SelfAttention(3, 2)
    outputs = att.SelfAttention.outputs
    w = sp.Symbol("w", real=True)
    monkeypatch.setattr(att.SelfAttention, "outputs",
                        lambda self, X=None: outputs(self, X) + sp.Matrix(2, 3, lambda r, c: c * w))
    assert "equivariance.proof" in _failed(topic.equivariance_checks(head, _generator()))


def test_a_count_without_the_biases_fails_against_torch(small, monkeypatch):
    monkeypatch.setattr(att, "parameter_count", lambda D: 3 * D**2)
    assert {"counts.symbols", "counts.torch"} <= _failed(topic.count_checks(att.SelfAttention(3, 2))[0])


def test_a_wrong_jacobian_fails_the_proof_and_torch(small, monkeypatch):
    monkeypatch.setattr(att, "jacobian_closed_form", lambda p: sp.diag(*p) - sp.Matrix(p) * sp.Matrix(p).T / 2)
    assert {"jacobian.proof", "jacobian.torch"} <= _failed(topic.jacobian_checks(_generator())[0])


def test_a_wrong_softmax_adjoint_fails_its_proof(small, monkeypatch):
    monkeypatch.setattr(att, "softmax_adjoint", lambda a_column, adjoints: [a * g for a, g in zip(a_column, adjoints)])
    assert "gradient.softmax" in _failed(topic.gradient_checks(att.SelfAttention(3, 2), _generator())[0])


def test_a_halved_loss_fails_against_autograd(small, monkeypatch):
    program = att.SelfAttention.gradient_program

    def halved(self):
        p, _, _ = program(self)
        p = p[:-1] + [(att.LOSS, p[-1][1] / 2)]
        backward, gradient = reverse_mode(p, att.LOSS, self.parameters)
        return p, gradient, backward

    monkeypatch.setattr(att.SelfAttention, "gradient_program", halved)
    assert "gradient.torch" in _failed(topic.gradient_checks(att.SelfAttention(3, 2), _generator())[0])
