"""A mode at a kink (Laplace) is argued from the one-sided slopes, never from sign(0) = 0."""

import sympy as sp

import symbolic.losses  # noqa: F401 - binds the SymPy side of the built-in losses
from symbolic.losses.modes import _one_sided_check
from symbolic.spec.losses import get_loss


def _prediction(name, D_o):
    recipe = get_loss(name).model().recipe(D_o)
    assert recipe.check()
    return recipe.parts["prediction"]


def test_laplace_mode_is_a_kink_with_a_rising_and_a_falling_side():
    part = _prediction("laplace", 2)
    reasons = [s.reason for s in part.steps]
    assert not any(r.startswith("zero at") for r in reasons), reasons  # no derivative at the peak
    slope = part.steps[0]
    assert not slope.rhs.has(sp.Piecewise) and slope.reason.endswith(r"(for $y \neq \mu$)")  # no "0 at y = mu"
    limits = [s for s in part.steps if isinstance(s.lhs, sp.Limit)]
    assert [str(s.lhs.args[3]) for s in limits] == ["-", "+"]
    b = [p for p in get_loss("laplace").model().block(2).parameters if p.name == "b"][0]
    assert [s.rhs for s in limits] == [1 / b, -1 / b]
    assert all(s.check.passed for s in limits)


def test_a_wrong_one_sided_slope_fails_its_check():
    block = get_loss("laplace").model().block(2)
    y, (mu, b) = block.targets[0], block.parameters
    slope = sp.diff(sp.log(block.density), y)
    assert _one_sided_check(block, slope, y, mu, -1, 1 / b).passed
    assert not _one_sided_check(block, slope, y, mu, -1, -1 / b).passed  # the sign of the right side
    assert not _one_sided_check(block, slope, y, mu, -1, 2 / b).passed


def test_a_smooth_mode_keeps_its_zero_slope_step():
    part = _prediction("normal", 1)
    assert any(s.reason.startswith("zero at") for s in part.steps)
    assert not any(isinstance(s.lhs, sp.Limit) for s in part.steps)
