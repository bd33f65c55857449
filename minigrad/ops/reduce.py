"""Reductions: sum, prod, the vector norms, max/min with their gradient routed to the
chosen elements, and the scan cumsum.

``mean``, ``var`` and ``std`` are composites of these in [`minigrad.functions`][].
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.ops.elementwise import Sign, where
from minigrad.ops.shape import broadcast_to, reshape, sum_array
from minigrad.tensor import Tensor


def _kept_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if axis in dims else size for axis, size in enumerate(shape))


class Sum(Function):
    """out = sum of x over ``dims``.   dx = broadcast_to(grad with dims kept, x.shape)."""

    reads = {}

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, *, dims: tuple[int, ...], keepdim: bool
    ) -> np.ndarray:
        total = sum_array(x, dims)
        return total.reshape(_kept_shape(x.shape, dims)) if keepdim else total

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        kept = reshape(grad, _kept_shape(x.shape, ctx.params["dims"]))
        return (broadcast_to(kept, x.shape),)

    @staticmethod
    def backward_arrays(ctx: Context, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # A loss's last op: its backward runs once per backward() call.
        (x,) = ctx.inputs
        kept = grad.reshape(_kept_shape(x.shape, ctx.params["dims"]))
        return (kept if kept.shape == x.shape else np.array(np.broadcast_to(kept, x.shape)),)


class Extreme(Function):
    """out = max (or min) of x over ``dims``.   dx = grad spread over the chosen elements.

    The ``weights`` array says how each element shares in the result: with ``dim``
    given, the first extreme element gets all of it (PyTorch's ``max(dim)``); over
    all elements, ties share it equally (PyTorch's ``max()``). It has no derivative
    of its own, so it is saved as an array.
    """

    reads = {}

    @staticmethod
    def forward(
        ctx: Context,
        x: np.ndarray,
        *,
        dims: tuple[int, ...],
        keepdim: bool,
        largest: bool,
        first_only: bool,
    ) -> np.ndarray:
        pick = np.max if largest else np.min
        kept = pick(x, axis=dims, keepdims=True)
        chosen = (x == kept).astype(x.dtype)
        if first_only:
            (axis,) = dims
            first = np.cumsum(chosen, axis=axis) == 1
            chosen = (chosen * first).astype(x.dtype)
        ctx.saved["weights"] = chosen / chosen.sum(axis=dims, keepdims=True)
        return (
            kept if keepdim else kept.reshape([s for a, s in enumerate(x.shape) if a not in dims])
        )

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        kept = reshape(grad, _kept_shape(x.shape, ctx.params["dims"]))
        return (broadcast_to(kept, x.shape) * Tensor._wrap(ctx.saved["weights"]),)


class ExtremeOfAll(Extreme):
    """``Extreme`` over every element (``max()``, ``min()``): the same op, but PyTorch
    counts it as reading x and its result (``max(dim)`` only its saved indices).
    """

    reads = {0: (0, OUTPUT)}


class Prod(Function):
    """out = product of x along ``dim``.   dx = broadcast(grad) * (product of the others).

    The product of the others is out / x when the slice has no zero. With zeros it is
    built from masks (which have no derivative) and products of the non-zero elements,
    so that the first and second derivatives are exact, as PyTorch's are.
    """

    reads = {0: (0, OUTPUT)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dim: int, keepdim: bool) -> np.ndarray:
        zero = x == 0
        if zero.any():
            ctx.saved["zero"] = zero
        return np.prod(x, axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        kept = _kept_shape(x.shape, (ctx.params["dim"],))
        spread = broadcast_to(reshape(grad, kept), x.shape)
        if "zero" not in ctx.saved:
            return (spread * (reshape(ctx.output(), kept) / x),)
        return (spread * _product_of_others(x, ctx.params["dim"], ctx.saved["zero"]),)


def _product_of_others(x: Tensor, dim: int, zero: np.ndarray) -> Tensor:
    """For each element, the product of the other elements of its slice along ``dim``.

    At a non-zero element: (product of the zeros) * (product of the non-zeros) / x,
    which is 0 when the slice has a zero, with the right derivative in that zero. At a
    zero: the product of the non-zeros times that of the other zeros, which is 1 when it
    is the only zero, the other one's value when there are two (their sum less itself),
    and 0 when there are more (every derivative of order two or less is then 0 too).
    """
    ones = Tensor._wrap(np.ones((), dtype=x.dtype))
    zeros = Tensor._wrap(np.zeros((), dtype=x.dtype))
    count = zero.sum(axis=dim, keepdims=True)
    non_zeros = where(zero, ones, x)
    of_non_zeros = Prod.apply(non_zeros, dim=dim, keepdim=True)
    of_zeros = Prod.apply(where(zero, x, ones), dim=dim, keepdim=True)
    at_non_zero = of_zeros * of_non_zeros / non_zeros
    sum_of_zeros = Sum.apply(where(zero, x, zeros), dims=(dim,), keepdim=True)
    other_zeros = where(count == 1, ones, where(count == 2, sum_of_zeros - x, zeros))
    return where(zero, of_non_zeros * other_zeros, at_non_zero)


class CumSum(Function):
    """out_i = sum of x_j for j <= i along ``dim`` (j >= i with ``reverse``).
    dx = CumSum(grad, reversed): the adjoint of a running sum is the running sum from
    the other end, so the pair is closed under differentiation.
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, dim: int, reverse: bool) -> np.ndarray:
        if reverse:
            return np.flip(np.cumsum(np.flip(x, dim), axis=dim), dim).copy()
        return np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        params = ctx.params
        return (CumSum.apply(grad, dim=params["dim"], reverse=not params["reverse"]),)


class VectorNorm(Function):
    """out = (sum |x|**p)**(1/p) over ``dims``; max |x| for p = inf, min |x| for -inf,
    the count of non-zeros for p = 0.

    dx = broadcast(grad) times, by p (PyTorch's ``linalg_vector_norm_backward``):
    2: x / out;  1: sign(x);  +-inf: sign(x) on the elements equal to out in size,
    shared evenly;  0: 0;  else: sign(x) |x|**(p-1) / out**(p-1), taken as 0 where
    x is 0 (p < 1) or out is 0 (p >= 1), as in PyTorch.
    """

    reads = {0: (0, OUTPUT)}

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, *, p: float, dims: tuple[int, ...], keepdim: bool
    ) -> np.ndarray:
        size = np.abs(x)
        if p == np.inf or p == -np.inf:
            pick = np.max if p > 0 else np.min
            out = pick(size, axis=dims, keepdims=True)
            chosen = ((size == out) | np.isnan(size)).astype(x.dtype)
            ctx.saved["chosen"] = chosen / chosen.sum(axis=dims, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(axis=dims, keepdims=True).astype(x.dtype)
        elif p == 2:
            out = np.sqrt((x * x).sum(axis=dims, keepdims=True))
        elif p == 1:
            out = size.sum(axis=dims, keepdims=True)
        else:
            with np.errstate(divide="ignore"):
                out = np.power(np.power(size, p).sum(axis=dims, keepdims=True), 1 / p)
        out = out.astype(x.dtype, copy=False)
        return out if keepdim else out.reshape(_dropped_shape(x.shape, dims))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        p, dims = ctx.params["p"], ctx.params["dims"]
        kept = _kept_shape(x.shape, dims)
        spread = broadcast_to(reshape(grad, kept), x.shape)
        if p == 0:
            return (spread * Tensor._wrap(np.zeros((), dtype=x.dtype)),)
        if p == 1:
            return (spread * Sign.apply(x),)
        if p == np.inf or p == -np.inf:
            return (spread * Sign.apply(x) * Tensor._wrap(ctx.saved["chosen"]),)
        out = reshape(ctx.output(), kept)
        ones = Tensor._wrap(np.ones((), dtype=x.dtype))
        if p < 1:
            # |x|**(p-1) is infinite at 0, where sign(x) is 0: take 1 there instead.
            safe_x = where(x._data == 0, ones, x)
            return (spread * Sign.apply(x) * safe_x.abs() ** (p - 1) * out ** (1 - p),)
        # A zero norm means x is 0 (and so is the numerator): divide by 1 there instead.
        safe_out = where(out._data == 0, ones, out)
        if p == 2:
            return (spread * x / safe_out,)
        return (spread * Sign.apply(x) * x.abs() ** (p - 1) / safe_out ** (p - 1),)


def _dropped_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(size for axis, size in enumerate(shape) if axis not in dims)
