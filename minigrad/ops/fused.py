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

The same for weight norm and the mean losses, whose composites cost several ops per
layer or loss at every step: ``WeightNorm`` and ``L1Mean`` / ``BCEWithLogitsMean`` are
one op forward, and their backward is one numpy pass recorded (``applied``) as their
gradient ops (``WeightNormDirectionGrad`` ...), whose own backwards are plain ops. Those
gradient ops are checked through their op's twin: its gradients, to the bit, and its
second derivatives.

And one for a count of ops only: ``ChannelBias``, a convolution's bias, is one op
where the composite is a reshape and a broadcast ``+``, at every conv layer and step.

Notation (batch norm): ``x`` is ``(N, C, *)``; per-channel values ``w``, ``b``, ``r`` are ``(C,)``;
``sum_c`` and ``mean_c`` run over every dim but 1, ``n`` values per channel; a ``(C,)``
value in a formula with an ``(N, C, *)`` one stands for it reshaped to
``(1, C, 1, ...)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.kernels import (
    batch_norm_forward,
    batch_norm_input_grad,
    batch_norm_statistics,
    channel_dot,
    channel_sum_and_dot,
)
from minigrad.ops.elementwise.arithmetic import rows
from minigrad.ops.elementwise.transcendental import Sigmoid
from minigrad.ops.nn import BinaryCrossEntropyWithLogits
from minigrad.ops.reduce import Sum
from minigrad.ops.shape import reshape, sum_array
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


# Rows of at most this many positions per channel get ``rows``' stretched bias, which
# ran faster there; over longer rows the plain broadcast did (docs/performance.md).
SHORT_ROWS = 1024


class ChannelBias(Function):
    """out = y + b per channel: y ``(N, C, *L)``, b ``(C,)`` -> ``(N, C, *L)``, a
    convolution's bias.

    Fused because every convolution with a bias adds one, at every step: the composite
    ``y + b`` reshaped per channel is a reshape op and the broadcasting path of ``+``
    (forward and backward), where this is one op. The same bits: the same sum, and the
    same per-channel reduction (``sum_array``) for db.

    dy = grad.   db = sum_c(grad).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, y: np.ndarray, b: np.ndarray) -> np.ndarray:
        per_channel = b.reshape((1, b.shape[0]) + (1,) * (y.ndim - 2))
        # Over short rows numpy's broadcast is slow and ``rows`` stretches b over them
        # (the same sums); over long ones the broadcast runs at speed, and the stretched
        # copy would be one more pass.
        if y.size // max(1, y.shape[0] * y.shape[1]) <= SHORT_ROWS:
            y, per_channel = rows(y, per_channel)
        # inf and NaN propagate as in PyTorch (inf + -inf is NaN), without numpy's warning.
        with np.errstate(invalid="ignore", over="ignore"):
            return y + per_channel

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        dy = grad if ctx.needs_input_grad[0] else None
        db = None
        if ctx.needs_input_grad[1]:
            db = Sum.apply(grad, dims=_channel_dims(grad.ndim), keepdim=False)
        return dy, db

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        dy = grad if ctx.needs_input_grad[0] else None
        db = sum_array(grad, _channel_dims(grad.ndim)) if ctx.needs_input_grad[1] else None
        return dy, db


def channel_bias_unfused(y: Tensor, b: Tensor) -> Tensor:
    """``ChannelBias``'s twin: the broadcast ``+`` of b as ``(1, C, 1, ...)``."""
    return y + _per_channel(b, y.ndim)


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


# --- weight norm ----------------------------------------------------------------------
#
# Notation: ``v`` has any shape, ``dims`` are the dims the norm runs over and ``g`` has
# v's shape with those dims of size 1 (0-d when they are all of v's dims); ``sum_d``
# sums over ``dims`` keeping them, ``n = ||v|| = sqrt(sum_d(v^2))`` and
# ``s = sum_d(grad * v)`` are g-shaped, and a g-shaped value in a formula with a
# v-shaped one stands for it broadcast.


def _sum_over(x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
    """``sum_array(x, dims)``, with its bits; for the usual per-filter norm (every dim but
    the first, C-contiguous) the one reduction it makes, without its bookkeeping.
    """
    if dims == tuple(range(1, x.ndim)) and x.shape[0] > 1 and x.flags.c_contiguous:
        return x.reshape(x.shape[0], -1).sum(axis=1)
    return sum_array(x, dims)


def _weight_norm_forward(v: np.ndarray, g: np.ndarray, dims: tuple[int, ...]) -> dict[str, Any]:
    """The composite's arrays, each rounded as its op rounds it: ``|v|``, ``sign(v)``,
    ``sum_d |v|^2``, ``n``, ``g / n`` and ``w = v * (g / n)``.
    """
    two, half = np.asarray(2, dtype=v.dtype), np.asarray(0.5, dtype=v.dtype)
    magnitude = np.abs(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = _sum_over(np.power(magnitude, two), dims).reshape(g.shape)
        norm = np.power(total, half)
        scale = np.asarray(g / norm)
    return {
        "magnitude": magnitude,
        "sign": np.sign(v),
        "total": total,
        "norm": norm,
        "scale": scale,
        "out": v * scale,
    }


def _weight_norm_grads(
    grad: np.ndarray,
    v: np.ndarray,
    g: np.ndarray,
    parts: dict[str, Any],
    dims: tuple[int, ...],
    needs: tuple[bool, ...],
) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """``(d direction, d normed v, dg)`` from the forward's ``parts``, each the bits of
    the composite's backward: the same numpy calls on the same values, in its order
    (``grad * y * x ** (y - 1)`` for each power, ``-(grad * x / (y * y))`` for the
    division's divisor).
    """
    one = np.asarray(1, dtype=v.dtype)
    two, half = np.asarray(2, dtype=v.dtype), np.asarray(0.5, dtype=v.dtype)
    norm = parts["norm"]
    direction = np.asarray(grad * parts["scale"]) if needs[0] else None
    normed = magnitude = None
    if needs[1] or needs[2]:
        scale_grad = _sum_over(np.asarray(grad * v), dims).reshape(g.shape)
        if needs[2]:
            magnitude = np.asarray(scale_grad / norm)
        if needs[1]:
            norm_grad = -(np.asarray(scale_grad * g) / (norm * norm))
            total_grad = np.asarray(norm_grad * half) * np.power(parts["total"], half - one)
            squares_grad = np.broadcast_to(total_grad, v.shape)  # the copy's values
            magnitude_grad = np.asarray(squares_grad * two) * np.power(
                parts["magnitude"], two - one
            )
            normed = np.asarray(magnitude_grad * parts["sign"])
    return direction, normed, magnitude


def _norm_of(v: Tensor, dims: tuple[int, ...], shape: tuple[int, ...]) -> Tensor:
    """``n = sqrt(sum_d(v^2))`` in plain ops, g-shaped: for the second derivatives."""
    return reshape((v * v).sum(dims, keepdim=True).sqrt(), shape)


def _sum_d(x: Tensor, dims: tuple[int, ...], shape: tuple[int, ...]) -> Tensor:
    return reshape(x.sum(dims, keepdim=True), shape)


class WeightNorm(Function):
    """Weight normalisation (Salimans & Kingma, 2016): ``w = v * (g / ||v||)``, the norm
    over ``dims``; the op is ``WeightNorm.apply(v, v, g, dims=dims)``.

    Fused: as a composite it is six ops forward and about twenty backward for every
    layer at every forward, which dominated the steps of weight-normed models (the
    MelGAN example's); here it is one op forward and one numpy pass backward,
    recorded as the three gradient ops below. The values are the composite's to the
    bit (``weight_norm_unfused``).

    v enters the formula twice, as the direction and inside the norm, and the op takes
    it twice, so that each term reaches v as a gradient of its own, as the composite's
    two do: a v that feeds several forwards then sums its terms in the composite's
    order, to the same bits.

    out = v * g / n.
    d direction = WeightNormDirectionGrad(grad, v, g) = grad * g / n.
    d normed v = WeightNormNormGrad(grad, v, g) = -(g * s / n^3) * v.
    dg = WeightNormMagnitudeGrad(grad, v) = s / n.
    """

    reads = {0: (1, 2), 1: (0, 1, 2), 2: (0, 1)}

    @staticmethod
    def forward(
        ctx: Context, direction: np.ndarray, v: np.ndarray, g: np.ndarray, *, dims: tuple[int, ...]
    ) -> np.ndarray:
        assert direction.shape == v.shape, (direction.shape, v.shape)
        parts = _weight_norm_forward(v, g, dims)
        ctx.saved["parts"] = parts
        out: np.ndarray = parts.pop("out")
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        direction, v, g = ctx.inputs
        dims, needs = ctx.params["dims"], ctx.needs_input_grad
        arrays = _weight_norm_grads(grad._data, v._data, g._data, ctx.saved["parts"], dims, needs)
        d_direction = d_normed = d_magnitude = None
        if arrays[0] is not None:
            d_direction = WeightNormDirectionGrad.applied(arrays[0], grad, v, g, dims=dims)
        if arrays[1] is not None:
            d_normed = WeightNormNormGrad.applied(arrays[1], grad, v, g, dims=dims)
        if arrays[2] is not None:
            d_magnitude = WeightNormMagnitudeGrad.applied(
                arrays[2], grad, v, dims=dims, shape=g.shape
            )
        return d_direction, d_normed, d_magnitude


def weight_norm_unfused(v: Tensor, g: Tensor, *, dims: tuple[int, ...]) -> Tensor:
    """``WeightNorm``'s twin in plain ops, the composite it replaces (the same bits)."""
    return v * (g / reshape(v.abs().pow(2).sum(dims, keepdim=True).pow(0.5), g.shape))


def _standalone_grads(
    grad: np.ndarray, v: np.ndarray, g: np.ndarray, dims: tuple[int, ...], which: int
) -> np.ndarray:
    needs = tuple(index == which for index in range(3))
    result = _weight_norm_grads(grad, v, g, _weight_norm_forward(v, g, dims), dims, needs)
    return result[which]  # type: ignore[return-value]


class WeightNormDirectionGrad(Function):
    """Weight norm's gradient in its direction input, given the output's ``G``.

    One of the three results of ``WeightNorm``'s backward pass. ``grad`` is v-shaped.

    out = G * g / n.
    dG = grad * g / n.
    dv = -(sum_d(grad * G) * g / n^3) * v.
    dg = sum_d(grad * G) / n.
    """

    reads = {0: (1, 2), 1: (0, 1, 2), 2: (0, 1)}

    @staticmethod
    def forward(
        ctx: Context, g_out: np.ndarray, v: np.ndarray, g: np.ndarray, *, dims: tuple[int, ...]
    ) -> np.ndarray:
        return _standalone_grads(g_out, v, g, dims, 0)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g_out, v, g = ctx.inputs
        dims, need = ctx.params["dims"], ctx.needs_input_grad
        norm = _norm_of(v, dims, g.shape)
        d_out = grad * (g / norm) if need[0] else None
        dv = dg = None
        if need[1] or need[2]:
            dot = _sum_d(grad * g_out, dims, g.shape)
            dv = -(dot * g / (norm * norm * norm)) * v if need[1] else None
            dg = dot / norm if need[2] else None
        return d_out, dv, dg


class WeightNormNormGrad(Function):
    """Weight norm's gradient in v inside the norm, given the output's ``G``.

    One of the three results of ``WeightNorm``'s backward pass. ``grad`` is v-shaped;
    ``s = sum_d(G * v)`` and ``t = sum_d(grad * v)``.

    out = -(g * s / n^3) * v.
    dG = -(g * t / n^3) * v.
    dv = -g * (G * t / n^3 + s * grad / n^3 - 3 * s * t * v / n^5).
    dg = -s * t / n^3.
    """

    reads = {0: (1, 2), 1: (0, 1, 2), 2: (0, 1)}

    @staticmethod
    def forward(
        ctx: Context, g_out: np.ndarray, v: np.ndarray, g: np.ndarray, *, dims: tuple[int, ...]
    ) -> np.ndarray:
        return _standalone_grads(g_out, v, g, dims, 1)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g_out, v, g = ctx.inputs
        dims, need = ctx.params["dims"], ctx.needs_input_grad
        norm = _norm_of(v, dims, g.shape)
        cube = norm * norm * norm
        t = _sum_d(grad * v, dims, g.shape)
        d_out = -(g * t / cube) * v if need[0] else None
        dv = dg = None
        if need[1] or need[2]:
            s = _sum_d(g_out * v, dims, g.shape)
            if need[1]:
                inner = (
                    g_out * (t / cube) + grad * (s / cube) - v * (3 * s * t / (cube * norm * norm))
                )
                dv = -(g * inner)
            dg = -(s * t / cube) if need[2] else None
        return d_out, dv, dg


class WeightNormMagnitudeGrad(Function):
    """Weight norm's gradient in g, given the output's ``G``: ``(G, v) -> s / n``.

    One of the three results of ``WeightNorm``'s backward pass. ``grad`` is g-shaped
    (``shape``).

    out = sum_d(G * v) / n.
    dG = grad * v / n.
    dv = grad * (G / n - s * v / n^3).
    """

    reads = {0: (1,), 1: (0, 1)}

    @staticmethod
    def forward(
        ctx: Context,
        g_out: np.ndarray,
        v: np.ndarray,
        *,
        dims: tuple[int, ...],
        shape: tuple[int, ...],
    ) -> np.ndarray:
        # g's value does not enter dg: any g of g's shape gives the same.
        return _standalone_grads(g_out, v, np.ones(shape, dtype=v.dtype), dims, 2)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g_out, v = ctx.inputs
        dims, need = ctx.params["dims"], ctx.needs_input_grad
        norm = _norm_of(v, dims, grad.shape)
        d_out = grad * (v / norm) if need[0] else None
        dv = None
        if need[1]:
            s = _sum_d(g_out * v, dims, grad.shape)
            dv = grad * (g_out / norm - v * (s / (norm * norm * norm)))
        return d_out, dv


# --- losses with their mean -----------------------------------------------------------
#
# Notation: x and y have one shape of n elements; the loss is the mean of an elementwise
# loss l(x, y), and ``grad`` is 0-d.


def _mean_of(loss: np.ndarray) -> np.ndarray:
    """``loss.mean()`` to the bit: ``Sum``'s total, divided by n in the loss's dtype."""
    total = sum_array(loss, tuple(range(loss.ndim)))
    return np.asarray(total / np.asarray(loss.size, dtype=loss.dtype))


def _per_element(grad: np.ndarray, size: int) -> np.ndarray:
    """``grad / n``, the mean's gradient at every element (0-d), as the mean's ``Div``."""
    return np.asarray(grad / np.asarray(size, dtype=grad.dtype))


class L1Mean(Function):
    """The mean absolute error, ``mean(|x - y|)``.

    Fused: one op for the composite's four (sub, abs, sum, divide) and one gradient op
    for its four back; the bits are the composite's (``l1_mean_unfused``).

    out = sum |x - y| / n.
    dx = L1MeanGrad(grad, x, y) = grad / n * sign(x - y).
    dy = -dx.
    """

    reads = {0: (0, 1), 1: (0, 1)}  # as Sub's and Abs's: sign(x - y) is saved

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        difference = x - y
        ctx.saved["sign"] = np.sign(difference)
        return _mean_of(np.abs(difference))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        values = _per_element(grad._data, x.numel()) * ctx.saved["sign"]
        dx = L1MeanGrad.applied(np.asarray(values), grad, x, y)
        return (dx if ctx.needs_input_grad[0] else None), (
            -dx if ctx.needs_input_grad[1] else None
        )


def l1_mean_unfused(x: Tensor, y: Tensor) -> Tensor:
    """``L1Mean``'s twin in plain ops: ``(x - y).abs().mean()``, to the bit."""
    return (x - y).abs().mean()


class L1MeanGrad(Function):
    """The mean absolute error's gradient in x, given the mean's 0-d ``G``.

    out = G / n * sign(x - y).
    dG = sum(grad * sign(x - y)) / n.   (sign has no derivative: none in x or y.)
    """

    reads = {0: (1, 2)}

    @staticmethod
    def forward(ctx: Context, g_out: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.asarray(_per_element(g_out, x.size) * np.sign(x - y))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        _, x, y = ctx.inputs
        if not ctx.needs_input_grad[0]:
            return None, None, None
        sign = (x.detach() - y.detach()).sign()  # a constant: its derivative is zero
        return (grad * sign).sum() / x.numel(), None, None


class BCEWithLogitsMean(Function):
    """The mean binary cross entropy of logits x and targets y,
    ``mean((1 - y) x + softplus(-x))``.

    Fused: one op for the composite's three (``BinaryCrossEntropyWithLogits``, sum,
    divide) and one gradient op for its six back; the bits are the composite's
    (``bce_with_logits_mean_unfused``).

    out = sum((1 - y) x + softplus(-x)) / n.
    dx = BCEWithLogitsMeanGrad(grad, x, y) = grad / n * (sigmoid(x) - y).
    dy = -grad / n * x.
    """

    reads = {0: (0, 1), 1: (0, 1)}  # as BinaryCrossEntropyWithLogits'

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _mean_of(BinaryCrossEntropyWithLogits.forward(ctx, x, y))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = dy = None
        if ctx.needs_input_grad[0]:
            values = _bce_with_logits_mean_grad(grad._data, x._data, y._data)
            dx = BCEWithLogitsMeanGrad.applied(values, grad, x, y)
        if ctx.needs_input_grad[1]:
            dy = -((grad / x.numel()) * x)
        return dx, dy


def bce_with_logits_mean_unfused(x: Tensor, y: Tensor) -> Tensor:
    """``BCEWithLogitsMean``'s twin: the elementwise op, then its mean, to the bit."""
    return BinaryCrossEntropyWithLogits.apply(x, y).mean()


def _bce_with_logits_mean_grad(grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``grad / n * (sigmoid(x) - y)``, rounded as the composite's backward rounds it."""
    sigmoid = Sigmoid.forward(Context((), {}), x)  # the op's own rounding
    return np.asarray(_per_element(grad, x.size) * (sigmoid - y))


class BCEWithLogitsMeanGrad(Function):
    """The mean binary cross entropy's gradient in the logits x, given the mean's 0-d ``G``.

    out = G / n * (sigmoid(x) - y).
    dG = sum(grad * (sigmoid(x) - y)) / n.
    dx = grad * G / n * sigmoid(x) * (1 - sigmoid(x)).
    dy = -grad * G / n.
    """

    reads = {0: (1, 2), 1: (0, 1), 2: (0,)}

    @staticmethod
    def forward(ctx: Context, g_out: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return _bce_with_logits_mean_grad(g_out, x, y)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g_out, x, y = ctx.inputs
        need = ctx.needs_input_grad
        sigmoid = x.sigmoid()
        d_out = (grad * (sigmoid - y)).sum() / x.numel() if need[0] else None
        scale = g_out / x.numel()
        dx = grad * scale * sigmoid * (1 - sigmoid) if need[1] else None
        dy = -(grad * scale) if need[2] else None
        return d_out, dx, dy
