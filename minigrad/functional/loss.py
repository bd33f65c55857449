"""Losses: mse_loss, l1_loss, binary_cross_entropy (with and without logits),
cross_entropy.

Each takes ``reduction`` = ``'mean'`` (default), ``'sum'`` or ``'none'`` (the
elementwise loss, in the input's shape or, for cross_entropy, without the class dim),
and PyTorch's deprecated ``size_average`` and ``reduce``, which decide the reduction
when given (with PyTorch's warning).

Mixed dtypes follow PyTorch. ``mse_loss``, ``l1_loss`` and soft-target
``cross_entropy`` promote (float32 with float64 gives float64; an integer target
joins the input's float dtype). ``binary_cross_entropy_with_logits`` computes in the
promoted dtype and returns the target's dtype, as PyTorch's (whose arithmetic is
written in place into a tensor of the target's dtype). ``binary_cross_entropy``
and class-index ``cross_entropy`` refuse a target or class weight of another dtype,
as PyTorch does, and ``binary_cross_entropy`` casts its ``weight`` to the input's.
"""

from __future__ import annotations

import numpy as np

from minigrad import dtypes
from minigrad.functional._arguments import (
    check_number,
    check_same_dtype,
    check_tensor,
    legacy_reduction,
    promoted_pair,
)
from minigrad.functional._arguments import reduce as apply_reduction
from minigrad.functional.activation import log_softmax
from minigrad.ops.nn import BinaryCrossEntropyWithLogits, Softplus
from minigrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "l1_loss",
    "mse_loss",
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
    difference = x - y
    return _weighted(difference * difference, input, weight, chosen, op)


def l1_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """Absolute error |x - y|, times ``weight`` if given, elementwise, then reduced.

    Shapes, dtypes and ``weight`` as in :func:`mse_loss`. The gradient at x = y is 0,
    as in PyTorch.

    >>> import minigrad as mg
    >>> mg.functional.l1_loss(mg.tensor([1.0, -3.0]), mg.tensor([0.0, 0.0]))
    tensor(2.)
    """
    op = "l1_loss"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    x, y = promoted_pair(input, target, op)
    return _weighted((x - y).abs(), input, weight, chosen, op)


def _weighted(
    loss: Tensor,
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    reduction: str,
    op: str,
) -> Tensor:
    if weight is not None:
        check_tensor(weight, "weight", op)
        if weight.shape != input.shape:
            raise ValueError(
                f"{op}: weight: expected the input's shape {input.shape}, got {weight.shape}"
            )
        loss = loss * weight
        if reduction == "mean":
            # PyTorch's weighted mean (all-zero weights give 0 / 0 = nan, as there).
            with np.errstate(invalid="ignore", divide="ignore"):
                return loss.sum() / weight.sum()
    return apply_reduction(loss, reduction)


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
    ``weight`` broadcasts to the input's shape.

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
    log_p = input.log().clamp(min=-100.0)
    log_not_p = (1 - input).log().clamp(min=-100.0)
    loss = -(target * log_p + (1 - target) * log_not_p)
    if weight is not None:
        loss = loss * _check_broadcast(weight, input, "weight", op).to(input.dtype)
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
    (class) dim, ``weight`` to the whole input. The result has the target's dtype.

    >>> import minigrad as mg
    >>> mg.functional.binary_cross_entropy_with_logits(mg.tensor([0.0]), mg.tensor([1.0]))
    tensor(0.6931)
    """
    op = "binary_cross_entropy_with_logits"
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    _check_pair(input, target, op)
    dtype = dtypes.promote(input.dtype, target.dtype)
    x, y = input.to(dtype), target.to(dtype)
    if pos_weight is None:
        loss = BinaryCrossEntropyWithLogits.apply(x, y)
    else:
        q = _check_broadcast(pos_weight, input, "pos_weight", op).to(dtype)
        loss = (1 - y) * x + (1 + (q - 1) * y) * Softplus.apply(-x)
    if weight is not None:
        loss = loss * _check_broadcast(weight, input, "weight", op).to(dtype)
    return apply_reduction(loss.to(target.dtype), chosen)


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy between logits and class indices or class probabilities.

    With log-probabilities ``l = log_softmax(input, dim=1)`` and class weights w:

    * indices y: ``loss_n = -w[y_n] l[n, y_n]``; positions where ``y_n == ignore_index``
      count zero, and ``'mean'`` divides by the summed weights of the counted positions;
    * probabilities t (same shape as input): ``loss_n = -sum_c w_c t[n, c] l[n, c]``,
      and ``'mean'`` divides by the number of positions. A float64 target (or
      weight) with float32 logits promotes the loss to float64, as in PyTorch.

    Label smoothing ε mixes the target with the uniform distribution over the C
    classes: ``(1 - ε) · target + ε / C``.

    Args:
        input: logits ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: int64 indices ``(N,)``, ``(N, d1, ...)`` or ``()`` with values in
            [0, C) or ``ignore_index``; or float probabilities of ``input``'s shape.
        weight: ``(C,)`` class weights or ``None`` (of the input's dtype, for
            class indices).
        size_average: deprecated (see the module docstring).
        ignore_index: an index target that contributes nothing.
        reduce: deprecated (see the module docstring).
        reduction: ``'mean'``, ``'sum'`` or ``'none'``.
        label_smoothing: ε in [0, 1].

    Returns:
        A scalar, or the per-position loss (input's shape without the class dim).

    >>> import minigrad as mg
    >>> logits = mg.tensor([[0.0, 0.0]])
    >>> mg.functional.cross_entropy(logits, mg.tensor([1]))
    tensor(0.6931)
    """
    op = "cross_entropy"
    check_tensor(input, "input", op)
    check_tensor(target, "target", op, floating=False)
    reduction = legacy_reduction(size_average, reduce, reduction, op)
    smoothing = check_number(label_smoothing, "label_smoothing", op)
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing: expected a value in [0, 1], got {smoothing}")
    if input.ndim < 1:
        raise ValueError(f"{op}: input: expected at least 1 dim (the classes), got shape ()")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    class_shape = tuple(classes if d == class_dim else 1 for d in range(input.ndim))
    class_weights = None
    if weight is not None:
        check_tensor(weight, "weight", op)
        if not dtypes.is_float(target.dtype):
            check_same_dtype(input, weight, "weight", op)
        if weight.shape != (classes,):
            raise ValueError(f"{op}: weight: expected shape ({classes},), got {weight.shape}")
        class_weights = weight.reshape(class_shape)
    log_probabilities = log_softmax(input, dim=class_dim)
    if dtypes.is_float(target.dtype):
        return _cross_entropy_soft(
            log_probabilities, target, class_weights, class_dim, reduction, smoothing
        )
    return _cross_entropy_indices(
        log_probabilities,
        target,
        weight,
        class_weights,
        class_dim,
        ignore_index,
        reduction,
        smoothing,
    )


def _cross_entropy_soft(
    log_probabilities: Tensor,
    target: Tensor,
    class_weights: Tensor | None,
    class_dim: int,
    reduction: str,
    smoothing: float,
) -> Tensor:
    op = "cross_entropy"
    if target.shape != log_probabilities.shape:
        raise ValueError(
            f"{op}: target: expected class probabilities of the input's shape "
            f"{log_probabilities.shape}, got {target.shape}"
        )
    classes = log_probabilities.shape[class_dim]
    if smoothing > 0:
        target = target * (1 - smoothing) + smoothing / classes
    terms = target * log_probabilities
    if class_weights is not None:
        terms = terms * class_weights
    loss = -terms.sum(class_dim)
    return apply_reduction(loss, reduction)


def _cross_entropy_indices(
    log_probabilities: Tensor,
    target: Tensor,
    weight: Tensor | None,
    class_weights: Tensor | None,
    class_dim: int,
    ignore_index: int,
    reduction: str,
    smoothing: float,
) -> Tensor:
    op = "cross_entropy"
    classes = log_probabilities.shape[class_dim]
    expected = log_probabilities.shape[:class_dim] + log_probabilities.shape[class_dim + 1 :]
    if target.dtype not in (dtypes.int64, dtypes.int32):
        raise TypeError(f"{op}: target: expected int64 class indices, got dtype {target.dtype}")
    if target.shape != expected:
        raise ValueError(
            f"{op}: target: expected class indices of shape {expected} for input of shape "
            f"{log_probabilities.shape}, got {target.shape}"
        )
    indices = target._data
    counted = indices != ignore_index
    outside = indices[counted & ((indices < 0) | (indices >= classes))]
    if outside.size:
        raise ValueError(
            f"{op}: target: expected class indices in [0, {classes}) or ignore_index="
            f"{ignore_index}, got {np.unique(outside).tolist()}"
        )
    # A one-hot mask picks l[n, y_n]: multiplying by a constant keeps every order of
    # derivative without a gather op.
    safe = np.where(counted, indices, 0)
    one_hot = np.moveaxis(np.eye(classes, dtype=log_probabilities.dtype)[safe], -1, class_dim)
    one_hot = one_hot * np.expand_dims(counted, class_dim)
    picked = Tensor._wrap(one_hot)
    weighted = log_probabilities
    if class_weights is not None:
        picked = picked * class_weights
        weighted = log_probabilities * class_weights
    nll = -(log_probabilities * picked).sum(class_dim)
    if weight is not None:
        total = float(weight._data[safe][counted].sum())
    else:
        total = float(counted.sum())
    mask = Tensor._wrap(counted.astype(log_probabilities.dtype))
    smooth = -weighted.sum(class_dim) * mask
    if reduction == "none":
        return (1 - smoothing) * nll + smoothing / classes * smooth
    combined = (1 - smoothing) * nll.sum() + smoothing / classes * smooth.sum()
    if reduction == "sum":
        return combined
    # An all-ignored batch gives 0 / 0 = nan, as in PyTorch.
    with np.errstate(invalid="ignore", divide="ignore"):
        return combined / total


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
