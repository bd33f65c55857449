"""Slow, obvious twins of the Numba kernels, for tests and for reading.

Every array is 3-d in space: ``x: (N, C_in, D, H, W)``; 1-d and 2-d convolutions are
lifted to this by the public layer with singleton dims. Notation as in
:mod:`minigrad.ops.conv`: ``s`` stride, ``d`` dilation, ``g`` groups, ``k`` kernel
size, ``L_x`` input-side and ``L_y`` output-side spatial sizes, related (per dim) by
``L_y = (L_x - d (k - 1) - 1) // s + 1`` in the natural case.

The three convolution kernels read one trilinear form

    T(x, w, y) = sum  x[n, g, c, s*o + d*t] * w[g, f, c, t] * y[n, g, f, o]

three ways: ``conv_valid`` returns dT/dy, ``conv_transpose_valid`` dT/dx and
``conv_weight_grad`` dT/dw. Channels are split into ``g`` groups; ``c`` runs over the
group's input channels, ``f`` over its output channels.
"""

from __future__ import annotations

import itertools

import numpy as np

Triple = tuple[int, int, int]


def _taps(kernel_size: Triple) -> itertools.product:  # type: ignore[type-arg]
    return itertools.product(*(range(k) for k in kernel_size))


def _positions(size: Triple) -> itertools.product:  # type: ignore[type-arg]
    return itertools.product(*(range(n) for n in size))


def _read(
    p: tuple[int, ...],
    t: tuple[int, ...],
    stride: Triple,
    dilation: Triple,
    padding: Triple,
    size: tuple[int, ...],
) -> tuple[int, ...] | None:
    """Where output position p's tap t reads in the unpadded x; None in the zero padding."""
    where = tuple(p[i] * stride[i] + t[i] * dilation[i] - padding[i] for i in range(3))
    return where if all(0 <= where[i] < size[i] for i in range(3)) else None


@np.errstate(invalid="ignore", over="ignore")  # inf and NaN propagate, silently
def conv_valid(
    x: np.ndarray,
    w: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    out_size: Triple,
    padding: Triple = (0, 0, 0),
) -> np.ndarray:
    """Cross-correlation with zero padding ``padding`` before each dim.

    ``x: (N, C_in, *L_x)``, ``w: (C_out, C_in/g, *k)`` -> ``y: (N, C_out, *L_y)``, with
    ``y[n, o, p] = sum_{c, t} x[n, group(o) c, s*p + d*t - padding] * w[o, c, t]`` and
    x read as zero outside ``[0, L_x)``: a tap there still multiplies its weight by
    that zero, so an inf or NaN weight gives NaN, as the padded input would.
    """
    n, c_in = x.shape[:2]
    c_out, c_group = w.shape[:2]
    f_group = c_out // groups
    y = np.zeros((n, c_out, *out_size), dtype=x.dtype)
    zeros = np.zeros((n, c_group), dtype=x.dtype)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for p in _positions(out_size):
            total = np.zeros(n, dtype=x.dtype)
            for t in _taps(w.shape[2:]):
                where = _read(p, t, stride, dilation, padding, x.shape[2:])
                patch = (
                    zeros
                    if where is None
                    else x[(slice(None), slice(first, first + c_group), *where)]
                )
                total += patch @ w[(o, slice(None), *t)]
            y[(slice(None), o, *p)] = total
    return y


@np.errstate(invalid="ignore", over="ignore")  # inf and NaN propagate, silently
def conv_transpose_valid(
    y: np.ndarray,
    w: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    in_size: Triple,
    padding: Triple = (0, 0, 0),
) -> np.ndarray:
    """The adjoint of ``conv_valid`` in x: scatter each output back through the kernel.

    ``y: (N, C_out, *L_y)``, ``w: (C_out, C_in/g, *k)`` -> ``x: (N, C_in, *L_x)``, with
    ``<conv_valid(x, w), y> == <x, conv_transpose_valid(y, w)>``.
    """
    n, c_out = y.shape[:2]
    c_group = w.shape[1]
    f_group = c_out // groups
    x = np.zeros((n, c_group * groups, *in_size), dtype=y.dtype)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for p in _positions(y.shape[2:]):
            for t in _taps(w.shape[2:]):
                where = _read(p, t, stride, dilation, padding, x.shape[2:])
                if where is None:
                    continue
                x[(slice(None), slice(first, first + c_group), *where)] += np.outer(
                    y[(slice(None), o, *p)], w[(o, slice(None), *t)]
                )
    return x


@np.errstate(invalid="ignore", over="ignore")  # inf and NaN propagate, silently
def conv_weight_grad(
    x: np.ndarray,
    y: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    kernel_size: Triple,
    padding: Triple = (0, 0, 0),
) -> np.ndarray:
    """The adjoint of ``conv_valid`` in w: correlate input with output.

    ``x: (N, C_in, *L_x)``, ``y: (N, C_out, *L_y)`` -> ``w: (C_out, C_in/g, *k)``, with
    ``<conv_valid(x, w), y> == <w, conv_weight_grad(x, y)>``; the zero padding is read
    as zeros (so an inf in y meeting it gives NaN, as in ``conv_valid``).
    """
    n, c_out = y.shape[:2]
    c_group = x.shape[1] // groups
    f_group = c_out // groups
    w = np.zeros((c_out, c_group, *kernel_size), dtype=x.dtype)
    zeros = np.zeros((n, c_group), dtype=x.dtype)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for t in _taps(kernel_size):
            for p in _positions(y.shape[2:]):
                where = _read(p, t, stride, dilation, padding, x.shape[2:])
                patch = (
                    zeros
                    if where is None
                    else x[(slice(None), slice(first, first + c_group), *where)]
                )
                w[(o, slice(None), *t)] += y[(slice(None), o, *p)] @ patch
    return w


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
        out = taken * (source >= 0).reshape(shape).astype(x.dtype)
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
