"""Where Winograd F(2, 2)'s GEMM operands keep their numbers, and the copies in and out.

A GEMM operand holds, for each point p, a block ``(R, T_p N)`` of one flat buffer,
point after point: rows ``R = (f, c)`` (stride phase, then channel) and columns ``(t,
n)`` (tile, then sample: the batch innermost, so that the transforms' passes run over
contiguous runs of it). A point keeps all ``T = T0 T1 T2`` tiles, except that along a
dim flagged in ``drop`` (its last tile has one output, the rest of it past the end)
point 2 keeps all but the last: point 2 only feeds a tile's second output, so those
columns would be wasted GEMM work (a quarter of it on 7x7 outputs).

Inside a transform, a channel's stride phases sit in a buffer ``(Z0, Z1, Z2, N)``
whose dims with two taps are split by parity (``slot``): even positions, then odd, so
that each pass of ``minigrad.kernels.conv.winograd.transforms`` reads whole runs.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit


@functools.lru_cache(maxsize=256)
def point_tiles(taps, tiles, drop) -> tuple[int, ...]:
    """Tiles per point, in point order: ``T_d - 1`` along each dim where ``drop`` is set
    and the point is 2 (the last tile's second output, the only one point 2 feeds, is
    past the end), else ``T_d``.
    """
    counts = []
    for p0 in range(3 if taps[0] == 2 else 1):
        for p1 in range(3 if taps[1] == 2 else 1):
            for p2 in range(3 if taps[2] == 2 else 1):
                kept = [t - 1 if d and p == 2 else t for t, d, p in zip(tiles, drop, (p0, p1, p2))]
                counts.append(kept[0] * kept[1] * kept[2])
    return tuple(counts)


@njit(cache=True, nogil=True)
def point_count(taps):  # pragma: no cover
    """Points per tile: 3 per dim with two taps a phase."""
    return (3 if taps[0] == 2 else 1) * (3 if taps[1] == 2 else 1) * (3 if taps[2] == 2 else 1)


@njit(cache=True, nogil=True)
def kept_tiles(p, taps, tiles, drop):  # pragma: no cover
    """Point p's tiles per dim (as ``point_tiles``)."""
    n1 = 3 if taps[1] == 2 else 1
    n2 = 3 if taps[2] == 2 else 1
    p0, p1, p2 = p // (n1 * n2), (p // n2) % n1, p % n2
    k0 = tiles[0] - 1 if drop[0] and p0 == 2 else tiles[0]
    k1 = tiles[1] - 1 if drop[1] and p1 == 2 else tiles[1]
    k2 = tiles[2] - 1 if drop[2] and p2 == 2 else tiles[2]
    return k0, k1, k2


@njit(cache=True, nogil=True)
def point_runs(k0, k1, k2, tiles, n_count):  # pragma: no cover
    """A point's kept tiles ``(k0, k1, k2)`` of ``(T0, T1, T2, N)`` as ``(count0, count1,
    length)``: runs of ``length`` elements, merged across dims that keep every tile.
    """
    t0n, t1n, t2n = tiles
    if k2 < t2n:
        return k0, k1, k2 * n_count
    if k1 < t1n:
        return k0, 1, k1 * t2n * n_count
    return 1, 1, k0 * t1n * t2n * n_count


@njit(cache=True, nogil=True)
def zero_dropped(buffer, start, k0, k1, kept, tiles, n_count):  # pragma: no cover
    """Zero ``buffer[start:]``, read as ``(T0, T1, T2 N)``, outside its first ``(k0, k1,
    kept)`` corner: the tiles a point does not keep.
    """
    t0n, t1n, t2n = tiles
    line = t2n * n_count
    zero = buffer.dtype.type(0)
    for a0 in range(t0n):
        for a1 in range(t1n):
            at = start + (a0 * t1n + a1) * line
            first = kept if a0 < k0 and a1 < k1 else 0
            for i in range(at + first, at + line):
                buffer[i] = zero


@njit(cache=True, nogil=True)
def points_copy(
    buffer, start, row, rows, taps, tiles, drop, n_count, flat, out
):  # pragma: no cover
    """Between ``buffer[start:]``, laid out ``(P, T0, T1, T2, N)``, and row ``row`` of
    every point's block of the flat GEMM operand ``flat``, in which each point keeps
    its own tiles (``kept_tiles``): into ``flat`` if ``out``, else back into the buffer, with
    zeros at the tiles a point does not keep.
    """
    t0n, t1n, t2n = tiles
    run = t0n * t1n * t2n * n_count
    offset = 0
    for p in range(point_count(taps)):
        k0, k1, k2 = kept_tiles(p, taps, tiles, drop)
        width = k0 * k1 * k2 * n_count
        if not out and width < run:
            zero_dropped(buffer, start + p * run, k0, k1, k2 * n_count, tiles, n_count)
        count0, count1, length = point_runs(k0, k1, k2, tiles, n_count)
        length = np.uint64(length)
        packed = np.uint64(offset + row * width)
        for a0 in range(count0):
            for a1 in range(count1):
                spread = np.uint64(start + p * run + ((a0 * t1n + a1) * t2n) * n_count)
                if out:
                    for i in range(length):
                        flat[packed + i] = buffer[spread + i]
                else:
                    for i in range(length):
                        buffer[spread + i] = flat[packed + i]
                packed += length
        offset += rows * width


@njit(cache=True, nogil=True)
def slot(q, half, taps):  # pragma: no cover
    """The slot of position q of a dim in the passes' buffers: ``(q % 2) half + q // 2``
    along a dim with two taps (even positions first), else q.
    """
    return (q % 2) * half + q // 2 if taps == 2 else q


@njit(cache=True, nogil=True)
def phase_buffer(shape, stride, before, taps, tiles, window):  # pragma: no cover
    """A channel's buffer of phases for x of ``shape`` ``(N, C, L0, L1, L2)``: per dim,
    phase positions ``q < 2T + 1`` (windows) or ``2T`` (pairs) with two taps, T with
    one, held in ``z = 2 h`` slots split by parity (``slot``; ``h = ceil(q_n / 2)``, an
    odd slot past the end unused) or ``z = q_n``. Returns ``(at0, at1, at2, h, z,
    chunk)``: where each x position lands (``at0[i0] + at1[i1] + at2[i2] + n``, -1 for
    nowhere), the slots, and one phase's size ``z0 z1 z2 N``.
    """
    n_count = shape[0]
    s0, s1, s2 = stride
    r0, r1, r2 = taps
    t0n, t1n, t2n = tiles
    extra = 1 if window else 0
    q0n = t0n * r0 + (r0 - 1) * extra
    q1n = t1n * r1 + (r1 - 1) * extra
    q2n = t2n * r2 + (r2 - 1) * extra
    h = (t0n + (r0 - 1) * extra, t1n + (r1 - 1) * extra, t2n + (r2 - 1) * extra)
    z = (h[0] * r0, h[1] * r1, h[2] * r2)
    chunk = z[0] * z[1] * z[2] * n_count
    at0, at1 = np.empty(shape[2], np.int64), np.empty(shape[3], np.int64)
    at2 = np.empty(shape[4], np.int64)
    _lands(s0, before[0], r0, q0n, h[0], z[1] * z[2] * n_count, s1 * s2 * chunk, at0)
    _lands(s1, before[1], r1, q1n, h[1], z[2] * n_count, s2 * chunk, at1)
    _lands(s2, before[2], r2, q2n, h[2], n_count, chunk, at2)
    return at0, at1, at2, h, z, chunk


@njit(cache=True, nogil=True)
def _lands(stride, before, taps, count, half, step, phase_step, out):  # pragma: no cover
    """Along one dim, where position i of x lands in a channel's buffer of phases:
    phase ``f = (i + before) % s`` at ``f phase_step``, plus position ``q = (i + before)
    // s`` at its slot (``slot``) times step; -1 where q is outside ``[0, count)``.
    """
    for i in range(out.size):
        f, q = (i + before) % stride, (i + before) // stride
        out[i] = f * phase_step + slot(q, half, taps) * step if 0 <= q < count else -1


@njit(cache=True, nogil=True, fastmath={"reassoc", "nsz", "contract"})
def sum_of_squares(buffer, size):  # pragma: no cover
    """``sum(v * v)`` over ``buffer[:size]``, in its dtype: inf or NaN when some v is,
    or when the squares overflow. Reassociation lets it vectorise; without "nnan" and
    "ninf", inf and NaN keep IEEE semantics. The order is fixed by the loop alone.
    """
    total = buffer.dtype.type(0)
    for i in range(size):
        total += buffer[i] * buffer[i]
    return total
