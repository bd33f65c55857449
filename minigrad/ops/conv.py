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

One fused op sits beside the triangle: ``conv_and_weight_grad``, a transposed
convolution's two gradients from one kernel call, recorded as the two ops they are; its
unfused twin ``conv_and_weight_grad_unfused`` is written out after it.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels import conv as kernels
from minigrad.kernels.conv import NO_PADDING, Geometry, Pair, Triple
from minigrad.tensor import Tensor

# The ops' geometry is the kernels' own, handed to them untouched: the frozen dataclass
# of kernels/conv/geometry.py, whose docstring says what each field means and whose
# __post_init__ asserts its invariants (the notation and size formulas are above).
ConvGeometry = Geometry

__all__ = [
    "NO_PADDING",
    "Conv",
    "ConvGeometry",
    "ConvTranspose",
    "ConvWeightGrad",
    "Pair",
    "Triple",
    "conv_and_weight_grad",
    "conv_and_weight_grad_unfused",
]


def _lifted(array: np.ndarray) -> np.ndarray:
    """``(N, C, *L)`` with 1-3 spatial dims as ``(N, C, D, H, W)``: a view."""
    return array.reshape(array.shape[:2] + (1,) * (5 - array.ndim) + array.shape[2:])


def _lowered(array: np.ndarray, rank: int) -> np.ndarray:
    """``(N, C, D, H, W)`` back to its last ``rank`` spatial dims: a view."""
    return array.reshape(array.shape[:2] + array.shape[5 - rank :])


# The three kernels on arrays of any rank: the ops' forwards, and their backward_arrays.


def _conv(x: np.ndarray, w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    x5, w5 = _lifted(x), _lifted(w)
    assert x5.shape[2:] == g.x_size and w5.shape[2:] == g.kernel_size, (x.shape, w.shape, g)
    return _lowered(kernels.conv_valid(x5, w5, g), x.ndim - 2)


def _conv_transpose(y: np.ndarray, w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    y5, w5 = _lifted(y), _lifted(w)
    assert y5.shape[2:] == g.y_size and w5.shape[2:] == g.kernel_size, (y.shape, w.shape, g)
    return _lowered(kernels.conv_transpose_valid(y5, w5, g), y.ndim - 2)


def _weight_grad(x: np.ndarray, y: np.ndarray, g: ConvGeometry) -> np.ndarray:
    x5, y5 = _lifted(x), _lifted(y)
    assert x5.shape[2:] == g.x_size and y5.shape[2:] == g.y_size, (x.shape, y.shape, g)
    return _lowered(kernels.conv_weight_grad(x5, y5, g), x.ndim - 2)


def _conv_and_weight_grad(
    x: np.ndarray, w: np.ndarray, y: np.ndarray, g: ConvGeometry
) -> tuple[np.ndarray, np.ndarray]:
    x5, w5, y5 = _lifted(x), _lifted(w), _lifted(y)
    assert x5.shape[2:] == g.x_size and y5.shape[2:] == g.y_size, (x.shape, y.shape, g)
    conv_out, weight_grad = kernels.conv_and_weight_grad(x5, w5, y5, g)
    rank = x.ndim - 2
    return _lowered(conv_out, rank), _lowered(weight_grad, rank)


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
        return _conv(x, w, geometry)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, w = ctx.inputs
        geometry = ctx.params["geometry"]
        dx = ConvTranspose.apply(grad, w, geometry=geometry) if ctx.needs_input_grad[0] else None
        dw = ConvWeightGrad.apply(x, grad, geometry=geometry) if ctx.needs_input_grad[1] else None
        return dx, dw

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w = ctx.inputs[0]._data, ctx.inputs[1]._data
        geometry = ctx.params["geometry"]
        # dw first: it may find the forward's im2col columns still in the kernels' buffer.
        dw = _weight_grad(x, grad, geometry) if ctx.needs_input_grad[1] else None
        dx = _conv_transpose(grad, w, geometry) if ctx.needs_input_grad[0] else None
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
        return _conv_transpose(y, w, geometry)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        y, w = ctx.inputs
        geometry = ctx.params["geometry"]
        if all(ctx.needs_input_grad):
            # The same two ops as below, from one pass over grad: the fused op.
            return conv_and_weight_grad(grad, w, y, geometry=geometry)
        dy = Conv.apply(grad, w, geometry=geometry) if ctx.needs_input_grad[0] else None
        dw = ConvWeightGrad.apply(grad, y, geometry=geometry) if ctx.needs_input_grad[1] else None
        return dy, dw

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        y, w = ctx.inputs[0]._data, ctx.inputs[1]._data
        geometry = ctx.params["geometry"]
        if all(ctx.needs_input_grad):
            return _conv_and_weight_grad(grad, w, y, geometry)
        dy = _conv(grad, w, geometry) if ctx.needs_input_grad[0] else None
        dw = _weight_grad(grad, y, geometry) if ctx.needs_input_grad[1] else None
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
        return _weight_grad(x, y, geometry)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        geometry = ctx.params["geometry"]
        dx = ConvTranspose.apply(y, grad, geometry=geometry) if ctx.needs_input_grad[0] else None
        dy = Conv.apply(x, grad, geometry=geometry) if ctx.needs_input_grad[1] else None
        return dx, dy

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y = ctx.inputs  # either may be Unkept where its formula is not needed
        geometry = ctx.params["geometry"]
        dx = _conv_transpose(y._data, grad, geometry) if ctx.needs_input_grad[0] else None
        dy = _conv(x._data, grad, geometry) if ctx.needs_input_grad[1] else None
        return dx, dy


def conv_and_weight_grad(
    x: Tensor, w: Tensor, y: Tensor, *, geometry: ConvGeometry
) -> tuple[Tensor, Tensor]:
    """``(Conv(x, w), ConvWeightGrad(x, y))`` from one kernel call: a fused op.

    A transposed convolution's two gradients are exactly this pair (x its output
    gradient, y its input), and one kernel computes both from one pass over x: im2col's
    columns (or Winograd's windows) are built once and read by both products. Two
    results from one pass is more than a ``Function`` records, so each result is
    recorded (``Function.applied``) as the op it equals, with that op's own backward:
    the derivatives are the triangle's, to any order.

    The weight gradient has ``ConvWeightGrad``'s bits; the conv output ``Conv``'s when
    the kernel's batch blocks coincide, else its rounding (see
    ``minigrad.kernels.conv.conv_and_weight_grad``).
    """
    conv_out, weight_grad = _conv_and_weight_grad(x._data, w._data, y._data, geometry)
    return (
        Conv.applied(conv_out, x, w, geometry=geometry),
        ConvWeightGrad.applied(weight_grad, x, y, geometry=geometry),
    )


def conv_and_weight_grad_unfused(
    x: Tensor, w: Tensor, y: Tensor, *, geometry: ConvGeometry
) -> tuple[Tensor, Tensor]:
    """``conv_and_weight_grad``'s twin: the two ops, each run on its own."""
    return Conv.apply(x, w, geometry=geometry), ConvWeightGrad.apply(x, y, geometry=geometry)
