"""Comparisons and logic: ``eq, ne, lt, le, gt, ge`` and the tests ``isnan, isinf,
isfinite`` (bool tensors, never on the tape),
``logical_not`` and the bitwise ``~ & | ^`` of bool and integer tensors (masks).

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0, 3.0])
>>> mg.ge(x, 2)
tensor([False,  True,  True])
>>> (x > 1) & (x < 3)
tensor([False,  True, False])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.functions._arguments import as_operand, tensor_input
from minigrad.tensor import Tensor


def compare(function: Callable[..., Any], left: Tensor, right: Any, op: str) -> Tensor:
    """``function(left, right)`` on the arrays, broadcasting: a bool tensor, no grad."""
    other = as_operand(right, left, op)
    _checks.broadcast_shapes(left.shape, other.shape, op)
    return Tensor._wrap(np.asarray(function(left._data, other._data)))


def isnan(input: Tensor) -> Tensor:  # noqa: A002
    """Whether each element is NaN, as a bool tensor of input's shape (never on the tape);
    all False for integer and bool tensors.

    >>> import minigrad as mg
    >>> mg.isnan(mg.tensor([1.0, float("nan")]))
    tensor([False,  True])
    """
    return _test(np.isnan, input, "isnan")


def isinf(input: Tensor) -> Tensor:  # noqa: A002
    """Whether each element is +inf or -inf (as [`isnan`][])."""
    return _test(np.isinf, input, "isinf")


def isfinite(input: Tensor) -> Tensor:  # noqa: A002
    """Whether each element is neither inf nor NaN (as [`isnan`][]); all True for integer
    and bool tensors. ``mg.isfinite(loss).all()`` guards a training step.
    """
    return _test(np.isfinite, input, "isfinite")


def _test(function: Callable[..., Any], input: Any, op: str) -> Tensor:  # noqa: A002
    array = tensor_input(input, op)._data
    if not dtypes.is_float(array.dtype):
        # numpy refuses bool for these and has nothing to find in integers.
        filled = np.ones if function is np.isfinite else np.zeros
        return Tensor._wrap(filled(array.shape, dtype=bool))
    return Tensor._wrap(np.asarray(function(array)))


def eq(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Whether ``input == other``, elementwise, broadcasting.

    Args:
        input: a tensor.
        other: a tensor, a number or a numpy array.

    Returns:
        A bool tensor of the broadcast shape, never on the tape.

    >>> import minigrad as mg
    >>> mg.eq(mg.tensor([1, 2]), 2)
    tensor([False,  True])
    """
    return compare(np.equal, tensor_input(input, "eq"), other, "eq")


def ne(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Whether ``input != other``, elementwise (as [`eq`][])."""
    return compare(np.not_equal, tensor_input(input, "ne"), other, "ne")


def lt(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Whether ``input < other``, elementwise (as [`eq`][])."""
    return compare(np.less, tensor_input(input, "lt"), other, "lt")


def le(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Whether ``input <= other``, elementwise (as [`eq`][])."""
    return compare(np.less_equal, tensor_input(input, "le"), other, "le")


def gt(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Whether ``input > other``, elementwise (as [`eq`][])."""
    return compare(np.greater, tensor_input(input, "gt"), other, "gt")


def ge(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """Whether ``input >= other``, elementwise (as [`eq`][])."""
    return compare(np.greater_equal, tensor_input(input, "ge"), other, "ge")


def logical_not(input: Tensor) -> Tensor:  # noqa: A002
    """``True`` where ``input`` is zero (or False), as a bool tensor.

    >>> import minigrad as mg
    >>> mg.logical_not(mg.tensor([0.0, 2.0]))
    tensor([ True, False])
    """
    tensor_input(input, "logical_not")
    return Tensor._wrap(np.logical_not(input._data))


def bitwise(
    function: Callable[..., Any], left: Any, right: Any, op: str, unary: bool = False
) -> Tensor:
    """``~``, ``&``, ``|``, ``^`` of bool or integer tensors (or a Python int/bool on
    one side): PyTorch refuses floats, and so do we.
    """
    anchor = left if isinstance(left, Tensor) else right
    operands = [left] if unary else [left, right]
    tensors = []
    for operand in operands:
        if isinstance(operand, float) or (
            isinstance(operand, Tensor) and operand.dtype.kind == "f"
        ):
            raise TypeError(
                f"{op}: expected bool or integer tensors (masks, indices), got a float "
                f"{'tensor' if isinstance(operand, Tensor) else 'number'}"
            )
        tensors.append(as_operand(operand, anchor, op))
    if unary:
        return Tensor._wrap(np.asarray(function(tensors[0]._data)))
    x, y = tensors
    _checks.broadcast_shapes(x.shape, y.shape, op)
    dtype = dtypes.promote_operands(x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    return Tensor._wrap(np.asarray(function(x._data.astype(dtype), y._data.astype(dtype))))
