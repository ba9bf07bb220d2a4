"""``deepderive derive``: the network's equations (and, with options, its loss and gradients).

    deepderive derive --widths 1,3,1 --activation relu --format latex
"""

from __future__ import annotations

import argparse
import json

import sympy as sp

from symbolic.networks import deep_network, shallow_network
from symbolic.printing import latex

from .common import add_format_argument, add_spec_arguments, spec_from_args

HELP = "derive a network's equations (LaTeX, text or JSON)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_spec_arguments(parser)
    add_format_argument(parser, ["latex", "text", "json"], "latex")
    parser.add_argument("--loss", default=None, metavar="L",
                        help="also derive the loss from maximum likelihood, step by step, checked: "
                             "least-squares, normal, heteroscedastic-normal, bernoulli, categorical, poisson")
    parser.add_argument("--gradients", action="store_true",
                        help="also derive the backward pass: dl/dphi for every parameter (loss: --loss, "
                             "default least-squares)")


def network_json(net) -> dict:
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


def _forward_check_line(spec) -> str:
    from derivations.crosscheck import forward_check

    worst = max(c.max_rel for c in forward_check(spec, I=32))
    return (f"checked: compiled program = PyTorch twin on 32 random samples, float64, "
            f"max relative error {worst:.1e}")


def network_latex(net) -> str:
    spec = net.spec
    parts = [f"% deepderive derive --widths {','.join(map(str, spec.widths))} --activation {spec.activation}"]
    if net.matrix_form_check():
        parts.append("% checked: matrix form = scalar form, element by element (symbolic)")
    parts.append("% " + _forward_check_line(spec))
    if spec.is_shallow:
        shallow = shallow_network(spec.D_i, spec.hidden[0], spec.D_o, spec.activation)
        parts.append("% shallow network, lecture notation (theta, phi)")
        parts.append("\\begin{align*}\n" + "\\\\\n".join(_align(l) for l in shallow.equations_latex())
                     + "\n\\end{align*}")
    parts.append("% matrix notation")
    parts.append("\\begin{align*}\n" + "\\\\\n".join(_align(l) for l in net.matrix_equations_latex())
                 + "\n\\end{align*}")
    parts.append("% every unit (scalar form)")
    parts.append("\\begin{align*}\n" + "\\\\\n".join(_align(l) for l in net.scalar_equations_latex())
                 + "\n\\end{align*}")
    return "\n".join(parts)


def _align(line: str) -> str:
    left, right = line.split(" = ", 1)
    return f"{left} &= {right}"


def network_text(net) -> str:
    lines = [f"network {net.spec.describe()}: K = {net.K} hidden layers, {net.spec.n_parameters} parameters"]
    lines += [f"  {s} = {sp.sstr(e)}" for s, e in net.program]
    lines.append("  outputs: " + ", ".join(s.name for s in net.outputs))
    return "\n".join(lines)


def _backprop(args: argparse.Namespace, net):
    """The derived backward pass (``--gradients``) for the chosen loss (least-squares by default)."""
    from symbolic.backprop import backprop

    return backprop(net, getattr(args, "loss", None) or "least-squares")


def gradients_latex(bp) -> str:
    """``derive --gradients`` LaTeX: the backward pass, headed by the checks it passed."""
    from derivations.crosscheck import gradient_check

    lines = []
    problems = bp.matrix_form_check()
    lines.append("% checked: derived backward program = matrix form, element by element (symbolic)" if not problems
                 else f"% CHECK FAILED: derived backward program != matrix form: {problems[0]}")
    if bp.spec.n_parameters <= 12:
        worst = bp.diff_check(points=2)
        lines.append(f"% checked: gradient = sympy.diff of the substituted loss at 2 random points, 50 digits, "
                     f"max relative error {worst:.1e}")
    comparisons = gradient_check(bp.spec, bp.loss.name, I=32, paths=("layers",))
    worst = max(c.max_rel for c in comparisons)
    ok = all(c.passed for c in comparisons)
    lines.append(f"% {'checked' if ok else 'CHECK FAILED'}: compiled gradient = PyTorch autograd on 32 random "
                 f"samples, float64, max relative error {worst:.1e}")
    return "\n".join(lines + [bp.to_latex()])


def _loss_derivation(args: argparse.Namespace, net):
    """``--loss L``: the checked maximum-likelihood derivation of the loss and L[phi] (None without it)."""
    if getattr(args, "loss", None) is None:
        return None
    from symbolic.losses import check_loss_width
    from symbolic.recipes import derive_loss

    check_loss_width(args.loss, net.spec.D_o)
    return derive_loss(net, args.loss)


def run(args: argparse.Namespace) -> int:
    spec = spec_from_args(args)
    net = deep_network(spec)
    loss = _loss_derivation(args, net)
    if args.format == "json":
        doc = network_json(net)
        if loss is not None:
            doc.update(loss.as_json())
        if getattr(args, "gradients", False):
            doc.update(_backprop(args, net).as_json())
        print(json.dumps(doc, indent=1))
    elif args.format == "text":
        print(network_text(net))
        if loss is not None:
            print(loss.to_text())
        if getattr(args, "gradients", False):
            print(_backprop(args, net).to_text())
    else:
        print(network_latex(net))
        if loss is not None:
            print(loss.to_latex())
        if getattr(args, "gradients", False):
            print(gradients_latex(_backprop(args, net)))
    return 1 if loss is not None and not loss.passed else 0
