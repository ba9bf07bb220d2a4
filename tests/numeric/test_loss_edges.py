"""Every built-in loss at the edges of its parameters, against an outside reference.

Log-scales, log-concentrations, logits and ``log sigma`` go to +-700 (and past 709.8, where
``exp`` overflows, for the log-scales the issue named); each per-sample loss must be finite and
within 1e-10 (relative) of the negative log of the *density* evaluated with mpmath, on the three
paths a user reaches:

- the compiled SymPy stable form in numpy, through the network (``deepderive evaluate``);
- the same program compiled to torch (the symbolic side of ``deepderive verify``);
- the torch twin ``numeric.losses.per_sample_nll`` (``deepderive train`` and verify's reference).

A loss that is not representable (a residual of 0.7 over a scale of e^-700, squared) must come
back as ``+inf``, never ``nan`` or a finite number; a loss that is exactly 0 (the uniform beta)
is held to 1e-10 absolute.

The reference knows nothing of the code under test: it writes each density from its textbook
definition (``mpmath.npdf``-style formulas, ``gamma``, ``besseli``, a triangular solve) and takes
``-log`` of it. mpmath has no overflow, and the working precision is 50 digits plus a guard of
350 for the definitions' own cancellations (``1 - sig(f)`` at f = 700 needs 304 digits), so the
reference carries at least 50 correct digits; :func:`test_the_reference_is_stable_under_more_digits`
confirms that at the hardest points.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
import torch

import numeric.losses as twin
from symbolic.spec.losses import LOSSES, get_loss
from symbolic.losses.sample import network_loss
from symbolic.spec import NetworkSpec

#: The requirement: |got - reference| <= RTOL |reference|.
RTOL = 1e-10
DIGITS, GUARD = 50, 350
E = (-700.0, 0.0, 700.0)


# ----- the reference: -log of the density's definition, in mpmath ------------------------------
def _npdf(y, mu, var):
    return mp.exp(-(y - mu) ** 2 / (2 * var)) / mp.sqrt(2 * mp.pi * var)


def _sig(f):
    return 1 / (1 + mp.exp(-f))


def _mvn(f, y):
    n = len(y)
    L = mp.zeros(n, n)
    k = n
    for r in range(n):
        for c in range(r + 1):
            L[r, c] = mp.exp(f[k]) if r == c else f[k]
            k += 1
    z = []
    for r in range(n):  # forward substitution L z = y - mu
        z.append((y[r] - f[r] - mp.fsum(L[r, c] * z[c] for c in range(r))) / L[r, r])
    return mp.exp(-mp.fsum(v**2 for v in z) / 2) / ((2 * mp.pi) ** (mp.mpf(n) / 2) * mp.fprod(L[j, j] for j in range(n)))


def _plackett_luce(f, y):
    order = [int(v) for v in y]
    return mp.fprod(mp.exp(f[order[k]]) / mp.fsum(mp.exp(f[c]) for c in order[k:]) for k in range(len(order)))


def _mixture(f, y):
    K = len(f) // 3
    w = [mp.exp(v) for v in f[:K]]
    return mp.fsum(w[k] / mp.fsum(w) * _npdf(y[0], f[K + k], mp.exp(f[2 * K + k])) for k in range(K))


#: Pr(y | theta) with the registry's links, f and y as mpf lists (least squares: exp(-sum (y - f)^2)).
DENSITY = {
    "least-squares": lambda f, y, s: mp.exp(-mp.fsum((a - b) ** 2 for a, b in zip(y, f))),
    "normal": lambda f, y, s: mp.fprod(_npdf(a, b, s**2) for a, b in zip(y, f)),
    "heteroscedastic-normal": lambda f, y, s: mp.fprod(_npdf(y[j], f[j], mp.exp(f[len(y) + j])) for j in range(len(y))),
    "bernoulli": lambda f, y, s: mp.fprod(_sig(b) ** a * (1 - _sig(b)) ** (1 - a) for a, b in zip(y, f)),
    "categorical": lambda f, y, s: mp.exp(f[int(y[0])]) / mp.fsum(mp.exp(v) for v in f),
    "poisson": lambda f, y, s: mp.fprod(mp.exp(b) ** a * mp.exp(-mp.exp(b)) / mp.factorial(a) for a, b in zip(y, f)),
    "laplace": lambda f, y, s: mp.exp(-abs(y[0] - f[0]) / mp.exp(f[1])) / (2 * mp.exp(f[1])),
    "student-t": lambda f, y, s: (lambda mu, sg, nu: mp.gamma((nu + 1) / 2) / (mp.gamma(nu / 2) * mp.sqrt(nu * mp.pi) * sg)
                                  * (1 + ((y[0] - mu) / sg) ** 2 / nu) ** (-(nu + 1) / 2))(f[0], mp.exp(f[1]), mp.exp(f[2])),
    "gaussian-mixture": lambda f, y, s: _mixture(f, y),
    "exponential": lambda f, y, s: mp.exp(f[0]) * mp.exp(-mp.exp(f[0]) * y[0]),
    "gamma": lambda f, y, s: (lambda a, b: b**a * y[0] ** (a - 1) * mp.exp(-b * y[0]) / mp.gamma(a))(
        mp.exp(f[0]), mp.exp(f[1])),
    "beta": lambda f, y, s: (lambda a, b: mp.gamma(a + b) / (mp.gamma(a) * mp.gamma(b)) * y[0] ** (a - 1)
                             * (1 - y[0]) ** (b - 1))(mp.exp(f[0]), mp.exp(f[1])),
    "von-mises": lambda f, y, s: mp.exp(mp.exp(f[1]) * mp.cos(y[0] - f[0])) / (2 * mp.pi * mp.besseli(0, mp.exp(f[1]))),
    "multivariate-normal": lambda f, y, s: _mvn(f, y),
    "plackett-luce": lambda f, y, s: _plackett_luce(f, y),
}


def reference(name: str, f, y, sigma=None, digits: int = DIGITS + GUARD) -> float:
    """-log Pr(y | link[f]) from the density's definition, rounded to float64."""
    with mp.workdps(digits):
        mpf = [mp.mpf(float(v)) for v in f]
        mpy = [mp.mpf(float(v)) for v in y]
        s = None if sigma is None else mp.mpf(float(sigma))
        return float(-mp.log(DENSITY[name](mpf, mpy, s)))


# ----- the edges --------------------------------------------------------------------------------
def _cases() -> dict[str, list[tuple]]:
    """(f, y, sigma) per loss: log-parameters at -700, 0, 700 (and the issue's reproducers)."""
    r3 = (0.0, 0.7, 1e-200)  # residuals: zero, ordinary, tiny
    sigmas = (math.exp(-700), 1e-300, 1e-160, 0.75, 1e155, 1e160, 1e300, math.exp(700))
    return {
        "least-squares": [([0.0, 1.0], [r, -3.0], None) for r in (0.0, 0.7, 1e-200, 1e150)],
        "normal": [([0.0], [r], s) for s in sigmas for r in r3],
        "heteroscedastic-normal": [([0.0, s], [r], None) for s in (-1400.0, -720.0, -700.0, 0.0, 700.0, 720.0, 1400.0)
                                   for r in r3],
        "bernoulli": [([f], [y], None) for f in (-700.0, -40.0, 0.0, 40.0, 700.0) for y in (0.0, 1.0)],
        "categorical": [([a, b, 0.0], [c], None) for a in E for b in E for c in (0.0, 2.0)],
        "poisson": [([f], [y], None) for f in E for y in (0.0, 3.0, 1e6)],
        "laplace": [([0.0, b], [r], None) for b in (-720.0, -700.0, 0.0, 700.0) for r in r3],
        "student-t": [([0.0, s, n], [r], None) for s in E for n in (-700.0, 0.0, 20.0, 40.0, 700.0)
                      for r in (0.0, 0.7, 20.0)]
                     + [([0.0, 0.0, math.log(4.9e8)], [0.7], None), ([0.0, 0.0, math.log(2.4e17)], [0.7], None),
                        ([0.0, -720.0, 0.0], [0.0], None), ([0.0, -720.0, -700.0], [0.0], None)],
        "gaussian-mixture": [([w, 0.0, 0.0, 1.0, s, t], [r], None) for w in E for s in (-720.0, -700.0, 700.0)
                             for t in E for r in (0.0, 1.0)],
        "exponential": [([f], [y], None) for f in E for y in (0.0, 1.0, 1e-300)],
        "gamma": [([a, b], [y], None) for a in E for b in E for y in (0.5, 1.0, 2.0)],
        "beta": [([a, b], [y], None) for a in E for b in E for y in (0.5, 0.3, 1e-10)],
        "von-mises": [([0.0, k], [d], None) for k in (-700.0, 0.0, 20.0, 40.0, 700.0) for d in (0.0, 1e-8, 1.0, 3.0)],
        "multivariate-normal": [([0.0, 0.0, a, c, b], [r, r], None) for a in E for b in E for c in (0.0, 1.0)
                                for r in (0.0, 0.7)]
                               + [([0.0, 0.0, -720.0, 1.0, s], [0.0, 0.0], None) for s in (-720.0, 0.0)]
                               # n = 3: off-diagonal entries that differ, so the factor's order shows
                               + [([0.0, 0.0, 0.0, a, 1.0, b, 2.0, -0.5, 0.3], [r, -r, r], None) for a in E
                                  for b in E for r in (0.0, 0.7)],
        "plackett-luce": [([a, b, 0.0], y, None) for a in E for b in E for y in ([0.0, 1.0, 2.0], [2.0, 0.0, 1.0])],
    }


CASES = _cases()

#: Bernoulli and categorical losses of a confident, correct prediction are as small as 1e-304
#: (log1p(e^{-700})); their lecture forms softplus[f] - y f and logsumexp[f] - f_y return them to
#: 1e-16 absolute, not relative. Those two are held to 1e-10 relative to max(1, |reference|).
ABSOLUTE_BELOW_ONE = ("bernoulli", "categorical")


def _tolerance(name: str, ref: float) -> float:
    return RTOL * (max(1.0, abs(ref)) if name in ABSOLUTE_BELOW_ONE or ref == 0 else abs(ref))


def _accurate(name: str, got: float, ref: float) -> bool:
    if not math.isfinite(ref):  # not representable: overflow to +inf, nothing else
        return got == ref
    return math.isfinite(got) and abs(got - ref) <= _tolerance(name, ref)


_NETWORKS: dict[tuple[str, int], tuple] = {}


def _network(name: str, D_o: int):
    """A 1-1-D_o linear network whose outputs are its last bias (weights 0): outputs = f exactly.
    Its loss compiled to numpy and to torch, as evaluate and verify compile it."""
    if (name, D_o) not in _NETWORKS:
        nl = network_loss(NetworkSpec((1, 1, D_o), "linear"), name)
        _NETWORKS[name, D_o] = (nl, nl.compile("numpy"), nl.compile("torch"))
    return _NETWORKS[name, D_o]


def _paths(name: str, f, y, sigma) -> dict[str, float]:
    """The per-sample loss on each path."""
    nl, numpy_program, torch_program = _network(name, len(f))
    tensors = {"beta_0": [0.0], "omega_0": [[0.0]], "beta_1": list(f), "omega_1": [[0.0]] * len(f)}
    X, Y = np.zeros((1, 1)), np.array([y], dtype=float)
    out: dict[str, float] = {}
    with np.errstate(all="ignore"):
        outputs, loss = nl.evaluate(X, Y, tensors, sigma, numpy_program)
    assert outputs.tolist() == [list(f)]
    out["evaluate (numpy)"] = float(loss[0])
    T = {k: torch.tensor(v, dtype=torch.float64) for k, v in tensors.items()}
    _, loss = nl.evaluate(torch.zeros(1, 1, dtype=torch.float64), torch.tensor(Y), T, sigma, torch_program)
    out["verify (compiled torch)"] = float(loss[0])
    out["train (torch twin)"] = float(twin.per_sample_nll(name, torch.tensor([f], dtype=torch.float64), torch.tensor(Y),
                                                          sigma)[0])
    return out


def test_every_builtin_loss_has_edge_cases():
    builtins = [n for n in LOSSES if get_loss(n).builtin]
    assert sorted(CASES) == sorted(builtins)


@pytest.mark.parametrize("name", list(CASES))
def test_loss_is_finite_and_accurate_at_the_edges(name):
    failures = []
    for f, y, sigma in CASES[name]:
        ref = reference(name, f, y, sigma)
        for path, got in _paths(name, f, y, sigma).items():
            if not _accurate(name, got, ref):
                failures.append(f"{path}: f={f} y={y} sigma={sigma}: {got!r}, reference {ref!r}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name, f, y, sigma", [
    ("normal", [0.0], [0.7], 1e-300),
    ("student-t", [0.0, -700.0, -700.0], [0.7], None),
    ("student-t", [0.0, 0.0, 700.0], [0.7], None),
    ("bernoulli", [700.0], [1.0], None),
    ("beta", [700.0, 700.0], [0.3], None),
    ("von-mises", [0.0, 700.0], [1e-8], None),
])
def test_the_reference_is_stable_under_more_digits(name, f, y, sigma):
    a, b = reference(name, f, y, sigma), reference(name, f, y, sigma, DIGITS + GUARD + 100)
    assert a == b


def test_the_reference_agrees_with_scipy_where_scipy_is_exact():
    """A third witness at ordinary parameters (SciPy's own log-densities)."""
    from scipy import stats

    assert reference("student-t", [0.3, math.log(1.5), math.log(4.0)], [1.1]) == pytest.approx(
        -stats.t.logpdf(1.1, df=4.0, loc=0.3, scale=1.5), rel=1e-14)
    assert reference("gamma", [math.log(2.5), math.log(0.5)], [3.0]) == pytest.approx(
        -stats.gamma.logpdf(3.0, a=2.5, scale=2.0), rel=1e-14)
    assert reference("von-mises", [0.2, math.log(3.0)], [1.0]) == pytest.approx(
        -stats.vonmises.logpdf(1.0, 3.0, loc=0.2), rel=1e-14)
    assert reference("normal", [0.2], [1.0], 0.5) == pytest.approx(-stats.norm.logpdf(1.0, 0.2, 0.5), rel=1e-14)
