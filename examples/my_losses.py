"""A lecturer's own losses, registered through the public API (``deepderive ... --plugin examples/my_losses.py``).

    deepderive train --plugin examples/my_losses.py --widths 1,8,2 --activation tanh --loss laplace-mine --data D.csv

Each loss is a density of the target given its parameters and a link from the network outputs
f[0], f[1], ... to those parameters; the recipe engine derives and checks the rest.
"""

import sympy as sp

from symbolic import register_loss

y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
b = sp.Symbol("b", positive=True)
register_loss("laplace-mine", density=sp.exp(-sp.Abs(y - mu) / b) / (2 * b), target=y,
              link=lambda f: {mu: f[0], b: sp.exp(f[1])}, outputs=2, support="real")

# A log-normal over positive targets, with torch's LogNormal as an extra oracle in `verify`.
t, s = sp.Symbol("y", positive=True), sp.Symbol("s", positive=True)


def _log_normal(mu, s):
    import torch

    return torch.distributions.LogNormal(mu, s)


register_loss("log-normal-mine", density=sp.exp(-(sp.log(t) - mu) ** 2 / (2 * s**2)) / (t * s * sp.sqrt(2 * sp.pi)),
              target=t, link=lambda f: {mu: f[0], s: sp.exp(f[1])}, outputs=2, support="positive",
              torch_distribution=_log_normal)
