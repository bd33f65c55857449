"""Fast convolution kernels: im2col / GEMM / col2im, with the GEMM in numpy's BLAS.

Same signatures and semantics as the loop twins in :mod:`minigrad.kernels.reference`;
every array is 3-d in space, ``x: (N, C_in, *L_x)``, ``w: (C_out, C_in/g, *k)``,
``y: (N, C_out, *L_y)``, and ``K = prod(k)``, ``P = prod(L_y)``.

One column matrix links the three kernels. Row ``(c, t)`` and column ``(n, p)`` of

    cols[c * K + t, n * P + p] = x[n, c, s*p + d*t]          (C_in * K, N * P)

hold the input value that tap ``t`` of output position ``p`` reads. Then, per group,

- ``conv_valid``:           y_g = w_g @ cols_g               (im2col, then one GEMM)
- ``conv_transpose_valid``: cols_g = w_g^T @ y_g, then x     (one GEMM, then col2im)
- ``conv_weight_grad``:     w_g = y_g @ cols_g^T             (im2col, then one GEMM)

with the batch folded into the GEMM's columns, so a layer costs one BLAS call per
group rather than one per sample. ``y_g`` is ``y`` laid out as ``(C_out, N * P)``.

Determinism: the Numba loops are gathers. Each output element is owned by one
``prange`` iteration and summed in a fixed order (col2im walks the taps that land on
a valid output position, in lexicographic order), so NUMBA_NUM_THREADS never changes
a bit. The GEMM's summation order is OpenBLAS's, fixed for a given BLAS thread count;
OpenBLAS splits GEMM work over rows and columns, not over the summed dimension, so in
practice its bits do not depend on the BLAS thread count either (tests check both).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

Triple = tuple[int, int, int]


def _triple(values: tuple[int, ...]) -> Triple:
    # Plain Python ints keep Numba to one compiled signature per dtype.
    a, b, c = (int(v) for v in values)
    return (a, b, c)


def _contiguous(array: np.ndarray) -> np.ndarray:
    assert array.dtype in (np.float32, np.float64), array.dtype
    assert array.ndim == 5, array.shape
    return np.ascontiguousarray(array)


@njit(cache=True)
def _taps_onto(x_len, y_len, k, s, d):  # pragma: no cover - compiled
    """For each x position q, the taps t (and their y position p) with s*p + d*t = q.

    Returns ``count (x_len,)``, ``tap (x_len, k)``, ``pos (x_len, k)``; entries past
    ``count[q]`` are unused. Taps are listed in increasing order.
    """
    count = np.zeros(x_len, np.int64)
    tap = np.zeros((x_len, k), np.int64)
    pos = np.zeros((x_len, k), np.int64)
    for q in range(x_len):
        for t in range(k):
            r = q - d * t
            if r >= 0 and r % s == 0 and r // s < y_len:
                tap[q, count[q]] = t
                pos[q, count[q]] = r // s
                count[q] += 1
    return count, tap, pos


@njit(cache=True, parallel=True)
def _im2col(x, kernel, stride, dilation, y_size):  # pragma: no cover - compiled
    """``cols[c * K + t, n * P + p] = x[n, c, s*p + d*t]``: one gathered row per (c, t)."""
    n, c_in = x.shape[0], x.shape[1]
    k0, k1, k2 = kernel
    s0, s1, s2 = stride
    d0, d1, d2 = dilation
    y0, y1, y2 = y_size
    taps = k0 * k1 * k2
    positions = y0 * y1 * y2
    cols = np.empty((c_in * taps, n * positions), x.dtype)
    for row in prange(c_in * taps):
        c = row // taps
        t = row % taps
        t0 = t // (k1 * k2)
        t1 = (t // k2) % k1
        t2 = t % k2
        for b in range(n):
            column = b * positions
            for p0 in range(y0):
                i0 = s0 * p0 + d0 * t0
                for p1 in range(y1):
                    i1 = s1 * p1 + d1 * t1
                    for p2 in range(y2):
                        cols[row, column] = x[b, c, i0, i1, s2 * p2 + d2 * t2]
                        column += 1
    return cols


@njit(cache=True, parallel=True)
def _col2im(cols, n, c_in, x_size, kernel, stride, dilation, y_size):  # pragma: no cover
    """The adjoint of ``_im2col``, as a gather: each x element sums, in tap order, the
    column entries of the taps that land on it.
    """
    k0, k1, k2 = kernel
    y0, y1, y2 = y_size
    x0, x1, x2 = x_size
    count0, tap0, pos0 = _taps_onto(x0, y0, k0, stride[0], dilation[0])
    count1, tap1, pos1 = _taps_onto(x1, y1, k1, stride[1], dilation[1])
    count2, tap2, pos2 = _taps_onto(x2, y2, k2, stride[2], dilation[2])
    taps = k0 * k1 * k2
    positions = y0 * y1 * y2
    x = np.empty((n, c_in, x0, x1, x2), cols.dtype)
    zero = cols.dtype.type(0)
    for job in prange(n * c_in):
        b = job // c_in
        c = job % c_in
        first_row = c * taps
        first_column = b * positions
        for q0 in range(x0):
            for q1 in range(x1):
                for q2 in range(x2):
                    total = zero
                    for j0 in range(count0[q0]):
                        row0 = tap0[q0, j0] * k1
                        column0 = pos0[q0, j0] * y1
                        for j1 in range(count1[q1]):
                            row1 = first_row + (row0 + tap1[q1, j1]) * k2
                            column1 = first_column + (column0 + pos1[q1, j1]) * y2
                            for j2 in range(count2[q2]):
                                total += cols[row1 + tap2[q2, j2], column1 + pos2[q2, j2]]
                    x[b, c, q0, q1, q2] = total
    return x


def _channels_first(y: np.ndarray) -> np.ndarray:
    """``(N, C, *L) -> (C, N * P)``: the batch joins the GEMM's columns."""
    n, c = y.shape[:2]
    return np.ascontiguousarray(y.reshape(n, c, -1).transpose(1, 0, 2)).reshape(c, -1)


def conv_valid(
    x: np.ndarray, w: np.ndarray, stride: Triple, dilation: Triple, groups: int, out_size: Triple
) -> np.ndarray:
    """Cross-correlation without padding, ``x: (N, C_in, *L_x) -> y: (N, C_out, *L_y)``.

    ``y[n, o, p] = sum_{c, t} x[n, group(o) c, s*p + d*t] * w[o, c, t]``; exactly
    ``L_y = out_size`` positions are computed.

    >>> x = np.ones((1, 1, 1, 1, 4), np.float32)
    >>> w = np.ones((1, 1, 1, 1, 2), np.float32)
    >>> conv_valid(x, w, (1, 1, 1), (1, 1, 1), 1, (1, 1, 3)).ravel()
    array([2., 2., 2.], dtype=float32)
    """
    x, w = _contiguous(x), _contiguous(w)
    assert x.dtype == w.dtype, (x.dtype, w.dtype)
    n = x.shape[0]
    c_out, c_group = w.shape[:2]
    kernel, out_size = _triple(w.shape[2:]), _triple(out_size)
    f_group = c_out // groups
    cols = _im2col(x, kernel, _triple(stride), _triple(dilation), out_size)
    cols = cols.reshape(groups, c_group * int(np.prod(kernel)), -1)
    weight = w.reshape(groups, f_group, -1)
    y = np.empty((c_out, cols.shape[2]), x.dtype)
    for g in range(groups):
        np.dot(weight[g], cols[g], out=y[g * f_group : (g + 1) * f_group])
    y = y.reshape(c_out, n, *out_size).transpose(1, 0, 2, 3, 4)
    return np.ascontiguousarray(y)


def conv_transpose_valid(
    y: np.ndarray, w: np.ndarray, stride: Triple, dilation: Triple, groups: int, in_size: Triple
) -> np.ndarray:
    """The adjoint of ``conv_valid`` in x, ``y: (N, C_out, *L_y) -> x: (N, C_in, *L_x)``.

    ``<conv_valid(x, w), y> == <x, conv_transpose_valid(y, w)>``; ``L_x = in_size`` is
    given, and positions no tap reaches are zero.

    >>> y = np.ones((1, 1, 1, 1, 3), np.float32)
    >>> w = np.ones((1, 1, 1, 1, 2), np.float32)
    >>> conv_transpose_valid(y, w, (1, 1, 1), (1, 1, 1), 1, (1, 1, 4)).ravel()
    array([1., 2., 2., 1.], dtype=float32)
    """
    y, w = _contiguous(y), _contiguous(w)
    assert y.dtype == w.dtype, (y.dtype, w.dtype)
    n = y.shape[0]
    c_out, c_group = w.shape[:2]
    kernel = _triple(w.shape[2:])
    f_group = c_out // groups
    rows = c_group * int(np.prod(kernel))
    grad_columns = _channels_first(y)
    weight = w.reshape(groups, f_group, rows)
    cols = np.empty((groups * rows, grad_columns.shape[1]), y.dtype)
    for g in range(groups):
        block = grad_columns[g * f_group : (g + 1) * f_group]
        np.dot(weight[g].T, block, out=cols[g * rows : (g + 1) * rows])
    return _col2im(
        cols,
        n,
        c_group * groups,
        _triple(in_size),
        kernel,
        _triple(stride),
        _triple(dilation),
        _triple(y.shape[2:]),
    )


def conv_weight_grad(
    x: np.ndarray,
    y: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    kernel_size: Triple,
) -> np.ndarray:
    """The adjoint of ``conv_valid`` in w, ``x, y -> w: (C_out, C_in/g, *k)``.

    ``<conv_valid(x, w), y> == <w, conv_weight_grad(x, y)>``.

    >>> x = np.arange(4, dtype=np.float64).reshape(1, 1, 1, 1, 4)
    >>> y = np.ones((1, 1, 1, 1, 3))
    >>> conv_weight_grad(x, y, (1, 1, 1), (1, 1, 1), 1, (1, 1, 2)).ravel()
    array([3., 6.])
    """
    x, y = _contiguous(x), _contiguous(y)
    assert x.dtype == y.dtype, (x.dtype, y.dtype)
    c_in, c_out = x.shape[1], y.shape[1]
    c_group, f_group = c_in // groups, c_out // groups
    kernel = _triple(kernel_size)
    cols = _im2col(x, kernel, _triple(stride), _triple(dilation), _triple(y.shape[2:]))
    cols = cols.reshape(groups, c_group * int(np.prod(kernel)), -1)
    grad_columns = _channels_first(y)
    w = np.empty((c_out, cols.shape[1]), x.dtype)
    for g in range(groups):
        block = grad_columns[g * f_group : (g + 1) * f_group]
        np.dot(block, cols[g].T, out=w[g * f_group : (g + 1) * f_group])
    return w.reshape(c_out, c_group, *kernel)
