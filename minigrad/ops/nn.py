"""Neural-network primitives that are not composites of other ops.

``Softplus``: written as ``relu(x) + log(1 + exp(-|x|))`` it would be stable but its
derivative at ``x == 0`` would come out as 0 (relu' and sign are 0 there) instead of
sigmoid(0) = 1/2.

``BinaryCrossEntropyWithLogits``: the GAN losses of a small training step are several
percent of it as a composite of five ops forward and more backward. Its forward is one
numpy expression and its backward two lines of ops, so it is an ordinary op.

Batch norm, whose forward and backward run kernels, is in ``minigrad.ops.fused``
with the other fused ops and their unfused twins.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.tensor import Tensor


class Softplus(Function):
    """out = log(1 + exp(x)).   dx = grad * sigmoid(x).

    The forward is ``logaddexp(0, x)``, which neither overflows for large x nor
    loses the result for very negative x.
    """

    reads = {0: (0,)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.logaddexp(np.zeros((), dtype=x.dtype), x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad * x.sigmoid(),)


class BinaryCrossEntropyWithLogits(Function):
    """out = (1 - y) * x + softplus(-x), the binary cross entropy of logits x and
    targets y, elementwise (one op instead of five; x and y have one shape).

    dx = grad * (sigmoid(x) - y).
    dy = -grad * x.
    """

    reads = {0: (0, 1), 1: (0, 1)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return (1 - y) * x + np.logaddexp(np.zeros((), dtype=x.dtype), -x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, y = ctx.inputs
        dx = grad * (x.sigmoid() - y) if ctx.needs_input_grad[0] else None
        dy = -(grad * x) if ctx.needs_input_grad[1] else None
        return dx, dy
