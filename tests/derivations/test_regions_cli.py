"""``deepderive regions``: the JSON fields, exact counts with --params, bad input as exit 2."""

import json
import subprocess
import sys
from math import comb

import pytest

from derivations.cli import main
from numeric.model import DeepNetworkModule
from numeric.params import save_params
from symbolic.regions.constructions import float_tensors, folding_network, tensors_from_shallow
from symbolic.networks.network import lecture_1_3_1
from symbolic.spec import NetworkSpec


def regions_json(capsys, *argv):
    assert main(["regions", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "widths, parameters, max_regions, kind",
    [
        ("1,3,1", 3 * 3 + 1, 3 + 1, "exact maximum"),
        ("2,3,1", 3 * 3 + 4, 1 + 3 + 3, "exact maximum"),  # Zaslavsky, D_i = 2, D = 3
        ("1,3,3,1", 3 * 3 + 1 + 3 * 4, 4**2, "exact maximum"),  # 3D + 1 + (K-1) D (D+1), (D+1)^K
        ("1,2,2,1", 3 * 2 + 1 + 2 * 3, 3**2, "upper bound"),
        ("2,4,4,1", 12 + 20 + 5, (1 + 4 + 6) ** 2, "upper bound"),
    ],
)
def test_formulas_without_params(capsys, widths, parameters, max_regions, kind):
    doc = regions_json(capsys, "--widths", widths)
    assert doc["parameters"] == parameters and doc["max_regions"] == max_regions and doc["max_regions_is"] == kind
    assert "regions" not in doc


def test_lecture_count_for_two_inputs(capsys):
    doc = regions_json(capsys, "--widths", "2,4,4,1")
    assert doc["lecture_regions"] == (4 // 2 + 1) ** (2 * 1) * (comb(4, 0) + comb(4, 1) + comb(4, 2))


def test_exact_regions_of_the_lecture_example(tmp_path, capsys):
    net, values = lecture_1_3_1()
    save_params(tmp_path / "p.json", float_tensors(tensors_from_shallow(net, values)))
    doc = regions_json(capsys, "--widths", "1,3,1", "--params", str(tmp_path / "p.json"))
    assert doc["regions"] == 4 and doc["regions_exact"] is True
    assert doc["joints"] == [0.5, 1.0, 1.5]


def test_exact_regions_of_the_folding_network(tmp_path, capsys):
    spec, tensors = folding_network("1,3,3,3,1")
    save_params(tmp_path / "p.json", float_tensors(tensors))  # floats: 1/6 etc. are rounded
    doc = regions_json(capsys, "--widths", "1,3,3,3,1", "--params", str(tmp_path / "p.json"))
    assert doc["regions"] == 4**3 == doc["max_regions"] and len(doc["joints"]) == 63


def test_two_inputs_count_activation_patterns_on_a_grid(tmp_path, capsys):
    tensors = {"beta_0": [0.0, 0.0, -1.0], "omega_0": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
               "beta_1": [0.0], "omega_1": [[1.0, -1.0, 2.0]]}
    save_params(tmp_path / "p.json", tensors)
    doc = regions_json(capsys, "--widths", "2,3,1", "--params", str(tmp_path / "p.json"), "--grid", "101")
    assert doc["regions"] == 7 and doc["regions_exact"] is False
    assert doc["regions_counted"].startswith("distinct activation patterns on a 101 x 101 grid over [-4, 4]^2")


def test_text_format(tmp_path, capsys):
    net, values = lecture_1_3_1()
    save_params(tmp_path / "p.json", float_tensors(tensors_from_shallow(net, values)))
    assert main(["regions", "--widths", "1,3,1", "--params", str(tmp_path / "p.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "widths 1,3,1 (relu): 10 parameters"
    assert out[1] == "max regions: 4 (exact maximum)"
    assert out[2].startswith("regions of this network: 4 (linear regions")
    assert out[3] == "joints: 0.5, 1, 1.5"


def test_random_network_never_exceeds_the_maximum(tmp_path, capsys):
    spec = NetworkSpec((1, 5, 4, 1))
    module = DeepNetworkModule(spec)
    save_params(tmp_path / "p.json", {n: p for n, p in module.named_parameters()})
    doc = regions_json(capsys, "--widths", "1,5,4,1", "--params", str(tmp_path / "p.json"))
    assert 1 <= doc["regions"] <= doc["max_regions"] == 6 * 5


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--widths", "1,3,1", "--activation", "tanh"],
         "error: linear regions assume a piecewise-linear activation (relu or leaky_relu), got 'tanh'; use --activation relu"),
        (["--widths", "3,4,1", "--params", "P"],
         "error: regions of a given network are counted for D_i = 1 (exactly) or D_i = 2 (on a grid), got D_i = 3; "
         "drop --params for the formulas"),
        (["--widths", "1,3,1", "--params", "/no/such/file.json"], "error: params file '/no/such/file.json' not found"),
        (["--widths", "2,3,1", "--params", "P", "--grid", "1"], "error: argument --grid: must be an integer from 2 to 4001 (N x N grid points), got '1'"),
        (["--widths", "2,3,1", "--extent", "-1"], "error: argument --extent: must be a positive number, got '-1'"),
        (["--widths", "1,0,1"], "error: argument --widths: widths must be positive integers, got 0 at position 2"),
    ],
)
def test_bad_input(argv, message, capsys):
    assert main(["regions", *argv]) == 2
    err = capsys.readouterr().err
    assert err == message + "\n"


def test_malformed_params_file(tmp_path, capsys):
    (tmp_path / "p.json").write_text(json.dumps({"beta_0": [0, 0], "omega_0": [[1], [1]], "beta_1": [0]}))
    assert main(["regions", "--widths", "1,2,1", "--params", str(tmp_path / "p.json")]) == 2
    assert capsys.readouterr().err == ("error: params file 'p.json' is missing tensor omega_1 (expected beta_0, omega_0, "
                                       "beta_1, omega_1 for widths 1,2,1)\n")
    (tmp_path / "p.json").write_text("{not json")
    assert main(["regions", "--widths", "1,2,1", "--params", str(tmp_path / "p.json")]) == 2
    assert capsys.readouterr().err.startswith("error: params file")


def test_subprocess_exit_code_and_one_error_line():
    proc = subprocess.run([sys.executable, "-m", "derivations", "regions", "--widths", "1,3,1", "--activation",
                           "sigmoid"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: linear regions assume")
