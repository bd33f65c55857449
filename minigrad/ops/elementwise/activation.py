"""Activation functions as elementwise ops: elu (with selu and celu as its cases),
softplus, gelu (exact and tanh forms) and its normal cdf, silu, mish, hardtanh,
hardsigmoid, hardswish, prelu; and ``ScaleGrad``, the identity with a scaled gradient.

Each forward is one numpy expression; each backward is the derivative written with
ops, so the second derivative follows. Where PyTorch takes one branch at a kink
(``x <= 0`` in elu, the open interval in hardtanh), the masks here take the same one.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels.special import erfc
from minigrad.ops.elementwise.arithmetic import where
from minigrad.ops.elementwise.transcendental import Exp, Sigmoid, Tanh
from minigrad.ops.nn import Softplus as _UnitSoftplus
from minigrad.ops.shape import sum_to
from minigrad.tensor import Tensor

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_TANH_CUBIC = 0.044715


def _zeros(grad: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros((), dtype=grad.dtype))


class Elu(Function):
    """out = scale * x for x > 0, else scale * alpha * (exp(input_scale * x) - 1).
    dx = grad * scale for x > 0, else grad * scale * alpha * input_scale * exp(input_scale * x).

    elu: scale = input_scale = 1; selu: PyTorch's alpha and scale; celu: input_scale = 1/alpha.
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, *, alpha: float, scale: float, input_scale: float
    ) -> np.ndarray:
        kind = x.dtype.type
        with np.errstate(over="ignore", invalid="ignore"):
            negative = kind(scale * alpha) * np.expm1(x * kind(input_scale))
        return np.where(x > 0, x * kind(scale), negative).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        alpha, scale, input_scale = (ctx.params[k] for k in ("alpha", "scale", "input_scale"))
        positive = x._data > 0
        # exp only of the negative part (where it is used), so that large x cannot overflow.
        negative = where(positive, _zeros(grad), x)
        slope = Exp.apply(negative * input_scale) * (scale * alpha * input_scale)
        return (where(positive, grad * scale, grad * slope),)


class Softplus(Function):
    """out = log(1 + exp(beta * x)) / beta, or x where beta * x > threshold.
    dx = grad * sigmoid(beta * x), or grad where beta * x > threshold.
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, beta: float, threshold: float) -> np.ndarray:
        kind = x.dtype.type
        scaled = x * kind(beta)
        smooth = np.logaddexp(kind(0), scaled) / kind(beta)
        return np.where(scaled > threshold, x, smooth).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        beta, threshold = ctx.params["beta"], ctx.params["threshold"]
        linear = (x._data * x.dtype.type(beta)) > threshold
        return (where(linear, grad, grad * Sigmoid.apply(x * beta)),)


class NormalCdf(Function):
    """out = Φ(x) = erfc(-x / √2) / 2.   dx = grad * exp(-x² / 2) / √(2π)."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        kind = x.dtype.type
        return erfc(x * kind(-_SQRT_HALF)) * kind(0.5)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad * (Exp.apply(x * x * -0.5) * _INV_SQRT_2PI),)


class Gelu(Function):
    """Exact: out = x Φ(x).   dx = grad * (Φ(x) + x φ(x)), φ(x) = exp(-x²/2) / √(2π).

    Tanh form: out = x (1 + tanh u) / 2, u = √(2/π) (x + 0.044715 x³).
    dx = grad * ((1 + t) / 2 + x (1 - t²) √(2/π) (1 + 3 · 0.044715 x²) / 2), t = tanh u.
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, approximate: str) -> np.ndarray:
        kind = x.dtype.type
        with np.errstate(over="ignore", invalid="ignore"):
            if approximate == "tanh":
                inner = kind(_SQRT_2_OVER_PI) * (x + kind(_TANH_CUBIC) * x * x * x)
                return kind(0.5) * x * (kind(1) + np.tanh(inner))
            return x * kind(0.5) * erfc(x * kind(-_SQRT_HALF))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        if ctx.params["approximate"] == "tanh":
            squared = x * x
            t = Tanh.apply((x + squared * x * _TANH_CUBIC) * _SQRT_2_OVER_PI)
            slope = (1 - t * t) * (squared * (3 * _TANH_CUBIC) + 1) * (_SQRT_2_OVER_PI * 0.5)
            return (grad * ((t + 1) * 0.5 + x * slope),)
        density = Exp.apply(x * x * -0.5) * _INV_SQRT_2PI
        return (grad * (NormalCdf.apply(x) + x * density),)


class Silu(Function):
    """out = x σ(x).   dx = grad * σ(x) (1 + x (1 - σ(x)))."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # exp of a non-positive number only, as in Sigmoid's forward.
        positive = np.exp(-np.abs(x))
        sigmoid = np.where(x >= 0, 1 / (1 + positive), positive / (1 + positive))
        return (x * sigmoid).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        s = Sigmoid.apply(x)
        return (grad * (s * (x * (1 - s) + 1)),)


class Mish(Function):
    """out = x tanh(softplus(x)).   dx = grad * (t + x (1 - t²) σ(x)), t = tanh(softplus(x))."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return x * np.tanh(np.logaddexp(x.dtype.type(0), x))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        t = Tanh.apply(_UnitSoftplus.apply(x))
        return (grad * (t + x * (1 - t * t) * Sigmoid.apply(x)),)


class Hardtanh(Function):
    """out = min(max(x, low), high).   dx = grad where low < x < high, else 0.

    Unlike clamp, the kinks themselves get no gradient (PyTorch's open interval).
    """

    reads = {0: (0,)}  # as PyTorch, though only the saved mask is used

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, low: float, high: float) -> np.ndarray:
        kind = x.dtype.type
        ctx.saved["inside"] = ((x > low) & (x < high)).astype(x.dtype)
        return np.clip(x, kind(low), kind(high)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * Tensor._wrap(ctx.saved["inside"]),)


class Hardsigmoid(Function):
    """out = min(max(x / 6 + 1/2, 0), 1).   dx = grad / 6 where -3 < x < 3, else 0."""

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        kind = x.dtype.type
        ctx.saved["slope"] = np.where((x > -3) & (x < 3), kind(1 / 6), kind(0))
        return np.clip(x / kind(6) + kind(0.5), kind(0), kind(1)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * Tensor._wrap(ctx.saved["slope"]),)


class Hardswish(Function):
    """out = x min(max(x + 3, 0), 6) / 6.
    dx = grad * (0 for x <= -3; x / 3 + 1/2 for -3 < x < 3; 1 for x >= 3).
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        kind = x.dtype.type
        return x * np.clip(x + kind(3), kind(0), kind(6)) / kind(6)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        middle = (x._data > -3) & (x._data < 3)
        upper = where(x._data >= 3, grad, _zeros(grad))
        return (where(middle, grad * (x * (1 / 3) + 0.5), upper),)


class Prelu(Function):
    """out = x for x > 0, else w x (w broadcast against x, one slope per channel).
    dx = grad * (1 for x > 0, else w).   dw = sum_to(grad * x where x <= 0, w's shape).
    """

    reads = {0: (0, 1), 1: (0,)}  # dx reads x's signs as well as w

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, w * x).astype(np.result_type(x, w), copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, w = ctx.inputs
        positive = x._data > 0
        dx = dw = None
        if ctx.needs_input_grad[0]:
            dx = sum_to(where(positive, grad, grad * w), x.shape)
        if ctx.needs_input_grad[1]:
            dw = sum_to(where(positive, _zeros(grad), grad * x), w.shape)
        return dx, dw


class ScaleGrad(Function):
    """out = x (a copy).   dx = grad * scale, ``scale`` a constant array broadcast to x.

    For gradients that PyTorch weights without changing the value: an embedding's
    padding row (scale 0) and ``scale_grad_by_freq`` (1 / count).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, scale: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (grad * Tensor._wrap(ctx.params["scale"].astype(grad.dtype, copy=False)),)
