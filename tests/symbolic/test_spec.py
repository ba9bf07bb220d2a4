from fractions import Fraction

import pytest

from symbolic.spec import NetworkSpec, parse_widths


@pytest.mark.parametrize(
    "widths, message",
    [
        ("1,0,1", "widths must be positive integers, got 0 at position 2"),
        ("1,-3,1", "widths must be positive integers, got -3 at position 2"),
        ("1,2.5,1", "widths must be positive integers, got '2.5' at position 2"),
        ("1,a,1", "widths must be positive integers, got 'a' at position 2"),
        ("3", "widths must list at least the input and output widths (D_i, ..., D_o), got 1 entry"),
        ("1,,1", "widths must be a comma-separated list of positive integers, got '1,,1'"),
    ],
)
def test_bad_widths_are_named(widths, message):
    with pytest.raises(ValueError) as info:
        parse_widths(widths)
    assert str(info.value) == message


def test_widths_from_sequence_reject_non_integers():
    with pytest.raises(ValueError, match="got 1.5 at position 1"):
        NetworkSpec((1.5, 2))


def test_unknown_activation_suggests_a_name():
    with pytest.raises(ValueError) as info:
        NetworkSpec((1, 2, 1), "rleu")
    assert str(info.value).startswith("unknown activation 'rleu' (did you mean 'relu'?)")


def test_dimensions_and_shapes():
    spec = NetworkSpec((2, 4, 3, 1), "tanh")
    assert (spec.D_i, spec.D_o, spec.K, spec.hidden) == (2, 1, 2, (4, 3))
    assert spec.tensor_shapes()["omega_1"] == (3, 4)
    assert spec.n_parameters == 4 * 3 + 3 * 5 + 1 * 4


def test_activation_parameters_validated_and_round_trip():
    spec = NetworkSpec((1, 2, 1), "leaky_relu", {"slope": 0.2})
    assert spec.activation_params == {"slope": Fraction(1, 5)}
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="takes no parameter 'alpha'; it takes slope"):
        NetworkSpec((1, 2, 1), "leaky_relu", {"alpha": 1})
    with pytest.raises(ValueError, match="elu alpha must be positive"):
        NetworkSpec((1, 2, 1), "elu", {"alpha": -1})
