"""Collation: a list of samples into one batch, as PyTorch's ``default_collate``.

Tensors are stacked along a new first dimension; numpy arrays and numbers become
tensors first (Python floats as float64, ints as int64, as PyTorch); strings stay as
they are; dicts, tuples, lists and named tuples are collated field by field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.factories import as_tensor, tensor
from minigrad.functions.joining import stack
from minigrad.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_EXPECTED = "tensors, numpy arrays, numbers, dicts or lists"


def default_collate(batch: Sequence[Any]) -> Any:
    """One batch from a list of samples of one structure.

    >>> import minigrad as mg
    >>> default_collate([(mg.zeros(2), 1), (mg.ones(2), 0)])[0].shape
    (2, 2)
    >>> default_collate([{"x": 1.5}, {"x": 2.5}])["x"].dtype
    dtype('float64')
    """
    if not batch:
        raise ValueError("default_collate: batch: expected at least one sample, got none")
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(list(batch), 0)
    if isinstance(first, np.ndarray | np.generic) and not isinstance(first, np.str_ | np.bytes_):
        if first.dtype.kind in "SUO":
            raise TypeError(
                f"default_collate: expected {_EXPECTED}; found arrays of {first.dtype}"
            )
        if isinstance(first, np.generic) or first.ndim == 0:
            return as_tensor(np.asarray(batch))
        return default_collate([as_tensor(array) for array in batch])
    if isinstance(first, float):
        return tensor(list(batch), dtype=dtypes.float64)
    if isinstance(first, int):  # bools too, as PyTorch: a bool tensor
        return tensor(list(batch))
    if isinstance(first, str | bytes):
        return batch  # as given: a list, or a tuple from a field of tuples (as PyTorch)
    if isinstance(first, Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in first}
        try:
            return type(first)(collated)  # type: ignore[call-arg]
        except TypeError:
            return collated
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, Sequence):
        size = len(first)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError(
                "default_collate: each element in list of batch should be of equal size"
            )
        fields = [default_collate(field) for field in zip(*batch)]
        if isinstance(first, tuple):
            return fields  # a list, as PyTorch gives
        try:
            return type(first)(fields)  # type: ignore[call-arg]
        except TypeError:
            return fields
    raise TypeError(f"default_collate: expected {_EXPECTED}; found {type(first).__name__}")


def default_convert(data: Any) -> Any:
    """A sample with its numpy arrays turned into tensors (what a loader without
    batching, ``batch_size=None``, gives).
    """
    if isinstance(data, np.ndarray | np.generic) and not isinstance(data, np.str_ | np.bytes_):
        return data if data.dtype.kind in "SUO" else as_tensor(data)
    if isinstance(data, Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)  # type: ignore[call-arg]
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):
        return [default_convert(value) for value in data]
    if isinstance(data, Sequence) and not isinstance(data, str | bytes):
        try:
            return type(data)([default_convert(value) for value in data])  # type: ignore[call-arg]
        except TypeError:
            return [default_convert(value) for value in data]
    return data
