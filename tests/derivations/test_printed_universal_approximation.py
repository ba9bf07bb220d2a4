"""The universal-approximation topic prints its construction and its prose formulas from the
objects its checks use: a slip in a printed formula, or in the object, turns a record red."""

from __future__ import annotations

import sympy as sp

from derivations.topics import universal_approximation as ua


def _failed(records):
    return [r["name"] for r in records if not r["passed"]]


def test_the_printed_construction_reads_back_and_is_the_network_the_checks_build():
    rows = ua.construction()
    formulas, shown, _ = ua._printed(rows)
    assert shown.passed and not _failed(formulas.records)
    assert not _failed(ua._construction_checks(rows))


def test_a_slip_in_the_construction_fails_the_exact_check():
    network, delta_1, delta_d, slope = ua.construction()
    plus = sp.Eq(delta_d.lhs, ua.s[ua.d] + ua.s[ua.d - 1])  # Delta_d = s_d + s_{d-1}
    records = ua._construction_checks([network, delta_1, plus, slope])
    assert len(_failed(records)) == len(records)
    joints = sp.Sum(ua.Delta[ua.d] * ua.ReLU(ua.x - ua.x_n[ua.d + 1]), (ua.d, 1, ua.N - 1))  # ReLU[x - x_{d+1}]
    shifted = sp.Eq(network.lhs, ua.y_n[1] + joints)
    assert _failed(ua._construction_checks([shifted, delta_1, delta_d, slope]))


def test_the_printed_first_row_is_the_object(monkeypatch):
    """The first row is typed in the book's order (Delta_d before ReLU): a changed object no
    longer reads back equal."""
    network, *rest = ua.construction()
    wrong = sp.Eq(network.lhs, network.rhs.subs(ua.N, ua.N + 1))  # the sum up to N
    _, shown, _ = ua._printed([wrong, *rest])
    assert not shown.passed and shown.record["detail"].startswith("row 1:")


def test_the_prose_formulas_are_the_objects_the_checks_use(monkeypatch):
    monkeypatch.setattr(ua, "TARGET", sp.sin(3 * sp.pi * ua.x) + ua.x / 2)
    monkeypatch.setattr(ua, "error_bound", lambda h, max_f2: h**2 * max_f2 / 4)
    formulas, _, _ = ua._printed(ua.construction())
    failed = _failed(formulas.records)
    assert "universal_approximation: printed target" in failed
    assert "universal_approximation: printed error bound" in failed
    assert "universal_approximation: printed bound for x^2" in failed
    # the attained bound is checked with the same function: it is no longer attained
    assert _failed(ua._attained_checks(formulas, {"bound": "", "attained_target": ""}))
