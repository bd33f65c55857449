"""Indexing and joining: getitem / index_add and cat / split, two adjoint pairs.

``getitem`` reads ``x[index]``; its adjoint ``index_add`` scatters values into zeros
of a given shape, adding where an index repeats. ``cat`` joins along a dim; its
adjoint cuts the gradient back into the pieces (``split``, written as getitems).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.ops.elementwise import where
from minigrad.ops.shape import broadcast_to
from minigrad.tensor import Tensor


class GetItem(Function):
    """out = x[index].   dx = index_add(grad, index, x.shape)."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, index: Any) -> np.ndarray:
        return np.array(x[index])

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (IndexAdd.apply(grad, index=ctx.params["index"], shape=x.shape),)


class IndexAdd(Function):
    """out = zeros(shape) with ``out[index] += y`` (repeated indices add up).
    dy = grad[index].
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, y: np.ndarray, *, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        out = np.zeros(shape, dtype=y.dtype)
        if is_basic_index(index):
            out[index] += y  # a basic index never repeats an element
        else:
            np.add.at(out, index, y)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (GetItem.apply(grad, index=ctx.params["index"]),)


def set_item(x: Tensor, index: Any, value: Tensor) -> Tensor:
    """``x`` with ``x[index] = value`` (distinct indices), out of place.

    ``value``, broadcast to the selection, is spread into zeros by ``index_add`` and
    chosen where the index selects. dx = grad off the selection.   dvalue =
    sum_to(grad[index]).
    """
    selected = np.zeros(x.shape, dtype=bool)
    selected[index] = True
    selection_shape = np.broadcast_to(np.zeros((), dtype=np.int8), x.shape)[index].shape
    spread = IndexAdd.apply(broadcast_to(value, selection_shape), index=index, shape=x.shape)
    return where(selected, spread, x)


def is_basic_index(index: Any) -> bool:
    """Whether ``index`` uses only ints, slices, None and Ellipsis (no arrays)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(part, int | slice | type(None)) or part is Ellipsis for part in parts)


class Cat(Function):
    """out = concatenate(xs, dim).   dx_i = grad[..., offset_i : offset_i + size_i, ...]."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, *xs: np.ndarray, dim: int) -> np.ndarray:
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        sizes = [x.shape[ctx.params["dim"]] for x in ctx.inputs]
        pieces = split(grad, sizes, ctx.params["dim"])
        return tuple(p if need else None for p, need in zip(pieces, ctx.needs_input_grad))


def split(x: Tensor, sizes: list[int], dim: int) -> list[Tensor]:
    """Cut ``x`` along ``dim`` into consecutive pieces of the given sizes."""
    pieces = []
    start = 0
    for size in sizes:
        index = (slice(None),) * dim + (slice(start, start + size),)
        pieces.append(GetItem.apply(x, index=index))
        start += size
    return pieces
