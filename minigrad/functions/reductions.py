"""Reductions: ``sum, prod, norm, max, min, amax, amin, argmax, argmin, all, any``, and
the running sum ``cumsum`` (``mean``, ``var`` and ``std`` are in
[`statistics`][minigrad.functions.statistics]).

Each is PyTorch's function of the same name, and a Tensor method. ``dim`` is an int, a
tuple of ints or None (every dim); ``keepdim=True`` keeps the reduced dims with size 1.
Integer and bool sums and products count in int64; ``norm`` needs a float input (or
``dtype=``), as in PyTorch.

>>> import minigrad as mg
>>> x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
>>> mg.sum(x, 1)
tensor([3., 7.])
>>> mg.max(x, 1)
ValuesIndices(values=tensor([2., 4.]), indices=tensor([1, 1]))
"""

from __future__ import annotations

import math
from collections import namedtuple
from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.functions._arguments import float_reduction_input, tensor_input
from minigrad.functions.arithmetic import maximum, minimum
from minigrad.ops import reduce
from minigrad.tensor import Tensor

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A001, A002
    """The sum over ``dim`` (every dim by default).

    Args:
        input: a tensor; bool and integer tensors sum in int64.
        dim: an int, a tuple of ints, or None.
        keepdim: keep the reduced dims, with size 1.
        dtype: cast the input to this dtype first.

    >>> import minigrad as mg
    >>> mg.sum(mg.tensor([True, True, False]))
    tensor(2)
    """
    tensor_input(input, "sum")
    dims = _checks.normalize_dims(dim, input.ndim)
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype, "sum: dtype"))
    if not dtypes.is_float(input.dtype):
        input = input.to(dtypes.int64)
    return reduce.Sum.apply(input, dims=dims, keepdim=keepdim)


def prod(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None
) -> Tensor:  # noqa: A002
    """The product of every element, or along one ``dim``.

    Integer and bool products are int64. The gradient is exact with zeros in a slice
    (the product of the other elements), as in PyTorch.

    >>> import minigrad as mg
    >>> mg.prod(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
    tensor([ 2., 12.])
    """
    tensor_input(input, "prod")
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype, "prod: dtype"))
    if not dtypes.is_float(input.dtype):
        input = input.to(dtypes.int64)
    if dim is None:
        return reduce.Prod.apply(input.reshape(-1), dim=0, keepdim=False)
    axis = _checks.normalize_dim(dim, input.ndim)
    if input.ndim == 0:
        return input.clone()
    return reduce.Prod.apply(input, dim=axis, keepdim=keepdim)


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The running sum along ``dim``: ``out[i] = input[0] + ... + input[i]``.

    Integer and bool inputs count in int64. The gradient is the running sum of the
    gradient from the other end.

    >>> import minigrad as mg
    >>> mg.cumsum(mg.tensor([1, 2, 3]), 0)
    tensor([1, 3, 6])
    """
    tensor_input(input, "cumsum")
    axis = _checks.normalize_dim(dim, input.ndim)
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype, "cumsum: dtype"))
    if not dtypes.is_float(input.dtype):
        input = input.to(dtypes.int64)
    if input.ndim == 0:
        return input.clone()
    return reduce.CumSum.apply(input, dim=axis, reverse=False)


def norm(
    input: Tensor,  # noqa: A002
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    out: None = None,
    dtype: Any = None,
) -> Tensor:
    """The vector p-norm over ``dim`` (every element by default).

    Args:
        input: a float tensor (or any, with ``dtype``).
        p: ``"fro"`` (the 2-norm), a number (``(sum |x|**p)**(1/p)``), ``inf`` (the
            largest ``|x|``), ``-inf`` (the smallest), or 0 (the count of non-zeros).
            ``"nuc"`` (a sum of singular values) is refused: minigrad has no SVD.
        dim: an int, a tuple of ints, or None.
        keepdim: keep the reduced dims, with size 1.
        out: PyTorch's output argument; must be None.
        dtype: cast the input to this float dtype first.

    The gradient at a zero norm is 0, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.norm(mg.tensor([3.0, 4.0]))
    tensor(5.)
    """
    tensor_input(input, "norm")
    if out is not None:
        raise TypeError("norm: out: minigrad has no out= arguments; use the result")
    order = _norm_order(p)
    input = float_reduction_input(input, dtype, "norm")
    dims = _checks.normalize_dims(dim, input.ndim)
    if input.numel() == 0 and order in (math.inf, -math.inf):
        raise ValueError(
            f"norm: p: the {p} norm of an empty tensor (shape {input.shape}) is undefined"
        )
    return reduce.VectorNorm.apply(input, p=order, dims=dims, keepdim=keepdim)


def _norm_order(p: Any) -> float:
    if p == "fro":
        return 2.0
    if p == "nuc":
        raise ValueError(
            "norm: p: 'nuc' (the nuclear norm) needs singular values, which minigrad does "
            "not compute; use p='fro' or a number"
        )
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating):
        raise ValueError(f"norm: p: expected 'fro', a number or inf, got {p!r}")
    return float(p)


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """``max(input)``: the largest element; ``max(input, dim, keepdim=False)``:
    ``(values, indices)`` along ``dim``; ``max(input, other)``: [`maximum`][].

    Over every element, tied maxima share the gradient; along a dim the first one
    gets it, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.max(mg.tensor([1.0, 3.0, 2.0]))
    tensor(3.)
    """
    return _extreme(input, dim, keepdim, largest=True)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A001, A002
    """The smallest element(s), in the forms of [`max`][]."""
    return _extreme(input, dim, keepdim, largest=False)


def _extreme(x: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "max" if largest else "min"
    tensor_input(x, name)
    if isinstance(dim, Tensor):  # max(input, other)
        return (maximum if largest else minimum)(x, dim)
    if dim is None and x.numel() == 0:
        raise ValueError(
            f"{name}: expected a non-empty tensor, got shape {x.shape} (give dim= to reduce "
            "an empty tensor along a non-empty dim)"
        )
    if dim is None:
        dims = tuple(range(x.ndim))
        return reduce.ExtremeOfAll.apply(
            x, dims=dims, keepdim=False, largest=largest, first_only=False
        )
    axis = _checks.normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor._wrap(np.asarray(0, dtype=np.int64)))
    if x.shape[axis] == 0:
        raise ValueError(
            f"{name}: dim: expected a dim of non-zero size to reduce, got dim {dim} of shape "
            f"{x.shape}"
        )
    values = reduce.Extreme.apply(
        x, dims=(axis,), keepdim=keepdim, largest=largest, first_only=True
    )
    return ValuesIndices(values, _arg_extreme(x, axis, keepdim, largest))


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The largest value over ``dim`` (an int, a tuple of ints; ``()`` or None: every
    dim), without indices; tied maxima share the gradient equally, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.amax(mg.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    tensor([5., 7.])
    """
    return _extreme_values(input, dim, keepdim, largest=True)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The smallest value over ``dim``, as [`amax`][]."""
    return _extreme_values(input, dim, keepdim, largest=False)


def _extreme_values(x: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
    name = "amax" if largest else "amin"
    tensor_input(x, name)
    if isinstance(dim, tuple | list) and len(dim) == 0:
        dim = None
    dims = _checks.normalize_dims(dim, x.ndim)
    empty = [d for d in dims if x.shape[d] == 0]
    if empty:
        raise ValueError(
            f"{name}: dim: expected dims of non-zero size to reduce, got dim {empty[0]} of "
            f"shape {x.shape}"
        )
    return reduce.ExtremeOfAll.apply(
        x, dims=dims, keepdim=keepdim, largest=largest, first_only=False
    )


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The index of the largest element (of the flattened input when ``dim`` is None),
    or along ``dim``; int64, the first index at a tie.

    >>> import minigrad as mg
    >>> mg.argmax(mg.tensor([[1, 5], [7, 2]]))
    tensor(2)
    """
    return _arg(input, dim, keepdim, largest=True)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The index of the smallest element, as [`argmax`][]."""
    return _arg(input, dim, keepdim, largest=False)


def _arg(x: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor:
    name = "argmax" if largest else "argmin"
    tensor_input(x, name)
    if x.dtype == dtypes.bool_:
        raise TypeError(f"{name}: input: not defined for a bool tensor (use .int() first)")
    if x.numel() == 0 and (dim is None or x.shape[_checks.normalize_dim(dim, x.ndim)] == 0):
        raise ValueError(f"{name}: expected a non-empty tensor along dim, got shape {x.shape}")
    if dim is None:
        index = _arg_extreme(x.reshape(-1), 0, False, largest)
        return index.reshape(*(1,) * x.ndim) if keepdim else index
    axis = _checks.normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return Tensor._wrap(np.asarray(0, dtype=np.int64))
    return _arg_extreme(x, axis, keepdim, largest)


def _arg_extreme(x: Tensor, axis: int, keepdim: bool, largest: bool) -> Tensor:
    pick = np.argmax if largest else np.argmin
    indices = np.asarray(pick(x._data, axis=axis), dtype=np.int64)
    if keepdim:
        indices = np.expand_dims(indices, axis)
    return Tensor._wrap(indices)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether every element (over ``dim``) is non-zero, as a bool tensor."""
    tensor_input(input, "all")
    dims = _checks.normalize_dims(dim, input.ndim)
    return Tensor._wrap(np.asarray(input._data.all(axis=dims, keepdims=keepdim)))


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001, A002
    """Whether some element (over ``dim``) is non-zero, as a bool tensor."""
    tensor_input(input, "any")
    dims = _checks.normalize_dims(dim, input.ndim)
    return Tensor._wrap(np.asarray(input._data.any(axis=dims, keepdims=keepdim)))
