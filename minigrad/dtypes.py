"""Dtypes: which numpy dtypes a Tensor may hold, the default, and promotion.

minigrad computes in ``float32`` and ``float64``. Integer and boolean tensors exist
for indices, masks and comparison results; they never require grad.
"""

from __future__ import annotations

from typing import Any

import numpy as np

float32 = np.dtype(np.float32)
"""Single precision, the default float dtype (``mg.float`` in PyTorch's spelling)."""
float64 = np.dtype(np.float64)
"""Double precision (``mg.double``), the dtype gradcheck computes in."""
int32 = np.dtype(np.int32)
"""32-bit integers (``mg.int``)."""
int64 = np.dtype(np.int64)
"""64-bit integers (``mg.long``), the dtype of indices and of Python ints."""
bool_ = np.dtype(np.bool_)
"""Booleans (``mg.bool``): masks and comparison results."""

FLOAT_DTYPES = (float32, float64)
SUPPORTED_DTYPES = (float32, float64, int32, int64, bool_)
NAMES = frozenset(str(d) for d in SUPPORTED_DTYPES)  # "float32", ..., "bool"

_default_dtype = float32


def get_default_dtype() -> np.dtype[Any]:
    """The dtype that Python floats become (``float32`` unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: Any) -> None:
    """Set the dtype that Python floats become; must be float32 or float64."""
    global _default_dtype
    _default_dtype = as_float_dtype(dtype, "dtype")


def as_dtype(dtype: Any, argument: str = "dtype") -> np.dtype[Any]:
    """Normalise ``dtype`` to a supported numpy dtype or raise ``TypeError``."""
    try:
        normalised: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{argument}: expected a dtype such as mg.float32 or mg.float64, got {dtype!r}"
        ) from None
    if normalised not in SUPPORTED_DTYPES:
        names = ", ".join(str(d) for d in SUPPORTED_DTYPES)
        raise TypeError(
            f"{argument}: dtype {normalised} is not supported; expected one of {names}"
        )
    return normalised


def as_float_dtype(dtype: Any, argument: str = "dtype") -> np.dtype[Any]:
    """Normalise ``dtype`` and require it to be float32 or float64."""
    normalised = as_dtype(dtype, argument)
    if normalised not in FLOAT_DTYPES:
        raise TypeError(
            f"{argument}: expected a floating dtype (float32 or float64), got {normalised}"
        )
    return normalised


def is_float(dtype: np.dtype[Any]) -> bool:
    """Whether ``dtype`` can carry gradients."""
    return dtype in FLOAT_DTYPES


def infer_dtype(data: Any) -> np.dtype[Any]:
    """The dtype ``mg.tensor(data)`` gets when no dtype is given.

    A numpy array keeps its dtype (float16 and other unsupported kinds are refused);
    Python floats become the default float dtype, Python ints int64 and bools bool,
    as in PyTorch.
    """
    if isinstance(data, np.ndarray | np.generic):
        return as_dtype(data.dtype, "data")
    try:
        array = np.asarray(data)
    except ValueError:
        raise ValueError(
            "data: expected a number or a nested list of numbers of one rectangular shape "
            f"(every row the same length), got {_short_repr(data)}"
        ) from None
    if array.dtype.kind == "f":
        return _default_dtype
    if array.dtype.kind in "iu":
        return int64
    if array.dtype.kind == "b":
        return bool_
    raise TypeError(
        f"data: expected numbers, lists of numbers or an array, got {type(data).__name__} "
        f"({array.dtype} values)"
    )


def _short_repr(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= 60 else text[:57] + "..."


def promote(a: np.dtype[Any], b: np.dtype[Any]) -> np.dtype[Any]:
    """Result dtype of a binary op between two tensors, as PyTorch promotes them."""
    if a == b:
        return a
    if is_float(a) or is_float(b):
        floats = [d for d in (a, b) if is_float(d)]
        return float64 if float64 in floats else float32
    return as_dtype(np.promote_types(a, b))


def _category(dtype: np.dtype[Any]) -> int:
    return 2 if is_float(dtype) else 0 if dtype == bool_ else 1


def promote_operands(
    a: np.dtype[Any], a_is_0d: bool, b: np.dtype[Any], b_is_0d: bool
) -> np.dtype[Any]:
    """Result dtype of a binary op, with PyTorch's rule for 0-d tensors: a tensor with
    dims decides the dtype unless the 0-d one is of a higher kind (bool < int < float).
    So ``float32 (3,) + float64 ()`` is float32, but ``int64 (3,) + float64 ()`` float64.

    >>> promote_operands(float32, False, float64, True)
    dtype('float32')
    """
    if a_is_0d == b_is_0d:
        return promote(a, b)
    dimensioned, zero_dim = (b, a) if a_is_0d else (a, b)
    return zero_dim if _category(zero_dim) > _category(dimensioned) else dimensioned


def promote_scalar(tensor_dtype: np.dtype[Any], scalar: Any) -> np.dtype[Any]:
    """Result dtype of a tensor combined with a Python scalar: the tensor wins unless
    the scalar is a float and the tensor is not (then the default float dtype).
    """
    if isinstance(scalar, bool):
        return tensor_dtype
    if isinstance(scalar, float) and not is_float(tensor_dtype):
        return _default_dtype
    if isinstance(scalar, int) and tensor_dtype == bool_:
        return int64
    return tensor_dtype
