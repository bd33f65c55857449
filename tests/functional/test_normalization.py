"""F.batch_norm against torch in training and eval, running-statistic updates, grads."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with, check_op, randn


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 2, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_matches_torch(torch, shape, training):
    import torch.nn.functional as tf

    mean, var = randn(3, seed=3), randn(3, low=0.5, seed=4)

    def mg_fn(x, w, b):
        return F.batch_norm(x, mg.tensor(mean), mg.tensor(var), w, b, training, 0.1, 1e-3)

    def torch_fn(x, w, b):
        running = torch.tensor(mean), torch.tensor(var)
        return tf.batch_norm(x, *running, w, b, training, 0.1, 1e-3)

    check_op(mg_fn, randn(*shape), randn(3, seed=1), randn(3, seed=2), torch_fn=torch_fn)


def test_running_statistics_update_like_torch(torch):
    import torch.nn.functional as tf

    x = randn(6, 3, 4)
    running = [mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64)]
    torch_running = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    for _ in range(3):
        F.batch_norm(mg.tensor(x), *running, training=True, momentum=0.3)
        tf.batch_norm(torch.tensor(x), *torch_running, training=True, momentum=0.3)
    for got, want in zip(running, torch_running):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    # The variance recorded is the unbiased one: n / (n - 1) times the biased.
    assert not np.allclose(running[1].numpy(), 1.0)


def test_without_running_statistics_uses_batch_statistics():
    x = randn(8, 2)
    y = F.batch_norm(mg.tensor(x), None, None, eps=0.0).numpy()
    np.testing.assert_allclose(y, (x - x.mean(0)) / x.std(0), rtol=1e-10)


def test_bad_input():
    x = mg.randn(4, 3)
    with assert_raises_with(ValueError, "running_mean", "(3,)", "(2,)"):
        F.batch_norm(x, mg.zeros(2), mg.ones(3))
    with assert_raises_with(ValueError, "input", "at least 2 dims", "(3,)"):
        F.batch_norm(mg.randn(3), None, None)
    with assert_raises_with(ValueError, "more than 1 value per channel", "(1, 3)"):
        F.batch_norm(mg.randn(1, 3), mg.zeros(3), mg.ones(3), training=True)
    with assert_raises_with(TypeError, "weight", "float32", "float64"):
        F.batch_norm(x, None, None, weight=mg.ones(3, dtype=mg.float64))
    running = mg.zeros(3)
    before = running.numpy().copy()
    with pytest.raises(ValueError):
        F.batch_norm(x, running, mg.ones(2), training=True)
    assert np.array_equal(running.numpy(), before)
