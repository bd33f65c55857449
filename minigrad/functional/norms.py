"""Layer, instance and group normalisation: one op family (``minigrad.ops.norms``)
seen three ways. Each normalises groups of values by their own mean and biased
variance, y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.functional._arguments import check_flag, check_number, check_same_dtype, check_tensor
from minigrad.functional.normalization import batch_norm
from minigrad.ops.norms import GroupNorm, Standardise, row_statistics
from minigrad.tensor import Tensor

__all__ = ["group_norm", "instance_norm", "layer_norm"]


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation (Ba et al., 2016) over the trailing ``normalized_shape`` dims.

    ``(*, *D) -> (*, *D)`` with ``D = normalized_shape``: each of the ``prod(*)`` groups of
    ``prod(D)`` values is normalised by its own mean and biased variance, then scaled by
    ``weight`` and shifted by ``bias`` (each of shape ``D``, elementwise).

    Args:
        input: ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over: a tuple or list of ints
            (as PyTorch, not a bare int; the module takes an int too).
        weight: ``normalized_shape`` scale, or None.
        bias: ``normalized_shape`` shift, or None.
        eps: added to the variance, inside the square root.

    Returns:
        A tensor of ``input``'s shape.

    >>> import minigrad as mg
    >>> mg.functional.layer_norm(mg.tensor([[1.0, 3.0]]), (2,), eps=0.0)
    tensor([[-1.,  1.]])
    """
    op = "layer_norm"
    check_tensor(input, "input", op)
    if isinstance(normalized_shape, Sequence) and not isinstance(normalized_shape, str):
        shape = tuple(normalized_shape)
    else:
        raise TypeError(
            f"{op}: normalized_shape: expected a tuple of ints, got "
            f"{type(normalized_shape).__name__} {normalized_shape!r}"
        )
    if not shape or not all(_checks.is_int(size) and size >= 0 for size in shape):
        raise ValueError(
            f"{op}: normalized_shape: expected a non-empty tuple of non-negative ints, got "
            f"{normalized_shape!r}"
        )
    shape = tuple(int(size) for size in shape)
    if input.shape[input.ndim - len(shape) :] != shape or input.ndim < len(shape):
        raise ValueError(
            f"{op}: input: expected shape (*, {', '.join(map(str, shape))}) for "
            f"normalized_shape={shape}, got {input.shape}"
        )
    _check_affine(input, weight, bias, shape, "normalized_shape", op)
    eps = _check_eps(eps, op)
    groups = math.prod(input.shape[: input.ndim - len(shape)])
    return _normalise(input, (groups, 1), weight, bias, eps)


def instance_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Instance normalisation (Ulyanov et al., 2016): each channel of each sample alone.

    ``(N, C, *L) -> (N, C, *L)``: with ``use_input_stats`` each of the ``N * C`` channels
    is normalised by its own mean and biased variance over ``L``, and running statistics,
    when given, move towards the batch's average of them (the unbiased variance,
    ``n / (n - 1)`` times the biased one, for ``n = prod(L)``), in place:
    ``running = (1 - momentum) * running + momentum * mean over N of the statistic``.
    Without it the running statistics normalise the input, as batch norm's in eval
    mode. ``weight`` and ``bias`` are per channel.

    Args:
        input: ``(N, C, *L)``, at least one spatial dim.
        running_mean: ``(C,)`` or None.
        running_var: ``(C,)`` or None.
        weight: ``(C,)`` scale, or None.
        bias: ``(C,)`` shift, or None.
        use_input_stats: normalise with each instance's statistics (and update the
            running ones); else with the running ones, which must then be given.
        momentum: weight of the new batch in the running statistics.
        eps: added to the variance, inside the square root.

    Returns:
        A tensor of ``input``'s shape.

    Raises:
        ValueError: for fewer than 3 dims, wrong per-channel shapes, or (with
            ``use_input_stats``) a single spatial value per channel.

    >>> import minigrad as mg
    >>> mg.functional.instance_norm(mg.tensor([[[1.0, 3.0]]]), eps=0.0)
    tensor([[[-1.,  1.]]])
    """
    op = "instance_norm"
    check_tensor(input, "input", op)
    use_input_stats = check_flag(use_input_stats, "use_input_stats", op)
    if input.ndim < 3:
        raise ValueError(
            f"{op}: input: expected at least 3 dims (N, C, *L), got shape {input.shape}"
        )
    channels = input.shape[1]
    named = {"running_mean": running_mean, "running_var": running_var}
    for argument, value in named.items():
        tensor = check_tensor(value, argument, op, optional=True)
        if tensor is not None:
            check_same_dtype(input, tensor, argument, op)
            if tensor.shape != (channels,):
                raise ValueError(
                    f"{op}: {argument}: expected shape ({channels},) for {channels} channels, "
                    f"got {tensor.shape}"
                )
    _check_affine(input, weight, bias, (channels,), "channels", op)
    momentum = check_number(momentum, "momentum", op)
    eps = _check_eps(eps, op)
    spatial = math.prod(input.shape[2:])
    if use_input_stats and spatial == 1:
        raise ValueError(
            f"{op}: input: expected more than 1 spatial element when training, got shape "
            f"{input.shape}"
        )
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(
                f"{op}: running_mean, running_var: expected both when use_input_stats=False, "
                "got None"
            )
        return batch_norm(input, running_mean, running_var, weight, bias, False, 0.0, eps)
    rows = (input.shape[0], channels)
    if input.numel() and (running_mean is not None or running_var is not None):
        mean, variance = row_statistics(input._data, rows)
        # The average over the batch of each instance's statistics, as PyTorch's.
        if running_mean is not None:
            batch_mean = mean.mean(axis=0)
            running_mean._write((1 - momentum) * running_mean._data + momentum * batch_mean)
        if running_var is not None:
            batch_var = (variance * (spatial / (spatial - 1))).mean(axis=0)
            running_var._write((1 - momentum) * running_var._data + momentum * batch_var)
    return _normalise(input, rows, weight, bias, eps)


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation (Wu & He, 2018): channels in ``num_groups`` groups.

    ``(N, C, *) -> (N, C, *)``: the ``C / G`` channels of each group (with all their
    positions) are normalised together, per sample, by their mean and biased variance;
    ``weight`` and ``bias`` are per channel.

    Args:
        input: ``(N, C, *)``.
        num_groups: ``G``, dividing ``C``.
        weight: ``(C,)`` scale, or None.
        bias: ``(C,)`` shift, or None.
        eps: added to the variance, inside the square root.

    Returns:
        A tensor of ``input``'s shape.

    Raises:
        ValueError: for fewer than 2 dims, ``G`` not dividing ``C``, wrong per-channel
            shapes, or a single value per group in the whole batch.

    >>> import minigrad as mg
    >>> mg.functional.group_norm(mg.tensor([[1.0, 3.0]]), 1, eps=0.0)
    tensor([[-1.,  1.]])
    """
    op = "group_norm"
    check_tensor(input, "input", op)
    if not _checks.is_int(num_groups) or num_groups < 1:
        raise ValueError(f"{op}: num_groups: expected a positive int, got {num_groups!r}")
    if input.ndim < 2:
        raise ValueError(
            f"{op}: input: expected at least 2 dims (N, C, *), got shape {input.shape}"
        )
    channels = input.shape[1]
    if channels % num_groups:
        raise ValueError(
            f"{op}: num_groups: expected a divisor of the {channels} channels of input "
            f"{input.shape}, got {num_groups}"
        )
    _check_affine(input, weight, bias, (channels,), "channels", op)
    eps = _check_eps(eps, op)
    # PyTorch's check: a batch with one value per group normalises nothing.
    if input.shape[0] * (channels // num_groups) * math.prod(input.shape[2:]) == 1:
        raise ValueError(
            f"{op}: input: expected more than 1 value per group, got shape {input.shape} "
            f"with num_groups={num_groups}"
        )
    return _normalise(input, (input.shape[0], int(num_groups)), weight, bias, eps)


def _check_eps(eps: Any, op: str) -> float:
    value = check_number(eps, "eps", op)
    if value < 0:
        raise ValueError(f"{op}: eps: expected a non-negative number, got {eps!r}")
    return value


def _check_affine(
    input: Tensor,  # noqa: A002
    weight: Any,
    bias: Any,
    shape: tuple[int, ...],
    meaning: str,
    op: str,
) -> None:
    """Check ``weight`` and ``bias``: None, or tensors of ``shape`` in the input's dtype."""
    for argument, tensor in (("weight", weight), ("bias", bias)):
        if check_tensor(tensor, argument, op, optional=True) is None:
            continue
        check_same_dtype(input, tensor, argument, op)
        if tensor.shape != shape:
            raise ValueError(
                f"{op}: {argument}: expected shape {shape} (the {meaning}), got {tensor.shape}"
            )


def _normalise(
    input: Tensor,  # noqa: A002
    rows: tuple[int, int],
    weight: Tensor | None,
    bias: Tensor | None,
    eps: float,
) -> Tensor:
    """The op for ``input`` seen as ``rows`` (see ``minigrad.ops.norms``)."""
    if input.numel() == 0:
        # Nothing to normalise: an empty output, and zero weight and bias gradients.
        return _empty_affine(input, weight, bias)
    if weight is None and bias is None:
        return Standardise.apply(input, rows=rows, eps=eps)
    like = weight if weight is not None else bias
    assert like is not None
    if weight is None:
        weight = Tensor._wrap(np.ones(like.shape, dtype=input.dtype))
    if bias is None:
        bias = Tensor._wrap(np.zeros(like.shape, dtype=input.dtype))
    return GroupNorm.apply(input, weight, bias, rows=rows, eps=eps)


def _empty_affine(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
) -> Tensor:
    """An empty output, recorded so that weight and bias get zero gradients."""
    output = input * 0
    for values in (weight, bias):
        if values is not None:
            output = output + (values * 0).sum()
    return output
