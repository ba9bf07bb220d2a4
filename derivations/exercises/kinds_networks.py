r"""Exercise kinds on shallow networks: outputs, several outputs, joints, slopes of linear
regions, the interpolating network, and composing two networks.

Every network is the lecture's ReLU network in theta/phi notation
(``h_d = ReLU[theta_{d0} + theta_{d1} x]``, ``y_j = phi_{j0} + sum_d phi_{jd} h_d``) with
small rational parameters; the worked solution is a checked derivation in exact
arithmetic and the answer is cross-checked against the PyTorch twin.
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
from derivations.exercises.base import HALVES, Exercise, R, kind, nonzero, number_latex, pick, tex_number

SLOPES = [R(-2), R(-3, 2), R(-1), R(-1, 2), R(1, 2), R(1), R(3, 2), R(2)]
MARGIN = R(1, 4)  # pre-activations at the evaluation point stay this far from the kink


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


def _units_latex(net, units) -> str:
    return ", ".join(f"{latex(net.theta[d, 0])} = {number_latex(t0)}, {latex(net.theta[d, 1])} = {number_latex(t1)}"
                     for d, (t0, t1) in enumerate(units))


def _phi_latex(net, phi) -> str:
    return ", ".join(f"{latex(net.phi[j, d])} = {number_latex(v)}" for j, row in enumerate(phi) for d, v in enumerate(row))


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
        y = phi[0][0] + sum(w * max(p, 0) for w, p in zip(phi[0][1:], pre))
        linear = phi[0][0] + sum(w * p for w, p in zip(phi[0][1:], pre))
        if y != 0 and len({y, linear, y - phi[0][0], -y, 2 * y}) == 5:
            break
    derivation, _, (y,) = forward_derivation("forward pass", net, units, phi, x0)
    question = (r"The shallow network $h_d = \mathrm{ReLU}\left[\theta_{d0} + \theta_{d1} x\right]$ ($d = 1, 2, 3$), "
                r"$y = \phi_0 + \phi_1 h_1 + \phi_2 h_2 + \phi_3 h_3$ has the parameters "
                f"${_units_latex(net, units)}$ and ${_phi_latex(net, phi)}$. Compute its output $y$ at "
                f"$x = {number_latex(x0)}$.")
    out = twin.forward((1, 3, 1), twin.shallow_tensors([list(u) for u in units], phi), [[x0]])[0][0]
    return Exercise(
        "shallow-output", "shallow", "number", question, y, precision=0.001,
        solution=["Each hidden unit clips its pre-activation at zero; the output adds the weighted units.", derivation],
        mistakes=[("you used the pre-activation of an inactive unit: the ReLU sets a negative pre-activation to 0",
                   linear),
                  (r"you dropped the output bias $\phi_0$", y - phi[0][0])],
        twin=[("network output y (torch twin)", out, y)], title="Output of a shallow network")


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
    derivation, _, ys = forward_derivation("forward pass", net, units, phi, x0)
    ys = tuple(ys)
    question = (r"A shallow network with two hidden units and two outputs, "
                r"$h_d = \mathrm{ReLU}\left[\theta_{d0} + \theta_{d1} x\right]$, "
                r"$y_j = \phi_{j0} + \phi_{j1} h_1 + \phi_{j2} h_2$, has the parameters "
                f"${_units_latex(net, units)}$ and ${_phi_latex(net, phi)}$. Compute $(y_1, y_2)$ at "
                f"$x = {number_latex(x0)}$.")
    out = twin.forward((1, 2, 2), twin.shallow_tensors([list(u) for u in units], phi), [[x0]])[0]
    return Exercise(
        "multi-output", "hidden_units", "vector", question, ys, precision=0.001,
        solution=["Both outputs share the hidden units; each has its own bias and weights.", derivation],
        mistakes=[(r"you swapped the indices of the output weights: $y_j$ uses $\phi_{jd}$, not $\phi_{dj}$", swapped),
                  ("you swapped the two outputs", ys[::-1]),
                  (r"you dropped the output biases $\phi_{j0}$", (ys[0] - phi[0][0], ys[1] - phi[1][0]))],
        twin=[(f"output y_{j + 1} (torch twin)", out[j], ys[j]) for j in range(2)], title="A network with two outputs")


@kind("joints", "piecewise_linear")
def joints(rng: random.Random) -> Exercise:
    from symbolic.regions.piecewise import network_pieces
    from symbolic.spec import NetworkSpec

    net = shallow_network(1, 3, 1)
    while True:
        units = _hidden_units(rng, 3)
        if all(t0 != 0 and t0 != t1 and t0 != -t1 for t0, t1 in units):
            phi = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(3)]]
            answer = tuple(sorted(-t0 / t1 for t0, t1 in units))
            flipped = tuple(sorted(t0 / t1 for t0, t1 in units))
            swapped = tuple(sorted(-t1 / t0 for t0, t1 in units))
            if len({answer, flipped, swapped}) == 3:
                break
    d = Derivation("joints", layout="block")
    x = net.inputs[0]
    for k, (t0, t1) in enumerate(units):
        j = sp.Symbol(f"x_{{{k + 1}}}^*")
        pre = net.theta[k, 0] + net.theta[k, 1] * j
        d.definitions[j] = sp.solve(t0 + t1 * x, x)[0]  # SymPy solves the unit's pre-activation for zero
        d.add(-t0 / t1, f"solve the pre-activation of unit {k + 1} for zero", lhs=j,
              rhs_latex=rf"-\frac{{{number_latex(t0)}}}{{{number_latex(t1)}}} = {number_latex(-t0 / t1)}")
        # the joint is where the pre-activation is zero:
        d.add(sp.S.Zero, f"check: the pre-activation of unit {k + 1} vanishes there",
              lhs=pre.xreplace({net.theta[k, 0]: t0, net.theta[k, 1]: t1, j: -t0 / t1}),
              lhs_latex=rf"{number_latex(t0)} + {tex_number(t1)} \cdot {tex_number(-t0 / t1)}")
    tensors = twin.shallow_tensors([list(u) for u in units], phi)
    exact = network_pieces(NetworkSpec((1, 3, 1), "relu"), tensors)
    exact_joints = tuple(sp.Rational(Fraction(t).numerator, Fraction(t).denominator) for t in exact.joints)
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
    question = (r"The shallow network $y = \phi_0 + \sum_{d=1}^{3} \phi_d\, \mathrm{ReLU}\left[\theta_{d0} + "
                r"\theta_{d1} x\right]$ has the parameters "
                f"${_units_latex(net, units)}$ and ${_phi_latex(net, phi)}$. Give its joints (the inputs where "
                "the slope changes), in increasing order.")
    return Exercise(
        "joints", "piecewise_linear", "vector", question, answer, precision=0.001,
        solution=[r"Unit $d$ has its joint where its pre-activation $\theta_{d0} + \theta_{d1} x$ is zero, "
                  r"$x = -\theta_{d0}/\theta_{d1}$; every $\phi_d \neq 0$, so each joint is a joint of $y$.", d,
                  "In increasing order: $" + ", ".join(number_latex(v) for v in answer) + "$."],
        mistakes=[(r"sign error: the joint solves $\theta_{d0} + \theta_{d1} x = 0$, so $x = -\theta_{d0}/\theta_{d1}$",
                   flipped),
                  (r"you swapped the indices: the joint is $-\theta_{d0}/\theta_{d1}$, not $-\theta_{d1}/\theta_{d0}$",
                   swapped)],
        twin=[("joints (exact piecewise-linear propagation)", float(max(abs(a - b) for a, b in zip(exact_joints, answer))), 0.0)]
        + [(f"slope change at joint {k + 1} (torch twin)", jt, je) for k, (jt, je) in enumerate(zip(jumps_torch, jumps_exact))],
        title="Joints of a shallow network")


@kind("region-slope", "piecewise_linear")
def region_slope(rng: random.Random) -> Exercise:
    net = shallow_network(1, 3, 1)
    while True:
        units = _hidden_units(rng, 3)
        phi = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(3)]]
        x0 = _point(rng, units)
        pre = [t0 + t1 * x0 for t0, t1 in units]
        active = [p > 0 for p in pre]
        slope = sum(w * t1 for w, (t0, t1), a in zip(phi[0][1:], units, active) if a)
        every = sum(w * t1 for w, (t0, t1) in zip(phi[0][1:], units))
        if any(active) and not all(active) and slope != 0 and len({slope, every, -slope, 2 * slope}) == 4:
            break
    d = Derivation("slope", layout="block")
    x = net.inputs[0]
    for k, (t0, t1) in enumerate(units):
        d.add(sp.Integer(1 if active[k] else 0), "active: slope passes" if active[k] else "inactive: contributes nothing",
              lhs=sp.Symbol(f"s_{{{k + 1}}}"),
              lhs_latex=rf"\mathbb{{I}}\left[\theta_{{{k + 1}0}} + \theta_{{{k + 1}1}} x > 0\right]",
              rhs_latex=rf"\mathbb{{I}}\left[{number_latex(pre[k])} > 0\right] = {1 if active[k] else 0}")
        d.definitions[sp.Symbol(f"s_{{{k + 1}}}")] = sp.Heaviside(pre[k])
    dydx = sp.Derivative(net.substituted_outputs()[0], x)
    values = {net.theta[k, i]: units[k][i] for k in range(3) for i in range(2)}
    values.update({net.phi[0, k]: phi[0][k] for k in range(4)})
    lhs = dydx.xreplace(values)
    d.add(slope, r"derivative on this region: the active units' $\phi_d \theta_{d1}$", lhs=sp.Subs(lhs, x, x0),
          lhs_latex=rf"\frac{{dy}}{{dx}}\Big|_{{x = {number_latex(x0)}}}",
          rhs_latex=" + ".join(f"{tex_number(w)} \\cdot {tex_number(t1)}" for w, (t0, t1), a in zip(phi[0][1:], units, active) if a)
          + f" = {number_latex(slope)}")
    tensors = twin.shallow_tensors([list(u) for u in units], phi)
    g = twin.input_gradient((1, 3, 1), tensors, [x0])[0]
    question = (r"The shallow network $y = \phi_0 + \sum_{d=1}^{3} \phi_d\, \mathrm{ReLU}\left[\theta_{d0} + "
                r"\theta_{d1} x\right]$ has the parameters "
                f"${_units_latex(net, units)}$ and ${_phi_latex(net, phi)}$. What is the slope $dy/dx$ of the linear "
                f"region that contains $x = {number_latex(x0)}$?")
    return Exercise(
        "region-slope", "piecewise_linear", "number", question, slope, precision=0.001,
        solution=[r"On a linear region every unit is either active (slope $\phi_d\theta_{d1}$) or inactive (slope 0): "
                  r"$dy/dx = \sum_d \phi_d \theta_{d1}\, \mathbb{I}\left[\theta_{d0} + \theta_{d1} x > 0\right]$.", d],
        mistakes=[("you added the slopes of inactive units too: ReLU' is 0 for a negative pre-activation", every)],
        twin=[("slope dy/dx (torch autograd)", g, slope)], title="Slope of a linear region")


@kind("interpolation-weight", "universal_approximation")
def interpolation_weight(rng: random.Random) -> Exercise:
    while True:
        x_start = pick(rng, [R(-2), R(-1), R(0)])
        xs = [x_start + k for k in range(4)]
        ys = [pick(rng, HALVES) for _ in range(4)]
        s = [ys[k] - ys[k - 1] for k in range(1, 4)]  # slopes s_1..s_3 of the pieces (spacing 1)
        target = pick(rng, [2, 3])
        answer = s[target - 1] - s[target - 2]
        neighbour = s[2] - s[1] if target == 2 else s[1] - s[0]
        if len(set(s)) == 3 and answer != 0 and len({answer, neighbour, s[target - 1], -answer, 2 * answer}) == 5:
            break
    x = sp.Symbol("x", real=True)
    phis = [ys[0], s[0], s[1] - s[0], s[2] - s[1]]
    network = phis[0] + sum(phis[k] * ReLU(x - xs[k - 1]) for k in range(1, 4))
    d = Derivation("interpolation", layout="block")
    for k in range(3):
        d.definitions[sp.Symbol(f"s_{{{k + 1}}}")] = (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k])
        d.add(s[k], f"slope of piece {k + 1}", lhs=sp.Symbol(f"s_{{{k + 1}}}"), check=False,
              rhs_latex=rf"\frac{{{number_latex(ys[k + 1])} - {tex_number(ys[k])}}}{{1}} = {number_latex(s[k])}")
    d.add(phis[target], "the change of slope at the joint", lhs=sp.Symbol(f"phi_{{{target}}}"), check=False,
          rhs_latex=f"s_{{{target}}} - s_{{{target - 1}}} = {number_latex(s[target - 1])} - {tex_number(s[target - 2])} = "
          f"{number_latex(phis[target])}")
    for k in range(4):
        d.add(ys[k], "check: the network passes through the point", lhs=network.subs(x, xs[k]),
              lhs_latex=f"y\\left({number_latex(xs[k])}\\right)")
    tensors = {"beta_0": [float(-v) for v in xs[:3]], "omega_0": [[1.0]] * 3,
               "beta_1": [float(phis[0])], "omega_1": [[float(v) for v in phis[1:]]]}
    outs = twin.forward((1, 3, 1), tensors, [[v] for v in xs])
    points = ", ".join(f"({number_latex(a)}, {number_latex(b)})" for a, b in zip(xs, ys))
    question = (f"The piecewise-linear function through the points ${points}$ is the shallow network "
                rf"$y = \phi_0 + \sum_{{d=1}}^{{3}} \phi_d\, \mathrm{{ReLU}}\left[x - x_{{d-1}}\right]$ on "
                rf"$x \geq {number_latex(xs[0])}$, with joints $x_0, x_1, x_2 = {', '.join(number_latex(v) for v in xs[:3])}$. "
                f"Find $\\phi_{{{target}}}$.")
    return Exercise(
        "interpolation-weight", "universal_approximation", "number", question, answer, precision=0.001,
        solution=[r"Unit $d$ switches on at $x_{d-1}$ and adds $\phi_d$ to the slope from there on: $\phi_0 = y_0$, "
                  r"$\phi_1 = s_1$ and $\phi_d = s_d - s_{d-1}$, the change of slope.", d],
        mistakes=[(r"you gave the slope of the piece, not the change of slope $s_d - s_{d-1}$", s[target - 1]),
                  ("off by one: that is the change of slope at the neighbouring joint", neighbour)],
        twin=[(f"network at x = {xs[k]} (torch twin)", outs[k][0], ys[k]) for k in range(4)],
        title="The interpolating network")


@kind("composition", "deep_networks")
def composition(rng: random.Random) -> Exercise:
    first, second = shallow_network(1, 2, 1), shallow_network(1, 2, 1)
    while True:
        u1, u2 = _hidden_units(rng, 2), _hidden_units(rng, 2)
        p1 = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(2)]]
        p2 = [[pick(rng, HALVES)] + [nonzero(rng, HALVES) for _ in range(2)]]
        x0 = _point(rng, u1)

        def run(units, phi, x):
            return phi[0][0] + sum(w * max(t0 + t1 * x, 0) for w, (t0, t1) in zip(phi[0][1:], units))

        y1 = run(u1, p1, x0)
        if any(abs(t0 + t1 * y1) < MARGIN for t0, t1 in u2):
            continue
        if not (any(t0 + t1 * x0 > 0 for t0, t1 in u1) and any(t0 + t1 * y1 > 0 for t0, t1 in u2)):
            continue  # each network passes something through its hidden units
        y2 = run(u2, p2, y1)
        wrong = run(u1, p1, run(u2, p2, x0))
        if y2 != 0 and len({y2, y1, wrong, -y2, 2 * y2}) == 5:
            break
    d1, _, _ = forward_derivation("first network", first, u1, p1, x0)
    d2, _, _ = forward_derivation("second network", second, u2, p2, y1)
    t1 = twin.shallow_tensors([list(u) for u in u1], p1)
    t2 = twin.shallow_tensors([list(u) for u in u2], p2)
    mid = twin.forward((1, 2, 1), t1, [[x0]])[0][0]
    out = twin.forward((1, 2, 1), t2, [[mid]])[0][0]
    question = (r"Two shallow networks with two hidden units each, "
                r"$y = \phi_0 + \phi_1 \mathrm{ReLU}\left[\theta_{10} + \theta_{11} x\right] + \phi_2 \mathrm{ReLU}"
                r"\left[\theta_{20} + \theta_{21} x\right]$ and "
                r"$y' = \phi'_0 + \phi'_1 \mathrm{ReLU}\left[\theta'_{10} + \theta'_{11} y\right] + \phi'_2 \mathrm{ReLU}"
                r"\left[\theta'_{20} + \theta'_{21} y\right]$, are composed: the output $y$ of the first is the input "
                f"of the second. The first has ${_units_latex(first, u1)}$, ${_phi_latex(first, p1)}$; the second has "
                + f"${_units_latex(first, u2)}$, ${_phi_latex(first, p2)}$".replace(r"\theta_{", r"\theta'_{").replace(
                    r"\phi_{", r"\phi'_{")
                + f" (primed). Compute $y'$ at $x = {number_latex(x0)}$.")
    return Exercise(
        "composition", "deep_networks", "number", question, y2, precision=0.001,
        solution=["First network at the given input:", d1, f"The second network at its input $y = {number_latex(y1)}$ "
                  "(its parameters are the primed ones):", d2],
        mistakes=[("you composed in the wrong order: the first network's output is the second network's input", wrong),
                  ("you gave the first network's output y, not the composition's output y'", y1)],
        twin=[("first network output (torch twin)", mid, y1), ("composed output (torch twin)", out, y2)],
        title="Composing two networks")


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
        y = phi[0][0] + sum(w * max(p, 0) for w, p in zip(phi[0][1:], pre))
        swapped = phi[0][0] + sum(w * max(t0 + t1 * x0[1] + t2 * x0[0], 0) for w, (t0, t1, t2) in zip(phi[0][1:], units))
        linear = phi[0][0] + sum(w * p for w, p in zip(phi[0][1:], pre))
        if y != 0 and len({y, swapped, linear, -y, 2 * y, y / 2}) == 6:
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
    d.add(y, "output: bias plus weighted hidden units", lhs=net.outputs[0])
    tensors = {"beta_0": [float(u[0]) for u in units], "omega_0": [[float(u[1]), float(u[2])] for u in units],
               "beta_1": [float(phi[0][0])], "omega_1": [[float(v) for v in phi[0][1:]]]}
    out = twin.forward((2, 2, 1), tensors, [list(x0)])[0][0]
    params = ", ".join(f"{latex(net.theta[k, i])} = {number_latex(u[i])}" for k, u in enumerate(units) for i in range(3))
    question = (r"A shallow network with two inputs, $h_d = \mathrm{ReLU}\left[\theta_{d0} + \theta_{d1} x_1 + "
                r"\theta_{d2} x_2\right]$ ($d = 1, 2$), $y = \phi_0 + \phi_1 h_1 + \phi_2 h_2$, has the parameters "
                f"${params}$ and ${_phi_latex(net, phi)}$. Compute $y$ at $(x_1, x_2) = "
                f"({number_latex(x0[0])}, {number_latex(x0[1])})$.")
    return Exercise(
        "two-input-output", "hidden_units", "number", question, y, precision=0.001,
        solution=[r"Each unit's pre-activation is a plane over $(x_1, x_2)$; the ReLU clips it at its joint line.", d],
        mistakes=[(r"you swapped the inputs: $\theta_{d1}$ multiplies $x_1$ and $\theta_{d2}$ multiplies $x_2$", swapped),
                  ("you used the pre-activation of an inactive unit: the ReLU sets a negative pre-activation to 0",
                   linear)],
        twin=[("network output y (torch twin)", out, y)], title="A network with two inputs")
