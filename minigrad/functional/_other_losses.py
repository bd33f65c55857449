"""Margin losses (ranking, hinge embedding, cosine embedding) and likelihood losses
(Gaussian, Poisson), exported by [`minigrad.functional.loss`][].

The margin losses take labels y in {1, -1} (any numeric dtype); their hinge
``max(0, ·)`` passes no gradient where it is clamped.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad import dtypes
from minigrad.functional._arguments import (
    check_flag,
    check_number,
    check_reduction,
    check_tensor,
    legacy_reduction,
)
from minigrad.functional._arguments import reduce as apply_reduction
from minigrad.ops.elementwise import where
from minigrad.tensor import Tensor

__all__ = [
    "cosine_embedding_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "poisson_nll_loss",
]

# Added to each squared norm in cosine_embedding_loss, as in PyTorch, so a zero vector
# gives cosine 0 instead of 0 / 0.
_NORM_EPSILON = 1e-12


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Ranking hinge max(0, -y (x1 - x2) + margin): y = 1 asks for x1 > x2 + margin.

    The three tensors have the same number of dims and broadcast; they promote.

    >>> import minigrad as mg
    >>> x1, x2 = mg.tensor([1.0, 1.0]), mg.tensor([0.0, 2.0])
    >>> mg.functional.margin_ranking_loss(x1, x2, mg.tensor([1.0, 1.0]), reduction="none")
    tensor([0., 1.])
    """
    op = "margin_ranking_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    gap = check_number(margin, "margin", op)
    for argument, value in (("input1", input1), ("input2", input2), ("target", target)):
        check_tensor(value, argument, op, floating=argument != "target")
    if not input1.ndim == input2.ndim == target.ndim:
        raise ValueError(
            f"{op}: input1, input2, target: expected the same number of dims, got shapes "
            f"{input1.shape}, {input2.shape} and {target.shape}"
        )
    _broadcast_shape(op, input1=input1.shape, input2=input2.shape, target=target.shape)
    dtype = dtypes.promote(dtypes.promote(input1.dtype, input2.dtype), target.dtype)
    x1, x2, y = input1.to(dtype), input2.to(dtype), target.to(dtype)
    return apply_reduction((-y * (x1 - x2) + gap).relu(), chosen)


def hinge_embedding_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Hinge on distances x: x where y = 1, max(0, margin - x) where y = -1.

    A label that is neither 1 nor -1 gets both terms, as in PyTorch. ``target``
    broadcasts with the input; the loss has the input's dtype.

    >>> import minigrad as mg
    >>> x = mg.tensor([0.3, 0.3])
    >>> mg.functional.hinge_embedding_loss(x, mg.tensor([1.0, -1.0]), reduction="none")
    tensor([0.3000, 0.7000])
    """
    op = "hinge_embedding_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    gap = check_number(margin, "margin", op)
    check_tensor(input, "input", op)
    check_tensor(target, "target", op, floating=False)
    shape = _broadcast_shape(op, input=input.shape, target=target.shape)
    labels = np.broadcast_to(target._data, shape)
    zero = Tensor._wrap(np.zeros((), dtype=input.dtype))
    dissimilar = where(labels != 1, (gap - input).relu(), zero)
    similar = where(labels != -1, input, zero)
    return apply_reduction(dissimilar + similar, chosen)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1.

    cos = <x1, x2> / sqrt((|x1|² + ε)(|x2|² + ε)) along the last dim, ε = 1e-12.
    Inputs ``(N, D)`` with target ``(N,)``, or ``(D,)`` with target ``()``; the loss has
    the inputs' promoted dtype. Labels other than ±1 count 0.

    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 0.0], [1.0, 0.0]])
    >>> y = mg.tensor([[0.0, 1.0], [1.0, 0.0]])
    >>> mg.functional.cosine_embedding_loss(x, y, mg.tensor([1, -1]), reduction="none")
    tensor([1., 1.])
    """
    op = "cosine_embedding_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    gap = check_number(margin, "margin", op)
    check_tensor(input1, "input1", op)
    check_tensor(input2, "input2", op)
    check_tensor(target, "target", op, floating=False)
    if target.ndim > 1:
        raise ValueError(
            f"{op}: target: expected a 0-d or 1-d tensor of labels, got shape {target.shape}"
        )
    expected = target.ndim + 1
    if input1.ndim != expected or input2.ndim != expected:
        raise ValueError(
            f"{op}: input1, input2: expected {expected}-d inputs for a {target.ndim}-d "
            f"target, got shapes {input1.shape} and {input2.shape}"
        )
    shape = _broadcast_shape(op, input1=input1.shape, input2=input2.shape)
    _broadcast_shape(op, target=target.shape, inputs_without_last_dim=shape[:-1])
    dtype = dtypes.promote(input1.dtype, input2.dtype)
    x1, x2 = input1.to(dtype), input2.to(dtype)
    dot = (x1 * x2).sum(-1)
    squares = ((x1 * x1).sum(-1) + _NORM_EPSILON) * ((x2 * x2).sum(-1) + _NORM_EPSILON)
    cosine = dot / squares.sqrt()
    labels = np.broadcast_to(target._data, cosine.shape)
    zero = Tensor._wrap(np.zeros((), dtype=dtype))
    loss = where(labels == 1, 1 - cosine, zero) + where(labels == -1, (cosine - gap).relu(), zero)
    return apply_reduction(loss, chosen)


def gaussian_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """Gaussian negative log-likelihood 0.5 (log v + (x - y)² / v), + 0.5 log 2π if
    ``full``, for predicted means x and variances v.

    ``var`` has the input's shape, or it without the last dim or with a last dim of 1
    (one variance shared along it), or is a number. Variances below ``eps`` are
    raised to ``eps`` for stability, with the gradient passed through unchanged, as in
    PyTorch; a negative variance is refused.

    >>> import minigrad as mg
    >>> mg.functional.gaussian_nll_loss(mg.tensor([1.0]), mg.tensor([3.0]), 2.0)
    tensor(1.3466)
    """
    op = "gaussian_nll_loss"
    chosen = check_reduction(reduction, op)
    constant = check_flag(full, "full", op)
    floor = check_number(eps, "eps", op)
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if isinstance(var, Tensor):
        check_tensor(var, "var", op)
        if var.shape != input.shape:
            if var.shape == input.shape[:-1]:
                var = var.unsqueeze(-1)
            elif not (var.shape[:-1] == input.shape[:-1] and var.shape[-1:] == (1,)):
                raise ValueError(
                    f"{op}: var: expected the input's shape {input.shape}, it without the "
                    f"last dim, or with a last dim of 1, got {var.shape}"
                )
    else:
        variance = check_number(var, "var", op)
        var = Tensor._wrap(np.full(input.shape, variance, dtype=input.dtype))
    if np.any(var._data < 0):
        raise ValueError(f"{op}: var: expected non-negative variances, got negative entries")
    _broadcast_shape(op, input=input.shape, target=target.shape, var=var.shape)
    dtype = dtypes.promote(dtypes.promote(input.dtype, target.dtype), var.dtype)
    x, y, v = input.to(dtype), target.to(dtype), var.to(dtype)
    # The clamp is a constant shift, so the gradient into var is that of the unclamped one.
    v = v + Tensor._wrap(np.maximum(v._data, floor) - v._data)
    difference = x - y
    loss = 0.5 * (v.log() + difference * difference / v)
    if constant:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, chosen)


def poisson_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Poisson negative log-likelihood of counts y for rates λ, without the log y! term.

    ``log_input``: the input is log λ and the loss e^x - y x; otherwise the input is λ
    and the loss λ - y log(λ + eps). ``full`` adds Stirling's approximation of log y!,
    y log y - y + 0.5 log(2π y), where y > 1. Input and target broadcast and promote.

    >>> import minigrad as mg
    >>> mg.functional.poisson_nll_loss(mg.tensor([0.0]), mg.tensor([2.0]))
    tensor(1.)
    """
    op = "poisson_nll_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    logarithmic = check_flag(log_input, "log_input", op)
    stirling = check_flag(full, "full", op)
    shift = check_number(eps, "eps", op)
    check_tensor(input, "input", op)
    check_tensor(target, "target", op, floating=False)
    _broadcast_shape(op, input=input.shape, target=target.shape)
    dtype = dtypes.promote(input.dtype, target.dtype)
    x, y = input.to(dtype), target.to(dtype)
    loss = x.exp() - y * x if logarithmic else x - y * (x + shift).log()
    if stirling:
        counts = y._data > 1
        # log sees 2 where the term is dropped, so no 0 · log 0 reaches the gradient.
        safe = where(counts, y, Tensor._wrap(np.full((), 2, dtype=dtype)))
        term = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + where(counts, term, Tensor._wrap(np.zeros((), dtype=dtype)))
    return apply_reduction(loss, chosen)


def _broadcast_shape(op: str, **shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape the named shapes broadcast to, or a ValueError naming them all."""
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"{op}: expected shapes that broadcast together, got {described}"
        ) from None
