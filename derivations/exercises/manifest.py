"""The exercise kinds the sheets must hold: a list kept apart from the registry.

The registry (:data:`.base.KINDS`) is whatever the ``@kind`` decorators registered; a kind whose
decorator is removed would simply vanish from the sheets and renumber every exercise after it.
This list says which kinds there are meant to be, each with its topic (the table of
``docs/exercises.md``, which a test keeps equal to it), and which are left off on purpose
(:data:`EXCLUDED`, with the reason). The build's record ``kinds`` (:func:`kinds_record`) fails
when a listed kind of the chosen topics is not on the sheets, or a registered kind is on no list.

>>> record = kinds_record(["shallow-output"], ["shallow"])
>>> record["passed"], record["method"]
(True, '1 kind of the list on the sheets, 0 left off on purpose')
>>> kinds_record([], ["shallow"])["detail"]
"the kind 'shallow-output' of topic shallow is not on the sheets (is its @kind registration gone?)"
"""

from __future__ import annotations

from typing import Sequence

__all__ = ["EXPECTED", "EXCLUDED", "kinds_record"]

#: Every kind the sheets hold, with its topic, in the lecture's order.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("shallow-output", "shallow"),
    ("activation-derivative", "activations"),
    ("activation-slope", "activations"),
    ("multi-output", "hidden_units"),
    ("two-input-output", "hidden_units"),
    ("joints", "piecewise_linear"),
    ("region-slope", "piecewise_linear"),
    ("interpolation-weight", "universal_approximation"),
    ("composition", "deep_networks"),
    ("parameter-count", "counts_regions"),
    ("max-regions", "counts_regions"),
    ("depth-width", "depth"),
    ("nll", "losses"),
    ("prediction", "losses"),
    ("total-nll", "losses"),
    ("gd-step", "gradient_descent"),
    ("sgd-gradient", "sgd"),
    ("steps-per-epoch", "sgd"),
    ("toy-backprop", "backprop"),
    ("network-gradient", "backprop"),
    ("init-variance", "initialisation"),
    ("he-variance", "initialisation"),
    ("conv-output-length", "convolution"),
    ("conv-parameters", "convolution"),
    ("attention-parameters", "attention"),
)
#: Kinds registered but deliberately kept off the sheets: slug -> why.
EXCLUDED: dict[str, str] = {}


def kinds_record(on_sheets: Sequence[str], topics: Sequence[str] | None) -> dict:
    """The verification record ``kinds``: every listed kind of ``topics`` (None: all) is on the
    sheets (``on_sheets``: the slugs of one student's exercises, in order) and every kind on the
    sheets is listed."""
    from derivations.exercises import KINDS, load_kinds

    load_kinds()
    wanted = [(slug, topic) for slug, topic in EXPECTED if topics is None or topic in topics]
    problems = [f"the kind {slug!r} of topic {topic} is not on the sheets (is its @kind registration gone?)"
                for slug, topic in wanted if slug not in on_sheets and slug not in EXCLUDED]
    listed = {slug for slug, _ in EXPECTED}
    problems += [f"the kind {slug!r} is on the sheets but on no list of kinds (add it to the manifest)"
                 for slug in on_sheets if slug not in listed]
    problems += [f"the registered kind {slug!r} is neither listed nor excluded" for slug in KINDS
                 if slug not in listed and slug not in EXCLUDED]
    problems += [f"the kind {slug!r} has topic {KINDS[slug][0]}, the list says {topic}" for slug, topic in EXPECTED
                 if slug in KINDS and KINDS[slug][0] != topic]
    found = sum(slug in on_sheets for slug, _ in wanted)
    out = {"id": "kinds", "name": "every listed exercise kind of the chosen topics is on the sheets",
           "kind": "completeness", "topic": "exercises",
           "method": f"{found} kind{'s' if found != 1 else ''} of the list on the sheets, "
                     f"{sum(s in EXCLUDED for s, _ in wanted)} left off on purpose",
           "max_error": 0.0 if not problems else 1.0, "passed": not problems}
    if problems:
        out["detail"] = "; ".join(problems)[:600]
    return out
