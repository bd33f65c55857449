"""Joining and cutting: ``cat, stack`` and their adjoints ``split, chunk, unbind``.

``split`` and ``chunk`` return tuples of slices, each on the tape; the gradient of a
piece lands in its part of the input.

>>> import minigrad as mg
>>> x = mg.arange(5)
>>> tuple(piece.tolist() for piece in mg.chunk(x, 2))
([0, 1, 2], [3, 4])
>>> mg.cat(mg.split(x, [2, 3])).tolist()
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import _checks, dtypes
from minigrad.functions._arguments import dim_of, integer, tensor_input
from minigrad.ops import index as index_ops
from minigrad.tensor import Tensor


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; all other dims must match.

    >>> import minigrad as mg
    >>> mg.cat([mg.zeros(1, 2), mg.ones(2, 2)]).shape
    (3, 2)
    """
    items = _tensor_list(tensors, "cat")
    for position, item in enumerate(items):
        if item.ndim == 0:
            raise ValueError(
                f"cat: tensors[{position}]: expected a tensor with at least 1 dim, got a "
                "0-d tensor (use stack to join scalars)"
            )
    axis = _checks.normalize_dim(dim, items[0].ndim)
    first = items[0]
    for position, item in enumerate(items[1:], start=1):
        if item.ndim != first.ndim or any(
            a != b for d, (a, b) in enumerate(zip(item.shape, first.shape)) if d != axis
        ):
            raise ValueError(
                f"cat: tensors[{position}]: expected shape {first.shape} except in dim {axis}, "
                f"got {item.shape}"
            )
    dtype = first.dtype
    for item in items[1:]:
        dtype = dtypes.promote(dtype, item.dtype)
    return index_ops.Cat.apply(*(t.to(dtype) for t in items), dim=axis)


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dim."""
    items = _tensor_list(tensors, "stack")
    axis = _checks.normalize_dim(dim, items[0].ndim + 1)
    for position, item in enumerate(items[1:], start=1):
        if item.shape != items[0].shape:
            raise ValueError(
                f"stack: tensors[{position}]: expected shape {items[0].shape}, got {item.shape}"
            )
    return cat([t.unsqueeze(axis) for t in items], dim=axis)


def _tensor_list(tensors: Any, op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not hasattr(tensors, "__iter__"):
        raise TypeError(f"{op}: tensors: expected a list or tuple of Tensors")
    items = list(tensors)
    if not items:
        raise ValueError(f"{op}: tensors: expected at least one tensor, got none")
    for position, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"{op}: tensors[{position}]: expected a Tensor, got {type(item).__name__}"
            )
    return items


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Cut ``tensor`` along ``dim`` into pieces.

    Args:
        tensor: a tensor with at least one dim.
        split_size_or_sections: an int, the size of each piece (the last may be
            smaller), or a list of sizes that add up to the size of ``dim``.
        dim: the dim to cut.

    Returns:
        A tuple of tensors, each on the tape.

    >>> import minigrad as mg
    >>> tuple(p.shape for p in mg.split(mg.zeros(5, 2), 2))
    ((2, 2), (2, 2), (1, 2))
    """
    tensor_input(tensor, "split", "tensor")
    axis = dim_of(tensor, dim, "split", "tensor")
    length = tensor.shape[axis]
    if isinstance(split_size_or_sections, Sequence):
        sizes = [integer(s, "split", "split_size_or_sections") for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != length:
            raise ValueError(
                f"split: split_size_or_sections: expected non-negative sizes that add up to "
                f"{length} (the size of dim {dim} of shape {tensor.shape}), got {sizes}"
            )
        return tuple(index_ops.split(tensor, sizes, axis))
    size = integer(split_size_or_sections, "split", "split_size_or_sections")
    if size < 0 or (size == 0 and length != 0):
        raise ValueError(
            f"split: split_size_or_sections: expected a positive size (0 only for a dim of "
            f"size 0), got {size}"
        )
    if length == 0:
        return (tensor.reshape(tensor.shape),)
    sizes = [size] * (length // size) + ([length % size] if length % size else [])
    return tuple(index_ops.split(tensor, sizes, axis))


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """Cut ``input`` along ``dim`` into ``chunks`` pieces of ``ceil(size / chunks)``
    elements (the last smaller; fewer pieces when the size runs out), as PyTorch.

    >>> import minigrad as mg
    >>> tuple(p.shape for p in mg.chunk(mg.zeros(6), 4))
    ((2,), (2,), (2,))
    """
    tensor_input(input, "chunk")
    count = integer(chunks, "chunk", "chunks")
    if count <= 0:
        raise ValueError(f"chunk: chunks: expected a positive number of chunks, got {count}")
    axis = dim_of(input, dim, "chunk")
    length = input.shape[axis]
    size = -(-length // count)  # ceil
    if length == 0:
        return tuple(input.reshape(input.shape) for _ in range(count))
    return split(input, size, axis)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The slices along ``dim``, that dim removed: the inverse of [`stack`][].

    >>> import minigrad as mg
    >>> [row.tolist() for row in mg.unbind(mg.arange(4).reshape(2, 2))]
    [[0, 1], [2, 3]]
    """
    axis = dim_of(tensor_input(input, "unbind"), dim, "unbind")
    lead = (slice(None),) * axis
    return tuple(input[(*lead, i)] for i in range(input.shape[axis]))
