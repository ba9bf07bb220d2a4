"""``--plugin FILE.py``: a lecturer's own losses and activations, registered before a command runs.

A plugin is the user's own Python code, like a config file: it is run with :mod:`runpy`
(``__name__`` is ``"deepderive_plugin"``, so an ``if __name__ == "__main__":`` block does not
run) and registers through the public API (``symbolic.register_activation``,
``symbolic.register_loss``). Every command accepts ``--plugin`` (repeatable); the CLI runs
the plugins before it builds the command's parser, so registered names are accepted
everywhere a built-in one is.

A plugin that is missing, has a syntax error or raises is one :class:`PluginError` (a
``ValueError``) naming the file and the line, which the CLI prints as one ``error:`` line.
"""

from __future__ import annotations

import os
import runpy
import traceback
from typing import Iterable, Sequence

__all__ = ["PluginError", "plugin_paths", "run_plugin", "run_plugins"]


class PluginError(ValueError):
    """A plugin file could not be run (missing, a syntax error, or an exception inside)."""


def plugin_paths(argv: Sequence[str]) -> list[str]:
    """The values of every ``--plugin FILE`` / ``--plugin=FILE`` in a command line, in order.

    >>> plugin_paths(["derive", "--plugin", "a.py", "--widths", "1,1", "--plugin=b.py"])
    ['a.py', 'b.py']
    """
    out = []
    for i, word in enumerate(argv):
        if word == "--plugin" and i + 1 < len(argv):
            out.append(argv[i + 1])
        elif word.startswith("--plugin="):
            out.append(word[len("--plugin="):])
    return out


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except BaseException:  # noqa: BLE001 - the user's __str__ may fail too
        return ""
    return text.splitlines()[0] if text else ""


def run_plugin(path: str) -> None:
    """Run one plugin file; a :class:`PluginError` naming the file (and line) when it fails."""
    if not os.path.isfile(path):
        why = "no such file" if not os.path.exists(path) else "not a regular file"
        raise PluginError(f"plugin {path!r}: {why}")
    full = os.path.abspath(path)
    try:
        runpy.run_path(full, run_name="deepderive_plugin")
    except SyntaxError as exc:
        where = f", line {exc.lineno}" if exc.lineno else ""
        raise PluginError(f"plugin {path!r}{where}: {type(exc).__name__}: {exc.msg}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - the user's code: any failure (SystemExit, GeneratorExit) is bad input
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == full]
        where = f", line {frames[-1].lineno}" if frames else ""
        message = _first_line(exc)
        raise PluginError(f"plugin {path!r}{where}: {type(exc).__name__}" + (f": {message}" if message else "")) \
            from None


def run_plugins(paths: Iterable[str]) -> None:
    """Run plugin files in order (each at most once)."""
    seen: set[str] = set()
    for path in paths:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            run_plugin(path)
