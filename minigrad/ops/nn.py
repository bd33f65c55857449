"""Neural-network primitives that are not composites of other ops.

``BinaryCrossEntropyWithLogits``: the GAN losses of a small training step are several
percent of it as a composite of five ops forward and more backward.

``Softplus``: written as ``relu(x) + log(1 + exp(-|x|))`` it would be stable but its
derivative at ``x == 0`` would come out as 0 (relu' and sign are 0 there) instead of
sigmoid(0) = 1/2.

``BatchNorm``: as a composite it is about a dozen ops forward and fifty backward, which
dominated small training steps (issue 6); fused, it is one op forward and four ops
backward, two of them the fused ``BatchNormWeightGrad`` and ``BatchNormInputGrad``.
Their forwards are the one-pass kernels of :mod:`minigrad.kernels.norm`.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.function import Context, Function
from minigrad.kernels import (
    batch_norm_forward,
    batch_norm_input_grad,
    batch_norm_statistics,
    channel_dot,
    channel_sum_and_dot,
)
from minigrad.ops.reduce import Sum
from minigrad.ops.shape import reshape
from minigrad.tensor import Tensor


class Softplus(Function):
    """out = log(1 + exp(x)).   dx = grad * sigmoid(x).

    The forward is ``logaddexp(0, x)``, which neither overflows for large x nor
    loses the result for very negative x.
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.logaddexp(np.zeros((), dtype=x.dtype), x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad * x.sigmoid(),)


class BinaryCrossEntropyWithLogits(Function):
    """out = (1 - y) * x + softplus(-x), the binary cross entropy of logits x and
    targets y, elementwise (one op instead of five; x and y have one shape).

    dx = grad * (sigmoid(x) - y).
    dy = -grad * x.
    """

    reads = {0: (0, 1), 1: (0, 1)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (1 - y) * x + np.logaddexp(np.zeros((), dtype=x.dtype), -x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = grad * (x.sigmoid() - y) if ctx.needs_input_grad[0] else None
        dy = -(grad * x) if ctx.needs_input_grad[1] else None
        return dx, dy


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of ``(N, C, *)`` x, each ``(C,)``, in x's dtype
    (summed in float64 by one kernel: see :func:`~minigrad.kernels.batch_norm_statistics`).
    """
    return batch_norm_statistics(x)


class BatchNorm(Function):
    """Batch normalisation with the batch's statistics, per channel (dim 1).

    Notation: ``x`` is ``(N, C, *)``, ``w`` and ``b`` are ``(C,)``, statistics run over
    every dim but 1, ``n`` values per channel, ``mean(.)`` is over those dims.

    out = xhat * w + b,   xhat = (x - mean(x)) * r,   r = 1 / sqrt(mean((x - mean(x))^2) + eps).
    dx = w * r * (grad - mean(grad) - xhat * mean(grad * xhat)).
    dw = sum(grad * xhat).   db = sum(grad).

    The optional parameters ``mean`` and ``variance`` are x's batch statistics as
    :func:`batch_statistics` gives them, for a caller that needs them anyway (for the
    running statistics): they are the costly part of the forward.
    """

    # As PyTorch's one batch-norm backward: x and the weight, whatever is needed.
    reads = {0: (0, 1), 1: (0, 1), 2: (0, 1)}

    @staticmethod
    def forward(
        ctx: Context,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray,
        *,
        eps: float,
        mean: np.ndarray | None = None,
        variance: np.ndarray | None = None,
    ) -> np.ndarray:
        if mean is None or variance is None:
            mean, variance = batch_statistics(x)
        root = np.asarray(1 / np.sqrt(variance + eps), dtype=x.dtype)
        out, normalised = batch_norm_forward(x, mean, root, weight, bias)
        ctx.saved["normalised"] = normalised
        ctx.saved["root"] = root
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, bias = ctx.inputs
        dims = (0, *range(2, x.ndim))
        if grad_mode.is_grad_enabled():
            # The backward is being recorded (create_graph): the statistics must be ops
            # on x, so that second derivatives see how they move with x.
            centred = x - x.mean(dims, keepdim=True)
            root = 1 / ((centred * centred).mean(dims, keepdim=True) + ctx.params["eps"]).sqrt()
            normalised = centred * root
            root = root.reshape(weight.shape)
        else:
            # Not recorded: the forward's arrays are the same numbers, as constants.
            normalised = Tensor._wrap(ctx.saved["normalised"])
            root = Tensor._wrap(ctx.saved["root"])
        grad_bias, grad_weight = apply_batch_norm_param_grads(grad, normalised)
        dx = None
        if ctx.needs_input_grad[0]:
            dx = BatchNormInputGrad.apply(grad, normalised, weight * root, grad_weight, grad_bias)
        dw = grad_weight if ctx.needs_input_grad[1] else None
        db = grad_bias if ctx.needs_input_grad[2] else None
        return dx, dw, db


class BatchNormInputGrad(Function):
    """Batch norm's input gradient, given its other two: one op instead of eight.

    Notation as in :class:`BatchNorm`; ``s = w * r``, ``gw = sum(g * xhat)`` and
    ``gb = sum(g)`` are ``(C,)``, ``g`` and ``xhat`` are ``(N, C, *)``; ``sum_c`` sums
    over every dim but 1.

    out = s * (g - gb / n - xhat * gw / n).
    dg = grad * s.
    dxhat = -grad * s * gw / n.
    ds = sum_c(grad * (g - gb / n - xhat * gw / n)).
    dgw = -sum_c(grad * s * xhat) / n.
    dgb = -sum_c(grad * s) / n.
    """

    reads = {0: (2,), 1: (2, 3), 2: (0, 1, 3, 4), 3: (1, 2), 4: (2,)}

    @staticmethod
    def forward(
        ctx: Context,
        g: np.ndarray,
        normalised: np.ndarray,
        scale: np.ndarray,
        grad_weight: np.ndarray,
        grad_bias: np.ndarray,
    ) -> np.ndarray:
        count = g.dtype.type(g.size // g.shape[1])
        return batch_norm_input_grad(g, normalised, scale, grad_bias / count, grad_weight / count)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g, normalised, scale, grad_weight, grad_bias = ctx.inputs
        need = ctx.needs_input_grad
        dims = (0, *range(2, g.ndim))
        count = g.numel() // g.shape[1]
        shape = (1, g.shape[1]) + (1,) * (g.ndim - 2)
        s = reshape(scale, shape)
        mean_weight = reshape(grad_weight, shape) / count
        dg = grad * s if need[0] else None
        dxhat = -(grad * (s * mean_weight)) if need[1] else None
        ds = None
        if need[2]:
            centred = g - reshape(grad_bias, shape) / count - normalised * mean_weight
            ds = (grad * centred).sum(dims)
        dgw = -(grad * s * normalised).sum(dims) / count if need[3] else None
        dgb = -(grad * s).sum(dims) / count if need[4] else None
        return dg, dxhat, ds, dgw, dgb


class BatchNormWeightGrad(Function):
    """Batch norm's weight gradient: one pass instead of a product and a sum.

    Notation as in :class:`BatchNormInputGrad`; ``grad`` is ``(C,)``, ``grad_c`` is it
    as ``(1, C, 1, ...)``.

    out = sum_c(g * xhat).
    dg = grad_c * xhat.
    dxhat = grad_c * g.
    """

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(ctx: Context, g: np.ndarray, normalised: np.ndarray) -> np.ndarray:
        return channel_dot(g, normalised)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g, normalised = ctx.inputs
        per_channel = reshape(grad, (1, g.shape[1]) + (1,) * (g.ndim - 2))
        dg = per_channel * normalised if ctx.needs_input_grad[0] else None
        dxhat = per_channel * g if ctx.needs_input_grad[1] else None
        return dg, dxhat


def apply_batch_norm_param_grads(grad: Tensor, normalised: Tensor) -> tuple[Tensor, Tensor]:
    """``(Sum(grad), BatchNormWeightGrad(grad, normalised))`` over every dim but 1: batch
    norm's bias and weight gradients, ``(C,)`` each, read from one pass over both inputs.

    The results are recorded as the two ops they are, so their derivatives are unchanged.
    """
    dims = (0, *range(2, grad.ndim))
    grad_bias, grad_weight = channel_sum_and_dot(grad._data, normalised._data)
    return (
        Sum.applied(grad_bias, grad, dims=dims, keepdim=False),
        BatchNormWeightGrad.applied(grad_weight, grad, normalised),
    )
