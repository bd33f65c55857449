"""Matrix product over the last two axes, with batch axes broadcast."""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels import matmul
from minigrad.ops.shape import sum_to
from minigrad.tensor import Tensor


class MatMul(Function):
    """out = x @ y for x: (*B, n, k), y: (*B', k, m) -> (*broadcast(B, B'), n, m).

    dx = sum_to(grad @ yᵀ, x.shape).   dy = sum_to(xᵀ @ grad, y.shape).
    Vectors are lifted to matrices by the Tensor layer, so both inputs have ndim >= 2.
    """

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return matmul(x, y)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = sum_to(grad @ y.transpose(-1, -2), x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(x.transpose(-1, -2) @ grad, y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy
