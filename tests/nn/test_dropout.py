"""nn.Dropout: active only in training, seeded, torch-style repr."""

from __future__ import annotations

import numpy as np

import minigrad as mg
from tests.helpers import assert_raises_with


def test_train_and_eval():
    layer = mg.nn.Dropout(0.25)
    x = mg.ones(10_000)
    y = layer(x).numpy()
    assert 0.2 < (y == 0).mean() < 0.3
    np.testing.assert_allclose(y[y != 0], 1 / 0.75)
    layer.eval()
    assert layer(x) is x


def test_repr_and_errors():
    assert repr(mg.nn.Dropout(0.3)) == "Dropout(p=0.3, inplace=False)"
    with assert_raises_with(ValueError, "Dropout", "p", "[0, 1]", "2"):
        mg.nn.Dropout(2)
