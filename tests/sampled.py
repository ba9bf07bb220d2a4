"""The end-to-end cases the default test run samples, and the switch that runs them all.

A case marked ``full`` is one of the rest of a sampled set (every topic's script on its own,
every web page of the notes in the browser, the twelve students of the exercises' wide sweep):
the default run keeps a representative sample and skips the rest; ``--full`` runs them all,
and so does CI (the ``CI`` variable set, which ``.ci/run`` exports).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import pytest

#: Topics whose web pages the default run opens in the browser: the four with interactive
#: figures (the browser tests' own site), the deep networks' block matrices, the convolution's
#: arrays and the example of the exercises (a topic made of exercises).
WEB_PAGES = ("shallow", "activations", "piecewise_linear", "gradient_descent", "deep_networks", "convolution",
             "exercises_example")

#: Topics whose scripts the default run runs on their own (a fresh process each): the first topic,
#: one with figures and SymPy's optimisation, and one of the torch cross-checks.
TOPIC_SCRIPTS = ("shallow", "gradient_descent", "convolution")


def full_run(config) -> bool:
    """Whether the cases marked ``full`` run: with ``--full`` or in CI."""
    return bool(config.getoption("--full", default=False) or os.environ.get("CI"))


def sampled(values: Iterable[str], sample: Sequence[str]) -> list:
    """``values`` as parameters, those outside ``sample`` marked ``full``."""
    values = list(values)
    unknown = [v for v in sample if v not in values]
    assert not unknown, f"sample names unknown values: {unknown}"
    return [v if v in sample else pytest.param(v, marks=pytest.mark.full) for v in values]
