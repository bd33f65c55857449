"""Argument normalisation and error messages for the public layer.

Every message names the argument, the value it got and what was expected, so a user
can fix the call without reading minigrad's source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def is_int(value: Any) -> bool:
    """A true integer (Python or numpy), not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def as_tuple(value: Any, n: int, argument: str) -> tuple[int, ...]:
    """An int, or a sequence of ``n`` ints, as a tuple of ``n`` ints."""
    if is_int(value):
        return (int(value),) * n
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(value)
        if len(items) != n or not all(is_int(v) for v in items):
            raise ValueError(f"{argument}: expected an int or a tuple of {n} ints, got {value!r}")
        return tuple(int(v) for v in items)
    raise TypeError(
        f"{argument}: expected an int or a tuple of {n} ints, got {type(value).__name__} {value!r}"
    )


def check_positive(values: tuple[int, ...], argument: str) -> None:
    """Every entry at least 1 (strides, dilations, kernel sizes)."""
    if any(v < 1 for v in values):
        raise ValueError(f"{argument}: expected positive values, got {_plain(values)}")


def check_non_negative(values: tuple[int, ...], argument: str) -> None:
    """Every entry at least 0 (paddings)."""
    if any(v < 0 for v in values):
        raise ValueError(f"{argument}: expected non-negative values, got {_plain(values)}")


def _plain(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(values)


def normalize_dim(dim: Any, ndim: int, argument: str = "dim") -> int:
    """A dim in ``[-ndim, ndim)`` as a non-negative int (a 0-d tensor takes -1 and 0)."""
    if not is_int(dim):
        raise TypeError(f"{argument}: expected an int, got {type(dim).__name__} {dim!r}")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise ValueError(
            f"{argument}: expected a dim in the range [{-size}, {size - 1}] for a tensor "
            f"with {ndim} dims, got {dim}"
        )
    return int(dim) % size


def normalize_dims(dim: Any, ndim: int, argument: str = "dim") -> tuple[int, ...]:
    """``None`` (all dims), an int, or a sequence of ints, as a sorted tuple."""
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, Sequence) else (dim,)
    result = tuple(sorted({normalize_dim(d, ndim, argument) for d in dims}))
    if len(result) != len(dims):
        raise ValueError(f"{argument}: expected distinct dims, got {dim!r}")
    return tuple(d for d in result if d < ndim)


def as_shape(sizes: tuple[Any, ...], argument: str = "size") -> tuple[int, ...]:
    """``f(2, 3)`` or ``f((2, 3))`` as a tuple of non-negative ints."""
    if len(sizes) == 1 and isinstance(sizes[0], Sequence):
        sizes = tuple(sizes[0])
    if not all(is_int(s) for s in sizes):
        raise TypeError(f"{argument}: expected ints, got {sizes!r}")
    if any(s < 0 for s in sizes):
        raise ValueError(f"{argument}: expected non-negative sizes, got {tuple(sizes)}")
    return tuple(int(s) for s in sizes)


def broadcast_shapes(a: tuple[int, ...], b: tuple[int, ...], op: str) -> tuple[int, ...]:
    """The broadcast of two shapes, or a ``ValueError`` naming the op and both shapes."""
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        raise ValueError(
            f"{op}: other: expected a shape broadcastable with {a}, got {b} (sizes must be "
            "equal or 1 in each trailing dim)"
        ) from None
