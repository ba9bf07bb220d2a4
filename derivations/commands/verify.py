"""``deepderive verify``: the derived forward and backward pass vs the PyTorch twin.

    deepderive verify --widths 2,4,4,1 --activation tanh --loss bernoulli --dtype float64

Random parameters (the twin's initialisation, seeded) and random data (inputs U(-2, 2),
kept away from activation kinks; targets that suit the loss). The symbolic program is
compiled twice, as a scalar program and layer-wise, and compared with autograd: one row
per output, for the per-sample losses and per gradient tensor; then the compiled loss and
its gradient at extreme outputs (+-40, +-700, +-1e4), in float64 whatever --dtype says,
against 50-digit values (:mod:`derivations.checks.extremes`). Exit 1 when any error exceeds
its tolerance.
"""

from __future__ import annotations

import argparse
import json

from symbolic.spec import LOSSES, Problem
from symbolic.spec.tolerances import CHECK_SIGMA

from derivations.commands.common import (add_format_argument, add_seed_argument, add_spec_arguments, finite_float, internal_check,
                     positive_int, spec_from_args)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser)
    parser.add_argument("--loss", default="least-squares", metavar="L",
                        help=f"per-sample loss: {', '.join(LOSSES)} (default least-squares)")
    parser.add_argument("--sigma", type=finite_float, default=None, metavar="S",
                        help="sigma of the normal loss (default 0.75)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="where to run (default auto: CUDA when available)")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"],
                        help="floating-point precision (default float64)")
    add_seed_argument(parser)
    parser.add_argument("--samples", type=positive_int, default=64, metavar="I", help="number of samples (default 64)")
    add_format_argument(parser, ["text", "json"], "text")


def run(args: argparse.Namespace) -> int:
    from symbolic.spec.limits import check_bytes, crosscheck_bytes

    spec = spec_from_args(args, symbolic=True)
    problem = Problem.of(spec, args.loss, args.sigma, default_sigma=CHECK_SIGMA)  # the loss's width, its sigma
    check_bytes(f"verify --widths {','.join(map(str, spec.widths))} --samples {args.samples}",
                crosscheck_bytes(spec.widths, args.samples, 8 if args.dtype == "float64" else 4), "use fewer --samples")

    import torch

    from derivations.checks.crosscheck import gradient_check
    from derivations.checks.extremes import extreme_check
    from numeric.model import resolve_device

    device = resolve_device(args.device)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    with internal_check(f"verify --widths {','.join(map(str, spec.widths))} --activation {spec.activation} "
                        f"--loss {problem.loss.name}"):  # the input is valid: a failure from here on is ours
        sigma = CHECK_SIGMA if problem.sigma is None else problem.sigma
        checks = gradient_check(spec, problem.loss, I=args.samples, seed=args.seed, dtype=dtype, device=str(device),
                                sigma=sigma)
        checks += extreme_check(problem.loss, spec.D_o, device=str(device), sigma=sigma, seed=args.seed)
    passed = all(c.passed for c in checks)
    if args.format == "json":
        print(json.dumps({
            "widths": list(spec.widths), "activation": spec.activation, "loss": args.loss,
            "device": str(device), "dtype": args.dtype, "seed": args.seed, "samples": args.samples,
            "passed": passed,
            "checks": [{"name": c.name, "max_abs_error": c.max_abs, "max_rel_error": c.max_rel,
                        "tolerance": c.tolerance, "passed": c.passed, **({"detail": c.detail} if c.detail else {})}
                       for c in checks],
        }, indent=1))
    else:
        print(f"verify {spec.describe()}, loss {args.loss}, {args.dtype} on {device}, seed {args.seed}, "
              f"{args.samples} samples: derived (program = scalar, layers = layer-wise) vs PyTorch autograd")
        width = max(len(c.name) for c in checks)
        print(f"{'quantity':<{width}}  {'max abs err':>11}  {'max rel err':>11}  {'tolerance':>9}  ok")
        for c in checks:
            print(f"{c.name:<{width}}  {c.max_abs:11.3e}  {c.max_rel:11.3e}  {c.tolerance:9.1e}  "
                  f"{'yes' if c.passed else 'NO'}")
        for c in checks:
            if c.detail:
                print(f"{c.name}: {c.detail}")
        failed = sum(not c.passed for c in checks)
        print("all checks passed" if passed else f"{failed} of {len(checks)} checks FAILED")
    return 0 if passed else 1
