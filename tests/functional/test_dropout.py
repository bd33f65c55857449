"""F.dropout: the mask's statistics, scaling, reproducibility, gradient, errors."""

from __future__ import annotations

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with


def test_statistics_and_scaling():
    x = mg.ones(200_000, dtype=mg.float64)
    y = F.dropout(x, p=0.3).numpy()
    kept = y != 0
    # Binomial(200000, 0.7): 5 standard deviations are about 0.0051.
    assert abs(kept.mean() - 0.7) < 0.006
    np.testing.assert_allclose(y[kept], 1 / 0.7)


def test_gradient_is_the_scaled_mask():
    x = mg.randn(50, dtype=mg.float64, requires_grad=True)
    y = F.dropout(x, p=0.5)
    y.sum().backward()
    mask = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask)
    assert set(np.round(mask, 12)) == {0.0, 2.0}


def test_seed_reproduces_the_mask():
    x = mg.ones(100)
    mg.manual_seed(5)
    first = F.dropout(x).numpy()
    mg.manual_seed(5)
    second = F.dropout(x).numpy()
    assert np.array_equal(first, second)
    assert not np.array_equal(first, F.dropout(x).numpy())


def test_identity_cases():
    x = mg.randn(10)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert (F.dropout(x, 1.0).numpy() == 0).all()


def test_bad_input():
    with assert_raises_with(ValueError, "dropout", "p", "[0, 1]", "1.5"):
        F.dropout(mg.ones(2), 1.5)
    with assert_raises_with(TypeError, "dropout", "p", "str"):
        F.dropout(mg.ones(2), "0.5")
