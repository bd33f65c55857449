"""nn.Flatten / nn.Unflatten against torch; errors."""

from __future__ import annotations

import numpy as np

import minigrad as mg
from tests.helpers import assert_raises_with, randn
from tests.nn.torch_twin import check_layer


def test_matches_torch(torch):
    check_layer(torch, mg.nn.Flatten(), torch.nn.Flatten(), randn(2, 3, 4, 5))
    check_layer(torch, mg.nn.Flatten(0, 1), torch.nn.Flatten(0, 1), randn(2, 3, 4))
    check_layer(torch, mg.nn.Unflatten(1, (3, 4)), torch.nn.Unflatten(1, (3, 4)), randn(2, 12))
    check_layer(torch, mg.nn.Unflatten(-1, (2, -1)), torch.nn.Unflatten(-1, (2, -1)), randn(2, 12))
    assert repr(mg.nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(mg.nn.Unflatten(1, (3, 4))) == repr(torch.nn.Unflatten(1, (3, 4)))


def test_round_trip():
    x = mg.randn(2, 3, 4)
    y = mg.nn.Unflatten(1, (3, 4))(mg.nn.Flatten()(x))
    assert np.array_equal(y.numpy(), x.numpy())


def test_bad_input():
    with assert_raises_with(ValueError, "unflattened_size", "12", "(5, 2)"):
        mg.nn.Unflatten(1, (5, 2))(mg.randn(2, 12))
    with assert_raises_with(TypeError, "unflattened_size", "int"):
        mg.nn.Unflatten(1, 12)
