"""Activations: relu, leaky_relu, tanh, sigmoid, softmax, log_softmax.

Each takes ``input`` of any shape and returns the same shape. ``softmax`` and
``log_softmax`` subtract the maximum along ``dim`` first; the maximum is treated as a
constant, which is exact because both functions are invariant to that shift.
"""

from __future__ import annotations

from typing import Any

from minigrad import _inplace
from minigrad.functional._arguments import check_flag, check_number, check_tensor
from minigrad.functions import maths
from minigrad.ops.elementwise import LeakyRelu
from minigrad.tensor import Tensor

__all__ = [
    "leaky_relu",
    "leaky_relu_",
    "log_softmax",
    "relu",
    "relu_",
    "sigmoid",
    "softmax",
    "tanh",
]


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002 - PyTorch's name
    """max(x, 0) elementwise; the derivative at 0 is taken as 0, as in PyTorch.

    With ``inplace=True`` the result is written into ``input``, which is returned
    (recorded on the tape as PyTorch's in-place ops are; see ``Tensor.add_``).

    >>> import minigrad as mg
    >>> mg.functional.relu(mg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    check_tensor(input, "input", "relu")
    if check_flag(inplace, "inplace", "relu"):
        return _inplace.run(input, "relu_", Tensor.relu)
    return input.relu()


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """``relu(input, inplace=True)``: max(x, 0) written into ``input``, which is returned."""
    return relu(input, inplace=True)


def leaky_relu(
    input: Tensor,  # noqa: A002
    negative_slope: float = 0.01,
    inplace: bool = False,
) -> Tensor:
    """Leaky rectifier: x for x > 0, ``negative_slope * x`` otherwise; ``inplace=True``
    writes the result into ``input``, as :func:`relu`'s.

    >>> import minigrad as mg
    >>> mg.functional.leaky_relu(mg.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    check_tensor(input, "input", "leaky_relu")
    slope = check_number(negative_slope, "negative_slope", "leaky_relu")
    if check_flag(inplace, "inplace", "leaky_relu"):
        return _inplace.run(input, "leaky_relu_", lambda x: LeakyRelu.apply(x, slope=slope))
    return LeakyRelu.apply(input, slope=slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """``leaky_relu(input, negative_slope, inplace=True)``."""
    return leaky_relu(input, negative_slope, inplace=True)


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
        A tensor of ``input``'s shape (the same code as :func:`minigrad.softmax`).

    >>> import minigrad as mg
    >>> mg.functional.softmax(mg.tensor([0.0, 0.0]), dim=0)
    tensor([0.5000, 0.5000])
    """
    check_tensor(input, "input", "softmax", floating=False)
    return maths.softmax(input, _legacy_dim(input, dim), dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """x_i - m - log(sum_j exp(x_j - m)) along ``dim`` (m the maximum): finite for any
    finite input. Arguments as for :func:`softmax`.

    >>> import minigrad as mg
    >>> mg.functional.log_softmax(mg.tensor([1000.0, 1000.0]), dim=0)
    tensor([-0.6931, -0.6931])
    """
    check_tensor(input, "input", "log_softmax", floating=False)
    return maths.log_softmax(input, _legacy_dim(input, dim), dtype)


def _legacy_dim(input: Tensor, dim: int | None) -> int:  # noqa: A002
    """PyTorch's choice when ``dim`` is None: 0 for 0-, 1- and 3-d inputs, else 1."""
    if dim is not None:
        return dim
    return 0 if input.ndim in (0, 1, 3) else 1
