"""Argument types and options shared by the subcommands."""

from __future__ import annotations

import argparse

from symbolic.spec import ACTIVATIONS, NetworkSpec, parse_widths

__all__ = ["add_spec_arguments", "spec_from_args", "add_format_argument"]


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


#: Largest network the symbolic commands (derive, evaluate, verify) build: every parameter is
#: a SymPy symbol and every unit an assignment (the benchmark goes to 12,673 parameters).
MAX_SYMBOLIC_PARAMETERS = 50_000


def spec_from_args(args: argparse.Namespace, symbolic: bool = False) -> NetworkSpec:
    spec = NetworkSpec(tuple(args.widths), args.activation)
    if symbolic and spec.n_parameters > MAX_SYMBOLIC_PARAMETERS:
        raise ValueError(f"widths {','.join(map(str, spec.widths))} give {spec.n_parameters} parameters; the symbolic "
                         f"commands handle at most {MAX_SYMBOLIC_PARAMETERS}: use smaller widths")
    return spec


def add_format_argument(parser: argparse.ArgumentParser, choices: list[str], default: str) -> None:
    parser.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")
