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
import re

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


#: The check that the text printed reads back as the report (``regions --format text``).
READ_BACK = "every number printed above reads back as the report's"
_LINES = {
    "head": re.compile(r"^widths ([0-9,]+) \((.+)\): (\d+) parameters$"),
    "max": re.compile(r"^max regions: (\d+) \((exact maximum|upper bound)\)$"),
    "lecture": re.compile(r"^lecture's count \(Prince's eq\. 4\.17\): (\d+)$"),
    "regions": re.compile(r"^regions of this network: (\d+) \((.+)\)$"),
    "joints": re.compile(r"^joints: (.+?)(?: \.\.\. \((\d+) in all\))?$"),
}
JOINTS_SHOWN = 20


def text_lines(report: dict) -> list[str]:
    """The text format's lines (the checks follow them), every number from the report."""
    lines = [f"widths {','.join(map(str, report['widths']))} ({report['activation']}): {report['parameters']} parameters",
             f"max regions: {report['max_regions']} ({report['max_regions_is']})"]
    if report["lecture_regions"] is not None and report["lecture_regions"] != report["max_regions"]:
        lines.append(f"lecture's count (Prince's eq. 4.17): {report['lecture_regions']}")
    if "regions" in report:
        lines.append(f"regions of this network: {report['regions']} ({report['regions_counted']})")
        if "joints" in report:
            shown = report["joints"][:JOINTS_SHOWN]
            more = f" ... ({len(report['joints'])} in all)" if len(report["joints"]) > JOINTS_SHOWN else ""
            lines.append("joints: " + (", ".join(f"{t:.12g}" for t in shown) if shown else "none") + more)
    return lines


def _joints_problem(text: str, more: str | None, joints: list[float]) -> str:
    """A printed list of joints (12 significant digits) against the report's ('' if they agree)."""
    printed = [] if text == "none" else [float(t) for t in text.split(", ")]
    if len(printed) != min(len(joints), JOINTS_SHOWN) or (more is not None and int(more) != len(joints)) or \
            (more is None and len(joints) > JOINTS_SHOWN):
        return f"printed {len(printed)} joints of {len(joints)}"
    for p, t in zip(printed, joints):
        if abs(p - t) > 5e-12 * max(abs(t), 1e-300):
            return f"printed the joint {p!r}, the report's is {t!r}"
    return ""


def read_text(lines: list[str], report: dict) -> list[str]:
    """The problems of the printed ``lines`` against ``report`` (empty: every number and word
    printed is the report's): each line read by its pattern, never by position alone."""
    found: dict[str, re.Match] = {}
    for line in lines:
        key = next((k for k, pattern in _LINES.items() if pattern.match(line)), None)
        if key is None or key in found:
            return [f"an unexpected line {line[:60]!r}"]
        found[key] = _LINES[key].match(line)
    problems = []
    head, top = found.get("head"), found.get("max")
    if head is None or top is None:
        return ["the widths or the maximum are not printed"]
    if (head.group(1), head.group(2), int(head.group(3))) != (",".join(map(str, report["widths"])), report["activation"],
                                                              report["parameters"]):
        problems.append(f"the first line reads {head.group(0)!r}")
    if (int(top.group(1)), top.group(2)) != (report["max_regions"], report["max_regions_is"]):
        problems.append(f"the maximum reads {top.group(0)!r}")
    lecture = found.get("lecture")
    expected = report["lecture_regions"] if report["lecture_regions"] != report["max_regions"] else None
    if (int(lecture.group(1)) if lecture else None) != expected:
        problems.append(f"the lecture's count reads {lecture.group(0) if lecture else 'nothing'!r}, the report's is "
                        f"{report['lecture_regions']}")
    counted = found.get("regions")
    if (int(counted.group(1)) if counted else None) != report.get("regions") or \
            (counted is not None and counted.group(2) != report["regions_counted"]):
        problems.append(f"the network's regions read {counted.group(0) if counted else 'nothing'!r}")
    joints = found.get("joints")
    if (joints is not None) != ("joints" in report):
        problems.append("the joints are printed without being counted, or counted without being printed")
    elif joints is not None:
        problem = _joints_problem(joints.group(1), joints.group(2), report["joints"])
        problems += [problem] if problem else []
    return problems


def run(args: argparse.Namespace) -> int:
    report = regions_report(args)
    failed = not all(check["passed"] for check in report["checks"])
    if args.format == "json":
        print(json.dumps(report))
        return 1 if failed else 0
    lines = text_lines(report)
    problems = read_text(lines, report)
    checks = [(check["passed"], check["what"]) for check in report["checks"]]
    checks.append((not problems, READ_BACK + (f": {problems[0]}" if problems else "")))
    for line in lines + check_lines(checks):
        print(line)
    return 1 if failed or problems else 0
