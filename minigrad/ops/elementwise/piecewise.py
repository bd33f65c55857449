"""Piecewise elementwise functions: abs, clamp, relu / leaky_relu, and the piecewise
constant floor, ceil, round, trunc and sign, whose derivative is zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.kernels import leaky_relu, leaky_relu_backward, relu, relu_backward
from minigrad.ops.elementwise.arithmetic import where
from minigrad.tensor import Tensor


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


class LeakyRelu(Function):
    """out = x if x > 0 else slope * x.   dx = grad * (1 if x > 0 else slope).

    The backward reads x (as PyTorch's), so no array of factors is kept beside it.
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, slope: float) -> np.ndarray:
        return leaky_relu(x, slope)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        # The factor is piecewise constant: a constant on the tape, its derivative zero.
        x = ctx.inputs[0]._data
        one, slope = x.dtype.type(1), x.dtype.type(ctx.params["slope"])
        return (grad * Tensor._wrap(np.where(x > 0, one, slope)),)

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (leaky_relu_backward(grad, ctx.inputs[0]._data, ctx.params["slope"]),)


class Relu(Function):
    """out = 0 where x < 0, else x.   dx = 0 where out <= 0, else grad.

    Selections, as PyTorch's relu and its backward are, not LeakyRelu with slope 0:
    x * 0 is NaN at x = -inf and -0.0 below zero, where relu gives 0, and an inf or
    NaN gradient times 0 is NaN, where relu's backward gives 0. NaN and -0.0 pass as
    they are (``np.maximum``'s choice between -0.0 and 0 is its implementation's), and
    where the output is NaN so does the gradient. It reads the output, as PyTorch's.
    """

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return relu(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        # The selection is piecewise constant in x: a parameter of the op, no derivative.
        zero = Tensor._wrap(np.zeros((), dtype=grad.dtype))
        return (where(ctx.saved[OUTPUT] <= 0, zero, grad),)

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (relu_backward(grad, ctx.saved[OUTPUT]),)


class _PiecewiseConstant(Function):
    """Base of the piecewise constant ops: dx = 0 (a zero of grad's shape, on the tape,
    as PyTorch gives), so every order of derivative is zero.
    """

    reads = {}

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * Tensor._wrap(np.zeros((), dtype=grad.dtype)),)


class Floor(_PiecewiseConstant):
    """out = floor(x), the largest integer <= x.   dx = 0."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.floor(x)


class Ceil(_PiecewiseConstant):
    """out = ceil(x), the smallest integer >= x.   dx = 0."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.ceil(x)


class Trunc(_PiecewiseConstant):
    """out = trunc(x), x rounded towards zero.   dx = 0."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.trunc(x)


class Round(_PiecewiseConstant):
    """out = x rounded to ``decimals`` decimal places, halves to even (as PyTorch:
    ``round(x * 10**d) / 10**d``).   dx = 0.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, decimals: int) -> np.ndarray:
        return np.round(x, decimals)


class Sign(_PiecewiseConstant):
    """out = -1, 0 or 1 as x is negative, zero or positive (0 for nan, as PyTorch).
    dx = 0.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(x), 0, np.sign(x)).astype(x.dtype, copy=False)
