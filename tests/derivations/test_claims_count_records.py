"""Sentences that count evidence say what the records behind them hold: the losses topic's count
of its displayed steps and of the losses compared with PyTorch, the backpropagation topic's
gradient comparison, and the header of the worked solutions."""

import re

import pytest

from derivations.checks.evidence import checked_numerically, method_class
from derivations.checks.records import tagged_ids
from derivations.topics.topic import run_topics


def _topic(name: str, tmp_path_factory, notes_build):
    """The topic's result as the notes have it: loaded from the topic cache of the run's shared
    notes build (tests/derivations/conftest.py), or built here where that holds none."""
    out = notes_build.seed(tmp_path_factory.mktemp(name), [name])
    (topic,), _ = run_topics(out, [name], cache=True)
    return topic


@pytest.fixture(scope="module")
def losses(tmp_path_factory, notes_build):
    return _topic("losses", tmp_path_factory, notes_build)


def _flat(tex: str) -> str:
    return " ".join(tex.split())


@pytest.mark.slow
def test_losses_introduction_counts_the_displayed_steps_and_says_how_each_was_checked(losses):
    by_id = {r["id"]: r for r in losses.records}
    steps = [by_id[i] for i in tagged_ids(losses.latex) if by_id[i]["kind"] == "derivation-step"]
    definitions = [r for r in steps if r["method"] == "definition"]
    proven = [r for r in steps if method_class(r) == "proven"]
    numeric = [r for r in steps if r not in definitions and r not in proven]
    assert numeric and any("mode against" in r["method"] for r in numeric)  # the case the sentence must name
    intro = _flat(losses.latex.split(r"\subsection", 1)[0])
    assert f"a name: {len(definitions)} of the {len(steps)} steps, stated, not proven" in intro
    assert f"SymPy proved {len(proven)} symbolically and {checked_numerically(numeric)}." in intro
    for r in numeric:  # each numeric check named with the record's own words ("40 points of the support")
        where = re.match(r"numeric \(mode against (.+), (\d+) parameter points\)", r["method"])
        assert where is None or f"against {where.group(1)} at {where.group(2)} parameter points" in intro
    assert "50-digit arithmetic at random points" not in intro


@pytest.mark.slow
def test_losses_network_sentence_names_the_losses_its_record_compared(losses):
    twins = [r for r in losses.records if "loss" in r and r["kind"] == "symbolic-vs-torch"]
    text = _flat(losses.latex)
    names = ", ".join(rf"\texttt{{{r['loss']}}}" for r in twins)
    worst = max(r["max_error"] for r in twins)
    assert f"at most {worst:.1e} in float64 for each of the {len(twins)} losses compared ({names})" in text
    assert "every distribution" not in text


@pytest.fixture(scope="module")
def backprop(tmp_path_factory, notes_build):
    return _topic("backprop", tmp_path_factory, notes_build)


@pytest.mark.slow
def test_backprop_prints_the_gradient_error_not_the_loss_oracle_and_the_activations_it_covers(backprop):
    import torch

    from derivations.checks.crosscheck import GRADIENT_TOLERANCES
    from symbolic.losses.sample import LOSSES
    from symbolic.spec import ACTIVATIONS

    records = {r["id"]: r for r in backprop.records}
    gradients = next(r for r in backprop.records if r["name"].startswith("derived gradients (scalar program"))
    oracle, kinks = records["backprop.grid-oracle"], records["backprop.gradient_at_kinks"]
    # the gradient record holds gradients only: float64 derived gradients agree with autograd to
    # the gradient tolerance (the loss-value oracle's error, 2.7e-08 for von Mises, is not one)
    assert gradients["max_error"] <= GRADIENT_TOLERANCES[torch.float64]
    assert gradients["activations"] == list(ACTIVATIONS) and gradients["losses"] == list(LOSSES)
    text = _flat(backprop.latex)
    assert (f"for each of the {len(ACTIVATIONS)} registered activations with each of the {len(LOSSES)} registered "
            f"losses ({len(ACTIVATIONS) * len(LOSSES)} networks;") in text
    assert f"largest relative error of a gradient {gradients['max_error']:.1e}, float64" in text
    assert (f"for the {len(oracle['losses'])} losses that have a \\texttt{{torch.distributions}} object the "
            f"per-sample loss agrees with its negative log-probability (largest relative error "
            f"{oracle['max_error']:.1e})") in text
    for name in kinks["activations"]:  # relu, leaky_relu, elu, heaviside: all named, not two of them
        assert ACTIVATIONS.get(name).title in text.split("exactly at $0$", 1)[1].split("relative error", 1)[0]
    assert "for every activation and every loss" not in text


@pytest.fixture(scope="module")
def solutions(tmp_path_factory):
    import json

    from derivations.exercises.build import build_exercises

    out = tmp_path_factory.mktemp("exercises")
    build_exercises(out, ["s001"], seed=0, pdf=False)
    return (out / "solutions" / "s001.tex").read_text(), json.loads((out / "verification.json").read_text())


def test_solutions_header_counts_the_steps_and_names_what_each_exercise_was_compared_with(solutions):
    tex, records = solutions
    header = _flat(tex.split(r"\subsection*", 1)[0])
    assert "Every displayed step was checked" not in header and "every answer was compared" not in header
    steps = [r for r in records if r["kind"] == "derivation-step"]
    definitions = sum(r["method"] == "definition" for r in steps)
    proven = sum(method_class(r) == "proven" for r in steps)
    assert definitions > 0  # the case the old header hid
    assert (f"Of the {len(steps)} displayed steps, {definitions} are definitions (stated, not proven), {proven} were "
            f"proven symbolically and {checked_numerically(steps)}.") in header
    keys = [r for r in records if r["id"].endswith("/key") and r["passed"]]
    assert f"Each of the {len(keys)} answers is the printed final step of its checked solution, read back." in header
    groups = {what: _listed(eids) for what, eids in
              re.findall(r"(the PyTorch twin|an exact computation|the package's own formula) \(([^)]*)\)", header)}
    twins = [r for r in records if "/twin-" in r["id"]]
    for r in twins:
        assert r["id"].split("/")[1] in groups[r["against"]], (r["id"], r["against"], groups)
    # the region-count exercises compare with the package's own formula only, not with PyTorch
    regions = {r["id"].split("/")[1] for r in twins if "max_regions" in r["name"]}
    assert regions and regions <= groups["the package's own formula"]
    assert not regions & groups["the PyTorch twin"]


def _listed(eids: str) -> set[str]:
    """``"E01--E03, E06"`` -> {"E01", "E02", "E03", "E06"}."""
    out = set()
    for part in eids.split(", "):
        first, _, last = part.partition("--")
        out |= {f"E{n:02d}" for n in range(int(first[1:]), int((last or first)[1:]) + 1)}
    return out


def test_a_comparison_with_the_pytorch_twin_is_recorded_as_one():
    from derivations.exercises.build import PYTORCH, compared_with

    assert compared_with("NLL at f = 1/3, y = -1/2 (PyTorch twin)") == PYTORCH  # was a 'cross-check'
    assert compared_with("(D + 1)^K is attained for these widths (the package's max_regions_is_exact)") \
        == "the package's own formula"
