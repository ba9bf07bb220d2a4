"""``deepderive evaluate``: run the compiled symbolic network on a params file and a data file.

    deepderive evaluate --widths 1,3,1 --activation relu --params P.json --data D.csv
    deepderive evaluate --widths 1,3,1 --activation relu --loss normal --sigma 0.5 --params P.json --data D.csv
"""

from __future__ import annotations

from symbolic.spec.losses import LOSSES  # plain Python: the registry of losses

import argparse
import json

import numpy as np

from symbolic.spec import Problem

from derivations.commands.common import add_format_argument, add_spec_arguments, finite_float, internal_check, spec_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--params", required=True, metavar="P.json", help="parameters (DESIGN.md format)")
    parser.add_argument("--data", required=True, metavar="D.csv", help="data CSV with columns x_1.. (and y..)")
    parser.add_argument("--loss", default=None, metavar="L",
                        help="also report the loss: nll (total, a sum over samples) and loss (per sample); "
                             + ", ".join(LOSSES) + " (or one registered by --plugin)")
    parser.add_argument("--sigma", default=None, type=finite_float, metavar="S",
                        help="standard deviation of the normal loss (S > 0)")
    add_format_argument(parser, ["json", "text"], "json")


def _require_finite(result: dict) -> None:
    """JSON has no inf/nan: overflowing parameters or data are reported, not printed."""
    for key, value in result.items():
        values = [np.ravel(v) for v in value.values()] if isinstance(value, dict) else [np.ravel(value)]
        if not all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in values):
            raise ValueError(f"the {key} overflow to inf or nan for these parameters and data (float64); "
                             f"check the magnitudes in the params and data files")


def run(args: argparse.Namespace) -> int:
    from numeric.data import load_csv
    from numeric.params import load_params

    spec = spec_from_args(args, symbolic=True)
    problem = _problem(args, spec)  # None without --loss
    loss, sigma = (problem.loss.name, problem.sigma) if problem else (None, None)
    tensors = load_params(args.params, spec)
    data = load_csv(args.data, spec.D_i, problem.n_targets if problem else 0)

    from derivations.checks.crosscheck import compile_outputs, evaluate_outputs
    from numeric.losses import check_targets
    from symbolic.losses.sample import network_loss
    from symbolic.networks.network import deep_network

    if problem:
        check_targets(problem.loss, data.Y, spec.D_o)
    # From here on the input is valid: a failure inside internal_check is ours (exit 1); a
    # non-finite result is the input's magnitudes (exit 2, _require_finite).
    work = f"evaluate --widths {','.join(map(str, spec.widths))} --activation {spec.activation}"
    with np.errstate(all="ignore"):  # overflow is reported as one error line, not warnings
        with internal_check(f"{work}: the compiled network"):
            net = deep_network(spec)
            outputs = evaluate_outputs(net, data.X, tensors, compile_outputs(net, "numpy"))  # (I, D_o)
        result = {"outputs": outputs.tolist()}
        _require_finite(result)
        if loss:
            with internal_check(f"{work} --loss {loss}: the loss"):
                _, losses = network_loss(net, problem.loss).evaluate(data.X, data.Y, tensors, sigma)  # l_i: (I,)
            result["nll"] = float(losses.sum())  # L[phi] = sum_i l_i
            result["loss"] = losses.tolist()
            _require_finite(result)
            with internal_check(f"{work} --loss {loss}: the derived gradient"):
                result["gradient"] = _gradient(net, problem, data, tensors)  # dL/dphi of L = sum_i l_i
        _require_finite(result)
    if args.format == "json":
        print(json.dumps(result))
    else:
        for i, row in enumerate(result["outputs"]):
            line = f"sample {i}: outputs " + " ".join(f"{v:.12g}" for v in row)
            print(line + (f"  loss {result['loss'][i]:.12g}" if loss else ""))
        if loss:
            print(f"nll (sum over {len(result['loss'])} samples): {result['nll']:.12g}")
        for name, g in result.get("gradient", {}).items():
            print(f"gradient dL/d{name}: {json.dumps(g)}")
    return 0


def _gradient(net, problem: Problem, data, tensors) -> dict[str, list]:
    """The gradient of L = sum_i l_i from the derived backward pass (its layer-wise numpy
    compilation, checked against the scalar program), never from autograd."""
    from symbolic.backprop.backprop import backprop
    from symbolic.backprop.compile import compile_layers

    derived = compile_layers(backprop(net, problem.loss), "numpy")(data.X, data.Y, tensors, {"sigma": problem.sigma})
    return {name: g.tolist() for name, g in derived.gradient.items()}


def _problem(args: argparse.Namespace, spec) -> Problem | None:
    """Validate ``--loss`` and ``--sigma`` against the network before reading any file."""
    loss = getattr(args, "loss", None)
    sigma = getattr(args, "sigma", None)
    if loss is None:
        if sigma is not None:
            raise ValueError("--sigma needs --loss normal (it is the normal loss's standard deviation)")
        return None
    return Problem.of(spec, loss, sigma)
