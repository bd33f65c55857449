"""Activation layers against torch; reprs."""

from __future__ import annotations

import pytest

import minigrad as mg
from tests.helpers import randn
from tests.nn.torch_twin import check_layer


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.ReLU(),
        lambda nn: nn.LeakyReLU(0.2),
        lambda nn: nn.Tanh(),
        lambda nn: nn.Sigmoid(),
        lambda nn: nn.Softmax(dim=1),
        lambda nn: nn.LogSoftmax(dim=-1),
    ],
)
def test_matches_torch(torch, make):
    layer, twin = make(mg.nn), make(torch.nn)
    check_layer(torch, layer, twin, randn(3, 4))
    assert repr(layer) == repr(twin)
