"""The direct path: the sums themselves, batch innermost, for layers with few filters.

The four kernels of ``minigrad.kernels.conv`` for a layer with at most THIN filters
per group, such as a critic's last layer (64 channels to 1 logit) or a decoder's image
layer (16 channels to 1 grey level). There im2col's column matrix, ``C_in * K`` rows
by ``N * P`` columns, is as large as the whole sum, and building it, its GEMM of one or
two rows and the scatter back (col2im) take many times longer than the sums: on the
benchmark models these layers ran many times slower per multiply-add than the wide ones
(the figures are in docs/performance.md).

Here no column matrix is built. Both sides are laid out with the batch last,

    xt[c, i0, i1, i2, n] = x[n, c, i - before]      (zero in the padding)
    yt[o, p0, p1, p2, n] = y[n, o, p]

and every tap of every position is one loop over the batch, a run of N numbers that the
compiler turns into vector instructions:

- ``conv_valid``:           yt[o, p] += w[o, c, t] * xt[c, s*p + d*t]
- ``conv_transpose_valid``: xt[c, s*p + d*t] += w[o, c, t] * yt[o, p], then cropped
- ``conv_weight_grad``:     w[o, c, t] = sum over p, then over n, of xt[c, s*p + d*t] * yt[o, p]

(``c`` runs over the group's input channels, ``o`` over its filters, ``t`` over the
taps; notation as in ``minigrad.ops.conv``). ``route`` sends a call here only when its
batch is at least MIN_BATCH, so the runs are long enough.

The padding is the zero-filled border of ``xt``: a tap there multiplies its weight by
that zero (so an inf weight gives NaN, as in the sum over the padded input), and the
transposed convolution's taps that land there are dropped with the border. NaN and inf
propagate as IEEE arithmetic has them, without numpy's warnings.

Determinism: each kernel is one serial loop nest in a fixed order, called once per
call (the layers that come here are small); every output element is a sum in the
loop order above, whatever the thread count. The weight gradient adds each tap's
products per sample over the positions first, then the samples in order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from minigrad.kernels.conv.geometry import Geometry

# Filters per group (C_out / g) at most this (im2col's GEMM has that many rows). This
# path's time grows with the filters, im2col's hardly: with one filter it was faster
# on every layer tried, with two on all but one (a tie), with four slower on some
# (benchmarks/thin.py; the figures are in docs/performance.md).
THIN = 2
# Samples at least this many: the inner runs are N long.
MIN_BATCH = 8
# The batch-last padded x may be at most this many times x and y together (a huge
# padding or stride would make it larger; im2col takes those).
BUFFER_RATIO = 4
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _reach(geometry: Geometry) -> tuple[int, int, int]:
    """Per dim, the extent of the padded x that the taps read: ``s (L_y - 1) + d (k - 1) + 1``."""
    return tuple(  # type: ignore[return-value]
        s * (ly - 1) + d * (k - 1) + 1
        for s, ly, d, k in zip(
            geometry.stride, geometry.y_size, geometry.dilation, geometry.kernel_size
        )
    )


def takes(geometry: Geometry, n: int, c_out: int, c_in: int, dtype: np.dtype) -> bool:
    """Whether the kernels of this geometry run here, for batch n, w: ``(C_out, C_in/g,
    *k)`` with ``c_in`` = C_in/g, and this dtype: few filters per group, a batch long
    enough for the inner runs, and a padded x of a reasonable size.

    >>> from minigrad.kernels.conv.geometry import Geometry
    >>> critic = Geometry((1, 2, 2), (1, 1, 1), (1, 4, 4), 1, (1, 4, 4), (1, 2, 2),
    ...                   ((0, 0), (1, 1), (1, 1)))
    >>> takes(critic, 32, 1, 64, np.float32), takes(critic, 32, 4, 64, np.float32)
    (True, False)
    """
    if n < MIN_BATCH or c_in == 0 or c_out // geometry.groups > THIN:
        return False
    if np.dtype(dtype) not in DTYPES or 0 in geometry.x_size:
        return False
    padded = math.prod(_reach(geometry))
    sides = math.prod(geometry.x_size) + math.prod(geometry.y_size)
    return padded <= BUFFER_RATIO * sides


# ---- the layouts --------------------------------------------------------------------------


@njit(cache=True, nogil=True)
def _x_batch_last(x, before, out):  # pragma: no cover - compiled
    """``out[c, i, n] = x[n, c, i - before]`` where that is inside x; out is zeroed
    by the caller, so the rest is the zero padding.
    """
    n_count, channels, x0, x1, x2 = x.shape
    r0, r1, r2 = out.shape[1], out.shape[2], out.shape[3]
    b0, b1, b2 = before
    hi0, hi1, hi2 = min(x0, r0 - b0), min(x1, r1 - b1), min(x2, r2 - b2)
    source, target = x.reshape(-1), out.reshape(-1)
    step = np.uint64(n_count)
    # One line of every sample at a time: both sides of the swap stay in a few cache lines.
    for c in range(channels):
        for i0 in range(hi0):
            for i1 in range(hi1):
                line = ((c * r0 + i0 + b0) * r1 + i1 + b1) * r2 + b2
                for n in range(n_count):
                    read = np.uint64(((n * channels + c) * x0 + i0) * x1 + i1) * np.uint64(x2)
                    write = np.uint64(line * n_count + n)
                    for i2 in range(np.uint64(max(hi2, 0))):
                        target[write + step * i2] = source[read + i2]


@njit(cache=True, nogil=True)
def _x_batch_first(xt, before, out):  # pragma: no cover - compiled
    """The adjoint crop: ``out[n, c, i] = xt[c, i + before, n]``, zero past xt's end
    (x positions that no tap reaches).
    """
    n_count, channels, x0, x1, x2 = out.shape
    r0, r1, r2 = xt.shape[1], xt.shape[2], xt.shape[3]
    b0, b1, b2 = before
    source, target = xt.reshape(-1), out.reshape(-1)
    target[:] = 0
    hi0, hi1, hi2 = min(x0, r0 - b0), min(x1, r1 - b1), min(x2, r2 - b2)
    step = np.uint64(n_count)
    for c in range(channels):
        for i0 in range(hi0):
            for i1 in range(hi1):
                line = ((c * r0 + i0 + b0) * r1 + i1 + b1) * r2 + b2
                for n in range(n_count):
                    write = np.uint64(((n * channels + c) * x0 + i0) * x1 + i1) * np.uint64(x2)
                    read = np.uint64(line * n_count + n)
                    for i2 in range(np.uint64(max(hi2, 0))):
                        target[write + i2] = source[read + step * i2]


@njit(cache=True, nogil=True)
def _batch_last(y, out):  # pragma: no cover - compiled
    """``out[o, p, n] = y[n, o, p]`` for ``y: (N, C, P)``."""
    for n in range(y.shape[0]):
        for o in range(y.shape[1]):
            for p in range(y.shape[2]):
                out[o, p, n] = y[n, o, p]


@njit(cache=True, nogil=True)
def _batch_first(yt, out):  # pragma: no cover - compiled
    """``out[n, o, p] = yt[o, p, n]``, the inverse of ``_batch_last``."""
    for n in range(out.shape[0]):
        for o in range(out.shape[1]):
            for p in range(out.shape[2]):
                out[n, o, p] = yt[o, p, n]


# ---- the sums -----------------------------------------------------------------------------
# Each takes xt: (C_in, R0, R1, R2, N) and yt: (C_out, Y0, Y1, Y2, N), flat, with their
# shapes; the tap loops step through flat offsets (unsigned, which spares Numba its
# negative-index test).


@njit(cache=True, nogil=True)
def _conv(xt, x_shape, w, stride, dilation, groups, yt, y_shape):  # pragma: no cover
    """``yt[o, p] = sum over (c, t) of w[o, c, t] * xt[c, s*p + d*t]``, yt zeroed."""
    r0, r1, r2, n = x_shape[1], x_shape[2], x_shape[3], x_shape[4]
    y0, y1, y2 = y_shape[1], y_shape[2], y_shape[3]
    c_out, c_group, k0, k1, k2 = w.shape
    f_group = c_out // groups
    s0, s1, s2 = stride
    d0, d1, d2 = dilation
    size = np.uint64(n)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for c in range(c_group):
            for t0 in range(k0):
                for t1 in range(k1):
                    for t2 in range(k2):
                        weight = w[o, c, t0, t1, t2]
                        for p0 in range(y0):
                            for p1 in range(y1):
                                row = ((first + c) * r0 + s0 * p0 + d0 * t0) * r1 + s1 * p1
                                row = (row + d1 * t1) * r2 + d2 * t2
                                out = ((o * y0 + p0) * y1 + p1) * y2
                                for p2 in range(y2):
                                    source = np.uint64((row + s2 * p2) * n)
                                    target = np.uint64((out + p2) * n)
                                    for b in range(size):
                                        yt[target + b] += weight * xt[source + b]


@njit(cache=True, nogil=True)
def _conv_transpose(yt, y_shape, w, stride, dilation, groups, xt, x_shape):  # pragma: no cover
    """``xt[c, s*p + d*t] += w[o, c, t] * yt[o, p]`` over (o, t, p) in order, xt zeroed."""
    r0, r1, r2, n = x_shape[1], x_shape[2], x_shape[3], x_shape[4]
    y0, y1, y2 = y_shape[1], y_shape[2], y_shape[3]
    c_out, c_group, k0, k1, k2 = w.shape
    f_group = c_out // groups
    s0, s1, s2 = stride
    d0, d1, d2 = dilation
    size = np.uint64(n)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for c in range(c_group):
            for t0 in range(k0):
                for t1 in range(k1):
                    for t2 in range(k2):
                        weight = w[o, c, t0, t1, t2]
                        for p0 in range(y0):
                            for p1 in range(y1):
                                row = ((first + c) * r0 + s0 * p0 + d0 * t0) * r1 + s1 * p1
                                row = (row + d1 * t1) * r2 + d2 * t2
                                out = ((o * y0 + p0) * y1 + p1) * y2
                                for p2 in range(y2):
                                    target = np.uint64((row + s2 * p2) * n)
                                    source = np.uint64((out + p2) * n)
                                    for b in range(size):
                                        xt[target + b] += weight * yt[source + b]


@njit(cache=True, nogil=True)
def _weight_grad(xt, x_shape, yt, y_shape, stride, dilation, groups, w):  # pragma: no cover
    """``w[o, c, t] = sum over n of (sum over p of xt[c, s*p + d*t, n] * yt[o, p, n])``."""
    r0, r1, r2, n = x_shape[1], x_shape[2], x_shape[3], x_shape[4]
    y0, y1, y2 = y_shape[1], y_shape[2], y_shape[3]
    c_out, c_group, k0, k1, k2 = w.shape
    f_group = c_out // groups
    s0, s1, s2 = stride
    d0, d1, d2 = dilation
    size = np.uint64(n)
    partial = np.empty(n, w.dtype)
    for o in range(c_out):
        first = (o // f_group) * c_group
        for c in range(c_group):
            for t0 in range(k0):
                for t1 in range(k1):
                    for t2 in range(k2):
                        partial[:] = 0
                        for p0 in range(y0):
                            for p1 in range(y1):
                                row = ((first + c) * r0 + s0 * p0 + d0 * t0) * r1 + s1 * p1
                                row = (row + d1 * t1) * r2 + d2 * t2
                                out = ((o * y0 + p0) * y1 + p1) * y2
                                for p2 in range(y2):
                                    source = np.uint64((row + s2 * p2) * n)
                                    target = np.uint64((out + p2) * n)
                                    for b in range(size):
                                        partial[b] += xt[source + b] * yt[target + b]
                        total = w.dtype.type(0)
                        for b in range(n):
                            total += partial[b]
                        w[o, c, t0, t1, t2] = total


# ---- the four kernels ---------------------------------------------------------------------


def _padded_x(x: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The batch-last x with its zero padding, ``(C_in, *reach, N)``."""
    xt = np.zeros((x.shape[1], *_reach(geometry), x.shape[0]), x.dtype)
    _x_batch_last(np.ascontiguousarray(x), geometry.before, xt)
    return xt


def _y_batch_last(y: np.ndarray) -> np.ndarray:
    """The batch-last y, ``(C_out, *L_y, N)``."""
    n, c = y.shape[:2]
    yt = np.empty((c, *y.shape[2:], n), y.dtype)
    _batch_last(np.ascontiguousarray(y).reshape(n, c, -1), yt.reshape(c, -1, n))
    return yt


def _check(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.dtype in DTYPES, (a.dtype, b.dtype)
    assert a.ndim == 5 and b.ndim == 5, (a.shape, b.shape)


def _conv_of(xt: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The sums of ``conv_valid`` from the padded, batch-last x: ``(N, C_out, *L_y)``."""
    n, c_out = xt.shape[-1], w.shape[0]
    yt = np.zeros((c_out, *geometry.y_size, n), xt.dtype)
    with np.errstate(all="ignore"):
        _conv(xt.reshape(-1), xt.shape, np.ascontiguousarray(w), geometry.stride,
              geometry.dilation, geometry.groups, yt.reshape(-1), yt.shape)  # fmt: skip
    y = np.empty((n, c_out, *geometry.y_size), xt.dtype)
    _batch_first(yt.reshape(c_out, -1, n), y.reshape(n, c_out, -1))
    return y


def conv_valid(x: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Cross-correlation, ``x: (N, C_in, *L_x) -> y: (N, C_out, *L_y)``, as
    ``minigrad.kernels.conv.conv_valid``: the sums with the batch innermost.
    """
    _check(x, w)
    return _conv_of(_padded_x(x, geometry), w, geometry)


def conv_transpose_valid(y: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in x, ``y: (N, C_out, *L_y) -> x: (N, C_in, *L_x)``,
    as ``minigrad.kernels.conv.conv_transpose_valid``: the taps added into the padded,
    batch-last x, whose border is then dropped.
    """
    _check(y, w)
    n = y.shape[0]
    c_in = w.shape[1] * geometry.groups
    yt = _y_batch_last(y)
    xt = np.zeros((c_in, *_reach(geometry), n), y.dtype)
    with np.errstate(all="ignore"):
        _conv_transpose(yt.reshape(-1), yt.shape, np.ascontiguousarray(w), geometry.stride,
                        geometry.dilation, geometry.groups, xt.reshape(-1), xt.shape)  # fmt: skip
    x = np.empty((n, c_in, *geometry.x_size), y.dtype)
    _x_batch_first(xt, geometry.before, x)
    return x


def _weight_grad_of(xt: np.ndarray, y: np.ndarray, geometry: Geometry) -> np.ndarray:
    yt = _y_batch_last(y)
    c_group = xt.shape[0] // geometry.groups
    w = np.empty((y.shape[1], c_group, *geometry.kernel_size), y.dtype)
    with np.errstate(all="ignore"):
        _weight_grad(xt.reshape(-1), xt.shape, yt.reshape(-1), yt.shape, geometry.stride,
                     geometry.dilation, geometry.groups, w)  # fmt: skip
    return w


def conv_weight_grad(x: np.ndarray, y: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in w, ``x, y -> w: (C_out, C_in/g, *k)``, as
    ``minigrad.kernels.conv.conv_weight_grad``.
    """
    _check(x, y)
    return _weight_grad_of(_padded_x(x, geometry), y, geometry)


def conv_and_weight_grad(
    x: np.ndarray, w: np.ndarray, y: np.ndarray, geometry: Geometry
) -> tuple[np.ndarray, np.ndarray]:
    """``(conv_valid(x, w), conv_weight_grad(x, y))``, as
    ``minigrad.kernels.conv.conv_and_weight_grad``: the padded x is laid out once for
    both, and each result has the bits of its own kernel.
    """
    _check(x, w)
    _check(x, y)
    xt = _padded_x(x, geometry)
    return _conv_of(xt, w, geometry), _weight_grad_of(xt, y, geometry)
