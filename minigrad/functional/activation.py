"""Activations: relu, leaky_relu, tanh, sigmoid, softmax, log_softmax.

Each takes ``input`` of any shape and returns the same shape. ``softmax`` and
``log_softmax`` subtract the maximum along ``dim`` first; the maximum is treated as a
constant, which is exact because both functions are invariant to that shift.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.functional._arguments import check_number, check_tensor
from minigrad.ops.elementwise import LeakyRelu
from minigrad.tensor import Tensor

__all__ = ["leaky_relu", "log_softmax", "relu", "sigmoid", "softmax", "tanh"]


def relu(input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's argument name
    """max(x, 0) elementwise; the derivative at 0 is taken as 0, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.functional.relu(mg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    return check_tensor(input, "input", "relu").relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """Leaky rectifier: x for x > 0, ``negative_slope * x`` otherwise.

    >>> import minigrad as mg
    >>> mg.functional.leaky_relu(mg.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    check_tensor(input, "input", "leaky_relu")
    slope = check_number(negative_slope, "negative_slope", "leaky_relu")
    return LeakyRelu.apply(input, slope=slope)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent elementwise.

    >>> import minigrad as mg
    >>> mg.functional.tanh(mg.tensor([0.0]))
    tensor([0.])
    """
    return check_tensor(input, "input", "tanh").tanh()


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + exp(-x)) elementwise, computed without overflow.

    >>> import minigrad as mg
    >>> mg.functional.sigmoid(mg.tensor([0.0]))
    tensor([0.5000])
    """
    return check_tensor(input, "input", "sigmoid").sigmoid()


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """exp(x_i - m) / sum_j exp(x_j - m) along ``dim``, with m the maximum along ``dim``.

    Args:
        input: any shape.
        dim: the dim that sums to one. ``None`` picks PyTorch's legacy choice
            (0 for 0-, 1- and 3-d inputs, else 1).
        dtype: if given, the input is cast to it first.

    Returns:
        A tensor of ``input``'s shape.

    >>> import minigrad as mg
    >>> mg.functional.softmax(mg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    shifted, dims = _shifted(input, dim, dtype, "softmax")
    exponentials = shifted.exp()
    return exponentials / exponentials.sum(dims, keepdim=True)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """x_i - m - log(sum_j exp(x_j - m)) along ``dim`` (m the maximum): finite for any
    finite input. Arguments as for :func:`softmax`.

    >>> import minigrad as mg
    >>> mg.functional.log_softmax(mg.tensor([1000.0, 1000.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    shifted, dims = _shifted(input, dim, dtype, "log_softmax")
    return shifted - shifted.exp().sum(dims, keepdim=True).log()


def _shifted(
    input: Tensor,  # noqa: A002
    dim: int | None,
    dtype: Any,
    op: str,
) -> tuple[Tensor, tuple[int, ...]]:
    """``input - max(input, dim)`` with the max as a constant, and the reduced dims."""
    check_tensor(input, "input", op)
    if dtype is not None:
        input = input.to(dtypes.as_float_dtype(dtype, "dtype"))
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    axis = _checks.normalize_dim(dim, input.ndim)
    dims = (axis,) if input.ndim > 0 else ()
    if input.numel() == 0:
        shifted = input + 0.0
    else:
        peak = np.max(input._data, axis=dims, keepdims=True)
        # An infinite maximum would turn the shift into inf - inf = nan.
        peak = np.where(np.isfinite(peak), peak, 0).astype(input.dtype)
        shifted = input - Tensor._wrap(peak)
    return shifted, dims
