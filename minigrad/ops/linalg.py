"""Matrix product over the last two axes, with batch axes broadcast; and the affine
map of a fully connected layer as one op (PyTorch's addmm).
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels import matmul
from minigrad.ops.shape import Permute, sum_to, sum_to_shape
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
        dx = sum_to(product(grad, swap_last(y)), x.shape) if ctx.needs_input_grad[0] else None
        dy = sum_to(product(swap_last(x), grad), y.shape) if ctx.needs_input_grad[1] else None
        return dx, dy

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, y = ctx.inputs  # either may be Unkept (its shape only) where its formula is not needed
        needs = ctx.needs_input_grad
        dx = sum_to_shape(matmul(grad, _swap_last(y._data)), x.shape) if needs[0] else None
        dy = sum_to_shape(matmul(_swap_last(x._data), grad), y.shape) if needs[1] else None
        return dx, dy


class Linear(Function):
    """out = x @ wᵀ + b for x: (*B, n, in), w: (out, in), b: (out,) -> (*B, n, out); the
    bias is optional (two inputs then). One op where the composite is three (a
    transpose, a product, an add), as PyTorch's addmm; the same bits as the composite.

    dx = grad @ w.   dw = sum_to(xᵀ @ grad, (in, out))ᵀ.   db = sum_to(grad, (out,)).
    A vector x is lifted to a matrix by the public layer, so x has ndim >= 2.
    """

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, w: np.ndarray, *bias: np.ndarray) -> np.ndarray:
        out = matmul(x, w.T)
        return out + bias[0] if bias else out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, w = ctx.inputs[0], ctx.inputs[1]
        needs = ctx.needs_input_grad
        dx = product(grad, w) if needs[0] else None
        dw = None
        if needs[1]:
            # As the composite computes it: the product's gradient for wᵀ, transposed.
            dw = swap_last(sum_to(product(swap_last(x), grad), (w.shape[1], w.shape[0])))
        db = sum_to(grad, ctx.inputs[2].shape) if len(needs) == 3 and needs[2] else None
        return dx, dw, db

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        x, w = ctx.inputs[0], ctx.inputs[1]  # either may be Unkept: see MatMul
        needs = ctx.needs_input_grad
        dx = matmul(grad, w._data) if needs[0] else None
        dw = None
        if needs[1]:
            dw = matmul(_swap_last(x._data), grad)
            dw = _swap_last(sum_to_shape(dw, (w.shape[1], w.shape[0])))
        db = sum_to_shape(grad, ctx.inputs[2].shape) if len(needs) == 3 and needs[2] else None
        return dx, dw, db


def product(x: Tensor, y: Tensor) -> Tensor:
    """Op-level ``x @ y`` for operands of ndim >= 2 (shapes and dtypes known to fit)."""
    return MatMul.apply(x, y)


def swap_last(x: Tensor) -> Tensor:
    """Op-level ``x.transpose(-1, -2)``."""
    return Permute.apply(x, dims=_last_swapped(x.ndim))


def _swap_last(x: np.ndarray) -> np.ndarray:
    """Array-level ``swap_last``: the view Permute's forward gives."""
    return np.transpose(x, _last_swapped(x.ndim))


def _last_swapped(ndim: int) -> tuple[int, ...]:
    return (*range(ndim - 2), ndim - 1, ndim - 2)
