"""The data passes of ``minigrad.kernels.conv.winograd``: Winograd F(2, 2)'s transforms.

Per dim with ``r = 2`` taps per phase, with ``d = xf[2t : 2t + 3]`` a tile's window and
``g = xf[2t : 2t + 2]`` its pair:

    B^T d = (d0 - d1, d1, d2 - d1)        (``transform_in``, window=True)
    G g   = (g0, g0 + g1, g1)             (``transform_in``, window=False)
    A^T m = (m0 + m1, m1 + m2)            (``transform_out``)

and a dim with ``r = 1`` is the identity, one point and tiles of one. The GEMM
operands are laid out as ``minigrad.kernels.conv.winograd.layout`` says. Each kernel
works a channel at a time in buffers that stay in cache, and indexes with unsigned
ints where it can (Numba then skips its negative-index test). ``weights_in`` and
``weights_out`` are the weights' transforms, given their tap map, straight between w's
own layout and the GEMMs' (no transposing copies of w-sized arrays).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minigrad.kernels.conv.winograd.layout import (
    phase_buffer,
    point_count,
    points_copy,
    slot,
    sum_of_squares,
)

# From this many samples a block on, transform_in gathers x position by position with
# the batch innermost: faster so on wide batches, slower on narrow ones (figures in
# docs/performance.md).
WIDE_BATCH = 16


@njit(cache=True, nogil=True)
def _pass_in(source, start, outer, half, inner, tiles, window, target):  # pragma: no cover
    """``B^T`` (``window``: tile t's window is positions ``2t .. 2t + 2``) or ``G`` (its
    pair ``2t, 2t + 1``) along the middle axis of ``source[start:]``, read as ``(outer,
    2, half, inner)``: the axis split by parity, ``q = 2u + parity``, so that the even
    and odd positions of the tiles ``t < tiles`` are each one run of ``tiles * inner``.
    ``target`` is written as ``(3, outer, tiles, inner)``; both flat (and passed whole,
    so that Numba keeps them contiguous).
    """
    run = np.uint64(tiles * inner)
    plane = np.uint64(outer) * run
    plane2 = plane + plane
    odd = np.uint64(half * inner)
    step = np.uint64(inner)
    for o in range(outer):
        even = np.uint64(start) + np.uint64(o) * (odd + odd)
        at = np.uint64(o) * run
        if window:
            for j in range(run):
                d1 = source[even + odd + j]
                target[at + j] = source[even + j] - d1
                target[plane + at + j] = d1
                target[plane2 + at + j] = source[even + step + j] - d1
        else:
            for j in range(run):
                g0 = source[even + j]
                g1 = source[even + odd + j]
                target[at + j] = g0
                target[plane + at + j] = g0 + g1
                target[plane2 + at + j] = g1


@njit(cache=True, nogil=True)
def _pass_out(source, outer, tiles, inner, target):  # pragma: no cover
    """``A^T`` along the leading axis: ``source`` read as ``(3, outer, tiles, inner)``,
    ``target`` written as ``(outer, 2, tiles, inner)``, split by parity as ``_pass_in``
    reads it: tile t's outputs ``m0 + m1`` and ``m1 + m2`` (positions ``2t`` and
    ``2t + 1``) at ``(0, t)`` and ``(1, t)``; both flat.
    """
    run = np.uint64(tiles * inner)
    plane = np.uint64(outer) * run
    plane2 = plane + plane
    for o in range(outer):
        at = np.uint64(o) * run
        even = at + at
        for j in range(run):
            m1 = source[plane + at + j]
            target[even + j] = source[at + j] + m1
            target[even + run + j] = m1 + source[plane2 + at + j]


@njit(cache=True, nogil=True)
def _gather_planes(flat, c, channels, n_count, at0, at1, at2, gathered):  # pragma: no cover
    """Channel c's planes of x into the batch-innermost buffer, plane by plane: faster
    than position by position when the batch is short.
    """
    l0, l1, l2 = at0.size, at1.size, at2.size
    for n in range(n_count):
        plane = (n * channels + c) * l0 * l1 * l2
        for i0 in range(l0):
            o0 = at0[i0]
            if o0 < 0:
                continue
            for i1 in range(l1):
                o1 = at1[i1]
                if o1 < 0:
                    continue
                line = np.uint64(plane + (i0 * l1 + i1) * l2)
                base = o0 + o1 + n
                for i2 in range(l2):
                    o2 = at2[i2]
                    if o2 >= 0:
                        gathered[np.uint64(base + o2)] = flat[line + np.uint64(i2)]


@njit(cache=True, nogil=True)
def _gather_positions(flat, c, channels, n_count, at0, at1, at2, gathered):  # pragma: no cover
    """As ``_gather_planes``, position by position with the batch innermost: each write
    is then a contiguous run of the batch, and the N planes' lines stay in cache.
    """
    l0, l1, l2 = at0.size, at1.size, at2.size
    sample = np.uint64(channels * l0 * l1 * l2)
    for i0 in range(l0):
        o0 = at0[i0]
        if o0 < 0:
            continue
        for i1 in range(l1):
            o1 = at1[i1]
            if o1 < 0:
                continue
            line = np.uint64((c * l0 + i0) * l1 + i1) * np.uint64(l2)
            for i2 in range(l2):
                o2 = at2[i2]
                if o2 < 0:
                    continue
                target = np.uint64(o0 + o1 + o2)
                source = line + np.uint64(i2)
                for n in range(np.uint64(n_count)):
                    gathered[target + n] = flat[source + sample * n]


@njit(cache=True, nogil=True)
def transform_in(x, stride, before, taps, tiles, window, drop, v):  # pragma: no cover
    """Row ``(f, c)``, column ``(t, n)`` of point p's block of the flat ``v``: point p of
    tile t of x[n, c]'s stride phase f (``xf[q] = x[s q + f - before]``, zero outside
    x), ``B^T`` on its windows if ``window`` else ``G`` on its pairs; the tiles a point
    keeps follow ``drop``. A channel at a time: its phases are gathered batch-innermost
    into a buffer that stays in cache, the passes run there over contiguous runs of the
    batch, and each point's kept tiles are copied out in runs.
    """
    n_count, channels = x.shape[:2]
    s0, s1, s2 = stride
    r0, r1, r2 = taps
    t0n, t1n, t2n = tiles
    # Where x[n, c, i] lands in the channel's buffer of phases (even slots, then odd,
    # along dims with two taps); the positions no element lands on are zeroed once and
    # stay zero.
    at0, at1, at2, h, z, chunk = phase_buffer(x.shape, stride, before, taps, tiles, window)
    h0, h1, h2 = h
    z0n, z1n, z2n = z
    flat = x.reshape(-1)
    gathered = np.zeros(s0 * s1 * s2 * chunk, v.dtype)
    a = np.empty(4 * chunk, v.dtype)
    b = np.empty(4 * chunk, v.dtype)
    rows = s0 * s1 * s2 * channels
    for c in range(channels):
        if n_count < WIDE_BATCH:
            _gather_planes(flat, c, channels, n_count, at0, at1, at2, gathered)
        else:
            _gather_positions(flat, c, channels, n_count, at0, at1, at2, gathered)
        for f0 in range(s0):
            for f1 in range(s1):
                for f2 in range(s2):
                    phase = (f0 * s1 + f1) * s2 + f2
                    row = phase * channels + c
                    # One pass per dim with two taps, W first, between two buffers: the
                    # layout goes (Z0, Z1, Z2, N) -> (P2, Z0, Z1, T2, N) -> ... ->
                    # (P0, P1, P2, T0, T1, T2, N).
                    current, start, into_a = gathered, phase * chunk, True
                    z0, z1, z2, p1, p2 = z0n, z1n, z2n, 1, 1
                    if r2 == 2:
                        target = a if into_a else b
                        _pass_in(current, start, z0 * z1, h2, n_count, t2n, window, target)
                        current, start, into_a, z2, p2 = target, 0, not into_a, t2n, 3
                    if r1 == 2:
                        target = a if into_a else b
                        _pass_in(current, start, p2 * z0, h1, z2 * n_count, t1n, window, target)
                        current, start, into_a, z1, p1 = target, 0, not into_a, t1n, 3
                    if r0 == 2:
                        target = a if into_a else b
                        inner = z1 * z2 * n_count
                        _pass_in(current, start, p1 * p2, h0, inner, t0n, window, target)
                        current, start = target, 0
                    points_copy(current, start, row, rows, taps, tiles, drop, n_count, v, True)


@njit(cache=True, nogil=True)
def _scatter_planes(current, c, taps, tiles, slot2, x):  # pragma: no cover
    """Channel c from the batch-innermost ``current: (Z0, Z1, Z2, N)`` (split by parity
    along dims with two taps, ``slot``; ``slot2[q2]`` along W) to ``x[n, c, q]`` for the
    positions q inside x, plane by plane and in x's order: each write goes next to the
    last (position by position, the batch innermost, and in the buffer's order both ran
    slower: see docs/performance.md).
    """
    n_count, channels, l0, l1, l2 = x.shape
    z1 = 2 * tiles[1] if taps[1] == 2 else tiles[1]
    z2 = 2 * tiles[2] if taps[2] == 2 else tiles[2]
    flat = x.reshape(-1)
    batch = np.uint64(n_count)
    for n in range(batch):
        plane = n * np.uint64(channels * l0 * l1 * l2)
        for q0 in range(l0):
            k0 = slot(q0, tiles[0], taps[0])
            for q1 in range(l1):
                k1 = slot(q1, tiles[1], taps[1])
                line = plane + np.uint64((c * l0 + q0) * l1 + q1) * np.uint64(l2)
                row = np.uint64((k0 * z1 + k1) * z2) * batch + n
                for q2 in range(np.uint64(l2)):
                    flat[line + q2] = current[row + slot2[q2] * batch]


@njit(cache=True, nogil=True)
def transform_out(products, taps, tiles, drop, x, check):  # pragma: no cover
    """``A^T`` on the flat ``products`` (laid out as ``transform_in``'s v with one phase,
    rows the channels; a tile a point does not keep counts as zero), the tile outputs
    written to ``x[n, c, q]``, those past x's end cut off; a channel at a time, in cache,
    as ``transform_in``. With ``check``, returns the sum of the squares of every tile
    output (those cut off too), taken while each channel's are in cache: inf or NaN
    if any is (else 0).
    """
    n_count, channels = x.shape[:2]
    r0, r1, r2 = taps
    t0n, t1n, t2n = tiles
    run = t0n * t1n * t2n * n_count
    points = point_count(taps)
    slot2 = np.empty(2 * t2n, np.uint64)
    for q in range(2 * t2n):
        slot2[q] = slot(q, t2n, r2)
    a = np.empty(points * run, products.dtype)
    b = np.empty(points * run, products.dtype)
    p1 = 3 if r1 == 2 else 1
    p2 = 3 if r2 == 2 else 1
    size = (2 if r0 == 2 else 1) * (2 if r1 == 2 else 1) * (2 if r2 == 2 else 1) * run
    squares = products.dtype.type(0)
    for c in range(channels):
        points_copy(a, 0, c, channels, taps, tiles, drop, n_count, products, False)
        # The inverse walk: (P0, P1, P2, T0, T1, T2, N) -> ... -> (Z0, Z1, Z2, N), with
        # z = 2T slots split by parity along dims with two taps.
        current, other = a, b
        z0, z1 = t0n, t1n
        if r0 == 2:
            _pass_out(current, p1 * p2, z0, z1 * t2n * n_count, other)
            current, other, z0 = other, current, 2 * z0
        if r1 == 2:
            _pass_out(current, p2 * z0, z1, t2n * n_count, other)
            current, other, z1 = other, current, 2 * z1
        if r2 == 2:
            _pass_out(current, z0 * z1, t2n, n_count, other)
            current = other
        if check:
            squares += sum_of_squares(current, size)
        _scatter_planes(current, c, taps, tiles, slot2, x)
    return squares


@njit(cache=True, nogil=True)
def weights_in(targets, sources, w, phases, out, start, stop):  # pragma: no cover
    """``G`` on every kernel phase of w, in the GEMMs' layout: ``out[p, o, e, i]`` is the
    sum of ``w[o, i, sources[j]]`` over the j with ``targets[j] == p * phases + e``
    (the tap map's pairs), added to zero in the order of j, for ``start <= o < stop``.
    ``w: (C_out, C_in, K)``, ``out: (P, C_out, E, C_in)``.
    """
    c_in, taps = w.shape[1], w.shape[2]
    zero = out.dtype.type(0)
    # Per filter o: its taps as (K, C_in), and its sums in a (P E, C_in) buffer, both in
    # L1, so each pair adds one contiguous run; then one copy into out, whose rows for
    # one o lie C_out E C_in apart (on the 3-d layer, 16 KB: the same cache sets).
    # The same values are added in the same order as straight into out.
    by_tap = np.empty((taps, c_in), w.dtype)
    points = out.shape[0]
    sums = np.empty((points * phases, c_in), out.dtype)
    for o in range(start, stop):
        for i in range(c_in):
            for t in range(taps):
                by_tap[t, i] = w[o, i, t]
        for r in range(points * phases):
            for i in range(c_in):
                sums[r, i] = zero
        for j in range(targets.size):
            r, t = targets[j], sources[j]
            for i in range(c_in):
                sums[r, i] += by_tap[t, i]
        for p in range(points):
            for e in range(phases):
                for i in range(c_in):
                    out[p, o, e, i] = sums[p * phases + e, i]


@njit(cache=True, nogil=True)
def weights_out(targets, sources, partial, by_point, out, start, stop):  # pragma: no cover
    """The weight gradient's way back through the tap map, in w's layout:
    ``out[o, i, sources[j]] += partial[targets[j], a, b]`` for each j in order, from
    zero, with ``(a, b) = (i, o)`` if ``by_point``, else ``(o, i)``, for ``start <= a <
    stop``. ``partial: (P E, a, b)``, ``out: (C_out, C_in, K)``.
    """
    columns, taps = partial.shape[2], out.shape[2]
    zero = out.dtype.type(0)
    # Row a's sums as (K, b), in cache, each pair adding one contiguous run of partial;
    # then one transposing copy into out.
    sums = np.empty((taps, columns), out.dtype)
    for a in range(start, stop):
        for t in range(taps):
            for b in range(columns):
                sums[t, b] = zero
        for j in range(targets.size):
            f, t = targets[j], sources[j]
            for b in range(columns):
                sums[t, b] += partial[f, a, b]
        if by_point:
            for b in range(columns):
                for t in range(taps):
                    out[b, a, t] = sums[t, b]
        else:
            for b in range(columns):
                for t in range(taps):
                    out[a, b, t] = sums[t, b]
