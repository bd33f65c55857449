"""Operands and arguments of the ``minigrad.*`` functions and Tensor methods.

``binary`` is on the hot path of every ``x + y``: it converts a number or an array to a
tensor, checks that the shapes broadcast, and promotes both sides to one dtype with
PyTorch's rules ([`minigrad.dtypes.promote_operands`][]) before applying the op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.tensor import Tensor


def tensor_input(value: Any, op: str, argument: str = "input") -> Tensor:
    """``value`` itself if it is a Tensor, else a ``TypeError`` naming the argument."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {argument}: expected a Tensor, got {type(value).__name__}")
    return value


def is_operand(value: Any) -> bool:
    """Whether ``value`` can be the other side of an arithmetic or comparison operator."""
    return isinstance(value, Tensor | int | float | bool | np.ndarray | np.generic)


def as_operand(value: Any, like: Tensor, op: str, argument: str = "other") -> Tensor:
    """A tensor operand: a Python number takes a dtype from ``like`` (PyTorch's rule
    for scalars), a numpy array keeps its own.
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, int | float | bool):
        dtype = dtypes.promote_scalar(like.dtype, value)
        return Tensor._wrap(np.asarray(value, dtype=dtype))
    if isinstance(value, np.ndarray | np.generic):
        return Tensor._from_data(value)
    raise TypeError(
        f"{op}: {argument}: expected a Tensor, a number or a numpy array, got "
        f"{type(value).__name__}"
    )


def binary(function: Any, left: Any, right: Any, op: str, floating: bool = False) -> Tensor:
    """Promote both operands to one dtype, check shapes, then apply the op."""
    if isinstance(left, Tensor) and isinstance(right, Tensor):
        x, y = left, right
    else:
        anchor = left if isinstance(left, Tensor) else right
        x = as_operand(left, anchor, op)
        y = as_operand(right, anchor, op)
    x_shape, y_shape = x._data.shape, y._data.shape
    # Equal shapes, a number (0-d) and a trailing match (a bias) broadcast: numpy's
    # check, 1 us, only for the rest.
    if (
        x_shape != y_shape
        and x_shape
        and y_shape
        and x_shape[-len(y_shape) :] != y_shape
        and y_shape[-len(x_shape) :] != x_shape
    ):
        _checks.broadcast_shapes(x_shape, y_shape, op)
    if x.dtype == y.dtype and (not floating or x.dtype.kind == "f"):
        # The common case, and every call inside a backward: nothing to promote.
        return function.apply(x, y)  # type: ignore[no-any-return]
    dtype = dtypes.promote_operands(x.dtype, x.ndim == 0, y.dtype, y.ndim == 0)
    if floating and not dtypes.is_float(dtype):
        dtype = dtypes.get_default_dtype()
    return function.apply(x.to(dtype), y.to(dtype))  # type: ignore[no-any-return]


def number_pair(left: Any, right: Any, op: str) -> tuple[Any, Any]:
    """For ``mg.add(1, 2)`` and kin, where PyTorch takes a number as ``input`` too: the
    first of two numbers becomes a tensor (so ``binary`` has one to anchor on).
    """
    if isinstance(left, Tensor) or isinstance(right, Tensor):
        return left, right
    if not isinstance(left, int | float | bool | np.ndarray | np.generic):
        raise TypeError(f"{op}: input: expected a Tensor or a number, got {type(left).__name__}")
    return Tensor._from_data(left), right


def floating(x: Tensor) -> Tensor:
    """``x`` itself if it is float32 or float64, else converted to the default float."""
    # The array's dtype read directly: every unary op on a tensor starts here.
    return x if x._data.dtype in dtypes.FLOAT_DTYPES else x.to(dtypes.get_default_dtype())


def integer(value: Any, op: str, argument: str) -> int:
    """A true int (not a bool, not a float) as an int, or a ``TypeError``."""
    if not _checks.is_int(value):
        raise TypeError(f"{op}: {argument}: expected an int, got {type(value).__name__} {value!r}")
    return int(value)


def dim_of(x: Tensor, dim: Any, op: str, argument: str = "input") -> int:
    """``dim`` of ``x`` as a non-negative int, for an op that cuts or slices along a dim
    (so ``x`` needs one): a ``ValueError`` naming the op for a 0-d ``x`` or a bad dim.
    """
    if x.ndim == 0:
        raise ValueError(
            f"{op}: {argument}: expected a tensor with at least 1 dim, got a 0-d tensor"
        )
    return _checks.normalize_dim(dim, x.ndim, f"{op}: dim")


def dim_list(dims: tuple[Any, ...]) -> tuple[Any, ...]:
    """``f(0, 1)``, ``f((0, 1))`` or ``f([0, 1])`` as a tuple (the entries unchecked)."""
    if len(dims) == 1 and isinstance(dims[0], list | tuple):
        return tuple(dims[0])
    return tuple(dims)


def distinct_dims(
    dims: tuple[Any, ...], ndim: int, op: str, argument: str = "dims"
) -> tuple[int, ...]:
    """Each dim normalised to ``[0, ndim)``, none named twice, in the order given."""
    normalised = tuple(_checks.normalize_dim(d, ndim, f"{op}: {argument}") for d in dims)
    if len(set(normalised)) != len(normalised):
        raise ValueError(f"{op}: {argument}: expected distinct dims, got {dims}")
    return normalised


def float_reduction_input(input: Tensor, dtype: Any, op: str) -> Tensor:  # noqa: A002
    """The input of a reduction that computes in floats (mean, var, std, norm): cast
    to ``dtype`` if given; an integer or bool input needs it, as in PyTorch.
    """
    if dtype is not None:
        return input.to(dtypes.as_float_dtype(dtype, f"{op}: dtype"))
    if not dtypes.is_float(input.dtype):
        raise TypeError(
            f"{op}: input: expected a float32 or float64 tensor, got dtype {input.dtype} "
            "(give dtype=mg.float32, or call .float() first)"
        )
    return input
