"""Topic: activation functions and their exact derivatives.

    python -m derivations.topics.activations --out DIR
"""

from __future__ import annotations

import sys

import numpy as np
import sympy as sp
import torch

from derivations.figures.networks import activation_figure
from derivations.checks.printed import Formulas
from derivations.checks.records import assign_ids, tagged
from derivations.topics.texts import activations as text, fill
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from numeric.activations import torch_activation
from symbolic.activations.functions import Activation, activation
from symbolic.core.compile import compile_program
from symbolic.activations.custom import make_activation, switch_kind
from symbolic.core.derivation import check_equal
from symbolic.core.printing import latex
from symbolic.spec import ACTIVATIONS, NetworkSpec
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "Activation functions"
SLUG = "activations"
#: Where each derivative is compared with torch autograd (away from the kinks at z = 0).
POINTS = (-3.1, -1.7, -0.6, -0.05, 0.05, 0.4, 1.3, 2.9)
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("POINTS",)
#: Where the activations switch (ReLU's kink, the step's jump): every check "at z = 0" is at this point.
KINK = 0
#: The lecture's form of ReLU's definition (the printer writes its cases); read back like every formula.
RELU_BOOK = r"\mathrm{ReLU}\left[z\right] = \max\left(0, z\right)"


def _definition(expr: sp.Expr) -> sp.Expr:
    """An activation's definition in stock SymPy (the identity stays z; tanh in exponentials)."""
    if not isinstance(expr, Activation):
        return expr
    definition = type(expr).definition(*expr.args)
    return definition.rewrite(sp.exp) if isinstance(definition, sp.tanh) else definition


#: The notes' example of a lecturer's own activation (as ``examples/my_losses.py`` registers it).
OWN_EXAMPLE = 'register_activation("softsign", z / (1 + sp.Abs(z)))'


def _own_activation() -> tuple[str, list[dict], str]:
    """"Write your own activation": softsign from one expression, its derivative derived by
    SymPy and checked against PyTorch's own ``softsign`` (an independent implementation).
    Returns the section's LaTeX, its records and its display."""
    z = sp.Symbol("z", real=True)
    entry = make_activation("softsign", z / (1 + sp.Abs(z)))  # the entry, not registered
    a = entry.sympy_function()(z)
    slope = sp.diff(a, z)
    tidy = 1 / (1 + sp.Abs(z)) ** 2
    c = check_equal(slope, tidy, {z: _nonzero_hundredths}, points=8, symbolic=False)
    records = [record("softsign (own): SymPy's derivative equals 1/(1 + |z|)^2", "derivative", c.max_error, c.passed,
                      c.method, id="own_softsign.derivative")]
    zt = torch.tensor(POINTS + (0.0,), dtype=torch.float64, requires_grad=True)
    grad = torch.autograd.grad(torch.nn.functional.softsign(zt).sum(), zt)[0]
    ours = compile_program([z], [], [slope + 0 * z], "torch")(zt.detach())[0]
    err = float((ours - grad).abs().max() / max(1.0, float(grad.abs().max())))
    records.append(record(f"softsign (own): compiled a'[z] vs autograd of torch.nn.functional.softsign "
                          f"({len(POINTS)} points and z = 0)", "symbolic-vs-torch", err, err <= FLOAT64_RTOL,
                          "float64, relative error", id="own_softsign.torch"))
    switch = None
    if not entry.kinks:  # where |z| switches: what the text says happens there is recorded
        switch = switch_kind(entry.sympy_class().definition(z), z, KINK)
        records.append(dict(_switch("softsign (own)", entry.sympy_class().definition(z), z,
                                    torch.nn.functional.softsign)[1],
                            id="own_softsign.switch"))
    # the display: the very a, definition, derivative and tidy form checked above, read back
    formulas = Formulas(SLUG)
    definition = entry.sympy_class().definition(z)
    printed = formulas.display([(a, definition), (sp.Derivative(a, z), slope, tidy)],
                               "softsign (own): definition and derivative",
                               typed=text.own_forms(a, definition, slope, tidy), notes=[",", ""])
    kink = formulas(sp.Eq(z, KINK), "where softsign's |z| switches")
    records += [dict(formulas.records[0], id="own_softsign.readback"),
                dict(formulas.records[1], id="own_softsign.switch_point")]
    assign_ids(SLUG, records)  # before tagging, so that the tags carry the final ids
    display = printed.latex
    tex = text.own_section(example=OWN_EXAMPLE, kinks=entry.kinks, switch=switch, regions_ready=entry.regions_ready,
                           points=len(POINTS), display_tex=tagged(display, records), kink=str(kink))
    return tex, records, display


def _nonzero_hundredths(rng) -> sp.Rational:
    """A random point of [-3, 3] in steps of 1/100, never 0 (the kink)."""
    return sp.Rational(rng.choice([v for v in range(-300, 301) if v]), 100)


def _definition_check(name: str, z: sp.Symbol, expr: sp.Expr, slope: sp.Expr) -> dict:
    """The class's derivative equals the derivative of its stock-SymPy definition."""
    c = check_equal(slope, sp.diff(_definition(expr), z), {z: _nonzero_hundredths}, points=8, symbolic=False)
    return record(f"{name}: a'[z] equals d/dz of the definition", "derivative", c.max_error, c.passed, c.method)


def _shown_check(name: str, z: sp.Symbol, slope: sp.Expr) -> list[dict]:
    """The derivative as the table prints it (its cases: :func:`~derivations.topics.texts.activations.shown_slope`)
    equals the class's derivative: one record where the two differ, none where they do not."""
    shown = text.shown_slope(slope)
    if shown == slope:
        return []
    c = check_equal(shown, slope, {z: _nonzero_hundredths}, points=8)
    return [record(f"{name}: a'[z] printed as cases, proven equal to SymPy's {sp.sstr(slope)}", "book-form",
                   c.max_error, c.passed, c.method, id=f"{name}.printed")]


def _autograd_check(name: str, z: sp.Symbol, slope: sp.Expr) -> dict:
    """The compiled derivative equals torch autograd of the twin's activation, away from the kinks."""
    entry = ACTIVATIONS.get(name)
    points = torch.tensor([p for p in POINTS if all(abs(p - t) > 1e-3 for t in entry.kink_values())],
                          dtype=torch.float64)
    zt = points.clone().requires_grad_(True)
    value = torch_activation(NetworkSpec((1, 1), name))(zt)
    # a step function is a constant to autograd (no graph): its gradient is 0
    grad = torch.autograd.grad(value.sum(), zt)[0] if value.requires_grad else torch.zeros_like(points)
    ours = torch.as_tensor(compile_program([z], [], [slope + 0 * z], "torch")(points)[0], dtype=torch.float64)
    ours = ours.expand_as(points)
    err = float((ours - grad).abs().max() / max(1.0, float(grad.abs().max())))
    return record(f"{name}: compiled a'[z] vs torch autograd ({len(points)} points)", "symbolic-vs-torch", err,
                  err <= FLOAT64_RTOL, "float64, relative error")


def _kink_check(name: str, z: sp.Symbol, expr: sp.Expr, slope: sp.Expr) -> dict:
    """At z = 0 itself (ReLU'(0) = 0 as torch; leaky ReLU'(0) = 0.1; H'(0) = 0): the exact and
    compiled (torch, numpy) a'[0] and a[0] against torch autograd."""
    kink = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    value = torch_activation(NetworkSpec((1, 1), name))(kink)
    grad0 = torch.autograd.grad(value.sum(), kink)[0] if value.requires_grad else torch.zeros(3, dtype=torch.float64)
    ours0 = torch.as_tensor(compile_program([z], [], [slope + 0 * z], "torch")(kink.detach())[0],
                            dtype=torch.float64).expand(3)
    numpy0 = np.broadcast_to(np.asarray(compile_program([z], [], [slope + 0 * z], "numpy")(np.zeros(3))[0],
                                        dtype=np.float64), (3,))
    values0 = [np.broadcast_to(np.asarray(compile_program([z], [], [expr + 0 * z], backend)(zero)[0], dtype=np.float64),
                               (3,)) for backend, zero in (("torch", kink.detach()), ("numpy", np.zeros(3)))]
    exact0 = slope.subs(z, KINK)
    err0 = max(float((ours0 - grad0).abs().max()), abs(float(exact0) - float(grad0[0])),
               float(np.abs(numpy0 - grad0.numpy()).max()),
               abs(float(_definition(expr).subs(z, KINK)) - float(value.detach()[0])),  # and a[0] itself,
               *(float(np.abs(v - value.detach().numpy()).max()) for v in values0))  # exact and compiled
    kind = switch_kind(_definition(expr), z, KINK)[0] if KINK in ACTIVATIONS.get(name).kink_values() else None
    where = {"kink": "its kink ", "step": "its step ", "smooth": "its smooth switch "}.get(kind, "")
    return record(f"{name}: a'[z] at {where}z = 0 exactly, exact ({float(exact0):g}) and compiled (torch and "
                  f"numpy), vs torch "
                  f"autograd ({float(grad0[0]):g}); a[0] too", "symbolic-vs-torch", err0, err0 <= FLOAT64_RTOL,
                  "float64, at z = 0 exactly", id=f"{name}.kink")


def _switch(name: str, definition: sp.Expr, z: sp.Symbol, twin) -> tuple[str, dict]:
    """What a[z] does at z = 0, where it switches (a kink, a step, a smooth switch), as the
    notes say it, with the record behind the words: SymPy's one-sided slopes (40 digits,
    1e-30 from 0) and, as an independent witness, the torch twin's autograd slopes at -+1e-9
    (float64): they must agree with each other exactly when the words say "no kink"."""
    kind, left, right = switch_kind(definition, z, KINK)
    zt = torch.tensor([-1e-9, 1e-9], dtype=torch.float64, requires_grad=True)
    value = twin(zt)
    t_left, t_right = torch.autograd.grad(value.sum(), zt)[0].tolist() if value.requires_grad else (0.0, 0.0)
    twin_smooth = abs(t_left - t_right) <= 1e-6 * max(1.0, abs(t_left))
    words = {"kink": "a kink (the one-sided slopes differ)", "step": "a step (its value jumps)",
             "smooth": "no kink (equal one-sided slopes)"}[kind]
    passed = twin_smooth == (kind == "smooth") if kind != "step" else True
    return kind, record(f"{name}: at z = 0 {words}: slopes {float(left):g} left, {float(right):g} right "
                        f"(torch autograd at -+1e-9: {t_left:g}, {t_right:g})", "switch", abs(t_left - t_right)
                        if kind == "smooth" else 0.0, passed, "40 digits, one-sided at 1e-30 from z = 0; float64 "
                        "autograd at -+1e-9", id=f"{name.split()[0]}.switch")


def build(ctx: TopicContext) -> TopicResult:
    # Every registered activation, its derivative by SymPy, checked three times.
    z = sp.Symbol("z", real=True)
    records, rows, checks_of, switches, shown = [], [], {}, {}, {}
    # each activation's definition and derivative, printed from the objects checked and read back
    # (the identity's a[z] names z itself)
    formulas = Formulas(SLUG, names={r"\mathrm{a}\left[z\right]": z})
    for name in ACTIVATIONS:
        expr = activation(name)(z)
        slope = sp.diff(expr, z)
        shown[name] = formulas.display([(expr, _definition(expr)), (sp.Derivative(expr, z), text.shown_slope(slope))],
                                       f"{name}: definition and derivative",
                                       typed=text.pair_forms(expr, _definition(expr), slope))
        if KINK in ACTIVATIONS.get(name).kink_values():  # what happens where it switches, from its definition
            switches[name], switch_record = _switch(name, _definition(expr), z,
                                                    torch_activation(NetworkSpec((1, 1), name)))
            records.append(switch_record)
        rows.append((name, *text.display_rows(shown[name].latex)))
        checks_of[name] = [_definition_check(name, z, expr, slope), *_shown_check(name, z, slope),
                           _autograd_check(name, z, slope), _kink_check(name, z, expr, slope),
                           dict(shown[name].record, id=f"{name}.readback")]
        records += checks_of[name]
    table_records = list(records)
    figure = ctx.save_figure(activation_figure(list(ACTIVATIONS), activation), "activations")
    table = text.table_display(rows)
    # the prose's formulas: ReLU and its derivative, the step, where they switch (KINK)
    relu, step = activation("relu")(z), activation("heaviside")(z)
    prose = Formulas(SLUG, names={text.ZERO_ONE_NAME: step.subs(z, KINK)})
    printed = {"relu": prose((relu, _definition(relu)), "ReLU as the lecture writes it", typed=RELU_BOOK),
               "relu_slope": prose(sp.diff(relu, z), "ReLU's derivative"),
               "kink": prose(sp.Eq(z, KINK), "where the activations switch"),
               "step": prose(step, "the Heaviside step"),
               "step_at_kink": prose((step.subs(z, KINK), _definition(step).subs(z, KINK)),
                                     "the step's value where it switches",
                                     typed=fill("@H = @value", H=text.ZERO_ONE_NAME,
                                                value=latex(_definition(step).subs(z, KINK))))}
    records += prose.records
    assign_ids(SLUG, records)

    # A lecturer's own activation travels the same road.
    own_tex, own_records, own_display = _own_activation()
    records += own_records
    # the table's tag names the prose's read-back formulas too: they are the sentences just before it
    tex = text.section(title=TITLE, table_tex=tagged(table, table_records + prose.records), figure=figure,
                       own_tex=own_tex, switches=switches, printed={k: str(v) for k, v in printed.items()})
    displays = {"all": Display(table, table_records), "own": Display(own_display, own_records)}
    for name in ACTIVATIONS:  # one activation: its definition and its derivative, as read back
        displays[name] = Display(shown[name].latex, checks_of[name])
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
