"""Elementwise arithmetic, selection and copies: add, sub, mul, div, pow, square, neg,
maximum, minimum, where, clone, cast. Binary ops broadcast; their backward ends in ``sum_to``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.ops.shape import sum_to, sum_to_shape
from minigrad.tensor import Tensor


def rows(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` with the same values, laid out for a fast numpy broadcast.

    numpy broadcasts a per-channel ``(1, C, 1, 1)`` operand against ``(N, C, H, W)``
    with an inner loop of H * W; at 2x2 that is 10x slower per element than a plain
    pass. Such an operand is stretched over its trailing size-1 dims first (C * H * W
    values, when that is at most half the result), so that numpy only repeats whole
    rows. The arithmetic, and so every bit of the result, is unchanged.
    """
    if x.shape == y.shape or x.ndim != y.ndim or x.size + y.size < 4096:
        return x, y
    return _stretch_tail(x, y.shape), _stretch_tail(y, x.shape)


def _stretch_tail(a: np.ndarray, other: tuple[int, ...]) -> np.ndarray:
    kept = a.ndim
    while kept > 0 and a.shape[kept - 1] == 1:
        kept -= 1
    inner = math.prod(other[kept:])
    if kept == 0 or inner == 1 or 2 * a.size * inner > math.prod(other):
        return a
    return a.reshape(-1).repeat(inner).reshape(a.shape[:kept] + other[kept:])


class Add(Function):
    """out = x + y.   dx = sum_to(grad).   dy = sum_to(grad)."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if x.shape != y.shape:  # (equal shapes, the common case, skip the call)
            x, y = rows(x, y)
        return x + y

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad, x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(grad, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y = ctx.inputs
        dx = sum_to_shape(grad, x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to_shape(grad, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


class Sub(Function):
    """out = x - y.   dx = sum_to(grad).   dy = -sum_to(grad)."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if x.shape != y.shape:
            x, y = rows(x, y)
        return x - y

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad, x.shape) if ctx.needs_input_grad[0] else None
        dy = -sum_to(grad, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y = ctx.inputs
        dx = sum_to_shape(grad, x.shape) if ctx.needs_input_grad[0] else None
        dy = -sum_to_shape(grad, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


class Mul(Function):
    """out = x * y.   dx = sum_to(grad * y).   dy = sum_to(grad * x)."""

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return multiply(x, y)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad * y, x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(grad * x, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y = ctx.inputs  # either may be Unkept (its shape only) where its formula is not needed
        needs = ctx.needs_input_grad
        dx = sum_to_shape(multiply(grad, y._data), x.shape) if needs[0] else None
        dy = sum_to_shape(multiply(grad, x._data), y.shape) if needs[1] else None
        return dx, dy


class Div(Function):
    """out = x / y.   dx = sum_to(grad / y).   dy = -sum_to(grad * x / y**2)."""

    reads = {0: (1,), 1: (0, 1)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return divide(x, y)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad / y, x.shape) if ctx.needs_input_grad[0] else None
        dy = -sum_to(grad * x / (y * y), y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y = ctx.inputs  # x may be Unkept (its shape only) where dy is not needed
        needs = ctx.needs_input_grad
        dx = sum_to_shape(divide(grad, y._data), x.shape) if needs[0] else None
        dy = None
        if needs[1]:
            dy = -sum_to_shape(
                divide(multiply(grad, x._data), multiply(y._data, y._data)), y.shape
            )
        return dx, dy


def multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mul's forward on arrays (its ``backward_arrays`` and Div's use it too)."""
    if x.shape != y.shape:
        x, y = rows(x, y)
    return x * y


def divide(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Div's forward on arrays (its ``backward_arrays`` uses it too)."""
    # Division by zero gives inf or nan, as in PyTorch, without a warning. A finite,
    # non-zero 0-d divisor (x / 2) cannot raise one: it skips the errstate (1.5 us).
    if x.shape != y.shape:
        x, y = rows(x, y)
    if y.ndim == 0 and _finite_nonzero(y.item()):
        return x / y
    with np.errstate(divide="ignore", invalid="ignore"):
        return x / y


def _finite_nonzero(value: float) -> bool:
    return value != 0 and value - value == 0  # inf - inf and nan - nan are nan


class Pow(Function):
    """out = x ** y.   dx = sum_to(grad * y * x**(y-1)).   dy = sum_to(grad * out * log x).

    The exponent's gradient is taken as 0 where x == 0 (the limit of x**y log x for
    y > 0), as PyTorch does.
    """

    reads = {0: (0, 1), 1: (0, 1, OUTPUT)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # A negative base with a fractional exponent gives nan, as in PyTorch, silently.
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.power(x, y)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = dy = None
        if ctx.needs_input_grad[0]:
            lowered = y
            zero_exponent = (y == 0)._data
            if zero_exponent.any():
                # x**0 is constant, so dx is 0 there, even at x == 0 where y * x**(y-1)
                # is 0 * inf: take the power with exponent 1; the factor y = 0 cancels it.
                lowered = where(zero_exponent, Tensor._wrap(np.ones((), dtype=y.dtype)), y)
            dx = sum_to(grad * y * x ** (lowered - 1), x.shape)
        if ctx.needs_input_grad[1]:
            safe_x = where(x._data == 0, Tensor._wrap(np.ones_like(x._data)), x)
            dy = sum_to(grad * ctx.output() * safe_x.log(), y.shape)
        return dx, dy


class Square(Function):
    """out = x * x.   dx = (grad * x) * 2.

    x * x as one op: as a Mul of x by itself, the backward would make grad * x twice
    and add the two. Doubling is exact, so these are the same bits (and (grad * x) * 2,
    unlike grad * (2 * x), overflows only where the gradient itself does).
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return x * x

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return ((grad * x) * 2,)

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        (x,) = ctx.inputs
        product = grad * x._data
        product += product  # doubled: exact, as * 2 is, without converting the 2
        return (product,)


class Neg(Function):
    """out = -x.   dx = -grad."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (-grad,)

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (-grad,)


class Maximum(Function):
    """out = max(x, y) elementwise (nan if either is nan).
    dx = sum_to(grad * w).   dy = sum_to(grad * w'), with w = 1 where x > y, 1/2 where
    x == y, 0 where x < y (and w' likewise with the roles swapped), as PyTorch; where a
    nan is involved, both get the whole gradient, as in PyTorch.
    """

    reads = {0: (0, 1), 1: (0, 1)}  # as PyTorch, though only the saved weights are used

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.saved["weights"] = _tie_weights(x, y, larger=True)
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        for_x, for_y = ctx.saved["weights"]
        dx = sum_to(grad * Tensor._wrap(for_x), x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(grad * Tensor._wrap(for_y), y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


class Minimum(Maximum):
    """out = min(x, y) elementwise: ``Maximum`` with the comparisons reversed."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ctx.saved["weights"] = _tie_weights(x, y, larger=False)
        return np.minimum(x, y)


def _tie_weights(x: np.ndarray, y: np.ndarray, larger: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each operand's share of the gradient: 1 where it is chosen, 1/2 at a tie, else 0."""
    dtype = np.result_type(x, y)
    shares = np.where(x == y, 0.5, 1.0).astype(dtype)
    x_loses = x < y if larger else x > y
    y_loses = x > y if larger else x < y
    return np.where(x_loses, 0, shares).astype(dtype), np.where(y_loses, 0, shares).astype(dtype)


class Where(Function):
    """out = x where condition else y.   dx = sum_to(grad * c).   dy = sum_to(grad * (1-c)).

    ``condition`` is a boolean array (a parameter: it has no derivative).
    """

    reads = {}

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, y: np.ndarray, *, condition: np.ndarray
    ) -> np.ndarray:
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        zeros = Tensor._wrap(np.zeros((), dtype=grad.dtype))
        condition = ctx.params["condition"]
        dx = sum_to(where(condition, grad, zeros), x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(where(condition, zeros, grad), y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


def where(condition: np.ndarray, x: Tensor, y: Tensor) -> Tensor:
    """Op-level ``where``: ``condition`` is an array, ``x`` and ``y`` tensors."""
    return Where.apply(x, y, condition=np.asarray(condition, dtype=bool))


class Clone(Function):
    """out = a copy of x.   dx = grad."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad,)


class Cast(Function):
    """out = x converted to ``dtype``.   dx = grad converted back to x's dtype."""

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dtype: np.dtype[Any]) -> np.ndarray:
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (Cast.apply(grad, dtype=x.dtype),)
