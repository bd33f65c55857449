"""Tensor factories: ``tensor``, constant fills, ranges and random draws.

Each takes ``dtype=`` (default float32 for floats) and ``requires_grad=``.
Random factories draw from the generator that ``mg.manual_seed`` controls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.random import generator
from minigrad.tensor import Tensor


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats become float32, ints int64; a numpy array keeps its dtype.

    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    return Tensor._from_data(data, dtype=dtype, requires_grad=requires_grad)


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    result = Tensor._wrap(array)
    result.requires_grad_(requires_grad)
    return result


def _float_dtype(dtype: Any) -> np.dtype[Any]:
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _make(np.zeros(_checks.as_shape(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size."""
    return _make(np.ones(_checks.as_shape(size), dtype=_float_dtype(dtype)), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size filled with ``fill_value``."""
    shape = _checks.as_shape((size,) if _checks.is_int(size) else tuple(size))
    chosen = dtypes.infer_dtype(fill_value) if dtype is None else dtypes.as_dtype(dtype)
    return _make(np.full(shape, fill_value, dtype=chosen), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (here: zeros, so results never depend on old memory)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.

    Integer arguments give int64, as in PyTorch; any float gives float32.

    >>> import minigrad as mg
    >>> mg.arange(3)
    tensor([0, 1, 2])
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step: expected a non-zero step, got 0")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: step: expected a step with the sign of end - start = {end - start}, "
            f"got {step}"
        )
    all_ints = all(_checks.is_int(v) for v in (start, end, step))
    chosen = (
        (dtypes.int64 if all_ints else dtypes.get_default_dtype())
        if dtype is None
        else (dtypes.as_dtype(dtype))
    )
    return _make(np.arange(start, end, step).astype(chosen), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws on [0, 1)."""
    shape = _checks.as_shape(size)
    chosen = _random_dtype(dtype)
    return _make(generator().random(shape).astype(chosen), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws."""
    shape = _checks.as_shape(size)
    chosen = _random_dtype(dtype)
    return _make(generator().standard_normal(shape).astype(chosen), requires_grad)


def _random_dtype(dtype: Any) -> np.dtype[Any]:
    # Random draws are real numbers: an integer dtype would truncate them, so PyTorch
    # refuses it, and so do we.
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros with ``input``'s shape and (by default) dtype."""
    return zeros(
        *input.shape, dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad
    )


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Ones with ``input``'s shape and (by default) dtype."""
    return ones(
        *input.shape, dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad
    )


def randn_like(input: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Standard normal draws with ``input``'s shape and (by default) dtype."""
    return randn(
        *input.shape, dtype=input.dtype if dtype is None else dtype, requires_grad=requires_grad
    )


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; all other dims must match.

    >>> import minigrad as mg
    >>> mg.cat([mg.zeros(1, 2), mg.ones(2, 2)]).shape
    (3, 2)
    """
    from minigrad.ops.index import Cat

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
    return Cat.apply(*(t.to(dtype) for t in items), dim=axis)


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


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input if condition else other``, broadcasting all three.

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> mg.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
    from minigrad.ops.elementwise import where as where_op

    mask = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if mask.dtype != np.bool_:
        raise TypeError(f"where: condition: expected a bool tensor, got dtype {mask.dtype}")
    x = _where_operand(input, other, "input")
    y = _where_operand(other, input, "other")
    try:
        np.broadcast_shapes(mask.shape, x.shape, y.shape)
    except ValueError:
        raise ValueError(
            f"where: condition, input and other: shapes {mask.shape}, {x.shape} and {y.shape} "
            "are not broadcastable"
        ) from None
    dtype = dtypes.promote_operands(x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    return where_op(mask, x.to(dtype), y.to(dtype))


def _where_operand(value: Any, partner: Any, argument: str) -> Tensor:
    """A ``where`` branch as a Tensor; a Python number takes its dtype as in arithmetic."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, int | float | bool):
        if isinstance(partner, Tensor):
            dtype = dtypes.promote_scalar(partner.dtype, value)
        else:
            dtype = dtypes.infer_dtype(value)
        return Tensor._wrap(np.asarray(value, dtype=dtype))
    if isinstance(value, np.ndarray | np.generic):
        return Tensor._from_data(value)
    raise TypeError(
        f"where: {argument}: expected a Tensor, a number or a numpy array, "
        f"got {type(value).__name__}"
    )


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
