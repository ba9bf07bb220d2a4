import sympy as sp
import torch

from numeric.model import DeepNetworkModule
from symbolic.networks.counts import D, D_i, D_o, K, deep_parameter_count, parameter_count, parameter_count_derivation, shallow_parameter_count
from symbolic.networks.identities import composition_is_deep, shallow_is_deep
from symbolic.networks.network import deep_network, lecture_1_3_1, shallow_network
from symbolic.spec import NetworkSpec


def test_lecture_1_3_1_joints_slopes_and_values():
    """Hand derivation for the worked example:
    h_1 = ReLU[x - 1/2] (active x > 1/2), h_2 = ReLU[1 - x] (active x < 1),
    h_3 = ReLU[x - 3/2] (active x > 3/2); y = 1/2 + h_1 - 7/10 h_2 - 2/5 h_3.
    Pieces: x < 1/2: y = 1/2 - 7/10 (1 - x) = -1/5 + 7/10 x;
    1/2 < x < 1: add (x - 1/2): y = -7/10 + 17/10 x;  1 < x < 3/2: y = 0 + x;
    x > 3/2: y = 3/5 + 3/5 x."""
    net, values = lecture_1_3_1()
    x = net.inputs[0]
    y = net.substituted_outputs()[0].subs(values)
    th = net.theta
    joints = sorted(-values[th[d, 0]] / values[th[d, 1]] for d in range(3))
    assert joints == [sp.Rational(1, 2), 1, sp.Rational(3, 2)]
    R = sp.Rational
    pieces = {R(1, 4): (R(7, 10), R(-1, 5)), R(3, 4): (R(17, 10), R(-7, 10)), R(5, 4): (1, 0), 2: (R(3, 5), R(3, 5))}
    for point, (slope, offset) in pieces.items():
        assert sp.diff(y, x).subs(x, point) == slope
        assert y.subs(x, point) == slope * point + offset
    assert [y.subs(x, v) for v in (0, R(1, 2), 1, R(3, 2))] == [R(-1, 5), R(3, 20), 1, R(3, 2)]


def test_matrix_form_equals_scalar_program():
    assert deep_network(NetworkSpec((3, 4, 2, 2), "tanh")).matrix_form_check()


def test_shallow_multiple_inputs_and_outputs():
    net = shallow_network(2, 3, 2, "sigmoid")
    assert len(net.program) == 3 + 2
    assert net.theta.shape == (3, 3) and net.phi.shape == (2, 4)
    assert "\\phi_{20}" in net.equations_latex()[-1]


def test_shallow_is_deep_and_composition_are_checked():
    for derivation in (shallow_is_deep(2, 3, 2, "tanh"), composition_is_deep(3, 2, "relu")):
        assert derivation.check().passed
        methods = [s.check.method for s in derivation.steps if s.checked]
        assert len(methods) >= 2 and set(methods) == {"symbolic"}


def test_identity_check_catches_a_wrong_renaming():
    from symbolic.networks.network import deep_network, shallow_network
    from symbolic.spec import NetworkSpec

    d = shallow_is_deep(1, 2, 1)
    shallow = shallow_network(1, 2, 1)
    deep = deep_network(NetworkSpec((1, 2, 1)))
    swapped = {**shallow.as_deep_parameters(deep), **dict(zip(shallow.inputs, deep.inputs))}
    assert d.steps[0].rhs.xreplace(swapped) == d.steps[1].rhs  # the renaming the step applies
    a, b = list(swapped)[0], list(swapped)[1]
    swapped[a], swapped[b] = swapped[b], swapped[a]
    d.steps[1].rhs = d.steps[0].rhs.xreplace(swapped)  # the renaming step, with a wrong renaming
    assert not d.check().passed
    assert [s.check.passed for s in d.steps] == [True, True, False]  # the proof after it fails


def test_parameter_count_formulas_against_numel():
    for widths in [(1, 3, 1), (2, 5, 3), (4, 7, 7, 7, 2), (1, 1, 1), (3, 2, 6, 1, 5)]:
        module = DeepNetworkModule(NetworkSpec(widths))
        assert parameter_count(widths) == sum(p.numel() for p in module.parameters())
    for d_i, d, d_o in [(1, 3, 1), (2, 10, 3), (5, 1, 4)]:
        numel = sum(p.numel() for p in DeepNetworkModule(NetworkSpec((d_i, d, d_o))).parameters())
        assert shallow_parameter_count().subs({D_i: d_i, D: d, D_o: d_o}) == numel
    for d in range(1, 7):
        for k in range(1, 5):
            numel = sum(p.numel() for p in DeepNetworkModule(NetworkSpec((1,) + (d,) * k + (1,))).parameters())
            assert deep_parameter_count().subs({D: d, K: k}) == numel


def test_parameter_count_derivation_checked():
    assert parameter_count_derivation().check().passed


def test_module_parameter_names_follow_the_notation():
    module = DeepNetworkModule(NetworkSpec((2, 3, 1)))
    assert [n for n, _ in module.named_parameters()] == ["beta_0", "omega_0", "beta_1", "omega_1"]
    assert module.omega_0.shape == (3, 2) and module.beta_1.dtype == torch.float64


def test_networks_show_in_jupyter():
    shallow, deep = shallow_network(1, 2, 1), deep_network(NetworkSpec((1, 2, 2, 1), "tanh"))
    for net, expected in ((shallow, "\\theta_{10}"), (deep, "\\boldsymbol\\Omega_{2}")):
        tex = net._repr_latex_()
        assert tex.startswith("$\\displaystyle \\begin{aligned}") and tex.endswith("\\end{aligned}$")
        assert expected in tex
