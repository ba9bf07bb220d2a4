"""What ``derive`` and ``regions`` print is read back: a formula or a number changed on its way
to the output (the object checked, the text not) fails a check and exits 1."""

from __future__ import annotations

import json

import pytest

from derivations.cli import main
from derivations.commands import derive, regions
from symbolic.backprop.backprop import Backprop

ARGS = ["derive", "--widths", "1,2,1", "--activation", "relu"]


def _failed(out: str) -> list[str]:
    return [line for line in out.splitlines() if "CHECK FAILED" in line]


def test_every_format_reads_back_its_network(capsys):
    for fmt in ("text", "latex", "json"):
        assert main(ARGS + ["--format", fmt]) == 0
        assert derive.READ_BACK in capsys.readouterr().out


def test_a_misprinted_text_line_fails(monkeypatch, capsys):
    real = derive.network_text
    monkeypatch.setattr(derive, "network_text",
                        lambda net: real(net).replace("omega_{0,2,1}*x_{1}", "omega_{0,1,1}*x_{1}"))
    assert main(ARGS + ["--format", "text"]) == 1
    failed = _failed(capsys.readouterr().out)
    assert failed and "line 2: f_{0,2} reads" in failed[0]


def test_a_misprinted_parameter_count_fails(monkeypatch, capsys):
    real = derive.network_text
    monkeypatch.setattr(derive, "network_text", lambda net: real(net).replace("7 parameters", "8 parameters"))
    assert main(ARGS + ["--format", "text"]) == 1
    assert "the first line reads" in _failed(capsys.readouterr().out)[0]


def test_a_misprinted_latex_unit_fails(monkeypatch, capsys):
    real = derive.network_latex_body
    monkeypatch.setattr(derive, "network_latex_body",
                        lambda net: real(net).replace(r"\beta_{0,2} + \omega_{0,2,1} x_{1}",
                                                      r"\beta_{0,1} + \omega_{0,2,1} x_{1}"))
    assert main(ARGS + ["--format", "latex"]) == 1
    assert "row 2" in _failed(capsys.readouterr().out)[0]


def test_a_misprinted_json_program_fails(monkeypatch, capsys):
    real = derive.network_json

    def swapped(net):
        doc = real(net)
        doc["program"][0][1], doc["program"][1][1] = doc["program"][1][1], doc["program"][0][1]
        return doc

    monkeypatch.setattr(derive, "network_json", swapped)
    assert main(ARGS + ["--format", "json"]) == 1
    checks = json.loads(capsys.readouterr().out)["checks"]
    assert [c["what"].split(":")[0] for c in checks if not c["passed"]] == [derive.READ_BACK]


def test_a_misprinted_backward_pass_fails(monkeypatch, capsys):
    real = Backprop.to_text
    monkeypatch.setattr(Backprop, "to_text", lambda self: real(self).replace("Indicator(f_{0,1})", "Indicator(f_{0,2})"))
    assert main(ARGS + ["--gradients", "--format", "text"]) == 1
    assert "the backward pass printed above" in _failed(capsys.readouterr().out)[0]


# ----- regions --------------------------------------------------------------------------
def test_the_regions_text_reads_back(capsys):
    assert main(["regions", "--widths", "2,6,6,1"]) == 0
    out = capsys.readouterr().out
    assert "checked: " + regions.READ_BACK in out and "352" in out


@pytest.mark.parametrize("old, new", [("484", "485"), ("67 parameters", "68 parameters"), ("352", "353"),
                                      ("(upper bound)", "(exact maximum)")])
def test_a_misprinted_regions_number_fails(monkeypatch, capsys, old, new):
    real = regions.text_lines
    monkeypatch.setattr(regions, "text_lines", lambda report: [line.replace(old, new) for line in real(report)])
    assert main(["regions", "--widths", "2,6,6,1"]) == 1
    assert _failed(capsys.readouterr().out)[-1].startswith("CHECK FAILED: " + regions.READ_BACK)
