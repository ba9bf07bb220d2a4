"""Topic: self-attention (UDL 12.2-12.3): one head of dot-product self-attention derived from the
book's per-token definitions, its matrix form, checked against PyTorch's scaled dot-product
attention and ``nn.MultiheadAttention``; permutation equivariance, the parameter count, the
softmax's Jacobian and the gradient with respect to the query, key and value weights.

    python -m derivations.topics.attention --out DIR [--device auto|cpu|cuda]
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import sympy as sp
import torch
import torch.nn.functional as F

from derivations.checks.crosscheck import compare
from derivations.checks.printed import Formulas
from derivations.checks.records import assign_ids, tagged
from derivations.figures.attention import attention_figure
from derivations.topics.texts import attention as text
from derivations.topics.topic import Display, TopicContext, TopicResult, record, topic_main
from symbolic.core.autodiff import Adjoint
from symbolic.core.compile import compile_program
from symbolic.core.printing import latex
from symbolic.core.step_check import NUMERIC_TOLERANCE
from symbolic.networks import attention as att
from symbolic.spec.tolerances import FLOAT64_RTOL

TITLE = "Self-attention"
SLUG = "attention"
#: The head the notes print: TOKENS tokens of SIZE entries each (D_q = D).
TOKENS, SIZE = 3, 2
#: Random inputs per comparison with PyTorch.
BATCH = 64
#: Random points at which the program's gradient is compared with sympy.diff of the loss written out.
DIFF_POINTS = 3
#: The head's parameters are counted for 1 to MOST_TOKENS tokens (the count does not depend on N).
MOST_TOKENS = 5
#: Token sizes whose parameter counts are compared with nn.MultiheadAttention's numel.
COUNT_SIZES = (2, 4, 64, 512)
#: Module constants a notebook lets a student change before re-running ``build``.
PARAMETERS = ("TOKENS", "SIZE", "BATCH")


@contextlib.contextmanager
def _one_thread():
    """Tensors of a few numbers gain nothing from torch's threads: one thread while comparing."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _draw(head: att.SelfAttention, generator: torch.Generator) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Random tokens X (B, D, N) and one head's parameters {Omega_q, beta_q, ...} in float64."""
    X = torch.randn(BATCH, head.D, head.N, dtype=torch.float64, generator=generator)
    weights = {}
    for name in "qkv":
        weights[f"Omega_{name}"] = torch.randn(head.D, head.D, dtype=torch.float64, generator=generator)
        weights[f"beta_{name}"] = torch.randn(head.D, dtype=torch.float64, generator=generator)
    return X, weights


def _flat(head: att.SelfAttention, weights: dict[str, torch.Tensor]) -> list[torch.Tensor]:
    """The parameters in :attr:`~symbolic.networks.attention.SelfAttention.parameters`' order."""
    return [v for name in "qkv" for v in (*weights[f"Omega_{name}"].reshape(-1), *weights[f"beta_{name}"])]


def compiled_forward(head: att.SelfAttention, X: torch.Tensor, weights: dict[str, torch.Tensor]):
    """The program compiled to torch: (Sa (B, D, N), A (B, N, N)) for tokens X (B, D, N)."""
    outputs = [*head.named(att.sa_), *head.named(att.a_)]
    fn = compile_program([*head.X, *head.parameters, att.D_q], head.program(), outputs, "torch")
    ones = torch.ones(X.shape[0], dtype=torch.float64)
    values = fn(*X.reshape(X.shape[0], -1).T, *(v * ones for v in _flat(head, weights)), head.D * ones)
    values = torch.stack([torch.as_tensor(v, dtype=torch.float64).expand(X.shape[0]) for v in values], dim=1)
    D, N = head.D, head.N
    return values[:, :D * N].reshape(-1, D, N), values[:, D * N:].reshape(-1, N, N)


def torch_attention(X: torch.Tensor, weights: dict[str, torch.Tensor]) -> torch.Tensor:
    """torch.nn.functional.scaled_dot_product_attention on the tokens X (B, D, N): torch puts the
    tokens in rows, so Q^T, K^T, V^T (B, N, D) go in and the result is transposed back: (B, D, N)."""
    rows = X.transpose(1, 2)  # (B, N, D)
    Q, K, V = (rows @ weights[f"Omega_{c}"].T + weights[f"beta_{c}"] for c in "qkv")
    return F.scaled_dot_product_attention(Q, K, V).transpose(1, 2)


def torch_multihead(X: torch.Tensor, weights: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """nn.MultiheadAttention with one head and our weights (in_proj = [Omega_q; Omega_k; Omega_v],
    its output projection the identity without bias): (output (B, D, N), weights (B, N_q, N_k))."""
    D = X.shape[1]
    mha = torch.nn.MultiheadAttention(D, 1, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([weights[f"Omega_{c}"] for c in "qkv"]))
        mha.in_proj_bias.copy_(torch.cat([weights[f"beta_{c}"] for c in "qkv"]))
        mha.out_proj.weight.copy_(torch.eye(D, dtype=torch.float64))
        mha.out_proj.bias.zero_()
    rows = X.transpose(1, 2)
    out, A = mha(rows, rows, rows, need_weights=True)
    return out.detach().transpose(1, 2), A.detach()


def forward_checks(head: att.SelfAttention, generator: torch.Generator) -> list[dict]:
    """The per-token definitions = the matrix form (proven); the compiled program against
    scaled_dot_product_attention and nn.MultiheadAttention (outputs and attention weights)."""
    check = head.form_check()
    X, weights = _draw(head, generator)
    Sa, A = compiled_forward(head, X, weights)
    sdpa = compare("sdpa", Sa, torch_attention(X, weights), FLOAT64_RTOL)
    out, A_torch = torch_multihead(X, weights)
    mha = compare("mha", Sa, out, FLOAT64_RTOL)
    A_mha = compare("mha weights", A.transpose(1, 2), A_torch, FLOAT64_RTOL)  # torch: (query, key) = A^T
    size = f"N = {head.N}, D = {head.D}"
    return [record(f"{size}: the per-token definitions equal V Softmax[K^T Q / sqrt(D_q)], every entry", "symbolic",
                   check.max_error, check.passed, check.method, id="forward.matrix", detail=check.detail),
            record(f"{size}: the compiled program vs torch.nn.functional.scaled_dot_product_attention",
                   "exact-vs-torch", sdpa.max_rel, sdpa.passed, f"float64, {BATCH} random inputs, relative error",
                   id="forward.sdpa"),
            record(f"{size}: the compiled program vs nn.MultiheadAttention with one head (our weights, the output "
                   "projection the identity)", "exact-vs-torch", max(mha.max_rel, A_mha.max_rel),
                   mha.passed and A_mha.passed, f"float64, {BATCH} random inputs, outputs and attention weights",
                   id="forward.mha")]


def equivariance_checks(head: att.SelfAttention, generator: torch.Generator) -> list[dict]:
    """Sa[X P] = Sa[X] P for every permutation P (proven, every entry), and in torch."""
    failures = head.equivariance_failures()
    permutations = head.permutations()
    X, weights = _draw(head, generator)
    before = torch_attention(X, weights)
    worst = 0.0
    for P in permutations:
        P = torch.tensor(np.array(P, dtype=float), dtype=torch.float64)
        worst = max(worst, compare("perm", torch_attention(X @ P, weights), before @ P, FLOAT64_RTOL).max_rel)
    n = len(permutations)
    return [record(f"N = {head.N}: the output of the permuted tokens is the permuted output, each of the {n} "
                   "permutations", "symbolic", 0.0 if not failures else float("inf"), not failures,
                   "symbolic (expand), every entry", id="equivariance.proof", permutations=n,
                   detail="" if not failures else f"permutations {failures} differ"),
            record(f"the same in torch: scaled_dot_product_attention of X P is its output times P, {n} permutations",
                   "exact-vs-torch", worst, worst <= FLOAT64_RTOL, f"float64, {BATCH} random inputs",
                   id="equivariance.torch")]


def count_checks(head: att.SelfAttention) -> tuple[list[dict], list[tuple[int, int, int]]]:
    """3 D^2 + 3 D against the head's parameter symbols and against nn.MultiheadAttention's input
    projection; 4 D^2 + 4 D against its whole numel (the output projection added)."""
    rows, ok = [], []
    counted = all(len(set(att.SelfAttention(tokens, head.D).parameters)) == att.parameter_count(head.D)
                  for tokens in range(1, MOST_TOKENS + 1))
    for D in COUNT_SIZES:
        mha = torch.nn.MultiheadAttention(D, 1, device="meta")
        head_count, mha_count = int(att.parameter_count(D)), int(att.mha_parameter_count(D))
        inputs = mha.in_proj_weight.numel() + mha.in_proj_bias.numel()
        ok.append(head_count == inputs and mha_count == sum(p.numel() for p in mha.parameters()))
        rows.append((D, head_count, mha_count))
    return [record(f"D = {head.D}: the count equals the head's parameter symbols for 1 to {MOST_TOKENS} tokens",
                   "exact",
                   0.0 if counted else float("inf"), counted, "exact count", id="counts.symbols"),
            record(f"{len(COUNT_SIZES)} token sizes: the head's count vs nn.MultiheadAttention's input projection, and "
                   "with the output projection vs its numel", "exact", 0.0 if all(ok) else float("inf"), all(ok),
                   "exact count (torch numel)", id="counts.torch")], rows


def jacobian_checks(generator: torch.Generator) -> tuple[list[dict], int]:
    """dp/dz = diag(p) - p p^T, proven for N = TOKENS, and against torch's Jacobian of softmax."""
    check = att.jacobian_check(TOKENS)
    z = torch.randn(BATCH, TOKENS, dtype=torch.float64, generator=generator)
    worst = 0.0
    for row in z:
        J = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0), row)
        p = torch.softmax(row, 0)
        closed = att.jacobian_closed_form(sp.symbols(f"p_1:{TOKENS + 1}"))
        values = np.array(closed.xreplace(dict(zip(sp.symbols(f"p_1:{TOKENS + 1}"), map(sp.Float, p.tolist())))),
                          dtype=float)
        worst = max(worst, compare("J", torch.tensor(values), J, FLOAT64_RTOL).max_rel)
    return [record(f"{TOKENS} inputs: the softmax's Jacobian, differentiated, is diag(p) - p p^T", "symbolic",
                   check.max_error, check.passed, check.method, id="jacobian.proof", detail=check.detail),
            record("diag(p) - p p^T vs torch.autograd.functional.jacobian of torch.softmax", "exact-vs-torch", worst,
                   worst <= FLOAT64_RTOL, f"float64, {BATCH} random inputs", id="jacobian.torch")], TOKENS


def gradient_checks(head: att.SelfAttention, generator: torch.Generator) -> tuple[list[dict], tuple]:
    """Reverse mode's gradient = (dl/dQ) X^T etc. (proven); its softmax rows = the Jacobian's form
    (proven); the program's gradient = sympy.diff of the loss written out (at random points); the
    compiled gradient = torch autograd through scaled_dot_product_attention (float64)."""
    program, gradient, backward = head.gradient_program()
    closed = head.closed_gradient()
    same = all(sp.expand(gradient[w] - closed[w]) == 0 for w in head.parameters)
    rows = dict(backward)
    A, S = head.named(att.a_), head.named(att.s_)
    forward = dict(program)
    softmax_rows = {}
    ok_softmax = True
    for c in range(head.N):
        adjoints = [Adjoint(a, att.LOSS) for a in A.col(c)]
        for s, row in zip(S.col(c), att.softmax_adjoint(list(A.col(c)), adjoints)):
            softmax_rows[s] = row
            put_in = {a: forward[a] for a in A.col(c)}
            ok_softmax &= sp.simplify((rows[Adjoint(s, att.LOSS)] - row).xreplace(put_in)) == 0
    errors = _diff_errors(head, program, gradient, backward)
    method = f"numeric (mpmath, 50 digits, {DIFF_POINTS} random points)"
    worst = _gradient_vs_autograd(head, program, gradient, backward, generator)
    n = len(head.parameters)
    records = [record("reverse mode's gradient is (dl/dQ) X^T, (dl/dK) X^T, (dl/dV) X^T and their sums over the "
                      "tokens for the biases", "symbolic", 0.0 if same else float("inf"), same, "symbolic (expand)",
                      id="gradient.closed-form"),
               record("reverse mode through the softmax is diag(a_n) - a_n a_n^T times dl/da_n, every column",
                      "symbolic", 0.0 if ok_softmax else float("inf"), ok_softmax, "symbolic (simplify)",
                      id="gradient.softmax"),
               record(f"the program's gradient vs sympy.diff of the loss written out, all {n} parameters",
                      "derivative", max(errors), max(errors) <= NUMERIC_TOLERANCE, method, id="gradient.diff",
                      parameters=n),
               record(f"the compiled gradient program vs torch autograd through scaled_dot_product_attention, all {n} "
                      "parameters", "exact-vs-torch", worst, worst <= FLOAT64_RTOL,
                      f"float64, {BATCH} random samples, relative error", id="gradient.torch", parameters=n)]
    return records, (program, gradient, backward, closed, softmax_rows)


def _diff_errors(head: att.SelfAttention, program, gradient, backward) -> list[float]:
    """For each parameter, the largest relative difference between the program's gradient
    (forward and backward assignments evaluated one by one) and ``sympy.diff`` of the loss
    written out in the inputs, targets and parameters, at DIFF_POINTS random points (50 digits)."""
    import mpmath
    import random

    loss = dict(program)[att.LOSS]
    for s, e in reversed(program[:-1]):
        loss = loss.xreplace({s: e})
    free = [*head.X, *head.targets(), *head.parameters, att.D_q]
    derivatives = [sp.diff(loss, w) for w in head.parameters]
    rng = random.Random(0)
    errors = [0.0] * len(derivatives)
    with mpmath.workdps(50):
        diffs = sp.lambdify(free, derivatives, "mpmath", cse=True)
        for _ in range(DIFF_POINTS):
            point = {v: sp.Rational(rng.randint(-200, 200), 100) for v in free[:-1]}
            point[att.D_q] = sp.Integer(head.D)
            values = dict(point)
            for s, e in program + backward:
                values[s] = e.xreplace(values).evalf(50)
            by_program = [gradient[w].xreplace(values).evalf(50) for w in head.parameters]
            by_diff = diffs(*(mpmath.mpf(point[v].p) / point[v].q for v in free))
            for i, (a, b) in enumerate(zip(by_program, by_diff)):
                errors[i] = max(errors[i], float(abs(mpmath.mpf(str(a)) - b) / max(1, abs(b))))
    return errors


def _gradient_vs_autograd(head, program, gradient, backward, generator) -> float:
    """The largest relative error of the compiled gradient (summed over the samples) against
    autograd of sum (y - sdpa(X))^2."""
    y = head.targets()
    compiled = compile_program([*head.X, *y, *head.parameters, att.D_q], program + backward,
                               [gradient[w] for w in head.parameters], "torch")
    X, weights = _draw(head, generator)
    targets = torch.randn(BATCH, head.D, head.N, dtype=torch.float64, generator=generator)
    leaves = {k: v.clone().requires_grad_(True) for k, v in weights.items()}
    ell = ((targets - torch_attention(X, leaves)) ** 2).sum()
    ell.backward()
    reference = torch.stack([g for name in "qkv" for g in (*leaves[f"Omega_{name}"].grad.reshape(-1),
                                                           *leaves[f"beta_{name}"].grad)])
    ones = torch.ones(BATCH, dtype=torch.float64)
    values = compiled(*X.reshape(BATCH, -1).T, *targets.reshape(BATCH, -1).T, *(v * ones for v in _flat(head, weights)),
                      head.D * ones)
    derived = torch.stack([torch.as_tensor(v, dtype=torch.float64).expand(BATCH).sum() for v in values])
    return compare("gradient", derived, reference, FLOAT64_RTOL).max_rel


def _power_of_ten(value: float) -> str | None:
    """``10^{-12}`` for 1e-12 (None when ``value`` is no power of ten: printed as it is)."""
    exponent = round(np.log10(value))
    return f"10^{{{exponent}}}" if value == 10.0 ** exponent else None


def build(ctx: TopicContext) -> TopicResult:
    with _one_thread():
        return _build(ctx)


def _matrix_rows(head: att.SelfAttention) -> tuple[list, list[str]]:
    """The matrix form's rows for the printed head: V = beta_v 1^T + Omega_v X, S = K^T Q / sqrt(D_q)
    and Sa = V A, each printed as the product of the printed matrices and read back."""
    ones = sp.ones(1, head.N)
    V, Q, K, S, A, Sa = (head.named(b) for b in (att.v_, att.q_, att.k_, att.s_, att.a_, att.sa_))
    scale = 1 / sp.sqrt(att.D_q)
    rows = [sp.Eq(V, head.beta("v") * ones + head.Omega("v") * head.X), sp.Eq(S, K.T * Q * scale), sp.Eq(Sa, V * A)]
    typed = [f"{latex(V)} = {latex(head.beta('v'))} {latex(ones)} + {latex(head.Omega('v'))} {latex(head.X)}",
             f"{latex(S)} = {latex(scale)} {latex(K.T)} {latex(Q)}",
             f"{latex(Sa)} = {latex(V)} {latex(A)}"]
    return rows, typed


def _build(ctx: TopicContext) -> TopicResult:
    generator = torch.Generator().manual_seed(ctx.seed)
    formulas = Formulas(SLUG)
    head = att.SelfAttention(TOKENS, SIZE)

    # the definitions in the book's notation, for any N and D
    x_1 = head.X.col(0)
    token = [sp.Eq(head.named(base).col(0), head.beta(c) + head.Omega(c) * x_1) for c, base in
             (("v", att.v_), ("q", att.q_), ("k", att.k_))]
    definitions = formulas.display(token, "the values, queries and keys", typed=[
        f"{latex(row.lhs)} = {latex(head.beta(c))} + {latex(head.Omega(c))} {latex(x_1)}"
        for c, row in zip("vqk", token)])
    definition_records = [definitions.record]
    derivation = att.attention_derivation()
    derivation.check()
    derivation_records = derivation.records()

    # the matrix form for the printed head, and PyTorch
    rows, typed = _matrix_rows(head)
    matrix = formulas.display(rows, "the matrix form", typed=typed)
    forward = forward_checks(head, generator)
    matrix_records = [matrix.record, *forward]

    equivariance = equivariance_checks(head, generator)

    # parameters
    N_sa, N_mha = sp.Symbol("N_{sa}", integer=True), sp.Symbol("N_{mha}", integer=True)
    counts = formulas.display([sp.Eq(N_sa, att.parameter_count(att.D)), sp.Eq(N_mha, att.mha_parameter_count(att.D))],
                              "the counts", notes=[r"\qquad\text{(one head)}",
                                                   r"\qquad\text{(with the output projection)}"])
    count_records, count_rows = count_checks(head)
    counts_records = [counts.record, *count_records]

    # the softmax's Jacobian
    _, z, p = att.softmax_jacobian(TOKENS)
    J = sp.Matrix(TOKENS, TOKENS, lambda r, c: Adjoint(z[c], p[r]))
    column = sp.Matrix(p)
    jacobian = formulas(sp.Eq(J, att.jacobian_closed_form(p)), "the softmax's Jacobian",
                        typed=f"{latex(J)} = {latex(sp.diag(*p))} - {latex(column)} {latex(column.T)}")
    jacobian_records, _ = jacobian_checks(generator)
    jacobian_records = [jacobian.record, *jacobian_records]

    # the gradient
    grad_records, (program, gradient, backward, closed, softmax_rows) = gradient_checks(head, generator)
    first = {b: att.symbol(b, 1, 1) for b in (att.sa_, att.a_, att.q_, att.k_, att.v_)}
    shown = dict(backward)
    s11 = att.symbol(att.s_, 1, 1)
    grad_rows = [sp.Eq(Adjoint(first[b], att.LOSS), shown[Adjoint(first[b], att.LOSS)]) for b in (att.sa_, att.a_)]
    grad_rows.append(sp.Eq(Adjoint(s11, att.LOSS), softmax_rows[s11]))
    grad_rows += [sp.Eq(Adjoint(first[b], att.LOSS), shown[Adjoint(first[b], att.LOSS)]) for b in (att.q_, att.k_,
                                                                                                   att.v_)]
    grad_rows += [sp.Eq(Adjoint(w, att.LOSS), closed[w]) for w in (att.symbol("omega_q", 1, 1),
                                                                     att.symbol("omega_k", 1, 1),
                                                                     att.symbol("omega_v", 1, 1),
                                                                     att.symbol("beta_q", 1))]
    gradient_shown = formulas.display(grad_rows, "the backward pass")
    gradient_records = [gradient_shown.record, *grad_records]

    # the figure: the attention matrix at random tokens, and for the tokens in another order
    X, weights = _draw(att.SelfAttention(TOKENS, SIZE), torch.Generator().manual_seed(ctx.seed + 1))
    P = head.permutations()[-1]
    P_t = torch.tensor(np.array(P, dtype=float), dtype=torch.float64)
    _, A = compiled_forward(head, X[:1], weights)
    _, A_moved = compiled_forward(head, X[:1] @ P_t, weights)
    order = [int(np.argmax(np.array(P.col(c), dtype=float))) + 1 for c in range(TOKENS)]
    figure = ctx.save_figure(attention_figure(A[0].numpy(), A_moved[0].numpy(), order), "attention_matrix")
    moved = compare("figure", A_moved[0], P_t.T @ A[0] @ P_t, FLOAT64_RTOL)
    figure_records = [record(f"the figure: the weights of the tokens in the order {', '.join(map(str, order))} are the "
                             "first panel's, rows and columns permuted alike", "exact-vs-torch", moved.max_rel,
                             moved.passed, "float64, the compiled program", id="figure.permuted")]

    words = {"loss": str(formulas(sp.Eq(att.LOSS, dict(program)[att.LOSS]), "the loss")),
             "tolerance": str(formulas(sp.Float(FLOAT64_RTOL), "the tolerance", typed=_power_of_ten(FLOAT64_RTOL))),
             "scale": str(formulas(1 / sp.sqrt(att.D_q), "the scale")),
             "count": str(formulas(att.parameter_count(SIZE), "the printed head's count")),
             "extra": str(formulas(att.D**2 + att.D, "the output projection's count"))}
    records = (definition_records + derivation_records + matrix_records + equivariance + counts_records
               + jacobian_records + gradient_records + figure_records
               + [r for r in formulas.records if r not in definition_records + matrix_records + counts_records
                  + jacobian_records + gradient_records])
    assign_ids(SLUG, records)
    tex = text.section(
        title=TITLE, definitions_tex=tagged(definitions.latex, definition_records),
        attention_tex=tagged(derivation.to_latex(), derivation_records),
        matrix_tex=tagged(matrix.latex, matrix_records),
        counts_tex=tagged(counts.latex, counts_records), jacobian_tex=tagged("\\[\n" + jacobian.latex + "\n\\]",
                                                                           jacobian_records),
        gradient_tex=tagged(gradient_shown.latex, gradient_records), tokens=TOKENS, size=SIZE, batch=BATCH,
        permutations=equivariance[0]["permutations"], count_rows=count_rows, most=MOST_TOKENS,
        parameters=grad_records[2]["parameters"],
        points=_points(grad_records[2]["method"]), figure=figure, order=", ".join(map(str, order)), **words)
    displays = {"definitions": Display(definitions.latex, definition_records),
                "attention": Display(derivation.to_latex(), derivation_records, derivation),
                "matrix": Display(matrix.latex, matrix_records),
                "counts": Display(counts.latex, counts_records),
                "jacobian": Display("\\[\n" + jacobian.latex + "\n\\]", jacobian_records),
                "gradient": Display(gradient_shown.latex, gradient_records)}
    return TopicResult(SLUG, TITLE, tex, [figure], records, displays)


def _points(method: str) -> str:
    """The number of random points a numeric check names in its method (``numeric, 6 points ...``)."""
    import re

    found = re.search(r"(\d+) (?:random )?points", method)
    if not found:
        raise ValueError(f"the check's method names no number of points: {method!r}")
    return found.group(1)


if __name__ == "__main__":
    sys.exit(topic_main(build))
