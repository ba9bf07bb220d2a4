"""Exercise notebooks: TODO cells checked against the package's objects, and their solutions.

The checks are tested directly (every named mistake is named, a blank answer and a function
that raises are verdicts, not tracebacks), and both versions of the notebooks are executed
with nbclient in a bare folder without PYTHONPATH: the solution passes every check, the blank
version fails each with the "no answer yet" message.
"""

import os
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from derivations.cli import main
from derivations.documents import exercise_tasks
from derivations.documents.exercise_tasks import BLANK, TOPIC_TASKS, check, python_name, solution_code, tasks

nbformat = pytest.importorskip("nbformat")

ALL = [t for topic in TOPIC_TASKS for t in tasks(topic)]
IDS = [t.id for t in ALL]


def _function(t, value):
    """A student's function that computes ``value`` (the reference or a mistake) in NumPy."""
    exprs = value if isinstance(value, tuple) else (value,)
    plain = {s: sp.Symbol(python_name(s), real=True) for s in t.arguments}
    fn = sp.lambdify([plain[s] for s in t.arguments], [e.xreplace(plain) for e in exprs], modules="numpy")
    return (lambda *a: tuple(fn(*a))) if isinstance(value, tuple) else (lambda *a: fn(*a)[0])


def _answer(t, value):
    return value if t.form == "formula" else _function(t, value)


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_the_reference_passes_and_every_named_mistake_is_named(t):
    assert check(t.id, _answer(t, t.reference)).correct
    assert t.mistakes, "every task names at least one typical mistake"
    for feedback, wrong in t.mistakes:
        verdict = check(t.id, _answer(t, wrong))
        assert not verdict.correct and verdict.message == feedback, (t.id, feedback, verdict)


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_a_blank_answer_is_a_message_not_an_error(t):
    for blank in (None, ...):
        verdict = check(t.id, blank)
        assert not verdict.correct and verdict.message.startswith(BLANK), verdict
    if t.form == "function":
        verdict = check(t.id, lambda *args: ...)  # the blank cell's function: `return ...`
        assert not verdict.correct and verdict.message.startswith(BLANK)


@pytest.mark.parametrize("t", ALL, ids=IDS)
def test_the_solution_cell_is_the_reference_and_passes(t):
    names = {"np": np, "sp": sp, **{n: getattr(__import__("symbolic.activations.functions", fromlist=[n]), n)
                                    for n in ("ReLU", "sig", "Softplus")}}
    names |= {python_name(s): s for s in t.arguments}
    code = solution_code(t)
    if t.form == "function":
        args = ", ".join(python_name(s) for s in t.arguments)
        exec(f"def answer({args}):\n    return {code}", names)  # our own generated code, as the notebook runs it
    else:
        exec(f"answer = {code}", names)
    verdict = check(t.id, names["answer"])
    assert verdict.correct, verdict


def test_a_wrong_answer_the_checker_does_not_know_says_where_it_differs():
    def forward(x, phi_0, phi_1, phi_2, phi_3, theta_10, theta_11, theta_20, theta_21, theta_30, theta_31):
        return phi_0 + phi_1 * np.maximum(theta_10 + theta_11 * x, 0)  # two hidden units left out

    verdict = check("shallow.forward", forward)
    assert not verdict.correct and verdict.message.startswith("at x = ") and "the formula gives" in verdict.message
    verdict = check("gradient_descent.gradient", "8*phi_0 + 12*phi_1")  # the constant term dropped
    assert not verdict.correct and verdict.message != BLANK


def test_a_function_that_raises_or_returns_text_is_a_verdict():
    def broken(f_2, omega_3, dl_df_3):
        return undefined_name  # noqa: F821

    verdict = check("backprop.step", broken)
    assert not verdict.correct and "raised NameError" in verdict.message and "f_2 = " in verdict.message
    verdict = check("backprop.step", lambda *a: "minus sine")
    assert not verdict.correct and "must return numbers" in verdict.message
    verdict = check("backprop.step", 3.0)
    assert not verdict.correct and "expected a function" in verdict.message
    verdict = check("shallow.hidden", "ReLU(z)")  # a name the formula does not use: the grammar's message
    assert not verdict.correct and "unknown name 'z'" in verdict.message
    with pytest.raises(ValueError, match="unknown exercise 'shallow.nope'.*shallow.forward"):
        check("shallow.nope", None)


def test_a_formula_as_text_goes_through_the_answer_checker():
    assert check("backprop.loss", "2*(f_3 - y)").correct
    assert check("shallow.hidden", r"\mathrm{ReLU}\left[\theta_{10} + \theta_{11} x\right]").correct
    assert check("backprop.loss", "f_3 - y").message.startswith("your answer is half")  # the generic mistakes too


# ----- the notebooks -------------------------------------------------------------------------

from derivations.documents.exercise_notebooks import (  # noqa: E402
    EXERCISE_TOPICS, build_exercise_notebooks, exercise_notebook, notebook_names, verdicts)


def _tagged(notebook, tag):
    return [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]


@pytest.mark.parametrize("topic", EXERCISE_TOPICS)
def test_the_two_versions_differ_only_in_the_todo_cells(topic):
    exercise, solution = exercise_notebook(topic), exercise_notebook(topic, solution=True)
    nbformat.validate(exercise)
    assert len(exercise.cells) == len(solution.cells)
    todo, filled = _tagged(exercise, "todo"), _tagged(solution, "todo")
    assert len(todo) == len(tasks(topic)) == len(_tagged(exercise, "check"))
    for blank, answer, t in zip(todo, filled, tasks(topic)):
        assert "# TODO" in blank.source and blank.source.rstrip().endswith("...")
        assert "TODO" not in answer.source and solution_code(t) in answer.source
    differ = [i for i, (a, b) in enumerate(zip(exercise.cells, solution.cells)) if a.source != b.source]
    assert set(differ) - {0} == {exercise.cells.index(c) for c in todo}  # and the introduction
    code = "\n".join(c.source for c in exercise.cells if c.cell_type == "code")
    assert "sys.path" not in code and "PYTHONPATH" not in code
    parameters = _tagged(exercise, "parameters")[0]
    documented = exercise.cells[exercise.cells.index(parameters) - 1].source
    for line in parameters.source.splitlines():
        assert f"`{line.split(' = ')[0]}` | `int`" in documented


def test_exercises_for_a_topic_without_them_exit_2_with_one_error_line(tmp_path, capsys):
    assert main(["notebooks", "--out", str(tmp_path), "--exercises", "--topics", "depth"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and "shallow" in err[0]
    assert not list(tmp_path.iterdir())


def _installed() -> bool:
    """deepderive imports in a bare folder without PYTHONPATH (as on a plain Jupyter install)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-c", "import derivations.documents.exercise_tasks"], cwd="/",
                          env=env, capture_output=True).returncode == 0


def _execute(path, monkeypatch):
    """Run a notebook with nbclient in its folder, with no PYTHONPATH: the package as installed."""
    from nbclient import NotebookClient

    monkeypatch.delenv("PYTHONPATH", raising=False)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def _run_both(topic, tmp_path, monkeypatch):
    pytest.importorskip("nbclient")
    if not _installed():
        pytest.skip("deepderive is not installed (pip install -e '.[notebooks]')")
    result = build_exercise_notebooks(tmp_path, [topic])
    exercise_name, solution_name = notebook_names(topic)
    assert [p.name for p in result.notebooks] == [exercise_name, solution_name]
    n = len(tasks(topic))
    exercise = _execute(tmp_path / exercise_name, monkeypatch)
    errors = [o for c in exercise.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []  # a blank answer is a message, never a traceback
    shown = verdicts(exercise)
    assert len(shown) == n and all(f": not yet: {BLANK}: " in text for text in shown), shown
    solution = _execute(tmp_path / solution_name, monkeypatch)
    shown = verdicts(solution)
    assert len(shown) == n and all(": correct: " in text for text in shown), shown


def test_the_shallow_notebooks_run_blank_and_solved(tmp_path, monkeypatch):
    _run_both("shallow", tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("topic", [t for t in EXERCISE_TOPICS if t != "shallow"])
def test_every_other_exercise_notebook_runs_blank_and_solved(topic, tmp_path, monkeypatch):
    _run_both(topic, tmp_path, monkeypatch)


@pytest.mark.slow
def test_a_wrong_solution_fails_the_execute_check(tmp_path, monkeypatch):
    """The `--execute` check of the solutions goes red when a filled-in answer is wrong: the
    forward pass printed with the ReLU left out is named, and the run fails."""
    pytest.importorskip("nbclient")
    forward = exercise_tasks.task("shallow.forward")
    real = exercise_tasks.solution_code

    def without_relu(t):
        return real(t).replace("np.maximum", "") .replace(", 0.0)", ")") if t.id == forward.id else real(t)

    monkeypatch.setattr("derivations.documents.exercise_notebooks.solution_code", without_relu)
    result = build_exercise_notebooks(tmp_path, ["shallow"], execute=True)
    assert [p.name for p, _ in result.failed] == ["shallow_solutions.ipynb"]
    assert "1 of 2 checks do not say 'correct'" in result.failed[0][1]
    shown = verdicts(nbformat.read(tmp_path / "shallow_solutions.ipynb", as_version=4))
    assert any("the ReLU is missing" in text for text in shown)


def test_presentation_notebooks_document_every_parameter():
    import importlib

    from derivations.documents.notebooks import notebook_script
    from derivations.lecture import TOPICS

    for topic in TOPICS:
        module = importlib.import_module(f"derivations.topics.{topic}")
        script = notebook_script(topic)
        assert "| `seed` | `int` |" in script
        for name in getattr(module, "PARAMETERS", ()):
            row = next(line for line in script.splitlines() if line.startswith(f"# | `topic.{name}` | `"))
            assert row.count("|") >= 4 and "``" not in row.split("|")[2], row
    shallow = notebook_script("shallow")
    assert "| `topic.VALUES` | `dict[str, str]` | Changes to the worked example's parameters" in shallow
