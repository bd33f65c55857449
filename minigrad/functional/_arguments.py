"""Argument checks shared by the functional calls: activations, linear, normalisation,
dropout, losses, and the tensor arguments of the convolutions (whose other checks are
in ``minigrad.functional._conv_args``). Messages name the function, the argument,
the value and the expectation.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, overload

import numpy as np

from minigrad import dtypes
from minigrad.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


@overload
def check_tensor(
    value: Any, argument: str, op: str, floating: bool = ..., optional: Literal[False] = ...
) -> Tensor: ...


@overload
def check_tensor(
    value: Any, argument: str, op: str, floating: bool = ..., *, optional: bool
) -> Tensor | None: ...


def check_tensor(
    value: Any, argument: str, op: str, floating: bool = True, optional: bool = False
) -> Tensor | None:
    """``value`` itself if it is a Tensor (of a float dtype when ``floating``), or None
    when it is None and ``optional`` (an absent bias); else ``TypeError``.
    """
    if not isinstance(value, Tensor):
        if optional and value is None:
            return None
        expected = "a Tensor or None" if optional else "a Tensor"
        raise TypeError(f"{op}: {argument}: expected {expected}, got {type(value).__name__}")
    if floating and not dtypes.is_float(value.dtype):
        raise TypeError(
            f"{op}: {argument}: expected a float32 or float64 tensor, got dtype {value.dtype}"
        )
    return value


def check_same_dtype(first: Tensor, other: Tensor, argument: str, op: str) -> None:
    """Refuse mixed float32/float64 operands, where PyTorch refuses them too."""
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


def legacy_reduction(size_average: Any, reduce: Any, reduction: Any, op: str) -> str:
    """The reduction, with PyTorch's deprecated ``size_average`` and ``reduce``: when
    either is given it decides (with PyTorch's warning), and ``reduction`` is ignored.
    """
    if size_average is None and reduce is None:
        return check_reduction(reduction, op)
    average = True if size_average is None else bool(size_average)
    reduced = True if reduce is None else bool(reduce)
    chosen = "none" if not reduced else "mean" if average else "sum"
    warnings.warn(
        f"{op}: size_average and reduce are deprecated; pass reduction={chosen!r} instead",
        UserWarning,
        stacklevel=3,
    )
    return chosen


def promoted_pair(input: Tensor, target: Tensor, op: str) -> tuple[Tensor, Tensor]:  # noqa: A002
    """``input`` and ``target`` at their common dtype, as PyTorch promotes them
    (float64 over float32, floats over ints), for the losses that broadcast: a target
    of another shape broadcasts against the input, with PyTorch's warning.
    """
    check_tensor(input, "input", op, floating=False)
    check_tensor(target, "target", op, floating=False)
    dtype = dtypes.promote(input.dtype, target.dtype)
    if not dtypes.is_float(dtype):
        raise TypeError(
            f"{op}: input: expected a float32 or float64 input or target, got dtypes "
            f"{input.dtype} and {target.dtype}"
        )
    if target.shape != input.shape:
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(
                f"{op}: target: expected the input's shape {input.shape} (or one that "
                f"broadcasts with it), got {target.shape}"
            ) from None
        warnings.warn(
            f"{op}: the target's shape {target.shape} differs from the input's "
            f"{input.shape}; they broadcast, which is likely not what you meant: give "
            "them the same shape",
            UserWarning,
            stacklevel=3,
        )
    return input.to(dtype), target.to(dtype)


def check_flag(value: Any, argument: str, op: str) -> bool:
    """A bool (``inplace=``, ...): PyTorch's flags are bools, and anything else is more
    likely a misplaced positional argument than a truth value.
    """
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{op}: {argument}: expected a bool, got {type(value).__name__}")
    return bool(value)


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
