"""Activation layers against torch; reprs."""

from __future__ import annotations

import numpy as np
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


@pytest.mark.parametrize(
    "make", [lambda nn: nn.ReLU(True), lambda nn: nn.LeakyReLU(0.2, inplace=True)]
)
def test_inplace_activations_overwrite_their_input_as_torch(make, torch):
    outcomes = []
    for lib in (mg, torch):
        layer = make(lib.nn)
        x = lib.tensor(np.array([-1.0, 2.0, -3.0, 0.5]), requires_grad=True)
        y = x * 2
        out = layer(y)
        assert out is y
        (out * out).sum().backward()
        # After an op that saved its output, an in-place activation is refused.
        saved = (x * 1).sigmoid()
        layer(saved)
        try:
            saved.sum().backward()
            refused = False
        except RuntimeError:
            refused = True
        outcomes.append((out.tolist(), x.grad.tolist(), repr(layer), refused))
    assert outcomes[0] == outcomes[1]
    with pytest.raises(TypeError, match="inplace"):
        mg.nn.ReLU(inplace="yes")
