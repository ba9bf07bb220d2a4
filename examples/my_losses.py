"""A lecturer's own activations and losses, registered through the public API (``--plugin examples/my_losses.py``).

    deepderive derive --plugin examples/my_losses.py --widths 1,3,1 --activation softsign --gradients
    deepderive train --plugin examples/my_losses.py --widths 1,8,2 --activation tanh --loss laplace-mine --data D.csv
    deepderive regions --plugin examples/my_losses.py --widths 1,3,1 --activation abs-relu

An activation is one expression in one real symbol: SymPy derives its derivative, finds its
kinks and prints its torch code. Each loss is a density of the target given its parameters and
a link from the network outputs f[0], f[1], ... to those parameters; the recipe engine derives
and checks the rest. Nothing here imports torch until a command needs it.
"""

import sympy as sp

from symbolic import register_activation, register_loss

z = sp.Symbol("z", real=True)

# softsign[z] = z / (1 + |z|); the twin uses torch's own softsign, an independent oracle.
register_activation("softsign", z / (1 + sp.Abs(z)), torch="torch.nn.functional.softsign")

# Piecewise linear with one kink (so `regions` applies): slope -1/2 left of 0, 3/2 right of it.
register_activation("abs-relu", sp.Max(0, z) + sp.Abs(z) / 2)

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
