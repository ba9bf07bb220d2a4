"""Backpropagation as a straight-line program: the chain rule, compiled layer by layer, the toy example."""

from symbolic.backprop.backprop import *  # noqa: F401,F403  (the names of the module this package grew from)
from symbolic.backprop.backprop import __all__
