"""Shape ops: reshape, permute, flip, roll, and the adjoint pair broadcast_to / sum_to.

Each is linear, and each one's backward is its adjoint: reshape back, the inverse
permutation, the same flip, the opposite roll, and ``sum_to`` for ``broadcast_to``
(and the other way round).
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels import channel_sum
from minigrad.tensor import Tensor

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Reshape(Function):
    """out = x viewed as ``shape``.   dx = grad reshaped to x's shape."""

    reads = {}

    view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (reshape(grad, x.shape),)


class Permute(Function):
    """out = x with axes reordered by ``dims``.   dx = grad with the inverse order."""

    reads = {}

    view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        inverse = tuple(int(i) for i in np.argsort(ctx.params["dims"]))
        return (Permute.apply(grad, dims=inverse),)


class Flip(Function):
    """out = x with the order of the elements reversed along ``dims``.
    dx = Flip(grad, dims): a flip is its own adjoint (and inverse).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        return np.flip(x, dims).copy()  # a copy, as PyTorch's flip

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (Flip.apply(grad, dims=ctx.params["dims"]),)


class Roll(Function):
    """out = x shifted cyclically by ``shifts`` along ``dims`` (with ``dims`` None: the
    flattened x, then reshaped back).   dx = Roll(grad, -shifts, dims): the adjoint of
    a cyclic shift is the opposite shift.
    """

    reads = {}

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, *, shifts: tuple[int, ...], dims: tuple[int, ...] | None
    ) -> np.ndarray:
        if dims is None:
            return np.roll(x, shifts[0])
        return np.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        shifts = tuple(-shift for shift in ctx.params["shifts"])
        return (Roll.apply(grad, shifts=shifts, dims=ctx.params["dims"]),)


class BroadcastTo(Function):
    """out = x broadcast to ``shape``.   dx = sum_to(grad, x.shape)."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        # A real copy: later in-place numpy work on the result must not alias x.
        return np.array(np.broadcast_to(x, shape))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (sum_to(grad, x.shape),)


class SumTo(Function):
    """out = x summed down to ``shape`` (the adjoint of broadcasting).
    dx = broadcast_to(grad, x.shape).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return sum_to_array(x, shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (broadcast_to(grad, x.shape),)


def sum_to_array(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``x`` down to ``shape``, the shape it was broadcast from.

    Broadcasting prepends axes and stretches size-1 axes, so undo both: sum the
    leading axes away, and every axis where ``shape`` has a 1.
    """
    leading = x.ndim - len(shape)
    assert leading >= 0, (x.shape, shape)
    axes = list(range(leading))
    for i, size in enumerate(shape):
        if size == 1 and x.shape[leading + i] != 1:
            axes.append(leading + i)
    return sum_array(x, tuple(axes)).reshape(shape)


def sum_array(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """``x`` summed over ``axes`` (sorted, distinct), in x's dtype; the axes are dropped.

    numpy sums over several axes that are not neighbours (a per-channel sum over
    (0, 2, 3), say) by walking short inner runs, 5-15x slower than one axis at a time.
    So for a C-contiguous x, size-1 axes are dropped, neighbouring axes are merged into
    runs that are all summed or all kept, and each summed run is reduced on its own,
    outermost first: always the same order, so always the same bits. A float sum that
    keeps one run between summed ones (per channel, over (0, 2, 3) say) is one pass of
    ``channel_sum``, which accumulates in float64.
    """
    summed = set(axes)
    kept_shape = tuple([size for axis, size in enumerate(x.shape) if axis not in summed])
    if not axes or x.size == 0 or not x.flags.c_contiguous:
        return np.asarray(x.sum(axis=axes), dtype=x.dtype).reshape(kept_shape)
    # The runs of merged axes: their sizes, and 1 for a summed run, 0 for a kept one.
    sizes: list[int] = []
    flags: list[int] = []
    for axis, size in enumerate(x.shape):
        if size == 1:
            continue
        flag = 1 if axis in summed else 0
        if flags and flags[-1] == flag:
            sizes[-1] *= size
        else:
            sizes.append(size)
            flags.append(flag)
    if 1 not in flags:
        # Only size-1 axes to sum: a copy, since a result must never alias its input.
        return x.reshape(kept_shape).copy()
    if flags in ([1, 0], [1, 0, 1]) and x.dtype in FLOATS:
        # Per channel (a bias or batch-norm gradient): one pass of a kernel, in float64.
        return channel_sum(x.reshape([*sizes, 1])).reshape(kept_shape)
    out = x.reshape(sizes)
    position = 0
    for flag in flags:
        if flag:
            out = out.sum(axis=position)
        else:
            position += 1
    return np.asarray(out, dtype=x.dtype).reshape(kept_shape)


def sum_to_shape(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Array-level ``sum_to`` (for the ops' ``backward_arrays``): x itself when the
    shape already matches, as ``sum_to``.
    """
    return x if x.shape == shape else sum_to_array(x, shape)


def sum_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Op-level ``sum_to``; the identity when the shape already matches."""
    shape = tuple(shape)
    return x if x.shape == shape else SumTo.apply(x, shape=shape)


def broadcast_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Op-level ``broadcast_to``; the identity when the shape already matches."""
    shape = tuple(shape)
    return x if x.shape == shape else BroadcastTo.apply(x, shape=shape)


def reshape(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Op-level ``reshape``; the identity when the shape already matches."""
    shape = tuple(shape)
    return x if x.shape == shape else Reshape.apply(x, shape=shape)
