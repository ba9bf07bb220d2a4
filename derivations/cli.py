"""The ``deepderive`` command line: one entry point, one module per subcommand.

Exit codes (DESIGN.md): 0 success; 1 a verification failed; 2 bad input, with one line
on stderr starting ``error:`` and no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

__all__ = ["main", "build_parser", "UsageError", "COMMANDS"]

#: Subcommands, in the order ``--help`` lists them; each is ``derivations.commands.<name>``
#: with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
COMMANDS = ["notes", "slides", "notebooks", "derive", "evaluate", "verify", "regions", "train"]


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(message)


def _available() -> list:
    modules = []
    for name in COMMANDS:
        try:
            modules.append((name, importlib.import_module(f"derivations.commands.{name}")))
        except ModuleNotFoundError as exc:
            if exc.name != f"derivations.commands.{name}":
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deepderive",
        description="Symbolic derivations of introductory deep learning, checked against PyTorch.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, module in _available():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args._run(args))
    except (ValueError, TypeError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the user named cannot be read or written
        where = f" {str(exc.filename)!r}" if getattr(exc, "filename", None) else ""
        print(f"error: cannot read or write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: not enough memory for this request; use smaller widths, data or --grid", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
