"""Neural-network primitives that are not composites of other ops.

Only ``Softplus`` lives here: written as ``relu(x) + log(1 + exp(-|x|))`` it would
be stable but its derivative at ``x == 0`` would come out as 0 (relu' and sign are
0 there) instead of sigmoid(0) = 1/2.
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

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.logaddexp(np.zeros((), dtype=x.dtype), x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (grad * x.sigmoid(),)
