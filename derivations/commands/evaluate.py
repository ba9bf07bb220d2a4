"""``deepderive evaluate``: run the compiled symbolic network on a params file and a data file.

    deepderive evaluate --widths 1,3,1 --activation relu --params P.json --data D.csv
"""

from __future__ import annotations

import argparse
import json

from numeric.data import load_csv
from numeric.params import load_params
from symbolic.networks import deep_network

from .common import add_format_argument, add_spec_arguments, spec_from_args

HELP = "evaluate the compiled symbolic network on a params file and a data file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--params", required=True, metavar="P.json", help="parameters (DESIGN.md format)")
    parser.add_argument("--data", required=True, metavar="D.csv", help="data CSV with columns x_1.. (and y..)")
    add_format_argument(parser, ["json", "text"], "json")


def run(args: argparse.Namespace) -> int:
    from derivations.crosscheck import compile_outputs, evaluate_outputs

    spec = spec_from_args(args)
    tensors = load_params(args.params, spec)
    data = load_csv(args.data, spec.D_i, 0)
    net = deep_network(spec)
    outputs = evaluate_outputs(net, data.X, tensors, compile_outputs(net, "numpy"))  # (I, D_o)
    result = {"outputs": outputs.tolist()}
    if args.format == "json":
        print(json.dumps(result))
    else:
        for i, row in enumerate(result["outputs"]):
            print(f"sample {i}: outputs " + " ".join(f"{v:.12g}" for v in row))
    return 0
