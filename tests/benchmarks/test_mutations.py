"""The mutation harness (benchmarks/mutations.py) cannot rot: its anchors still occur exactly
once, two fast mutations are caught by named checks, a crash is not counted as caught, and
the checkout is never changed."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _harness():
    spec = importlib.util.spec_from_file_location("mutations_harness", ROOT / "benchmarks" / "mutations.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


harness = _harness()


def _digest(paths) -> str:
    h = hashlib.sha256()
    for rel in sorted(paths):
        h.update(str(rel).encode() + (ROOT / rel).read_bytes())
    return h.hexdigest()


def test_every_anchor_occurs_exactly_once():
    """Refactoring a file that a mutation edits must update the mutation's text: this fails
    naming the mutation and the text that moved."""
    assert harness.check_anchors(ROOT) == []


def test_the_list_is_curated_as_promised():
    from derivations.lecture import TOPICS

    names = [m.name for m in harness.MUTATIONS]
    assert len(names) >= 40 and len(set(names)) == len(names)
    per_topic = {t: sum(t in m.topics for m in harness.MUTATIONS) for t in TOPICS}
    assert min(per_topic.values()) >= 3, per_topic
    assert all(set(m.topics) <= set(TOPICS) and m.breaks for m in harness.MUTATIONS)


def test_anchor_problems_are_reported():
    moved = harness.Mutation("moved", "symbolic/networks/counts.py", "no such text anywhere", "x", "nothing", ("counts_regions",))
    twice = harness.Mutation("twice", "symbolic/networks/counts.py", "D", "E", "nothing", ("counts_regions",))
    problems = harness.check_anchors(ROOT, [moved, twice])
    assert len(problems) == 2 and "occurs 0 times" in problems[0] and "must be exactly once" in problems[1]


@pytest.mark.parametrize("name", ["twin-bias-dropped", "exercise-twin-bias"])
def test_a_fast_mutation_is_caught_by_a_named_check(name):
    mutation = next(m for m in harness.MUTATIONS if m.name == name)
    files = harness._files(ROOT)
    before = _digest(files)
    row = harness.run_mutation(mutation, ROOT)
    assert row["caught"], row
    assert row["failed_checks"] and all("." in i or "/" in i for i in row["failed_checks"])  # record ids
    assert "crashed_topics" not in row
    assert _digest(files) == before  # the checkout is untouched


def test_a_crash_is_not_caught():
    crash = harness.Mutation("crash", "derivations/topics/hidden_units.py", "    formulas = Formulas(SLUG, names=",
                             "    raise RuntimeError('mutated')\n    formulas = Formulas(SLUG, names=", "the topic crashes",
                             ("hidden_units",))
    assert harness.check_anchors(ROOT, [crash]) == []
    row = harness.run_mutation(crash, ROOT)
    assert not row["caught"] and row["failed_checks"] == [] and row["crashed_topics"]
