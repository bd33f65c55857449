"""Elementwise ops. Binary ops broadcast; their backward ends in ``sum_to``.

Notation: ``x``, ``y`` inputs of broadcastable shapes, ``grad`` the gradient of the
output, ``sum_to(g, shape)`` the adjoint of broadcasting.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.kernels import leaky_relu
from minigrad.ops.shape import sum_to
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

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = rows(x, y)
        return x + y

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad, x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(grad, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


class Sub(Function):
    """out = x - y.   dx = sum_to(grad).   dy = -sum_to(grad)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = rows(x, y)
        return x - y

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad, x.shape) if ctx.needs_input_grad[0] else None
        dy = -sum_to(grad, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


class Mul(Function):
    """out = x * y.   dx = sum_to(grad * y).   dy = sum_to(grad * x)."""

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        x, y = rows(x, y)
        return x * y

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad * y, x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(grad * x, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


class Div(Function):
    """out = x / y.   dx = sum_to(grad / y).   dy = -sum_to(grad * x / y**2)."""

    reads = {0: (1,), 1: (0, 1)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        # Division by zero gives inf or nan, as in PyTorch, without a warning.
        x, y = rows(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return x / y

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad / y, x.shape) if ctx.needs_input_grad[0] else None
        dy = -sum_to(grad * x / (y * y), y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy


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


class Neg(Function):
    """out = -x.   dx = -grad."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return -x

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (-grad,)


class Exp(Function):
    """out = exp(x).   dx = grad * out."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * ctx.output(),)


class Log(Function):
    """out = log(x).   dx = grad / x."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad / x,)


class Sqrt(Function):
    """out = sqrt(x).   dx = grad / (2 out)."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.sqrt(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad / (2 * ctx.output()),)


class Abs(Function):
    """out = |x|.   dx = grad * sign(x)  (0 at x == 0, as in PyTorch)."""

    # The sign is saved as an array, but PyTorch counts abs as reading x: so do we.
    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.saved["sign"] = np.sign(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * Tensor._wrap(ctx.saved["sign"]),)


class Clamp(Function):
    """out = min(max(x, low), high).   dx = grad where low <= x <= high, else 0."""

    reads = {0: (0,)}  # as PyTorch, though only the saved mask is used

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, low: Any, high: Any) -> np.ndarray:
        ctx.saved["inside"] = _inside(x, low, high)
        return np.clip(x, low, high).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * Tensor._wrap(ctx.saved["inside"]),)


def _inside(x: np.ndarray, low: Any, high: Any) -> np.ndarray:
    inside = np.ones_like(x)
    if low is not None:
        inside = inside * (x >= low)
    if high is not None:
        inside = inside * (x <= high)
    return inside.astype(x.dtype)


class Tanh(Function):
    """out = tanh(x).   dx = grad * (1 - out**2)."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        out = ctx.output()
        return (grad * (1 - out * out),)


class Sigmoid(Function):
    """out = 1 / (1 + exp(-x)).   dx = grad * out * (1 - out)."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # exp of a non-positive number only, so large |x| neither overflows nor warns.
        positive = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + positive), positive / (1 + positive)).astype(x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        out = ctx.output()
        return (grad * out * (1 - out),)


class LeakyRelu(Function):
    """out = x if x > 0 else slope * x.   dx = grad * (1 if x > 0 else slope).

    ``relu`` is the case slope = 0.
    """

    reads = {0: (0,)}  # as PyTorch, though only the saved factors are used

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, slope: float) -> np.ndarray:
        out, factor = leaky_relu(x, slope)
        ctx.saved["factor"] = factor
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * Tensor._wrap(ctx.saved["factor"]),)


class Relu(LeakyRelu):
    """out = max(x, 0).   dx = grad * (1 if x > 0 else 0): LeakyRelu with slope 0,
    which PyTorch counts as reading its output rather than x.
    """

    reads = {0: (OUTPUT,)}


class Where(Function):
    """out = x where condition else y.   dx = sum_to(grad * c).   dy = sum_to(grad * (1-c)).

    ``condition`` is a boolean array (a parameter: it has no derivative).
    """

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

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad,)


class Cast(Function):
    """out = x converted to ``dtype``.   dx = grad converted back to x's dtype."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dtype: np.dtype[Any]) -> np.ndarray:
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (Cast.apply(grad, dtype=x.dtype),)
