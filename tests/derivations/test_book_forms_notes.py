"""The book's forms in the built notes (issue 26, item 3): the normal density, ``(y - f)^2``,
``log y!``, ``\\Pr``, the momentum and Adam rules and leaky ReLU's derivative print as Prince
writes them, each display still reads back, and no display prints the same line twice in a row.

The mechanics (printer, reader, proofs, the derivation's own check) are tested in
``tests/symbolic/test_book_forms.py``; this module reads the LaTeX the notes really contain.
"""

import json
import re

import pytest

NORMAL = r"\frac{1}{\sqrt{2 \pi \sigma^{2}}} \exp\left[- \frac{\left(y - \mu\right)^{2}}{2 \sigma^{2}}\right]"
DISPLAY = re.compile(r"\\begin\{(align\*|alignat\*)\}(?:\{\d+\})?(.*?)\\end\{\1\}", re.S)
BARE_PR = re.compile(r"(?<![\\A-Za-z])Pr\(")


@pytest.fixture(scope="module")
def notes(notes_build):
    """Every topic's notes as ``deepderive notes --no-pdf`` writes them: the run's shared build
    (tests/derivations/conftest.py), read, never written."""
    out = notes_build.path
    records = json.loads((out / "verification.json").read_text())
    return (out / "notes.tex").read_text(), {r["name"]: r for r in records}


def _math(tex: str) -> list[str]:
    """The notes' mathematics: every display and every inline ``$...$``."""
    inline = re.findall(r"(?<!\\)\$(.+?)(?<!\\)\$", DISPLAY.sub("", tex), re.S)
    return [body for _, body in DISPLAY.findall(tex)] + inline


def _lines(display: str) -> list[tuple[str, str]]:
    """The equation lines of an ``align*`` body as ``(left, right)``: reasons on their own
    lines dropped, a right-hand side wrapped over several lines joined."""
    lines: list[tuple[str, str]] = []
    for row in (r.strip() for r in display.split("\\\\\n")):
        if re.match(r"&\\qquad(\\quad)?\\text", row):
            continue
        if row.startswith(r"&\qquad ") and lines:
            lines[-1] = (lines[-1][0], f"{lines[-1][1]} {row}")
            continue
        m = re.match(r"^(.*?)&= (.*?)(?: && \\text\{.*)?$", row, re.S)
        if m:
            lines.append((m.group(1).strip(), m.group(2).strip()))
    return lines


@pytest.mark.slow
def test_the_normal_density_is_the_books_and_its_displays_read_back(notes):
    tex, records = notes
    assert tex.count(NORMAL) >= 4 and r"\frac{\sqrt{2} e^{" not in tex
    for title in ("normal distribution and its link", "normal likelihood and negative log-likelihood",
                  "normal per-sample loss", "heteroscedastic normal distribution and its link"):
        assert records[f"{title}: printed LaTeX read back"]["passed"], title
        book = records[f"{title}: printed in the book's form"]
        assert book["passed"] and book["method"] == "symbolic", title


@pytest.mark.slow
def test_residuals_print_target_first(notes):
    tex, _ = notes
    assert r"\left(y - f\right)^{2}" in tex and r"\left({y}_{i} - {f}_{i}\right)^{2}" in tex
    assert not re.search(r"\\left\(- \{?[fm\\][a-z]*\}?(_\{[^}]*\})? \+ \{?y", tex)


@pytest.mark.slow
def test_the_poisson_loss_prints_log_y_factorial(notes):
    tex, records = notes
    assert r"&= - f y + e^{f} + \log y!" in tex
    assert "loggamma" not in tex and r"\log{\left(y! \right)}" not in tex
    assert records["Poisson per-sample loss: printed in the book's form"]["passed"]


@pytest.mark.slow
def test_pr_is_upright_wherever_the_notes_print_mathematics(notes):
    tex, _ = notes
    assert not [m for m in _math(tex) if BARE_PR.search(m)]
    assert r"\max_y \Pr(y \mid \boldsymbol\theta)" in tex


@pytest.mark.slow
def test_momentum_and_adam_print_the_books_rules_and_equation_numbers(notes):
    tex, _ = notes
    assert r"\mathbf{m}_{t+1} &= \beta \mathbf{m}_{t} + \left(1 - \beta\right) \mathbf{g}_t" in tex
    assert r"\mathbf{v}_{t+1} &= \gamma \mathbf{v}_{t} + \left(1 - \gamma\right) \mathbf{g}_t^{2}" in tex
    assert r"1 - \beta^{t + 1}" in tex
    assert "Momentum (Prince eq.~6.11)" in tex and "Adam (eqs.~6.15--6.17)" in tex and "6.13--6.16" not in tex


@pytest.mark.slow
def test_leaky_relus_derivative_prints_as_cases(notes):
    tex, records = notes
    assert (r"\frac{d}{dz}\mathrm{LReLU}\left[z\right] &= \begin{cases} 1 & \text{for}\: z > 0 \\"
            r"\frac{1}{10} & \text{otherwise} \end{cases}") in tex
    assert not re.search(r"\\frac\{d\}\{dz\}\\mathrm\{LReLU\}\\left\[z\\right\] &= [^\n]*\\mathbb\{I\}", tex)
    printed = [r for name, r in records.items() if name.startswith("leaky_relu: a'[z] printed as cases")]
    assert len(printed) == 1 and printed[0]["passed"]


@pytest.mark.slow
def test_no_display_of_the_notes_prints_a_line_twice_in_a_row(notes):
    tex, _ = notes
    repeats = []
    for _, body in DISPLAY.findall(tex):
        lines = _lines(body)
        repeats += [(a, b) for a, b in zip(lines, lines[1:]) if a[1] == b[1] and b[0] in ("", a[0])]
    assert not repeats
    assert r"\phi_{1} \to \omega_{1,1,1}$; the deep network" in tex  # the identity's repeated line, merged
