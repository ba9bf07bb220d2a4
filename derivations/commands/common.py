"""Argument types and options shared by the subcommands.

One rule each: ``--seed`` is an integer from 0 to 2^32 - 1 (:func:`symbolic.limits.check_seed`);
counts are written in decimal digits (``1_000`` and ``0x10`` are refused); sizes are capped
in :mod:`symbolic.limits`. Keep this module light: it is imported for every ``--help``.
"""

from __future__ import annotations

import argparse
import math
import re

from symbolic.limits import MAX_HIDDEN_LAYERS, MAX_SYMBOLIC_PARAMETERS, check_seed
from symbolic.spec import ACTIVATIONS, NetworkSpec, parse_widths

__all__ = ["add_spec_arguments", "spec_from_args", "add_format_argument", "add_seed_argument", "seed",
           "positive_int", "nonnegative_int", "finite_float", "MAX_SYMBOLIC_PARAMETERS"]

_DIGITS = re.compile(r"[+-]?[0-9]+\Z")


def _integer(text: str, rule: str) -> int:
    text = text.strip()
    if not _DIGITS.match(text) or len(text) > 40:
        shown = text if len(text) <= 40 else text[:40] + "..."
        raise argparse.ArgumentTypeError(f"must be {rule}, got {shown!r}")
    return int(text)


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
    """A finite number (``nan`` and ``inf`` are refused here; ranges are checked by the command)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text[:40]!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text[:40]!r}")
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
