"""The 3x3 Winograd path: F(2x2, 3x3) for stride-1 3x3 layers, the small models' workhorse.

The four kernels of ``minigrad.kernels.conv`` for ``groups == 1``, stride 1, dilation 1
and a ``(1, 3, 3)`` kernel (a 2-d 3x3 convolution), with the same results up to
rounding. Per dim, F(2, 3) gives two outputs of a 3-tap correlation ``out[a] = sum_j
d[a + j] g[j]`` from a window ``(d0, d1, d2, d3)`` with four products instead of six:

    B^T d = (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    G g   = (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2)
    out   = A^T m = (m0 + m1 + m2, m1 - m2 - m3),    m = (G g) * (B^T d)

and in 2-d, on a 4x4 window and a 2x2 tile of outputs, ``Y = A^T [(G g G^T) * (B^T d
B)] A``: 16 products per tile instead of 36. Over channels each of the 16 points is a
GEMM, ``(C_out, C_in) @ (C_in, tiles * N)``. Windows step by two and overlap by two;
tiles past the output's end read zeros and their outputs are cut off. The other
kernels are the adjoints, run in reverse through the same maps:

    conv_valid:            y = A^T [U (B^T x B)] A,       U = G w G^T per channel pair
    conv_transpose_valid:  x = B [U^T (A y A^T)] B^T, added where windows overlap
    conv_weight_grad:      w = G^T [sum over tiles of (A y A^T) (B^T x B)^T] G

On the small images of the examples (4x4 and 8x8, 32 to 64 channels) the 16 narrow
GEMMs run at the BLAS's full speed, and the layer needs neither im2col's column
matrix, nine times x, nor its scatter back (``takes`` says which layers come here).

Rounding and non-finite values: the transforms add, subtract and halve, so results
stay within a few ulps of the direct sums' on the scale of the operands. One inf
becomes NaN in every output its window touches, and values near the dtype's limit
overflow where the direct sums do not; with ``checked`` (as the dispatch calls them)
the kernels return None for a result whose sum of squares is not finite, and
``minigrad.kernels.conv`` recomputes it on the im2col path, with the direct sums.

Determinism: batch blocks depend on the shapes only, each transform writes each
element once (the adjoint adds a sample's windows in a fixed order), each block's
GEMMs are single-threaded BLAS calls whichever thread runs them, and the weight
gradient's block partials are added in block order.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from minigrad.kernels import _threads
from minigrad.kernels._threads import one_blas_thread, quiet, run_per_block, split

if TYPE_CHECKING:
    from minigrad.kernels.conv.geometry import Geometry

# Both channel counts at least this: the points' GEMMs are (C_out, C_in) by (C_in, ...),
# and narrower ones run far below the BLAS's speed.
MIN_CHANNELS = 16
# Direct multiply-adds at least this (the benchmark models' 3x3 layers have 4.7 M and
# more); below, the fixed costs of 16 GEMM calls are not paid back.
MIN_WORK = 1_000_000
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Bytes of transformed arrays (windows and products) per batch block, and the fewest
# tiles (GEMM columns) a block has: 4 MB blocks, or 512 columns, ran 1.4-1.7x slower on
# 8x8 and 16x16 layers (their points' blocks no longer in cache for the GEMMs).
BLOCK_BYTES = 1 << 20
MIN_COLUMNS = 128
POINTS = 16
# The points' blocks of a transformed array start this many bytes past a multiple of
# their size: blocks a multiple of 4 KB apart fall in the same cache sets, and the
# transforms, which write or read all 16 at once, then ran 2-3x slower.
SKEW_BYTES = 64
# Scratch buffers up to this size stay allocated between kernel calls, per thread: a
# fresh buffer of a few hundred KB page-faults on every page (under a VM, as long as a
# small layer's arithmetic).
SCRATCH_LIMIT = 32 << 20
_local = threading.local()


def _buffer(name: str, size: int, dtype: np.dtype) -> np.ndarray:
    """A flat scratch buffer of ``size`` elements, this thread's ``name`` buffer when it
    is small enough to keep (grown as needed), else a fresh one.
    """
    dtype = np.dtype(dtype)
    if size * dtype.itemsize > SCRATCH_LIMIT:
        return np.empty(size, dtype)
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    key = (name, dtype.char)
    buffer = buffers.get(key)
    if buffer is None or buffer.size < size:
        buffer = buffers[key] = np.empty(size, dtype)
    return buffer[:size]


def takes(geometry: Geometry, n: int, c_out: int, c_in: int, dtype: np.dtype) -> bool:
    """Whether the kernels of this geometry run here, for batch n, w: ``(C_out, C_in,
    1, 3, 3)`` and this dtype: one rule for all four kernels, which are each other's
    adjoints with GEMMs of the same sizes.

    >>> from minigrad.kernels.conv.geometry import Geometry
    >>> layer = Geometry((1, 1, 1), (1, 1, 1), (1, 3, 3), 1, (1, 4, 4), (1, 4, 4),
    ...                  ((0, 0), (1, 1), (1, 1)))
    >>> takes(layer, 32, 32, 32, np.float32), takes(layer, 32, 32, 8, np.float32)
    (True, False)
    """
    if geometry.kernel_size != (1, 3, 3) or geometry.stride != (1, 1, 1):
        return False
    if geometry.groups != 1 or geometry.dilation != (1, 1, 1):
        return False
    work = _work(n, c_out, c_in, geometry)
    return work >= MIN_WORK and min(c_out, c_in) >= MIN_CHANNELS and np.dtype(dtype) in DTYPES


def _finite(result: np.ndarray) -> bool:
    """Whether the sum of the squares of ``result`` is finite (see the module docstring)."""
    flat = result.reshape(-1)
    return bool(np.isfinite(np.dot(flat, flat)))


@njit(cache=True, nogil=True)
def _weights_in(w, u):  # pragma: no cover
    """``u[4 i + j, o, c] = (G w[o, c] G^T)[i, j]`` for w: ``(C_out, C_in, 1, 3, 3)`` and
    u: ``(16, C_out, C_in)``, both C-contiguous. Each pair's 16 values are made in a
    small buffer, then written out point by point: u's 16 rows of one pair lie
    ``C_out C_in`` apart, often a multiple of 4 KB (the same cache sets).
    """
    half = w.dtype.type(0.5)
    pairs = w.shape[0] * w.shape[1]
    taps = w.reshape(-1)
    out = u.reshape(-1)
    by_pair = np.empty(pairs * 16, w.dtype)
    rows = np.empty(12, w.dtype)
    for k in range(pairs):
        at = np.uint64(9 * k)
        for b in range(3):
            g0 = taps[at + np.uint64(b)]
            g1 = taps[at + np.uint64(3 + b)]
            g2 = taps[at + np.uint64(6 + b)]
            rows[b] = g0
            rows[3 + b] = (g0 + g1 + g2) * half
            rows[6 + b] = (g0 - g1 + g2) * half
            rows[9 + b] = g2
        to = np.uint64(16 * k)
        for i in range(4):
            g0, g1, g2 = rows[3 * i], rows[3 * i + 1], rows[3 * i + 2]
            by_pair[to + np.uint64(4 * i)] = g0
            by_pair[to + np.uint64(4 * i + 1)] = (g0 + g1 + g2) * half
            by_pair[to + np.uint64(4 * i + 2)] = (g0 - g1 + g2) * half
            by_pair[to + np.uint64(4 * i + 3)] = g2
    for p in range(16):
        row = np.uint64(p * pairs)
        for k in range(pairs):
            out[row + np.uint64(k)] = by_pair[np.uint64(16 * k + p)]


@njit(cache=True, nogil=True)
def _weights_out(p, w):  # pragma: no cover
    """The adjoint of ``_weights_in``: ``w[o, c] = G^T P G`` with ``P[i, j] = p[4 i + j,
    o, c]``, for p: ``(16, C_out, C_in)`` and w: ``(C_out, C_in, 1, 3, 3)``, both
    C-contiguous; p is first gathered pair by pair (see ``_weights_in``).
    """
    half = w.dtype.type(0.5)
    pairs = w.shape[0] * w.shape[1]
    points = p.reshape(-1)
    taps = w.reshape(-1)
    by_pair = np.empty(pairs * 16, w.dtype)
    for q in range(16):
        row = np.uint64(q * pairs)
        for k in range(pairs):
            by_pair[np.uint64(16 * k + q)] = points[row + np.uint64(k)]
    rows = np.empty(12, w.dtype)
    for k in range(pairs):
        at = np.uint64(16 * k)
        for j in range(4):
            p0 = by_pair[at + np.uint64(j)]
            p1 = by_pair[at + np.uint64(4 + j)]
            p2 = by_pair[at + np.uint64(8 + j)]
            p3 = by_pair[at + np.uint64(12 + j)]
            rows[j] = p0 + (p1 + p2) * half
            rows[4 + j] = (p1 - p2) * half
            rows[8 + j] = (p1 + p2) * half + p3
        to = np.uint64(9 * k)
        for a in range(3):
            p0, p1, p2, p3 = rows[4 * a], rows[4 * a + 1], rows[4 * a + 2], rows[4 * a + 3]
            taps[to + np.uint64(3 * a)] = p0 + (p1 + p2) * half
            taps[to + np.uint64(3 * a + 1)] = (p1 - p2) * half
            taps[to + np.uint64(3 * a + 2)] = (p1 + p2) * half + p3


@njit(cache=True, nogil=True)
def _inside(before, size, padded):  # pragma: no cover
    """The padded positions ``[lo, hi)`` that fall inside x (``i - before`` in ``[0,
    size)``).
    """
    lo = min(padded, max(0, before))
    hi = max(lo, min(padded, before + size))
    return lo, hi


@njit(cache=True, nogil=True)
def _offsets(wp):  # pragma: no cover
    """A window's 16 positions in a padded plane of width wp, in point order."""
    at = np.empty(16, np.uint64)
    for k in range(16):
        at[k] = (k // 4) * wp + k % 4
    return at


@njit(cache=True, nogil=True)
def _windows(x, before0, before1, t0n, t1n, v):  # pragma: no cover
    """``(B^T d B)[i, j]`` into ``v[4 i + j, c * N T0 T1 + (n T0 + a) T1 + b]`` (v: ``(16,
    >= C N T0 T1)``, a row per point) for the 4x4 window d of x[n, c] at rows ``2a -
    before0 ..`` and columns ``2b - before1 ..``, zero outside x. A channel at a time:
    each plane is copied into a padded buffer (its border zeroed once), the windows'
    16 offsets gathered into rows over every (sample, tile), and both passes of ``B^T``
    run along those rows, loops that vectorise.
    """
    n_count, channels, h, width = x.shape[0], x.shape[1], x.shape[3], x.shape[4]
    hp, wp = 2 * t0n + 2, 2 * t1n + 2
    lo0, hi0 = _inside(before0, h, hp)
    lo1, hi1 = _inside(before1, width, wp)
    flat = x.reshape(-1)
    plane = np.zeros(hp * wp, x.dtype)
    cols = n_count * t0n * t1n
    d = np.empty((16, cols), x.dtype)
    e = np.empty((16, cols), x.dtype)
    at = _offsets(wp)
    gathered = d.reshape(-1)
    for c in range(channels):
        column = np.uint64(0)
        for n in range(n_count):
            source = (n * channels + c) * h * width
            for i in range(lo0, hi0):
                line = np.uint64(source + (i - before0) * width - before1)
                row = np.uint64(i * wp)
                for j in range(np.uint64(lo1), np.uint64(hi1)):
                    plane[row + j] = flat[line + j]
            for a in range(t0n):
                for b in range(t1n):
                    corner = np.uint64(2 * a * wp + 2 * b)
                    for k in range(16):
                        gathered[np.uint64(k * cols) + column] = plane[corner + at[k]]
                    column += np.uint64(1)
        for j in range(4):
            for k in range(cols):
                d0, d1, d2, d3 = d[j, k], d[4 + j, k], d[8 + j, k], d[12 + j, k]
                e[j, k] = d0 - d2
                e[4 + j, k] = d1 + d2
                e[8 + j, k] = d2 - d1
                e[12 + j, k] = d1 - d3
        base = c * cols
        for i in range(4):
            for k in range(cols):
                d0, d1, d2, d3 = e[4 * i, k], e[4 * i + 1, k], e[4 * i + 2, k], e[4 * i + 3, k]
                v[4 * i, base + k] = d0 - d2
                v[4 * i + 1, base + k] = d1 + d2
                v[4 * i + 2, base + k] = d2 - d1
                v[4 * i + 3, base + k] = d1 - d3


@njit(cache=True, nogil=True)
def _windows_adjoint(q, before0, before1, t0n, t1n, x):  # pragma: no cover
    """The adjoint of ``_windows``, writing all of x: both passes of ``B`` along the rows
    of q (laid out as ``_windows``' v), then each window added into a zeroed padded
    plane, tiles in order, and the plane's inside copied into x[n, c] (zero where no
    window reaches).
    """
    n_count, channels, h, width = x.shape[0], x.shape[1], x.shape[3], x.shape[4]
    hp, wp = 2 * t0n + 2, 2 * t1n + 2
    lo0, hi0 = _inside(before0, h, hp)
    lo1, hi1 = _inside(before1, width, wp)
    flat = x.reshape(-1)
    plane = np.empty(hp * wp, x.dtype)
    zero = x.dtype.type(0)
    cols = n_count * t0n * t1n
    d = np.empty((16, cols), x.dtype)
    e = np.empty((16, cols), x.dtype)
    at = _offsets(wp)
    spread = e.reshape(-1)
    for c in range(channels):
        base = c * cols
        for j in range(4):
            for k in range(cols):
                q0, q1 = q[j, base + k], q[4 + j, base + k]
                q2, q3 = q[8 + j, base + k], q[12 + j, base + k]
                d[j, k] = q0
                d[4 + j, k] = q1 - q2 + q3
                d[8 + j, k] = q1 + q2 - q0
                d[12 + j, k] = -q3
        for i in range(4):
            for k in range(cols):
                q0, q1, q2, q3 = d[4 * i, k], d[4 * i + 1, k], d[4 * i + 2, k], d[4 * i + 3, k]
                e[4 * i, k] = q0
                e[4 * i + 1, k] = q1 - q2 + q3
                e[4 * i + 2, k] = q1 + q2 - q0
                e[4 * i + 3, k] = -q3
        column = np.uint64(0)
        for n in range(n_count):
            for k in range(hp * wp):
                plane[k] = zero
            for a in range(t0n):
                for b in range(t1n):
                    corner = np.uint64(2 * a * wp + 2 * b)
                    for k in range(16):
                        plane[corner + at[k]] += spread[np.uint64(k * cols) + column]
                    column += np.uint64(1)
            # Every x position is at least ``before`` into the plane; those past its
            # end are zero.
            for r in range(h):
                line = np.uint64(((n * channels + c) * h + r) * width)
                i = r + before0
                if i >= hi0:
                    for s in range(np.uint64(width)):
                        flat[line + s] = zero
                    continue
                row = np.uint64(i * wp + before1)
                inside = np.uint64(max(0, hi1 - before1))
                for s in range(np.uint64(width)):
                    flat[line + s] = plane[row + s] if s < inside else zero


@njit(cache=True, nogil=True)
def _tiles_out(m, t0n, t1n, y):  # pragma: no cover
    """``y[n, o]``'s tile (a, b) as ``A^T M A``, with ``M[i, j]`` from ``m[4 i + j]``
    (laid out as ``_windows``' v), its outputs past y's end cut off: both passes
    along the rows of m, then each tile's four outputs written.
    """
    n_count, channels, h, width = y.shape[0], y.shape[1], y.shape[3], y.shape[4]
    flat = y.reshape(-1)
    cols = n_count * t0n * t1n
    r = np.empty((8, cols), y.dtype)
    out = np.empty((4, cols), y.dtype)
    results = out.reshape(-1)
    for o in range(channels):
        base = o * cols
        for j in range(4):
            for k in range(cols):
                m0, m1 = m[j, base + k], m[4 + j, base + k]
                m2, m3 = m[8 + j, base + k], m[12 + j, base + k]
                r[j, k] = m0 + m1 + m2
                r[4 + j, k] = m1 - m2 - m3
        for i in range(2):
            for k in range(cols):
                m0, m1, m2, m3 = r[4 * i, k], r[4 * i + 1, k], r[4 * i + 2, k], r[4 * i + 3, k]
                out[2 * i, k] = m0 + m1 + m2
                out[2 * i + 1, k] = m1 - m2 - m3
        column = np.uint64(0)
        for n in range(n_count):
            target = (n * channels + o) * h * width
            for a in range(t0n):
                for b in range(t1n):
                    for k in range(4):
                        p, q = 2 * a + k // 2, 2 * b + k % 2
                        if p < h and q < width:
                            at = np.uint64(target + p * width + q)
                            flat[at] = results[np.uint64(k * cols) + column]
                    column += np.uint64(1)


@njit(cache=True, nogil=True)
def _tiles_in(y, t0n, t1n, g):  # pragma: no cover
    """The adjoint of ``_tiles_out``: ``(A T A^T)[i, j]`` into ``g[4 i + j]`` (laid out as
    ``_windows``' v) for y[n, o]'s tile T (a, b), zeros past y's end.
    """
    n_count, channels, h, width = y.shape[0], y.shape[1], y.shape[3], y.shape[4]
    flat = y.reshape(-1)
    zero = y.dtype.type(0)
    cols = n_count * t0n * t1n
    t = np.empty((4, cols), y.dtype)
    z = np.empty((8, cols), y.dtype)
    tile = t.reshape(-1)
    for o in range(channels):
        column = np.uint64(0)
        for n in range(n_count):
            source = (n * channels + o) * h * width
            for a in range(t0n):
                for b in range(t1n):
                    for k in range(4):
                        p, q = 2 * a + k // 2, 2 * b + k % 2
                        at = np.uint64(k * cols) + column
                        if p < h and q < width:
                            tile[at] = flat[np.uint64(source + p * width + q)]
                        else:
                            tile[at] = zero
                    column += np.uint64(1)
        for s in range(2):
            for k in range(cols):
                t0, t1 = t[s, k], t[2 + s, k]
                z[s, k] = t0
                z[2 + s, k] = t0 + t1
                z[4 + s, k] = t0 - t1
                z[6 + s, k] = -t1
        base = o * cols
        for i in range(4):
            for k in range(cols):
                t0, t1 = z[2 * i, k], z[2 * i + 1, k]
                g[4 * i, base + k] = t0
                g[4 * i + 1, base + k] = t0 + t1
                g[4 * i + 2, base + k] = t0 - t1
                g[4 * i + 3, base + k] = -t1


class _Stack:
    """An empty ``(16, rows, columns)`` array (``view``) over this thread's scratch buffer
    ``name``, each point's block C-contiguous, blocks SKEW_BYTES further apart than
    their size; ``rows`` is the same buffer with a row per point, as the transforms
    read and write it.
    """

    def __init__(self, name: str, rows: int, columns: int, dtype: np.dtype) -> None:
        itemsize = np.dtype(dtype).itemsize
        stride = rows * columns + SKEW_BYTES // itemsize
        self.rows = _buffer(name, POINTS * stride, dtype).reshape(POINTS, stride)
        strides = (stride * itemsize, columns * itemsize, itemsize)
        self.view = np.lib.stride_tricks.as_strided(self.rows, (POINTS, rows, columns), strides)


def _product(left: np.ndarray, right: _Stack) -> _Stack:
    """The 16 points' GEMMs ``left[p] @ right[p]``, into the ``products`` stack."""
    out = _Stack("products", left.shape[1], right.view.shape[2], left.dtype)
    np.matmul(left, right.view, out=out.view)
    return out


def _tiles(geometry: Geometry) -> tuple[int, int]:
    """Tiles of 2x2 outputs along H and W."""
    return -(-geometry.y_size[1] // 2), -(-geometry.y_size[2] // 2)


def _blocks(n: int, channels: int, tiles: int, itemsize: int, work: int) -> list[tuple[int, int]]:
    """The batch blocks: about BLOCK_BYTES of windows and products per block, so that
    the 16 points' blocks are still in cache when the GEMMs read them, but at least
    MIN_COLUMNS tiles wide; a layer that fits one block is cut in two when that is
    worth a second thread. A function of the shapes only.
    """
    per_sample = POINTS * channels * tiles * itemsize
    per_block = max(1, BLOCK_BYTES // per_sample, -(-MIN_COLUMNS // tiles))
    parts = -(-n // per_block)
    if parts == 1 and work >= 2 * _threads.PARALLEL_WORK:
        parts = 2
    return [(0, n)] if parts <= 1 else split(n, parts)


def _work(n: int, c_out: int, c_in: int, geometry: Geometry) -> int:
    """The layer's direct multiply-adds, ``N C_out C_in 9 prod(L_y)``."""
    return n * c_out * c_in * 9 * math.prod(geometry.y_size)


def conv_valid(
    x: np.ndarray, w: np.ndarray, geometry: Geometry, checked: bool = True
) -> np.ndarray | None:
    """``minigrad.kernels.conv.conv_valid`` here, ``x: (N, C_in, 1, H, W) -> y: (N,
    C_out, 1, H_y, W_y)``: per block, windows, 16 GEMMs, tiles. ``checked``: None
    unless y's sum of squares is finite.
    """
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    n, c_in = x.shape[:2]
    c_out = w.shape[0]
    t0n, t1n = _tiles(geometry)
    before0, before1 = geometry.before[1], geometry.before[2]
    y = np.empty((n, c_out, *geometry.y_size), x.dtype)
    with one_blas_thread(), quiet():
        u = np.empty((POINTS, c_out, c_in), x.dtype)
        _weights_in(w, u)

        def block(start: int, stop: int, alone: bool) -> None:
            v = _Stack("windows", c_in, (stop - start) * t0n * t1n, x.dtype)
            _windows(x[start:stop], before0, before1, t0n, t1n, v.rows)
            m = _product(u, v)
            _tiles_out(m.rows, t0n, t1n, y[start:stop])

        work = _work(n, c_out, c_in, geometry)
        run_per_block(block, _blocks(n, c_in + c_out, t0n * t1n, x.itemsize, work), work)
        return y if not checked or _finite(y) else None


def conv_transpose_valid(
    y: np.ndarray, w: np.ndarray, geometry: Geometry, checked: bool = True
) -> np.ndarray | None:
    """``minigrad.kernels.conv.conv_transpose_valid`` here, ``y: (N, C_out, 1, H_y, W_y)
    -> x: (N, C_in, 1, H, W)``: ``conv_valid``'s maps in reverse, the windows added
    where they overlap. ``checked``: None unless x's sum of squares is finite.
    """
    y, w = np.ascontiguousarray(y), np.ascontiguousarray(w)
    n, c_out = y.shape[:2]
    c_in = w.shape[1]
    t0n, t1n = _tiles(geometry)
    before0, before1 = geometry.before[1], geometry.before[2]
    x = np.empty((n, c_in, *geometry.x_size), y.dtype)
    with one_blas_thread(), quiet():
        u = np.empty((POINTS, c_out, c_in), y.dtype)
        _weights_in(w, u)
        left = u.transpose(0, 2, 1)  # (16, C_in, C_out), a view: BLAS reads it transposed

        def block(start: int, stop: int, alone: bool) -> None:
            g = _Stack("tiles", c_out, (stop - start) * t0n * t1n, y.dtype)
            _tiles_in(y[start:stop], t0n, t1n, g.rows)
            q = _product(left, g)
            _windows_adjoint(q.rows, before0, before1, t0n, t1n, x[start:stop])

        work = _work(n, c_out, c_in, geometry)
        run_per_block(block, _blocks(n, c_in + c_out, t0n * t1n, y.itemsize, work), work)
        return x if not checked or _finite(x) else None


def conv_weight_grad(
    x: np.ndarray, y: np.ndarray, geometry: Geometry, checked: bool = True
) -> np.ndarray | None:
    """``minigrad.kernels.conv.conv_weight_grad`` here, ``x, y -> w: (C_out, C_in, 1, 3,
    3)``: per block and point, ``(A y A^T) (B^T x B)^T`` summed over (sample, tile),
    the blocks' partials added in block order, then ``G^T . G``. ``checked``: None
    unless w's sum of squares is finite.
    """
    return _both(x, None, y, geometry, checked)[1]


def conv_and_weight_grad(
    x: np.ndarray, w: np.ndarray, y: np.ndarray, geometry: Geometry, checked: bool = True
) -> tuple[np.ndarray, np.ndarray] | None:
    """``minigrad.kernels.conv.conv_and_weight_grad`` here: both from one window transform
    of x per block; the weight gradient equals ``conv_weight_grad``'s bit for bit.
    ``checked``: None unless both are finite.
    """
    out, grad = _both(x, w, y, geometry, checked)
    return None if out is None or grad is None else (out, grad)


def _both(
    x: np.ndarray, w: np.ndarray | None, y: np.ndarray, geometry: Geometry, checked: bool
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The conv output (if w is given) and the weight gradient, block by block; with
    ``checked``, None for each whose sum of squares is not finite.
    """
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    n, c_in = x.shape[:2]
    c_out = y.shape[1]
    t0n, t1n = _tiles(geometry)
    before0, before1 = geometry.before[1], geometry.before[2]
    work = _work(n, c_out, c_in, geometry)
    blocks = _blocks(n, c_in + c_out, t0n * t1n, x.itemsize, work)
    partials = np.empty((len(blocks), POINTS, c_out, c_in), x.dtype)
    index = {start: i for i, (start, _) in enumerate(blocks)}
    out = None if w is None else np.empty((n, c_out, *geometry.y_size), x.dtype)
    with one_blas_thread(), quiet():
        u = None
        if w is not None:
            u = np.empty((POINTS, c_out, c_in), x.dtype)
            _weights_in(np.ascontiguousarray(w), u)

        def block(start: int, stop: int, alone: bool) -> None:
            columns = (stop - start) * t0n * t1n
            v = _Stack("windows", c_in, columns, x.dtype)
            _windows(x[start:stop], before0, before1, t0n, t1n, v.rows)
            if u is not None and out is not None:
                m = _product(u, v)
                _tiles_out(m.rows, t0n, t1n, out[start:stop])
            g = _Stack("tiles", c_out, columns, x.dtype)
            _tiles_in(y[start:stop], t0n, t1n, g.rows)
            np.matmul(g.view, v.view.transpose(0, 2, 1), out=partials[index[start]])

        run_per_block(block, blocks, work * (1 if w is None else 2))
        total = partials[0]
        for partial in partials[1:]:
            total += partial
        grad = np.empty((c_out, c_in, *geometry.kernel_size), x.dtype)
        _weights_out(total, grad)
        if checked and out is not None and not _finite(out):
            out = None
        return out, (grad if not checked or _finite(grad) else None)
