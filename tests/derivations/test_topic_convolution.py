"""The convolution topic (UDL 10.2): the layer as a banded matrix against conv1d, its output
length and parameter counts, translation equivariance, the kernel's gradient and the receptive
field; each claim fails when the mathematics or the printed text behind it is wrong."""

from __future__ import annotations

import pytest
import sympy as sp

import derivations.topics.convolution as topic
from derivations.topics.topic import TopicContext
from symbolic.core.autodiff import reverse_mode
from symbolic.networks import convolution as conv


@pytest.fixture
def small(monkeypatch):
    """A grid a unit test affords (the notes use the module's)."""
    monkeypatch.setattr(topic, "GRID", {"I": (7,), "K": (2, 3), "stride": (1, 2), "padding": (0, 1), "dilation": (1, 2),
                                        "padding_mode": ("zeros", "circular")})
    monkeypatch.setattr(topic, "GRADIENT_GRID", {"stride": (1, 2), "padding": (1,), "dilation": (1,),
                                                 "padding_mode": ("zeros", "circular")})
    monkeypatch.setattr(topic, "BATCH", 8)


def _failed(tmp_path) -> set[str]:
    return {r["id"] for r in topic.build(TopicContext(tmp_path)).records if not r["passed"]}


def test_every_record_passes_and_the_matrix_is_the_books_band(small, tmp_path):
    result = topic.build(TopicContext(tmp_path))
    assert result.passed and len(result.records) >= 25
    kinds = {r["kind"] for r in result.records}
    assert {"derivation-step", "readback", "exact-vs-torch", "exact", "symbolic"} <= kinds
    w1, w2, w3 = conv.kernel()
    band = conv.ConvLayer(6).weight_matrix()
    assert band == sp.Matrix(6, 6, lambda r, c: {-1: w1, 0: w2, 1: w3}.get(c - r, 0))
    assert set(result.displays) == {"layer", "matrix", "length", "counts", "equivariance", "gradient", "receptive"}
    assert r"\omega_{2} & \omega_{3} & 0" in result.displays["matrix"].latex


def test_the_flipped_kernel_fails_the_proof_and_torch(small, monkeypatch, tmp_path):
    # the convolution of signal processing (kernel flipped) for the book's (and torch's) correlation
    original = conv.ConvLayer.weight_matrix
    monkeypatch.setattr(conv.ConvLayer, "weight_matrix",
                        lambda self: original(self).xreplace(dict(zip(self.omega, reversed(self.omega)))))
    assert {"convolution.grid.matrix", "convolution.grid.torch", "convolution.matrix.proof"} <= _failed(tmp_path)


def test_a_length_formula_without_the_padding_fails(small, monkeypatch, tmp_path):
    I, K, s, p, d = conv.length_symbols
    monkeypatch.setattr(conv, "LENGTH", sp.floor((I - d * (K - 1) - 1) / s) + 1)
    assert "convolution.grid.length" in _failed(tmp_path)
    assert conv.output_length(7, 3, padding=1) == 5 != conv.counted_length(7, 3, padding=1)


def test_a_count_without_the_bias_fails_against_torch(small, monkeypatch, tmp_path):
    monkeypatch.setattr(conv, "conv_parameters", lambda K, C_i=1, C_o=1: C_o * C_i * K)
    assert "convolution.counts.torch" in _failed(tmp_path)


def test_a_printed_matrix_with_a_wrong_entry_fails_its_read_back(small, monkeypatch, tmp_path):
    printer = topic.latex

    def slip(expr, **settings):  # the band printed one place to the right in its first row
        text = printer(expr, **settings)
        return text.replace(r"\omega_{2} & \omega_{3} & 0", r"0 & \omega_{2} & \omega_{3}", 1)

    monkeypatch.setattr(topic, "latex", slip)
    assert "convolution.convolution-printed-banded-m" in _failed(tmp_path)


def test_a_wrong_equivariance_step_fails():
    d = conv.equivariance_derivation()
    d.steps[1].rhs = d.steps[1].rhs.xreplace({conv.t: -conv.t})  # "shifted by t" read as x_{j + t}
    assert not d.check().passed


def test_zero_padding_breaks_equivariance_at_the_ends_only():
    assert conv.equivariance_rows(conv.ConvLayer(6, padding_mode="circular"), 2) == []
    assert conv.equivariance_rows(conv.ConvLayer(6), 2) == [1, 2, 6]
    assert conv.equivariance_rows(conv.ConvLayer(8), 3) == [1, 2, 3, 8]


def test_a_stated_boundary_that_is_not_the_computed_one_fails(small, monkeypatch, tmp_path):
    rows = conv.equivariance_rows
    monkeypatch.setattr(conv, "equivariance_rows", lambda layer, t: rows(layer, t)[:-1])  # "only the first t rows"
    assert "convolution.equivariance.zeros" in _failed(tmp_path)


def test_a_flipped_kernel_gradient_fails_the_proof(small, monkeypatch, tmp_path):
    def flipped(layer, adjoints):
        right = {w: sum((layer.input_at(conv.tap(i, layer.K + 1 - k, layer.stride, layer.padding, layer.dilation)) * g
                         for i, g in enumerate(adjoints, start=1)), sp.S.Zero)
                 for k, w in enumerate(layer.omega, start=1)}
        right[conv.beta] = sum(adjoints, sp.S.Zero)
        return right

    monkeypatch.setattr(conv, "kernel_gradient", flipped)
    assert "convolution.gradient.closed-form" in _failed(tmp_path)


def test_a_halved_loss_fails_against_autograd(small, monkeypatch, tmp_path):
    program = conv.gradient_program

    def halved(layer):
        p, _, _ = program(layer)
        p = p[:-1] + [(conv.LOSS, p[-1][1] / 2)]
        backward, gradient = reverse_mode(p, conv.LOSS, [*layer.omega, conv.beta])
        return p, gradient, backward

    monkeypatch.setattr(conv, "gradient_program", halved)
    failed = _failed(tmp_path)
    assert "convolution.gradient.torch" in failed


def test_a_wrong_receptive_field_fails_the_count(small, monkeypatch, tmp_path):
    monkeypatch.setattr(conv, "receptive_field", lambda layers, K=3, dilation=1: 1 + layers * K)
    assert "convolution.receptive.count" in _failed(tmp_path)
    assert [conv.counted_receptive_field(n) for n in (1, 2, 3)] == [3, 5, 7]
    assert conv.receptive_inputs(2, K=3, dilation=2) == [-4, -2, 0, 2, 4]


@pytest.mark.parametrize("bad, message", [
    (dict(I=0), "I must be a positive integer"),
    (dict(I=4, padding=-1), "padding must be a nonnegative integer"),
    (dict(I=4, padding_mode="reflect"), "padding_mode must be"),
    (dict(I=2, K=5, padding=0), "longer than the padded input"),
])
def test_a_bad_layer_names_what_is_wrong(bad, message):
    with pytest.raises(ValueError, match=message):
        conv.ConvLayer(**bad)


def test_a_tap_without_the_dilation_fails_against_torch_and_does_not_crash(small, monkeypatch, tmp_path):
    # the derived band, the positions counted and the gradient program all follow the wrong index
    monkeypatch.setattr(conv, "tap", lambda i, k, stride=1, padding=1, dilation=1: stride * (i - 1) + k - padding)
    monkeypatch.setattr(topic, "GRADIENT_GRID", {**topic.GRADIENT_GRID, "dilation": (2,)})
    assert {"convolution.grid.torch", "convolution.grid.length", "convolution.gradient.torch"} <= _failed(tmp_path)


def test_a_wrong_step_of_the_layer_fails():
    d = conv.layer_derivation()
    w = conv.omega_
    d.steps[2].rhs = d.steps[2].rhs.xreplace({w[1]: w[3], w[3]: w[1]})  # the kernel written out flipped
    assert not d.check().passed


def test_a_circular_shift_that_does_not_wrap_fails_the_circular_proof(small, monkeypatch, tmp_path):
    shift = conv.shift
    monkeypatch.setattr(conv, "shift", lambda x, t, circular: shift(x, t, False))
    assert "convolution.equivariance.circular" in _failed(tmp_path)


def test_a_reverse_mode_with_the_wrong_sign_fails_diff_and_autograd(small, monkeypatch, tmp_path):
    def negated(program, output, wrt):
        backward, gradient = reverse_mode(program, output, wrt)
        return backward, {w: -g for w, g in gradient.items()}

    monkeypatch.setattr(conv, "reverse_mode", negated)
    assert {"convolution.gradient.diff", "convolution.gradient.torch"} <= _failed(tmp_path)
