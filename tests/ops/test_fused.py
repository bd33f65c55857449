"""ops.fused: every fused op against its unfused twin (values, to the bit where the code
says so, and gradients), gradcheck and gradgradcheck of both, torch as the oracle, and
batch norm's one backward.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.ops import fused
from minigrad.ops.fused import (
    BatchNorm,
    BatchNormInputGrad,
    BatchNormWeightGrad,
    BCEWithLogitsMean,
    ChannelBias,
    InverseStd,
    L1Mean,
    Normalise,
    WeightNorm,
    WeightNormDirectionGrad,
    WeightNormMagnitudeGrad,
    WeightNormNormGrad,
    batch_norm_input_grad_unfused,
    batch_norm_param_grads,
    batch_norm_param_grads_unfused,
    batch_norm_unfused,
    batch_norm_weight_grad_unfused,
    batch_statistics,
    bce_with_logits_mean_unfused,
    channel_bias_unfused,
    inverse_std_unfused,
    l1_mean_unfused,
    normalise_unfused,
    weight_norm_unfused,
)
from tests.helpers import check_op, randn

SHAPES = [(5, 3), (4, 2, 3), (3, 2, 2, 3)]
EPS = 1e-3


def _inputs(shape: tuple[int, ...], op: str) -> list[np.ndarray]:
    """float64 inputs for one op of the table below, for a batch of ``shape``."""
    channels = shape[1]
    x = randn(*shape) * 2 + 1
    if op == "batch_norm":
        return [x, randn(channels, seed=1), randn(channels, seed=2)]
    if op in ("normalise", "inverse_std"):
        return [x]
    if op == "channel_bias":
        return [x, randn(channels, seed=1)]
    if op == "input_grad":
        per_channel = [randn(channels, seed=s) for s in (2, 3, 4)]
        return [x, randn(*shape, seed=1), *per_channel]
    return [x, randn(*shape, seed=1)]  # weight_grad, param_grads


def _product(pair: Callable[..., tuple[mg.Tensor, mg.Tensor]]) -> Callable[..., mg.Tensor]:
    # A single output for the checks: both results enter it, each with its own factor.
    def both(*inputs: mg.Tensor) -> mg.Tensor:
        first, second = pair(*inputs)
        return first * 2 + second * second

    return both


# op name -> (fused, unfused twin, the same bits claimed), as functions of tensors.
PAIRS: dict[str, tuple[Callable[..., Any], Callable[..., Any], bool]] = {
    "batch_norm": (
        lambda x, w, b: BatchNorm.apply(x, w, b, eps=EPS),
        lambda x, w, b: batch_norm_unfused(x, w, b, eps=EPS),
        False,
    ),
    "normalise": (
        lambda x: Normalise.apply(x, eps=EPS),
        lambda x: normalise_unfused(x, eps=EPS),
        False,
    ),
    "inverse_std": (
        lambda x: InverseStd.apply(x, eps=EPS),
        lambda x: inverse_std_unfused(x, eps=EPS),
        False,
    ),
    "input_grad": (BatchNormInputGrad.apply, batch_norm_input_grad_unfused, True),
    "channel_bias": (ChannelBias.apply, channel_bias_unfused, True),
    "weight_grad": (BatchNormWeightGrad.apply, batch_norm_weight_grad_unfused, True),
    "param_grads": (
        _product(batch_norm_param_grads),
        _product(batch_norm_param_grads_unfused),
        True,
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("op", sorted(PAIRS))
def test_fused_op_equals_its_twin_with_the_same_gradients(op: str, shape: tuple[int, ...]) -> None:
    fast, twin, _ = PAIRS[op]
    arrays = _inputs(shape, op)
    inputs = [mg.tensor(a, requires_grad=True) for a in arrays]
    got, want = fast(*inputs), twin(*inputs)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)
    seed = mg.tensor(randn(*got.shape, seed=9))
    got_grads = mg.autograd.grad(got, inputs, seed, create_graph=True)
    want_grads = mg.autograd.grad(want, inputs, seed, create_graph=True)
    for mine, theirs in zip(got_grads, want_grads):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), atol=1e-11)
    # Second order: the gradients' own gradients, through the sub-ops' backwards.
    second_seeds = [mg.tensor(randn(*a.shape, seed=10 + i)) for i, a in enumerate(arrays)]
    got_second = _second_order(got_grads, inputs, second_seeds)
    want_second = _second_order(want_grads, inputs, second_seeds)
    for mine, theirs in zip(got_second, want_second):
        np.testing.assert_allclose(mine, theirs, atol=1e-10)


def _second_order(
    grads: tuple[mg.Tensor, ...], inputs: list[mg.Tensor], seeds: list[mg.Tensor]
) -> list[np.ndarray]:
    total = sum(((g * s).sum() for g, s in zip(grads, seeds)), mg.tensor(0.0))
    if not total.requires_grad:  # gradients that do not depend on the inputs (a bias)
        return [np.zeros(t.shape) for t in inputs]
    out = mg.autograd.grad(total, inputs, allow_unused=True)
    return [np.zeros(t.shape) if g is None else g.numpy() for t, g in zip(inputs, out)]


@pytest.mark.parametrize("op", sorted(PAIRS))
@pytest.mark.parametrize("which", ["fused", "unfused"])
def test_fused_op_and_twin_pass_gradcheck_and_gradgradcheck(op: str, which: str) -> None:
    fast, twin, _ = PAIRS[op]
    check_op(fast if which == "fused" else twin, *_inputs((4, 2, 3), op), torch_fn=None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", sorted(op for op, (_, _, exact) in PAIRS.items() if exact))
def test_fused_op_gives_its_twins_bits_where_it_says_so(op: str, dtype: Any) -> None:
    fast, twin, _ = PAIRS[op]
    inputs = [mg.tensor(a.astype(dtype)) for a in _inputs((8, 4, 3, 5), op)]
    got, want = fast(*inputs), twin(*inputs)
    assert got.dtype == want.dtype == mg.tensor(np.zeros(1, dtype)).dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_param_grads_are_the_two_ops_they_record() -> None:
    g = mg.tensor(randn(4, 3, 2, 5).astype(np.float32))
    xhat = mg.tensor(randn(4, 3, 2, 5, seed=1).astype(np.float32))
    grad_bias, grad_weight = batch_norm_param_grads(g, xhat)
    np.testing.assert_array_equal(grad_bias.numpy(), g.sum((0, 2, 3)).numpy())
    np.testing.assert_array_equal(grad_weight.numpy(), BatchNormWeightGrad.apply(g, xhat).numpy())
    g.requires_grad = True
    grad_bias, grad_weight = batch_norm_param_grads(g, xhat)
    assert grad_bias.grad_fn.function is fused.Sum
    assert grad_weight.grad_fn.function is BatchNormWeightGrad


# --- batch norm against torch --------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
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


def test_batch_norm_double_backward_matches_torch(torch):
    # A gradient penalty: the gradient of |d out / d x|^2 with respect to x and the
    # weight (d out / d x does not depend on the bias).
    import torch.nn.functional as tf

    arrays = [randn(4, 3, 5) * 2 + 1, randn(3, seed=1), randn(3, seed=2)]
    seed = randn(4, 3, 5, seed=3)
    mine = [mg.tensor(a, requires_grad=True) for a in arrays]
    out = BatchNorm.apply(*mine, eps=1e-5)
    (gx,) = mg.autograd.grad(out, [mine[0]], mg.tensor(seed), create_graph=True)
    got = mg.autograd.grad((gx * gx).sum(), mine[:2])
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = tf.batch_norm(theirs[0], None, None, theirs[1], theirs[2], training=True, eps=1e-5)
    (gx,) = torch.autograd.grad(out, [theirs[0]], torch.tensor(seed), create_graph=True)
    want = torch.autograd.grad((gx * gx).sum(), theirs[:2])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-9, atol=1e-10)


def test_batch_norm_input_grad_is_torchs_batch_norm_input_gradient(torch):
    # Built from x as batch norm's backward builds it, the op must equal torch's
    # d(batch_norm)/dx, and so must its own derivatives (torch's double backward).
    import torch.nn.functional as tf

    eps = 1e-5

    def minigrad_input_grad(g, x, w):
        normalised = Normalise.apply(x, eps=eps)
        root = InverseStd.apply(x, eps=eps)
        grad_bias, grad_weight = batch_norm_param_grads(g, normalised)
        return BatchNormInputGrad.apply(g, normalised, w * root, grad_weight, grad_bias)

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


# --- batch norm's one backward -------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_backward_gives_the_same_bits_recorded_or_not(dtype: Any) -> None:
    # One formula: with create_graph the same kernels run on the same arrays.
    arrays = [randn(4, 3, 2), randn(3, seed=1), randn(3, seed=2)]
    inputs = [mg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    seed = mg.tensor(randn(4, 3, 2, seed=3).astype(dtype))
    plain = mg.autograd.grad(BatchNorm.apply(*inputs, eps=1e-3), inputs, seed)
    recorded = mg.autograd.grad(
        BatchNorm.apply(*inputs, eps=1e-3), inputs, seed, create_graph=True
    )
    assert recorded[0].requires_grad and recorded[1].requires_grad  # db = sum(seed) is not
    for got, want in zip(plain, recorded):
        np.testing.assert_array_equal(got.numpy(), want.detach().numpy())


def test_batch_norm_ordinary_backward_computes_no_statistics(monkeypatch) -> None:
    # xhat and r are the forward's arrays: the backward makes no pass for statistics.
    calls = []

    def counted(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(x.shape)
        return batch_statistics(x)

    monkeypatch.setattr(fused, "batch_statistics", counted)
    inputs = [mg.tensor(randn(4, 3, 2), requires_grad=True) for _ in range(1)]
    inputs += [mg.tensor(randn(3, seed=s), requires_grad=True) for s in (1, 2)]
    out = BatchNorm.apply(*inputs, eps=1e-3)
    assert len(calls) == 1
    out.backward(mg.tensor(randn(4, 3, 2, seed=3)))
    assert len(calls) == 1
    assert all(t.grad is not None for t in inputs)


def test_batch_norm_backward_computes_only_the_gradients_needed() -> None:
    x = mg.tensor(randn(4, 3, 2), requires_grad=True)
    weight, bias = mg.tensor(randn(3, seed=1)), mg.tensor(randn(3, seed=2), requires_grad=True)
    (gx, gb) = mg.autograd.grad(BatchNorm.apply(x, weight, bias, eps=1e-3).sum(), [x, bias])
    want = mg.autograd.grad(batch_norm_unfused(x, weight, bias, eps=1e-3).sum(), [x, bias])
    np.testing.assert_allclose(gx.numpy(), want[0].numpy(), atol=1e-12)
    np.testing.assert_allclose(gb.numpy(), want[1].numpy(), atol=1e-12)


# --- the statistics ------------------------------------------------------------------


def test_batch_statistics_are_the_mean_and_biased_variance_per_channel():
    x = randn(5, 3, 4, 2) * 3 + 7
    mean, variance = batch_statistics(x)
    np.testing.assert_allclose(mean, x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(variance, x.var(axis=(0, 2, 3)), rtol=1e-12)


def test_batch_norm_with_given_statistics_equals_computing_them():
    x = mg.tensor(randn(4, 3, 5).astype(np.float32))
    weight, bias = mg.tensor(randn(3, seed=1)).float(), mg.tensor(randn(3, seed=2)).float()
    mean, variance = batch_statistics(x.numpy())
    given = BatchNorm.apply(x, weight, bias, eps=1e-5, mean=mean, variance=variance)
    computed = BatchNorm.apply(x, weight, bias, eps=1e-5)
    assert np.array_equal(given.numpy(), computed.numpy())


def test_normalise_and_inverse_std_are_batch_norms_own_arrays():
    # What batch norm's backward records with ``applied`` is what the ops compute.
    x = mg.tensor(randn(4, 3, 5).astype(np.float32) * 3 + 1)
    ones, zeros = mg.ones(3), mg.zeros(3)
    np.testing.assert_array_equal(
        BatchNorm.apply(x, ones, zeros, eps=1e-5).numpy(), Normalise.apply(x, eps=1e-5).numpy()
    )
    _, variance = batch_statistics(x.numpy())
    want = (1 / np.sqrt(variance + 1e-5)).astype(np.float32)
    np.testing.assert_array_equal(InverseStd.apply(x, eps=1e-5).numpy(), want)


def test_batch_norm_weight_grad_keeps_float32():
    g, xhat = randn(4, 3, 5).astype(np.float32), randn(4, 3, 5, seed=1).astype(np.float32)
    out = BatchNormWeightGrad.apply(mg.tensor(g), mg.tensor(xhat))
    assert out.dtype == mg.float32
    want = (g.astype(np.float64) * xhat).sum(axis=(0, 2))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)


# --- weight norm ---------------------------------------------------------------------

# (v's shape, the dims of the norm): the per-filter norm of conv and linear weights
# (dim 0), the whole tensor (dim None / -1), and another kept dim.
WEIGHT_NORM_CASES = [
    ((6, 4, 3), (1, 2)),
    ((5, 3), (1,)),
    ((4, 3, 2), (0, 1, 2)),
    ((3, 4, 2), (0, 2)),
]


def _magnitude_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    if len(dims) == len(shape):
        return ()
    return tuple(1 if axis in dims else size for axis, size in enumerate(shape))


def _weight_norm_arrays(shape, dims, dtype=np.float64, seed=0):
    v = randn(*shape, seed=seed).astype(dtype)
    g = (randn(*_magnitude_shape(shape, dims), seed=seed + 1) + 2).astype(dtype)
    return v, g


def _weight_norm(v: mg.Tensor, g: mg.Tensor, dims: tuple[int, ...]) -> mg.Tensor:
    return WeightNorm.apply(v, v, g, dims=dims)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "dims"), WEIGHT_NORM_CASES)
def test_weight_norm_gives_the_composites_bits_and_gradients(shape, dims, dtype) -> None:
    # Two forwards share v and g (a discriminator called on real and fake batches):
    # v's four gradient terms must be summed as the composite's are, to the bit.
    v_array, g_array = _weight_norm_arrays(shape, dims, dtype)
    seeds = [mg.tensor(randn(*shape, seed=5 + i).astype(dtype)) for i in range(2)]
    results = []
    for function in (_weight_norm, lambda v, g, dims: weight_norm_unfused(v, g, dims=dims)):
        v, g = mg.tensor(v_array, requires_grad=True), mg.tensor(g_array, requires_grad=True)
        outs = [function(v, g, dims) for _ in seeds]
        loss = (outs[0] * seeds[0]).sum() + (outs[1] * seeds[1]).sum()
        loss.backward()
        results.append([outs[0].detach().numpy(), v.grad.numpy(), g.grad.numpy()])
    for got, want in zip(*results):
        assert got.dtype == want.dtype == dtype
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize(("shape", "dims"), WEIGHT_NORM_CASES)
def test_weight_norm_matches_torch_and_passes_gradcheck_and_gradgradcheck(torch, shape, dims):
    kept = [axis for axis in range(len(shape)) if axis not in dims]
    dim = kept[0] if kept else -1
    check_op(
        lambda v, g: _weight_norm(v, g, dims),
        *_weight_norm_arrays(shape, dims),
        torch_fn=lambda v, g: torch._weight_norm(v, g, dim),
    )


@pytest.mark.parametrize(("shape", "dims"), WEIGHT_NORM_CASES[:2])
@pytest.mark.parametrize("op", ["direction", "normed", "magnitude"])
def test_weight_norm_gradient_ops_pass_gradcheck_and_gradgradcheck(shape, dims, op) -> None:
    # Each is what the op's backward records; its forward is the same pass, alone.
    v, g = _weight_norm_arrays(shape, dims)
    grad = randn(*shape, seed=7)
    if op == "magnitude":
        magnitude = _magnitude_shape(shape, dims)
        function = lambda grad, v: WeightNormMagnitudeGrad.apply(  # noqa: E731
            grad, v, dims=dims, shape=magnitude
        )
        check_op(function, grad, v, torch_fn=None)
        return
    fused_op = WeightNormDirectionGrad if op == "direction" else WeightNormNormGrad
    check_op(lambda grad, v, g: fused_op.apply(grad, v, g, dims=dims), grad, v, g, torch_fn=None)


def test_weight_norm_gradient_ops_are_what_its_backward_records() -> None:
    shape, dims = WEIGHT_NORM_CASES[0]
    v_array, g_array = _weight_norm_arrays(shape, dims, np.float32)
    v, g = mg.tensor(v_array, requires_grad=True), mg.tensor(g_array, requires_grad=True)
    seed = mg.tensor(randn(*shape, seed=7).astype(np.float32))
    out = WeightNorm.apply(v, v, g, dims=dims)
    with mg.no_grad():
        recorded = out.grad_fn.function.backward(out.grad_fn.ctx, seed)
        alone = [
            WeightNormDirectionGrad.apply(seed, v, g, dims=dims),
            WeightNormNormGrad.apply(seed, v, g, dims=dims),
            WeightNormMagnitudeGrad.apply(seed, v, dims=dims, shape=g.shape),
        ]
    for got, want in zip(recorded, alone):
        assert got.numpy().tobytes() == want.numpy().tobytes()


def test_weight_norm_second_order_equals_the_composites() -> None:
    # A gradient penalty through the weight: second derivatives via the gradient ops.
    shape, dims = WEIGHT_NORM_CASES[0]
    v_array, g_array = _weight_norm_arrays(shape, dims)
    results = []
    for function in (_weight_norm, lambda v, g, dims: weight_norm_unfused(v, g, dims=dims)):
        v, g = mg.tensor(v_array, requires_grad=True), mg.tensor(g_array, requires_grad=True)
        out = function(v, g, dims)
        dv, dg = mg.autograd.grad((out * out.sin()).sum(), (v, g), create_graph=True)
        results.append([t.numpy() for t in mg.autograd.grad((dv * dv).sum() + dg.sum(), (v, g))])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# --- losses with their mean ------------------------------------------------------------

LOSS_PAIRS = {
    "l1": (L1Mean, l1_mean_unfused, "l1_loss"),
    "bce_with_logits": (
        BCEWithLogitsMean,
        bce_with_logits_mean_unfused,
        "binary_cross_entropy_with_logits",
    ),
}


def _loss_arrays(op: str, shape=(4, 3, 5), dtype=np.float64) -> list[np.ndarray]:
    x = randn(*shape) * 3
    y = (
        np.random.default_rng(1).random(shape)
        if op == "bce_with_logits"
        else randn(*shape, seed=1)
    )
    x[0, 0, :2] = y[0, 0, :2]  # L1 at x == y, where the gradient is 0
    return [x.astype(dtype), y.astype(dtype)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", sorted(LOSS_PAIRS))
def test_mean_loss_gives_its_twins_bits_and_gradients(op: str, dtype: Any) -> None:
    fast, twin, _ = LOSS_PAIRS[op]
    results = []
    for function in (fast.apply, twin):
        inputs = [mg.tensor(a, requires_grad=True) for a in _loss_arrays(op, dtype=dtype)]
        out = function(*inputs)
        (out * 3.0).backward()  # a weighted term of a larger loss: grad 3, not 1
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in inputs])
    for got, want in zip(*results):
        assert got.dtype == want.dtype == dtype
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("op", sorted(LOSS_PAIRS))
def test_mean_loss_matches_torch_and_passes_gradcheck_and_gradgradcheck(torch, op: str):
    fast, _, name = LOSS_PAIRS[op]
    x, y = _loss_arrays(op)
    x[0, 0, :2] += 0.5  # away from L1's kink, for the finite differences
    check_op(fast.apply, x, y, torch_fn=getattr(torch.nn.functional, name))


@pytest.mark.parametrize("op", sorted(LOSS_PAIRS))
def test_mean_loss_gradient_op_is_what_its_backward_records(op: str) -> None:
    fast, _, _ = LOSS_PAIRS[op]
    x, y = (mg.tensor(a, requires_grad=True) for a in _loss_arrays(op, dtype=np.float32))
    out = fast.apply(x, y)
    grad = mg.tensor(np.float32(2.5))
    with mg.no_grad():
        recorded = out.grad_fn.function.backward(out.grad_fn.ctx, grad)[0]
        gradient_op = fused.L1MeanGrad if op == "l1" else fused.BCEWithLogitsMeanGrad
        alone = gradient_op.apply(grad, x, y)
    assert recorded.numpy().tobytes() == alone.numpy().tobytes()


def test_bce_with_logits_mean_second_order_equals_the_composites() -> None:
    # A gradient penalty on the logits: through BCEWithLogitsMeanGrad's own backward.
    results = []
    for function in (BCEWithLogitsMean.apply, bce_with_logits_mean_unfused):
        x, y = (mg.tensor(a, requires_grad=True) for a in _loss_arrays("bce_with_logits"))
        (dx,) = mg.autograd.grad(function(x, y), [x], create_graph=True)
        results.append([t.numpy() for t in mg.autograd.grad((dx**2).sum(), [x, y])])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shape", [(8, 4, 3, 5), (2, 3, 70), (3, 2, 2, 3, 4), (64, 16, 4, 4), (2, 3, 2000)]
)
def test_channel_bias_gives_the_composites_bits_forward_and_backward(shape, dtype, create_graph):
    y = mg.tensor(randn(*shape).astype(dtype), requires_grad=True)
    b = mg.tensor(randn(shape[1], seed=1).astype(dtype), requires_grad=True)
    seed = mg.tensor(randn(*shape, seed=2).astype(dtype))
    got, want = ChannelBias.apply(y, b), channel_bias_unfused(y, b)
    assert got.dtype == want.dtype == y.dtype
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    got_grads = mg.autograd.grad(got, [y, b], seed, create_graph=create_graph)
    want_grads = mg.autograd.grad(want, [y, b], seed, create_graph=create_graph)
    for mine, theirs in zip(got_grads, want_grads):
        assert mine.dtype == theirs.dtype and mine.shape == theirs.shape
        np.testing.assert_array_equal(mine.detach().numpy(), theirs.detach().numpy())


def test_a_conv_bias_is_one_op_with_inf_and_nan_propagating_silently():
    x = mg.tensor(np.full((1, 1, 3, 3), np.inf))
    w = mg.tensor(np.ones((1, 1, 1, 1)))
    b = mg.tensor(np.array([-np.inf]), requires_grad=True)
    with np.errstate(all="raise"):
        y = mg.nn.functional.conv2d(x, w, b)
    assert y.grad_fn.name == "ChannelBias"
    assert np.isnan(y.detach().numpy()).all()
