"""Topic: backpropagation (the chain rule on a composed function, then a deep network).

    python -m derivations.topics.backprop --out DIR
"""

from __future__ import annotations

import re
import sys
from typing import Any

import sympy as sp
import torch

from derivations.checks.printed import Formulas, Printed
from derivations.checks.crosscheck import GRADIENT_TOLERANCES, autograd_reference, compare, gradient_check
from symbolic.spec.losses import get_loss
from derivations.figures.backprop import gradient_tangents_figure
from derivations.checks.records import assign_ids, tagged
from numeric.model import DeepNetworkModule
from derivations.checks.verdicts import compared, guarded
from derivations.topics.texts import backprop as text
from derivations.topics.topic import Display, TopicContext, TopicResult, align, record, topic_main
from symbolic.activations.functions import activation, activation_latex
from symbolic.backprop.backprop import adjoint_symbol, backprop
from symbolic.backprop.toy import chain_rule_example, toy_values
from symbolic.losses.sample import LOSSES
from symbolic.core.printing import latex
from symbolic.spec import ACTIVATIONS, NetworkSpec
from symbolic.spec.tolerances import EXACT_RTOL

TITLE = "Backpropagation"
SLUG = "backprop"
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("SMALL",)

#: The small network whose every assignment is printed.
SMALL = NetworkSpec((1, 2, 2, 1), "relu")



def toy_autograd(example, values) -> dict:
    """The toy's forward values and adjoints by torch autograd (float64), for the records."""
    num = {s: float(v) for s, v in values.items()}
    p = {s: torch.tensor(num[s], dtype=torch.float64, requires_grad=True) for s in example.parameters}
    b, w = [p[s] for s in example.beta], [p[s] for s in example.omega]
    f = [b[0] + w[0] * num[example.x]]
    h = [torch.sin(f[0])]
    f.append(b[1] + w[1] * h[0])
    h.append(torch.exp(f[1]))
    f.append(b[2] + w[2] * h[1])
    h.append(torch.cos(f[2]))
    f.append(b[3] + w[3] * h[2])
    for t in f + h:
        t.retain_grad()
    loss = (num[example.y] - f[3]) ** 2
    loss.backward()
    out = {example.l: (loss.item(), None)}
    out.update({s: (t.item(), t.grad.item()) for s, t in zip(example.f, f)})
    out.update({s: (t.item(), t.grad.item()) for s, t in zip(example.h[1:], h)})
    out.update({s: (p[s].item(), p[s].grad.item()) for s in example.parameters})
    return out


def _kinked() -> list[str]:
    """The activations with a kink at z = 0 (their registry entries say so)."""
    return [name for name in ACTIVATIONS if 0 in ACTIVATIONS.get(name).kink_values()]


def _kink_gradient_check() -> tuple[float, bool]:
    """The derived backward pass (scalar program and layer-wise) vs autograd on inputs whose
    pre-activations are exactly 0: ReLU'(0) = 0, leaky ReLU'(0) = 0.1, ELU'(0) = 1 and, for the
    Heaviside step, H(0) = 0 (its derivative 0) on both sides."""
    from symbolic.backprop.compile import compile_backprop, compile_layers, evaluate_backprop

    tensors = {"beta_0": [-1.0, 1.0], "omega_0": [[1.0], [2.0]], "beta_1": [0.25], "omega_1": [[1.5, -2.0]]}
    X = torch.tensor([[1.0], [-0.5], [0.3]], dtype=torch.float64)  # f_{0,1}(1) = 0, f_{0,2}(-1/2) = 0
    Y = torch.tensor([[0.5], [1.0], [-1.0]], dtype=torch.float64)
    worst, ok = 0.0, True
    for name in _kinked():
        spec = NetworkSpec((1, 2, 1), name)
        module = DeepNetworkModule(spec).load_tensors(tensors)
        if not bool((module.hidden(X)[0] == 0).any()):  # the check must really sit on a kink
            raise RuntimeError("the kink check's inputs no longer put a pre-activation at 0")
        ref = autograd_reference(module, X, Y, "least-squares")
        params = {k: v.detach() for k, v in module.named_parameters()}
        bp = backprop(spec, "least-squares")
        with torch.no_grad():
            results = [compile_layers(bp, "torch")(X, Y, params, {}),
                       evaluate_backprop(bp, compile_backprop(bp, "torch"), X, Y, params, {})]
        for result in results:
            for k, g in result.gradient.items():
                c = compare(f"dL/d{k}", g, ref["gradient"][k], GRADIENT_TOLERANCES[torch.float64])
                worst, ok = max(worst, c.max_rel), ok and c.passed
    return worst, ok


def _toy_checks(ex, values, numbers) -> list[dict]:
    """The toy's 30-digit program against torch autograd, and against sympy.diff of the composed loss."""
    auto = toy_autograd(ex, values)
    got = [float(numbers[s]) for s in auto] + [float(numbers[adjoint_symbol(s)]) for s, (_, g) in auto.items()
                                                if g is not None]
    ref = [v for v, _ in auto.values()] + [g for _, g in auto.values() if g is not None]
    c = compare("chain-rule toy: every forward value and every dl/d(intermediate, parameter) vs torch autograd",
                got, ref, GRADIENT_TOLERANCES[torch.float64])
    composed_loss = ex.composed_loss()
    worst = max(float(abs(numbers[adjoint_symbol(p)] - sp.diff(composed_loss, p).xreplace(values).evalf(30)))
                for p in ex.parameters)
    return [compared(c, method="30-digit program vs float64 autograd"),
            record("chain-rule toy: backpropagated gradient vs sympy.diff of the composed loss", "symbolic",
                   worst, worst < EXACT_RTOL, "30 digits, absolute error")]


def _program_checks(spec: NetworkSpec, problems: list, witness: float) -> list[dict]:
    """The derived backward program of ``spec`` equals its matrix form and sympy.diff of the loss."""
    return [record(f"{spec.describe()} least squares: derived backward program = matrix form, element by "
                   f"element", "symbolic", 0.0 if not problems else float("inf"), not problems,
                   "expand of each difference"),
            record(f"{spec.describe()} least squares: backprop program vs sympy.diff of the substituted loss",
                   "symbolic", witness, witness < EXACT_RTOL, "50 digits, 3 random exact points")]


def _is_gradient(c) -> bool:
    """A comparison of a derived gradient ``dL/d...`` (not an output or a loss value)."""
    return c.name.startswith("dL/d")


def _grid_check() -> list[dict]:
    """The compiled derived programs vs the torch twin for every registered activation and
    loss, as three records: the gradients vs autograd; the outputs and per-sample losses vs
    the twin's; the per-sample losses vs ``-log_prob`` of the loss's ``torch.distributions``
    object, for the losses that have one. Each names the activations and losses it covers."""
    by_pair, errors = {}, {}
    for name in ACTIVATIONS:
        for loss in LOSSES:
            D_o = get_loss(loss).smallest_D_o()
            spec = NetworkSpec((2, 4, 3, D_o), name)
            paths = ("program", "layers") if loss == LOSSES.names()[0] else ("layers",)  # the scalar path once
            try:
                by_pair[(name, loss)] = gradient_check(spec, loss, I=32, seed=1, paths=paths)
            except ValueError as exc:  # a derived program that cannot be compiled is a failed check
                errors[(name, loss)] = str(exc)
    error = {"detail": next(iter(errors.values()))} if errors else {}
    activations, losses = list(ACTIVATIONS), list(LOSSES)
    size = f"{len(activations)} activations x {len(losses)} losses, 2-4-3-D_o networks"
    method = "float64, relative error, 32 samples"

    def grid_record(title: str, kind_of, covered: list[str], **extra) -> dict:
        checks = [c for found in by_pair.values() for c in found if kind_of(c)]
        worst = max([c.max_rel for c in checks] + [float("inf")] * bool(errors), default=0.0)
        networks = len({pair for pair, found in by_pair.items() if any(kind_of(c) for c in found)} | set(errors))
        return record(title, "symbolic-vs-torch", worst, not errors and all(c.passed for c in checks), method,
                      activations=activations, losses=covered, networks=networks, **error, **extra)

    def oracle(c) -> bool:
        return "torch.distributions" in c.name

    with_oracle = [loss for loss in losses if get_loss(loss).oracle() is not None]
    return [grid_record(f"derived gradients (scalar program and layer-wise) vs torch autograd, {size}", _is_gradient,
                        losses),
            grid_record(f"compiled outputs and per-sample losses vs the torch twin, {size}",
                        lambda c: not _is_gradient(c) and not oracle(c), losses, id="grid-values"),
            grid_record(f"compiled per-sample losses vs -log_prob of torch.distributions, {len(with_oracle)} losses "
                        f"with one", oracle, with_oracle, id="grid-oracle")]


def _big_check(big: NetworkSpec) -> tuple[float, dict]:
    """The layer-wise derived gradient of a bigger network vs autograd."""
    def check() -> tuple[float, bool]:
        checks = [c for c in gradient_check(big, "least-squares", I=256, seed=2, paths=("layers",)) if _is_gradient(c)]
        return max(c.max_rel for c in checks), all(c.passed for c in checks)

    big_worst, big_ok, big_error = guarded(check)
    return big_worst, record(f"{big.describe()} least squares: layer-wise derived gradient vs torch autograd",
                             "symbolic-vs-torch", big_worst, big_ok, "float64, relative error, 256 samples", **big_error)


def _kink_check() -> tuple[float, dict]:
    """The derived gradients vs autograd with pre-activations exactly at a kink."""
    kink_worst, kink_ok, kink_error = guarded(_kink_gradient_check)
    return kink_worst, record(f"derived gradients vs torch autograd with pre-activations exactly 0 (1-2-1 networks, "
                              f"{', '.join(_kinked())}, least squares; x = 1 and x = -1/2 put f_{{0,1}} = 0 and "
                              f"f_{{0,2}} = 0)",
                              "symbolic-vs-torch", kink_worst, kink_ok, "float64, relative error, at the kinks",
                              id="gradient_at_kinks", activations=_kinked(), **kink_error)


def _toy_displays(ex, values, numbers) -> tuple[dict[str, Printed], list[dict]]:
    """The toy's forward pass, local factors and backward pass, each row ``lhs = expression =
    value`` printed from the program's assignment and its 30-digit value and read back (the
    value to its last printed digit); a factor's left side ``\\partial t/\\partial s`` reads as
    the derivative of the assignment of ``t``, proven equal to the factor. Also the given values
    and the model and loss of the prose."""
    omega_k = sp.Symbol("omega_{k}", real=True)  # a weight of the toy, any of its layers
    slash = rf"\partial{latex(ex.l)}/\partial{latex(omega_k)}"  # the book's inline dl/d(omega_k)
    formulas = Formulas(SLUG, names={text.MODEL: ex.composed(), slash: adjoint_symbol(omega_k)})
    assignment = dict(ex.forward)
    factor_names = {rf"\frac{{\partial {latex(t)}}}{{\partial {latex(s)}}}": sp.Derivative(assignment[t], s)
                    for t, s, _ in ex.factors}  # the book's dt/ds names the derivative of t's assignment
    factor_formulas = Formulas(SLUG, names=factor_names)
    forward = formulas.display([(s, e, numbers[s]) for s, e in ex.forward], "chain-rule toy: the forward pass",
                               typed=ex.forward_latex(numbers, text.number))
    factors = factor_formulas.display([(d, d, d.xreplace(numbers).evalf(30)) for _, _, d in ex.factors],
                                      "chain-rule toy: the local derivatives",
                                      typed=ex.factor_latex(numbers, text.number))
    backward = formulas.display([(s, e, numbers[s]) for s, e in ex.backward + ex.gradient_assignments],
                                "chain-rule toy: the backward pass", typed=ex.backward_latex(numbers, text.number))
    prose = {"model": formulas((ex.composed(), ex.composed()), "the model",
                               typed=f"{text.MODEL} = {latex(ex.composed())}"),
             "loss": formulas((ex.l, ex.composed_loss()), "the loss", typed=text.LOSS),
             "given": [formulas(sp.Eq(s, v), f"the given {s}") for s, v in values.items()],
             "slope": formulas(adjoint_symbol(omega_k), "a weight's derivative", typed=text.WEIGHT_DERIVATIVE)}
    return {"forward": forward, "factors": factors, "backward": backward, **prose}, \
        formulas.records + factor_formulas.records


def _program_displays(bp) -> tuple[dict[str, Printed], list[dict]]:
    """Every assignment of ``bp``'s program and its gradients, printed and read back; the
    activation's derivative ``a'[z]``, read as the derivative of the activation."""
    z = sp.Symbol("z", real=True)
    a = activation(bp.spec)
    slope_name = f"{activation_latex(bp.spec)}'[z]"
    h_0, x = text.INPUT_LAYER.split(" = ")
    formulas = Formulas(SLUG, names={slope_name: sp.Derivative(a(z), z), h_0: sp.ImmutableMatrix(bp.net.h[0]),
                                     x: sp.ImmutableMatrix(bp.net.inputs)})
    program = formulas.display(list(bp.program + bp.gradient_assignments),
                               f"{bp.spec.describe()} least squares: every assignment")
    slope = sp.diff(a(z), z)
    printed = {"program": program,
               "slope": formulas((slope, slope), "the activation's derivative", typed=f"{slope_name} = {latex(slope)}",
                                 also=[a(z)]),
               "input_layer": formulas((sp.ImmutableMatrix(bp.net.h[0]), sp.ImmutableMatrix(bp.net.inputs)),
                                       "the input as the zeroth layer", typed=text.INPUT_LAYER)}
    return printed, formulas.records


#: A row's range note in the matrix form, ``\\quad (k = 1, 2)``, possibly ending ``,\\ h_0 = x``.
_RANGE = re.compile(r" \\quad [(]k = ([^)]*?)(?:,\\ ([^)]*))?[)]$")


def _matrix_names(bp) -> tuple[dict[str, Any], dict[str, tuple[Any, Any]]]:
    """The matrix notation of ``bp``'s network as its objects (``\\mathbf{f}_{1}`` the vector of
    f_{1,i}, ``\\boldsymbol\\Omega_{1}^{T}``, ``\\partial\\ell/\\partial\\mathbf{h}_{2}`` the adjoints,
    ``a'[\\mathbf{f}_{1}]`` the activation's derivative at each f_{1,i}); and, by the printed name of
    each left side, the quantity and the program's assignments to it (what a row must equal)."""
    net, K, M = bp.net, bp.net.K, sp.ImmutableMatrix
    z = sp.Symbol("z", real=True)
    slope = sp.diff(activation(bp.spec)(z), z)
    values = {**dict(bp.program), **{adjoint_symbol(p): g for p, g in bp.gradient.items()}}

    def d(name: str) -> str:  # the adjoint's name, dl/d(name)
        return rf"\frac{{\partial {latex(bp.l)}}}{{\partial {name}}}"

    def assigned(v: sp.ImmutableMatrix) -> tuple[Any, Any]:
        return v, v.applyfunc(lambda s: values.get(s, sp.S.Zero))

    names: dict[str, Any] = {r"\mathbf{x}": M(net.inputs), r"\mathbf{y}": M(bp.targets),
                             rf"\mathrm{{loss}}\left[\mathbf{{f}}_{{{K}}}, \mathbf{{y}}\right]": bp.loss.expr}
    sides = {latex(bp.l): (bp.l, values[bp.l])}
    for k in range(K + 1):
        f, h, beta, omega = M(net.f[k]), M(net.h[k]), M(net.beta[k]), M(net.omega[k])
        shown = {rf"\mathbf{{f}}_{{{k}}}": f, rf"\mathbf{{h}}_{{{k}}}": h, rf"\boldsymbol\beta_{{{k}}}": beta,
                 rf"\boldsymbol\Omega_{{{k}}}": omega}
        names.update(shown)
        names.update({rf"\mathbf{{h}}_{{{k}}}^{{T}}": h.T, rf"\boldsymbol\Omega_{{{k}}}^{{T}}": omega.T,
                      rf"{activation_latex(bp.spec)}'\left[\mathbf{{f}}_{{{k}}}\right]":
                          f.applyfunc(lambda v: slope.xreplace({z: v}))})
        for text_k, v in shown.items():
            adjoints = v.applyfunc(adjoint_symbol) if v in (beta, omega) else v.applyfunc(bp.adjoint)
            names[d(text_k)] = adjoints
            sides[d(text_k)] = assigned(adjoints)
        sides[rf"\mathbf{{f}}_{{{k}}}"] = assigned(f)
        if k:
            sides[rf"\mathbf{{h}}_{{{k}}}"] = assigned(h)
    sides[r"\mathbf{h}_{0}"] = (M(net.h[0]), M(net.inputs))  # the input is the zeroth layer
    return names, sides


def _k_values(shown: str) -> list[int]:
    r"""The layers a range note names: ``"2, 1"`` -> [2, 1], ``"1, \ldots, 5"`` -> [1, ..., 5]."""
    values = [v.strip() for v in shown.split(",")]
    if r"\ldots" not in values:
        return [int(v) for v in values]
    first, last = int(values[0]), int(values[-1])
    step = 1 if last >= first else -1
    return list(range(first, last + step, step))


def _matrix_display(bp) -> tuple[str, dict]:
    r"""The lecture's matrix form of ``bp`` (:meth:`Backprop.matrix_latex`) as printed, and the
    record of its read-back: each equation of a row, for each k its note names (``(k = 2, 1)``),
    with k put in, read back with the network's vectors and matrices and proven equal, element by
    element, to the program's assignments to its left side; a left side the program does not
    assign, a wrong k or a slip in the formula turns the record red."""
    names, sides = _matrix_names(bp)
    lines, rows, texts = bp.matrix_latex(), [], []
    for line in lines:
        found = _RANGE.search(line)
        equations = (line[:found.start()] if found else line).split(r", \quad ")
        instances = [equations]
        if found:
            instances = [[e.replace("_{k-1}", f"_{{{k - 1}}}").replace("_{k}", f"_{{{k}}}") for e in equations]
                         for k in _k_values(found.group(1))]
            instances.append([found.group(2)] if found.group(2) else [])  # h_0 = x
        for equation in (e for instance in instances for e in instance):
            rows.append(sides.get(equation.split(" = ")[0], (sp.nan, sp.nan)))  # nan: no such left side
            texts.append(equation)
    z = sp.Symbol("z", real=True)
    formulas = Formulas(SLUG, names=names)
    read = formulas.display(rows, f"{bp.spec.describe()} least squares: the matrix form, layer by layer", typed=texts,
                            also=[activation(bp.spec)(z)])
    return align(lines), read.record


def build(ctx: TopicContext) -> TopicResult:
    # 1. The chain rule on the composed toy function, with numbers.
    ex = chain_rule_example()
    values = toy_values(ex)
    numbers = ex.evaluate(values, digits=30)
    toy_records = _toy_checks(ex, values, numbers)
    toy_printed, toy_readback = _toy_displays(ex, values, numbers)
    forward, factors, backward = (toy_printed[k].latex for k in ("forward", "factors", "backward"))
    figure = ctx.save_figure(gradient_tangents_figure(ex, values, numbers), "backprop_tangents")

    # 2. A deep network: the matrix form, and every assignment of a small one.
    bp_small = backprop(SMALL, "least-squares")
    problems = bp_small.matrix_form_check()
    witness = bp_small.diff_check(points=3)
    deep_records = _program_checks(SMALL, problems, witness)
    deep_printed, deep_readback = _program_displays(bp_small)
    matrix, matrix_read = _matrix_display(bp_small)
    deep_readback.append(matrix_read)
    n_ops = sum(sp.count_ops(e) for e in bp_small.substituted_gradient().values())
    n_program = sum(sp.count_ops(e) for _, e in bp_small.program) + sum(sp.count_ops(e) for e in bp_small.gradient.values())

    # 3. The compiled derived gradients vs autograd: every activation and loss, a bigger network, the kinks.
    grid_records = _grid_check()
    big = NetworkSpec((2, 32, 32, 32, 1), "relu")
    big_worst, big_record = _big_check(big)
    kink_worst, kink_record = _kink_check()
    records = [*toy_records, *deep_records, *grid_records, big_record, kink_record]
    matrix_records = deep_records + records[4:]
    records += toy_readback + deep_readback

    program = deep_printed["program"].latex
    assign_ids(SLUG, records)

    def shown(key: str, checks: list[dict]) -> str:  # a display tagged with its read-back and its checks
        return tagged(toy_printed[key].latex, [toy_printed[key].record, *checks])

    tex = text.chain_rule(
        title=TITLE, printed=toy_printed, forward_tex=shown("forward", toy_records),
        factors_tex=shown("factors", toy_records), backward_tex=shown("backward", toy_records),
        autograd_error=records[0]["max_error"], diff_error=records[1]["max_error"], figure=figure)
    program_records = [deep_printed["program"].record, *deep_records]
    tex += text.deep_network(
        slope=deep_printed["slope"], input_layer=deep_printed["input_layer"],
        matrix_tex=tagged(matrix, [matrix_read, *matrix_records]), matrix_passed=not problems, small=SMALL,
        program_tex=tagged(program, program_records), n_assignments=len(bp_small.program) + len(bp_small.parameters),
        n_program=n_program, n_ops=n_ops, witness=witness, grid=grid_records, kink=kink_record,
        big=big, big_worst=big_worst)
    displays = {"forward": Display(forward, [toy_printed["forward"].record, *toy_records]),
                "factors": Display(factors, [toy_printed["factors"].record, *toy_records]),
                "backward": Display(backward, [toy_printed["backward"].record, *toy_records]),
                "matrix": Display(matrix, [matrix_read, *deep_records]), "program": Display(program, program_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
