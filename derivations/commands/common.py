"""Argument types and options shared by the subcommands, and the line between input and work.

One rule each: ``--seed`` is an integer from 0 to 2^32 - 1 (:func:`symbolic.spec.limits.check_seed`);
counts are written in ASCII decimal digits and numbers in ASCII decimal or scientific
notation (``1_000``, ``0x10``, full-width ``１`` and other Python spellings are refused);
sizes are capped in :mod:`symbolic.spec.limits`. Keep this module light: it is imported for
every ``--help``.

A command validates its input first (a ``ValueError`` there is bad input, exit 2), then does
its work inside :func:`internal_check`: an exception raised by our own derivation or check
code there is not the user's fault, and the CLI reports it as a failed check (exit 1).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import math
import re
from typing import Callable, Iterator, TextIO

from symbolic.spec.limits import MAX_HIDDEN_LAYERS, MAX_SYMBOLIC_PARAMETERS, check_seed
from symbolic.spec import ACTIVATIONS, NetworkSpec, parse_widths

__all__ = ["add_spec_arguments", "spec_from_args", "add_format_argument", "add_seed_argument", "seed",
           "positive_int", "nonnegative_int", "int_in_range", "finite_float", "positive_float",
           "InternalFailure", "internal_check", "MAX_SYMBOLIC_PARAMETERS", "held_progress"]

# ASCII only: ``[0-9]`` (not ``\d``, which matches every Unicode decimal digit).
_DIGITS = re.compile(r"[+-]?[0-9]+\Z")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_BLANKS = " \t\r\n"


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _integer(text: str, rule: str) -> int:
    text = text.strip(_BLANKS)
    if not _DIGITS.match(text) or len(text) > 40:
        raise argparse.ArgumentTypeError(f"must be {rule}, got {_shown(text)} (write it in digits 0-9)")
    return int(text)


def int_in_range(low: int, high: int, rule: str | None = None):
    """An argparse type: an integer from ``low`` to ``high`` in ASCII decimal digits; ``rule``
    says it in the error message (default "an integer from LOW to HIGH").

    >>> int_in_range(1, 10)("7")
    7
    """
    rule = rule or f"an integer from {low} to {high}"

    def parse(text: str) -> int:
        value = _integer(text, rule)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {rule}, got {_shown(text)}")
        return value

    parse.__name__ = "int_in_range"
    return parse


def seed(text: str) -> int:
    """``--seed``: an integer from 0 to 2^32 - 1 (the one rule for seeds)."""
    try:
        return check_seed(_integer(text, "an integer from 0 to 4294967295"), "--seed")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--seed ")) from None


def positive_int(text: str) -> int:
    """A positive integer in decimal digits."""
    value = _integer(text, "a positive integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    """An integer >= 0 in decimal digits."""
    value = _integer(text, "an integer >= 0")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return value


def finite_float(text: str) -> float:
    """A finite number in ASCII decimal or scientific notation (``0.01``, ``-2``, ``1e-3``);
    ``nan``, ``inf``, ``1_0`` and non-ASCII digits are refused (ranges are checked by the command).

    >>> finite_float("1e-3")
    0.001
    """
    stripped = text.strip(_BLANKS)
    if not _NUMBER.match(stripped) or len(stripped) > 400:
        raise argparse.ArgumentTypeError(f"must be a finite number, got {_shown(text)} (write it in digits 0-9, "
                                         f"e.g. 0.01 or 1e-3)")
    value = float(stripped)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {_shown(text)} (beyond float64)")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (:func:`finite_float`'s spelling)."""
    value = finite_float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {_shown(text)}")
    return value


def add_seed_argument(parser: argparse.ArgumentParser, help: str = "random seed, 0 to 2^32 - 1 (default 0)") -> None:
    parser.add_argument("--seed", type=seed, default=0, metavar="N", help=help)


def _widths(text: str) -> tuple[int, ...]:
    try:
        return parse_widths(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_spec_arguments(parser: argparse.ArgumentParser, activation_required: bool = True) -> None:
    parser.add_argument("--widths", required=True, type=_widths, metavar="W",
                        help="widths D_i,D_1,...,D_K,D_o, e.g. 1,3,1")
    parser.add_argument("--activation", required=activation_required, default="relu", metavar="A",
                        help=f"activation a[.]: {', '.join(ACTIVATIONS)}")


def spec_from_args(args: argparse.Namespace, symbolic: bool = False) -> NetworkSpec:
    if len(args.widths) - 2 > MAX_HIDDEN_LAYERS:
        raise ValueError(f"--widths lists {len(args.widths) - 2} hidden layers; at most {MAX_HIDDEN_LAYERS} are "
                         f"supported: use fewer layers")
    spec = NetworkSpec(tuple(args.widths), args.activation)
    if symbolic and spec.n_parameters > MAX_SYMBOLIC_PARAMETERS:
        raise ValueError(f"widths {','.join(map(str, spec.widths))} give {spec.n_parameters} parameters; the symbolic "
                         f"commands handle at most {MAX_SYMBOLIC_PARAMETERS}: use smaller widths")
    return spec


def add_format_argument(parser: argparse.ArgumentParser, choices: list[str], default: str) -> None:
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")


class InternalFailure(Exception):
    """An exception from our own derivation or check code after the input was validated.

    Not bad input: the CLI prints ``error: internal check failed: CHECK: ...`` and exits 1.
    ``check`` names the work that failed and, when the exception carries a note (a
    derivation adds the step it was checking), that step.
    """

    def __init__(self, check: str, cause: BaseException) -> None:
        notes = [n for n in getattr(cause, "__notes__", ()) if isinstance(n, str) and n.strip()]
        self.check = check + (f" ({notes[-1].strip()})" if notes else "")
        self.cause = cause
        text = str(cause).strip()
        message = type(cause).__name__ + (f": {text.splitlines()[0]}" if text else "")
        super().__init__(f"{self.check}: {message}")


def _environment_failure(exc: BaseException) -> bool:
    """Failures of the machine or the files, not of our code: memory, nesting, files, packages."""
    if isinstance(exc, (MemoryError, RecursionError, OSError, ImportError)):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and (type(exc).__name__ == "OutOfMemoryError"
                                              or "can't allocate memory" in text or "out of memory" in text)


@contextlib.contextmanager
def internal_check(check: str) -> Iterator[None]:
    """Run work that follows input validation: any exception it raises (a ``ValueError``
    included) becomes :class:`InternalFailure` naming ``check``, except failures of the
    environment (memory, files, missing packages), which keep their own messages.

    >>> try:
    ...     with internal_check("derive --loss beta"):
    ...         float(1j)
    ... except InternalFailure as exc:
    ...     print(exc)
    derive --loss beta: TypeError: float() argument must be a string or a real number, not 'complex'
    """
    try:
        yield
    except InternalFailure:
        raise
    except Exception as exc:
        if _environment_failure(exc):
            raise
        raise InternalFailure(check, exc) from exc


def main_progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextlib.contextmanager
def held_progress(stream: TextIO | None = None) -> Iterator[Callable[[str], None]]:
    """A progress callback for a command that may still fail: its lines reach ``stream``
    (stderr) only when the block succeeds, so that a failure (exit 2) leaves its one
    ``error:`` line alone. On a terminal each line is shown meanwhile as a status line,
    rewritten in place and cleared when the block ends.

    >>> import io
    >>> err = io.StringIO()
    >>> with held_progress(err) as say:
    ...     say("[1/2] shallow: 5 checks ok")
    >>> err.getvalue()
    '[1/2] shallow: 5 checks ok\\n'
    """
    stream = stream or sys.stderr
    live = bool(getattr(stream, "isatty", lambda: False)())
    width = max(20, shutil.get_terminal_size().columns - 1)
    held: list[str] = []

    def say(line: str) -> None:
        held.append(line)
        if live:
            stream.write("\r\x1b[K" + line[:width])
            stream.flush()

    try:
        yield say
    finally:
        if live and held:
            stream.write("\r\x1b[K")
            stream.flush()
    for line in held:  # reached only when the block succeeded
        stream.write(line + "\n")
    stream.flush()


def single_answer(args, submission: str = "FILE") -> bool:
    """``--exercise EID --answer TEXT`` (True) or ``--submission FILE`` (False), exactly one of
    them (``check`` and ``self-check``); ValueError otherwise, naming what to give."""
    single = args.exercise is not None or args.answer is not None
    if single and args.submission is not None:
        raise ValueError("give either --exercise with --answer, or --submission, not both")
    if single and (args.exercise is None or args.answer is None):
        raise ValueError(f"--exercise and --answer go together (or use --submission {submission})")
    if not single and args.submission is None:
        raise ValueError(f"give --exercise EID --answer TEXT, or --submission {submission}")
    return single
