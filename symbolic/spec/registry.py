"""The one registry of losses and activations that both sides read.

Names (``"relu"``, ``"poisson"``, a lecturer's ``"softsign"``) are keys into a
:class:`Registry`; the values are entry objects that carry everything a command needs
(the SymPy definition, the conditions on widths and targets, the torch function). Code
looks an entry up once and asks the object, instead of comparing the name again.

This module is plain Python (no SymPy, no torch at import) so that ``numeric`` can import
it: entries build their SymPy and torch parts lazily.
"""

from __future__ import annotations

import difflib
from typing import Any, Generic, Iterable, Iterator, TypeVar

__all__ = ["Registry", "resolve_path", "suggest"]

E = TypeVar("E")


def suggest(name: object, options: Iterable[str]) -> str:
    """The one "did you mean" hint: ``" (did you mean 'relu'?)"``, or ``""`` when nothing is close.

    >>> suggest("rleu", ["relu", "tanh"])
    " (did you mean 'relu'?)"
    >>> suggest("zzz", ["relu", "tanh"])
    ''
    """
    close = difflib.get_close_matches(str(name), list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def resolve_path(path: str) -> Any:
    """The object a dotted path names (``"torch.distributions.Normal"``), imported now; a
    ValueError naming the first part that does not exist, with a "did you mean" over the names
    of the module or object before it (for a first part that is no installed module: over the
    installed top-level modules). A package that is there but fails to import (an ImportError
    inside it) propagates its ImportError.

    >>> resolve_path("difflib.get_close_matches").__name__
    'get_close_matches'
    >>> resolve_path("difflib.get_close_match")
    Traceback (most recent call last):
    ...
    ValueError: 'difflib.get_close_match' does not exist: difflib has no 'get_close_match' (did you mean 'get_close_matches'?)
    """
    import importlib.util

    parts = path.split(".") if isinstance(path, str) else []
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        raise ValueError(f"expected a dotted path such as 'torch.distributions.Normal', got {path!r}")
    if importlib.util.find_spec(parts[0]) is None:
        import pkgutil

        raise ValueError(f"{path!r} does not exist: there is no module {parts[0]!r}"
                         f"{suggest(parts[0], (m.name for m in pkgutil.iter_modules()))}")
    obj = importlib.import_module(parts[0])
    for k, part in enumerate(parts[1:], start=1):
        if not hasattr(obj, part):
            try:  # a submodule that its package does not import
                importlib.import_module(".".join(parts[:k + 1]))
            except ImportError:
                names = [n for n in dir(obj) if not n.startswith("_")]
                raise ValueError(f"{path!r} does not exist: {'.'.join(parts[:k])} has no {part!r}"
                                 f"{suggest(part, names)}") from None
        obj = getattr(obj, part)
    return obj


class Registry(Generic[E]):
    """Named entries of one kind (``"loss"`` or ``"activation"``), in registration order.

    >>> r = Registry("activation")
    >>> r.add("relu", object()) and None
    >>> r.names()
    ('relu',)
    >>> r.get("rleu")
    Traceback (most recent call last):
    ...
    ValueError: unknown activation 'rleu' (did you mean 'relu'?); choose one of relu
    >>> r.add("relu", object())
    Traceback (most recent call last):
    ...
    ValueError: activation 'relu' is already registered; choose another name
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, E] = {}

    def add(self, name: str, entry: E) -> E:
        """Register ``entry`` under ``name``; refuse a name that is taken or not a plain identifier-like string."""
        if not isinstance(name, str) or not name or name != name.strip() or any(c.isspace() for c in name):
            raise ValueError(f"{self.kind} name must be a non-empty string without spaces, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered; choose another name")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> E:
        """The entry registered as ``name``; a ValueError naming the choices otherwise."""
        if isinstance(name, str) and name in self._entries:
            return self._entries[name]
        raise ValueError(f"unknown {self.kind} {name!r}{suggest(name, self._entries)}; "
                         f"choose one of {', '.join(self._entries)}")

    def remove(self, name: str) -> E:
        """Take ``name`` out again and return its entry (for tests and notebooks that try an entry out)."""
        entry = self.get(name)
        del self._entries[name]
        return entry

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
