"""``F.pad``: PyTorch's padding call, on top of the ``Pad`` / ``PadAdjoint`` op pair."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.ops.index import GetItem
from minigrad.ops.pad import MODES
from minigrad.ops.pad import pad as pad_op
from minigrad.tensor import Tensor

__all__ = ["pad"]

# PyTorch's names for the op's modes: its "constant" is the op's "zeros", with the fill
# value added on top.
_MODES = {("constant" if mode == "zeros" else mode): mode for mode in MODES}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the trailing dims of ``input``; ``pad`` lists (before, after) from the last dim.

    ``pad = (left, right)`` pads the last dim, ``(left, right, top, bottom)`` the last
    two, and so on: ``(..., *L) -> (..., *(L + before + after))``. Modes:

    * ``constant``: fill with ``value``; negative pads crop, as in PyTorch;
    * ``reflect``: mirror without repeating the edge (each pad below the dim's size);
    * ``replicate``: repeat the edge element;
    * ``circular``: wrap around (each pad at most the dim's size).

    The non-constant modes pad 1 to 3 dims of a tensor with one or two more dims
    (batch and channel), as in PyTorch, and take no ``value``.

    Args:
        input: any shape; float tensors stay differentiable.
        pad: an even number of ints, at most two per dim of ``input``.
        mode: ``"constant"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        value: the fill of ``constant`` mode.

    Returns:
        The padded tensor, the input's dtype.

    Raises:
        ValueError: bad pad length, sizes or mode; TypeError: bad types.

    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, 2.0, 3.0]])
    >>> pad(x, (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    >>> pad(x, (1, -1), value=9.0)
    tensor([[9., 1., 2.]])
    """
    pairs = _check(input, pad, mode, value)
    if mode != "constant":
        return pad_op(input, pairs, _MODES[mode])
    cropped = _crop(input, pairs)
    growth = tuple((max(before, 0), max(after, 0)) for before, after in pairs)
    out = pad_op(cropped, growth, "zeros")
    if value == 0 or out is cropped:
        return out
    # The fill is a constant added on the border only: its derivative is zero.
    fill = np.full(out.shape, value, dtype=out.dtype)
    first_axis = out.ndim - len(growth)
    interior: tuple[Any, ...] = tuple(
        slice(before, out.shape[first_axis + i] - after)
        for i, (before, after) in enumerate(growth)
    )
    fill[(Ellipsis, *interior)] = 0
    return out + Tensor._wrap(fill)


def _check(input: Any, pad: Any, mode: Any, value: Any) -> tuple[tuple[int, int], ...]:
    """All of F.pad's checks; returns (before, after) per trailing dim, first dim first."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input: expected a Tensor, got {type(input).__name__}")
    if not isinstance(pad, Sequence) or isinstance(pad, str) or not all(map(_checks.is_int, pad)):
        raise TypeError(f"pad: pad: expected a tuple of ints, got {type(pad).__name__} {pad!r}")
    if len(pad) % 2 != 0 or len(pad) > 2 * input.ndim:
        raise ValueError(
            f"pad: pad: expected an even number of ints, at most 2 * input.ndim = "
            f"{2 * input.ndim}, got {len(pad)}: {tuple(pad)}"
        )
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(
            f"pad: mode: expected one of {', '.join(map(repr, _MODES))}, got {mode!r}"
        )
    if not isinstance(value, int | float | np.integer | np.floating) or isinstance(value, bool):
        raise TypeError(f"pad: value: expected a number, got {type(value).__name__} {value!r}")
    count = len(pad) // 2
    pairs = tuple((int(pad[2 * i]), int(pad[2 * i + 1])) for i in reversed(range(count)))
    sizes = input.shape[input.ndim - count :]
    if mode == "constant":
        for dim, (size, (before, after)) in enumerate(zip(sizes, pairs)):
            if max(-before, 0) + max(-after, 0) > size:
                raise ValueError(
                    f"pad: pad: negative padding ({before}, {after}) would crop more than the "
                    f"{size} elements of dim {input.ndim - count + dim}"
                )
        return pairs
    if value != 0:
        raise ValueError(f"pad: value: mode {mode!r} takes no fill value, got {value!r}")
    if not 1 <= count <= 3 or input.ndim not in (count + 1, count + 2):
        raise ValueError(
            f"pad: pad: mode {mode!r} pads 1 to 3 trailing dims of a tensor with one or two "
            f"more dims (batch, channel), got {len(pad)} pads for a {input.ndim}-d input"
        )
    for dim, (size, (before, after)) in enumerate(zip(sizes, pairs)):
        axis = input.ndim - count + dim
        widest = max(before, after)
        if min(before, after) < 0:
            raise ValueError(
                f"pad: pad: mode {mode!r} needs non-negative padding, got ({before}, {after}) "
                f"for dim {axis}"
            )
        if mode == "reflect" and widest >= size:
            raise ValueError(
                f"pad: pad: mode 'reflect' needs padding smaller than the dim's size, got "
                f"padding {widest} for size {size} in dim {axis}"
            )
        if mode == "circular" and widest > size:
            raise ValueError(
                f"pad: pad: mode 'circular' needs padding at most the dim's size, got "
                f"padding {widest} for size {size} in dim {axis}"
            )
        if mode == "replicate" and widest > 0 and size == 0:
            raise ValueError(
                f"pad: pad: mode 'replicate' needs a non-empty dim {axis}, got size 0"
            )
    return pairs


def _crop(x: Tensor, pairs: tuple[tuple[int, int], ...]) -> Tensor:
    """Negative constant pads remove elements, as in PyTorch."""
    if all(before >= 0 and after >= 0 for before, after in pairs):
        return x
    first_axis = x.ndim - len(pairs)
    index: list[slice] = [slice(None)] * x.ndim
    for i, (before, after) in enumerate(pairs):
        size = x.shape[first_axis + i]
        index[first_axis + i] = slice(max(-before, 0), size - max(-after, 0))
    return GetItem.apply(x, index=tuple(index))
