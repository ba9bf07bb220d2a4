"""One Jupyter notebook per topic, from one source: a jupytext percent-format script.

    deepderive notebooks --out DIR [--topics T,...] [--execute]

For each topic, :func:`notebook_script` writes the topic's notebook as a script in
jupytext's percent format (``DIR/<topic>.py``: it also runs as a plain script), and
jupytext converts it into ``DIR/<topic>.ipynb`` (nbformat 4). The notebook has the
lecture's words for the topic as markdown (the slides of :data:`derivations.lecture.LECTURE`
that draw on it), a cell that sets the topic's parameters (its ``PARAMETERS`` module
constants and the seed: change one and re-run the cells below), a cell that builds the
topic with the library as ``python -m derivations.topics.<topic>`` does, its derivations shown
through ``_repr_latex_``, its figures inline and its verification records. ``--execute``
runs every notebook with nbclient and stores the outputs in the ``.ipynb``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from derivations.lecture import Eq, Fig, Text, slides_for_topic
from derivations.lecture import TOPICS
from derivations.tex import OutputFolder

__all__ = ["NotebooksResult", "notebook_script", "build_notebooks", "execute_notebook"]

#: Seconds one notebook may run under ``--execute`` before it is stopped.
CELL_TIMEOUT = 900


@dataclass
class NotebooksResult:
    out: Path
    notebooks: list[Path] = field(default_factory=list)
    executed: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0


def _comment(text: str) -> str:
    return "\n".join(("# " + line) if line else "#" for line in text.splitlines())


def _markdown(text: str) -> str:
    return "# %% [markdown]\n" + _comment(text) + "\n"


def _lecture_cells(topic: str) -> tuple[list[str], list[str], list[str]]:
    """The lecture's slides that draw on ``topic`` as cells: the slide's words as markdown,
    each of its equations from this topic as a code cell showing the display, each figure
    inline. Returns the cells, and the displays and figures they show."""
    cells: list[str] = []
    shown: list[str] = []
    figures: list[str] = []
    for slide in slides_for_topic(topic):
        words = [f"## {slide.title}"]
        for item in slide.body:
            if isinstance(item, Text):
                words.append(item.text)
            elif isinstance(item, (Eq, Fig)) and item.topic != topic:  # another topic's: drop its lead-in
                words = [w for w in words if w.startswith("## ")]
            elif isinstance(item, Eq) and item.topic == topic and item.display not in shown:
                cells.append(_markdown("\n\n".join(words)))
                words = []
                shown.append(item.display)
                cells.append(f"# %%\nresult.displays[{item.display!r}]\n")
            elif isinstance(item, Fig) and item.topic == topic and item.stem not in figures:
                cells.append(_markdown("\n\n".join(words)))
                words = []
                figures.append(item.stem)
                cells.append(f"# %%\nImage(filename=\"figures/{item.stem}.png\")\n")
        if words:
            cells.append(_markdown("\n\n".join(words)))
    return cells, shown, figures


def _type_name(value) -> str:
    """A parameter's type as Python writes it: ``int``, ``tuple[int, ...]``, ``dict[str, str]``."""
    if isinstance(value, (tuple, list)) and value:
        inner = {_type_name(v) for v in value}
        return f"{type(value).__name__}[{inner.pop() if len(inner) == 1 else 'Any'}, ...]"
    if isinstance(value, dict) and value:
        keys, values = {_type_name(k) for k in value}, {_type_name(v) for v in value.values()}
        return f"dict[{keys.pop() if len(keys) == 1 else 'Any'}, {values.pop() if len(values) == 1 else 'Any'}]"
    return type(value).__name__


def _parameter_docs(module) -> dict[str, tuple[str, str]]:
    """Each module constant's annotation (if any) and its ``#:`` comment (the lines just above
    its assignment), read from the module's source."""
    lines = inspect.getsource(module).splitlines()
    docs: dict[str, tuple[str, str]] = {}
    above = ""  # the comment of the assignment on the line just above (a group of constants shares it)
    for node in ast.parse("\n".join(lines)).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names, annotation = [node.target.id], ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign):
            names = [e.id for t in node.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])
                     if isinstance(e, ast.Name)]
            annotation = ""
        else:
            continue
        comment, row = [], node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#:"):
            comment.insert(0, lines[row].lstrip()[2:].strip())
            row -= 1
        text = " ".join(comment) or (above if row >= 0 and lines[row].strip() and row + 1 == node.lineno - 1
                                     and not lines[row].lstrip().startswith("#") else "")
        for name in names:
            docs[name] = (annotation, text)
        above = text
    return docs


def _parameters_markdown(module) -> str:
    """The parameter cell's documentation: every setting, its type and what it means."""
    docs = _parameter_docs(module)
    rows = ["| `seed` | `int` | the seed of the topic's random draws (`TopicContext(seed=...)`) |"]
    for name in getattr(module, "PARAMETERS", ()):
        annotation, comment = docs.get(name, ("", ""))
        kind = annotation or _type_name(getattr(module, name))
        meaning = comment.replace("|", "\\|") or "a setting of the topic (see its module)"
        rows.append(f"| `topic.{name}` | `{kind}` | {meaning} |")
    return ("## Parameters\n\nChange a value and re-run this cell and the cells below it: the topic is derived and "
            "checked again with the new value. The settings, their types and what they mean:\n\n"
            "| name | type | meaning |\n|---|---|---|\n" + "\n".join(rows))


_HEADER = ("# ---\n# jupyter:\n#   kernelspec:\n#     display_name: Python 3\n#     language: python\n"
           "#     name: python3\n# ---\n")

_BUILD = """# %%
result = topic.build(TopicContext(Path("."), seed=seed))
failed = [r["name"] for r in result.records if not r["passed"]]
print(f"{result.title}: {len(result.records)} records, {len(failed)} failed")
for name in failed:
    print("FAILED:", name)
"""

_VERIFICATION = """# %%
for r in result.records:
    status = "--" if r.get("method") == "definition" else ("ok" if r["passed"] else "FAILED")
    print(f"{status:6} {r['max_error']:9.2e}  {r.get('method', r['kind'])[:40]:40}  {r['name']}")
"""


def notebook_script(topic: str) -> str:
    """The notebook of ``topic`` as a jupytext percent-format script."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}; choose from {', '.join(TOPICS)}")
    module = importlib.import_module(f"derivations.topics.{topic}")
    doc = (module.__doc__ or "").strip().splitlines()[0]
    settings = [f"topic.{name} = {getattr(module, name)!r}\n" for name in getattr(module, "PARAMETERS", ())]
    imports = ("from pathlib import Path\n\nfrom IPython.display import Image, Markdown, display\n\n"
               f"import derivations.topics.{topic} as topic\nfrom derivations.topics.topic import TopicContext\n")
    if any("NetworkSpec(" in line for line in settings):
        imports += "from symbolic.spec import NetworkSpec\n"
    lecture, shown, figures = _lecture_cells(topic)
    cells = [
        _HEADER,
        _markdown(f"# {module.TITLE}\n\n{doc} This notebook builds the topic with the deepderive library, "
                  f"exactly as `python -m derivations.topics.{topic} --out .` does: every equation below was derived "
                  "by SymPy and checked (the records at the end say how)."),
        "# %%\n" + imports,
        _markdown(_parameters_markdown(module)),
        "# %%\nseed = 0\n" + "".join(settings),
        _BUILD,
        _markdown("# The lecture\n\nThe lecture's slides on this topic, with their equations and figures from "
                  "`result` (each equation is an object of the library, shown through its `_repr_latex_`)."),
        *lecture,
        _markdown("# More from this topic\n\nThe topic's other derivations and figures, as the notes print them."),
        f"# %%\nfor name, shown in result.displays.items():\n    if name not in {shown!r}:\n"
        "        display(Markdown(f\"**{name}**\"), shown)\n",
        f"# %%\nfor figure in result.figures:\n    if Path(figure).stem not in {figures!r}:\n"
        "        display(Image(filename=str(Path(figure).with_suffix(\".png\"))))\n",
        _markdown("# Verification\n\nEvery check behind this topic: its method and the largest error seen."),
        _VERIFICATION,
    ]
    return "\n".join(cells)


def build_notebooks(
    out: str | os.PathLike | OutputFolder,
    topics: Sequence[str] | None = None,
    execute: bool = False,
    progress: Callable[[str], None] | None = None,
) -> NotebooksResult:
    """Write ``<topic>.py`` (percent format) and ``<topic>.ipynb`` per topic; run them with ``execute``."""
    import jupytext
    import nbformat

    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    out = folder.path
    say = progress or (lambda line: None)
    start = time.perf_counter()
    result = NotebooksResult(out)
    for name in topics if topics is not None else TOPICS:
        script = notebook_script(name)
        folder.write_text(f"{name}.py", script)
        notebook = jupytext.reads(script, fmt="py:percent")
        nbformat.validate(notebook)
        path = _write_notebook(folder, f"{name}.ipynb", notebook)
        result.notebooks.append(path)
        say(f"wrote {path}")
    if execute:
        for path in result.notebooks:
            t0 = time.perf_counter()
            error = execute_notebook(path, folder=folder)
            if error:
                result.failed.append((path, error))
                say(f"FAILED {path.name}: {error}")
            else:
                result.executed.append(path)
                say(f"ran {path.name} ({time.perf_counter() - t0:.1f} s)")
    result.seconds = time.perf_counter() - start
    return result


def _write_notebook(folder: OutputFolder, name: str, notebook) -> Path:
    """``nbformat.write`` through the output folder (checked, atomic)."""
    import nbformat

    text = nbformat.writes(notebook)
    return folder.write_text(name, text if text.endswith("\n") else text + "\n")


def execute_notebook(path: Path, timeout: int = CELL_TIMEOUT, folder: OutputFolder | None = None) -> str | None:
    """Run a notebook top to bottom in its folder and store its outputs (through the output
    folder ``folder``, default the notebook's folder); the error's first line when a cell
    fails, else None."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    folder = folder or OutputFolder(path.parent)
    name = str(path.resolve().relative_to(folder.path.resolve()))
    notebook = nbformat.reads(folder.read_bytes(name).decode("utf-8"), as_version=4)
    root = str(Path(__file__).resolve().parents[1])  # the kernel imports this checkout's packages
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = root + (os.pathsep + env_path if env_path else "")
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                                extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                resources={"metadata": {"path": str(path.parent)}})
        client.execute()
    except CellExecutionError as exc:
        _write_notebook(folder, name, notebook)
        lines = [line for line in str(exc).splitlines() if line.strip()]
        return lines[-1] if lines else "a cell failed"
    finally:
        if env_path:
            os.environ["PYTHONPATH"] = env_path
        else:
            os.environ.pop("PYTHONPATH", None)
    _write_notebook(folder, name, notebook)
    return None
