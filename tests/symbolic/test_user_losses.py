"""A lecturer's own loss through register_loss: derived and checked by the engine, compiled,
cross-checked (printed torch twin, torch.distributions oracle, autograd), trainable; bad input refused."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sympy as sp

from symbolic import register_loss

ROOT = Path(__file__).resolve().parents[2]
y, mu = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
b = sp.Symbol("b", positive=True)
LAPLACE = sp.exp(-sp.Abs(y - mu) / b) / (2 * b)


def test_the_example_plugin_losses_derive_verify_and_train_in_a_fresh_process():
    code = textwrap.dedent("""
        import runpy, torch
        runpy.run_path("examples/my_losses.py")
        from derivations.checks.crosscheck import gradient_check
        from numeric.data import Dataset
        from numeric.training import TrainConfig, Trainer
        from symbolic.losses.recipes import derive_loss
        from symbolic.spec import NetworkSpec
        for name, draw in [("laplace-mine", lambda m, s: torch.distributions.Laplace(m, s).sample()),
                           ("log-normal-mine", lambda m, s: torch.distributions.LogNormal(m, s).sample())]:
            spec = NetworkSpec((1, 6, 2), "tanh")
            d = derive_loss(spec, name)
            assert d.passed, name
            checks = gradient_check(spec, name, I=24, seed=0, paths=("layers",))
            assert all(c.passed for c in checks), [c for c in checks if not c.passed]
            names = {c.name for c in checks}
            assert ("loss l_i vs torch.distributions" in names) == (name == "log-normal-mine")
            torch.manual_seed(0)
            x = torch.rand(64, 1, dtype=torch.float64) * 2 - 1
            Y = draw(torch.sin(2 * x[:, 0]), torch.full((64,), 0.3, dtype=torch.float64))[:, None]
            t = Trainer(spec, name, Dataset(x.numpy(), Y.numpy(), name),
                        TrainConfig(optimizer="adam", lr=0.02, epochs=60, seed=0))
            t.run()
            assert t.history[-1] < t.history[0] - 0.2 * 64, (name, t.history[0], t.history[-1])
            print(name, "ok", round(t.history[0], 3), round(t.history[-1], 3))
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count(" ok ") == 2


def test_an_existing_name_is_refused():
    with pytest.raises(ValueError, match="^loss 'laplace' is already registered; choose another name$"):
        register_loss("laplace", density=LAPLACE, target=y, link=lambda f: {mu: f[0], b: sp.exp(f[1])}, outputs=2,
                      support="real")


def test_a_density_that_does_not_integrate_to_one_is_refused_with_its_integral():
    with pytest.raises(ValueError, match=r"^the density of loss 'twice' is not normalised over the real line: it "
                                         r"integrates to 2 "):
        register_loss("twice", density=2 * LAPLACE, target=y, link=lambda f: {mu: f[0], b: sp.exp(f[1])}, outputs=2,
                      support="real")


def test_a_positive_parameter_left_unconstrained_is_refused():
    with pytest.raises(ValueError, match=r"^the link of loss 'raw-b' leaves the positive parameter b unconstrained: "
                                         r"b = f_\{2\} can be <= 0; use exp"):
        register_loss("raw-b", density=LAPLACE, target=y, link=lambda f: {mu: f[0], b: f[1]}, outputs=2,
                      support="real")


def test_a_parameter_without_a_link_and_an_unknown_support_are_refused():
    with pytest.raises(ValueError, match=r"gives no expression for the parameter b"):
        register_loss("no-b", density=LAPLACE, target=y, link=lambda f: {mu: f[0]}, outputs=2, support="real")
    with pytest.raises(ValueError, match=r"^unknown support 'reals' \(did you mean 'real'\?\)"):
        register_loss("bad-support", density=LAPLACE, target=y, link=lambda f: {mu: f[0], b: sp.exp(f[1])},
                      outputs=2, support="reals")


def test_a_torch_distribution_by_its_dotted_path_is_the_oracle_when_the_symbols_carry_its_keywords():
    from derivations.checks.crosscheck import gradient_check
    from symbolic.spec import NetworkSpec

    loc, scale = sp.Symbol("loc", real=True), sp.Symbol("scale", positive=True)
    register_loss("laplace-by-path", density=sp.exp(-sp.Abs(y - loc) / scale) / (2 * scale), target=y,
                  link=lambda f: {loc: f[0], scale: sp.exp(f[1])}, outputs=2, support="real",
                  torch_distribution="torch.distributions.Laplace")
    checks = gradient_check(NetworkSpec((1, 3, 2), "tanh"), "laplace-by-path", I=16, seed=0, paths=("layers",))
    assert "loss l_i vs torch.distributions" in {c.name for c in checks}
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_a_torch_distribution_that_is_no_function_and_a_negative_index_past_the_outputs_are_refused():
    link = lambda f: {mu: f[0], b: sp.exp(f[1])}  # noqa: E731
    with pytest.raises(TypeError, match=r"^the torch_distribution of loss 'lap-3' must be a function"):
        register_loss("lap-3", density=LAPLACE, target=y, link=link, outputs=2, support="real", torch_distribution=3)
    with pytest.raises(ValueError, match=r"^the link of loss 'lap-neg' uses f\[-3\], but the loss declares outputs=2: "
                                         r"its outputs are f\[0\] and f\[1\] \(counted from 0\); use one of them$"):
        register_loss("lap-neg", density=LAPLACE, target=y, link=lambda f: {mu: f[-3], b: sp.exp(f[1])}, outputs=2,
                      support="real")


def test_a_stable_form_that_is_not_the_nll_is_refused_at_registration():
    """A wrong stable= used to pass verify and train the wrong loss; only derive and notes noticed."""
    from symbolic.spec import LOSSES

    with pytest.raises(ValueError, match=r"^the stable form of loss 'lap-square' is not -log Pr\(y \| link\[f\]\)"):
        register_loss("lap-square", density=LAPLACE, target=y, link=lambda f: {mu: f[0], b: sp.exp(f[1])},
                      outputs=2, support="real", stable=lambda f: (y - f[0]) ** 2)
    assert "lap-square" not in LOSSES
    right = lambda f: sp.Abs(y - f[0]) * sp.exp(-f[1]) + f[1] + sp.log(2)  # noqa: E731 - -log of the Laplace density
    register_loss("lap-stable-ok", density=LAPLACE, target=y, link=lambda f: {mu: f[0], b: sp.exp(f[1])},
                  outputs=2, support="real", stable=right)
    LOSSES.remove("lap-stable-ok")


def test_a_density_whose_quadrature_does_not_settle_is_refused_not_hung(monkeypatch):
    """exp(-cosh(y - mu)) is not normalised and mpmath's quadrature of it ran for minutes."""
    import symbolic.losses.normalisation as normalisation

    monkeypatch.setattr(normalisation, "_NUMERIC_SECONDS", 1)
    with pytest.raises(ValueError, match=r"could not be integrated: mpmath quadrature did not settle within 1 s"):
        register_loss("cosh-loss", density=sp.exp(-sp.cosh(y - mu)), target=y, link=lambda f: {mu: f[0]},
                      outputs=1, support="real")


def test_a_textbook_poisson_with_a_factorial_verifies_and_compiles_past_170(tmp_path):
    """lam^n e^-lam / n! registered as the book writes it: torch has no factorial of tensors."""
    import torch

    from symbolic.core.compile import compile_program
    from symbolic.spec import LOSSES

    n, lam = sp.Symbol("n", integer=True, nonnegative=True), sp.Symbol("lam", positive=True)
    density = lam**n * sp.exp(-lam) / sp.factorial(n)
    register_loss("book-poisson", density=density, target=n, link=lambda f: {lam: sp.exp(f[0])}, outputs=1,
                  support="count")
    try:
        from derivations.checks.crosscheck import gradient_check
        from symbolic.spec import NetworkSpec

        checks = gradient_check(NetworkSpec((1, 2, 1), "relu"), "book-poisson")
        assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    finally:
        LOSSES.remove("book-poisson")
    nll = -sp.expand_log(sp.log(density), force=True)
    value = compile_program([n, lam], [], [nll], "torch")(torch.tensor([200.0], dtype=torch.float64),
                                                         torch.tensor([150.0], dtype=torch.float64))[0]
    assert abs(float(value) - float(sp.N(nll.subs({n: 200, lam: 150}), 30))) < 1e-9
