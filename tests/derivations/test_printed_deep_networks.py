"""The deep-networks topic's matrix equations are read back as the network's own vectors and
matrices, element by element: a slip in the printed text or in the network turns the record red."""

from __future__ import annotations

import sympy as sp

from derivations.checks.printed import Formulas
from derivations.topics import deep_networks as topic
from symbolic.networks.network import deep_network
from symbolic.spec import NetworkSpec


def _display(net, lines, rows=None):
    return Formulas("deep_networks", names=topic.matrix_names(net)).display(
        rows or topic.matrix_rows(net), "matrix notation", typed=lines)


def test_the_matrix_equations_read_back_as_the_network():
    for widths in (topic.TWO_LAYER, topic.GENERAL):
        net = deep_network(NetworkSpec(widths, "relu"))
        assert _display(net, net.matrix_equations_latex()).passed


def test_a_wrong_index_in_the_printed_matrix_equation_fails():
    net = deep_network(NetworkSpec(topic.TWO_LAYER, "relu"))
    lines = net.matrix_equations_latex()
    slip = [lines[0], lines[1].replace(r"\boldsymbol\beta_{1}", r"\boldsymbol\beta_{0}")] + lines[2:]
    record = _display(net, slip).record
    assert not record["passed"] and "row 2" in record["detail"]


def test_a_network_without_its_activation_fails():
    net = deep_network(NetworkSpec(topic.TWO_LAYER, "relu"))
    rows = topic.matrix_rows(net)
    linear = [(lhs, rhs.applyfunc(lambda e: e.args[0])) for lhs, rhs in rows[:-1]] + rows[-1:]
    assert not _display(net, net.matrix_equations_latex(), linear).passed


def test_the_scalar_and_nested_forms_read_back_and_a_slip_fails():
    net = deep_network(NetworkSpec(topic.TWO_LAYER, "relu"))
    formulas = Formulas("deep_networks", names=topic.matrix_names(net))
    assert formulas.display(topic.scalar_rows(net), "scalar", typed=net.scalar_equations_latex()).passed
    nested = topic.text.nested_line(net)
    assert formulas.display([topic.nested_row(net)], "nested", typed=[nested]).passed
    swapped = nested.replace(r"\boldsymbol\Omega_{0}", r"\boldsymbol\Omega_{1}")
    assert not formulas.display([topic.nested_row(net)], "nested", typed=[swapped]).passed
    lines = net.scalar_equations_latex()
    assert not formulas.display(topic.scalar_rows(net), "scalar",
                                typed=[lines[0].replace(r"\omega_{0,1,1}", r"\omega_{0,2,1}")] + lines[1:]).passed


def test_the_rank_one_weights_read_back_and_a_wrong_factor_fails():
    from symbolic.networks.identities import composition_is_deep

    composition = composition_is_deep(2, 2, "relu")
    psi, products = topic._rank_one(composition)
    formulas = Formulas("deep_networks")
    printed = formulas((psi, products), "psi")
    assert printed.passed and products.shape == (2, 2)
    assert not formulas((psi, products), "psi", typed=printed.latex.replace(r"\phi_{2} \theta'_{21}",
                                                                            r"\phi_{1} \theta'_{21}")).passed
    # the printed products are the derivation's own definitions of psi (its checked step 4 uses them)
    assert all(products[i, j] == composition.definitions[psi[i, j]] for i in range(2) for j in range(2))
    assert sp.Matrix(products).rank() == 1
