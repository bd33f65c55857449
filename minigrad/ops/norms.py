"""Group normalisation: one op family behind layer, instance and group norm.

Each of the three normalises groups of neighbouring values by their own mean and biased
variance (eps inside the square root), then scales and shifts. Seen the right way, the
groups are the rows of a ``(B, P, K)`` view of x, and the affine values are a ``(P, M)``
table, each value stretched over ``S = K / M`` neighbouring positions of a row:

=============  ======================  ===========  ==========================
norm           x                       rows (B, P)  weight as (P, M)
=============  ======================  ===========  ==========================
layer norm     ``(*, *D)``             (prod *, 1)  ``(1, prod D)``, S = 1
instance norm  ``(N, C, *L)``          (N, C)       ``(C, 1)``, S = prod L
group norm     ``(N, C, *L)``, G       (N, G)       ``(G, C / G)``, S = prod L
=============  ======================  ===========  ==========================

So every op here takes x in its own shape, the parameter ``rows = (B, P)``, and weights
of ``P * M`` values in their own shape; the views cost nothing.

Notation: ``mean_r`` and ``sum_r`` run over a row's ``K`` values; ``sum_w`` runs over
the values that share one weight (the batch and a run of ``S``); ``r = 1 / sqrt(
mean_r((x - mean_r(x))^2) + eps)`` is ``(B, P)``; a weight or a per-row value in a
formula with x stands for it stretched to x's shape.

Fused, as ``minigrad.ops.fused``'s batch norm: ``GroupNorm`` is one kernel
forward and one backward (as a composite it is about ten ops forward and forty back).
Its backward is one formula for every grad mode, written with fused sub-ops
(``Standardise``, ``InverseStd`` give the forward's ``xhat`` and ``r`` back as
functions of x; ``NormInputGrad``, ``WeightSum`` and ``WeightDot`` are
the gradient formulas, all three from one kernel pass in ``norm_grads``) whose own
backwards are plain ops, so gradients of any order follow. Each
op has an unfused twin, ``*_unfused``, in plain ops, which ``tests/ops/test_norm_ops.py``
checks it against.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.autograd.function import OUTPUT, Context, Function
from minigrad.kernels import norms as kernels
from minigrad.ops.shape import broadcast_to, reshape
from minigrad.tensor import Tensor

Rows = tuple[int, int]


def _pieces(weight: Tensor | np.ndarray, rows: Rows) -> int:
    """``M``: how many affine values each row holds."""
    return int(math.prod(weight.shape)) // rows[1]


def _split(x: Tensor, rows: Rows, pieces: int) -> Tensor:
    """View x as ``(B, P, M, S)``, for the plain-op formulas."""
    return reshape(x, _split_shape(x.shape, rows, pieces))


def _split_shape(shape: tuple[int, ...], rows: Rows, pieces: int) -> tuple[int, ...]:
    """``(B, P, M, S)`` for a tensor of ``shape``."""
    count = rows[0] * rows[1] * pieces
    return (*rows, pieces, math.prod(shape) // count if count else 0)


def _per_row(values: Tensor) -> Tensor:
    """``(B, P)`` values as ``(B, P, 1, 1)``."""
    return reshape(values, (*values.shape, 1, 1))


def _per_piece(weight: Tensor, rows: Rows) -> Tensor:
    """``P * M`` affine values as ``(1, P, M, 1)``."""
    return reshape(weight, (1, rows[1], _pieces(weight, rows), 1))


def _row_mean(x: Tensor) -> Tensor:
    """``mean_r`` of a ``(B, P, M, S)`` tensor, kept as ``(B, P, 1, 1)``."""
    return x.mean((2, 3), keepdim=True)


def _weight_sum(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``sum_w`` of a ``(B, P, M, S)`` tensor, in the weight's ``shape``."""
    return reshape(x.sum((0, 3)), shape)


def row_statistics(x: np.ndarray, rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of each row of x, ``(B, P)`` each in float64.

    Arrays, not an op: they feed running statistics, which have no gradient.
    """
    return kernels.norm_statistics(x, rows)


# --- the normalisation ----------------------------------------------------------------


class GroupNorm(Function):
    """Normalise each row, then scale and shift: layer, instance and group norm.

    out = xhat * w + b,   xhat = (x - mean_r(x)) * r.
    dx = NormInputGrad(grad, xhat, r, w) = r * (h - mean_r(h) - xhat * mean_r(h * xhat)),
         h = grad * w.
    dw = sum_w(grad * xhat).   db = sum_w(grad).   (all three from one pass: norm_grads)
    """

    # As PyTorch's layer- and group-norm backwards: x and the weight.
    reads = {0: (0, 1), 1: (0, 1), 2: (0, 1)}

    @staticmethod
    def forward(
        ctx: Context,
        x: np.ndarray,
        weight: np.ndarray,
        bias: np.ndarray,
        *,
        rows: Rows,
        eps: float,
    ) -> np.ndarray:
        out, normalised, root = kernels.norm_forward(x, rows, eps, weight, bias)
        ctx.saved["normalised"] = normalised
        ctx.saved["root"] = root
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, bias = ctx.inputs
        rows, eps = ctx.params["rows"], ctx.params["eps"]
        need = ctx.needs_input_grad
        normalised = Standardise.applied(ctx.saved["normalised"], x, rows=rows, eps=eps)
        dx = dw = db = None
        if need[0]:
            root = InverseStd.applied(ctx.saved["root"], x, rows=rows, eps=eps)
            dx, db, dw = norm_grads(grad, normalised, root, weight, rows)
        elif need[1] or need[2]:
            db, dw = norm_param_grads(grad, normalised, rows, weight.shape)
        return dx, dw if need[1] else None, db if need[2] else None


def group_norm_unfused(
    x: Tensor, weight: Tensor, bias: Tensor, *, rows: Rows, eps: float
) -> Tensor:
    """``GroupNorm``'s twin in plain ops: ``standardise_unfused(x) * w + b``."""
    pieces = _pieces(weight, rows)
    normalised = _split(standardise_unfused(x, rows=rows, eps=eps), rows, pieces)
    out = normalised * _per_piece(weight, rows) + _per_piece(bias, rows)
    return reshape(out, x.shape)


class Standardise(Function):
    """``xhat``: each row of x less its mean, times ``r`` (no weight or bias).

    out = xhat = (x - mean_r(x)) * r,   r = InverseStd(x).
    dx = NormInputGrad(grad, xhat, r, 1) = r * (grad - mean_r(grad) - xhat * mean_r(grad * xhat)).
    """

    reads = {0: (0, OUTPUT)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, rows: Rows, eps: float) -> np.ndarray:
        _, normalised, root = kernels.norm_forward(x, rows, eps)
        ctx.saved["root"] = root
        return normalised

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        rows, eps = ctx.params["rows"], ctx.params["eps"]
        normalised = ctx.output()
        # GroupNorm's backward records this op with ``applied``, without a saved root.
        if "root" in ctx.saved:
            root = InverseStd.applied(ctx.saved["root"], x, rows=rows, eps=eps)
        else:
            root = InverseStd.apply(x, rows=rows, eps=eps)
        ones = Tensor._wrap(np.ones(rows[1], dtype=x.dtype))
        return (NormInputGrad.apply(grad, normalised, root, ones, rows=rows),)


def standardise_unfused(x: Tensor, *, rows: Rows, eps: float) -> Tensor:
    """``Standardise``'s twin in plain ops: ``(x - mean_r(x)) * inverse_std_unfused(x)``."""
    split = _split(x, rows, 1)
    centred = split - _row_mean(split)
    return reshape(centred * _per_row(inverse_std_unfused(x, rows=rows, eps=eps)), x.shape)


class InverseStd(Function):
    """``r``: one over the standard deviation of each row, ``(B, P)``.

    out = r = 1 / sqrt(mean_r((x - mean_r(x))^2) + eps).
    dx = -grad * r^3 * (x - mean_r(x)) / K.
    """

    reads = {0: (0, OUTPUT)}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, rows: Rows, eps: float) -> np.ndarray:
        return kernels.norm_forward(x, rows, eps)[2]

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        root = ctx.output()
        split = _split(x, ctx.params["rows"], 1)
        centred = split - _row_mean(split)
        slope = _per_row(grad * root * root * root) / max(split.shape[3], 1)
        return (reshape(-(slope * centred), x.shape),)


def inverse_std_unfused(x: Tensor, *, rows: Rows, eps: float) -> Tensor:
    """``InverseStd``'s twin in plain ops."""
    split = _split(x, rows, 1)
    centred = split - _row_mean(split)
    variance = (centred * centred).mean((2, 3))
    return 1 / (variance + eps).sqrt()


# --- the gradient formulas ------------------------------------------------------------


class NormInputGrad(Function):
    """The input gradient of a normalisation, given its output gradient ``g``.

    ``h = g * w``; ``m1 = mean_r(h)``, ``m2 = mean_r(h * xhat)``; ``v = grad * r``.

    out = r * (h - m1 - xhat * m2).
    dg = w * r * (grad - mean_r(grad) - xhat * mean_r(grad * xhat)).
    dxhat = -(v * m2 + h * mean_r(v * xhat)).
    dr = sum_r(grad * (h - m1 - xhat * m2)).
    dw = sum_w(g * r * (grad - mean_r(grad) - xhat * mean_r(grad * xhat))).
    """

    reads = {0: (1, 2, 3), 1: (0, 1, 2, 3), 2: (0, 1, 3), 3: (0, 1, 2)}

    @staticmethod
    def forward(
        ctx: Context,
        g: np.ndarray,
        normalised: np.ndarray,
        root: np.ndarray,
        weight: np.ndarray,
        *,
        rows: Rows,
    ) -> np.ndarray:
        return kernels.norm_input_grad(g, normalised, root, weight, rows)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g, normalised, root, weight = ctx.inputs
        rows = ctx.params["rows"]
        need = ctx.needs_input_grad
        pieces = _pieces(weight, rows)
        g4, xhat = _split(g, rows, pieces), _split(normalised, rows, pieces)
        u, r, w = _split(grad, rows, pieces), _per_row(root), _per_piece(weight, rows)
        h = g4 * w
        v = u * r
        dg = dxhat = dr = dw = None
        if need[0] or need[3]:
            dh = v - _row_mean(v) - xhat * _row_mean(v * xhat)
            dg = reshape(dh * w, g.shape) if need[0] else None
            dw = _weight_sum(dh * g4, weight.shape) if need[3] else None
        if need[1] or need[2]:
            m2 = _row_mean(h * xhat)
            if need[1]:
                dxhat = reshape(-(v * m2 + h * _row_mean(v * xhat)), g.shape)
            if need[2]:
                centred = h - _row_mean(h) - xhat * m2
                dr = reshape((u * centred).sum((2, 3)), root.shape)
        return dg, dxhat, dr, dw


def norm_input_grad_unfused(
    g: Tensor, normalised: Tensor, root: Tensor, weight: Tensor, *, rows: Rows
) -> Tensor:
    """``NormInputGrad``'s twin in plain ops."""
    pieces = _pieces(weight, rows)
    h = _split(g, rows, pieces) * _per_piece(weight, rows)
    xhat = _split(normalised, rows, pieces)
    out = (h - _row_mean(h) - xhat * _row_mean(h * xhat)) * _per_row(root)
    return reshape(out, g.shape)


class WeightSum(Function):
    """A bias gradient: ``sum_w(g)``, in the weight's ``shape``.   dg = grad stretched."""

    reads = {}  # g's shape only

    @staticmethod
    def forward(ctx: Context, g: np.ndarray, *, rows: Rows, shape: tuple[int, ...]) -> np.ndarray:
        pieces = math.prod(shape) // rows[1]
        return kernels.norm_param_grads(g, g, rows, pieces)[0].reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (g,) = ctx.inputs  # its shape only: g may be Unkept
        rows = ctx.params["rows"]
        split = _split_shape(g.shape, rows, _pieces(grad, rows))
        return (reshape(broadcast_to(_per_piece(grad, rows), split), g.shape),)


class WeightDot(Function):
    """A weight gradient: ``sum_w(g * xhat)``, in the weight's ``shape``.

    dg = grad * xhat.   dxhat = grad * g.   (grad stretched to g's shape)
    """

    reads = {0: (1,), 1: (0,)}

    @staticmethod
    def forward(
        ctx: Context,
        g: np.ndarray,
        normalised: np.ndarray,
        *,
        rows: Rows,
        shape: tuple[int, ...],
    ) -> np.ndarray:
        pieces = math.prod(shape) // rows[1]
        return kernels.norm_param_grads(g, normalised, rows, pieces)[1].reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        g, normalised = ctx.inputs
        rows = ctx.params["rows"]
        pieces = _pieces(grad, rows)
        stretched = _per_piece(grad, rows)
        dg = dxhat = None
        if ctx.needs_input_grad[0]:
            dg = reshape(stretched * _split(normalised, rows, pieces), g.shape)
        if ctx.needs_input_grad[1]:
            dxhat = reshape(stretched * _split(g, rows, pieces), g.shape)
        return dg, dxhat


def norm_param_grads(
    grad: Tensor, normalised: Tensor, rows: Rows, shape: tuple[int, ...]
) -> tuple[Tensor, Tensor]:
    """``(WeightSum(grad), WeightDot(grad, xhat))``: the bias and weight gradients, each
    in the weight's ``shape``, from one kernel pass; each is recorded (``applied``) as
    the op it is, so its derivatives are that op's.
    """
    pieces = math.prod(shape) // rows[1]
    total, dot = kernels.norm_param_grads(grad._data, normalised._data, rows, pieces)
    return (
        WeightSum.applied(total.reshape(shape), grad, rows=rows, shape=shape),
        WeightDot.applied(dot.reshape(shape), grad, normalised, rows=rows, shape=shape),
    )


def norm_grads(
    grad: Tensor, normalised: Tensor, root: Tensor, weight: Tensor, rows: Rows
) -> tuple[Tensor, Tensor, Tensor]:
    """``(NormInputGrad(grad, xhat, r, w), *norm_param_grads(grad, xhat, ...))``: the input,
    bias and weight gradients of ``GroupNorm``, from one kernel pass; each is
    recorded (``applied``) as the op it is.
    """
    shape = weight.shape
    dx, total, dot = kernels.norm_backward(
        grad._data, normalised._data, root._data, weight._data, rows
    )
    return (
        NormInputGrad.applied(dx, grad, normalised, root, weight, rows=rows),
        WeightSum.applied(total.reshape(shape), grad, rows=rows, shape=shape),
        WeightDot.applied(dot.reshape(shape), grad, normalised, rows=rows, shape=shape),
    )


def norm_grads_unfused(
    grad: Tensor, normalised: Tensor, root: Tensor, weight: Tensor, rows: Rows
) -> tuple[Tensor, Tensor, Tensor]:
    """``norm_grads``'s twin in plain ops."""
    dx = norm_input_grad_unfused(grad, normalised, root, weight, rows=rows)
    return (dx, *norm_param_grads_unfused(grad, normalised, rows, weight.shape))


def norm_param_grads_unfused(
    grad: Tensor, normalised: Tensor, rows: Rows, shape: tuple[int, ...]
) -> tuple[Tensor, Tensor]:
    """``norm_param_grads``'s twin in plain ops."""
    pieces = math.prod(shape) // rows[1]
    split = _split(grad, rows, pieces)
    return _weight_sum(split, shape), _weight_sum(split * _split(normalised, rows, pieces), shape)
