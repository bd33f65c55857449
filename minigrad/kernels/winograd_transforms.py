"""The data passes of :mod:`minigrad.kernels.winograd`: Winograd F(2, 2)'s transforms.

Layout. A GEMM operand ``v: (P, R, T N)`` holds, for each point p, rows ``R = (f, c)``
(stride phase, then channel) and columns ``(t, n)`` (tile, then sample: the batch
innermost, so that every pass below runs over contiguous runs of it). Per dim with
``r = 2`` taps per phase, with ``d = xf[2t : 2t + 3]`` a tile's window and
``g = xf[2t : 2t + 2]`` its pair:

    B^T d = (d0 - d1, d1, d2 - d1)        (``transform_in``, window=True)
    G g   = (g0, g0 + g1, g1)             (``transform_in``, window=False)
    A^T m = (m0 + m1, m1 + m2)            (``transform_out``)

and a dim with ``r = 1`` is the identity, one point and tiles of one. Each kernel works
a channel at a time in buffers that stay in cache, and indexes with unsigned ints
where it can (Numba then skips its negative-index test).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def _window_pass(a, out):  # pragma: no cover
    """``B^T`` along the middle axis, ``a: (outer, Q, inner) -> out: (3, outer, T,
    inner)``: the window of tile t is ``a[:, 2t : 2t + 3]``.
    """
    outer, length, inner = a.shape
    tiles = out.shape[2]
    source_flat = a.reshape(-1)
    target_flat = out.reshape(-1)
    width = np.uint64(inner)
    plane = np.uint64(outer * tiles * inner)
    plane2 = plane + plane
    for o in range(outer):
        for t in range(tiles):
            s0 = np.uint64((o * length + 2 * t) * inner)
            s1 = s0 + width
            s2 = s1 + width
            target = np.uint64((o * tiles + t) * inner)
            for i in range(width):
                d1 = source_flat[s1 + i]
                target_flat[target + i] = source_flat[s0 + i] - d1
                target_flat[plane + target + i] = d1
                target_flat[plane2 + target + i] = source_flat[s2 + i] - d1


@njit(cache=True, nogil=True)
def _tile_pass(a, out):  # pragma: no cover
    """``G`` along the middle axis, ``a: (outer, Q, inner) -> out: (3, outer, T,
    inner)``: tile t is the pair ``a[:, 2t : 2t + 2]``.
    """
    outer, length, inner = a.shape
    tiles = out.shape[2]
    source_flat = a.reshape(-1)
    target_flat = out.reshape(-1)
    width = np.uint64(inner)
    plane = np.uint64(outer * tiles * inner)
    plane2 = plane + plane
    for o in range(outer):
        for t in range(tiles):
            s0 = np.uint64((o * length + 2 * t) * inner)
            s1 = s0 + width
            target = np.uint64((o * tiles + t) * inner)
            for i in range(width):
                g0 = source_flat[s0 + i]
                g1 = source_flat[s1 + i]
                target_flat[target + i] = g0
                target_flat[plane + target + i] = g0 + g1
                target_flat[plane2 + target + i] = g1


@njit(cache=True, nogil=True)
def _output_pass(a, out):  # pragma: no cover
    """``A^T`` along the leading axis, ``a: (3, outer, T, inner) -> out: (outer, 2T,
    inner)``: tile t's outputs are ``m0 + m1`` and ``m1 + m2``.
    """
    outer, tiles, inner = a.shape[1], a.shape[2], a.shape[3]
    source_flat = a.reshape(-1)
    target_flat = out.reshape(-1)
    width = np.uint64(inner)
    plane = np.uint64(outer * tiles * inner)
    plane2 = plane + plane
    for o in range(outer):
        for t in range(tiles):
            source = np.uint64((o * tiles + t) * inner)
            t0 = np.uint64((o * 2 * tiles + 2 * t) * inner)
            t1 = t0 + width
            for i in range(width):
                m1 = source_flat[plane + source + i]
                target_flat[t0 + i] = source_flat[source + i] + m1
                target_flat[t1 + i] = m1 + source_flat[plane2 + source + i]


@njit(cache=True, nogil=True)
def _where(count, stride, phase, before, length, out):  # pragma: no cover
    """``out[q] = s q + f - before`` along W where inside ``[0, length)``, else -1."""
    for q in range(count):
        i = stride * q + phase - before
        out[q] = i if 0 <= i < length else -1


@njit(cache=True, nogil=True)
def transform_in(x, stride, before, taps, tiles, window, v):  # pragma: no cover
    """``v[p, (f, c), (t, n)]``: point p of tile t of
    x[n, c]'s stride phase f (``xf[q] = x[s q + f - before]``, zero outside x), ``B^T``
    on its windows if ``window`` else ``G`` on its pairs. A channel at a time: its
    phases are gathered batch-innermost into a buffer that stays in cache, the passes
    run there over contiguous runs of the batch, and each point is one run of v.
    """
    n_count, channels, l0, l1, l2 = x.shape
    s0, s1, s2 = stride
    b0, b1, b2 = before
    r0, r1, r2 = taps
    t0n, t1n, t2n = tiles
    extra = 1 if window else 0
    q0n = t0n * r0 + (r0 - 1) * extra
    q1n = t1n * r1 + (r1 - 1) * extra
    q2n = t2n * r2 + (r2 - 1) * extra
    chunk = q0n * q1n * q2n * n_count  # one phase's buffer
    flat = x.reshape(-1)
    # Where x[n, c, i] lands in the channel's buffer of phases, per dim (-1: nowhere);
    # the positions no element lands on are zeroed once and stay zero.
    gathered = np.zeros(s0 * s1 * s2 * chunk, v.dtype)
    at0, at1, at2 = np.empty(l0, np.int64), np.empty(l1, np.int64), np.empty(l2, np.int64)
    for i in range(l0):
        f, q = (i + b0) % s0, (i + b0) // s0
        at0[i] = f * s1 * s2 * chunk + q * q1n * q2n * n_count if 0 <= q < q0n else -1
    for i in range(l1):
        f, q = (i + b1) % s1, (i + b1) // s1
        at1[i] = f * s2 * chunk + q * q2n * n_count if 0 <= q < q1n else -1
    for i in range(l2):
        f, q = (i + b2) % s2, (i + b2) // s2
        at2[i] = f * chunk + q * n_count if 0 <= q < q2n else -1
    a = np.empty(4 * chunk, v.dtype)
    b = np.empty(4 * chunk, v.dtype)
    run = t0n * t1n * t2n * n_count
    for c in range(channels):
        # Each plane x[n, c] is read once, in order; its values land a batch apart.
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
        for f0 in range(s0):
            for f1 in range(s1):
                for f2 in range(s2):
                    phase = (f0 * s1 + f1) * s2 + f2
                    row = phase * channels + c
                    current = gathered[phase * chunk : (phase + 1) * chunk]
                    into_a = True
                    z0, z1, z2, p1, p2 = q0n, q1n, q2n, 1, 1
                    if r2 == 2:
                        outer = z0 * z1
                        source = current[: outer * z2 * n_count].reshape(outer, z2, n_count)
                        spare = a if into_a else b
                        target = spare[: 3 * outer * t2n * n_count].reshape(3, outer, t2n, n_count)
                        if window:
                            _window_pass(source, target)
                        else:
                            _tile_pass(source, target)
                        current, into_a, z2, p2 = spare, not into_a, t2n, 3
                    if r1 == 2:
                        outer, inner = p2 * z0, z2 * n_count
                        source = current[: outer * z1 * inner].reshape(outer, z1, inner)
                        spare = a if into_a else b
                        target = spare[: 3 * outer * t1n * inner].reshape(3, outer, t1n, inner)
                        if window:
                            _window_pass(source, target)
                        else:
                            _tile_pass(source, target)
                        current, into_a, z1, p1 = spare, not into_a, t1n, 3
                    if r0 == 2:
                        outer, inner = p1 * p2, z1 * z2 * n_count
                        source = current[: outer * z0 * inner].reshape(outer, z0, inner)
                        spare = a if into_a else b
                        target = spare[: 3 * outer * t0n * inner].reshape(3, outer, t0n, inner)
                        if window:
                            _window_pass(source, target)
                        else:
                            _tile_pass(source, target)
                        current = spare
                    for p in range(v.shape[0]):
                        out = v[p, row]
                        start = np.uint64(p * run)
                        for i in range(np.uint64(run)):
                            out[i] = current[start + i]


@njit(cache=True, nogil=True)
def transform_out(products, taps, tiles, stride, before, phases, x):  # pragma: no cover
    """``A^T`` on ``products[:, (f, c), (t, n)]`` (phases f < ``phases``), the tile
    outputs ``xf[q]`` written to ``x[n, c, s q + f - before]`` where inside x; a
    channel at a time, in cache, as ``transform_in``.
    """
    n_count, channels, l0, l1, l2 = x.shape
    s0, s1, s2 = stride
    b0, b1, b2 = before
    r0, r1, r2 = taps
    t0n, t1n, t2n = tiles
    run = t0n * t1n * t2n * n_count
    points = products.shape[0]
    flat = x.reshape(-1)
    width = np.uint64(l2)
    batch = np.uint64(n_count)
    sample = np.uint64(channels * l0 * l1 * l2)
    where2 = np.empty(2 * t2n, np.int64)
    a = np.empty(points * run, products.dtype)
    b = np.empty(points * run, products.dtype)
    for c in range(channels):
        for f0 in range(phases[0]):
            for f1 in range(phases[1]):
                for f2 in range(phases[2]):
                    row = ((f0 * phases[1] + f1) * phases[2] + f2) * channels + c
                    for p in range(points):
                        source_row = products[p, row]
                        start = np.uint64(p * run)
                        for i in range(np.uint64(run)):
                            a[start + i] = source_row[i]
                    current, other = a, b
                    p1 = 3 if r1 == 2 else 1
                    p2 = 3 if r2 == 2 else 1
                    z0, z1, z2 = t0n, t1n, t2n
                    if r0 == 2:
                        outer, inner = p1 * p2, z1 * z2 * n_count
                        source = current[: 3 * outer * z0 * inner].reshape(3, outer, z0, inner)
                        target = other[: outer * 2 * z0 * inner].reshape(outer, 2 * z0, inner)
                        _output_pass(source, target)
                        current, other, z0 = other, current, 2 * z0
                    if r1 == 2:
                        outer, inner = p2 * z0, z2 * n_count
                        source = current[: 3 * outer * z1 * inner].reshape(3, outer, z1, inner)
                        target = other[: outer * 2 * z1 * inner].reshape(outer, 2 * z1, inner)
                        _output_pass(source, target)
                        current, other, z1 = other, current, 2 * z1
                    if r2 == 2:
                        outer = z0 * z1
                        source = current[: 3 * outer * z2 * n_count].reshape(3, outer, z2, n_count)
                        target = other[: outer * 2 * z2 * n_count].reshape(outer, 2 * z2, n_count)
                        _output_pass(source, target)
                        current, z2 = other, 2 * z2
                    _where(z2, s2, f2, b2, l2, where2)
                    for n in range(batch):
                        k = n
                        plane = n * sample
                        for q0 in range(z0):
                            i0 = s0 * q0 + f0 - b0
                            for q1 in range(z1):
                                i1 = s1 * q1 + f1 - b1
                                if 0 <= i0 < l0 and 0 <= i1 < l1:
                                    line = plane + np.uint64((c * l0 + i0) * l1 + i1) * width
                                    for q2 in range(z2):
                                        i2 = where2[q2]
                                        if i2 >= 0:
                                            flat[line + np.uint64(i2)] = current[k]
                                        k += batch
                                else:
                                    k += np.uint64(z2) * batch
