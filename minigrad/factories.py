"""Tensor factories: from data (``tensor, as_tensor, from_numpy``), constant fills and
ranges (``zeros, ones, full, empty, arange, linspace`` and the ``*_like`` forms).

Each has PyTorch's signature: ``dtype=``, ``device=`` and ``requires_grad=`` are
keyword-only; the only device is the CPU (``device="cuda"`` raises
[`DeviceError`][minigrad.devices.DeviceError]). Python floats become float32 (the default
dtype), ints int64, bools bool. Random draws are in [`minigrad.sampling`][].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.devices import as_device
from minigrad.functions._arguments import integer
from minigrad.tensor import Tensor


def tensor(
    data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Args:
        data: a number, a (nested) list of numbers, a numpy array or a tensor.
        dtype: the dtype; by default a numpy array keeps its own, Python floats become
            float32, ints int64 and bools bool.
        device: the CPU (``"cpu"``, ``mg.device("cpu")`` or None).
        requires_grad: make a leaf that records operations (float dtypes only).

    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0]).dtype
    dtype('float32')
    """
    as_device(device)
    return Tensor._from_data(data, dtype=dtype, requires_grad=requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing its memory when it can: a tensor of the dtype
    asked for is returned itself, and a numpy array of a supported dtype is wrapped
    without a copy (so writes to either show in the other). Anything else is copied.

    >>> import numpy as np, minigrad as mg
    >>> array = np.zeros(2)
    >>> mg.as_tensor(array).numpy() is array
    True
    """
    as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return Tensor._wrap(np.asarray(data, dtype=dtypes.as_dtype(data.dtype, "data")))
    return Tensor._from_data(data, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor over the same memory as ``ndarray`` (its dtype must be float32,
    float64, int32, int64 or bool): writes to either show in the other.

    >>> import numpy as np, minigrad as mg
    >>> array = np.arange(3.0)
    >>> t = mg.from_numpy(array)
    >>> array[0] = 7.0
    >>> t
    tensor([7., 1., 2.], dtype=float64)
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(
            f"from_numpy: ndarray: expected a numpy array, got {type(ndarray).__name__}"
        )
    dtypes.as_dtype(ndarray.dtype, "from_numpy: ndarray")
    return Tensor._wrap(ndarray)


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    result = Tensor._wrap(array)
    result.requires_grad_(requires_grad)
    return result


def _float_dtype(dtype: Any) -> np.dtype[Any]:
    return dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)


def zeros(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of zeros of the given size: ``zeros(2, 3)`` or ``zeros((2, 3))``.

    Args:
        size: the sizes, as separate ints or one sequence.
        dtype: the dtype (default float32).
        device: the CPU.
        requires_grad: make a leaf that records operations.
    """
    as_device(device)
    return _make(np.zeros(_checks.as_shape(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size (arguments as [`zeros`][])."""
    as_device(device)
    return _make(np.ones(_checks.as_shape(size), dtype=_float_dtype(dtype)), requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The ``(n, m)`` identity matrix (``m`` defaults to ``n``): ones on the diagonal.

    >>> import minigrad as mg
    >>> mg.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    as_device(device)
    rows = _size(n, "n")
    columns = rows if m is None else _size(m, "m")
    return _make(np.eye(rows, columns, dtype=_float_dtype(dtype)), requires_grad)


def _size(value: Any, argument: str) -> int:
    size = integer(value, "eye", argument)
    if size < 0:
        raise ValueError(f"eye: {argument}: expected a non-negative size, got {value}")
    return size


def empty(
    *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """An uninitialised tensor (here: zeros, so results never depend on old memory)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ``size`` (a tuple, or an int) filled with ``fill_value``; its dtype
    by default follows the value's type (float32 for a float, int64 for an int).

    >>> import minigrad as mg
    >>> mg.full((2,), 7)
    tensor([7, 7])
    """
    as_device(device)
    shape = _checks.as_shape((size,) if _checks.is_int(size) else tuple(size))
    chosen = dtypes.infer_dtype(fill_value) if dtype is None else dtypes.as_dtype(dtype)
    return _make(np.full(shape, fill_value, dtype=chosen), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``;
    ``arange(n)`` counts from 0.

    Integer arguments give int64, as in PyTorch; any float gives float32.

    >>> import minigrad as mg
    >>> mg.arange(3)
    tensor([0, 1, 2])
    """
    as_device(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step: expected a non-zero step, got 0")
    if (end - start) * step < 0:
        raise ValueError(
            f"arange: step: expected a step with the sign of end - start = {end - start}, "
            f"got {step}"
        )
    all_ints = all(_checks.is_int(v) for v in (start, end, step))
    chosen = (
        (dtypes.int64 if all_ints else dtypes.get_default_dtype())
        if dtype is None
        else (dtypes.as_dtype(dtype))
    )
    return _make(np.arange(start, end, step).astype(chosen), requires_grad)


def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Computed as PyTorch does, in the result's dtype: ``start + i * step`` for the first
    half and ``end - (steps - 1 - i) * step`` for the rest, so both ends are exact. An
    integer dtype truncates the values.

    >>> import minigrad as mg
    >>> mg.linspace(0, 1, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    as_device(device)
    if not _checks.is_int(steps):
        raise TypeError(f"linspace: steps: expected an int, got {type(steps).__name__} {steps!r}")
    if steps < 0:
        raise ValueError(f"linspace: steps: expected a non-negative number of steps, got {steps}")
    ends = [_number(value, "linspace", name) for name, value in (("start", start), ("end", end))]
    chosen = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    # Integer results are computed in float64 and truncated, as PyTorch does.
    working = chosen.type if dtypes.is_float(chosen) else np.float64
    first, last = working(ends[0]), working(ends[1])
    if steps == 1:
        values = np.full(1, first)
    else:
        step = (last - first) / working(max(steps - 1, 1))
        index = np.arange(steps).astype(working)
        values = np.where(
            np.arange(steps) < steps // 2, first + step * index, last - step * (steps - 1 - index)
        )
    return _make(values.astype(chosen), requires_grad)


def _number(value: Any, op: str, argument: str) -> float:
    """A real number (a Python or numpy number, or a one-element tensor) as a float."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(
                f"{op}: {argument}: expected a number, got a tensor of shape {value.shape}"
            )
        return float(value.item())
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{op}: {argument}: expected a number, got {type(value).__name__}")
    return float(value)


def zeros_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Zeros with ``input``'s shape and (by default) dtype."""
    chosen = _like(input, dtype, "zeros_like")
    return zeros(*input.shape, dtype=chosen, device=device, requires_grad=requires_grad)


def ones_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Ones with ``input``'s shape and (by default) dtype."""
    chosen = _like(input, dtype, "ones_like")
    return ones(*input.shape, dtype=chosen, device=device, requires_grad=requires_grad)


def empty_like(
    input: Tensor,  # noqa: A002
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor (zeros) with ``input``'s shape and (by default) dtype."""
    chosen = _like(input, dtype, "empty_like")
    return empty(*input.shape, dtype=chosen, device=device, requires_grad=requires_grad)


def full_like(
    input: Tensor,  # noqa: A002
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` in a tensor of ``input``'s shape and (by default) dtype, whatever
    the type of the value (``full_like(ints, 2.5)`` holds 2), as in PyTorch.
    """
    chosen = _like(input, dtype, "full_like")
    return full(input.shape, fill_value, dtype=chosen, device=device, requires_grad=requires_grad)


def _like(input: Tensor, dtype: Any, op: str) -> Any:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input: expected a Tensor, got {type(input).__name__}")
    return input.dtype if dtype is None else dtype
