"""ops.nn: Softplus and BatchNorm against torch, gradcheck, gradgradcheck, stability."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.ops.nn import BatchNorm, Softplus
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


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (3, 2, 2, 3)])
def test_batch_norm_matches_torch_and_passes_gradcheck_and_gradgradcheck(torch, shape):
    import torch.nn.functional as tf

    channels = shape[1]
    check_op(
        lambda x, w, b: BatchNorm.apply(x, w, b, eps=1e-5),
        randn(*shape),
        randn(channels, seed=1),
        randn(channels, seed=2),
        torch_fn=lambda x, w, b: tf.batch_norm(x, None, None, w, b, training=True, eps=1e-5),
    )


def test_batch_norm_backward_gives_the_same_gradients_recorded_or_not():
    # Recorded (create_graph) it recomputes the statistics as ops; otherwise it reuses
    # the forward's arrays. Both branches must give the same numbers.
    x = mg.tensor(randn(4, 3, 2), requires_grad=True)
    weight = mg.tensor(randn(3, seed=1), requires_grad=True)
    bias = mg.tensor(randn(3, seed=2), requires_grad=True)
    seed = mg.tensor(randn(4, 3, 2, seed=3))
    plain = mg.autograd.grad(BatchNorm.apply(x, weight, bias, eps=1e-3), [x, weight, bias], seed)
    recorded = mg.autograd.grad(
        BatchNorm.apply(x, weight, bias, eps=1e-3), [x, weight, bias], seed, create_graph=True
    )
    assert recorded[0].requires_grad
    for got, want in zip(plain, recorded):
        np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_batch_statistics_are_the_mean_and_biased_variance_per_channel():
    from minigrad.ops.nn import batch_statistics

    x = randn(5, 3, 4, 2) * 3 + 7
    mean, variance = batch_statistics(x)
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(variance, x.var(axis=(0, 2, 3)), rtol=1e-12)


def test_batch_norm_with_given_statistics_equals_computing_them():
    from minigrad.ops.nn import batch_statistics

    x = mg.tensor(randn(4, 3, 5).astype(np.float32))
    weight, bias = mg.tensor(randn(3, seed=1)).float(), mg.tensor(randn(3, seed=2)).float()
    mean, variance = batch_statistics(x.numpy())
    given = BatchNorm.apply(x, weight, bias, eps=1e-5, mean=mean, variance=variance)
    computed = BatchNorm.apply(x, weight, bias, eps=1e-5)
    assert np.array_equal(given.numpy(), computed.numpy())


def _channel(t, ndim):
    return t.reshape((1, -1) + (1,) * (ndim - 2))


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3)])
def test_batch_norm_input_grad_formula_gradcheck_and_gradgradcheck(shape):
    # Five independent inputs, so that every derivative line is checked on its own.
    from minigrad.ops.nn import BatchNormInputGrad

    count = int(np.prod(shape)) // shape[1]
    channels = shape[1]

    def formula(g, xhat, scale, grad_weight, grad_bias):
        mean_weight = _channel(grad_weight, g.ndim) / count
        mean_bias = _channel(grad_bias, g.ndim) / count
        return _channel(scale, g.ndim) * (g - mean_bias - xhat * mean_weight)

    check_op(
        BatchNormInputGrad.apply,
        randn(*shape),
        randn(*shape, seed=1),
        randn(channels, seed=2),
        randn(channels, seed=3),
        randn(channels, seed=4),
        torch_fn=formula,
        numpy_fn=formula,
    )


def test_batch_norm_input_grad_is_torchs_batch_norm_input_gradient(torch):
    # Built from x as BatchNorm's recorded backward builds it, the op must equal
    # torch's d(batch_norm)/dx, and so must its own derivatives (torch's double backward).
    import torch.nn.functional as tf

    from minigrad.ops.nn import BatchNormInputGrad

    eps = 1e-5

    def minigrad_input_grad(g, x, w):
        dims = (0, 2)
        centred = x - x.mean(dims, keepdim=True)
        root = 1 / ((centred * centred).mean(dims, keepdim=True) + eps).sqrt()
        normalised = centred * root
        grad_weight = (g * normalised).sum(dims)
        return BatchNormInputGrad.apply(
            g, normalised, w * root.reshape(w.shape), grad_weight, g.sum(dims)
        )

    def torch_input_grad(g, x, w):
        out = tf.batch_norm(x, None, None, w, None, training=True, eps=eps)
        return torch.autograd.grad(out, x, g, create_graph=True)[0]

    check_op(
        minigrad_input_grad,
        randn(4, 3, 5),
        randn(4, 3, 5, seed=1) * 2 + 1,
        randn(3, seed=2),
        torch_fn=torch_input_grad,
    )


@pytest.mark.parametrize("shape", [(5, 3), (4, 2, 3), (2, 3, 2, 2)])
def test_batch_norm_weight_grad_formula_gradcheck_and_gradgradcheck(shape):
    from minigrad.ops.nn import BatchNormWeightGrad

    dims = (0, *range(2, len(shape)))
    check_op(
        BatchNormWeightGrad.apply,
        randn(*shape),
        randn(*shape, seed=1),
        torch_fn=lambda g, xhat: (g * xhat).sum(dims),
        numpy_fn=lambda g, xhat: (g * xhat).sum(axis=dims),
    )


def test_batch_norm_param_grads_are_the_two_ops_they_record():
    from minigrad.ops.nn import BatchNormWeightGrad, apply_batch_norm_param_grads

    g = mg.tensor(randn(4, 3, 2, 5).astype(np.float32))
    xhat = mg.tensor(randn(4, 3, 2, 5, seed=1).astype(np.float32))
    grad_bias, grad_weight = apply_batch_norm_param_grads(g, xhat)
    np.testing.assert_array_equal(grad_bias.numpy(), g.sum((0, 2, 3)).numpy())
    np.testing.assert_array_equal(grad_weight.numpy(), BatchNormWeightGrad.apply(g, xhat).numpy())

    def both(g, xhat):
        grad_bias, grad_weight = apply_batch_norm_param_grads(g, xhat)
        return grad_bias * grad_weight

    check_op(
        both,
        randn(4, 3, 2),
        randn(4, 3, 2, seed=1),
        torch_fn=lambda g, xhat: g.sum((0, 2)) * (g * xhat).sum((0, 2)),
    )


def test_batch_norm_weight_grad_keeps_float32():
    from minigrad.ops.nn import BatchNormWeightGrad

    g, xhat = randn(4, 3, 5).astype(np.float32), randn(4, 3, 5, seed=1).astype(np.float32)
    out = BatchNormWeightGrad.apply(mg.tensor(g), mg.tensor(xhat))
    assert out.dtype == mg.float32
    want = (g.astype(np.float64) * xhat).sum(axis=(0, 2))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)


def test_batch_norm_float32_matches_torch_and_keeps_its_dtype(torch):
    import torch.nn.functional as tf

    x = randn(8, 4, 3, 3, seed=5).astype(np.float32) * 3 + 2
    weight, bias = randn(4, seed=6).astype(np.float32), randn(4, seed=7).astype(np.float32)
    seed = randn(8, 4, 3, 3, seed=8).astype(np.float32)
    inputs = [mg.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    out = BatchNorm.apply(*inputs, eps=1e-5)
    out.backward(mg.tensor(seed))
    twins = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    want = tf.batch_norm(twins[0], None, None, twins[1], twins[2], training=True, eps=1e-5)
    want.backward(torch.tensor(seed))
    assert out.dtype == mg.float32
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-5)
    for mine, theirs in zip(inputs, twins):
        assert mine.grad.dtype == mg.float32
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_binary_cross_entropy_with_logits_matches_torch_gradcheck_and_gradgradcheck(torch):
    import torch.nn.functional as tf

    from minigrad.ops.nn import BinaryCrossEntropyWithLogits

    check_op(
        BinaryCrossEntropyWithLogits.apply,
        3 * randn(4, 5),
        np.random.default_rng(1).uniform(0, 1, (4, 5)),
        torch_fn=lambda x, y: tf.binary_cross_entropy_with_logits(x, y, reduction="none"),
        numpy_fn=lambda x, y: (1 - y) * x + np.log1p(np.exp(-x)),
    )


def test_binary_cross_entropy_with_logits_is_finite_for_large_logits():
    from minigrad.ops.nn import BinaryCrossEntropyWithLogits

    x = mg.tensor([-1000.0, 1000.0], dtype=mg.float64, requires_grad=True)
    y = mg.tensor([1.0, 0.0], dtype=mg.float64)
    loss = BinaryCrossEntropyWithLogits.apply(x, y)
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 1000.0], rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0], rtol=1e-15)
