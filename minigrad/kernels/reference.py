"""Slow, obvious twins of the fast kernels, for tests and for reading.

The kernels that ``MINIGRAD_KERNELS=reference`` (or ``minigrad.kernels.use("reference")``)
runs instead of the fast ones, and the twins those are tested against: here, padding
(``pad_by_mode``, ``fold_padding``) and the matrix product; the convolutions' loops
live with their fast paths, in ``minigrad.kernels.conv.reference``, and are
re-exported here so that every reference kernel has one address.
"""

from __future__ import annotations

import numpy as np

from minigrad.kernels.conv.reference import (
    conv_and_weight_grad,
    conv_transpose_valid,
    conv_valid,
    conv_weight_grad,
)


def source_index(length: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each position of a padded dim, the unpadded position it copies (-1: a zero).

    zeros: outside is 0; circular: wrap around; replicate: repeat the edge; reflect:
    mirror about the edge without repeating it.
    """
    i = np.arange(-before, length + after)
    if mode == "zeros":
        return np.where((i >= 0) & (i < length), i, -1)
    if mode == "circular":
        return i % length
    if mode == "replicate":
        return np.clip(i, 0, length - 1)
    assert mode == "reflect", mode
    i = np.abs(i)
    return np.where(i >= length, 2 * (length - 1) - i, i)


def pad_by_mode(x: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str) -> np.ndarray:
    """Pad the trailing ``len(pads)`` dims of ``x``; ``pads`` = ((before, after), ...)."""
    out = x
    first_axis = x.ndim - len(pads)
    for axis, (before, after) in enumerate(pads, start=first_axis):
        source = source_index(out.shape[axis], before, after, mode)
        taken = np.take(out, np.maximum(source, 0), axis=axis)
        shape = [1] * out.ndim
        shape[axis] = len(source)
        out = np.where((source >= 0).reshape(shape), taken, x.dtype.type(0))
    return out


def fold_padding(x: np.ndarray, pads: tuple[tuple[int, int], ...], mode: str) -> np.ndarray:
    """The adjoint of ``pad_by_mode``: every padded element is added back onto the
    element it was copied from (zeros: dropped), leaving the unpadded shape.
    """
    out = x
    first_axis = x.ndim - len(pads)
    for axis, (before, after) in reversed(list(enumerate(pads, start=first_axis))):
        length = out.shape[axis] - before - after
        source = source_index(length, before, after, mode)
        shape = list(out.shape)
        shape[axis] = length
        folded = np.zeros(shape, dtype=x.dtype)
        moved = np.moveaxis(folded, axis, 0)
        for j, s in enumerate(source):
            if s >= 0:
                moved[s] += np.take(out, j, axis=axis)
        out = folded
    return out


def matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``x @ y`` by its definition, ``out[..., i, j] = sum_k x[..., i, k] * y[..., k, j]``,
    one k at a time, with numpy's rules for vectors (a 1-d x is a row, a 1-d y a column,
    and that axis is dropped from the result) and for broadcasting the batch dims.
    """
    left = x[None, :] if x.ndim == 1 else x
    right = y[:, None] if y.ndim == 1 else y
    assert left.shape[-1] == right.shape[-2], (x.shape, y.shape)
    batch = np.broadcast_shapes(left.shape[:-2], right.shape[:-2])
    dtype = np.result_type(x, y)
    out = np.zeros((*batch, left.shape[-2], right.shape[-1]), dtype)
    for k in range(left.shape[-1]):
        out += left[..., :, k, None] * right[..., None, k, :]
    if x.ndim == 1:
        out = out[..., 0, :]
    if y.ndim == 1:
        out = out[..., 0]
    return out


__all__ = [
    "conv_and_weight_grad",
    "conv_transpose_valid",
    "conv_valid",
    "conv_weight_grad",
    "fold_padding",
    "matmul",
    "pad_by_mode",
    "source_index",
]
