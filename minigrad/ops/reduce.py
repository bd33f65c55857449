"""Reductions: sum, and max/min with their gradient routed to the chosen elements.

``mean`` and ``var`` are composites of these in the Tensor layer.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.ops.shape import broadcast_to, reshape, sum_array
from minigrad.tensor import Tensor


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if axis in dims else size for axis, size in enumerate(shape))


class Sum(Function):
    """out = sum of x over ``dims``.   dx = broadcast_to(grad with dims kept, x.shape)."""

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, *, dims: tuple[int, ...], keepdim: bool
    ) -> np.ndarray:
        total = sum_array(x, dims)
        return total.reshape(_kept_shape(x.shape, dims)) if keepdim else total

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        kept = reshape(grad, _kept_shape(x.shape, ctx.params["dims"]))
        return (broadcast_to(kept, x.shape),)


class Extreme(Function):
    """out = max (or min) of x over ``dims``.   dx = grad spread over the chosen elements.

    The ``weights`` array says how each element shares in the result: with ``dim``
    given, the first extreme element gets all of it (PyTorch's ``max(dim)``); over
    all elements, ties share it equally (PyTorch's ``max()``). It has no derivative
    of its own, so it is saved as an array.
    """

    @staticmethod
    def forward(
        ctx: Context,
        x: np.ndarray,
        *,
        dims: tuple[int, ...],
        keepdim: bool,
        largest: bool,
        first_only: bool,
    ) -> np.ndarray:
        pick = np.max if largest else np.min
        kept = pick(x, axis=dims, keepdims=True)
        chosen = (x == kept).astype(x.dtype)
        if first_only:
            (axis,) = dims
            first = np.cumsum(chosen, axis=axis) == 1
            chosen = (chosen * first).astype(x.dtype)
        ctx.saved["weights"] = chosen / chosen.sum(axis=dims, keepdims=True)
        return (
            kept if keepdim else kept.reshape([s for a, s in enumerate(x.shape) if a not in dims])
        )

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        kept = reshape(grad, _kept_shape(x.shape, ctx.params["dims"]))
        return (broadcast_to(kept, x.shape) * Tensor._wrap(ctx.saved["weights"]),)


class ExtremeOfAll(Extreme):
    """``Extreme`` over every element (``max()``, ``min()``): the same op, but PyTorch
    counts it as reading x and its result (``max(dim)`` only its saved indices).
    """

    reads = {0: (0, OUTPUT)}
