"""The web converter's output read back: every display's MathML and every table's cells against
the LaTeX (documents/web/readback.py), on a fragment like the topics write and on real topics;
each converter slip below turns the page's record red."""

import re

import pytest

from derivations.documents.notes import build_notes
from derivations.documents.web import tex as web_tex
from derivations.documents.web.readback import (compare_display, compare_table, content_of_html, content_of_latex,
                                                latex_cells, page_mismatches)
from derivations.documents.web.site import html_readback
from derivations.documents.web.tex import fragment_html, math_html

FRAGMENT = r"""\section{Demo}
A unit switches at $x = -\theta_{10}/\theta_{11}$, and $(D+1)^K$ bounds the regions.
% check: demo-1
\begin{align*}
\frac{\partial L}{\partial \phi'_{0}} &= 2 \sum_{i=1}^{I} \left(\phi_0 + \phi_1 x_i - y_i\right) \\
\Pr(y \mid \lambda) &= \begin{cases} 1 - \lambda & \text{for } y = 0 \\ \lambda & \text{for } y = 1 \end{cases}
\end{align*}
\begin{center}
\begin{tabular}{@{}p{0.5\linewidth}r@{}}
\toprule
network & regions \\
\midrule
$D_i = 1$, $\binom{D}{j}$ summed & $7$ \\
the bound $(D+1)^K$ (\^{}K, typed) & 10{,}100 \\
\bottomrule
\end{tabular}
\end{center}
"""


def written(tex: str) -> tuple[str, web_tex.Page]:
    page = fragment_html(tex, "demo")
    return page.html, page


def test_a_fragment_reads_back():
    html, page = written(FRAGMENT)
    found, displays, tables = page_mismatches(html, [e.latex for e in page.equations], [b for b, _ in page.tables])
    assert found == [] and (displays, tables) == (1, 1)
    assert html_readback("demo", html, page)["passed"]
    assert latex_cells(page.tables[0][0])[0] == ["network", "regions"]


def test_the_column_spec_and_escaped_caret_are_not_printed():
    """Three converter slips the read-back found in the notes: a column spec with braces inside
    (p{0.5\\linewidth}, @{}) printed into the first header cell, \\^{} printed as ^{}, and a bare
    group in a cell (10{,}100) printed with its braces."""
    html, _ = written(FRAGMENT)
    table = re.search(r'<table class="data">.*?</table>', html, re.S).group(0)
    assert "linewidth" not in table and "@{}" not in table and "^{}" not in table and "(^K, typed)" in table
    assert "<td>10,100</td>" in table  # a bare group in prose prints its contents, as in the PDF


def test_content_reads_symbols_in_the_order_mathml_prints_them():
    for tex in (r"\phi'_{0} + x^{2}_{1}", r"\hat{y} = \binom{n}{k}", r"\mathbf{f}_k \le \lambda_{\max}",
                r"\begin{cases} a & b \\ c & d \end{cases}", r"\log\left(1 + e^{z}\right) - y\,z"):
        assert content_of_latex(tex) == content_of_html(math_html(tex)), tex
    assert compare_display("d", r"a - b", math_html(r"a + b")) is not None
    assert compare_display("d", r"\foo x", math_html("x")).latex.startswith("(a command")


#: Converter slips: each changes what a page prints and nothing the topics' checks see.
def _drop_last_cell(original):
    def table(body, problems, refs, tables=None):
        out = original(body, problems, refs, tables)
        out = re.sub(r"<td>(?:(?!</td>).)*</td></tr>", "</tr>", out, count=1, flags=re.S)
        if tables:
            tables[-1] = (tables[-1][0], out)
        return out
    return table


def _swap_cells(original):
    def table(body, problems, refs, tables=None):
        out = original(body, problems, refs, tables)
        out = re.sub(r"<td>((?:(?!</td>).)*)</td><td>((?:(?!</td>).)*)</td>", r"<td>\2</td><td>\1</td>", out,
                     count=1, flags=re.S)
        if tables:
            tables[-1] = (tables[-1][0], out)
        return out
    return table


SLIPS = {
    "a cell dropped": lambda mp: mp.setattr(web_tex, "_table", _drop_last_cell(web_tex._table)),
    "two cells swapped": lambda mp: mp.setattr(web_tex, "_table", _swap_cells(web_tex._table)),
    "a row merged": lambda mp: mp.setattr(web_tex, "_DROP", re.compile(web_tex._DROP.pattern + r"|\\\\(?=\s*the bound)")),
    "a symbol dropped from a display": lambda mp: mp.setattr(
        web_tex, "_right_aligned", lambda m, f=web_tex._right_aligned: f(m).replace("<mo>&#x02202;</mo>", "", 1)),
    "a minus for a plus": lambda mp: mp.setattr(
        web_tex, "_latex2mathml", lambda t, f=web_tex._latex2mathml, **k: f(t.replace("1 -", "1 +"), **k)),
}


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_a_converter_slip_turns_the_record_red(monkeypatch, slip):
    SLIPS[slip](monkeypatch)
    html, page = written(FRAGMENT)
    rec = html_readback("demo", html, page)
    assert not rec["passed"] and rec["detail"], slip


def test_a_display_or_table_missing_from_the_page_is_a_mismatch():
    html, page = written(FRAGMENT)
    without = re.sub(r'<table class="data">.*?</table>', "", html, flags=re.S)
    assert not html_readback("demo", without, page)["passed"]
    found, _, _ = page_mismatches(html, [e.latex for e in page.equations] * 2, [b for b, _ in page.tables])
    assert found and "2 displays in the LaTeX, 1 on the page" in found[0].where


def test_real_topic_pages_read_back(tmp_path):
    """The losses topic (24 displays, the book's tables) as the site writes it."""
    result = build_notes(tmp_path, ["losses"], device="cpu", pdf=False, html=True)
    rec = next(r for r in result.records if r.get("id") == "losses.web.html-readback")
    assert rec["passed"], rec
    displays, tables = map(int, re.search(r"its (\d+) displays and (\d+) tables", rec["name"]).groups())
    assert displays >= 20
    page = (tmp_path / "html" / "losses.html").read_text()
    assert page.count('<div class="equation"') == displays and page.count('<table class="data">') == tables
    assert compare_table("t", "{rr} a & b \\\\ c & d \\\\", "<table><tr><th>a</th><th>b</th></tr>"
                         "<tr><td>c</td><td>d</td></tr></table>") is None
