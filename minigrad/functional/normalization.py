"""Batch normalisation over the channel dim of ``(N, C, *)`` inputs."""

from __future__ import annotations

import numpy as np

from minigrad.functional._arguments import check_number, check_same_dtype, check_tensor
from minigrad.ops.fused import BatchNorm, WeightNorm, batch_statistics
from minigrad.tensor import Tensor

__all__ = ["batch_norm"]


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation: y = (x - mean) / sqrt(var + eps) * weight + bias, per channel.

    In training the mean and the biased variance are taken over every dim but the
    channel dim (1) and, when running statistics are given, those are updated in
    place: ``running = (1 - momentum) * running + momentum * batch_statistic``, with
    the unbiased variance (n / (n - 1) times the biased one), as in PyTorch. Out of
    training the running statistics normalise the input.

    Args:
        input: ``(N, C)`` or ``(N, C, *)``.
        running_mean: ``(C,)`` or ``None`` (then batch statistics are used whatever
            ``training`` says).
        running_var: ``(C,)`` or ``None``, likewise.
        weight: ``(C,)`` scale or ``None``.
        bias: ``(C,)`` shift or ``None``.
        training: use (and record) batch statistics.
        momentum: weight of the new batch in the running statistics.
        eps: added to the variance for stability.

    Returns:
        A tensor of ``input``'s shape.

    Raises:
        ValueError: for a wrong rank, a wrong channel count, or a training batch with
            a single value per channel.

    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0], [3.0]])
    >>> mg.functional.batch_norm(x, None, None, training=True, eps=0.0)
    tensor([[-1.],
            [ 1.]])
    """
    op = "batch_norm"
    check_tensor(input, "input", op)
    if input.ndim < 2:
        raise ValueError(
            f"{op}: input: expected at least 2 dims (N, C, *), got shape {input.shape}"
        )
    channels = input.shape[1]
    named = {"running_mean": running_mean, "running_var": running_var}
    named.update(weight=weight, bias=bias)
    for argument, tensor in named.items():
        if tensor is None:
            continue
        check_tensor(tensor, argument, op)
        check_same_dtype(input, tensor, argument, op)
        if tensor.shape != (channels,):
            raise ValueError(
                f"{op}: {argument}: expected shape ({channels},) for {channels} channels, got "
                f"{tensor.shape}"
            )
    momentum = check_number(momentum, "momentum", op)
    eps = check_number(eps, "eps", op)
    if eps < 0:
        raise ValueError(f"{op}: eps: expected a non-negative number, got {eps}")
    count = input.numel() // max(channels, 1)
    use_batch = training or running_mean is None or running_var is None
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if input.numel() == 0:
        # As PyTorch: an empty batch gives an empty output, leaves the running
        # statistics alone, and gives weight and bias gradients of zeros.
        return _affine(input * 1, weight, bias, shape)
    if use_batch and count <= 1:
        raise ValueError(
            f"{op}: input: expected more than 1 value per channel when training, got shape "
            f"{input.shape}"
        )
    if use_batch:
        # One pass for the statistics, shared by the running update and the op.
        batch_mean, batch_variance = batch_statistics(input._data)
        if training:
            _update_running(running_mean, running_var, batch_mean, batch_variance, count, momentum)
        # One fused op: as a composite, batch norm was most of a small training step.
        ones = Tensor._wrap(np.ones(channels, dtype=input.dtype))
        zeros = Tensor._wrap(np.zeros(channels, dtype=input.dtype))
        return BatchNorm.apply(
            input,
            ones if weight is None else weight,
            zeros if bias is None else bias,
            eps=eps,
            mean=batch_mean,
            variance=batch_variance,
        )
    assert running_mean is not None and running_var is not None
    centred = input - running_mean.reshape(shape)
    variance = running_var.reshape(shape)
    return _affine(centred / (variance + eps).sqrt(), weight, bias, shape)


def _affine(
    normalised: Tensor, weight: Tensor | None, bias: Tensor | None, shape: tuple[int, ...]
) -> Tensor:
    """``normalised * weight + bias``, each per channel (``shape`` broadcasts them)."""
    output = normalised
    if weight is not None:
        output = output * weight.reshape(shape)
    if bias is not None:
        output = output + bias.reshape(shape)
    return output


def _update_running(
    running_mean: Tensor | None,
    running_var: Tensor | None,
    mean: np.ndarray,
    variance: np.ndarray,
    count: int,
    momentum: float,
) -> None:
    """Move the running statistics towards this batch's mean and biased variance
    (arrays only: no graph).
    """
    if running_mean is not None:
        running_mean._write((1 - momentum) * running_mean._data + momentum * mean)
    if running_var is not None:
        unbiased = variance * (count / (count - 1))
        running_var._write((1 - momentum) * running_var._data + momentum * unbiased)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``v * (g / ||v||)``, the norm over every dim of v but ``dim`` (``-1``: over all of
    them), as ``torch._weight_norm``: the weight of ``nn.utils.weight_norm`` and of
    ``nn.utils.parametrizations.weight_norm``. ``dim`` is checked by the callers.

    One fused op when g has the norm's shape (size 1 on the summed dims, 0-d for
    ``dim=-1``) and v's float dtype, as the weight-norm modules make it; the plain
    composite otherwise.
    """
    kept = dim % v.ndim if dim != -1 else None
    dims = tuple(axis for axis in range(v.ndim) if axis != kept)
    shape = (
        ()
        if kept is None
        else tuple(1 if axis != kept else v.shape[kept] for axis in range(v.ndim))
    )
    if g.shape == shape and g.dtype == v.dtype and v.dtype.kind == "f":
        return WeightNorm.apply(v, v, g, dims=dims)
    norm = v.abs().pow(2).sum(dims, keepdim=kept is not None).pow(0.5)
    return v * (g / norm)
