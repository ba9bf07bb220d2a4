"""``deepderive derive``: the network's equations (and, with options, its loss and gradients).

    deepderive derive --widths 1,3,1 --activation relu --format latex

Every format runs the same checks (:func:`network_checks`, and :func:`gradient_checks` with
``--gradients``): LaTeX heads each part with ``% checked: ...`` lines, text prints
``checked: ...`` lines, JSON carries ``"checks": [{"passed", "what"}, ...]``; a failed check
(``CHECK FAILED: ...``, ``"passed": false``) exits 1.
"""

from __future__ import annotations

from symbolic.spec.losses import LOSSES  # plain Python: the registry of losses

import argparse
import json
from typing import Sequence

from derivations.commands.common import add_format_argument, add_spec_arguments, internal_check, spec_from_args


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser)
    add_format_argument(parser, ["latex", "text", "json"], "latex")
    parser.add_argument("--loss", default=None, metavar="L",
                        help="also derive the loss from maximum likelihood, step by step, checked: "
                             + ", ".join(LOSSES) + " (or one registered by --plugin)")
    parser.add_argument("--gradients", action="store_true",
                        help="also derive the backward pass: dl/dphi for every parameter (loss: --loss, "
                             "default least-squares)")


def network_json(net) -> dict:
    import sympy as sp

    return {
        "inputs": [s.name for s in net.inputs],
        "parameters": [{"name": p.name, "tensor": p.tensor, "layer": p.layer, "index": list(p.index)}
                       for p in net.parameters],
        "outputs": [s.name for s in net.outputs],
        "targets": [],
        "program": [[s.name, sp.srepr(e)] for s, e in net.program],
        "loss": None,
        "gradient": {},
    }


#: A check: whether it passed, and what it established (one line).
Check = tuple[bool, str]


def check_lines(checks: Sequence[Check], prefix: str = "") -> list[str]:
    """One line per check, ``checked: what`` or ``CHECK FAILED: what`` (``prefix`` ``"% "`` in LaTeX)."""
    return [f"{prefix}{'checked' if ok else 'CHECK FAILED'}: {what}" for ok, what in checks]


def checks_json(checks: Sequence[Check]) -> list[dict]:
    """The checks as JSON: ``[{"passed": bool, "what": str}, ...]``."""
    return [{"passed": bool(ok), "what": what} for ok, what in checks]


def _shallow_form(spec):
    """The shallow network in the lecture's (theta, phi) notation that ``derive`` prints."""
    from symbolic.networks.network import shallow_network

    return shallow_network(spec.D_i, spec.hidden[0], spec.D_o, spec.activation)


def network_checks(net) -> list[Check]:
    """The checks behind the network's equations: matrix form = scalar form, the compiled program
    = the program evaluated exactly, and for K = 1 the shallow (theta, phi) form = the deep form."""
    from derivations.checks.exact import DIGITS, forward_exact_check
    from symbolic.networks.identities import shallow_is_deep

    spec = net.spec
    checks = [(net.matrix_form_check(), "matrix form = scalar form, element by element (symbolic)")]
    forward = forward_exact_check(net, points=8)
    checks.append((forward.passed, f"compiled program (numpy, float64) = the program evaluated to {DIGITS} digits at "
                   f"8 random samples, max relative error {forward.max_rel:.1e}"))
    if spec.is_shallow:
        identity = shallow_is_deep(spec.D_i, spec.hidden[0], spec.D_o, spec.activation)
        checks.append((identity.check().passed, "shallow (theta, phi) form = deep form with K = 1 under the renaming "
                       "theta -> beta_0, Omega_0; phi -> beta_1, Omega_1 (symbolic)"))
        proven = [s.rhs for s in identity.steps if s.lhs is not None]  # each output's shallow form opens its chain
        printed = list(_shallow_form(spec).substituted_outputs())
        checks.append((printed == proven, "the shallow form printed below is the one the identity proves "
                                          "(its outputs, symbol for symbol)"))
    return checks


def network_latex(net, checks: Sequence[Check], command: str = "") -> str:
    """The network's equations as LaTeX, headed by the checks behind them (:func:`network_checks`)."""
    from derivations.topics.topic import align

    spec = net.spec
    parts = [f"% deepderive derive {command}".rstrip()] + check_lines(checks, "% ")
    if spec.is_shallow:
        shallow = _shallow_form(spec)
        parts.append("% shallow network, lecture notation (theta, phi)")
        parts.append(align(shallow.equations_latex()))
    parts.append("% matrix notation")
    parts.append(align(net.matrix_equations_latex()))
    parts.append("% every unit (scalar form)")
    parts.append(align(net.scalar_equations_latex()))
    return "\n".join(parts)


def network_text(net) -> str:
    import sympy as sp

    lines = [f"network {net.spec.describe()}: K = {net.K} hidden layers, {net.spec.n_parameters} parameters"]
    lines += [f"  {s} = {sp.sstr(e)}" for s, e in net.program]
    lines.append("  outputs: " + ", ".join(s.name for s in net.outputs))
    return "\n".join(lines)


def _backprop(args: argparse.Namespace, net):
    """The derived backward pass (``--gradients``) for the chosen loss (least-squares by default)."""
    from symbolic.backprop.backprop import backprop

    return backprop(net, getattr(args, "loss", None) or "least-squares")


def gradient_checks(bp) -> list[Check]:
    """The checks behind ``derive --gradients``: the backward program = its matrix form, = sympy.diff
    (small networks), = central differences, and its compiled form = the exact evaluation."""
    from derivations.checks.exact import DIGITS, gradient_exact_checks
    from symbolic.spec.tolerances import EXACT_RTOL

    problems = bp.matrix_form_check()
    checks = [(not problems, "derived backward program = matrix form, element by element (symbolic)"
               + ("" if not problems else f": {problems[0]}"))]
    if bp.spec.n_parameters <= 12:
        worst = bp.diff_check(points=2)
        checks.append((worst <= EXACT_RTOL, "gradient = sympy.diff of the substituted loss at 2 random points, "
                       f"50 digits, max relative error {worst:.1e}"))
    compiled, differences, n = gradient_exact_checks(bp, points=4)
    every = "every parameter" if n == bp.spec.n_parameters else f"{n} random parameters of {bp.spec.n_parameters}"
    checks.append((differences.passed, f"gradient of L = sum of 4 random samples = central differences of L "
                   f"(step 1e-20, {DIGITS} digits) for {every}, max relative error {differences.max_rel:.1e}"))
    checks.append((compiled.passed, f"compiled gradient (numpy, layer-wise, float64) = the derived gradient "
                   f"evaluated to {DIGITS} digits, max relative error {compiled.max_rel:.1e}"))
    return checks


def gradients_latex(bp, checks: Sequence[Check]) -> str:
    """``derive --gradients`` LaTeX: the backward pass, headed by its checks (:func:`gradient_checks`)."""
    lines = check_lines(checks, "% ")
    lines.append(f"% PyTorch autograd cross-check: deepderive verify --widths {','.join(map(str, bp.spec.widths))} "
                 f"--activation {bp.spec.activation} --loss {bp.loss.name}")
    return "\n".join(lines + [bp.to_latex()])


def _loss_derivation(args: argparse.Namespace, net):
    """``--loss L``: the checked maximum-likelihood derivation of the loss and L[phi] (None without it)."""
    if getattr(args, "loss", None) is None:
        return None
    from symbolic.losses.recipes import derive_loss

    return derive_loss(net, args.loss)


def _validate(args: argparse.Namespace):
    """Everything the user gave, checked before any derivation: a ``ValueError`` here is bad input."""
    spec = spec_from_args(args, symbolic=True)
    if getattr(args, "loss", None) is not None:
        from symbolic.losses.sample import check_loss_width
        from symbolic.losses.recipes import check_derivable

        check_loss_width(args.loss, spec.D_o)
        check_derivable(args.loss, spec.D_o)  # sizes the recipe engine cannot do in seconds
    return spec


def run(args: argparse.Namespace) -> int:
    spec = _validate(args)
    command = f"--widths {','.join(map(str, spec.widths))} --activation {spec.activation}"
    command += f" --loss {args.loss}" if getattr(args, "loss", None) else ""
    command += " --gradients" if getattr(args, "gradients", False) else ""
    with internal_check(f"derive {command}"):  # from here on, a failure is ours, not the input's
        return _derive(args, spec, command)


def _derive(args: argparse.Namespace, spec, command: str) -> int:
    from symbolic.networks.network import deep_network

    net = deep_network(spec)
    loss = _loss_derivation(args, net)
    checks = network_checks(net)
    bp = _backprop(args, net) if getattr(args, "gradients", False) else None
    backward = [] if bp is None else gradient_checks(bp)
    if args.format == "json":
        doc = network_json(net)
        if loss is not None:
            doc.update(loss.as_json())
        if bp is not None:
            doc.update(bp.as_json())
        doc["checks"] = checks_json(checks + backward)
        print(json.dumps(doc, indent=1))
    elif args.format == "text":
        print("\n".join([network_text(net)] + check_lines(checks)))
        if loss is not None:
            print(loss.to_text())
        if bp is not None:
            print("\n".join([bp.to_text()] + check_lines(backward)))
    else:
        print(network_latex(net, checks, command))
        if loss is not None:
            print(loss.to_latex())
        if bp is not None:
            print(gradients_latex(bp, backward))
    passed = all(ok for ok, _ in checks + backward) and (loss is None or loss.passed)
    return 0 if passed else 1
