"""Statistics: ``mean, var, std`` over ``dim`` (every dim by default).

Each is PyTorch's function of the same name, and a Tensor method; each needs a float
input (or, for ``mean``, ``dtype=``), as in PyTorch. ``var`` and ``std`` take PyTorch's
three calling forms (``correction=``, a positional ``unbiased``, or ``unbiased`` alone).

>>> import minigrad as mg
>>> x = mg.tensor([[1.0, 2.0], [3.0, 5.0]])
>>> mg.mean(x, 1)
tensor([1.5, 4. ])
>>> mg.std(x, 1, False)
tensor([0.5, 1. ])
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.functions._arguments import float_reduction_input, tensor_input
from minigrad.ops import elementwise
from minigrad.tensor import Tensor


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The mean over ``dim`` (as [`sum`][]); an integer input needs ``dtype``."""
    tensor_input(input, "mean")
    input = float_reduction_input(input, dtype, "mean")
    dims = _checks.normalize_dims(dim, input.ndim)
    count = math.prod([input.shape[d] for d in dims])
    return input.sum(dims, keepdim) / count


def var(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """The variance over ``dim``: sum((x - mean)**2) / (n - correction).

    PyTorch's three forms: ``var(dim=None, *, correction=1, keepdim=False)``,
    ``var(dim, unbiased, keepdim=False)`` and ``var(unbiased)``, where ``unbiased``
    is correction 1 (True, the default) or 0.

    >>> import minigrad as mg
    >>> mg.var(mg.tensor([1.0, 2.0, 3.0, 4.0]), unbiased=False)
    tensor(1.2500)
    """
    tensor_input(input, "var")
    centred, dims, divisor = _deviation(input, dim, unbiased, correction, "var")
    return (centred * centred).sum(dims, keepdim) / divisor


def std(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: int | float | None = None,
) -> Tensor:
    """The standard deviation, sqrt([`var`][]), with the same arguments.

    Where it is 0 (a constant slice) its gradient is 0, as in PyTorch, not 0 * inf.
    """
    tensor_input(input, "std")
    centred, dims, divisor = _deviation(input, dim, unbiased, correction, "std")
    variance = (centred * centred).sum(dims, keepdim) / divisor
    zero = variance._data == 0
    if not zero.any():
        return variance.sqrt()
    # The square root of 1 where the variance is 0, then 0 chosen there: the same
    # values, and no gradient reaches the variance from those elements.
    ones = Tensor._wrap(np.ones((), dtype=variance.dtype))
    zeros = Tensor._wrap(np.zeros((), dtype=variance.dtype))
    return elementwise.where(zero, zeros, elementwise.where(zero, ones, variance).sqrt())


def _deviation(
    input: Tensor,  # noqa: A002
    dim: Any,
    unbiased: bool | None,
    correction: int | float | None,
    op: str,
) -> tuple[Tensor, tuple[int, ...], int | float]:
    """``input`` less its mean over the dims, the dims, and n - correction (>= 0)."""
    if isinstance(dim, bool):  # var(unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise ValueError(f"{op}: expected at most one of unbiased and correction, got both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    input = float_reduction_input(input, None, op)
    dims = _checks.normalize_dims(dim, input.ndim)
    count = math.prod([input.shape[d] for d in dims])
    centred = input - input.mean(dims, keepdim=True)
    return centred, dims, builtins.max(count - correction, 0)
