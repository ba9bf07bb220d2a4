"""Shallow and deep networks in the lecture's notation, their identities and parameter counts."""

from symbolic.networks.network import *  # noqa: F401,F403  (the names of the module this package grew from)
from symbolic.networks.network import __all__
