"""The NLL exercises read their densities and torch references from the loss registry: the
solution derives the answer from the registry entry's density and link, and the answer is
compared with the entry's torch side (its torch.distributions oracle, else its twin)."""

import pytest
import sympy as sp
import torch

from derivations.exercises import kinds_losses as kl
from symbolic.spec.losses import get_loss

CASES = [(name, p) for name in kl.MODELS for p in kl.PARAMETERS.get(name, [None])]


@pytest.mark.parametrize("name, parameter", CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_each_answer_is_derived_from_the_registry_density_and_matches_its_torch_side(name, parameter):
    d, (y, answer, _, _, _), _ = kl.nll_derivation(name, parameter)
    assert d.passed
    assert d.steps[0].rhs == -sp.log(kl.linked_density(name, parameter))
    for what, value, exact in kl._twin(name, parameter, y, answer):
        assert value == pytest.approx(float(exact), rel=1e-14, abs=1e-14), what


def test_the_density_is_the_registry_entrys(monkeypatch):
    block = get_loss("exponential").model().block()
    monkeypatch.setattr(block, "density", 2 * block.density)  # a registry slip: twice the density
    d, _, _ = kl.nll_derivation.__wrapped__("exponential", None)  # the uncached derivation
    assert not d.passed  # the exercise's answer no longer follows from the registry's density


def test_the_torch_reference_is_the_registry_entrys(monkeypatch):
    import numeric.losses  # noqa: F401  (binds the torch side)

    entry = get_loss("laplace")
    reference, what = kl.torch_reference("laplace", sp.Integer(2))
    assert what == "torch.distributions"
    F, Y = torch.tensor([0.25], dtype=torch.float64), torch.tensor([-1.0], dtype=torch.float64)
    exact = float(sp.Rational(5, 8) + sp.log(4))  # |y - f| / b + log 2b at b = 2
    assert float(reference(F, Y)[0]) == pytest.approx(exact, rel=1e-15)
    monkeypatch.setattr(entry, "torch_distribution",  # the entry's oracle swapped for a normal
                        lambda entry, f, constants: torch.distributions.Normal(f[:, 0], torch.exp(f[:, 1])))
    reference, _ = kl.torch_reference("laplace", sp.Integer(2))
    assert float(reference(F, Y)[0]) != pytest.approx(exact, rel=1e-6)
    normal, what = kl.torch_reference("normal", sp.Integer(2))  # no oracle: the entry's twin, sigma = 2
    assert what == "PyTorch twin"
    exact = float(sp.Rational(25, 16) / 8 + sp.log(8 * sp.pi) / 2)  # (y - f)^2 / (2 sigma^2) + log(2 pi sigma^2) / 2
    assert float(normal(F, Y)[0]) == pytest.approx(exact, rel=1e-15)
