"""The class losses: ``nll_loss`` on log-probabilities and ``cross_entropy`` on logits.

Notation: N the batch, C the classes, d1, ... optional extra dims (pixels of a
segmentation map). The class dim is dim 1, or dim 0 of an unbatched ``(C,)`` input.
Class-index targets are int64 and get no gradient. With them, the class weights get
none either, and (as in PyTorch) a weight that requires grad is refused while grad
mode is on; with class-probability targets both the target and the weights are
differentiated.
"""

from __future__ import annotations

import numpy as np

from minigrad import dtypes
from minigrad.autograd.grad_mode import is_grad_enabled
from minigrad.functional._arguments import (
    check_number,
    check_same_dtype,
    check_tensor,
    legacy_reduction,
)
from minigrad.functional._arguments import reduce as apply_reduction
from minigrad.functional.activation import log_softmax
from minigrad.tensor import Tensor

__all__ = ["cross_entropy", "nll_loss"]


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class indices: ``loss_n = -w[y_n] x[n, y_n]``.

    ``input`` holds log-probabilities (e.g. from ``log_softmax``). Positions whose
    target is ``ignore_index`` count 0, and ``'mean'`` divides the sum by the summed
    weights ``sum_n w[y_n]`` of the counted positions (nan when none is counted, as
    in PyTorch).

    Args:
        input: ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``.
        target: int64 ``(N,)``, ``(N, d1, ...)`` or ``()``, values in [0, C) or
            ``ignore_index``.
        weight: ``(C,)`` class weights of the input's dtype, or ``None`` (all 1).
        size_average: deprecated (see [`minigrad.functional.loss`][]).
        ignore_index: a target value that contributes nothing.
        reduce: deprecated.
        reduction: ``'mean'``, ``'sum'`` or ``'none'`` (the loss per position,
            shaped like ``target``).

    >>> import minigrad as mg
    >>> log_p = mg.tensor([[0.5, 0.5], [0.25, 0.75]]).log()
    >>> mg.functional.nll_loss(log_p, mg.tensor([0, 1]), reduction="none")
    tensor([0.6931, 0.2877])
    """
    op = "nll_loss"
    check_tensor(input, "input", op)
    check_tensor(target, "target", op, floating=False)
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    class_dim = _class_dim(input, op)
    class_weights = _class_weights(weight, input, class_dim, op)
    refuse_grad(weight, "weight", op)
    counted, picked = _pick(input, target, ignore_index, class_dim, op)
    if class_weights is not None:
        picked = picked * class_weights
    loss = -(input * Tensor._wrap(picked)).sum(class_dim)
    if chosen != "mean":
        return apply_reduction(loss, chosen)
    return _weighted_mean(loss.sum(), _counted_weight(weight, target, counted, input.dtype))


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

    * indices y: ``loss_n = -w[y_n] l[n, y_n]``, i.e. ``nll_loss(l, y)``: positions
      where ``y_n == ignore_index`` count zero, and ``'mean'`` divides by the summed
      weights of the counted positions;
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
        size_average: deprecated (see [`minigrad.functional.loss`][]).
        ignore_index: an index target that contributes nothing.
        reduce: deprecated.
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
    chosen = legacy_reduction(size_average, reduce, reduction, op)
    smoothing = check_number(label_smoothing, "label_smoothing", op)
    if not 0.0 <= smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing: expected a value in [0, 1], got {smoothing}")
    class_dim = _class_dim(input, op)
    soft = dtypes.is_float(target.dtype)
    if soft:
        if target.shape != input.shape:
            raise ValueError(
                f"{op}: target: expected class probabilities of the input's shape "
                f"{input.shape}, got {target.shape}"
            )
        # Soft targets promote a weight of the other float dtype, as in PyTorch.
        _class_weights(weight, input, class_dim, op, same_dtype=False)
        log_probabilities = log_softmax(input, dim=class_dim)
        return _soft(log_probabilities, target, weight, class_dim, chosen, smoothing)
    class_weights = _class_weights(weight, input, class_dim, op)
    refuse_grad(weight, "weight", op)
    counted, picked = _pick(input, target, ignore_index, class_dim, op)
    log_probabilities = log_softmax(input, dim=class_dim)
    weighted = log_probabilities
    if class_weights is not None:
        picked = picked * class_weights
        weighted = log_probabilities * Tensor._wrap(class_weights)
    nll = -(log_probabilities * Tensor._wrap(picked)).sum(class_dim)
    # The smoothing term: the (weighted) mean over classes, for counted positions only.
    mask = Tensor._wrap(counted.astype(input.dtype))
    uniform = -weighted.sum(class_dim) * mask * (smoothing / input.shape[class_dim])
    if chosen == "none":
        return (1 - smoothing) * nll + uniform
    combined = (1 - smoothing) * nll.sum() + uniform.sum()
    if chosen == "sum":
        return combined
    return _weighted_mean(combined, _counted_weight(weight, target, counted, input.dtype))


def _soft(
    log_probabilities: Tensor,
    target: Tensor,
    weight: Tensor | None,
    class_dim: int,
    reduction: str,
    smoothing: float,
) -> Tensor:
    classes = log_probabilities.shape[class_dim]
    if smoothing > 0:
        target = target * (1 - smoothing) + smoothing / classes
    terms = target * log_probabilities
    if weight is not None:
        shape = tuple(classes if d == class_dim else 1 for d in range(terms.ndim))
        terms = terms * weight.reshape(shape)
    return apply_reduction(-terms.sum(class_dim), reduction)


def refuse_grad(value: Tensor | None, argument: str, op: str) -> None:
    """Refuse, as PyTorch does, a tensor the loss is not differentiable in that requires
    grad (under ``no_grad`` nothing is recorded, so it is accepted).
    """
    if value is not None and value.requires_grad and is_grad_enabled():
        raise ValueError(
            f"{op}: {argument}: expected a tensor that does not require grad (the loss is "
            "not differentiable in it), got one that requires grad"
        )


def _class_dim(input: Tensor, op: str) -> int:  # noqa: A002
    if input.ndim < 1:
        raise ValueError(f"{op}: input: expected at least 1 dim (the classes), got shape ()")
    return 0 if input.ndim == 1 else 1


def _class_weights(
    weight: Tensor | None,
    input: Tensor,  # noqa: A002
    class_dim: int,
    op: str,
    same_dtype: bool = True,
) -> np.ndarray | None:
    """The ``(C,)`` weights as an array shaped to broadcast along the class dim."""
    if weight is None:
        return None
    check_tensor(weight, "weight", op)
    if same_dtype:
        check_same_dtype(input, weight, "weight", op)
    classes = input.shape[class_dim]
    if weight.shape != (classes,):
        raise ValueError(
            f"{op}: weight: expected one weight per class, shape ({classes},), got {weight.shape}"
        )
    shape = tuple(classes if d == class_dim else 1 for d in range(input.ndim))
    return weight._data.reshape(shape)


def _pick(
    input: Tensor,  # noqa: A002
    target: Tensor,
    ignore_index: int,
    class_dim: int,
    op: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The counted positions (a bool array of the target's shape) and the one-hot mask
    of their classes, zero at ignored positions.

    Multiplying by a constant one-hot mask picks ``x[n, y_n]`` and keeps every order
    of derivative without a gather op.
    """
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int | np.integer):
        raise TypeError(f"{op}: ignore_index: expected an int, got {type(ignore_index).__name__}")
    if target.dtype != dtypes.int64:
        raise TypeError(
            f"{op}: target: expected int64 class indices (or, for cross_entropy, float "
            f"class probabilities), got dtype {target.dtype}"
        )
    classes = input.shape[class_dim]
    expected = input.shape[:class_dim] + input.shape[class_dim + 1 :]
    if target.shape != expected:
        raise ValueError(
            f"{op}: target: expected class indices of shape {expected} for input of shape "
            f"{input.shape}, got {target.shape}"
        )
    indices = target._data
    counted = indices != ignore_index
    outside = indices[counted & ((indices < 0) | (indices >= classes))]
    if outside.size:
        raise ValueError(
            f"{op}: target: expected class indices in [0, {classes}) or ignore_index="
            f"{ignore_index}, got {np.unique(outside).tolist()}"
        )
    safe = np.where(counted, indices, 0)
    one_hot = np.moveaxis(np.eye(classes, dtype=input.dtype)[safe], -1, class_dim)
    return counted, one_hot * np.expand_dims(counted, class_dim)


def _counted_weight(
    weight: Tensor | None,
    target: Tensor,
    counted: np.ndarray,
    dtype: np.dtype,
) -> Tensor:
    """The mean's divisor: the summed weights of the counted positions' classes."""
    if weight is None:
        total = counted.sum(dtype=dtype)
    else:
        safe = np.where(counted, target._data, 0)
        total = weight._data.astype(dtype)[safe][counted].sum(dtype=dtype)
    return Tensor._wrap(np.asarray(total, dtype=dtype))


def _weighted_mean(total: Tensor, divisor: Tensor) -> Tensor:
    # An all-ignored batch gives 0 / 0 = nan, as in PyTorch, without numpy's warning.
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / divisor
