"""Smooth elementwise functions: exp, log, sqrt, tanh, sigmoid, sin, cos, log1p, expm1,
reciprocal, rsqrt, log10, log2, exp2, erf, erfc. Each backward is the derivative times
``grad``, written with ops.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.kernels.activation import sigmoid
from minigrad.kernels.special import erf, erfc
from minigrad.tensor import Tensor, _constant


class Exp(Function):
    """out = exp(x).   dx = grad * out."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * ctx.output(),)

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return (grad * ctx.saved[OUTPUT],)


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

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        out = ctx.saved[OUTPUT]
        return (grad * (_one(out) - out * out),)


class Sigmoid(Function):
    """out = 1 / (1 + exp(-x)).   dx = grad * out * (1 - out)."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # exp of a non-positive number only, so large |x| neither overflows nor warns:
        # 1 / (1 + p) where x >= 0, p / (1 + p) elsewhere, with p = exp(-|x|) in (0, 1].
        return sigmoid(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        out = ctx.output()
        return (grad * out * (1 - out),)

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        out = ctx.saved[OUTPUT]
        product = grad * out
        product *= _one(out) - out
        return (product,)


def _one(array: np.ndarray) -> np.ndarray:
    """1 as a read-only 0-d array of ``array``'s dtype, from the shared constants table:
    a Python number costs each numpy call a conversion, as much as a small pass.
    """
    return _constant(1.0, array.dtype.char)._data


class Sin(Function):
    """out = sin(x).   dx = grad * cos(x)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.sin(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad * Cos.apply(x),)


class Cos(Function):
    """out = cos(x).   dx = -grad * sin(x)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.cos(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (-(grad * Sin.apply(x)),)


class Log1p(Function):
    """out = log(1 + x), accurate for small x.   dx = grad / (1 + x)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad / (x + 1),)


class Expm1(Function):
    """out = exp(x) - 1, accurate for small x.   dx = grad * (out + 1)."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.expm1(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * (ctx.output() + 1),)


class Reciprocal(Function):
    """out = 1 / x.   dx = -grad * out**2."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.reciprocal(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        out = ctx.output()
        return (-(grad * (out * out)),)


class Rsqrt(Function):
    """out = 1 / sqrt(x).   dx = -grad * out**3 / 2."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.reciprocal(np.sqrt(x))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        out = ctx.output()
        return (grad * (out * out * out) * -0.5,)


class Log10(Function):
    """out = log10(x).   dx = grad / (x ln 10)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad / (x * math.log(10.0)),)


class Log2(Function):
    """out = log2(x).   dx = grad / (x ln 2)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad / (x * math.log(2.0)),)


class Exp2(Function):
    """out = 2**x.   dx = grad * out ln 2."""

    reads = {0: (OUTPUT,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.exp2(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * ctx.output() * math.log(2.0),)


_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)


class Erf(Function):
    """out = erf(x) = 2/√π ∫_0^x exp(-t²) dt.   dx = grad * 2/√π exp(-x²)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return erf(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad * ((-(x * x)).exp() * _TWO_OVER_ROOT_PI),)


class Erfc(Function):
    """out = erfc(x) = 1 - erf(x).   dx = -grad * 2/√π exp(-x²)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return erfc(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad * ((-(x * x)).exp() * -_TWO_OVER_ROOT_PI),)
