"""A lecturer's own activations and losses, registered for every deepderive command.

    deepderive derive --plugin examples/my_losses.py --widths 1,3,1 --activation softsign --gradients
    deepderive verify --plugin examples/my_losses.py --widths 2,3,2 --activation softsign --loss laplace-mine
    deepderive regions --plugin examples/my_losses.py --widths 1,3,1 --activation abs-relu

Each expression is the whole definition: SymPy derives the derivative, finds the kinks and
prints the torch code; the recipe engine derives and checks each loss's NLL. This file is
run before the command (it is your own code, like a config file), and does not import torch.
"""

import sympy as sp

from symbolic import register_activation, register_loss

z = sp.Symbol("z", real=True)

# softsign[z] = z / (1 + |z|); torch has it too, so the twin uses torch's own as an independent oracle.
register_activation("softsign", z / (1 + sp.Abs(z)), torch="torch.nn.functional.softsign")

# A piecewise-linear activation with one kink (so `regions` applies): slope -1/2 left of 0, 3/2 right of it.
register_activation("abs-relu", sp.Max(0, z) + sp.Abs(z) / 2)

# The Laplace distribution (mean mu = f_1, scale b = exp f_2): the least-absolute-deviation loss.
y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
b = sp.Symbol("b", positive=True)
register_loss("laplace-mine", density=sp.exp(-sp.Abs(y - mu) / b) / (2 * b), target=y,
              link=lambda f: {mu: f[0], b: sp.exp(f[1])}, outputs=2, support="real")

# The logistic distribution (location mu = f_1, scale s = exp f_2), a heavier-tailed normal.
s = sp.Symbol("s", positive=True)
register_loss("logistic-mine", density=sp.exp(-(y - mu) / s) / (s * (1 + sp.exp(-(y - mu) / s)) ** 2), target=y,
              link=lambda f: {mu: f[0], s: sp.exp(f[1])}, outputs=2, support="real")
