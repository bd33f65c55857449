"""The affine map of a fully connected layer."""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.functional._arguments import check_same_dtype, check_tensor
from minigrad.ops import linalg
from minigrad.tensor import Tensor

__all__ = ["linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """The affine map y = x Wᵀ + b.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` or ``None``.

    Returns:
        ``(*, out_features)``.

    Raises:
        ValueError: when the shapes do not fit together.
        TypeError: for non-tensors or mixed dtypes.

    >>> import minigrad as mg
    >>> x = mg.ones(2, 3)
    >>> mg.functional.linear(x, mg.ones(4, 3), mg.zeros(4)).shape
    (2, 4)
    """
    if not _plainly_valid(input, weight, bias):
        _check(input, weight, bias)
    # One op for the whole map (PyTorch's addmm); a vector is lifted to one row.
    x = input.unsqueeze(0) if input.ndim == 1 else input
    operands = (x, weight) if bias is None else (x, weight, bias)
    output = linalg.Linear.apply(*operands)
    return output.squeeze(0) if input.ndim == 1 else output


def _plainly_valid(input: Any, weight: Any, bias: Any) -> bool:  # noqa: A002
    """The common case, tested at a glance (a layer's every call): float tensors of one
    dtype whose shapes fit, so that every check of ``_check`` would pass.
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        return False
    x, w = input._data, weight._data
    if not (
        x.dtype == w.dtype
        and dtypes.is_float(x.dtype)
        and w.ndim == 2
        and x.ndim >= 1
        and x.shape[-1] == w.shape[1]
    ):
        return False
    return bias is None or (
        isinstance(bias, Tensor) and bias._data.dtype == x.dtype and bias.shape == (w.shape[0],)
    )


def _check(input: Any, weight: Any, bias: Any) -> None:  # noqa: A002
    """Refuse bad arguments to ``linear`` with the message that names the first fault."""
    check_tensor(input, "input", "linear")
    check_tensor(weight, "weight", "linear")
    check_same_dtype(input, weight, "weight", "linear")
    if weight.ndim != 2:
        raise ValueError(
            f"linear: weight: expected a 2-d (out_features, in_features) tensor, got shape "
            f"{weight.shape}"
        )
    if input.ndim < 1 or input.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input: expected a last dim of size in_features={weight.shape[1]}, got "
            f"shape {input.shape}"
        )
    if bias is not None:
        check_tensor(bias, "bias", "linear")
        check_same_dtype(input, bias, "bias", "linear")
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"linear: bias: expected shape ({weight.shape[0]},), got {bias.shape}"
            )
