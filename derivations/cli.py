"""The ``deepderive`` command line: one entry point, one module per subcommand.

Exit codes (DESIGN.md): 0 success; 1 a verification failed, or our own derivation or check
code failed after the input was validated (:func:`derivations.commands.common.internal_check`:
``error: internal check failed: NAME: ...``); 2 bad input, with exactly one line on stderr
starting ``error:`` and no traceback; 130 after Ctrl-C (``error: interrupted``, while this
module is imported too). A closed reader (``deepderive derive ... | head``) is not an error:
the command stops quietly with exit 0.

Commands are registered in :data:`COMMANDS` by one line each: name, module, one-line help.
A command module has ``add_arguments(parser)`` and ``run(args) -> int``; it is imported
only when its command runs (or its ``--help`` is asked for), so ``deepderive --help``, an
argparse error or a bad file answer without importing torch or SymPy. Modules keep their
heavy imports inside ``run`` and validate their input before importing them.
"""

from __future__ import annotations

import sys

_INTERRUPTED = "error: interrupted\n"  # Ctrl-C, wherever it lands: this one line and exit code 130

try:  # the console script imports this module before main() runs: Ctrl-C here is one line too
    import argparse
    import importlib
    import os
    import signal
    import warnings
    from typing import NamedTuple, Sequence
except KeyboardInterrupt:  # pragma: no cover - tested in a subprocess
    sys.stderr.write(_INTERRUPTED)
    raise SystemExit(130) from None

__all__ = ["main", "build_parser", "UsageError", "COMMANDS", "Command"]


class Command(NamedTuple):
    """One subcommand: ``derivations.commands.<module>`` with ``add_arguments`` and ``run``."""

    module: str
    help: str


#: Subcommands, in the order ``--help`` lists them (one line each).
COMMANDS: dict[str, Command] = {
    "notes": Command("derivations.commands.notes",
                     "build the lecture notes: LaTeX, figures, verification.json and (with pdflatex) notes.pdf"),
    "slides": Command("derivations.commands.slides",
                      "build the lecture's slides: Beamer slides.tex, figures, verification.json and slides.pdf"),
    "notebooks": Command("derivations.commands.notebooks",
                         "write one Jupyter notebook per topic (and run them with --execute)"),
    "derive": Command("derivations.commands.derive", "derive a network's equations (LaTeX, text or JSON)"),
    "evaluate": Command("derivations.commands.evaluate",
                        "evaluate the compiled symbolic network on a params file and a data file"),
    "verify": Command("derivations.commands.verify",
                      "cross-check the derived outputs, losses and gradients against PyTorch autograd"),
    "regions": Command("derivations.commands.regions",
                       "count parameters and linear regions of a ReLU network (exactly for one input)"),
    "train": Command("derivations.commands.train",
                     "train a network with gradient descent, SGD, momentum or Adam (PyTorch)"),
    "exercises": Command("derivations.commands.exercises",
                         "exercise sheets with checked solutions, different numbers for every student, and answers.json"),
    "check": Command("derivations.commands.check",
                     "check a student's answer or submission against answers.json, with feedback on typical mistakes"),
    "self-check": Command("derivations.commands.self_check", "check your own answers with your private self-check file"),
    "grade": Command("derivations.commands.grade", "grade a class's submissions: grades.csv, feedback, summary (resumable)"),
    "export-moodle": Command("derivations.commands.export_moodle", "the exercises as a Moodle XML question bank"),
}

#: Options whose value may start with '-' (a negative answer): ``--answer -1/2`` reads as ``--answer=-1/2``.
_DASHED_VALUES = ("--answer",)


def _join_dashed(argv: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(argv):
        if argv[i] in _DASHED_VALUES and i + 1 < len(argv):
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(message)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. ``command``: import and add the arguments of that subcommand
    only (the others are listed by name and help; ``""``: of none); None: of every one."""
    parser = _Parser(
        prog="deepderive",
        description="Symbolic derivations of introductory deep learning, checked against PyTorch.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, entry in COMMANDS.items():
        p = sub.add_parser(name, help=entry.help, description=entry.help)
        p.add_argument("--plugin", action="append", default=[], metavar="FILE.py",
                       help="run this Python file first, to register your own activations and losses "
                            "(repeatable; see docs/plugins.md)")
        if command is None or command == name:
            module = importlib.import_module(entry.module)
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (its first word that is not an option), if known."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _is_allocation_failure(exc: RuntimeError) -> bool:
    """torch reports a failed allocation as a RuntimeError (or its OutOfMemoryError)."""
    text = str(exc)
    return type(exc).__name__ == "OutOfMemoryError" or "can't allocate memory" in text or "out of memory" in text


#: An error line quotes the user's input; past this many characters it is cut (a 1 MB id is not echoed).
MAX_ERROR_LINE = 500


def _error(message: str) -> int:
    message = " ".join(str(message).split())
    if len(message) > MAX_ERROR_LINE:
        message = f"{message[:MAX_ERROR_LINE - 40]}... ({len(message):,} characters, cut)"
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()
    return 2


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's last flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a descriptor
        pass


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks run (files closed)."""


def _on_sigterm(signum, frame) -> None:
    raise _Terminated()


def _exit_interrupted(signum, frame) -> None:
    """SIGINT once the command's work is over (shutdown, atexit handlers): one line, exit 130 now."""
    try:
        sys.stderr.write(_INTERRUPTED)
        sys.stderr.flush()
    finally:
        os._exit(130)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0; 1 a verification failed, or our own code failed
    after the input was validated, ``error: internal check failed: NAME: ...``; 2 bad input;
    130 after Ctrl-C, 143 after SIGTERM, each with one ``error:`` line)."""
    program = argv is None  # the program itself (not a call from Python)
    caught: list[warnings.WarningMessage] = []
    try:
        if program:  # SIGTERM ends it like Ctrl-C
            try:
                signal.signal(signal.SIGTERM, _on_sigterm)
            except (ValueError, OSError):  # pragma: no cover - not the main thread
                pass
        argv = _join_dashed(list(sys.argv[1:] if argv is None else argv))
        from derivations.commands.common import InternalFailure

        try:
            with warnings.catch_warnings(record=True) as caught:
                command = _command_of(argv)
                if command is not None:  # plugins register names before the parser lists and checks them
                    from derivations.commands.plugins import plugin_paths, run_plugins

                    run_plugins(plugin_paths(argv[argv.index(command) + 1:]))
                args = build_parser(command or "").parse_args(argv)
                code = int(args._run(args))
                sys.stdout.flush()
        except InternalFailure as exc:  # our code failed after the input was validated: a failed check
            sys.stderr.write(f"error: internal check failed: {_first_line(exc)}\n")
            sys.stderr.flush()
            return 1
        except BrokenPipeError:  # the reader went away (``| head``): not an error
            _quiet_stdout()
            return 0
        except (ValueError, TypeError) as exc:
            return _error(_first_line(exc))
        except OSError as exc:  # a file or folder the user named cannot be read or written
            where = f" {str(exc.filename)!r}" if getattr(exc, "filename", None) else ""
            return _error(f"cannot read or write{where}: {exc.strerror or exc}")
        except ImportError as exc:  # an installation without torch (or another dependency): say what is missing
            return _error(f"this command needs a package that cannot be imported ({_first_line(exc)[:160]}); "
                          "install deepderive's dependencies (pip install -e .)")
        except MemoryError:
            return _error("not enough memory for this request; use smaller widths, data or --grid")
        except RecursionError:
            return _error("input nested too deeply to process")
        except RuntimeError as exc:
            if _is_allocation_failure(exc):
                return _error(f"not enough memory for this request ({_first_line(exc)[:160]}); use smaller widths, "
                              f"data or batches")
            raise
        for w in caught:  # a successful command shows its warnings, one line each
            sys.stderr.write(f"warning: {_first_line(w.message)}\n")  # type: ignore[arg-type]
        return code
    except KeyboardInterrupt:
        sys.stderr.write(_INTERRUPTED)
        return 130
    except _Terminated:
        sys.stderr.write("error: terminated\n")
        return 143
    finally:
        if program:  # from here to the interpreter's exit, Ctrl-C is one line and 130, never a traceback
            try:
                signal.signal(signal.SIGINT, _exit_interrupted)
            except (ValueError, OSError):  # pragma: no cover - not the main thread
                pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
