"""`deepderive notebooks`: one nbformat-4 notebook per topic, from one percent-format source."""

import pytest

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")

import derivations.topics.shallow  # noqa: E402
from derivations.cli import main  # noqa: E402
from derivations.lecture import Eq, Fig, slides_for_topic  # noqa: E402
from derivations.documents.notebooks import build_notebooks, notebook_script  # noqa: E402
from derivations.lecture import TOPICS  # noqa: E402
from derivations.topics.topic import TopicContext  # noqa: E402


@pytest.mark.parametrize("topic", TOPICS)
def test_each_script_converts_to_a_valid_notebook_with_the_lecture_and_its_parameters(topic):
    import importlib

    notebook = jupytext.reads(notebook_script(topic), fmt="py:percent")
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    for slide in slides_for_topic(topic):
        assert f"## {slide.title}" in markdown
    assert f"import derivations.topics.{topic} as topic" in code and "topic.build(" in code
    module = importlib.import_module(f"derivations.topics.{topic}")
    for name in getattr(module, "PARAMETERS", ()):
        assert f"topic.{name} = " in code
    assert "_repr_latex_" in markdown and "result.displays" in code


def test_changing_a_parameter_changes_the_derivation(tmp_path, monkeypatch):
    before = derivations.topics.shallow.build(TopicContext(tmp_path)).displays["numbers: output"].latex
    monkeypatch.setattr(derivations.topics.shallow, "VALUES", {"phi_{0}": "3/2"})
    after = derivations.topics.shallow.build(TopicContext(tmp_path))
    assert after.displays["numbers: output"].latex != before and "\\frac{3}{2}" in after.displays["numbers: output"].latex
    assert after.passed  # the checks run again on the new numbers
    monkeypatch.setattr(derivations.topics.shallow, "VALUES", {"phi_{9}": "1"})
    with pytest.raises(ValueError, match="phi_"):
        derivations.topics.shallow.build(TopicContext(tmp_path))


def test_bad_topics_exit_2_with_one_error_line(tmp_path, capsys):
    assert main(["notebooks", "--out", str(tmp_path), "--topics", "loses"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "losses" in err[0]


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)  # one test per notebook: the parallel workers share them out
def test_every_notebook_validates_and_runs_top_to_bottom(tmp_path, topic):
    pytest.importorskip("nbclient")
    result = build_notebooks(tmp_path, topics=[topic], execute=True)
    assert result.failed == []
    assert [p.name for p in result.executed] == [f"{topic}.ipynb"]
    notebook = nbformat.read(tmp_path / f"{topic}.ipynb", as_version=4)
    nbformat.validate(notebook)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    items = [i for slide in slides_for_topic(topic) for i in slide.body if getattr(i, "topic", None) == topic]
    if any(isinstance(i, Eq) for i in items):  # the lecture's equations, shown through _repr_latex_
        assert "text/latex" in kinds, topic
    if any(isinstance(i, Fig) for i in items):  # the lecture's figures, inline
        assert "image/png" in kinds, topic
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert " 0 failed" in text and "FAILED" not in text, topic
    assert (tmp_path / f"{topic}.py").read_text().startswith("# ---")  # the one source beside it
