"""``Function``: the base class of every differentiable op.

An op subclasses ``Function`` and writes two static methods side by side:

* ``forward(ctx, *arrays, **params) -> array`` computes on numpy arrays;
* ``backward(ctx, grad) -> tuple`` returns one gradient per tensor input, written
  only with minigrad ops on Tensors, so that the backward is itself recorded when
  ``create_graph=True`` and gradients of any order follow.

``apply`` runs the forward, wraps the result in a Tensor and, when grad mode is on
and some input requires grad, records a :class:`~minigrad.autograd.graph.Node`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.graph import Node


class Context:
    """What a forward leaves for its backward.

    Attributes:
        inputs: the op's tensor inputs, in order; backward computes with these.
        needs_input_grad: one bool per input: compute only the gradients needed.
        params: the op's non-tensor arguments, as given to ``apply``.
        saved: extra arrays (masks, indices) whose derivative is zero.
    """

    # Several hundred contexts are made per training step: slots make them cheaper.
    __slots__ = ("inputs", "needs_input_grad", "params", "saved")

    def __init__(self, inputs: tuple[Tensor, ...], params: dict[str, Any]) -> None:
        self.inputs = inputs
        self.needs_input_grad = tuple([t._requires_grad for t in inputs])
        self.params = params
        self.saved: dict[str, Any] = {}

    def release(self) -> None:
        """Drop everything saved, so that arrays can be freed after backward."""
        self.inputs = ()
        self.saved = {}


class Function:
    """Base class of differentiable ops: see the module docstring."""

    @staticmethod
    def forward(ctx: Context, *arrays: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        """Run the op on tensors and record it on the tape when needed."""
        ctx = Context(inputs, params)
        output = cls.forward(ctx, *[t._data for t in inputs], **params)
        return cls._record(ctx, output)

    @classmethod
    def applied(cls, output: np.ndarray, *inputs: Tensor, **params: Any) -> Tensor:
        """Record the op as if ``apply(*inputs, **params)`` had returned ``output``.

        For an output computed together with another op's by one kernel (the two
        products of a convolution's backward share their im2col). Only for ops whose
        forward leaves nothing on ``ctx``; the backward is the op's own, as ever.
        """
        return cls._record(Context(inputs, params), output)

    @classmethod
    def _record(cls, ctx: Context, output: np.ndarray) -> Tensor:
        if type(output) is not np.ndarray:
            # numpy turns 0-d results into scalars; a Tensor always holds an ndarray.
            output = np.asarray(output)
        # Integer and bool results (a cast, say) have no gradient, as in PyTorch.
        record = (
            grad_mode.is_grad_enabled()
            and True in ctx.needs_input_grad
            and output.dtype.kind == "f"
        )
        if not record:
            return Tensor._wrap(output)
        result = Tensor._wrap(output, requires_grad=True)
        result.grad_fn = Node(cls, ctx, output.shape, output.dtype)
        return result


# At the foot: Tensor's module imports the ops, which import this one. An import inside
# _record instead would cost more than half a microsecond on every op.
from minigrad.tensor import Tensor  # noqa: E402
