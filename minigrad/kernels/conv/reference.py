"""The reference path: the convolution kernels as the textbook loops, slow and obvious.

Every array is 3-d in space: ``x: (N, C_in, D, H, W)``; 1-d and 2-d convolutions are
lifted to this by the public layer with singleton dims. Notation as in
``minigrad.ops.conv``: ``s`` stride, ``d`` dilation, ``g`` groups, ``k`` kernel
size, ``L_x`` input-side and ``L_y`` output-side spatial sizes, related (per dim) by
``L_y = (L_x + p_before + p_after - d (k - 1) - 1) // s + 1`` in the natural case; all
of them are read from the ``Geometry``.

The three convolution kernels read one trilinear form

    T(x, w, y) = sum  x[n, g, c, s*o + d*t - p] * w[g, f, c, t] * y[n, g, f, o]

three ways: ``conv_valid`` returns dT/dy, ``conv_transpose_valid`` dT/dx and
``conv_weight_grad`` dT/dw. Channels are split into ``g`` groups; ``c`` runs over the
group's input channels, ``f`` over its output channels; x is read as zero outside its
extent (the zero padding ``p`` before each dim).

These are the kernels that ``MINIGRAD_KERNELS=reference`` (or
``minigrad.kernels.use("reference")``) runs, and the twins the fast paths are tested
against.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from minigrad.kernels.conv.geometry import Geometry

Triple = tuple[int, int, int]


def _taps(kernel_size: Triple) -> itertools.product:  # type: ignore[type-arg]
    return itertools.product(*(range(k) for k in kernel_size))


def _positions(size: tuple[int, ...]) -> itertools.product:  # type: ignore[type-arg]
    return itertools.product(*(range(n) for n in size))


def _read(
    p: tuple[int, ...], t: tuple[int, ...], geometry: Geometry, size: tuple[int, ...]
) -> tuple[int, ...] | None:
    """Where output position p's tap t reads in the unpadded x; None in the zero padding."""
    s, d, before = geometry.stride, geometry.dilation, geometry.before
    where = tuple(p[i] * s[i] + t[i] * d[i] - before[i] for i in range(3))
    return where if all(0 <= where[i] < size[i] for i in range(3)) else None


@np.errstate(invalid="ignore", over="ignore")  # inf and NaN propagate, silently
def conv_valid(x: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Cross-correlation with the geometry's zero padding before each dim.

    ``x: (N, C_in, *L_x)``, ``w: (C_out, C_in/g, *k)`` -> ``y: (N, C_out, *L_y)``, with
    ``y[n, o, p] = sum_{c, t} x[n, group(o) c, s*p + d*t - padding] * w[o, c, t]`` and
    x read as zero outside ``[0, L_x)``: a tap there still multiplies its weight by
    that zero, so an inf or NaN weight gives NaN, as the padded input would.
    """
    n = x.shape[0]
    c_out, c_group = w.shape[:2]
    f_group = c_out // geometry.groups
    y = np.zeros((n, c_out, *geometry.y_size), dtype=x.dtype)
    zeros = np.zeros((n, c_group), dtype=x.dtype)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for p in _positions(geometry.y_size):
            total = np.zeros(n, dtype=x.dtype)
            for t in _taps(geometry.kernel_size):
                where = _read(p, t, geometry, x.shape[2:])
                patch = (
                    zeros
                    if where is None
                    else x[(slice(None), slice(first, first + c_group), *where)]
                )
                total += patch @ w[(o, slice(None), *t)]
            y[(slice(None), o, *p)] = total
    return y


@np.errstate(invalid="ignore", over="ignore")  # inf and NaN propagate, silently
def conv_transpose_valid(y: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in x: scatter each output back through the kernel.

    ``y: (N, C_out, *L_y)``, ``w: (C_out, C_in/g, *k)`` -> ``x: (N, C_in, *L_x)``, with
    ``<conv_valid(x, w), y> == <x, conv_transpose_valid(y, w)>``; taps that land in the
    zero padding are dropped.
    """
    n, c_out = y.shape[:2]
    c_group = w.shape[1]
    f_group = c_out // geometry.groups
    x = np.zeros((n, c_group * geometry.groups, *geometry.x_size), dtype=y.dtype)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for p in _positions(y.shape[2:]):
            for t in _taps(geometry.kernel_size):
                where = _read(p, t, geometry, x.shape[2:])
                if where is None:
                    continue
                x[(slice(None), slice(first, first + c_group), *where)] += np.outer(
                    y[(slice(None), o, *p)], w[(o, slice(None), *t)]
                )
    return x


@np.errstate(invalid="ignore", over="ignore")  # inf and NaN propagate, silently
def conv_weight_grad(x: np.ndarray, y: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in w: correlate input with output.

    ``x: (N, C_in, *L_x)``, ``y: (N, C_out, *L_y)`` -> ``w: (C_out, C_in/g, *k)``, with
    ``<conv_valid(x, w), y> == <w, conv_weight_grad(x, y)>``; the zero padding is read
    as zeros (so an inf in y meeting it gives NaN, as in ``conv_valid``).
    """
    n, c_out = y.shape[:2]
    c_group = x.shape[1] // geometry.groups
    f_group = c_out // geometry.groups
    w = np.zeros((c_out, c_group, *geometry.kernel_size), dtype=x.dtype)
    zeros = np.zeros((n, c_group), dtype=x.dtype)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for t in _taps(geometry.kernel_size):
            for p in _positions(y.shape[2:]):
                where = _read(p, t, geometry, x.shape[2:])
                patch = (
                    zeros
                    if where is None
                    else x[(slice(None), slice(first, first + c_group), *where)]
                )
                w[(o, slice(None), *t)] += y[(slice(None), o, *p)] @ patch
    return w


def conv_and_weight_grad(
    x: np.ndarray, w: np.ndarray, y: np.ndarray, geometry: Geometry
) -> tuple[np.ndarray, np.ndarray]:
    """``(conv_valid(x, w), conv_weight_grad(x, y))``: the pair a transposed
    convolution's backward needs, here simply the two loops one after the other.
    """
    return conv_valid(x, w, geometry), conv_weight_grad(x, y, geometry)
