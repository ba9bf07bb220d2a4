"""Exercise notebooks students work in, and their solutions, from one list of tasks.

    deepderive notebooks --out DIR --exercises [--topics T,...] [--execute]

For each topic of :data:`~derivations.documents.exercise_tasks.TOPIC_TASKS`,
:func:`exercise_notebook` builds the notebook (nbformat 4) in the style of the book's own
notebooks: a setup cell (NumPy, SymPy, the package's activations, the formulas' symbols and
the topic's data, printed from the package's objects), a documented parameter cell, and per
:class:`~derivations.documents.exercise_tasks.Task` the instructions, a cell marked
``# TODO`` where the student writes the formula or the function (``...`` until then), and a
check cell that calls :func:`~derivations.documents.exercise_tasks.check`. The solution
version (``solution=True``) is the same notebook with each TODO filled in with the package's
derived answer (:func:`~derivations.documents.exercise_tasks.solution_code`). Cells carry the
tags ``todo``, ``check`` and ``parameters``. The notebooks import only NumPy, SymPy and the
package: they run on a plain Jupyter install where ``deepderive`` is installed.
"""

from __future__ import annotations

import importlib
import time
from typing import Callable, Sequence

from derivations.documents.exercise_tasks import BLANK, POINTS, TOPIC_TASKS, Task, python_name, solution_code, tasks
from derivations.documents.notebooks import NotebooksResult, _write_notebook, execute_notebook
from derivations.tex import OutputFolder
from symbolic.training.gradient_descent import lecture_linear_regression

__all__ = ["exercise_notebook", "build_exercise_notebooks", "notebook_names", "EXERCISE_TOPICS", "verdicts"]

#: The topics that have an exercise notebook, in the lecture's order.
EXERCISE_TOPICS = tuple(TOPIC_TASKS)


def notebook_names(topic: str) -> tuple[str, str]:
    """The file names of ``topic``'s exercise and solution notebooks."""
    return f"{topic}_exercises.ipynb", f"{topic}_solutions.ipynb"


def _data(topic: str) -> list[tuple[str, tuple]]:
    """The topic's data the tasks use, by notebook name (printed from the package's example)."""
    if topic == "gradient_descent":
        example = lecture_linear_regression()
        return [("x_data", example.x), ("y_data", example.y)]
    return []


def _setup(topic: str, items: list[Task]) -> str:
    lines = ["import numpy as np", "import sympy as sp", "",
             "from derivations.documents.exercise_tasks import check",
             "from symbolic.activations.functions import ReLU, Softplus, sig"]
    symbols = sorted({s for t in items if t.form == "formula" for s in t.arguments}, key=lambda s: python_name(s))
    if symbols:
        lines += ["", "# The formulas' symbols: each Python name stands for the lecture's symbol"]
        for s in symbols:
            assumption = "positive=True" if s.is_positive else "real=True"
            lines.append(f"{python_name(s)} = sp.Symbol({s.name!r}, {assumption})")
    data = _data(topic)
    if data:
        lines += ["", "# The lecture's data (one sample per entry)"]
        for name, values in data:
            lines.append(f"{name} = np.array([{', '.join(repr(float(v)) for v in values)}])")
    return "\n".join(lines)


_PARAMETERS = f"""## Parameters

The check cells read two settings; change one and re-run the check cells.

| name | type | meaning |
|---|---|---|
| `SEED` | `int` | draws the points at which a function you write is compared with the package's formula |
| `POINTS` | `int`, 1 to 10000 | how many points (default {POINTS}) |

A formula (a SymPy expression, or text such as the notes print it) is checked by the package's
answer checker, at points that cover its domain and symbolically where SymPy can; these two
settings do not change that check."""


def _todo(t: Task, solution: bool) -> str:
    if solution:
        answer, marker = solution_code(t), "# Solution: the package's derived formula"
        if t.form == "function":
            marker += ", printed as NumPy"
    else:
        answer, marker = "...", f"# TODO: {t.hint}"
    if t.form == "formula":
        return f"{marker}\n{t.name} = {answer}"
    arguments = ", ".join(python_name(s) for s in t.arguments)
    return f"def {t.name}({arguments}):\n    {marker}\n    return {answer}"


def exercise_notebook(topic: str, solution: bool = False):
    """``topic``'s exercise notebook (``solution``: the solution version) as an nbformat-4 notebook."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    items = tasks(topic)
    module = importlib.import_module(f"derivations.topics.{topic}")
    if solution:
        how = ("This is the solution version: every TODO is filled in with the package's derived answer, and every "
               "check says correct.")
    else:
        how = ("Write your answer where a cell says `# TODO` (in place of the `...`), run that cell, then run the "
               f"check cell below it; until you answer, the check says \"{BLANK}\".")
    intro = (f"# {module.TITLE}: exercises\n\n{how} Each check compares what you wrote with the formula the "
             "deepderive package derived and checked, and names the mistake when it recognises one. Run the setup "
             "cell first.")
    cells = [new_markdown_cell(intro),
             new_markdown_cell("## Setup\n\nNumPy, SymPy, the package's activations (`ReLU`, `sig`, `Softplus`) "
                               "and the check, then the symbols and data the tasks use."),
             new_code_cell(_setup(topic, items)),
             new_markdown_cell(_PARAMETERS),
             new_code_cell(f"SEED = 0\nPOINTS = {POINTS}", metadata={"tags": ["parameters"]})]
    for number, t in enumerate(items, start=1):
        cells += [new_markdown_cell(f"## {number}. {t.title}\n\n{t.prompt}"),
                  new_code_cell(_todo(t, solution), metadata={"tags": ["todo"]}),
                  new_code_cell(f"check({t.id!r}, {t.name}, points=POINTS, seed=SEED)", metadata={"tags": ["check"]})]
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return notebook


def verdicts(notebook) -> list[str]:
    """The text each check cell of an executed notebook shows (empty where it shows none)."""
    out = []
    for cell in notebook.cells:
        if "check" in cell.get("metadata", {}).get("tags", []):
            texts = [o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", [])
                     if o.get("output_type") == "execute_result"]
            out.append("".join(texts))
    return out


def build_exercise_notebooks(
    out: str | OutputFolder,
    topics: Sequence[str] | None = None,
    execute: bool = False,
    progress: Callable[[str], None] | None = None,
) -> NotebooksResult:
    """Write ``<topic>_exercises.ipynb`` and ``<topic>_solutions.ipynb`` per topic; with
    ``execute``, run both and fail a solution whose check does not say correct, or an exercise
    whose check does not say :data:`BLANK`."""
    import nbformat

    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    say = progress or (lambda line: None)
    start = time.perf_counter()
    result = NotebooksResult(folder.path)
    chosen = list(topics) if topics is not None else list(EXERCISE_TOPICS)
    missing = [t for t in chosen if t not in TOPIC_TASKS]
    if missing:
        raise ValueError(f"no exercise notebook for {', '.join(missing)}; exercise notebooks exist for "
                         f"{', '.join(EXERCISE_TOPICS)}")
    for topic in chosen:
        for name, solution in zip(notebook_names(topic), (False, True)):
            path = _write_notebook(folder, name, exercise_notebook(topic, solution))
            result.notebooks.append(path)
            say(f"wrote {path}")
    for path in result.notebooks if execute else ():
        t0 = time.perf_counter()
        error = execute_notebook(path, folder=folder)
        if not error:
            shown = verdicts(nbformat.reads(folder.read_bytes(path.name).decode("utf-8"), as_version=4))
            expected = ": correct: " if path.name.endswith("_solutions.ipynb") else f": not yet: {BLANK}"
            wrong = [text for text in shown if expected not in text]
            error = f"{len(wrong)} of {len(shown)} checks do not say {expected.strip(': ')!r}" if wrong else None
        if error:
            result.failed.append((path, error))
            say(f"FAILED {path.name}: {error}")
        else:
            result.executed.append(path)
            say(f"ran {path.name} ({time.perf_counter() - t0:.1f} s)")
    result.seconds = time.perf_counter() - start
    return result

