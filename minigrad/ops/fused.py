"""Fused ops: one op where the plain composite would cost many passes or many ops.

An op is fused when speed needs it to compute what a composite of plain ops would
compute, in fewer passes: one kernel instead of a dozen numpy passes, or two results
from one pass. Fused ops keep the op contract (forward on arrays, backward in minigrad
ops), so gradients of any order still follow. Each one here has

* a docstring saying why it is fused, its forward formula and one derivative line
  per input;
* an unfused twin right after it, ``*_unfused``: the same maths written as a
  composition of plain differentiable ops, which ``tests/ops/test_fused.py`` checks it
  against (values, where stated to the bit; gradcheck and gradgradcheck of both).

Two results from one pass. A kernel that computes the outputs of two ops at once
hands each to [`applied`][minigrad.autograd.function.Function.applied], which records it
as the op it is, so each keeps its own backward (``batch_norm_param_grads``).

A fused backward. ``BatchNorm``'s backward is one formula for every grad mode,
written with fused sub-ops: ``Normalise`` and ``InverseStd`` give the
forward's ``xhat`` and ``r`` back as the functions of x they are, with the forward's
arrays as their values; ``batch_norm_param_grads`` and
``BatchNormInputGrad`` are the gradient formulas. In an ordinary backward (no
graph recorded) that runs two kernels; with ``create_graph=True`` the same calls are
recorded, and the sub-ops' own backwards give the second derivatives.

Notation: ``x`` is ``(N, C, *)``; per-channel values ``w``, ``b``, ``r`` are ``(C,)``;
``sum_c`` and ``mean_c`` run over every dim but 1, ``n`` values per channel; a ``(C,)``
value in a formula with an ``(N, C, *)`` one stands for it reshaped to
``(1, C, 1, ...)``.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
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


def _channel_dims(ndim: int) -> tuple[int, ...]:
    """Every dim but the channel dim 1: the dims that batch norm reduces over."""
    return (0, *range(2, ndim))


def _per_channel(values: Tensor, ndim: int) -> Tensor:
    """``(C,)`` values as ``(1, C, 1, ...)``, to broadcast against ``(N, C, *)``."""
    return reshape(values, (1, values.shape[0]) + (1,) * (ndim - 2))


def _count(x: Tensor) -> int:
    """``n``: the number of values per channel of ``(N, C, *)`` x."""
    return x.numel() // x.shape[1]


def batch_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of ``(N, C, *)`` x, each ``(C,)``, in x's dtype
    (summed in float64 by one kernel: see ``batch_norm_statistics``).

    Arrays, not an op: the statistics feed the running averages, which have no
    gradient, and ``BatchNorm``'s forward, which takes them as given.
    """
    return batch_norm_statistics(x)


def _inverse_std(variance: np.ndarray, eps: float, dtype: np.dtype) -> np.ndarray:
    """``r = 1 / sqrt(variance + eps)`` in x's dtype: one rounding for every op here."""
    return np.asarray(1 / np.sqrt(variance + eps), dtype=dtype)


# --- batch norm -----------------------------------------------------------------------


class BatchNorm(Function):
    """Batch normalisation with the batch's statistics, per channel (dim 1).

    Fused: as a composite it is about a dozen ops forward and fifty backward, which
    dominated small training steps; here it is one kernel forward (which also leaves
    ``xhat``) and two kernels backward.

    out = xhat * w + b,   xhat = (x - mean_c(x)) * r,
    r = 1 / sqrt(mean_c((x - mean_c(x))^2) + eps).
    dx = BatchNormInputGrad(grad, xhat, w * r, dw, db) = w * r * (grad - (db + xhat * dw) / n).
    dw = sum_c(grad * xhat).   db = sum_c(grad).   (both from one pass: batch_norm_param_grads)

    ``xhat`` and ``r`` enter the backward as ``Normalise`` and ``InverseStd``
    of x, so that a recorded backward (``create_graph``) sees how they move with x.

    The optional parameters ``mean`` and ``variance`` are x's batch statistics as
    ``batch_statistics`` gives them, for a caller that needs them anyway (for the
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
        root = _inverse_std(variance, eps, x.dtype)
        out, normalised = batch_norm_forward(x, mean, root, weight, bias)
        ctx.saved["normalised"] = normalised
        ctx.saved["root"] = root
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, bias = ctx.inputs
        eps = ctx.params["eps"]
        normalised = Normalise.applied(ctx.saved["normalised"], x, eps=eps)
        root = InverseStd.applied(ctx.saved["root"], x, eps=eps)
        grad_bias, grad_weight = batch_norm_param_grads(grad, normalised)
        dx = None
        if ctx.needs_input_grad[0]:
            dx = BatchNormInputGrad.apply(grad, normalised, weight * root, grad_weight, grad_bias)
        dw = grad_weight if ctx.needs_input_grad[1] else None
        db = grad_bias if ctx.needs_input_grad[2] else None
        return dx, dw, db


def batch_norm_unfused(x: Tensor, weight: Tensor, bias: Tensor, *, eps: float) -> Tensor:
    """``BatchNorm``'s twin in plain ops: ``normalise_unfused(x) * w + b``."""
    scale, shift = _per_channel(weight, x.ndim), _per_channel(bias, x.ndim)
    return normalise_unfused(x, eps=eps) * scale + shift


class Normalise(Function):
    """``xhat``, x normalised per channel by its batch statistics (no weight or bias).

    Fused: the statistics kernel and one pass. ``BatchNorm``'s backward records
    its forward's ``xhat`` as this op of x (with ``applied``), so this op's forward only
    runs when called on its own.

    out = xhat = (x - mean_c(x)) * r,   r = InverseStd(x).
    dx = BatchNormInputGrad(grad, xhat, r, sum_c(grad * xhat), sum_c(grad))
       = r * (grad - mean_c(grad) - xhat * mean_c(grad * xhat)).
    """

    reads = {0: (0, OUTPUT)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, eps: float) -> np.ndarray:
        mean, variance = batch_statistics(x)
        root = _inverse_std(variance, eps, x.dtype)
        # BatchNorm's kernel with w = 1 and b = 0: its second result is xhat.
        one, zero = np.ones_like(root), np.zeros_like(root)
        return batch_norm_forward(x, mean, root, one, zero)[1]

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        normalised = ctx.output()
        root = InverseStd.apply(x, eps=ctx.params["eps"])
        grad_sum, grad_dot = batch_norm_param_grads(grad, normalised)
        return (BatchNormInputGrad.apply(grad, normalised, root, grad_dot, grad_sum),)


def normalise_unfused(x: Tensor, *, eps: float) -> Tensor:
    """``Normalise``'s twin in plain ops: ``(x - mean_c(x)) * inverse_std_unfused(x)``."""
    centred = x - x.mean(_channel_dims(x.ndim), keepdim=True)
    return centred * _per_channel(inverse_std_unfused(x, eps=eps), x.ndim)


class InverseStd(Function):
    """``r``, one over the batch standard deviation of each channel of x, ``(C,)``.

    Fused: the statistics kernel (float64 sums, two passes). ``BatchNorm``'s
    backward records its forward's ``r`` as this op of x (with ``applied``).

    out = r = 1 / sqrt(mean_c((x - mean_c(x))^2) + eps).
    dx = -grad * r^3 * (x - mean_c(x)) / n.
    """

    reads = {0: (0, OUTPUT)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, eps: float) -> np.ndarray:
        _, variance = batch_statistics(x)
        return _inverse_std(variance, eps, x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        root = ctx.output()
        centred = x - x.mean(_channel_dims(x.ndim), keepdim=True)
        slope = _per_channel(grad * root * root * root, x.ndim)
        return (-(slope * centred) / _count(x),)


def inverse_std_unfused(x: Tensor, *, eps: float) -> Tensor:
    """``InverseStd``'s twin in plain ops."""
    dims = _channel_dims(x.ndim)
    centred = x - x.mean(dims, keepdim=True)
    return 1 / ((centred * centred).mean(dims) + eps).sqrt()


# --- batch norm's gradient formulas ---------------------------------------------------


class BatchNormInputGrad(Function):
    """Batch norm's input gradient, given its other two.

    Fused: one kernel pass instead of eight ops. ``s = w * r``, ``gw = sum_c(g * xhat)``
    and ``gb = sum_c(g)`` are ``(C,)``; ``g`` and ``xhat`` are ``(N, C, *)``.

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
        dims = _channel_dims(g.ndim)
        count = _count(g)
        s = _per_channel(scale, g.ndim)
        mean_weight = _per_channel(grad_weight, g.ndim) / count
        dg = grad * s if need[0] else None
        dxhat = -(grad * (s * mean_weight)) if need[1] else None
        ds = None
        if need[2]:
            centred = g - _per_channel(grad_bias, g.ndim) / count - normalised * mean_weight
            ds = (grad * centred).sum(dims)
        dgw = -(grad * s * normalised).sum(dims) / count if need[3] else None
        dgb = -(grad * s).sum(dims) / count if need[4] else None
        return dg, dxhat, ds, dgw, dgb


def batch_norm_input_grad_unfused(
    g: Tensor, normalised: Tensor, scale: Tensor, grad_weight: Tensor, grad_bias: Tensor
) -> Tensor:
    """``BatchNormInputGrad``'s twin in plain ops; the same bits (the kernel rounds
    each step as written, in the same order).
    """
    count = _count(g)
    mean_bias = _per_channel(grad_bias, g.ndim) / count
    mean_weight = _per_channel(grad_weight, g.ndim) / count
    return (g - mean_bias - normalised * mean_weight) * _per_channel(scale, g.ndim)


class BatchNormWeightGrad(Function):
    """Batch norm's weight gradient.

    Fused: one pass instead of a product and a sum. ``grad`` is ``(C,)``.

    out = sum_c(g * xhat).
    dg = grad * xhat.
    dxhat = grad * g.
    """

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(ctx: Context, g: np.ndarray, normalised: np.ndarray) -> np.ndarray:
        return channel_dot(g, normalised)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g, normalised = ctx.inputs
        per_channel = _per_channel(grad, g.ndim)
        dg = per_channel * normalised if ctx.needs_input_grad[0] else None
        dxhat = per_channel * g if ctx.needs_input_grad[1] else None
        return dg, dxhat


def batch_norm_weight_grad_unfused(g: Tensor, normalised: Tensor) -> Tensor:
    """``BatchNormWeightGrad``'s twin in plain ops. The same bits when ``Sum`` runs
    the per-channel kernel too (C-contiguous, N > 1 and C > 1: see
    ``sum_array``): each product rounded in g's dtype, then
    summed in float64 in the same order. Otherwise equal to rounding.
    """
    return (g * normalised).sum(_channel_dims(g.ndim))


def batch_norm_param_grads(grad: Tensor, normalised: Tensor) -> tuple[Tensor, Tensor]:
    """``(Sum(grad), BatchNormWeightGrad(grad, normalised))`` over every dim but 1: batch
    norm's bias and weight gradients, ``(C,)`` each.

    Two results from one pass: one kernel reads both inputs once and gives both sums,
    the bits of ``channel_sum`` and ``BatchNormWeightGrad`` apart;
    each is recorded (``applied``) as the op it is, so its derivatives are that op's.
    """
    grad_bias, grad_weight = channel_sum_and_dot(grad._data, normalised._data)
    return (
        Sum.applied(grad_bias, grad, dims=_channel_dims(grad.ndim), keepdim=False),
        BatchNormWeightGrad.applied(grad_weight, grad, normalised),
    )


def batch_norm_param_grads_unfused(grad: Tensor, normalised: Tensor) -> tuple[Tensor, Tensor]:
    """``batch_norm_param_grads``'s twin in plain ops; the same bits when ``Sum``
    runs the per-channel kernel (as for ``batch_norm_weight_grad_unfused``).
    """
    dims = _channel_dims(grad.ndim)
    return grad.sum(dims), (grad * normalised).sum(dims)
