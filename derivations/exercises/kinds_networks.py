r"""Exercise kinds on shallow networks: outputs, several outputs, joints, slopes of linear
regions, the interpolating network, and composing two networks.

Every network is the lecture's ReLU network in theta/phi notation
(``h_d = ReLU[theta_{d0} + theta_{d1} x]``, ``y_j = phi_{j0} + sum_d phi_{jd} h_d``) with
small rational parameters; the worked solution is a checked derivation in exact
arithmetic whose last steps are the answer, cross-checked against the PyTorch twin. Each
typical mistake is also made on purpose by the twin (the ReLU left out: the same network with
the linear activation; the output bias dropped: the twin with beta_1 = 0; ...), or by the exact
piecewise-linear propagation for joints (:class:`~derivations.exercises.base.Witness`).
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from symbolic.activations.functions import ReLU
from symbolic.core.derivation import Derivation
from symbolic.networks.network import shallow_network
from symbolic.core.printing import latex

from derivations.exercises import twin
from derivations.exercises.base import HALVES, Exercise, R, Witness, kind, nonzero, number_latex, pick, tex_number
from derivations.exercises.checker import SIGN_ERROR
from derivations.exercises.question import Question

SLOPES = [R(-2), R(-3, 2), R(-1), R(-1, 2), R(1, 2), R(1), R(3, 2), R(2)]
MARGIN = R(1, 4)  # pre-activations at the evaluation point stay this far from the kink


#: Unit d of a shallow network with one input, any d: its parameters and output weight, for the
#: rules the solutions state (``theta_{d0} + theta_{d1} x``, its joint, its slope).
theta_d0, theta_d1 = sp.Symbol("theta_{d,0}", real=True), sp.Symbol("theta_{d,1}", real=True)
phi_d = sp.Symbol("phi_{d}", real=True)
X = sp.Symbol("x", real=True)
PRE_D = theta_d0 + theta_d1 * X  # unit d's pre-activation


def joint_of(pre: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """The joint of a unit: its pre-activation ``pre`` (linear in ``x``) solved for zero."""
    return sp.solve(pre, x)[0]


def _joint_rules(of: str) -> Question:
    r"""The joint's rule as the solution and its feedback state it: ``theta_{d0} + theta_{d1} x = 0``
    read with ``x`` the joint :func:`joint_of` solves for (so it states that the joint zeroes the
    pre-activation), and ``x = -theta_{d0}/theta_{d1}``, the joint."""
    return Question(of, names={"x": joint_of(PRE_D, X)}, of="solution")


def _hidden_units(rng: random.Random, D: int, window: tuple = (-2, 2)) -> list[tuple]:
    """D units (theta_{d0}, theta_{d1}) with distinct joints inside the window, 1/4 apart."""
    while True:
        units = [(pick(rng, HALVES), pick(rng, SLOPES)) for _ in range(D)]
        joints = sorted(-t0 / t1 for t0, t1 in units)
        if all(window[0] < j < window[1] for j in joints) and all(b - a >= MARGIN for a, b in zip(joints, joints[1:])):
            return units


def _point(rng: random.Random, units: list[tuple], values=None) -> sp.Rational:
    """An input away from every kink (|theta_{d0} + theta_{d1} x| >= 1/4)."""
    values = values or [R(n, 4) for n in range(-7, 8)]
    while True:
        x = pick(rng, values)
        if all(abs(t0 + t1 * x) >= MARGIN for t0, t1 in units):
            return x


def _equations(q: Question, net, name: str = "the network") -> str:
    """The network's equations ``h_d = a[...]``, ``y_j = ...`` printed from its program, each in
    its own math: ``$h_1 = ...$, $h_2 = ...$ and $y = ...$``."""
    rows = [f"${q(sp.Eq(s, e, evaluate=False), f'{name}: {s}')}$" for s, e in net.program]
    return ", ".join(rows[:-1]) + " and " + rows[-1]


def _output(q: Question, net) -> str:
    """``y = phi_0 + sum_d phi_d a[theta_{d0} + theta_{d1} x]``: the network's output, substituted."""
    return q(sp.Eq(net.outputs[0], net.substituted_outputs()[0], evaluate=False), "the network")


def _parameters(q: Question, net, units, phi) -> tuple[str, str]:
    """The hidden units' and the outputs' parameters as given numbers, ``theta_{10} = ..``."""
    theta = q.givens([(net.theta[d, i], u[i]) for d, u in enumerate(units) for i in range(len(u))],
                     "the hidden parameter")
    return theta, q.givens([(net.phi[j, d], v) for j, row in enumerate(phi) for d, v in enumerate(row)],
                           "the output parameter")


def _values(net, units, phi) -> dict:
    """``{theta_{di}: value, phi_{jd}: value}`` of the drawn parameters."""
    values = {net.theta[d, i]: u[i] for d, u in enumerate(units) for i in range(len(u))}
    values.update({net.phi[j, d]: v for j, row in enumerate(phi) for d, v in enumerate(row)})
    return values


def _primed(net, x):
    """The network with primed symbols (theta', phi', h', output y'), whose input is ``x``."""
    from types import SimpleNamespace

    def prime(s: sp.Symbol) -> sp.Symbol:
        base, _, rest = s.name.partition("_")
        return sp.Symbol(f"{base}'" + (f"_{rest}" if rest else ""), **s.assumptions0)

    sub = {s: prime(s) for s in [*net.theta, *net.phi, *net.h, *net.outputs]}
    sub[net.inputs[0]] = x
    outputs = [e.xreplace(sub) for e in net.substituted_outputs()]
    return SimpleNamespace(inputs=[x], theta=net.theta.xreplace(sub), phi=net.phi.xreplace(sub),
                           h=[sub[s] for s in net.h], outputs=[sub[s] for s in net.outputs],
                           program=[(sub[s], e.xreplace(sub)) for s, e in net.program],
                           substituted_outputs=lambda: outputs)


def forward_derivation(title: str, net, units: list[tuple], phi: list[list], x0) -> tuple[Derivation, list, list]:
    """The forward pass at x0 as a checked derivation: h_d, then y_j, in exact arithmetic.

    Returns the derivation, the hidden values h_d and the outputs y_j."""
    x = net.inputs[0]
    d = Derivation(title, layout="block")
    values = {x: x0}
    for k, (t0, t1) in enumerate(units):
        values[net.theta[k, 0]], values[net.theta[k, 1]] = t0, t1
    for j, row in enumerate(phi):
        for k, v in enumerate(row):
            values[net.phi[j, k]] = v
    d.definitions.update(values)
    d.definitions.update(dict(net.program))
    h = []
    for k, (t0, t1) in enumerate(units):
        pre = t0 + t1 * x0
        h.append(ReLU(pre))
        reason = "unit active: ReLU passes it" if pre > 0 else "unit inactive: ReLU clips it to 0"
        d.add(h[-1], reason, lhs=net.h[k],
              rhs_latex=(rf"\mathrm{{ReLU}}\left[{number_latex(t0)} + {tex_number(t1)} \cdot {tex_number(x0)}\right]"
                         rf" = \mathrm{{ReLU}}\left[{number_latex(pre)}\right] = {number_latex(h[-1])}"))
    ys = []
    for j, row in enumerate(phi):
        y = row[0] + sum(w * hk for w, hk in zip(row[1:], h))
        ys.append(y)
        terms = " + ".join([number_latex(row[0])] + [f"{tex_number(w)} \\cdot {tex_number(hk)}" for w, hk in zip(row[1:], h)])
        d.add(y, "output: bias plus weighted hidden units", lhs=net.outputs[j], rhs_latex=f"{terms} = {number_latex(y)}")
    return d, h, ys


@kind("shallow-output", "shallow")
def shallow_output(rng: random.Random) -> Exercise:
    net = shallow_network(1, 3, 1)
    while True:
        units = _hidden_units(rng, 3)
        phi = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(3)]]
        x0 = _point(rng, units)
        pre = [t0 + t1 * x0 for t0, t1 in units]
        if not (any(p > 0 for p in pre) and any(p < 0 for p in pre)) or phi[0][0] == 0:
            continue
        drawn = phi[0][0] + sum(w * max(p, 0) for w, p in zip(phi[0][1:], pre))  # only to choose the draw
        linear = phi[0][0] + sum(w * p for w, p in zip(phi[0][1:], pre))
        if drawn != 0 and len({drawn, linear, drawn - phi[0][0], -drawn, 2 * drawn}) == 5:
            break
    derivation, _, _ = forward_derivation("forward pass", net, units, phi, x0)
    y = derivation.steps[-1].rhs  # the answer: the output the checked forward pass prints
    q = Question("shallow-output")
    theta, phis = _parameters(q, net, units, phi)
    question = (f"The shallow network {_equations(q, net)} has the parameters ${theta}$ and ${phis}$. Compute its "
                f"output $y$ at ${q.given(net.inputs[0], x0, 'the input')}$.")
    tensors = twin.shallow_tensors([list(u) for u in units], phi)
    out = twin.forward((1, 3, 1), tensors, [[x0]])[0][0]
    relu_forgotten = "you used the pre-activation of an inactive unit: the ReLU sets a negative pre-activation to 0"
    bias_dropped = r"you dropped the output bias $\phi_0$"
    return Exercise(
        "shallow-output", "shallow", "number", question, [derivation.steps[-1]], precision=0.001,
        solution=["Each hidden unit clips its pre-activation at zero; the output adds the weighted units.", derivation],
        mistakes=[(relu_forgotten, linear), (bias_dropped, y - phi[0][0])],
        witnesses=[Witness(relu_forgotten, "the torch twin with the ReLU left out (linear activation)",
                           twin.forward((1, 3, 1), tensors, [[x0]], activation="linear")[0][0]),
                   Witness(bias_dropped, "the torch twin with the output bias set to 0",
                           twin.forward((1, 3, 1), {**tensors, "beta_1": [0.0]}, [[x0]])[0][0])],
        twin=[("network output y (torch twin)", out, y)], title="Output of a shallow network", printed=q)


@kind("multi-output", "hidden_units")
def multi_output(rng: random.Random) -> Exercise:
    net = shallow_network(1, 2, 2)
    while True:
        units = _hidden_units(rng, 2)
        phi = [[nonzero(rng, HALVES) for _ in range(3)] for _ in range(2)]
        x0 = _point(rng, units)
        pre = [t0 + t1 * x0 for t0, t1 in units]
        if not all(p > 0 for p in pre):  # both units active, so swapped weights matter
            continue
        h = [max(p, 0) for p in pre]
        ys = tuple(row[0] + sum(w * hk for w, hk in zip(row[1:], h)) for row in phi)
        swapped = tuple(phi[j][0] + sum(phi[k][j + 1] * h[k] for k in range(2)) for j in range(2))
        candidates = {ys, swapped, ys[::-1], (ys[0] - phi[0][0], ys[1] - phi[1][0]), tuple(-v for v in ys)}
        if len(candidates) == 5 and all(v != 0 for v in ys) and phi[0][2] != phi[1][1]:
            break
    derivation, _, _ = forward_derivation("forward pass", net, units, phi, x0)
    answer_steps = derivation.steps[-2:]  # y_1, y_2: the checked forward pass's last two steps
    ys = tuple(s.rhs for s in answer_steps)
    q = Question("multi-output")
    theta, phis = _parameters(q, net, units, phi)
    question = (f"A shallow network with two hidden units and two outputs, {_equations(q, net)}, has the parameters "
                f"${theta}$ and ${phis}$. Compute $(y_1, y_2)$ at ${q.given(net.inputs[0], x0, 'the input')}$.")
    tensors = twin.shallow_tensors([list(u) for u in units], phi)
    out = twin.forward((1, 2, 2), tensors, [[x0]])[0]
    indices = r"you swapped the indices of the output weights: $y_j$ uses $\phi_{jd}$, not $\phi_{dj}$"
    outputs = "you swapped the two outputs"
    biases = r"you dropped the output biases $\phi_{j0}$"
    transposed = {**tensors, "omega_1": [list(col) for col in zip(*tensors["omega_1"])]}  # phi_{dj} for phi_{jd}
    exchanged = {**tensors, "beta_1": tensors["beta_1"][::-1], "omega_1": tensors["omega_1"][::-1]}
    return Exercise(
        "multi-output", "hidden_units", "vector", question, answer_steps, precision=0.001,
        solution=["Both outputs share the hidden units; each has its own bias and weights.", derivation],
        mistakes=[(indices, swapped), (outputs, ys[::-1]), (biases, (ys[0] - phi[0][0], ys[1] - phi[1][0]))],
        witnesses=[Witness(indices, "the torch twin with its output weight matrix transposed",
                           tuple(twin.forward((1, 2, 2), transposed, [[x0]])[0])),
                   Witness(outputs, "the torch twin with the rows of its two outputs exchanged",
                           tuple(twin.forward((1, 2, 2), exchanged, [[x0]])[0])),
                   Witness(biases, "the torch twin with the output biases set to 0",
                           tuple(twin.forward((1, 2, 2), {**tensors, "beta_1": [0.0, 0.0]}, [[x0]])[0]))],
        twin=[(f"output y_{j + 1} (torch twin)", out[j], ys[j]) for j in range(2)], title="A network with two outputs", printed=q)


def _exact_joints(tensors: dict) -> tuple:
    """The joints of a 1-3-1 ReLU network by exact piecewise-linear propagation, increasing."""
    from symbolic.regions.piecewise import network_pieces
    from symbolic.spec import NetworkSpec

    pieces = network_pieces(NetworkSpec((1, 3, 1), "relu"), tensors)
    return tuple(sp.Rational(Fraction(t).numerator, Fraction(t).denominator) for t in pieces.joints)


@kind("joints", "piecewise_linear")
def joints(rng: random.Random) -> Exercise:
    net = shallow_network(1, 3, 1)
    while True:
        units = _hidden_units(rng, 3)
        if all(t0 != 0 and t0 != t1 and t0 != -t1 for t0, t1 in units):
            phi = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(3)]]
            drawn = tuple(sorted(-t0 / t1 for t0, t1 in units))  # only to choose the draw
            flipped = tuple(sorted(t0 / t1 for t0, t1 in units))
            swapped = tuple(sorted(-t1 / t0 for t0, t1 in units))
            if len({drawn, flipped, swapped}) == 3:
                break
    d = Derivation("joints", layout="block")
    x = net.inputs[0]
    d.definitions.update(_values(net, units, phi))  # the sheet's parameters: the joints are solved from them
    d.definitions[net.outputs[0]] = net.substituted_outputs()[0]
    unit_joints = []
    for k, (t0, t1) in enumerate(units):
        j = sp.Symbol(f"x_{{{k + 1}}}^*")
        unit_joints.append(j)
        pre = net.theta[k, 0] + net.theta[k, 1] * j
        d.definitions[j] = joint_of(net.theta[k, 0] + net.theta[k, 1] * x, x)  # the pre-activation solved for zero
        d.add(-t0 / t1, f"solve the pre-activation of unit {k + 1} for zero", lhs=j,
              rhs_latex=rf"-\frac{{{number_latex(t0)}}}{{{number_latex(t1)}}} = {number_latex(-t0 / t1)}")
        # the joint is where the pre-activation is zero:
        d.add(sp.S.Zero, f"check: the pre-activation of unit {k + 1} vanishes there",
              lhs=pre.xreplace({net.theta[k, 0]: t0, net.theta[k, 1]: t1, j: -t0 / t1}),
              lhs_latex=rf"{number_latex(t0)} + {tex_number(t1)} \cdot {tex_number(-t0 / t1)}")
    # In increasing order: the smallest, the middle (the sum less the other two) and the largest
    # joint, each checked against the unit joints SymPy solved for (Min and Max of them).
    solved = [d._expand(j) for j in unit_joints]
    ordered = sorted(solved)
    names = [sp.Symbol(f"x_{{({r})}}") for r in (1, 2, 3)]
    d.definitions[names[0]] = sp.Min(*unit_joints)
    d.definitions[names[2]] = sp.Max(*unit_joints)
    d.definitions[names[1]] = sp.Add(*unit_joints) - names[0] - names[2]
    stars = ", ".join(latex(j) for j in unit_joints)
    order_latex = [rf"\min\left({stars}\right)", rf"{' + '.join(latex(j) for j in unit_joints)} - x_{{(1)}} - x_{{(3)}}",
                   rf"\max\left({stars}\right)"]
    for name, value, text, reason in zip(names, ordered, order_latex, ("the smallest joint", "the middle joint",
                                                                        "the largest joint")):
        d.add(value, reason, lhs=name, rhs_latex=f"{text} = {number_latex(value)}")
    answer_steps = d.steps[-3:]
    answer = tuple(s.rhs for s in answer_steps)
    tensors = twin.shallow_tensors([list(u) for u in units], phi)
    exact_joints = _exact_joints(tensors)
    # the twin's slope changes at each joint by phi_d |theta_{d1}| (finite differences of autograd slopes)
    eps = R(1, 50)
    jumps_torch, jumps_exact = [], []
    for t0, t1 in sorted(units, key=lambda u: -u[0] / u[1]):
        at = -t0 / t1
        left = twin.input_gradient((1, 3, 1), tensors, [at - eps])[0]
        right = twin.input_gradient((1, 3, 1), tensors, [at + eps])[0]
        jumps_torch.append(right - left)
        w = phi[0][1 + units.index((t0, t1))]
        jumps_exact.append(w * abs(t1))
    q = Question("joints")
    theta, phis = _parameters(q, net, units, phi)
    question = (f"The shallow network ${_output(q, net)}$ has the parameters ${theta}$ and ${phis}$. Give its joints "
                "(the inputs where the slope changes), in increasing order.")
    e, rule = Question("joints", of="solution"), _joint_rules("joints")
    joint = joint_of(PRE_D, X)
    zero = rule(sp.Eq(PRE_D.xreplace({X: joint}), 0, evaluate=False), "the joint's equation",
                typed=rf"{latex(theta_d0)} + {latex(theta_d1)} x = 0", also=[PRE_D])
    solved = rule((joint, joint), "the joint", typed=rf"x = -{latex(theta_d0)}/{latex(theta_d1)}")
    e.include(rule)
    sign = f"sign error: the joint solves ${zero}$, so ${solved}$"
    exchanged_joint = joint_of(theta_d1 + theta_d0 * X, X)  # the witness's network: theta_{d0}, theta_{d1} exchanged
    indices = (f"you swapped the indices: the joint is ${e(joint, 'the joint', typed=solved.split(' = ', 1)[1])}$, not "
               f"${e(exchanged_joint, 'the swapped joint', typed=rf'-{latex(theta_d1)}/{latex(theta_d0)}')}$")
    negated_bias = {**tensors, "beta_0": [-v for v in tensors["beta_0"]]}  # theta_{d0} - ... : joints theta_{d0}/theta_{d1}
    exchanged = {**tensors, "beta_0": [row[0] for row in tensors["omega_0"]],  # theta_{d1} + theta_{d0} x
                 "omega_0": [[v] for v in tensors["beta_0"]]}
    return Exercise(
        "joints", "piecewise_linear", "vector", question, answer_steps, precision=0.001,
        solution=[f"Unit $d$ has its joint where its pre-activation ${e(PRE_D, 'the pre-activation of unit d')}$ is "
                  rf"zero, ${solved}$; every $\phi_d \neq 0$, so each joint is a joint of $y$. In increasing order:", d],
        mistakes=[(sign, flipped), (indices, swapped)],
        witnesses=[Witness(sign, "the exact joints of the network with the sign of every theta_d0 flipped",
                           _exact_joints(negated_bias), exact=True),
                   Witness(indices, "the exact joints of the network with theta_d0 and theta_d1 exchanged",
                           _exact_joints(exchanged), exact=True)],
        twin=[("joints (exact piecewise-linear propagation)", float(max(abs(a - b) for a, b in zip(exact_joints, answer))), 0.0)]
        + [(f"slope change at joint {k + 1} (torch twin)", jt, je) for k, (jt, je) in enumerate(zip(jumps_torch, jumps_exact))],
        title="Joints of a shallow network", printed=q, explained=e)


@kind("region-slope", "piecewise_linear")
def region_slope(rng: random.Random) -> Exercise:
    net = shallow_network(1, 3, 1)
    while True:
        units = _hidden_units(rng, 3)
        phi = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(3)]]
        x0 = _point(rng, units)
        pre = [t0 + t1 * x0 for t0, t1 in units]
        active = [p > 0 for p in pre]
        drawn = sum(w * t1 for w, (t0, t1), a in zip(phi[0][1:], units, active) if a)  # only to choose the draw
        every = sum(w * t1 for w, (t0, t1) in zip(phi[0][1:], units))
        if any(active) and not all(active) and drawn != 0 and len({drawn, every, -drawn, 2 * drawn}) == 4:
            break
    slope = drawn
    d = Derivation("slope", layout="block")
    x = net.inputs[0]
    d.definitions.update(_values(net, units, phi))  # the sheet's parameters: the slope is taken of them
    d.definitions[net.outputs[0]] = net.substituted_outputs()[0]
    for k, (t0, t1) in enumerate(units):
        d.add(sp.Integer(1 if active[k] else 0), "active: slope passes" if active[k] else "inactive: contributes nothing",
              lhs=sp.Symbol(f"s_{{{k + 1}}}"),
              lhs_latex=rf"\mathbb{{I}}\left[\theta_{{{k + 1}0}} + \theta_{{{k + 1}1}} x > 0\right]",
              rhs_latex=rf"\mathbb{{I}}\left[{number_latex(pre[k])} > 0\right] = {1 if active[k] else 0}")
        d.definitions[sp.Symbol(f"s_{{{k + 1}}}")] = sp.Heaviside(pre[k])
    dydx = sp.Derivative(net.substituted_outputs()[0], x)  # the parameters come in through the definitions
    d.add(slope, r"derivative on this region: the active units' $\phi_d \theta_{d1}$", lhs=sp.Subs(dydx, x, x0),
          lhs_latex=rf"\frac{{dy}}{{dx}}\Big|_{{x = {number_latex(x0)}}}",
          rhs_latex=" + ".join(f"{tex_number(w)} \\cdot {tex_number(t1)}" for w, (t0, t1), a in zip(phi[0][1:], units, active) if a)
          + f" = {number_latex(slope)}")
    tensors = twin.shallow_tensors([list(u) for u in units], phi)
    g = twin.input_gradient((1, 3, 1), tensors, [x0])[0]
    slope = d.steps[-1].rhs  # the answer: the checked derivative on the region
    negated = {**tensors, "beta_1": [-v for v in tensors["beta_1"]], "omega_1": [[-v for v in tensors["omega_1"][0]]]}
    inactive = "you added the slopes of inactive units too: ReLU' is 0 for a negative pre-activation"
    output = net.substituted_outputs()[0]
    e = Question("region-slope", names={r"\frac{dy}{dx}": sp.Derivative(output, x)}, of="solution")
    active_slope = e(sp.diff(phi_d * PRE_D, X), "an active unit's slope")  # the unit's line, ReLU passing it
    rule = e((sp.Derivative(output, x), sp.diff(output, x)), "the slope of the network",
             typed=rf"\frac{{dy}}{{dx}} = {latex(sp.diff(output, x))}")
    q = Question("region-slope")
    theta, phis = _parameters(q, net, units, phi)
    question = (f"The shallow network ${_output(q, net)}$ has the parameters ${theta}$ and ${phis}$. What is the slope "
                f"${q(sp.Derivative(net.outputs[0], x), 'the slope asked for', ordinary=True)}$ of the linear region that contains ${q(sp.Eq(x, x0, evaluate=False), 'the input')}$?")
    return Exercise(
        "region-slope", "piecewise_linear", "number", question, d.steps[-1:], precision=0.001,
        solution=[f"On a linear region every unit is either active (slope ${active_slope}$) or inactive (slope 0): "
                  f"${rule}$.", d],
        mistakes=[(inactive, every)],
        witnesses=[Witness(inactive, "autograd slope of the torch twin with the ReLU left out (linear activation)",
                           twin.input_gradient((1, 3, 1), tensors, [x0], activation="linear")[0]),
                   Witness(SIGN_ERROR, "autograd slope of the torch twin of -y (output layer negated)",
                           twin.input_gradient((1, 3, 1), negated, [x0])[0])],
        twin=[("slope dy/dx (torch autograd)", g, slope)], title="Slope of a linear region", printed=q, explained=e)


@kind("interpolation-weight", "universal_approximation")
def interpolation_weight(rng: random.Random) -> Exercise:
    while True:
        x_start = pick(rng, [R(-2), R(-1), R(0)])
        xs = [x_start + k for k in range(4)]
        ys = [pick(rng, HALVES) for _ in range(4)]
        s = [ys[k] - ys[k - 1] for k in range(1, 4)]  # slopes s_1..s_3 of the pieces (spacing 1)
        target = pick(rng, [2, 3])
        drawn = s[target - 1] - s[target - 2]  # only to choose the draw
        neighbour = s[2] - s[1] if target == 2 else s[1] - s[0]
        if len(set(s)) == 3 and drawn != 0 and len({drawn, neighbour, s[target - 1], -drawn, 2 * drawn}) == 5:
            break
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    slopes = [sp.Symbol(f"s_{{{k + 1}}}") for k in range(3)]
    weights = [sp.Symbol(f"phi_{{{k}}}") for k in range(4)]
    X, Y = [sp.Symbol(f"x_{{{k}}}") for k in range(4)], [sp.Symbol(f"y_{{{k}}}") for k in range(4)]
    d = Derivation("interpolation", layout="block")
    d.definitions.update({**dict(zip(X, xs)), **dict(zip(Y, ys))})  # the points: every step below reads them
    d.definitions[weights[0]] = Y[0]
    d.definitions[weights[1]] = slopes[0]
    for k in range(3):
        d.definitions[slopes[k]] = (Y[k + 1] - Y[k]) / (X[k + 1] - X[k])
        if k:
            d.definitions[weights[k + 1]] = slopes[k] - slopes[k - 1]  # the change of slope at x_k
        d.add(s[k], f"slope of piece {k + 1}", lhs=slopes[k],
              rhs_latex=rf"\frac{{{number_latex(ys[k + 1])} - {tex_number(ys[k])}}}{{1}} = {number_latex(s[k])}")
    # the network with these weights (phi_0 = y_0, phi_1 = s_1, phi_d = s_d - s_{d-1}) passes through the points
    network = weights[0] + sum(weights[k] * ReLU(x - X[k - 1]) for k in range(1, 4))
    d.definitions[y] = network
    for k in range(4):
        d.add(ys[k], "check: the network passes through the point", lhs=network.subs(x, X[k]),
              lhs_latex=f"y\\left({number_latex(xs[k])}\\right)", lhs_name=True)  # the network at the point
    d.add(s[target - 1] - s[target - 2], "the change of slope at the joint", lhs=weights[target],
          rhs_latex=f"s_{{{target}}} - s_{{{target - 1}}} = {number_latex(s[target - 1])} - {tex_number(s[target - 2])} = "
          f"{number_latex(s[target - 1] - s[target - 2])}")
    answer_step = d.steps[-1]
    phis = [d._expand(w) for w in weights]
    tensors = {"beta_0": [float(-v) for v in xs[:3]], "omega_0": [[1.0]] * 3,
               "beta_1": [float(phis[0])], "omega_1": [[float(v) for v in phis[1:]]]}
    outs = twin.forward((1, 3, 1), tensors, [[v] for v in xs])

    def twin_slope(piece: int) -> float:  # autograd slope of the twin inside piece 1..3
        return twin.input_gradient((1, 3, 1), tensors, [(xs[piece - 1] + xs[piece]) / 2])[0]

    joint = target + 1 if target == 2 else target - 1  # the neighbouring joint x_{joint - 1}
    q = Question("interpolation-weight")
    points = ", ".join(f"${q.point([(X[k], xs[k]), (Y[k], ys[k])])}$" for k in range(4))
    question = (f"The piecewise-linear function through the four points $(x_0, y_0), \\dots, (x_3, y_3)$: {points}, is the shallow "
                f"network ${q(sp.Eq(y, network, evaluate=False), 'the network')}$ for the inputs $x$ from $x_0$ on, "
                f"with joints at $x_0$, $x_1$ and $x_2$. Find ${q(weights[target], 'the weight asked for')}$.")
    e = Question("interpolation-weight", of="solution")
    s_d, s_before = sp.Symbol("s_{d}"), sp.Symbol("s_{d-1}")  # the slopes of piece d and of the piece before
    piece_slope = ("you gave the slope of the piece, not the change of slope "
                   f"${e(s_d - s_before, 'the change of slope', typed='s_d - s_{d-1}')}$")
    rules = [f"${e(sp.Eq(w, d.definitions[w], evaluate=False), f'the weight {w}')}$" for w in weights]
    starts = [f"${e(X[k], f'the joint of unit {k + 1}')}$" for k in range(3)]
    off_by_one = "off by one: that is the change of slope at the neighbouring joint"
    return Exercise(
        "interpolation-weight", "universal_approximation", "number", question, [answer_step], precision=0.001,
        solution=[f"Units 1, 2 and 3 switch on at {', '.join(starts[:2])} and {starts[2]}, and each adds its weight to "
                  f"the slope from there on: {', '.join(rules[:3])} and {rules[3]}, the changes of slope.", d],
        mistakes=[(piece_slope, s[target - 1]), (off_by_one, neighbour)],
        witnesses=[Witness(piece_slope, f"autograd slope of the torch twin on piece {target}", twin_slope(target)),
                   Witness(off_by_one, f"change of the torch twin's autograd slope at the joint x_{joint - 1}",
                           twin_slope(joint) - twin_slope(joint - 1))],
        twin=[(f"network at x = {xs[k]} (torch twin)", outs[k][0], ys[k]) for k in range(4)],
        title="The interpolating network", printed=q, explained=e)


@kind("composition", "deep_networks")
def composition(rng: random.Random) -> Exercise:
    first = shallow_network(1, 2, 1)
    second = _primed(shallow_network(1, 2, 1), first.outputs[0])  # theta'_{d0}, phi'_d, ...: its input is y
    while True:
        u1, u2 = _hidden_units(rng, 2), _hidden_units(rng, 2)
        p1 = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(2)]]
        p2 = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(2)]]
        x0 = _point(rng, u1)

        def run(units, phi, x):
            return phi[0][0] + sum(w * max(t0 + t1 * x, 0) for w, (t0, t1) in zip(phi[0][1:], units))

        y1 = run(u1, p1, x0)  # only to choose the draw
        if any(abs(t0 + t1 * y1) < MARGIN for t0, t1 in u2):
            continue
        if not (any(t0 + t1 * x0 > 0 for t0, t1 in u1) and any(t0 + t1 * y1 > 0 for t0, t1 in u2)):
            continue  # each network passes something through its hidden units
        y2 = run(u2, p2, y1)
        wrong = run(u1, p1, run(u2, p2, x0))
        if y2 != 0 and len({y2, y1, wrong, -y2, 2 * y2}) == 5:
            break
    d1, _, _ = forward_derivation("first network", first, u1, p1, x0)
    y1 = d1.steps[-1].rhs  # the first network's checked output is the second network's input
    d2, _, _ = forward_derivation("second network", second, u2, p2, y1)
    y2 = d2.steps[-1].rhs  # the answer
    t1 = twin.shallow_tensors([list(u) for u in u1], p1)
    t2 = twin.shallow_tensors([list(u) for u in u2], p2)
    mid = twin.forward((1, 2, 1), t1, [[x0]])[0][0]
    out = twin.forward((1, 2, 1), t2, [[mid]])[0][0]
    reversed_order = twin.forward((1, 2, 1), t1, [[twin.forward((1, 2, 1), t2, [[x0]])[0][0]]])[0][0]
    q = Question("composition")
    theta, phis = _parameters(q, first, u1, p1)
    theta2, phis2 = _parameters(q, second, u2, p2)
    question = (f"Two shallow networks with two hidden units each, ${_output(q, first)}$ and ${_output(q, second)}$, "
                "are composed: the output $y$ of the first is the input of the second. The first has "
                f"${theta}$, ${phis}$; the second has ${theta2}$, ${phis2}$ (primed). Compute $y'$ at "
                f"${q.given(first.inputs[0], x0, 'the input')}$.")
    order = "you composed in the wrong order: the first network's output is the second network's input"
    first_only = "you gave the first network's output y, not the composition's output y'"
    e = Question("composition", of="solution")
    return Exercise(
        "composition", "deep_networks", "number", question, d2.steps[-1:], precision=0.001,
        solution=["First network at the given input:", d1, f"The second network at its input "
                  f"${e.given(first.outputs[0], y1, 'the second input')}$ (its parameters are the primed ones):", d2],
        mistakes=[(order, wrong), (first_only, y1)],
        witnesses=[Witness(order, "the torch twins composed the other way round (the second network first)",
                           reversed_order),
                   Witness(first_only, "the first network's torch twin at the input", mid)],
        twin=[("first network output (torch twin)", mid, y1), ("composed output (torch twin)", out, y2)],
        title="Composing two networks", printed=q, explained=e)


@kind("two-input-output", "hidden_units")
def two_input_output(rng: random.Random) -> Exercise:
    net = shallow_network(2, 2, 1)
    small = [R(n, 2) for n in range(-4, 5)]
    while True:
        units = [(pick(rng, HALVES), nonzero(rng, small), nonzero(rng, small)) for _ in range(2)]
        phi = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(2)]]
        x0 = (pick(rng, [R(n, 2) for n in range(-3, 4)]), pick(rng, [R(n, 2) for n in range(-3, 4)]))
        pre = [t0 + t1 * x0[0] + t2 * x0[1] for t0, t1, t2 in units]
        if min(abs(p) for p in pre) < MARGIN or not any(p > 0 for p in pre):
            continue
        drawn = phi[0][0] + sum(w * max(p, 0) for w, p in zip(phi[0][1:], pre))  # only to choose the draw
        swapped = phi[0][0] + sum(w * max(t0 + t1 * x0[1] + t2 * x0[0], 0) for w, (t0, t1, t2) in zip(phi[0][1:], units))
        linear = phi[0][0] + sum(w * p for w, p in zip(phi[0][1:], pre))
        if drawn != 0 and len({drawn, swapped, linear, -drawn, 2 * drawn, drawn / 2}) == 6:
            break
    x1, x2 = net.inputs
    d = Derivation("forward pass", layout="block")
    values = {x1: x0[0], x2: x0[1]}
    for k, (t0, t1, t2) in enumerate(units):
        values.update({net.theta[k, 0]: t0, net.theta[k, 1]: t1, net.theta[k, 2]: t2})
    values.update({net.phi[0, k]: v for k, v in enumerate(phi[0])})
    d.definitions.update(values)
    d.definitions.update(dict(net.program))
    for k, (t0, t1, t2) in enumerate(units):
        d.add(ReLU(pre[k]), "unit active: ReLU passes it" if pre[k] > 0 else "unit inactive: ReLU clips it to 0",
              lhs=net.h[k], rhs_latex=(rf"\mathrm{{ReLU}}\left[{number_latex(t0)} + {tex_number(t1)} \cdot "
                                       rf"{tex_number(x0[0])} + {tex_number(t2)} \cdot {tex_number(x0[1])}\right] = "
                                       rf"{number_latex(ReLU(pre[k]))}"))
    d.add(sp.Add(phi[0][0], *[w * ReLU(p) for w, p in zip(phi[0][1:], pre)]), "output: bias plus weighted hidden units",
          lhs=net.outputs[0])
    y = d.steps[-1].rhs  # the answer: the checked output
    tensors = {"beta_0": [float(u[0]) for u in units], "omega_0": [[float(u[1]), float(u[2])] for u in units],
               "beta_1": [float(phi[0][0])], "omega_1": [[float(v) for v in phi[0][1:]]]}
    out = twin.forward((2, 2, 1), tensors, [list(x0)])[0][0]
    inputs = r"you swapped the inputs: $\theta_{d1}$ multiplies $x_1$ and $\theta_{d2}$ multiplies $x_2$"
    relu_forgotten = "you used the pre-activation of an inactive unit: the ReLU sets a negative pre-activation to 0"
    q = Question("two-input-output")
    theta, phis = _parameters(q, net, units, phi)
    question = (f"A shallow network with two inputs, {_equations(q, net)}, has the parameters ${theta}$ and ${phis}$. "
                f"Compute $y$ at ${q.givens(list(zip(net.inputs, x0)), 'the input')}$.")
    return Exercise(
        "two-input-output", "hidden_units", "number", question, d.steps[-1:], precision=0.001,
        solution=[r"Each unit's pre-activation is a plane over $(x_1, x_2)$; the ReLU clips it at its joint line.", d],
        mistakes=[(inputs, swapped), (relu_forgotten, linear)],
        witnesses=[Witness(inputs, "the torch twin at the input (x_2, x_1)",
                           twin.forward((2, 2, 1), tensors, [list(x0[::-1])])[0][0]),
                   Witness(relu_forgotten, "the torch twin with the ReLU left out (linear activation)",
                           twin.forward((2, 2, 1), tensors, [list(x0)], activation="linear")[0][0])],
        twin=[("network output y (torch twin)", out, y)], title="A network with two inputs", printed=q)
