"""Linear regions: exact pieces of ReLU networks, region counts and the constructions that attain them."""

from symbolic.regions.counts import *  # noqa: F401,F403  (the names of the module this package grew from)
from symbolic.regions.counts import __all__
