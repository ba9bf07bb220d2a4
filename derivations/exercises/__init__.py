"""Exercise sheets for every topic, different for every student, with checked solutions,
and a checker for students' answers.

- :mod:`.base`: what an exercise is; the registry of kinds (:data:`KINDS`);
- ``kinds_*``: the kinds, one module per group of topics;
- :mod:`.build`: sheets, solutions, ``answers.json`` and ``verification.json``;
- :mod:`.checker`: checking a student's answer (SymPy only: no torch, quick to start).
"""

from __future__ import annotations

import importlib

from derivations.exercises.base import KINDS, Exercise, kind

__all__ = ["KINDS", "Exercise", "kind", "load_kinds", "KIND_MODULES"]

#: The modules that register kinds (imported by :func:`load_kinds`, not by the checker).
KIND_MODULES = ("kinds_networks", "kinds_activations", "kinds_counting", "kinds_losses", "kinds_training",
                "kinds_backprop", "kinds_initialisation", "kinds_convolution", "kinds_attention")


def load_kinds() -> dict:
    """Import every kind module (registering its kinds) and return :data:`KINDS`."""
    for name in KIND_MODULES:
        importlib.import_module(f"{__name__}.{name}")
    return KINDS
