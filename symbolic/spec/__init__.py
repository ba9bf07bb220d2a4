"""What every side agrees on, in plain Python (no SymPy, no torch at import): the network
spec, the registries of activations and losses (their entries; the SymPy and torch sides
register their realisations onto them), supports, limits and tolerances.

``from symbolic.spec import NetworkSpec, ACTIVATIONS, LOSSES`` is the import the numeric side
and user code rely on.
"""

from symbolic.spec.activations import ACTIVATIONS
from symbolic.spec.losses import LOSSES, check_sigma
from symbolic.spec.network import NetworkSpec, check_loss_width, n_targets, parse_widths
from symbolic.spec.problem import Problem

__all__ = ["ACTIVATIONS", "LOSSES", "NetworkSpec", "Problem", "check_loss_width", "check_sigma", "n_targets", "parse_widths"]
