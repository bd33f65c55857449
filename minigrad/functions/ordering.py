"""Orderings: ``sort``, ``argsort`` and ``topk``.

The order is found on the values (it has no derivative); the values are then picked
with [`gather`][minigrad.gather], so their gradient is scattered back to the
positions they came from. Equal values keep their order in the input (a stable sort;
PyTorch's default sort may order ties differently, and then the indices differ where
the values are equal). NaN sorts above every number, as in PyTorch.

>>> import minigrad as mg
>>> mg.sort(mg.tensor([3.0, 1.0, 2.0]), descending=True)
ValuesIndices(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
>>> mg.topk(mg.tensor([[1.0, 5.0, 3.0]]), 2).indices
tensor([[1, 2]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.functions._arguments import integer, tensor_input
from minigrad.functions.indexing import gather
from minigrad.functions.reductions import ValuesIndices
from minigrad.tensor import Tensor


def sort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Any:
    """``(values, indices)``: ``input`` sorted along ``dim``, and where each value was.

    Args:
        input: any tensor.
        dim: the dim to sort along.
        descending: largest first.
        stable: accepted for PyTorch's signature; the sort is always stable.
    """
    indices = argsort(input, dim, descending, stable)
    return ValuesIndices(_picked(input, dim, indices), indices)


def argsort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (as [`sort`][])."""
    tensor_input(input, "argsort")
    if not isinstance(stable, bool):
        raise TypeError(f"argsort: stable: expected a bool, got {type(stable).__name__}")
    return Tensor._wrap(_order(input, dim, bool(descending), "argsort"))


def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> Any:
    """``(values, indices)`` of the ``k`` largest (or, ``largest=False``, smallest)
    elements along ``dim``, in order (also with ``sorted=False``).

    >>> import minigrad as mg
    >>> mg.topk(mg.tensor([1.0, 5.0, 3.0]), 2, largest=False).values
    tensor([1., 3.])
    """
    tensor_input(input, "topk")
    if input.dtype == np.bool_:
        raise TypeError("topk: input: not defined for a bool tensor, as in PyTorch (use .int())")
    count = integer(k, "topk", "k")
    axis = _checks.normalize_dim(dim, input.ndim, "topk: dim")
    size = input.shape[axis] if input.ndim else 1
    if not 0 <= count <= size:
        raise ValueError(f"topk: k: expected 0 <= k <= {size} (the size of dim {dim}), got {k}")
    order = _order(input, dim, bool(largest), "topk")
    if input.ndim:
        order = np.ascontiguousarray(np.take(order, np.arange(count), axis=axis))
    indices = Tensor._wrap(order)
    return ValuesIndices(_picked(input, dim, indices), indices)


def _order(x: Tensor, dim: int, descending: bool, op: str) -> np.ndarray:
    """The stable sorting permutation of ``x`` along ``dim``, as int64."""
    axis = _checks.normalize_dim(dim, x.ndim, f"{op}: dim")
    values = x._data.reshape(1) if x.ndim == 0 else x._data
    if descending:
        # Sorting the reversed values and reversing the result keeps ties in order.
        flipped = np.flip(values, axis)
        order = np.flip(np.argsort(flipped, axis=axis, kind="stable"), axis)
        order = values.shape[axis] - 1 - order
    else:
        order = np.argsort(values, axis=axis, kind="stable")
    order = order.astype(np.int64)
    return order.reshape(()) if x.ndim == 0 else np.ascontiguousarray(order)


def _picked(x: Tensor, dim: int, indices: Tensor) -> Tensor:
    """``x``'s values at ``indices`` along ``dim``, on the tape (a 0-d x: itself)."""
    return gather(x, dim, indices) if x.ndim else x.reshape(())
