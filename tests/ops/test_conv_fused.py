"""The fused op of ``ops/conv.py``, ``conv_and_weight_grad``, against its unfused twin:
the same bits, the same recorded ops, the same derivatives to second order."""

from __future__ import annotations

import os

import numpy as np
import pytest

import minigrad as mg
from minigrad.ops.conv import (
    Conv,
    ConvGeometry,
    ConvTranspose,
    ConvWeightGrad,
    conv_and_weight_grad,
    conv_and_weight_grad_unfused,
)

PADDED = ((0, 0), (1, 1), (1, 1))
NONE = ((0, 0), (0, 0), (0, 0))

# (geometry, batch, C_in, C_out): each of the kernels' paths and blockings.
CASES = {
    "padded k4 s2": (ConvGeometry((1, 2, 2), (1, 1, 1), (1, 4, 4), 1, (1, 8, 8), (1, 4, 4),
                                  PADDED), 2, 3, 5),
    "groups, dilation": (ConvGeometry((1, 2, 1), (1, 1, 2), (1, 3, 3), 2, (1, 9, 9),
                                      (1, 4, 5), NONE), 3, 4, 6),
    "3-d": (ConvGeometry((2, 2, 2), (1, 1, 1), (3, 3, 3), 1, (5, 5, 5), (2, 2, 2), NONE),
            2, 2, 3),
    # The batch cut into several blocks, shared between threads.
    "many blocks": (ConvGeometry((1, 1, 1), (1, 1, 1), (1, 3, 3), 1, (1, 32, 32),
                                 (1, 30, 30), NONE), 64, 16, 16),
    # DCGAN's 256 -> 128 layer: the Winograd path in float32.
    "winograd": (ConvGeometry((1, 2, 2), (1, 1, 1), (1, 4, 4), 1, (1, 16, 16), (1, 8, 8),
                              PADDED), 64, 128, 256),
}  # fmt: skip

no_jit = os.environ.get("NUMBA_DISABLE_JIT") == "1"


def tensor(shape: tuple[int, ...], seed: int, dtype: type) -> mg.Tensor:
    array = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return mg.tensor(array, requires_grad=True)


def operands(name: str, dtype: type) -> tuple[ConvGeometry, mg.Tensor, mg.Tensor, mg.Tensor]:
    g, n, c_in, c_out = CASES[name]
    x = tensor((n, c_in, *g.x_size), 1, dtype)
    w = tensor((c_out, c_in // g.groups, *g.kernel_size), 2, dtype)
    y = tensor((n, c_out, *g.y_size), 3, dtype)
    return g, x, w, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_fused_and_unfused_give_the_same_bits_and_ops(name: str, dtype: type) -> None:
    if no_jit and CASES[name][1] > 8:
        pytest.skip("large batches without JIT")
    g, x, w, y = operands(name, dtype)
    fused = conv_and_weight_grad(x, w, y, geometry=g)
    unfused = conv_and_weight_grad_unfused(x, w, y, geometry=g)
    for a, b, op in zip(fused, unfused, (Conv, ConvWeightGrad)):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())
        assert a.grad_fn is not None and a.grad_fn.function is op is b.grad_fn.function


def test_the_fused_results_differentiate_as_the_two_ops() -> None:
    g, x, w, y = operands("padded k4 s2", np.float64)

    def fused(a: mg.Tensor, b: mg.Tensor, c: mg.Tensor) -> mg.Tensor:
        out, weight_grad = conv_and_weight_grad(a, b, c, geometry=g)
        return out.sum() * weight_grad.sum() + (out * out).sum()

    def unfused(a: mg.Tensor, b: mg.Tensor, c: mg.Tensor) -> mg.Tensor:
        out, weight_grad = conv_and_weight_grad_unfused(a, b, c, geometry=g)
        return out.sum() * weight_grad.sum() + (out * out).sum()

    assert mg.autograd.gradcheck(fused, (x, w, y))
    assert mg.autograd.gradgradcheck(fused, (x, w, y))
    # First and second derivatives: the same values as the unfused twin's.
    derivatives = []
    for function in (fused, unfused):
        first = mg.autograd.grad(function(x, w, y), [x, w, y], create_graph=True)
        penalty = sum((d * d).sum() for d in first)
        second = mg.autograd.grad(penalty, [x, w, y])
        derivatives.append([d.detach().numpy() for d in (*first, *second)])
    for got, want in zip(*derivatives):
        np.testing.assert_array_equal(got, want)


def test_a_transposed_conv_s_backward_takes_the_fused_op() -> None:
    # Both gradients wanted: the fused op, whose results are the ones asked one at a time.
    g, x, w, y = operands("groups, dilation", np.float64)
    out = ConvTranspose.apply(y, w, geometry=g)
    upstream = mg.tensor(np.random.default_rng(4).standard_normal(out.shape))
    both = mg.autograd.grad((out * upstream).sum(), [y, w])
    dy = mg.autograd.grad((ConvTranspose.apply(y, w.detach(), geometry=g) * upstream).sum(), [y])
    dw = mg.autograd.grad((ConvTranspose.apply(y.detach(), w, geometry=g) * upstream).sum(), [w])
    np.testing.assert_array_equal(both[0].numpy(), dy[0].numpy())
    np.testing.assert_array_equal(both[1].numpy(), dw[0].numpy())
