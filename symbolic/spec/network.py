"""The one network spec that both the symbolic and the numeric side are built from.

A deep network (lecture: "deep networks in matrix notation") is fixed by its widths
``(D_0 = D_i, D_1, ..., D_K, D_{K+1} = D_o)`` and its activation ``a[.]``:

    h_1 = a[beta_0 + Omega_0 x],  h_{k+1} = a[beta_k + Omega_k h_k],  y = beta_K + Omega_K h_K.

This module is plain Python (no SymPy, no torch) so that ``numeric`` can import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Iterable, Mapping

from symbolic.spec.activations import ACTIVATIONS as _ACTIVATION_REGISTRY

__all__ = ["ACTIVATIONS", "LOSSES", "NetworkSpec", "check_loss_width", "check_sigma",
           "n_targets", "parse_widths"]

#: Activation names accepted everywhere (CLI, spec, both realisations): the registry of
#: :class:`symbolic.spec.activations.Activation` entries (iterating it gives the names).
ACTIVATIONS = _ACTIVATION_REGISTRY


#: The loss registry (names are keys; entries are :class:`symbolic.spec.losses.Likelihood`).
from symbolic.spec.losses import LOSSES, check_sigma, get_loss  # noqa: E402  (plain Python)


def parse_widths(text: str | Iterable[int]) -> tuple[int, ...]:
    """Parse ``"1,3,1"`` (or a sequence of ints) into validated widths.

    >>> parse_widths("2, 4, 4, 1")
    (2, 4, 4, 1)
    """
    if isinstance(text, str):
        items = [t.strip() for t in text.split(",")]
        if any(t == "" for t in items):
            raise ValueError(f"widths must be a comma-separated list of positive integers, got {text!r}")
        raw: list[object] = items
    else:
        raw = list(text)
    widths = []
    for position, item in enumerate(raw, start=1):
        value: object = item
        if isinstance(item, str):
            digits = item.lstrip("+-")
            if not (digits.isascii() and digits.isdigit()) or len(item) - len(digits) > 1 or len(digits) > 18:
                shown = item if len(item) <= 20 else item[:20] + "..."
                raise ValueError(f"widths must be positive integers, got {shown!r} at position {position}")
            value = int(item)
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ValueError(f"widths must be positive integers, got {item!r} at position {position}")
        if value <= 0:
            raise ValueError(f"widths must be positive integers, got {value} at position {position}")
        widths.append(value)
    if len(widths) < 2:
        raise ValueError(
            f"widths must list at least the input and output widths (D_i, ..., D_o), got {len(widths)} entr"
            + ("y" if len(widths) == 1 else "ies")
        )
    return tuple(widths)


@dataclass(frozen=True)
class NetworkSpec:
    """Widths ``(D_i, D_1, ..., D_K, D_o)`` and activation of a fully connected network.

    >>> spec = NetworkSpec((1, 3, 1), "relu")
    >>> spec.D_i, spec.D_o, spec.K, spec.hidden
    (1, 1, 1, (3,))
    >>> NetworkSpec((1, 0, 1), "relu")
    Traceback (most recent call last):
    ...
    ValueError: widths must be positive integers, got 0 at position 2
    """

    widths: tuple[int, ...]
    activation: str = "relu"
    activation_params: Mapping[str, Fraction] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", parse_widths(self.widths))
        entry = ACTIVATIONS.get(self.activation)  # ValueError naming the choices
        params = entry.check_params(self.activation_params)
        object.__setattr__(self, "activation_params", params)
        object.__setattr__(self, "_entry", entry)  # resolved once: the spec holds its entry

    def __reduce__(self):  # the entry is resolved again on the other side (it may hold functions)
        return (type(self), (self.widths, self.activation, dict(self.activation_params)))

    @property
    def activation_entry(self):
        """The registry entry of a[.] (:class:`symbolic.spec.activations.Activation`), resolved
        when the spec was made."""
        return self._entry

    # The lecture's dimension names.
    @property
    def D_i(self) -> int:
        """Input width D_i."""
        return self.widths[0]

    @property
    def D_o(self) -> int:
        """Output width D_o."""
        return self.widths[-1]

    @property
    def K(self) -> int:
        """Number of hidden layers K."""
        return len(self.widths) - 2

    @property
    def hidden(self) -> tuple[int, ...]:
        """Hidden widths (D_1, ..., D_K)."""
        return self.widths[1:-1]

    @property
    def is_shallow(self) -> bool:
        """True for one hidden layer (the lecture's shallow network)."""
        return self.K == 1

    def tensor_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of ``beta_k`` (D_{k+1},) and ``omega_k`` (D_{k+1}, D_k), k = 0..K, in JSON order.

        >>> NetworkSpec((2, 3, 1)).tensor_shapes()
        {'beta_0': (3,), 'omega_0': (3, 2), 'beta_1': (1,), 'omega_1': (1, 3)}
        """
        shapes: dict[str, tuple[int, ...]] = {}
        for k in range(len(self.widths) - 1):
            shapes[f"beta_{k}"] = (self.widths[k + 1],)
            shapes[f"omega_{k}"] = (self.widths[k + 1], self.widths[k])
        return shapes

    @property
    def n_parameters(self) -> int:
        """Total number of parameters, sum_k D_{k+1} (D_k + 1)."""
        return sum(w_out * (w_in + 1) for w_in, w_out in zip(self.widths, self.widths[1:]))

    def describe(self) -> str:
        """A one-line human description, e.g. ``1-3-1 relu``."""
        extra = ",".join(f"{k}={float(v):g}" for k, v in self.activation_params.items())
        return "-".join(map(str, self.widths)) + f" {self.activation}" + (f"({extra})" if extra else "")

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly form (used in checkpoints and run folders)."""
        return {
            "widths": list(self.widths),
            "activation": self.activation,
            "activation_params": {k: str(v) for k, v in self.activation_params.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "NetworkSpec":
        params = {k: Fraction(str(v)) for k, v in dict(data.get("activation_params", {})).items()}  # type: ignore[arg-type]
        return cls(tuple(data["widths"]), str(data["activation"]), params)  # type: ignore[arg-type]


# ----- losses: the conditions both realisations check (asked of the registry entry) -------------

def check_loss_width(loss, D_o: int) -> None:
    """Raise ValueError when the network's output width D_o does not suit the loss (a name or an entry)."""
    get_loss(loss).n_targets(D_o)


def n_targets(loss, D_o: int) -> int:
    """Target columns a data file needs for this loss and output width."""
    return get_loss(loss).n_targets(D_o)
