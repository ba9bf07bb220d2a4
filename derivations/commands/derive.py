"""``deepderive derive``: the network's equations (and, with options, its loss and gradients).

    deepderive derive --widths 1,3,1 --activation relu --format latex

Every format runs the same checks (:func:`network_checks`, and :func:`gradient_checks` with
``--gradients``): LaTeX heads each part with ``% checked: ...`` lines, text prints
``checked: ...`` lines, JSON carries ``"checks": [{"passed", "what"}, ...]``; a failed check
(``CHECK FAILED: ...``, ``"passed": false``) exits 1.

What is printed is read back: the network as each format prints it (text: ``sympy.sstr`` lines,
read by :mod:`derivations.checks.text_reader`; LaTeX: the scalar form, read by the package's LaTeX
reader; JSON: the program's ``srepr`` strings, read by the srepr reader) must say what the derived
program says, row by row, and the text format's backward pass likewise.
"""

from __future__ import annotations

from symbolic.spec.losses import LOSSES  # plain Python: the registry of losses

import argparse
import json
import re
from typing import Any, Sequence

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


def network_latex(net, checks: Sequence[Check], command: str = "", body: str | None = None) -> str:
    """The network's equations as LaTeX (``body``: :func:`network_latex_body`), headed by the checks
    behind them (:func:`network_checks`)."""
    parts = [f"% deepderive derive {command}".rstrip()] + check_lines(checks, "% ")
    return "\n".join(parts + [body if body is not None else network_latex_body(net)])


#: The scalar block of :func:`network_latex_body`, and a row's continuation line in it.
_SCALAR = re.compile(r"% every unit \(scalar form\)\n\\begin\{align\*\}\n(.*?)\n\\end\{align\*\}", re.S)
_CONTINUED = "\\\\\n&\\qquad "


def _scalar_rows(net) -> list[tuple[Any, Any]]:
    """What the scalar form states, row by row: ``(left side, object)``, each hidden unit with its
    pre-activation put in, each output as assigned (``y``, or ``y_{j}`` for several)."""
    substitute = {f: e for f, e in net.program if f not in net.outputs and f.name.startswith("f_")}
    rows = []
    for s, e in net.program:
        if s.name.startswith("h_"):
            rows.append((s, e.xreplace(substitute)))
        elif s in net.outputs:
            rows.append((s, e))
    return rows


def network_latex_check(body: str, net) -> Check:
    """The printed scalar form read back with the package's LaTeX reader: every row's left side is
    its unit (``y`` names the output), every right side is proven equal to the derived assignment."""
    from symbolic.core.latex_reader import Vocabulary, read_chain
    from symbolic.core.step_check import check_equal

    rows = _scalar_rows(net)
    names = {("y" if len(net.outputs) == 1 else f"y_{{{k}}}"): s for k, s in enumerate(net.outputs, start=1)}
    vocab = Vocabulary.of([e for _, e in rows] + [s for s, _ in rows], names=names)
    m = _SCALAR.search(body)
    printed = [] if m is None else m.group(1).replace(_CONTINUED, " ").split("\\\\\n")
    problems = [] if len(printed) == len(rows) else [f"printed {len(printed)} rows, the network has {len(rows)}"]
    for k, (text, (lhs, obj)) in enumerate(zip(printed, rows), start=1):
        try:
            segments = read_chain(text.replace("&=", "=", 1), vocab)
        except Exception as exc:  # the reader's failure is a failed check, never a crash
            problems.append(f"row {k} not read back: {exc}")
            continue
        if len(segments) != 2 or segments[0].value != lhs or segments[1].value is None or \
                not check_equal(segments[1].value, obj).passed:
            problems.append(f"row {k} {text[:60]!r} is not {lhs} = {obj}")
    return (not problems, READ_BACK + (f": {problems[0]}" if problems else ""))


def network_json_check(doc: dict, net) -> Check:
    """The printed program (``srepr`` strings) read back with the package's srepr reader and
    compared with the derived assignments, symbol for symbol."""
    from derivations.exercises.srepr_reader import read_srepr

    problems = [] if len(doc["program"]) == len(net.program) else ["the program's length differs"]
    for k, ((name, text), (s, e)) in enumerate(zip(doc["program"], net.program), start=1):
        try:
            same = name == s.name and read_srepr(text) == e
        except ValueError as exc:
            same, text = False, f"{text[:40]} ({exc})"
        if not same:
            problems.append(f"assignment {k}: {name} = {text[:60]} is not {s} = {e}")
    return (not problems, READ_BACK + (f": {problems[0]}" if problems else ""))


def network_latex_body(net) -> str:
    """The network's equations as LaTeX: the shallow (theta, phi) form for K = 1, the matrix form,
    every unit."""
    from derivations.topics.topic import align

    spec = net.spec
    parts = []
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


_NETWORK_HEAD = re.compile(r"^network ([0-9]+(?:-[0-9]+)+) (.+): K = (\d+) hidden layers, (\d+) parameters$")
#: What every format's read-back check of the network is called (the formats print one list of checks).
READ_BACK = "the printed network reads back as the derived one, row by row"
_BACKPROP_HEAD = re.compile(r"^backpropagation, loss (\S+): (\d+) forward and (\d+) backward assignments, "
                            r"(\d+) gradients$")


def network_text_check(text: str, net) -> Check:
    """The printed :func:`network_text` read back: its widths, activation, K and parameter count
    against the spec, every program line against the derived assignment
    (:func:`~derivations.checks.text_reader.check_assignments`), the outputs by name."""
    from derivations.checks.text_reader import check_assignments

    lines = text.splitlines()
    head = _NETWORK_HEAD.match(lines[0]) if lines else None
    spec = net.spec
    stated = ("-".join(map(str, spec.widths)), spec.describe().split(" ", 1)[1], str(net.K), str(spec.n_parameters))
    problems = [] if head is not None and head.groups() == stated else \
        [f"the first line reads {lines[0] if lines else ''!r}, the network is {' '.join(stated)}"]
    outputs = lines[-1].strip() if lines else ""
    if outputs != "outputs: " + ", ".join(s.name for s in net.outputs):
        problems.append(f"the last line reads {outputs!r}")
    problems += check_assignments("\n".join(lines[1:-1]), net.program)
    return (not problems, READ_BACK + (f": {problems[0]}" if problems else ""))


def backprop_text_check(text: str, bp) -> Check:
    """The printed backward pass (``bp.to_text()``) read back: its counts and every assignment and
    gradient against the derived program."""
    from derivations.checks.text_reader import check_assignments

    lines = text.splitlines()
    head = _BACKPROP_HEAD.match(lines[0]) if lines else None
    stated = (bp.loss.name, str(len(bp.forward)), str(len(bp.backward)), str(len(bp.parameters)))
    problems = [] if head is not None and head.groups() == stated else \
        [f"the first line reads {lines[0] if lines else ''!r}"]
    assignments = list(bp.program) + list(bp.gradient_assignments)
    problems += check_assignments("\n".join(lines[1:]), assignments)
    return (not problems, f"the backward pass printed above reads back as the derived one: all {len(assignments)} "
            "assignments and gradients" + (f": {problems[0]}" if problems else ""))


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
        checks.append(network_json_check(doc, net))  # the network's program, before --gradients replaces it
        if loss is not None:
            doc.update(loss.as_json())
        if bp is not None:
            doc.update(bp.as_json())
        doc["checks"] = checks_json(checks + backward)
        print(json.dumps(doc, indent=1))
    elif args.format == "text":
        shown = network_text(net)
        checks.append(network_text_check(shown, net))
        print("\n".join([shown] + check_lines(checks)))
        if loss is not None:
            print(loss.to_text())
        if bp is not None:
            shown = bp.to_text()
            backward.append(backprop_text_check(shown, bp))
            print("\n".join([shown] + check_lines(backward)))
    else:
        body = network_latex_body(net)
        checks.append(network_latex_check(body, net))
        print(network_latex(net, checks, command, body))
        if loss is not None:
            print(loss.to_latex())
        if bp is not None:
            print(gradients_latex(bp, backward))
    passed = all(ok for ok, _ in checks + backward) and (loss is None or loss.passed)
    return 0 if passed else 1
