"""The web notes without a browser: conversion, links, local references, the CLI flag."""

import json
import os
import re

import pytest
import sympy as sp

from derivations.cli import main
from derivations.documents.notes import build_notes
from derivations.checks.javascript_readback import NODE_MISSING, find_node, readback
from derivations.documents.web.site import local_references, page_script
from derivations.documents.web.figures import INTERACTIVE, interactive_for, shallow_joint_expressions
from derivations.documents.web.tex import fragment_html, math_html
from symbolic.activations.functions import GELU, ReLU, sig
from symbolic.core.javascript import javascript
from symbolic.networks.network import lecture_1_3_1


SITE_TOPICS = ["shallow", "gradient_descent"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, web_build):
    """Two topics' web notes: the topics load from the run's shared web build
    (tests/derivations/conftest.py); the pages and their checks are made here."""
    out = web_build.seed(tmp_path_factory.mktemp("web"), SITE_TOPICS)
    result = build_notes(out, SITE_TOPICS, device="cpu", pdf=False, html=True, cache=True)
    return out, result


def test_pages_reference_only_files_in_their_folder(site):
    out, _ = site
    html_dir = out / "html"
    pages = sorted(html_dir.glob("*.html"))
    assert {p.name for p in pages} == {"index.html", "verification.html", "gallery.html", "shallow.html",
                                            "gradient_descent.html"}
    for page in pages:
        text = page.read_text()
        refs = local_references(text)
        assert refs, page.name
        for ref in refs:
            target = ref.split("#")[0]
            if ref.startswith("data:") or not target:
                continue
            assert "://" not in ref and not ref.startswith("/"), (page.name, ref)
            assert (html_dir / target).resolve().is_file(), (page.name, ref)
            assert (html_dir / target).resolve().is_relative_to(html_dir.resolve())
        assert not re.search(r"https?://(?!www\.w3\.org/(1998/Math/MathML|2000/svg))", text), page.name
    for svg in (html_dir / "figures").glob("*.svg"):
        assert not re.search(r"(href|src)=\"https?://", svg.read_text()), svg.name  # no external images or fonts


def test_every_equation_links_to_a_verification_anchor(site):
    out, result = site
    verification = (out / "html" / "verification.html").read_text()
    anchors = set(re.findall(r'id="([^"]+)"', verification))
    for topic in result.topics:
        page = (out / "html" / f"{topic.slug}.html").read_text()
        blocks = re.findall(r'<div class="equation" id="[^"]+">.*?</div>', page, re.S)
        assert blocks, topic.slug
        for block in blocks:
            links = re.findall(r'href="verification\.html#([^"]+)"', block)
            assert links and set(links) <= anchors, (topic.slug, links)
    # every record has a row with an anchor
    assert verification.count("<tr id=") == len(result.records)


def test_topic_latex_converts_without_unknown_commands(site):
    _, result = site
    for topic in result.topics:
        page = fragment_html(topic.latex, topic.slug)
        assert page.problems == [], (topic.slug, page.problems)
        assert page.title == topic.title
        text = re.sub(r"<math.*?</math>", "", page.html, flags=re.S)
        assert "\\" not in text and "$" not in text, topic.slug  # no LaTeX left in the prose


def test_check_tags_become_links_and_unknown_commands_are_reported():
    tex = ("\\section{T}\nSee \\foo{x} here.\n% check: a-1, a-2\n\\begin{align*}y &= 1\\end{align*}\n"
           "% definition: d-1\n\\[ z = 2 \\]\n\\begin{equation*}w = 3\\end{equation*}")
    page = fragment_html(tex, "t")
    assert [(e.tag, e.ids) for e in page.equations] == [("check", ["a-1", "a-2"]), ("definition", ["d-1"]), ("", [])]
    assert 'href="verification.html#a-2"' in page.html and 'href="verification.html#topic-t"' in page.html
    assert page.problems == ["\\foo"]


def test_math_inside_text_inside_math():
    mathml = math_html(r"y = 1 \quad \text{(by $\theta_{10} = 2$)}", display=True)
    assert "$" not in mathml and "<mi>&#x003B8;</mi>" in mathml  # theta as math, not text


def test_javascript_of_the_package_functions():
    z = sp.Symbol("z", real=True)
    assert javascript(ReLU(z)) == "((z > 0) ? (z) : (0))"
    assert "Math.exp(-z)" in javascript(sig(z))
    with pytest.raises(ValueError, match="erf"):
        javascript(GELU(z))


def test_joints_are_the_lectures():
    net, values = lecture_1_3_1()
    joints = shallow_joint_expressions(net)
    for d, j in enumerate(joints):
        assert sp.simplify(j + net.theta[d, 0] / net.theta[d, 1]) == 0
    assert [j.subs(values) for j in joints] == [sp.Rational(1, 2), 1, sp.Rational(3, 2)]


def test_interactive_figures_use_printed_functions():
    for make in INTERACTIVE:
        fig = make()
        for key in ("forward", "joints", "loss", "step", "model", "pre"):
            if key in fig.config:
                assert f"function {fig.config[key]}(" in fig.script, (fig.id, key)
        for entry in fig.config.get("activations", []):
            assert f"function {entry['fn']}(" in fig.script and f"function {entry['dfn']}(" in fig.script


def test_cli_html_flag(tmp_path, capsys):
    assert main(["notes", "--out", str(tmp_path), "--topics", "shallow", "--no-pdf", "--device", "cpu", "--html"]) == 0
    assert "web pages" in capsys.readouterr().out
    assert (tmp_path / "html" / "index.html").is_file() and (tmp_path / "html" / "shallow.html").is_file()
    assert (tmp_path / "html" / "assets" / "figures.js").is_file()
    assert list((tmp_path / "html" / "figures").glob("*.svg"))


def test_verbatim_code_is_shown_escaped_and_never_converted():
    page = fragment_html("Register it:\n\\begin{verbatim}\nregister_activation(\"s\", z / (1 + sp.Abs(z)))  # a < b & \\alpha\n"
                         "\\end{verbatim}\nthen run.", "t")
    assert page.problems == []
    assert ("<pre><code>register_activation(\"s\", z / (1 + sp.Abs(z)))  # a &lt; b &amp; \\alpha</code></pre>"
            in page.html)


def test_the_page_holds_the_javascript_that_was_checked(site):
    """The inline script a page holds is the one the build read back; the records behind
    each figure's caption are on the verification page, in html/verification.json and
    among the build's records."""
    out, result = site
    html_dir = out / "html"
    shown = json.loads((html_dir / "verification.json").read_text())
    verification = (html_dir / "verification.html").read_text()
    web = [r for r in result.records if ".web." in str(r.get("id"))]
    assert web and all(r["passed"] for r in web) and [r["id"] for r in shown[-len(web):]] == [r["id"] for r in web]
    node = find_node()
    if node is None and os.environ.get("CI"):
        pytest.fail("node missing in CI; .ci/run should install nodejs", pytrace=False)
    for topic, figs in interactive_for(["shallow", "gradient_descent"]).items():
        page = (html_dir / f"{topic}.html").read_text()
        script = re.search(r"<script>\n(.*)\n</script>", page, re.S).group(1)
        assert script == page_script(figs)
        for fig in figs:
            caption = re.search(rf'id="{fig.id}".*?<figcaption>(.*?)</figcaption>', page, re.S).group(1)
            ids = re.findall(r'href="verification\.html#([^"]+)"', caption)
            assert ids and all(f'<tr id="{i}">' in verification for i in ids), fig.id
            if node:
                assert f"{topic}.web.javascript-{fig.kind}" in ids
                assert readback(script, fig.functions, node=node).passed, fig.id  # the text as the page holds it
            else:
                assert NODE_MISSING in caption


def test_the_index_says_whether_every_check_passed():
    from derivations.documents.web.site import _index

    ok = {"name": "a", "kind": "exact", "max_error": 0.0, "passed": True, "method": "exact"}
    bad = {**ok, "name": "b", "passed": False}
    assert "All 2 checks passed." in _index([], [ok, dict(ok)], {}, {}, [])
    page = _index([], [ok, bad], {}, {}, [])
    assert "1 of 2 checks FAILED" in page and "passed." not in page


def test_operator_names_are_spaced_from_their_argument():
    """``\\log \\Pr(y)`` printed "logPr(y)": a thin space follows a name, not before a bracket."""
    spaced = '<mspace width="0.1667em"></mspace>'
    assert spaced in math_html(r"\log \Pr(y \mid x)").split("Pr")[0]
    assert spaced in math_html(r"\exp z") and spaced not in math_html(r"\log\left(x\right)")


def test_a_figure_image_has_its_caption_as_alt_text():
    page = fragment_html("\\begin{figure}\\includegraphics{figures/losses_normal.pdf}\\caption{Normal densities at "
                         "$\\sigma = 1$. More words.}\\label{fig:n}\\end{figure}", "t")
    alt = re.search(r'<img [^>]*alt="([^"]*)"', page.html).group(1)
    assert alt.startswith("Normal densities at σ=1.") and "losses normal" not in alt
    bare = fragment_html("\\begin{figure}\\includegraphics{figures/a_b.pdf}\\end{figure}", "t")
    assert 'alt="a b"' in bare.html  # no caption: the file name is all there is


def gallery_problems(html_dir, topics) -> list[str]:
    """What the gallery page lacks: a figure of a topic (by its stem, from the topic's own LaTeX)
    missing, an image file it references missing, an image without its caption as alt text (the
    topic page's), or without a link to its topic page."""
    gallery = (html_dir / "gallery.html").read_text()
    problems = []
    for src in re.findall(r'<img src="([^"]+)"', gallery):
        if not (html_dir / src).is_file():
            problems.append(f"{src}: no such file")
    for topic in topics:
        topic_page = (html_dir / f"{topic.slug}.html").read_text()
        for stem in fragment_html(topic.latex, topic.slug).figures:
            src = f"figures/{stem}.svg"
            alt = re.search(rf'<img src="{re.escape(src)}" alt="([^"]+)"', topic_page).group(1)
            linked = re.search(rf'<a href="{re.escape(topic.slug)}\.html(#[^"]*)?"><img src="{re.escape(src)}" '
                               rf'alt="{re.escape(alt)}">', gallery)
            if not linked:
                problems.append(f"{topic.slug}: {src} not shown with its caption as alt text, linked to its page")
    return problems


def test_the_gallery_shows_every_figure_of_every_topic(site):
    out, result = site
    html_dir = out / "html"
    assert 'href="gallery.html"' in (html_dir / "index.html").read_text()
    stems = [s for t in result.topics for s in fragment_html(t.latex, t.slug).figures]
    assert len(stems) >= len(result.topics)  # each topic has a figure: the test below has something to find
    assert gallery_problems(html_dir, result.topics) == []
    gallery = (html_dir / "gallery.html").read_text()
    for topic in result.topics:
        assert f'<h2><a href="{topic.slug}.html">' in gallery, topic.slug


def test_the_gallery_check_finds_a_missing_figure_or_file(site, tmp_path):
    """The check above fails on a gallery without one figure, and on a missing image file."""
    import shutil

    out, result = site
    copy = tmp_path / "html"
    shutil.copytree(out / "html", copy)
    stem = fragment_html(result.topics[0].latex, result.topics[0].slug).figures[0]
    (copy / "figures" / f"{stem}.svg").unlink()
    assert gallery_problems(copy, result.topics) == [f"figures/{stem}.svg: no such file"]
    gallery = (copy / "gallery.html").read_text()
    (copy / "gallery.html").write_text(re.sub(rf'<img src="figures/{stem}\.svg"[^>]*>', "", gallery))
    assert any(f"figures/{stem}.svg not shown" in p for p in gallery_problems(copy, result.topics))
