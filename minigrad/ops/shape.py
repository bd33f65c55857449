"""Shape ops: reshape, permute, and the adjoint pair broadcast_to / sum_to.

Each is linear, and each one's backward is its adjoint: reshape back, the inverse
permutation, and ``sum_to`` for ``broadcast_to`` (and the other way round).
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.tensor import Tensor


class Reshape(Function):
    """out = x viewed as ``shape``.   dx = grad reshaped to x's shape."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (reshape(grad, x.shape),)


class Permute(Function):
    """out = x with axes reordered by ``dims``.   dx = grad with the inverse order."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dims: tuple[int, ...]) -> np.ndarray:
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        inverse = tuple(int(i) for i in np.argsort(ctx.params["dims"]))
        return (Permute.apply(grad, dims=inverse),)


class BroadcastTo(Function):
    """out = x broadcast to ``shape``.   dx = sum_to(grad, x.shape)."""

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
    leading axes away, then sum (keeping the axis) wherever ``shape`` has a 1.
    """
    leading = x.ndim - len(shape)
    assert leading >= 0, (x.shape, shape)
    stretched = tuple(
        leading + i for i, size in enumerate(shape) if size == 1 and x.shape[leading + i] != 1
    )
    out = x.sum(axis=tuple(range(leading))) if leading else x
    if stretched:
        out = out.sum(axis=tuple(a - leading for a in stretched), keepdims=True)
    return np.asarray(out, dtype=x.dtype).reshape(shape)


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
