"""PyTorch's legacy typed tensor constructors, still common in GAN code (``Variable``
lives in [`minigrad.autograd.variable`][]).

* ``mg.FloatTensor(2, 3)`` (zeros), ``mg.FloatTensor([1, 2])`` (a float32 copy, also of
  a float64 array), and likewise ``DoubleTensor``, ``LongTensor``, ``IntTensor``,
  ``BoolTensor``; their names also serve ``Tensor.type``: ``x.type(mg.DoubleTensor)``.

>>> import minigrad as mg
>>> mg.LongTensor([1, 2]).dtype
dtype('int64')
>>> mg.ones(2).type(mg.DoubleTensor).dtype
dtype('float64')
>>> mg.ones(2).type()
'minigrad.FloatTensor'
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.devices import DeviceError
from minigrad.tensor import Tensor


class _LegacyType(type):
    """The metaclass of the legacy types: ``isinstance(t, mg.FloatTensor)`` asks about
    the dtype, as it does in PyTorch.
    """

    dtype: np.dtype[Any]

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.dtype == cls.dtype


class _Typed(metaclass=_LegacyType):
    dtype: np.dtype[Any]

    def __new__(cls, *data: Any, device: Any = None) -> Tensor:  # type: ignore[misc]
        return Tensor(*data, dtype=cls.dtype, device=device)


class FloatTensor(_Typed):
    """``Tensor`` of float32: ``FloatTensor(2, 3)`` or ``FloatTensor(data)``."""

    dtype = dtypes.float32


class DoubleTensor(_Typed):
    """``Tensor`` of float64."""

    dtype = dtypes.float64


class LongTensor(_Typed):
    """``Tensor`` of int64 (class labels, indices)."""

    dtype = dtypes.int64


class IntTensor(_Typed):
    """``Tensor`` of int32."""

    dtype = dtypes.int32


class BoolTensor(_Typed):
    """``Tensor`` of bool (masks)."""

    dtype = dtypes.bool_


_TYPES = (FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor)
_BY_NAME = {t.__name__: t for t in _TYPES}


def type_name(dtype: np.dtype[Any]) -> str:
    """The legacy name of a dtype's tensors: ``"minigrad.FloatTensor"``."""
    for legacy in _TYPES:
        if legacy.dtype == dtype:
            return f"minigrad.{legacy.__name__}"
    raise TypeError(f"type: no legacy tensor type for dtype {dtype}")


def dtype_of(value: Any) -> np.dtype[Any]:
    """What ``Tensor.type(value)`` converts to: a legacy type, its name
    (``"torch.LongTensor"``, ``"minigrad.LongTensor"``), or a dtype.
    """
    if isinstance(value, type) and issubclass(value, _Typed):
        return value.dtype
    if isinstance(value, str) and value.rsplit(".", 1)[-1] in _BY_NAME:
        prefix = value.rsplit(".", 1)[0] if "." in value else ""
        if prefix in ("", "torch", "minigrad"):
            return _BY_NAME[value.rsplit(".", 1)[-1]].dtype
        if prefix == "torch.cuda":
            raise DeviceError(f"type: minigrad runs on the CPU only, got {value!r}")
    return dtypes.as_dtype(value, "dtype")
