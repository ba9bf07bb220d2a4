r"""The lecture's two identities between shallow and deep networks, as checked derivations.

1. A shallow network *is* the one-hidden-layer deep network:
   theta_{d0} -> beta_{0,d}, theta_{di} -> omega_{0,d,i}, phi_{j0} -> beta_{1,j},
   phi_{jd} -> omega_{1,j,d}.
2. "Changing perspective": feeding a shallow network's output y into a second shallow
   network gives a two-layer deep network with
   psi_{d'0} = theta'_{d'0} + theta'_{d'1} phi_0 and psi_{d'd} = theta'_{d'1} phi_d,
   i.e. beta_1 = psi_{.0}, Omega_1 = theta'_{.1} phi^T (a rank-one matrix).
"""

from __future__ import annotations

import sympy as sp

from symbolic.activations.functions import activation
from symbolic.core.derivation import Derivation
from symbolic.core.reason import Fact, Reason, Renamed
from symbolic.networks.network import deep_network, shallow_network
from symbolic.spec import NetworkSpec

__all__ = ["shallow_is_deep", "composition_is_deep"]


def _renaming(words: str, rename: dict, prefixes: tuple[str, ...], each: int = 1) -> Reason:
    r"""``words: $a \to b$, ...``: for each name prefix, the first ``each`` entries of ``rename`` whose
    old symbol starts with it (a concrete instance of the renaming, each checked to be an entry of it)."""
    shown = []
    for prefix in prefixes:
        shown += [old for old in rename if old.name.startswith(prefix) and old not in shown][:each]
    gaps = {f"r{k}": Renamed(old, rename[old], rename) for k, old in enumerate(shown)}
    return Reason(words + ": " + ", ".join(f"$@{g}$" for g in gaps), **gaps)


def shallow_is_deep(D_i: int = 1, D: int = 3, D_o: int = 1, activation_name: str = "relu") -> Derivation:
    r"""Derive that the shallow network equals the deep network with K = 1.

    >>> d = shallow_is_deep(1, 2, 1)
    >>> d.check().passed
    True
    >>> [s.check.method for s in d.steps]
    ['definition', 'definition', 'symbolic']
    """
    shallow = shallow_network(D_i, D, D_o, activation_name)
    deep = deep_network(NetworkSpec((D_i, D, D_o), activation_name))
    rename = shallow.as_deep_parameters(deep)
    rename.update(dict(zip(shallow.inputs, deep.inputs)))
    d = Derivation(f"a shallow {D_i}-{D}-{D_o} network is the deep network with K = 1")
    y_shallow = shallow.substituted_outputs()
    y_deep = deep.substituted_outputs()
    for j in range(D_o):
        lhs = shallow.outputs[j]
        d.add(y_shallow[j], r"the shallow network, parameters $\theta$ and $\phi$", lhs=lhs, check=False)
        # A change of notation is a definition (comparing the renamed expression with itself
        # would check nothing); the next step proves the renamed network is the deep one.
        d.add(y_shallow[j].xreplace(rename), _renaming("rename (a definition), the first unit's parameters and "
                                                       "so on for the others", rename, ("theta", "phi"), each=2), check=False)
        d.add(y_deep[j], "the deep network with one hidden layer, written out")
    return d


def composition_is_deep(D: int = 3, D_prime: int = 3, activation_name: str = "relu") -> Derivation:
    r"""Compose two one-input shallow networks and derive the two-layer deep network.

    >>> d = composition_is_deep(2, 2)
    >>> d.check().passed
    True
    """
    a = activation(NetworkSpec((1, 1), activation_name))
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    R = lambda name: sp.Symbol(name, real=True)  # noqa: E731
    theta = [[R(f"theta_{{{d},{i}}}") for i in range(2)] for d in range(1, D + 1)]
    phi = [R(f"phi_{{{d}}}") for d in range(D + 1)]
    theta_p = [[R(f"theta'_{{{d},{i}}}") for i in range(2)] for d in range(1, D_prime + 1)]
    phi_p = [R(f"phi'_{{{d}}}") for d in range(D_prime + 1)]
    psi = [[R(f"psi_{{{d},{i}}}") for i in range(D + 1)] for d in range(1, D_prime + 1)]
    h = [R(f"h_{{{d}}}") for d in range(1, D + 1)]
    y_p = R("y'")

    first_h = {h[d]: a(theta[d][0] + theta[d][1] * x) for d in range(D)}
    first_y = phi[0] + sum(phi[d + 1] * h[d] for d in range(D))
    psi_def = {}
    for dp in range(D_prime):
        psi_def[psi[dp][0]] = theta_p[dp][0] + theta_p[dp][1] * phi[0]
        for d in range(D):
            psi_def[psi[dp][d + 1]] = theta_p[dp][1] * phi[d + 1]

    der = Derivation("composing two shallow networks gives a deep network with two hidden layers")
    der.definitions = {**first_h, **psi_def, y: first_y}
    second = phi_p[0] + sum(phi_p[dp + 1] * a(theta_p[dp][0] + theta_p[dp][1] * y) for dp in range(D_prime))
    der.add(second, "the second network takes the first network's output y as its input", lhs=y_p, check=False)
    der.add(second.xreplace({y: first_y}), Reason("substitute $@first$", first=Fact(y, first_y)))
    expanded = phi_p[0] + sum(
        phi_p[dp + 1] * a(sp.Add(theta_p[dp][0] + theta_p[dp][1] * phi[0],
                                 *[theta_p[dp][1] * phi[d + 1] * h[d] for d in range(D)], evaluate=False))
        for dp in range(D_prime))
    der.add(expanded, "multiply out inside the activation")
    der.add(phi_p[0] + sum(phi_p[dp + 1] * a(psi[dp][0] + sum(psi[dp][d + 1] * h[d] for d in range(D)))
                           for dp in range(D_prime)),
            Reason("name $@bias$, $@weight$ and so on", bias=Fact(psi[0][0], psi_def[psi[0][0]]),
                   weight=Fact(psi[0][1], psi_def[psi[0][1]])))
    deep = deep_network(NetworkSpec((1, D, D_prime, 1), activation_name))
    rename = {deep.inputs[0]: x}
    for d in range(D):
        rename[deep.beta[0][d]] = theta[d][0]
        rename[deep.omega[0][d, 0]] = theta[d][1]
    for dp in range(D_prime):
        rename[deep.beta[1][dp]] = psi[dp][0]
        for d in range(D):
            rename[deep.omega[1][dp, d]] = psi[dp][d + 1]
        rename[deep.omega[2][0, dp]] = phi_p[dp + 1]
    rename[deep.beta[2][0]] = phi_p[0]
    der.add(deep.substituted_outputs()[0].xreplace(rename),
            _renaming("a deep network, its first unit's parameters in each layer and so on for the others", rename,
                      ("beta_{0", "omega_{0", "beta_{1", "omega_{1", "beta_{2", "omega_{2")))
    return der
