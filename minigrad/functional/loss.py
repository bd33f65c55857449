"""Losses: regression (mse, l1, smooth L1, Huber), binary (cross entropy on
probabilities and on logits, soft margin) and the divergence ``kl_div``. The class
losses (``nll_loss``, ``cross_entropy``) are in ``minigrad.functional._class_losses``,
the margin and likelihood losses in ``minigrad.functional._other_losses``; all are
exported from here.

Each takes ``reduction`` = ``'mean'`` (default), ``'sum'`` or ``'none'`` (the
elementwise loss, in the input's shape or, for the class losses, without the class
dim), and PyTorch's deprecated ``size_average`` and ``reduce``, which decide the
reduction when given (with PyTorch's warning).

Mixed dtypes follow PyTorch. ``mse_loss``, ``l1_loss``, ``smooth_l1_loss``, ``kl_div``
and soft-target ``cross_entropy`` promote (float32 with float64 gives float64; an
integer target joins the input's float dtype); ``huber_loss`` and
``soft_margin_loss`` compute in the input's dtype. ``binary_cross_entropy_with_logits``
computes in the promoted dtype and returns the target's dtype, as PyTorch's (whose
arithmetic is written in place into a tensor of the target's dtype).
``binary_cross_entropy`` and the class-index losses refuse a target or class weight of
another dtype, as PyTorch does, and ``binary_cross_entropy`` casts its ``weight`` to
the input's.
"""

from __future__ import annotations

import warnings

import numpy as np

from minigrad import dtypes
from minigrad.functional._arguments import (
    check_flag,
    check_number,
    check_reduction,
    check_same_dtype,
    check_tensor,
    legacy_reduction,
    promoted_pair,
)
from minigrad.functional._arguments import reduce as apply_reduction
from minigrad.functional._class_losses import cross_entropy, nll_loss, refuse_grad
from minigrad.functional._other_losses import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    poisson_nll_loss,
)
from minigrad.ops.elementwise import where
from minigrad.ops.fused import BCEWithLogitsMean, L1Mean
from minigrad.ops.nn import BinaryCrossEntropyWithLogits, Softplus
from minigrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "margin_ranking_loss",
    "mse_loss",
    "nll_loss",
    "poisson_nll_loss",
    "smooth_l1_loss",
    "soft_margin_loss",
]


def mse_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Squared error (x - y)², times ``weight`` w if given, elementwise, then reduced.

    ``target`` should have the input's shape; another shape broadcasts against it with
    PyTorch's warning. ``weight`` (of the input's shape) scales each element, and the
    mean is then the weighted mean, ``sum(w (x - y)²) / sum(w)``, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.functional.mse_loss(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(5.)
    """
    op = "mse_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    x, y = promoted_pair(input, target, op)
    _check_weight(weight, input, op)
    difference = x - y
    return _weighted(difference * difference, weight, chosen)


def l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error |x - y|, times ``weight`` if given, elementwise, then reduced.

    Shapes, dtypes and ``weight`` as in [`mse_loss`][]. The gradient at x = y is 0,
    as in PyTorch.

    >>> import minigrad as mg
    >>> mg.functional.l1_loss(mg.tensor([1.0, -3.0]), mg.tensor([0.0, 0.0]))
    tensor(2.)
    """
    op = "l1_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    x, y = promoted_pair(input, target, op)
    _check_weight(weight, input, op)
    if weight is None and chosen == "mean" and x.shape == y.shape and x.numel():
        return L1Mean.apply(x, y)  # one fused op, the bits of the composite below
    return _weighted((x - y).abs(), weight, chosen)


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """Smooth L1: 0.5 d² / β where |d| < β, else |d| - 0.5 β, with d = x - y.

    Quadratic near zero and linear beyond β (β = 0 gives [`l1_loss`][]). Shapes and
    dtypes as in [`mse_loss`][].

    >>> import minigrad as mg
    >>> mg.functional.smooth_l1_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    op = "smooth_l1_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    threshold = check_number(beta, "beta", op)
    if threshold < 0:
        raise ValueError(f"{op}: beta: expected a value >= 0, got {threshold}")
    x, y = promoted_pair(input, target, op)
    return apply_reduction(_smooth_l1(x - y, threshold), chosen)


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """Huber: 0.5 d² where |d| < δ, else δ (|d| - 0.5 δ), with d = x - y; times
    ``weight`` if given.

    This is δ times [`smooth_l1_loss`][] with β = δ. The target is cast to the
    input's dtype, as in PyTorch. ``weight`` has the input's shape and, unlike
    [`mse_loss`][]'s, its ``'mean'`` is the plain mean of the weighted losses, as
    in PyTorch.

    >>> import minigrad as mg
    >>> mg.functional.huber_loss(mg.tensor([0.5, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(1.3125)
    """
    op = "huber_loss"
    chosen = check_reduction(reduction, op)
    threshold = check_number(delta, "delta", op)
    if threshold <= 0:
        raise ValueError(f"{op}: delta: expected a value > 0, got {threshold}")
    check_tensor(input, "input", op)
    x, y = promoted_pair(input, target, op)
    _check_weight(weight, input, op)
    difference = x.to(input.dtype) - y.to(input.dtype)
    loss = threshold * _smooth_l1(difference, threshold)
    if weight is not None:
        loss = loss * weight
    return apply_reduction(loss, chosen)


def _smooth_l1(difference: Tensor, beta: float) -> Tensor:
    distance = difference.abs()
    if beta == 0:
        return distance
    # Both branches are finite everywhere, so the unchosen one passes a zero gradient.
    near = difference * difference * (0.5 / beta)
    return where(distance._data < beta, near, distance - 0.5 * beta)


def _check_weight(weight: Tensor | None, input: Tensor, op: str) -> None:  # noqa: A002
    if weight is None:
        return
    check_tensor(weight, "weight", op)
    if weight.shape != input.shape:
        raise ValueError(
            f"{op}: weight: expected the input's shape {input.shape}, got {weight.shape}"
        )


def _weighted(loss: Tensor, weight: Tensor | None, reduction: str) -> Tensor:
    if weight is None:
        return apply_reduction(loss, reduction)
    loss = loss * weight
    if reduction != "mean":
        return apply_reduction(loss, reduction)
    # PyTorch's weighted mean (all-zero weights give 0 / 0 = nan, as there).
    with np.errstate(invalid="ignore", divide="ignore"):
        return loss.sum() / weight.sum()


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w [y log p + (1 - y) log(1 - p)] for probabilities p = ``input`` in [0, 1].

    Each log is clamped below at -100, as in PyTorch, so p = 0 or 1 gives a finite
    loss. ``target`` has the input's shape and dtype, with values in [0, 1];
    ``weight`` broadcasts to the input's shape. As in PyTorch, the loss is not
    differentiable in ``weight``, which must not require grad.

    >>> import minigrad as mg
    >>> p = mg.tensor([0.5, 0.5])
    >>> mg.functional.binary_cross_entropy(p, mg.tensor([1.0, 0.0]))
    tensor(0.6931)
    """
    op = "binary_cross_entropy"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    _check_pair(input, target, op)
    check_same_dtype(input, target, "target", op)
    for argument, tensor in (("input", input), ("target", target)):
        values = tensor._data
        if values.size and (np.nanmin(values) < 0 or np.nanmax(values) > 1):
            raise ValueError(f"{op}: {argument}: expected values in [0, 1], got values outside")
    if weight is not None:
        _check_broadcast(weight, input, "weight", op)
        refuse_grad(weight, "weight", op)
    log_p = input.log().clamp(min=-100.0)
    log_not_p = (1 - input).log().clamp(min=-100.0)
    loss = -(target * log_p + (1 - target) * log_not_p)
    if weight is not None:
        loss = loss * weight.to(input.dtype)
    return apply_reduction(loss, chosen)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """BCE on logits x: -w [q y log σ(x) + (1 - y) log(1 - σ(x))], q = ``pos_weight``.

    Computed as w [(1 - y) x + (1 + (q - 1) y) softplus(-x)], using
    log σ(x) = -softplus(-x) and log(1 - σ(x)) = -x - softplus(-x), which stays finite
    and accurate for logits of any size. ``pos_weight`` broadcasts along the last
    (class) dim, ``weight`` to the whole input; neither may require grad (PyTorch
    does not differentiate them). The result has the target's dtype.

    >>> import minigrad as mg
    >>> mg.functional.binary_cross_entropy_with_logits(mg.tensor([0.0]), mg.tensor([1.0]))
    tensor(0.6931)
    """
    op = "binary_cross_entropy_with_logits"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    _check_pair(input, target, op)
    for argument, value in (("weight", weight), ("pos_weight", pos_weight)):
        if value is not None:
            _check_broadcast(value, input, argument, op)
            refuse_grad(value, argument, op)
    dtype = dtypes.promote(input.dtype, target.dtype)
    plain = weight is None and pos_weight is None and input.dtype == target.dtype
    if plain and chosen == "mean" and input.numel():
        return BCEWithLogitsMean.apply(input, target)  # the bits of the composite below
    x, y = input.to(dtype), target.to(dtype)
    if pos_weight is None:
        loss = BinaryCrossEntropyWithLogits.apply(x, y)
    else:
        q = pos_weight.to(dtype)
        loss = (1 - y) * x + (1 + (q - 1) * y) * Softplus.apply(-x)
    if weight is not None:
        loss = loss * weight.to(dtype)
    return apply_reduction(loss.to(target.dtype), chosen)


def soft_margin_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Two-class logistic loss log(1 + exp(-y x)) = softplus(-y x), y in {1, -1}.

    ``target`` broadcasts to the input's shape and is cast to the input's dtype. As in
    PyTorch, the loss is not differentiable in the target, and a target that requires
    grad is refused while grad mode is on.

    >>> import minigrad as mg
    >>> mg.functional.soft_margin_loss(mg.tensor([0.0]), mg.tensor([1.0]))
    tensor(0.6931)
    """
    op = "soft_margin_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    check_tensor(input, "input", op)
    check_tensor(target, "target", op, floating=False)
    _check_broadcast(target, input, "target", op)
    refuse_grad(target, "target", op)
    return apply_reduction(Softplus.apply(-target.to(input.dtype) * input), chosen)


KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """Kullback-Leibler divergence t (log t - x) of the target t from log-probabilities x.

    ``input`` holds log-probabilities; ``target`` probabilities, or log-probabilities
    s when ``log_target`` (then the loss is e^s (s - x)). Terms with t = 0 count 0.
    The two broadcast and promote. ``reduction='batchmean'`` divides the sum by the
    batch size (dim 0), which gives the divergence per sample; ``'mean'`` divides by
    the number of elements and warns, as PyTorch does.

    >>> import minigrad as mg
    >>> x = mg.tensor([[0.5, 0.5]]).log()
    >>> mg.functional.kl_div(x, mg.tensor([[1.0, 0.0]]), reduction="batchmean")
    tensor(0.6931)
    """
    op = "kl_div"
    if size_average is not None or reduce is not None:
        chosen = legacy_reduction(size_average, reduce, reduction, op)
    elif reduction in KL_REDUCTIONS:
        chosen = str(reduction)
        if chosen == "mean":
            warnings.warn(
                f"{op}: reduction='mean' divides by the number of elements, not the batch "
                "size; reduction='batchmean' gives the divergence per sample",
                UserWarning,
                stacklevel=2,
            )
    else:
        raise ValueError(
            f"{op}: reduction: expected one of 'mean', 'batchmean', 'sum', 'none', "
            f"got {reduction!r}"
        )
    logarithmic = check_flag(log_target, "log_target", op)
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ValueError(
            f"{op}: target: expected a shape that broadcasts with the input's "
            f"{input.shape}, got {target.shape}"
        ) from None
    dtype = dtypes.promote(input.dtype, target.dtype)
    x, t = input.to(dtype), target.to(dtype)
    if logarithmic:
        loss = t.exp() * (t - x)
    else:
        # t log t is taken as 0 at t = 0 (its limit); log sees 1 there, so neither the
        # value nor the gradient picks up 0 · (-inf). A negative t gives nan, as in PyTorch.
        values = t._data
        safe = where(values == 0, Tensor._wrap(np.ones((), dtype=dtype)), t)
        with np.errstate(invalid="ignore"):
            loss = t * safe.log() - t * x
    if chosen == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim > 0 else total
    return apply_reduction(loss, chosen)


def _check_pair(input: Tensor, target: Tensor, op: str) -> None:  # noqa: A002
    """Float tensors of one shape (PyTorch refuses to broadcast these losses)."""
    check_tensor(input, "input", op)
    check_tensor(target, "target", op)
    if target.shape != input.shape:
        raise ValueError(
            f"{op}: target: expected the input's shape {input.shape}, got {target.shape}"
        )


def _check_broadcast(value: Tensor, input: Tensor, argument: str, op: str) -> Tensor:  # noqa: A002
    check_tensor(value, argument, op)
    try:
        broadcast = np.broadcast_shapes(value.shape, input.shape)
    except ValueError:
        broadcast = None
    if broadcast != input.shape:
        raise ValueError(
            f"{op}: {argument}: expected a shape that broadcasts to the input's {input.shape}, "
            f"got {value.shape}"
        )
    return value
