"""Gradient descent and the optimizers' update rules, symbolically."""

from symbolic.training.gradient_descent import *  # noqa: F401,F403  (the names of the module this package grew from)
from symbolic.training.gradient_descent import __all__
