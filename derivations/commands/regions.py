"""``deepderive regions``: parameter count and linear regions of a ReLU network.

    deepderive regions --widths 1,3,3,1 [--params P.json] [--format text|json]

Without ``--params``: the number of parameters and the maximal number of linear regions
for the widths (``max_regions``; ``max_regions_is`` says whether that number is attained,
"exact maximum", or only an "upper bound"), and the lecture's count where it applies.

With ``--params``, the regions of that network: for one input exactly (joints found by
propagating piecewise-linear functions in rational arithmetic, equal neighbours merged);
for two inputs the number of distinct activation patterns on a grid (``--grid`` points a
side over ``[-extent, extent]^2``), reported with ``"regions_exact": false``. Regions
assume ReLU (or leaky ReLU); any other activation is an error.

Every claim is checked, and the checks are printed (``"checks"``: ``{"passed", "what"}``;
a failed one exits 1): "exact maximum" is claimed only where a network built to attain the
bound has that many regions, counted exactly without the formula
(:func:`symbolic.regions.counts.attained_regions`), and "upper bound" otherwise; the
lecture's count and the regions of the given network must not exceed the bound.
"""

from __future__ import annotations

import argparse
import json

from derivations.commands.common import (add_format_argument, add_spec_arguments, int_in_range, internal_check, positive_float,
                     spec_from_args)
from derivations.commands.derive import check_lines, checks_json


#: ``--grid``: N x N points, N in ASCII decimal digits.
_grid = int_in_range(2, 4001, "an integer from 2 to 4001 (N x N grid points)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser, activation_required=False)
    parser.add_argument("--params", metavar="P.json", help="parameters (DESIGN.md format): count this network's regions")
    parser.add_argument("--extent", type=positive_float, default=4.0, metavar="R",
                        help="two inputs: the grid covers [-R, R]^2 (default 4)")
    parser.add_argument("--grid", type=_grid, default=401, metavar="N",
                        help="two inputs: N x N grid points (default 401)")
    add_format_argument(parser, ["text", "json"], "text")


def regions_report(args: argparse.Namespace) -> dict:
    """The JSON document of ``deepderive regions`` (see the module docstring)."""
    spec = spec_from_args(args)
    tensors = None
    if args.params is not None:  # a bad file answers before SymPy is imported
        if spec.D_i > 2:
            raise ValueError(f"regions of a given network are counted for D_i = 1 (exactly) or D_i = 2 (on a grid), "
                             f"got D_i = {spec.D_i}; drop --params for the formulas")
        from numeric.params import load_params

        tensors = load_params(args.params, spec)

    from symbolic.spec.activations import check_regions_activation
    from symbolic.regions.counts import attained_regions, lecture_regions, max_regions

    check_regions_activation(spec.activation)
    counted = {} if tensors is None else _network_regions(args, spec, tensors)  # bad input answers first
    shown = ",".join(map(str, spec.widths))
    bound = max_regions(spec.widths)
    with internal_check(f"regions --widths {shown}: a network attaining the bound"):
        attained = attained_regions(spec.widths, spec.activation)
    checks = []
    if attained is not None:
        checks.append((attained.regions == bound, f"max_regions attained: {attained.how}: {attained.regions} regions "
                       f"{'=' if attained.regions == bound else '!='} max_regions {bound}"))
    report = {
        "widths": list(spec.widths),
        "activation": spec.activation,
        "parameters": spec.n_parameters,
        "max_regions": bound,
        "max_regions_is": "exact maximum" if attained is not None and attained.regions == bound else "upper bound",
        "lecture_regions": lecture_regions(spec.widths),
    }
    if report["lecture_regions"] is not None:
        checks.append((report["lecture_regions"] <= bound, f"lecture's count {report['lecture_regions']} <= "
                       f"max_regions {bound} (the bound holds for the lecture's networks too)"))
    if counted:
        report.update(counted)
        checks.append((report["regions"] <= bound, f"regions of this network {report['regions']} <= max_regions "
                       f"{bound}"))
    report["checks"] = checks_json(checks)
    return report


def _network_regions(args: argparse.Namespace, spec, tensors) -> dict:
    """``--params``: the regions of the given network (exactly for one input, on a grid for two)."""
    from symbolic.spec.limits import MAX_EXACT_REGIONS_PARAMETERS, check_bytes, grid_bytes

    if spec.D_i == 1:
        if spec.n_parameters > MAX_EXACT_REGIONS_PARAMETERS:
            raise ValueError(f"widths {','.join(map(str, spec.widths))} give {spec.n_parameters} parameters; regions are "
                             f"counted exactly for at most {MAX_EXACT_REGIONS_PARAMETERS}: use smaller widths")
        from symbolic.regions.piecewise import network_pieces

        with internal_check(f"regions --widths {','.join(map(str, spec.widths))}: exact regions"):
            pl = network_pieces(spec, tensors)
        return dict(regions=pl.regions, regions_exact=True,
                    regions_counted="linear regions of the network function, exact (rational arithmetic)",
                    joints=[float(t) for t in pl.joints])
    from symbolic.regions.counts import activation_pattern_map

    check_bytes(f"regions --widths {','.join(map(str, spec.widths))} --grid {args.grid}",
                grid_bytes(spec.widths, args.grid), "use a smaller --grid")
    with internal_check(f"regions --widths {','.join(map(str, spec.widths))}: activation patterns"):
        _, _, count = activation_pattern_map(spec, tensors, extent=args.extent, n=args.grid)
    return dict(regions=count, regions_exact=False,
                regions_counted=(f"distinct activation patterns on a {args.grid} x {args.grid} grid over "
                                 f"[-{args.extent:g}, {args.extent:g}]^2 (a lower bound on the activation "
                                 "regions meeting that square)"))


def run(args: argparse.Namespace) -> int:
    report = regions_report(args)
    failed = not all(check["passed"] for check in report["checks"])
    if args.format == "json":
        print(json.dumps(report))
        return 1 if failed else 0
    print(f"widths {','.join(map(str, report['widths']))} ({report['activation']}): {report['parameters']} parameters")
    print(f"max regions: {report['max_regions']} ({report['max_regions_is']})")
    if report["lecture_regions"] is not None and report["lecture_regions"] != report["max_regions"]:
        print(f"lecture's count (D/D_i + 1)^(D_i (K-1)) sum_j C(D, j): {report['lecture_regions']}")
    if "regions" in report:
        print(f"regions of this network: {report['regions']} ({report['regions_counted']})")
        if "joints" in report:
            shown = report["joints"][:20]
            more = f" ... ({len(report['joints'])} in all)" if len(report["joints"]) > 20 else ""
            print("joints: " + (", ".join(f"{t:.12g}" for t in shown) if shown else "none") + more)
    for line in check_lines([(check["passed"], check["what"]) for check in report["checks"]]):
        print(line)
    return 1 if failed else 0
