"""A problem: one network spec, one loss entry and its constants, resolved and validated once.

A command reads names (``--widths``, ``--activation``, ``--loss``, ``--sigma``); it turns them
into a :class:`Problem` in one place, and everything below it (the trainer, the data
checks, the torch losses) takes the resolved objects instead of looking the names up again.

>>> from symbolic.spec.network import NetworkSpec
>>> p = Problem.of(NetworkSpec((1, 3, 2)), "heteroscedastic-normal")
>>> p.loss.name, p.n_targets, p.sigma, p.spec.activation_entry.name
('heteroscedastic-normal', 1, None, 'relu')
>>> Problem.of(NetworkSpec((1, 3, 1)), "normal", sigma=0.5).constants
{'sigma': 0.5}
>>> Problem.of(NetworkSpec((1, 3, 1)), "normal")
Traceback (most recent call last):
...
ValueError: the normal loss needs its standard deviation: pass --sigma S with S > 0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symbolic.spec.losses import Likelihood, check_sigma, get_loss
from symbolic.spec.network import NetworkSpec

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """``spec`` (its activation entry resolved), ``loss`` (the registry entry), ``sigma``
    (validated; None for losses without one) and ``n_targets`` (target columns of a data row)."""

    spec: NetworkSpec
    loss: Likelihood
    sigma: float | None
    n_targets: int

    @classmethod
    def of(cls, spec: NetworkSpec, loss: "str | Likelihood", sigma: Any = None,
           default_sigma: float | None = None) -> "Problem":
        """Resolve and validate once: the loss's name, its output width rule, its sigma
        (``default_sigma`` where the loss needs one and none is given: the checks' sigma)."""
        entry = get_loss(loss)
        n = entry.n_targets(spec.D_o)  # ValueError: the loss's own message for this D_o
        if sigma is None and entry.uses_sigma:
            sigma = default_sigma
        return cls(spec, entry, check_sigma(entry, sigma), n)

    @property
    def constants(self) -> dict[str, float]:
        """The loss's fixed constants by name (``{"sigma": ...}`` for the normal loss)."""
        return {} if self.sigma is None else {"sigma": self.sigma}
