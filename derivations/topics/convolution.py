"""Topic: convolutional networks (UDL 10.2): a 1-D convolutional layer as a banded weight
matrix, its output length and parameter count, translation equivariance, the gradient with
respect to the kernel, and the receptive field of stacked layers.

    python -m derivations.topics.convolution --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import contextlib
import itertools
import sys

import numpy as np
import sympy as sp
import torch
import torch.nn.functional as F

from derivations.checks.crosscheck import compare
from derivations.checks.printed import Formulas
from derivations.checks.records import assign_ids, tagged
from derivations.figures.convolution import convolution_figure
from derivations.topics.texts import convolution as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from symbolic.core.autodiff import Adjoint
from symbolic.core.compile import compile_program
from symbolic.core.printing import latex
from symbolic.core.step_check import check_equal
from symbolic.networks import convolution as conv
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "Convolutional networks"
SLUG = "convolution"
#: The layer the notes print: INPUTS inputs, a kernel of 3 weights, zero padding 1 (as many outputs).
INPUTS = 6
#: Stacked kernel-3 layers whose receptive field is counted: 1..STACK.
STACK = 4
#: Random inputs per comparison with PyTorch.
BATCH = 32
#: The settings the banded matrix and its output length are compared with torch on.
GRID = {"I": (7, 10), "K": (2, 3, 4), "stride": (1, 2, 3), "padding": (0, 1, 2), "dilation": (1, 2),
        "padding_mode": ("zeros", "circular")}
#: The settings the gradient program is compared with torch autograd on (I = 7, K = 3).
GRADIENT_GRID = {"stride": (1, 2), "padding": (0, 1), "dilation": (1, 2), "padding_mode": ("zeros", "circular")}
#: Parameter counts: (I, K, C_i, C_o), the printed layer first.
COUNTS = ((INPUTS, 3, 1, 1), (100, 3, 1, 1), (100, 5, 3, 16))
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("INPUTS", "STACK", "BATCH")


@contextlib.contextmanager
def _one_thread():
    """Inputs of ten numbers gain nothing from torch's threads, and on a busy machine its thread
    pool makes each conv1d a hundred times slower: one thread while comparing."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _layers(grid: dict, **fixed) -> list[conv.ConvLayer]:
    """Every setting of ``grid`` that leaves at least one output."""
    names = list(grid)
    out = []
    for values in itertools.product(*(grid[n] for n in names)):
        settings = {**dict(zip(names, values)), **fixed}
        if conv.counted_length(settings["I"], settings["K"], settings["stride"], settings["padding"],
                               settings["dilation"]) >= 1:
            out.append(conv.ConvLayer(**settings))
    return out


def _describe(layer: conv.ConvLayer) -> str:
    return (f"I={layer.I} K={layer.K} stride={layer.stride} padding={layer.padding} dilation={layer.dilation} "
            f"{layer.padding_mode}")


def torch_conv(layer: conv.ConvLayer, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """torch.nn.functional.conv1d of ``x`` (B, I) with ``weight`` (K,) and ``bias`` (1,): (B, L);
    circular padding by ``F.pad(mode="circular")`` first, as ``nn.Conv1d(padding_mode="circular")`` does."""
    x = x[:, None, :]
    padding = layer.padding
    if layer.padding_mode == "circular":
        x, padding = F.pad(x, (padding, padding), mode="circular"), 0
    return F.conv1d(x, weight.view(1, 1, -1), bias, stride=layer.stride, padding=padding,
                    dilation=layer.dilation)[:, 0, :]


def forward_checks(generator: torch.Generator) -> list[dict]:
    """For every setting of GRID: z = beta 1 + Omega x (proven) with Omega the derived Jacobian;
    that matrix at a random kernel against conv1d (float64); the output length formula, the
    explicit count and torch's output length equal."""
    layers = _layers(GRID)
    worst, proven, lengths, where = 0.0, [], [], ""
    for layer in layers:
        proven.append(layer.matrix_check().passed)
        weight = torch.randn(layer.K, dtype=torch.float64, generator=generator)
        bias = torch.randn(1, dtype=torch.float64, generator=generator)
        x = torch.randn(BATCH, layer.I, dtype=torch.float64, generator=generator)
        matrix = np.array(layer.weight_matrix().xreplace(dict(zip(layer.omega, map(sp.Float, weight.tolist())))),
                          dtype=float)  # (L, I)
        derived = bias.item() + x.numpy() @ matrix.T  # (B, L)
        reference = torch_conv(layer, x, weight, bias)
        lengths.append(conv.output_length(layer.I, layer.K, layer.stride, layer.padding, layer.dilation)
                       == layer.length == reference.shape[1] == matrix.shape[0])
        if derived.shape != tuple(reference.shape):
            worst, where = float("inf"), _describe(layer)
            continue
        c = compare(_describe(layer), derived, reference, FLOAT64_RTOL)
        if c.max_rel > worst or not np.isfinite(c.max_rel):
            worst, where = c.max_rel, _describe(layer)
    n = len(layers)
    return [record(f"z = beta 1 + Omega x with Omega = dz/dx, for each of the {n} settings", "symbolic",
                   0.0 if all(proven) else float("inf"), all(proven), "symbolic (expand), every entry",
                   id="grid.matrix", settings=n),
            record(f"the banded matrix vs torch.nn.functional.conv1d, {n} settings of stride, padding (zeros and "
                   "circular), dilation, kernel size and input length", "exact-vs-torch", worst,
                   worst <= FLOAT64_RTOL, f"float64, {BATCH} random inputs per setting, relative error",
                   id="grid.torch", settings=n, detail=f"largest at {where}"),
            record(f"output length: the formula, the positions counted one by one and torch's output, {n} settings",
                   "exact", 0.0 if all(lengths) else float("inf"), all(lengths), "exact count", id="grid.length",
                   settings=n)]


def count_checks() -> tuple[list[dict], list[tuple]]:
    """The counts C_o (C_i K + 1) and C_o L (C_i I + 1) for COUNTS against torch's numel of
    ``nn.Conv1d(C_i, C_o, K, padding=(K - 1) // 2)`` and ``nn.Linear(C_i I, C_o L)``."""
    rows, ok = [], []
    for I, K, C_i, C_o in COUNTS:
        L = conv.counted_length(I, K, padding=(K - 1) // 2)
        conv_count, dense_count = int(conv.conv_parameters(K, C_i, C_o)), int(conv.dense_parameters(I, L, C_i, C_o))
        layer = torch.nn.Conv1d(C_i, C_o, K, padding=(K - 1) // 2, device="meta")
        dense = torch.nn.Linear(C_i * I, C_o * L, device="meta")
        out_length = layer(torch.empty(1, C_i, I, device="meta")).shape[-1]
        ok.append(conv_count == sum(p.numel() for p in layer.parameters())
                  and dense_count == sum(p.numel() for p in dense.parameters()) and out_length == L)
        rows.append((I, K, C_i, C_o, L, conv_count, dense_count))
    return [record(f"parameter counts of {len(COUNTS)} layers: convolutional and fully connected vs torch's numel",
                   "exact", 0.0 if all(ok) else float("inf"), all(ok), "exact count (torch.nn.Conv1d, nn.Linear)",
                   id="counts.torch")], rows


def _rows(layer: conv.ConvLayer, t: int) -> list[int] | str:
    """The rows where the layer of the shifted input differs from the shifted output; the reason as
    text where the layer has no such comparison (another length than its input's): a failed check."""
    try:
        return conv.equivariance_rows(layer, t)
    except ValueError as exc:
        return str(exc)


def equivariance_checks(generator: torch.Generator) -> tuple[list[dict], dict]:
    """The printed layer with circular padding: z(x') = z' for every shift (proven, every entry)
    and the same in torch (torch.roll, float64); with zero padding the rows where they differ."""
    circular = conv.ConvLayer(INPUTS, padding_mode="circular")
    zeros = conv.ConvLayer(INPUTS)
    shifts = range(1, INPUTS)
    differ = {t: _rows(circular, t) for t in shifts}
    boundary = {t: _rows(zeros, t) for t in shifts}
    stated = {t: list(range(1, t + 1)) + [INPUTS] for t in shifts}  # the first t rows and the last
    weight = torch.randn(3, dtype=torch.float64, generator=generator)
    bias = torch.randn(1, dtype=torch.float64, generator=generator)
    x = torch.randn(BATCH, INPUTS, dtype=torch.float64, generator=generator)
    worst = max(compare(f"t={t}", torch_conv(circular, torch.roll(x, t, 1), weight, bias),
                        torch.roll(torch_conv(circular, x, weight, bias), t, 1), FLOAT64_RTOL).max_rel for t in shifts)
    proven = not any(differ.values())
    records = [record(f"circular padding, I = {INPUTS}: the layer of the shifted input is the shifted output, every "
                      f"shift t = 1..{INPUTS - 1}", "symbolic", 0.0 if proven else float("inf"), proven,
                      "symbolic (expand), every entry", id="equivariance.circular"),
               record(f"circular padding in torch: conv1d of torch.roll(x, t) is torch.roll of conv1d, t = 1..{INPUTS - 1}",
                      "exact-vs-torch", worst, worst <= FLOAT64_RTOL, f"float64, {BATCH} random inputs",
                      id="equivariance.torch"),
               record(f"zero padding, I = {INPUTS}: the rows that differ are the first t and the last", "symbolic",
                      0.0 if boundary == stated else float("inf"), boundary == stated,
                      "symbolic (expand), every entry", id="equivariance.zeros",
                      detail="" if boundary == stated else str(boundary))]
    return records, {"shifts": len(shifts), "boundary": boundary}


def gradient_checks(generator: torch.Generator) -> tuple[list[dict], tuple]:
    """The printed layer's backward pass (reverse mode on its program) equals the closed form
    dl/domega_k = sum_i x_tap dl/dz_i (proven) and sympy.diff of the loss written out (checked
    at random points); the compiled program equals torch autograd through conv1d on GRADIENT_GRID."""
    layer = conv.ConvLayer(INPUTS)
    program, gradient, backward = conv.gradient_program(layer)
    adjoints = [Adjoint(z, conv.LOSS) for z in layer.z]
    closed = conv.kernel_gradient(layer, adjoints)
    same = all(sp.expand(gradient[w] - closed[w]) == 0 for w in closed)
    loss = dict(program)[conv.LOSS]
    for s, e in reversed(program[:-1]):
        loss = loss.xreplace({s: e})
    errors, methods = [], []
    for w in closed:
        through = gradient[w]
        for s, e in reversed(backward):
            through = through.xreplace({s: e})
        for s, e in reversed(program[:-1]):
            through = through.xreplace({s: e})
        c = check_equal(through, sp.diff(loss, w), seed=len(errors))
        errors.append(c.max_error if c.passed else float("inf"))
        methods.append(c.method)
    worst, where = 0.0, ""
    layers = _layers(GRADIENT_GRID, I=7, K=3)
    for setting in layers:
        err = _gradient_vs_autograd(setting, generator)
        if err > worst or not np.isfinite(err):
            worst, where = err, _describe(setting)
    records = [record(f"I = {INPUTS}: reverse mode's gradient is the input met times dl/dz_i, summed", "symbolic",
                      0.0 if same else float("inf"), same, "symbolic (expand)", id="gradient.closed-form"),
               record(f"I = {INPUTS}: the program's gradient vs sympy.diff of the loss written out", "derivative",
                      max(errors), all(np.isfinite(errors)), "; ".join(sorted(set(methods))), id="gradient.diff"),
               record(f"the compiled gradient program vs torch autograd through conv1d, {len(layers)} settings of "
                      "stride, padding (zeros and circular) and dilation", "exact-vs-torch", worst,
                      worst <= FLOAT64_RTOL, f"float64, {BATCH} random samples per setting, relative error",
                      id="gradient.torch", settings=len(layers), detail=f"largest at {where}")]
    return records, (layer, closed, adjoints, backward)


def _gradient_vs_autograd(layer: conv.ConvLayer, generator: torch.Generator) -> float:
    """The largest relative error of the compiled program's gradient (omega_k and beta, summed over
    the samples) against autograd of sum_i (y_i - relu(conv1d(x))_i)^2."""
    program, gradient, backward = conv.gradient_program(layer)
    wrt = [*layer.omega, conv.beta]
    y = conv.outputs(layer.length, "y")
    compiled = compile_program([*layer.x, *y, *wrt], program + backward, [gradient[w] for w in wrt], "torch")
    x = torch.randn(BATCH, layer.I, dtype=torch.float64, generator=generator)
    targets = torch.randn(BATCH, layer.length, dtype=torch.float64, generator=generator)
    weight = torch.randn(layer.K, dtype=torch.float64, generator=generator, requires_grad=True)
    bias = torch.randn(1, dtype=torch.float64, generator=generator, requires_grad=True)
    out = torch_conv(layer, x, weight, bias)  # (B, L)
    if out.shape[1] != layer.length:  # another length than the derived layer's: no gradient to compare
        return float("inf")
    ell = ((targets - torch.relu(out)) ** 2).sum()
    ell.backward()
    reference = torch.cat([weight.grad, bias.grad])
    ones = torch.ones(BATCH, dtype=torch.float64)
    values = compiled(*x.T, *targets.T, *(v * ones for v in torch.cat([weight, bias]).detach()))
    derived = torch.stack([torch.as_tensor(v, dtype=torch.float64).expand(BATCH).sum() for v in values])
    return compare("gradient", derived, reference, FLOAT64_RTOL).max_rel


def receptive_checks() -> tuple[list[dict], list[tuple[int, int, int]]]:
    """1 + n (K - 1) against the inputs counted in the composed expression of the middle output of
    n stacked layers, and against torch: the nonzero entries of that output's gradient with respect to
    the input through n ``nn.Conv1d(1, 1, 3, padding=1)`` with positive weights."""
    rows, ok = [], []
    for n in range(1, STACK + 1):
        formula, counted = int(conv.receptive_field(n)), conv.counted_receptive_field(n)
        I = 2 * n + 3
        x = torch.zeros(1, 1, I, dtype=torch.float64, requires_grad=True)
        h = x
        for _ in range(n):
            h = F.conv1d(h, torch.ones(1, 1, 3, dtype=torch.float64), torch.ones(1, dtype=torch.float64), padding=1)
        h[0, 0, I // 2].backward()
        seen = int((x.grad != 0).sum())
        ok.append(formula == counted == seen)
        rows.append((n, formula, counted))
    return [record(f"receptive field of 1..{STACK} stacked kernel-3 layers: the formula, the inputs in the composed "
                   "expression, and the nonzero gradient entries in torch", "exact", 0.0 if all(ok) else float("inf"),
                   all(ok), "exact count", id="receptive.count")], rows


def _grid_words(grid: dict) -> str:
    """The grid in words: ``strides 1, 2, 3; ...``."""
    def listed(values) -> str:
        return ", ".join(map(str, values[:-1])) + " and " + str(values[-1]) if len(values) > 1 else str(values[0])

    return (f"strides {listed(grid['stride'])}; paddings {listed(grid['padding'])}, "
            f"{listed([m.replace('zeros', 'zero') for m in grid['padding_mode']])}; "
            f"dilations {listed(grid['dilation'])}; kernels of {listed(grid['K'])} weights; "
            f"inputs of {listed(grid['I'])}")


def _power_of_ten(value: float) -> str | None:
    """``10^{-12}`` for 1e-12 (None when ``value`` is no power of ten: printed as it is)."""
    exponent = round(np.log10(value))
    return f"10^{{{exponent}}}" if value == 10.0 ** exponent else None


def build(ctx: TopicContext) -> TopicResult:
    with _one_thread():
        return _build(ctx)


def _build(ctx: TopicContext) -> TopicResult:
    generator = torch.Generator().manual_seed(ctx.seed)
    formulas = Formulas(SLUG)
    # the layer, from the general definition to the book's form
    layer_d = conv.layer_derivation()
    layer_d.check()
    layer_records = layer_d.records()

    # the printed layer as a banded matrix
    layer = conv.ConvLayer(INPUTS)
    matrix = layer.weight_matrix()
    X, Z, ones = sp.Matrix(layer.x), sp.Matrix(layer.z), sp.ones(layer.length, 1)
    shown = formulas(sp.Eq(Z, conv.beta * ones + matrix * X), "the banded matrix",
                     typed=f"{latex(Z)} = {latex(conv.beta * ones)} + {latex(matrix)} {latex(X)}")
    check = layer.matrix_check(matrix)
    matrix_records = [shown.record, record(f"I = {INPUTS}: z = beta 1 + Omega x, Omega = dz/dx", "symbolic",
                                           check.max_error, check.passed, check.method, id="matrix.proof")]
    forward = forward_checks(generator)
    length = formulas(sp.Eq(conv.L_, conv.LENGTH), "the output length")
    length_records = [length.record, forward[2]]

    # parameters
    I, K, C_i, C_o = conv.COUNT_SYMBOLS
    N_conv, N_dense = sp.Symbol("N_c", integer=True), sp.Symbol("N_f", integer=True)
    counts_shown = formulas.display([sp.Eq(N_conv, conv.conv_parameters(K, C_i, C_o)),
                                     sp.Eq(N_dense, conv.dense_parameters(I, conv.L_, C_i, C_o))], "the counts",
                                    notes=[r"\qquad\text{(convolutional)}", r"\qquad\text{(fully connected)}"])
    count_records, count_rows = count_checks()
    counts_records = [counts_shown.record, *count_records]

    # equivariance
    equi_d = conv.equivariance_derivation()
    equi_d.check()
    equi_records = equi_d.records()
    finite_records, finite = equivariance_checks(generator)

    # the gradient
    grad_records, (layer, closed, adjoints, backward) = gradient_checks(generator)
    h_1, z_1 = sp.Symbol("h_1", real=True), layer.z[0]
    rows = [sp.Eq(s, e) for s, e in backward if s.wrt in (h_1, z_1)]
    rows += [sp.Eq(Adjoint(w, conv.LOSS), closed[w]) for w in (*layer.omega, conv.beta)]
    gradient_shown = formulas.display(rows, "the backward pass")
    gradient_records = [gradient_shown.record, *grad_records]

    # the receptive field
    n = sp.Symbol("n", integer=True, positive=True)
    r_n = sp.Symbol("r_n", integer=True, positive=True)
    receptive = formulas(sp.Eq(r_n, conv.receptive_field(n)), "the receptive field")
    receptive_records, receptive_rows = receptive_checks()
    receptive_records = [receptive.record, *receptive_records]

    labels = [[latex(e) for e in matrix.row(r)] for r in range(matrix.rows)]
    figure = ctx.save_figure(convolution_figure(labels, [conv.receptive_inputs(m) for m in range(1, STACK + 1)]),
                             "convolution_layer")
    program = conv.gradient_program(layer)[0]
    words = {"loss": str(formulas(sp.Eq(conv.LOSS, dict(program)[conv.LOSS]), "the loss")),
             "tolerance": str(formulas(sp.Float(FLOAT64_RTOL), "the tolerance", typed=_power_of_ten(FLOAT64_RTOL))),
             "kernel": str(formulas(sp.ImmutableMatrix([layer.omega]), "the kernel")),
             "equivariant": str(formulas(sp.Eq(conv.z_shifted[conv.i], conv.z_[conv.i - conv.t]), "equivariance"))}
    records = (layer_records + matrix_records + forward[:2] + length_records + counts_records + equi_records
               + finite_records + gradient_records + receptive_records
               + [r for r in formulas.records if r not in matrix_records + length_records + counts_records
                  + gradient_records + receptive_records])
    assign_ids(SLUG, records)
    tex = text.section(
        title=TITLE, layer_tex=tagged(layer_d.to_latex(), layer_records), matrix_tex=tagged(
            "\\[\n" + shown.latex + "\n\\]", matrix_records),
        length_tex=tagged("\\[\n" + length.latex + "\n\\]", length_records),
        counts_tex=tagged(counts_shown.latex, counts_records), equivariance_tex=tagged(equi_d.to_latex(), equi_records),
        gradient_tex=tagged(gradient_shown.latex, gradient_records),
        receptive_tex=tagged("\\[\n" + receptive.latex + "\n\\]", receptive_records),
        inputs=INPUTS, settings=forward[1]["settings"], batch=BATCH, count_rows=count_rows,
        shifts=finite["shifts"], gradient_settings=grad_records[2]["settings"], receptive_rows=receptive_rows,
        diff_words="which is in turn proven equal to" if grad_records[1]["method"] == "symbolic"
        else "which agrees, checked at random points, with",
        grid=_grid_words(GRID), figure=figure, **words)
    displays = {"layer": Display(layer_d.to_latex(), layer_records, layer_d),
                "matrix": Display("\\[\n" + shown.latex + "\n\\]", matrix_records),
                "length": Display("\\[\n" + length.latex + "\n\\]", length_records),
                "counts": Display(counts_shown.latex, counts_records),
                "equivariance": Display(equi_d.to_latex(), equi_records, equi_d),
                "gradient": Display(gradient_shown.latex, gradient_records),
                "receptive": Display("\\[\n" + receptive.latex + "\n\\]", receptive_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


if __name__ == "__main__":
    sys.exit(topic_main(build))
