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

Determinism: in the Numba loops each output element is owned by one ``prange``
iteration and summed in a fixed order (im2col is a pure gather; col2im gives each
``(n, c)`` plane of x to one iteration, which adds the taps in lexicographic order),
so NUMBA_NUM_THREADS never changes a bit. The GEMM's summation order is OpenBLAS's:
fixed for a given BLAS thread count, and independent of NUMBA_NUM_THREADS (the tests
compare outputs bitwise across Numba thread counts).
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
        out = cols[row]
        for b in range(n):
            plane = x[b, c]
            column = b * positions
            for p0 in range(y0):
                for p1 in range(y1):
                    # 1-d views keep the innermost loop free of 5-d index arithmetic.
                    line = plane[s0 * p0 + d0 * t0, s1 * p1 + d1 * t1]
                    for p2 in range(y2):
                        out[column + p2] = line[s2 * p2 + d2 * t2]
                    column += y2
    return cols


@njit(cache=True, parallel=True)
def _col2im(cols, n, c_in, x_size, kernel, stride, dilation, y_size):  # pragma: no cover
    """The adjoint of ``_im2col``: ``x[n, c, s*p + d*t] += cols[c * K + t, n * P + p]``.

    Each ``(n, c)`` plane of x is owned by one ``prange`` iteration, which adds the
    taps in lexicographic order. So every x element is the gather
    ``0 + sum over the taps that land on it``, taken in tap order, whatever the thread
    count: no element is written by two threads, and its sum order is fixed. Walking
    taps outside and positions inside reads each column row once, contiguously.
    """
    k0, k1, k2 = kernel
    s0, s1, s2 = stride
    d0, d1, d2 = dilation
    y0, y1, y2 = y_size
    taps = k0 * k1 * k2
    positions = y0 * y1 * y2
    x = np.zeros((n, c_in, x_size[0], x_size[1], x_size[2]), cols.dtype)
    for job in prange(n * c_in):
        b = job // c_in
        c = job % c_in
        plane = x[b, c]
        for t in range(taps):
            t0 = t // (k1 * k2)
            t1 = (t // k2) % k1
            t2 = t % k2
            row = cols[c * taps + t, b * positions : (b + 1) * positions]
            column = 0
            for p0 in range(y0):
                q0 = s0 * p0 + d0 * t0
                for p1 in range(y1):
                    line = plane[q0, s1 * p1 + d1 * t1]
                    for p2 in range(y2):
                        line[s2 * p2 + d2 * t2] += row[column]
                        column += 1
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
