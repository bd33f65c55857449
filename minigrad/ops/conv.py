"""Convolution as an adjoint triangle: ``Conv``, ``ConvTranspose``, ``ConvWeightGrad``.

Notation (one letter per quantity, used in every conv docstring):

    N       batch size
    C_in    channels on the x side (the input of the convolution)
    C_out   channels on the y side (the output of the convolution)
    g       groups; C_in and C_out are both multiples of g
    L/H/W   spatial sizes; here always 3-d: L = (D, H, W), lower ranks use size-1 dims
    k       kernel size, s stride, d dilation (each per spatial dim)
    p       padding, op output_padding (public layer only: not part of a geometry)

    x: (N, C_in, *L_x)     w: (C_out, C_in/g, *k)     y: (N, C_out, *L_y)

    convolution:            L_y = floor((L_x - d (k - 1) - 1) / s) + 1
    transposed, public:     L_out = (L_in - 1) s - 2 p + d (k - 1) + op + 1

Arrays may have 1, 2 or 3 spatial dims (x, w and y all alike); the geometry is
always 3-d, a lower rank being its trailing dims after size-1 ones. The ops hand the
kernels 3-d views and return the rank they were given, so 1-d and 2-d calls need no
reshape ops around them.

The three ops read one trilinear form ``T(x, w, y) = <conv(x, w), y>`` three ways
(conv = dT/dy, conv_transpose = dT/dx, conv_weight_grad = dT/dw), so each one's
derivatives are the other two and gradients of any order need no extra code. Zero
padding may be part of the geometry (``ConvGeometry.padding``): all three kernels then
read x as zero outside its unpadded extent, and drop the taps that land there, so the
triangle stays exact. Other padding modes are the separate pair ``Pad`` / ``PadAdjoint``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels import (
    conv_and_weight_grad,
    conv_transpose_valid,
    conv_valid,
    conv_weight_grad,
)
from minigrad.tensor import Tensor

Triple = tuple[int, int, int]
Pair = tuple[int, int]
NO_PADDING: tuple[Pair, Pair, Pair] = ((0, 0), (0, 0), (0, 0))


@dataclass(frozen=True)
class ConvGeometry:
    """Everything the three kernels need besides arrays, for 3-d spatial arrays.

    ``x_size`` (L_x, unpadded) and ``y_size`` (L_y) are both pinned. Normally
    ``L_y = floor((L_x + p_before + p_after - d (k - 1) - 1) / s) + 1``, but a
    transposed convolution with ``output_padding >= stride`` (legal when it is below
    ``dilation``) has an L_x larger than the natural pre-image of its L_y; pinning both
    keeps the ops exact adjoints in every legal case. The public layer builds and
    validates it; the ops trust it.

    Attributes:
        stride: s per spatial dim.
        dilation: d per spatial dim.
        kernel_size: k per spatial dim.
        groups: g.
        x_size: L_x, the spatial size on the x side, without the padding.
        y_size: L_y, the spatial size on the y side.
        padding: zero padding (before, after) per spatial dim, fused into the kernels:
            tap t of position p reads x at ``s*p + d*t - before``, zero outside x.
    """

    stride: Triple
    dilation: Triple
    kernel_size: Triple
    groups: int
    x_size: Triple
    y_size: Triple
    padding: tuple[Pair, Pair, Pair] = NO_PADDING

    def __post_init__(self) -> None:
        for dim in range(3):
            before, after = self.padding[dim]
            span = self.dilation[dim] * (self.kernel_size[dim] - 1) + 1
            last_read = (self.y_size[dim] - 1) * self.stride[dim] + span
            padded = before + self.x_size[dim] + after
            assert self.y_size[dim] >= 1 and last_read <= padded, self
            assert before >= 0 and after >= 0, self

    @property
    def before(self) -> Triple:
        """The zero padding before each spatial dim: all the kernels need of it."""
        return (self.padding[0][0], self.padding[1][0], self.padding[2][0])


def _lifted(array: np.ndarray) -> np.ndarray:
    """``(N, C, *L)`` with 1-3 spatial dims as ``(N, C, D, H, W)``: a view."""
    return array.reshape(array.shape[:2] + (1,) * (5 - array.ndim) + array.shape[2:])


def _lowered(array: np.ndarray, rank: int) -> np.ndarray:
    """``(N, C, D, H, W)`` back to its last ``rank`` spatial dims: a view."""
    return array.reshape(array.shape[:2] + array.shape[5 - rank :])


class Conv(Function):
    """y = conv_valid(x, w): cross-correlation (zero padding fused in), (N, C_in, *L_x)
    -> (N, C_out, *L_y).
    dx = ConvTranspose(grad, w).   dw = ConvWeightGrad(x, grad).
    """

    reads = {0: (0, 1), 1: (0, 1)}  # PyTorch's one conv backward saves both

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, w: np.ndarray, *, geometry: ConvGeometry
    ) -> np.ndarray:
        g, x5, w5 = geometry, _lifted(x), _lifted(w)
        assert x5.shape[2:] == g.x_size and w5.shape[2:] == g.kernel_size, (x.shape, w.shape, g)
        y = conv_valid(x5, w5, g.stride, g.dilation, g.groups, g.y_size, g.before)
        return _lowered(y, x.ndim - 2)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, w = ctx.inputs
        geometry = ctx.params["geometry"]
        dx = ConvTranspose.apply(grad, w, geometry=geometry) if ctx.needs_input_grad[0] else None
        dw = ConvWeightGrad.apply(x, grad, geometry=geometry) if ctx.needs_input_grad[1] else None
        return dx, dw


class ConvTranspose(Function):
    """x = conv_transpose_valid(y, w), the adjoint of Conv in x:
    (N, C_out, *L_y) -> (N, C_in, *L_x) with the same conv-layout w (C_out, C_in/g, *k).
    dy = Conv(grad, w).   dw = ConvWeightGrad(grad, y)  (grad lives on the x side).
    """

    reads = {0: (0, 1), 1: (0, 1)}  # as Conv

    @staticmethod
    def forward(
        ctx: Context, y: np.ndarray, w: np.ndarray, *, geometry: ConvGeometry
    ) -> np.ndarray:
        g, y5, w5 = geometry, _lifted(y), _lifted(w)
        assert y5.shape[2:] == g.y_size and w5.shape[2:] == g.kernel_size, (y.shape, w.shape, g)
        x = conv_transpose_valid(y5, w5, g.stride, g.dilation, g.groups, g.x_size, g.before)
        return _lowered(x, y.ndim - 2)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        y, w = ctx.inputs
        geometry = ctx.params["geometry"]
        if all(ctx.needs_input_grad):
            # The same two ops as below, from one im2col of grad shared by both.
            return apply_conv_and_weight_grad(grad, w, y, geometry)
        dy = Conv.apply(grad, w, geometry=geometry) if ctx.needs_input_grad[0] else None
        dw = ConvWeightGrad.apply(grad, y, geometry=geometry) if ctx.needs_input_grad[1] else None
        return dy, dw


class ConvWeightGrad(Function):
    """w = conv_weight_grad(x, y), the adjoint of Conv in w:
    (N, C_in, *L_x) x (N, C_out, *L_y) -> (C_out, C_in/g, *k).
    dx = ConvTranspose(y, grad).   dy = Conv(x, grad).
    """

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, y: np.ndarray, *, geometry: ConvGeometry
    ) -> np.ndarray:
        g, x5, y5 = geometry, _lifted(x), _lifted(y)
        assert x5.shape[2:] == g.x_size and y5.shape[2:] == g.y_size, (x.shape, y.shape, g)
        w = conv_weight_grad(x5, y5, g.stride, g.dilation, g.groups, g.kernel_size, g.before)
        return _lowered(w, x.ndim - 2)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        geometry = ctx.params["geometry"]
        dx = ConvTranspose.apply(y, grad, geometry=geometry) if ctx.needs_input_grad[0] else None
        dy = Conv.apply(x, grad, geometry=geometry) if ctx.needs_input_grad[1] else None
        return dx, dy


def apply_conv_and_weight_grad(
    x: Tensor, w: Tensor, y: Tensor, geometry: ConvGeometry
) -> tuple[Tensor, Tensor]:
    """``(Conv(x, w), ConvWeightGrad(x, y))``, both read from one im2col of x.

    A transposed convolution's two gradients are exactly this pair (x its output
    gradient, y its input), and building x's columns once saves a pass over them. The
    results are recorded as the two ops they are, so their derivatives are unchanged.
    """
    g, x5, w5, y5 = geometry, _lifted(x._data), _lifted(w._data), _lifted(y._data)
    assert x5.shape[2:] == g.x_size and y5.shape[2:] == g.y_size, (x.shape, y.shape, g)
    conv_out, weight_grad = conv_and_weight_grad(
        x5, w5, y5, g.stride, g.dilation, g.groups, g.before
    )
    rank = x.ndim - 2
    return (
        Conv.applied(_lowered(conv_out, rank), x, w, geometry=geometry),
        ConvWeightGrad.applied(_lowered(weight_grad, rank), x, y, geometry=geometry),
    )
