"""Loss functions from maximum likelihood.

Start here: :mod:`symbolic.spec.losses` holds the registry entry of every loss (its support,
width rule, constants); this package holds their mathematics:

- :mod:`~symbolic.losses.block`: a distribution over the targets and its link (``Block``,
  ``Lesson``, ``Model``);
- :mod:`~symbolic.losses.engine`: the recipe engine, which derives the likelihood, the
  per-sample loss, its stable form and the mode from a block, every step checked;
- :mod:`~symbolic.losses.lecture`: the lecture's six losses, with its words and steps;
- :mod:`~symbolic.losses.book`: the book's nine other distributions (fig. 5.11);
- :mod:`~symbolic.losses.functions`: stable functions (log-sum-exp, Bessel, Stirling, ...);
- :mod:`~symbolic.losses.sample`: per-sample and network losses;
- :mod:`~symbolic.losses.recipes`: the recipe as a derivation, for a network;
- :mod:`~symbolic.losses.custom`: ``register_loss`` for a lecturer's own.

Importing this package binds the built-in registry entries to their SymPy models (the torch
side binds its twins in :mod:`numeric.loss_twins`).
"""

from symbolic.losses.sample import *  # noqa: F401,F403  (the names of the module this package grew from)
from symbolic.losses.sample import __all__
from symbolic.losses import book, lecture  # noqa: F401,E402  (bind the built-ins' models)
