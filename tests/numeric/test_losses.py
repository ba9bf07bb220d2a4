"""Compiled symbolic losses = the torch twin = torch's built-ins (float64, 1e-12), with
reductions and parameterisations handled explicitly; stable at extreme logits in float32
and float64 (values and gradients); bad input raises pinned ValueErrors."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
import torch
import torch.nn.functional as F

import numeric.losses as twin
import symbolic.losses.sample as registry
from numeric.model import DeepNetworkModule
from symbolic.core.compile import compile_program
from symbolic.losses.sample import LOSSES, network_loss, sample_loss
from symbolic.losses.recipes import checked_recipe
from symbolic.spec import NetworkSpec
from tests.helpers import FIRST_ROUND, RTOL32, RTOL64, as_numpy, assert_close, specs

SIGMA = 0.75
#: Output widths that suit each loss in these tests.
D_O = {"least-squares": 2, "normal": 2, "heteroscedastic-normal": 4, "bernoulli": 2, "categorical": 3, "poisson": 2}


def targets(name: str, I: int, D_o: int, gen: torch.Generator) -> torch.Tensor:
    """Targets (I, n_targets) in the loss's support."""
    n = registry.n_targets(name, D_o)
    if name == "bernoulli":
        return (torch.rand(I, n, generator=gen) < 0.5).double()
    if name == "categorical":
        return torch.randint(0, D_o, (I, 1), generator=gen).double()
    if name == "poisson":
        return torch.randint(0, 9, (I, n), generator=gen).double()
    return torch.randn(I, n, generator=gen, dtype=torch.float64) * 2


def builtin_total(name: str, f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """L = sum_i l_i from torch's built-ins at their *default* (mean) reduction, undone explicitly."""
    I, D_o = f.shape
    if name == "least-squares":
        return F.mse_loss(f, y) * f.numel()  # mean over I * D_o elements
    if name == "normal":
        var = torch.full_like(f, SIGMA**2)
        return F.gaussian_nll_loss(f, y, var, full=True, eps=0.0) * f.numel()
    if name == "heteroscedastic-normal":
        n = D_o // 2
        return F.gaussian_nll_loss(f[:, :n], y, torch.exp(f[:, n:]), full=True, eps=0.0) * y.numel()
    if name == "bernoulli":
        return F.binary_cross_entropy_with_logits(f, y) * f.numel()
    if name == "categorical":
        return F.cross_entropy(f, y[:, 0].long()) * I  # mean over samples
    # poisson: full=False leaves out log y!, added exactly (full=True would add Stirling's approximation)
    return F.poisson_nll_loss(f, y, log_input=True, full=False) * f.numel() + torch.lgamma(y + 1).sum()


@pytest.mark.parametrize("name", FIRST_ROUND)
def test_compiled_network_loss_equals_twin_and_builtin(name):
    spec = NetworkSpec((2, 4, D_O[name]), "tanh")
    gen = torch.Generator().manual_seed(7)
    module = DeepNetworkModule(spec, generator=gen)
    with torch.no_grad():  # scale the output layer so that outputs (logits) reach about +-20
        module.beta_1.mul_(8.0)
        module.omega_1.mul_(8.0)
    X = torch.rand(40, 2, generator=gen, dtype=torch.float64) * 4 - 2
    Y = targets(name, 40, spec.D_o, gen)
    sigma = SIGMA if name == "normal" else None
    tensors = {k: v.detach() for k, v in module.named_parameters()}
    nl = network_loss(spec, name)
    with torch.no_grad():
        f = module(X)
        l_twin = twin.per_sample_nll(name, f, Y, sigma)
        total_builtin = builtin_total(name, f, Y)
    for backend in ("torch", "numpy"):
        data = (X, Y, tensors) if backend == "torch" else (X.numpy(), Y.numpy(), {k: v.numpy() for k, v in tensors.items()})
        outputs, l_sym = nl.evaluate(*data, sigma=sigma, compiled=nl.compile(backend))
        assert_close(outputs, f, what=f"{backend} outputs")
        assert_close(l_sym, l_twin, RTOL64, f"{name} {backend}: per-sample l_i vs twin")
        assert_close(as_numpy(l_sym).sum(), total_builtin, RTOL64, f"{name} {backend}: L vs torch built-in")
    assert abs(float(l_twin.sum()) - float(twin.nll(name, f, Y, sigma))) == 0.0
    assert_close(twin.nll(name, f, Y, sigma, reduction="mean"), l_twin.sum() / 40, RTOL64, "mean = sum / I")


# ----- extreme logits ------------------------------------------------------------------------
EXTREME = [-1e4, -800.0, -40.0, -1.0, 0.0, 0.5, 40.0, 800.0, 1e4]


def _reference(expr, symbols, rows):
    """expr at each row of values, by mpmath at 50 digits."""
    return np.array([float(expr.xreplace(dict(zip(symbols, map(sp.Float, row)))).evalf(50)) for row in rows])


def _extreme_cases(name):
    if name == "bernoulli":
        f = [sp.Symbol("f", real=True)]
        rows = [(z, y) for z in EXTREME for y in (0.0, 1.0)]
    else:  # categorical, three classes, one logit extreme and the others moderate
        f = [sp.Symbol(f"f_{c}", real=True) for c in range(3)]
        rows = [(z, 0.3, -z / 2, *np.eye(3)[c]) for z in EXTREME for c in range(3)]
    sl = sample_loss(name, f)
    return sl, list(sl.outputs) + list(sl.targets), np.array(rows)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", ["bernoulli", "categorical"])
def test_extreme_logits_losses_and_gradients_are_finite_and_accurate(name, dtype):
    sl, args, rows = _extreme_cases(name)
    grads = [sp.diff(sl.expr, fj) for fj in sl.outputs]
    tol = RTOL64 if dtype == torch.float64 else RTOL32
    ref_loss = _reference(sl.expr, args, rows)
    ref_grads = [_reference(g, args, rows) for g in grads]
    # the compiled loss and its derived gradient dl/df_j
    fn = compile_program(args, [], [sl.expr] + grads, "torch")
    columns = [torch.tensor(rows[:, k], dtype=dtype, requires_grad=k < len(sl.outputs)) for k in range(len(args))]
    loss, *dl_df = fn(*columns)
    assert loss.dtype == dtype and torch.isfinite(loss).all()
    assert_close(loss, ref_loss, tol, f"{name} loss ({dtype})")
    for j, g in enumerate(dl_df):
        assert_close(g, ref_grads[j], tol, f"{name} dl/df_{j} derived ({dtype})")
    # autograd through the compiled torch code agrees as well
    loss.sum().backward()
    for j in range(len(sl.outputs)):
        assert torch.isfinite(columns[j].grad).all()
        assert_close(columns[j].grad, ref_grads[j], tol, f"{name} dl/df_{j} autograd ({dtype})")
    # and the numpy code
    values = compile_program(args, [], [sl.expr], "numpy")(*[rows[:, k].astype(np.float64) for k in range(len(args))])
    assert_close(values[0], ref_loss, RTOL64, f"{name} numpy loss")
    # the torch twin (built-in losses) at the same extreme logits
    D_o = len(sl.outputs)
    f = torch.tensor(rows[:, :D_o], dtype=dtype)
    y = torch.tensor(rows[:, D_o:] if name == "bernoulli" else rows[:, D_o:].argmax(axis=1)[:, None], dtype=dtype)
    reference_twin = twin.per_sample_nll(name, f, y)
    assert_close(reference_twin, ref_loss, tol, f"{name} twin ({dtype})")
    assert_close(loss.detach(), reference_twin, tol, f"{name} compiled vs twin ({dtype})")


def test_the_naive_bernoulli_form_fails_where_the_stable_form_does_not():
    r = checked_recipe("bernoulli")
    naive = r.parts["per-sample loss"].steps[1].rhs  # -y log sig[f] - (1 - y) log(1 - sig[f])
    stable = r.per_sample_loss
    f, y = r.outputs[0], r.target
    fn = compile_program([f, y], [], [naive, stable], "numpy")
    with np.errstate(all="ignore"):
        naive_value, stable_value = fn(np.array([40.0, 800.0]), np.array([1.0, 0.0]))
    assert np.isnan(naive_value[0]) and not np.isfinite(naive_value[1])  # 0 * log 0, log 0
    assert_close(stable_value, [math.log1p(math.exp(-40.0)), 800.0], RTOL64, "stable form")


def test_twin_at_extreme_logits_float32():
    f = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], dtype=torch.float32)
    bern = twin.per_sample_nll("bernoulli", f, torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    assert_close(bern, [1e4 + math.log(2), math.log1p(math.exp(-3.0)) + 3.0], RTOL32, "bernoulli twin float32")
    cat = twin.per_sample_nll("categorical", f, torch.tensor([[1.0], [1.0]]))
    assert_close(cat, [2e4, 0.0], RTOL32, "categorical twin float32")


def test_poisson_uses_exact_log_factorial_not_torch_stirling():
    f = torch.zeros(4, 1, dtype=torch.float64)
    y = torch.tensor([[0.0], [1.0], [2.0], [3.0]], dtype=torch.float64)
    exact = twin.per_sample_nll("poisson", f, y)  # exp(0) - 0 + log y!
    assert_close(exact, [1.0, 1.0, 1.0 + math.log(2), 1.0 + math.log(6)], RTOL64, "poisson, exact log y!")
    stirling = F.poisson_nll_loss(f, y, log_input=True, full=True, reduction="none")[:, 0]
    assert torch.equal(stirling[:2], exact[:2])  # torch adds nothing for y <= 1
    assert abs(float(stirling[3] - exact[3]) + 0.0277) < 1e-3  # Stirling's error at y = 3 (about -0.028)


def test_mean_reduction_divides_by_the_batch():
    f = torch.tensor([[0.0], [2.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [1.0]], dtype=torch.float64)
    assert float(twin.nll("least-squares", f, y)) == 2.0
    assert float(twin.nll("least-squares", f, y, reduction="mean")) == 1.0
    with pytest.raises(ValueError, match=r"^reduction must be 'sum' or 'mean', got 'none'$"):
        twin.nll("least-squares", f, y, reduction="none")


# ----- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, D_o, message",
    [
        ("bernouli", 1, "unknown loss 'bernouli' (did you mean 'bernoulli'?); choose one of " + ", ".join(LOSSES)),
        ("categorical", 1, "categorical loss needs at least two outputs (one per class), got D_o = 1"),
        ("heteroscedastic-normal", 3, "heteroscedastic-normal loss needs two outputs per target (mean and "
                                      "log-variance), got odd D_o = 3"),
    ],
)
def test_width_errors_are_the_same_on_both_sides(name, D_o, message):
    with pytest.raises(ValueError) as numeric_error:
        twin.check_width(name, D_o)
    with pytest.raises(ValueError) as symbolic_error:
        registry.check_loss_width(name, D_o)
    assert str(numeric_error.value) == str(symbolic_error.value) == message


@pytest.mark.parametrize(
    "name, f_shape, y, message",
    [
        ("bernoulli", (2, 2), [[1.0], [0.0]], "bernoulli loss needs one output per target: D_o = 2 outputs for 1 "
                                              "target column"),
        ("poisson", (2, 1), [[1.0, 2.0], [0.0, 1.0]], "poisson loss needs one output per target: D_o = 1 outputs "
                                                      "for 2 target columns"),
        ("heteroscedastic-normal", (2, 4), [[1.0], [0.0]], "heteroscedastic-normal loss needs two outputs per "
                                                           "target (mean and log-variance): D_o = 4 outputs for 1 "
                                                           "target column"),
        ("categorical", (2, 3), [[1.0, 0.0], [0.0, 1.0]], "categorical loss needs one target column of class "
                                                          "indices, got 2 columns"),
        ("bernoulli", (2, 1), [[2.0], [0.0]], "bernoulli targets must be 0 or 1, got 2 at sample 0 (column y); "
                                              "encode the two classes as 0 and 1"),
        ("poisson", (2, 1), [[1.0], [-1.0]], "poisson targets must be nonnegative integer counts, got -1 at sample 1 "
                                             "(column y)"),
        ("poisson", (2, 1), [[1.5], [1.0]], "poisson targets must be nonnegative integer counts, got 1.5 at sample 0 "
                                            "(column y)"),
        ("categorical", (2, 3), [[0.0], [3.0]], "categorical targets must be class indices 0..2 (one per output), "
                                                "got 3 at sample 1 (column y); a network with D_o = 3 outputs has 3 "
                                                "classes"),
        ("least-squares", (2, 2), [[0.0, float("nan")], [1.0, 1.0]], "least-squares targets must be finite "
                                                                     "numbers, got nan at sample 0 (column y_2)"),
    ],
)
def test_bad_targets(name, f_shape, y, message):
    f = torch.zeros(f_shape, dtype=torch.float64)
    with pytest.raises(ValueError) as error:
        twin.per_sample_nll(name, f, torch.tensor(y, dtype=torch.float64))
    assert str(error.value) == message


@pytest.mark.parametrize("sigma", [0.0, -1.0, float("nan"), float("inf"), None])
def test_bad_sigma_same_message_both_sides(sigma):
    with pytest.raises(ValueError) as numeric_error:
        twin.check_sigma("normal", sigma)
    with pytest.raises(ValueError) as symbolic_error:
        registry.check_sigma("normal", sigma)
    assert str(numeric_error.value) == str(symbolic_error.value)
    expected = ("the normal loss needs its standard deviation: pass --sigma S with S > 0" if sigma is None else
                f"sigma must be a positive finite number (the normal loss's standard deviation), got {sigma!r}; "
                "pass --sigma S with S > 0")
    assert str(numeric_error.value) == expected
    with pytest.raises(ValueError, match=r"^sigma must be a positive"):
        twin.per_sample_nll("normal", torch.zeros(1, 1), torch.zeros(1, 1), sigma=-0.5)


@settings(max_examples=12, deadline=None)
@given(spec=specs(max_hidden_layers=2, max_width=4), name=st.sampled_from(FIRST_ROUND), seed=st.integers(0, 1000))
def test_any_spec_and_loss_compiled_equals_twin(spec, name, seed):
    D_o = {"categorical": max(2, spec.D_o), "heteroscedastic-normal": 2 * spec.D_o}.get(name, spec.D_o)
    spec = NetworkSpec(spec.widths[:-1] + (D_o,), spec.activation)
    gen = torch.Generator().manual_seed(seed)
    module = DeepNetworkModule(spec, generator=gen)
    X = torch.rand(16, spec.D_i, generator=gen, dtype=torch.float64) * 4 - 2
    Y = targets(name, 16, D_o, gen)
    sigma = SIGMA if name == "normal" else None
    nl = network_loss(spec, name)
    with torch.no_grad():
        reference = twin.per_sample_nll(name, module(X), Y, sigma)
        _, ours = nl.evaluate(X, Y, dict(module.named_parameters()), sigma, nl.compile("torch"))
    assert_close(ours, reference, RTOL64, f"{spec.describe()} {name}")


def test_fused_sum_path_equals_the_sum_of_per_sample_losses():
    """nll(validate=False, reduction="sum") takes one fused built-in; it must agree exactly."""
    import torch
    from numeric.losses import nll, per_sample_nll

    gen = torch.Generator().manual_seed(0)
    f = torch.randn(50, 3, generator=gen, dtype=torch.float64) * 5
    targets = {
        "least-squares": torch.randn(50, 3, generator=gen, dtype=torch.float64),
        "bernoulli": torch.randint(0, 2, (50, 3), generator=gen).double(),
        "categorical": torch.randint(0, 3, (50, 1), generator=gen).double(),
    }
    for name, y in targets.items():
        fused = nll(name, f, y, validate=False)
        reference = per_sample_nll(name, f, y).sum()
        assert abs(float(fused - reference)) <= 1e-12 * max(1.0, abs(float(reference))), name
