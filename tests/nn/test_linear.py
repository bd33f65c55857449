"""nn.Linear and nn.Identity against torch; default initialisation; errors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_raises_with, randn
from tests.nn.torch_twin import check_layer


@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch(torch, bias):
    check_layer(
        torch, mg.nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias), randn(2, 4, 5)
    )


def test_default_initialisation_bounds():
    layer = mg.nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    weight = layer.weight.data.numpy()
    assert weight.min() >= -bound and weight.max() <= bound
    assert weight.max() > 0.99 * bound and weight.min() < -0.99 * bound
    # U(-a, a) has variance a²/3; 120000 draws put the sample within 2%.
    assert abs(weight.var() / (bound**2 / 3) - 1) < 0.02
    assert np.abs(layer.bias.data.numpy()).max() <= bound
    assert layer.weight.dtype == mg.float32


def test_identity_passes_through():
    x = mg.randn(3)
    assert mg.nn.Identity(7, key="ignored")(x) is x


def test_repr_matches_torch(torch):
    assert repr(mg.nn.Linear(2, 3, bias=False)) == repr(torch.nn.Linear(2, 3, bias=False))


def test_bad_input():
    layer = mg.nn.Linear(4, 2)
    with assert_raises_with(ValueError, "in_features=4", "(3, 5)"):
        layer(mg.randn(3, 5))
    with assert_raises_with(TypeError, "float32", "float64"):
        layer(mg.randn(3, 4, dtype=mg.float64))
    with assert_raises_with(ValueError, "in_features", "-1"):
        mg.nn.Linear(-1, 2)
