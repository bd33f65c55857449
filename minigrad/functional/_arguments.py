"""Argument checks shared by the activation, linear, normalisation, dropout and loss
functions. Messages name the function, the argument, the value and the expectation.
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def check_tensor(value: Any, argument: str, op: str, floating: bool = True) -> Tensor:
    """``value`` itself if it is a Tensor (of a float dtype when ``floating``)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {argument}: expected a Tensor, got {type(value).__name__}")
    if floating and not dtypes.is_float(value.dtype):
        raise TypeError(
            f"{op}: {argument}: expected a float32 or float64 tensor, got dtype {value.dtype}"
        )
    return value


def check_same_dtype(first: Tensor, other: Tensor, argument: str, op: str) -> None:
    """Refuse mixed float32/float64 operands instead of promoting silently, as PyTorch."""
    if other.dtype != first.dtype:
        raise TypeError(
            f"{op}: {argument}: expected dtype {first.dtype} (the input's), got {other.dtype}"
        )


def check_reduction(reduction: Any, op: str) -> str:
    """One of 'mean', 'sum', 'none'."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{op}: reduction: expected one of 'mean', 'sum', 'none', got {reduction!r}"
        )
    return str(reduction)


def check_number(value: Any, argument: str, op: str) -> float:
    """A real number (int or float, not bool) as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{op}: {argument}: expected a number, got {type(value).__name__}")
    return float(value)


def reduce(loss: Tensor, reduction: str) -> Tensor:
    """Apply a checked reduction to an elementwise loss."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
