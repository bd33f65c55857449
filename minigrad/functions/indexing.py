"""Indexing and selection: ``x[index]``, ``gather``, ``masked_fill`` and ``where``.

All of them are ``getitem`` or ``where`` underneath, so their gradients are the adjoint
``index_add`` (a scatter-add: repeated indices add up) or a masked copy.

>>> import minigrad as mg
>>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> mg.gather(x, 1, mg.tensor([[1], [0]]))
tensor([[2.],
        [3.]])
>>> x.masked_fill(x > 2, 0.0)
tensor([[1., 2.],
        [0., 0.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.functions._arguments import tensor_input
from minigrad.ops import elementwise
from minigrad.ops import index as index_ops
from minigrad.tensor import Tensor


def index_key(index: Any) -> Any:
    """Tensors and lists in an index become numpy arrays, so numpy semantics apply."""
    parts = index if isinstance(index, tuple) else (index,)
    converted = []
    for part in parts:
        if isinstance(part, Tensor):
            if dtypes.is_float(part.dtype):
                raise TypeError("index: tensors used as indices must be integer or bool")
            part = part._data
        elif isinstance(part, list):
            part = np.asarray(part)
        elif isinstance(part, np.integer):
            part = int(part)
        converted.append(part)
    return tuple(converted) if isinstance(index, tuple) else converted[0]


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with numpy's rules; an index out of range names the shape."""
    key = index_key(index)
    try:
        np.broadcast_to(np.zeros((), dtype=np.int8), x.shape)[key]
    except IndexError as error:
        raise IndexError(f"index: {error} (tensor of shape {x.shape})") from None
    return index_ops.GetItem.apply(x, index=key)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:  # noqa: A002
    """Values of ``input`` picked along ``dim`` by ``index``:
    ``out[i][j][k] = input[index[i][j][k]][j][k]`` for dim 0, and so on.

    Args:
        input: a tensor of shape ``(s_0, ..., s_n)``.
        dim: the dim along which to pick.
        index: an integer tensor with as many dims, no larger than ``input`` in any dim
            but ``dim``; its values in ``[0, s_dim)``.

    Returns:
        A tensor of ``index``'s shape. The gradient is scattered back and added where
        ``index`` repeats a position (``index_add``).
    """
    tensor_input(input, "gather")
    tensor_input(index, "gather", "index")
    axis = _checks.normalize_dim(dim, input.ndim)
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index: expected an integer tensor, got dtype {index.dtype}")
    if index.ndim != input.ndim:
        raise ValueError(
            f"gather: index: expected {input.ndim} dims (as input of shape {input.shape}), "
            f"got shape {index.shape}"
        )
    too_large = [d for d in range(input.ndim) if d != axis and index.shape[d] > input.shape[d]]
    if too_large:
        raise ValueError(
            f"gather: index: shape {index.shape} is larger than input's {input.shape} in dim "
            f"{too_large[0]} (only dim {axis} may differ)"
        )
    positions = index._data
    size = input.shape[axis] if input.ndim else 1
    outside = (positions < 0) | (positions >= size)
    if outside.any():
        raise ValueError(
            f"gather: index: value {positions[outside].flat[0]} is out of range for dim "
            f"{axis} of size {size}"
        )
    if input.ndim == 0:
        return input.reshape(())
    # input[key] with an open grid of aranges in the other dims is the gather, and
    # getitem's adjoint (index_add) is the scatter-add its gradient needs.
    key = tuple(
        positions if d == axis else _grid(extent, d, input.ndim)
        for d, extent in enumerate(index.shape)
    )
    return index_ops.GetItem.apply(input, index=key)


def _grid(extent: int, dim: int, ndim: int) -> np.ndarray:
    """``arange(extent)`` laid along ``dim`` of an ``ndim``-d grid."""
    return np.arange(extent).reshape([extent if d == dim else 1 for d in range(ndim)])


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``input`` with ``value`` where ``mask`` is True.

    Args:
        input: a tensor.
        mask: a bool tensor, broadcastable with ``input``.
        value: a number, or a 0-d tensor (its gradient is the sum of the gradient over
            the filled elements), cast to ``input``'s dtype.

    >>> import minigrad as mg
    >>> mg.tensor([1, 2, 3]).masked_fill(mg.tensor([True, False, True]), 0)
    tensor([0, 2, 0])
    """
    tensor_input(input, "masked_fill")
    tensor_input(mask, "masked_fill", "mask")
    if mask.dtype != dtypes.bool_:
        raise TypeError(f"masked_fill: mask: expected a bool tensor, got dtype {mask.dtype}")
    _checks.broadcast_shapes(input.shape, mask.shape, "masked_fill")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(
                f"masked_fill: value: expected a number or a 0-d tensor, got shape {value.shape}"
            )
        filler = value.to(input.dtype)
    elif isinstance(value, int | float | bool | np.number):
        filler = Tensor._wrap(np.asarray(value).astype(input.dtype))
    else:
        raise TypeError(
            f"masked_fill: value: expected a number or a 0-d tensor, got {type(value).__name__}"
        )
    return elementwise.where(mask._data, filler, input)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input if condition else other``, broadcasting all three.

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> mg.where(x > 0, x, 0.0)
    tensor([0., 2.])
    """
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
    return elementwise.where(mask, x.to(dtype), y.to(dtype))


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
