"""Every format of ``derive`` and ``regions`` runs the same checks, prints them, and exits 1
when one fails (issue: checks ran only for ``derive --format latex``, never for ``regions``)."""

import json

import pytest

import symbolic.core.compile
import symbolic.regions.counts
from derivations.cli import main
from numeric.params import save_params
from symbolic.activations import functions as activations
from symbolic.regions.constructions import float_tensors, folding_network

FORMATS = ["latex", "text", "json"]
#: The checks of a shallow network with --gradients, in the order derive runs them.
DERIVE_CHECKS = ["matrix form = scalar form", "compiled program (numpy, float64) = the program evaluated",
                 "shallow (theta, phi) form = deep form",
                 "the shallow form printed below is the one the identity proves",
                 "the printed network reads back as the derived one",
                 "derived backward program = matrix form",
                 "gradient = sympy.diff of the substituted loss", "gradient of L = sum of 4 random samples",
                 "compiled gradient (numpy, layer-wise, float64)"]
#: The text format prints the backward pass as text too, and reads that back (the others print it
#: as LaTeX and srepr strings: its derivation's own records, and the gradient checks above).
TEXT_ONLY = ["the backward pass printed above reads back as the derived one"]


def checks_of(fmt: str, out: str) -> list[tuple[bool, str]]:
    """The (passed, what) checks a format printed: ``% checked:`` lines, ``checked:`` lines or JSON."""
    if fmt == "json":
        return [(c["passed"], c["what"]) for c in json.loads(out)["checks"]]
    prefix = "% " if fmt == "latex" else ""
    found = []
    for line in out.splitlines():
        for word, passed in (("checked: ", True), ("CHECK FAILED: ", False)):
            if line.startswith(prefix + word):
                found.append((passed, line[len(prefix + word):]))
    return found


def derive(capsys, fmt: str, *argv: str) -> tuple[int, list[tuple[bool, str]]]:
    code = main(["derive", "--widths", "1,2,1", "--activation", "relu", "--gradients", *argv, "--format", fmt])
    return code, checks_of(fmt, capsys.readouterr().out)


# ----- derive -----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_derive_runs_every_check_in_every_format(capsys, fmt):
    code, checks = derive(capsys, fmt)
    assert code == 0
    expected = DERIVE_CHECKS + (TEXT_ONLY if fmt == "text" else [])
    assert [next(c for c in expected if what.startswith(c)) for _, what in checks] == expected
    assert all(passed for passed, _ in checks)


def test_the_three_formats_print_one_list_of_checks(capsys):
    seen = [derive(capsys, fmt)[1] for fmt in FORMATS]
    text_only = [c for c in seen[1] if c[1].startswith(tuple(TEXT_ONLY))]
    assert seen[0] == [c for c in seen[1] if c not in text_only] == seen[2] and len(seen[0]) == len(DERIVE_CHECKS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_compiled_forward_pass_fails_every_format(monkeypatch, capsys, fmt):
    real = symbolic.core.compile.compile_program

    def off_by_1e9(*args, **kwargs):  # a compiler that is wrong in the 9th digit
        fn = real(*args, **kwargs)
        return lambda *values: [v * (1 + 1e-9) for v in fn(*values)]

    monkeypatch.setattr(symbolic.core.compile, "compile_program", off_by_1e9)
    code, checks = derive(capsys, fmt)
    assert code == 1
    failed = [what for passed, what in checks if not passed]
    assert failed and failed[0].startswith("compiled program (numpy, float64) = the program evaluated")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_derivative_fails_the_gradient_checks_in_every_format(monkeypatch, capsys, fmt):
    """ReLU' = 2 I[z > 0]: the backward pass no longer matches central differences."""
    monkeypatch.setattr(activations.ReLU, "fdiff", lambda self, argindex=1: 2 * activations.Indicator(self.args[0]))
    code, checks = derive(capsys, fmt)
    assert code == 1
    failed = {what.split(" (")[0] for passed, what in checks if not passed}
    assert "gradient of L = sum of 4 random samples = central differences of L" in failed
    assert all(passed for passed, what in checks[:3])  # the forward checks still pass


# ----- regions ----------------------------------------------------------------------------
def regions(capsys, fmt: str, *argv: str) -> tuple[int, dict | str, list[tuple[bool, str]]]:
    """The exit code, the output and the report's checks (the text format's last check, that its
    printed text reads back as the report, is asserted here and left out: JSON prints the report)."""
    code = main(["regions", *argv, "--format", fmt])
    out = capsys.readouterr().out
    checks = checks_of(fmt, out)
    if fmt == "text":
        from derivations.commands.regions import READ_BACK

        assert checks[-1] == (True, READ_BACK)
        checks = checks[:-1]
    return code, (json.loads(out) if fmt == "json" else out), checks


def claim(fmt: str, doc) -> str:
    return doc["max_regions_is"] if fmt == "json" else doc.splitlines()[1].split("(")[1].rstrip(")")


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("widths, bound, kind, first", [
    ("2,3,1", 7, "exact maximum", "max_regions attained: a random 2-3-1 network"),
    ("3,5,1", 26, "exact maximum", "max_regions attained: a random 3-5-1 network"),
    ("1,3,3,1", 16, "exact maximum", "max_regions attained: the folding construction 1-3-3-1"),
    ("2,4,4,1", 121, "upper bound", "lecture's count 99 <= max_regions 121"),
    ("1,2,2,1", 9, "upper bound", "lecture's count 9 <= max_regions 9"),  # no construction for D_k < 3
])
def test_regions_claims_are_checked_in_every_format(capsys, fmt, widths, bound, kind, first):
    code, doc, checks = regions(capsys, fmt, "--widths", widths)
    assert code == 0 and claim(fmt, doc) == kind
    assert (doc["max_regions"] if fmt == "json" else doc.splitlines()[1]) == (bound if fmt == "json" else
                                                                                f"max regions: {bound} ({kind})")
    assert checks and all(passed for passed, _ in checks) and checks[0][1].startswith(first)
    attained = [what for _, what in checks if what.startswith("max_regions attained")]
    assert (kind == "exact maximum") == bool(attained)
    if attained:
        assert attained[0].endswith(f": {bound} regions = max_regions {bound}")


def test_exact_maximum_only_where_a_count_establishes_it(capsys):
    # the folding construction attains (D+1)^K here, but counting 4^8 pieces is over the time limit
    code, doc, checks = regions(capsys, "json", "--widths", "1," + "3," * 8 + "1")
    assert code == 0 and doc["max_regions"] == 4**8 and doc["max_regions_is"] == "upper bound"
    assert not any(what.startswith("max_regions attained") for _, what in checks)
    code, doc, checks = regions(capsys, "json", "--widths", "1,3,3,1", "--activation", "leaky_relu")
    assert code == 0 and doc["max_regions_is"] == "upper bound"  # the construction is built for ReLU


def one_input_formula_everywhere(widths):
    """The mutation: (D + 1)^K, the one-input count, used for every input width."""
    return symbolic.regions.counts.prod(D_k + 1 for D_k in widths[1:-1])


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_one_input_formula_for_two_inputs_turns_red(monkeypatch, capsys, fmt):
    monkeypatch.setattr(symbolic.regions.counts, "max_regions", one_input_formula_everywhere)
    code, doc, checks = regions(capsys, fmt, "--widths", "2,3,1")
    assert code == 1 and claim(fmt, doc) == "upper bound"  # 4 is not attained: a random network has 7
    assert checks == [(False, checks[0][1])] and checks[0][1].endswith(": 7 regions != max_regions 4")
    if fmt == "text":
        assert "CHECK FAILED: max_regions attained" in doc
    code, doc, checks = regions(capsys, fmt, "--widths", "2,4,4,1")
    assert code == 1 and checks == [(False, "lecture's count 99 <= max_regions 25 (the bound holds for the "
                                            "lecture's networks too)")]


def test_a_broken_construction_cannot_claim_the_exact_maximum(monkeypatch, capsys):
    real = symbolic.regions.counts.folding_network

    def output_of_one_unit(widths):  # the folding network read out from one unit of its last layer
        spec, tensors = real(widths)
        return spec, {**tensors, "omega_2": [[1, 0, 0]]}

    monkeypatch.setattr(symbolic.regions.counts, "folding_network", output_of_one_unit)
    code, doc, checks = regions(capsys, "json", "--widths", "1,3,3,1")
    assert code == 1 and doc["max_regions_is"] == "upper bound"
    assert not checks[0][0] and checks[0][1].startswith("max_regions attained: the folding construction 1-3-3-1")
    assert checks[0][1].endswith("!= max_regions 16")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_network_above_the_bound_turns_red(tmp_path, monkeypatch, capsys, fmt):
    spec, tensors = folding_network("1,3,3,3,1")  # 64 regions
    save_params(tmp_path / "p.json", float_tensors(tensors))
    code, doc, checks = regions(capsys, fmt, "--widths", "1,3,3,3,1", "--params", str(tmp_path / "p.json"))
    assert code == 0 and checks[-1] == (True, "regions of this network 64 <= max_regions 64")
    monkeypatch.setattr(symbolic.regions.counts, "max_regions", lambda widths: 63)
    code, doc, checks = regions(capsys, fmt, "--widths", "1,3,3,3,1", "--params", str(tmp_path / "p.json"))
    assert code == 1 and (False, "regions of this network 64 <= max_regions 63") in checks


def test_two_input_grid_count_is_checked_against_the_bound(tmp_path, capsys):
    tensors = {"beta_0": [0.0, 0.0, -1.0], "omega_0": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
               "beta_1": [0.0], "omega_1": [[1.0, -1.0, 2.0]]}
    save_params(tmp_path / "p.json", tensors)
    code, doc, checks = regions(capsys, "json", "--widths", "2,3,1", "--params", str(tmp_path / "p.json"),
                                "--grid", "101")
    assert code == 0 and checks[-1] == (True, "regions of this network 7 <= max_regions 7")


def test_a_printed_shallow_form_other_than_the_proven_one_fails(monkeypatch, capsys):
    import derivations.commands.derive as derive_command
    from symbolic.networks.network import shallow_network

    # the printed form built with inputs and outputs swapped (a 1-input 2-output network for 2,3,1)
    monkeypatch.setattr(derive_command, "_shallow_form",
                        lambda spec: shallow_network(spec.D_o, spec.hidden[0], spec.D_i, spec.activation))
    assert main(["derive", "--widths", "2,3,1", "--activation", "relu"]) == 1
    assert "% CHECK FAILED: the shallow form printed below is the one the identity proves" in capsys.readouterr().out
