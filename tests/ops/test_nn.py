"""ops.nn: Softplus and BinaryCrossEntropyWithLogits against torch, gradcheck,
gradgradcheck, stability (batch norm is in test_fused).
"""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad.ops.nn import BinaryCrossEntropyWithLogits, Softplus
from tests.helpers import check_op, randn


def test_softplus_matches_torch(torch):
    import torch.nn.functional as tf

    check_op(
        Softplus.apply,
        3 * randn(4, 5),
        torch_fn=tf.softplus,
        numpy_fn=lambda x: np.log1p(np.exp(x)),
    )


def test_softplus_is_finite_and_exact_in_the_tails():
    x = mg.tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype=mg.float64, requires_grad=True)
    y = Softplus.apply(x)
    np.testing.assert_allclose(
        y.detach().numpy(), [0.0, np.log1p(np.exp(-30.0)), np.log(2.0), 30.0, 1000.0], rtol=1e-14
    )
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, np.exp(-30.0), 0.5, 1.0, 1.0], rtol=1e-12)


def test_binary_cross_entropy_with_logits_matches_torch_gradcheck_and_gradgradcheck(torch):
    import torch.nn.functional as tf

    check_op(
        BinaryCrossEntropyWithLogits.apply,
        3 * randn(4, 5),
        np.random.default_rng(1).uniform(0, 1, (4, 5)),
        torch_fn=lambda x, y: tf.binary_cross_entropy_with_logits(x, y, reduction="none"),
        numpy_fn=lambda x, y: (1 - y) * x + np.log1p(np.exp(-x)),
    )


def test_binary_cross_entropy_with_logits_is_finite_for_large_logits():

    x = mg.tensor([-1000.0, 1000.0], dtype=mg.float64, requires_grad=True)
    y = mg.tensor([1.0, 0.0], dtype=mg.float64)
    loss = BinaryCrossEntropyWithLogits.apply(x, y)
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 1000.0], rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0], rtol=1e-15)
