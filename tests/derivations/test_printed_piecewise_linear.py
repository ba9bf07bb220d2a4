"""The piecewise-linear topic prints the example's joints and pieces (with their intervals) and
its prose formulas from the objects its checks evaluate, each read back: a slip in a printed
text, or in the object, turns a record red."""

from __future__ import annotations

import sympy as sp

import symbolic.core.printing
from derivations.checks.printed import Formulas
from derivations.topics import piecewise_linear as topic
from derivations.topics.texts import piecewise_linear as text
from symbolic.networks.network import lecture_1_3_1
from symbolic.regions.constructions import tensors_from_shallow
from symbolic.regions.piecewise import network_pieces
from symbolic.spec import NetworkSpec


def _example(monkeypatch=None, typed=None):
    net, values = lecture_1_3_1()
    tensors = tensors_from_shallow(net, values)
    pl = network_pieces(net.spec, tensors)
    if typed is not None:
        original = text.pieces_typed
        monkeypatch.setattr(text, "pieces_typed", lambda *a: typed(original(*a)))
    return topic._example_checks(net, values, tensors, pl, Formulas(topic.SLUG))


def test_the_joints_and_the_pieces_read_back_intervals_too():
    records, shown = _example()
    assert all(r["passed"] for r in records) and shown["joints"].passed and shown["pieces"].passed
    assert r"\frac{1}{2} \le x < 1" in shown["pieces"].latex


def test_a_misprinted_interval_fails_the_pieces(monkeypatch):
    # the joint 1/2 printed as 3/5 in both intervals: the lines are right, the intervals are not
    _, shown = _example(monkeypatch, lambda tex: tex.replace(r"x < \frac{1}{2}", r"x < \frac{3}{5}")
                        .replace(r"\frac{1}{2} \le x", r"\frac{3}{5} \le x"))
    assert not shown["pieces"].passed and shown["joints"].passed


def test_a_misprinted_line_fails_the_pieces(monkeypatch):
    _, shown = _example(monkeypatch, lambda tex: tex.replace(r"\frac{17}{10} x", r"\frac{7}{10} x"))
    assert not shown["pieces"].passed


def test_a_misprinted_joint_fails_the_joints(monkeypatch):
    latex = symbolic.core.printing.latex
    monkeypatch.setattr(symbolic.core.printing, "latex",
                        lambda *a, **k: latex(*a, **k).replace(r"\frac{3}{2}", r"\frac{5}{2}"))
    _, shown = _example()
    assert not shown["joints"].passed


def test_a_wrong_piece_in_the_object_fails_its_check(monkeypatch):
    wrong = sp.Piecewise((sp.Integer(0), True))
    monkeypatch.setattr(topic, "pieces_of", lambda pl, x: wrong)
    records, shown = _example()
    assert not records[1]["passed"]


def test_the_prose_formulas_read_back_and_a_misprinted_layer_fails(monkeypatch):
    net, _ = lecture_1_3_1()
    formulas = Formulas(topic.SLUG)
    words, checks = topic._prose(net, NetworkSpec(topic.DEEP_WIDTHS), formulas)
    assert all(r["passed"] for r in formulas.records + checks)
    assert str(words["deep_bound"]) == "(D+1)^K = 16" and str(words["plane_regions"]) == "1 + 3 + 3 = 7"

    class Swapped(Formulas):  # the layer printed with its factors in the wrong order
        def __call__(self, obj, name, **kw):
            if name == "a deep layer":
                kw["typed"] = r"\mathbf{f}_k = \boldsymbol\beta_k + \mathbf{h}_k \boldsymbol\Omega_k"
            return super().__call__(obj, name, **kw)

    monkeypatch.setattr(topic, "Formulas", Swapped)
    formulas = Formulas(topic.SLUG)
    topic._prose(net, NetworkSpec(topic.DEEP_WIDTHS), formulas)
    assert [r["name"] for r in formulas.records if not r["passed"]] == ["piecewise_linear: printed a deep layer"]


def test_a_grid_printed_from_another_constant_fails(monkeypatch):
    net, _ = lecture_1_3_1()
    monkeypatch.setattr(topic, "GRID", 601)
    formulas = Formulas(topic.SLUG)
    words, _ = topic._prose(net, NetworkSpec(topic.DEEP_WIDTHS), formulas)
    assert str(words["grid"]) == r"601 \times 601" and words["grid"].passed


def test_the_twin_comparison_names_its_grid_from_the_grid():
    net, values = lecture_1_3_1()
    tensors = tensors_from_shallow(net, values)
    pl = network_pieces(net.spec, tensors)
    good = topic._twin_record("1-3-1 example", net.spec, tensors, pl, (0.0, 3.0, 301))
    assert good["passed"] and "301 points of [0, 3]" in good["method"] and "301 points of [0, 3]" in good["name"]


def test_a_grid_that_misses_a_piece_fails_the_twin_comparison():
    # joints at 1/2, 1, 3/2: a grid from 0.6 has no point left of the first joint (the pieces agree where it looks)
    net, values = lecture_1_3_1()
    tensors = tensors_from_shallow(net, values)
    pl = network_pieces(net.spec, tensors)
    bad = topic._twin_record("1-3-1 example", net.spec, tensors, pl, (0.6, 3.0, 301))
    assert not bad["passed"] and "(-inf, 0.5)" in bad["detail"]
    assert topic.unsampled_pieces(pl, [0.0, 0.75, 1.25, 2.0]) == []
    assert topic.unsampled_pieces(pl, [0.0, 0.75, 2.0]) == [(1.0, 1.5)]


def test_the_example_grid_in_the_build_is_checked_for_cover(tmp_path, monkeypatch):
    from derivations.topics.topic import TopicContext

    monkeypatch.setattr(topic, "EXAMPLE_GRID", (0.75, 3.0, 801))  # starts past the first joint
    monkeypatch.setattr(topic, "GRID", 61)  # the region maps' grid: small, quick
    result = topic.build(TopicContext(tmp_path))
    failed = [r["name"] for r in result.records if not r["passed"]]
    assert any("1-3-1 example: exact pieces vs PyTorch twin (801 points of [0.75, 3]" in n for n in failed)
