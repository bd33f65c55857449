"""The adjoint of ``minigrad.kernels.conv.winograd.transforms``' window transform.

``transform_in_adjoint`` is ``transform_in``'s ``B^T`` on windows, transposed: per dim
with two taps, ``B`` puts a tile's points ``(m0, m1, m2)`` on its window of three as
``(m0, m1 - m0 - m2, m2)``, the windows of neighbouring tiles overlapping at one
position, and the phases go back into x. It is the last step of the transposed
convolution on the Winograd path, which runs ``conv_valid``'s maps in reverse.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minigrad.kernels.conv.winograd.layout import (
    phase_buffer,
    point_count,
    points_copy,
    sum_of_squares,
)


@njit(cache=True, nogil=True)
def _pass_in_adjoint(source, outer, half, inner, tiles, target, start):  # pragma: no cover
    """The adjoint of the transforms' window pass (``B^T``): ``source`` read as ``(3, outer,
    tiles, inner)``, ``target[start:]`` written whole as ``(outer, 2, half, inner)``
    with ``half = tiles + 1``. ``B`` puts tile t's ``(m0, m1, m2)`` on its window as
    ``(m0, m1 - m0 - m2, m2)``; windows overlap at the even positions, which get tile
    t's m0 plus tile t - 1's m2. Every run is a plain loop, so Numba vectorises it.
    """
    run = np.uint64(tiles * inner)
    plane = np.uint64(outer) * run
    plane2 = plane + plane
    step = np.uint64(inner)
    odd = np.uint64(half * inner)
    zero = target.dtype.type(0)
    for o in range(outer):
        at = np.uint64(o) * run
        even = np.uint64(start) + np.uint64(o) * (odd + odd)
        for j in range(step):
            target[even + j] = source[at + j]
        for j in range(step, run):
            target[even + j] = source[at + j] + source[plane2 + at + j - step]
        for j in range(run, odd):
            target[even + j] = source[plane2 + at + j - step]
        for j in range(run):
            m1 = source[plane + at + j]
            target[even + odd + j] = m1 - source[at + j] - source[plane2 + at + j]
        for j in range(run, odd):
            target[even + odd + j] = zero


@njit(cache=True, nogil=True)
def _ungather(phases, c, n_count, at0, at1, at2, x):  # pragma: no cover
    """The adjoint of the gathers: ``x[n, c, i] = phases[at(i) + n]``, zero where
    ``at(i) < 0`` (no window reaches i), written in x's order.
    """
    _, channels, l0, l1, l2 = x.shape
    flat = x.reshape(-1)
    zero = flat.dtype.type(0)
    for n in range(n_count):
        plane = (n * channels + c) * l0 * l1 * l2
        for i0 in range(l0):
            o0 = at0[i0]
            for i1 in range(l1):
                o1 = at1[i1]
                line = np.uint64(plane + (i0 * l1 + i1) * l2)
                if o0 < 0 or o1 < 0:
                    for i2 in range(np.uint64(l2)):
                        flat[line + i2] = zero
                    continue
                base = o0 + o1 + n
                for i2 in range(l2):
                    o2 = at2[i2]
                    flat[line + np.uint64(i2)] = phases[np.uint64(base + o2)] if o2 >= 0 else zero


@njit(cache=True, nogil=True)
def transform_in_adjoint(products, stride, before, taps, tiles, drop, x, check):  # noqa: E501  # pragma: no cover
    """The adjoint of ``transform_in`` (windows, ``B^T``) in x: ``products`` laid out as
    its v (rows ``(f, c)``, the tiles each point keeps following ``drop``), ``B`` on
    each point's tile, added where windows overlap, written to ``x[n, c, s q + f -
    before]`` for the phase positions q inside x; x is zero where no window reaches.
    A channel at a time, in cache: the points of each phase are copied into a buffer,
    the adjoint passes run D first, and the channel's phases are read back into x.
    With ``check``, returns the sum of the squares of the phases (every value x reads,
    and those of positions past its ends), taken while in cache: inf or NaN if any is
    (else 0).
    """
    n_count, channels = x.shape[:2]
    s0, s1, s2 = stride
    r0, r1, r2 = taps
    t0n, t1n, t2n = tiles
    at0, at1, at2, h, z, chunk = phase_buffer(x.shape, stride, before, taps, tiles, True)
    h0, h1, h2 = h
    z0n, z1n = z[0], z[1]
    run = t0n * t1n * t2n * n_count
    rows = s0 * s1 * s2 * channels
    phases = np.empty(s0 * s1 * s2 * chunk, x.dtype)
    p1n = 3 if r1 == 2 else 1
    p2n = 3 if r2 == 2 else 1
    # The largest layout on the way: the points, or after the D or the H pass.
    size = max(point_count(taps) * run, p1n * p2n * z0n * t1n * t2n * n_count,
               p2n * z0n * z1n * t2n * n_count)  # fmt: skip
    a = np.empty(size, x.dtype)
    b = np.empty(size, x.dtype)
    squares = x.dtype.type(0)
    for c in range(channels):
        for phase in range(s0 * s1 * s2):
            row = phase * channels + c
            points_copy(a, 0, row, rows, taps, tiles, drop, n_count, products, False)
            # transform_in's walk backwards: (P0, P1, P2, T0, T1, T2, N) -> (P1, P2, Z0,
            # T1, T2, N) -> (P2, Z0, Z1, T2, N) -> (Z0, Z1, Z2, N), the last into the
            # phase's place in the channel's buffer.
            current, other = a, b
            p1, p2 = p1n, p2n
            z0, z1 = t0n, t1n
            last = 2 if r2 == 2 else (1 if r1 == 2 else (0 if r0 == 2 else -1))
            if last < 0:
                for i in range(chunk):
                    phases[phase * chunk + i] = current[i]
            if r0 == 2:
                target, start = (phases, phase * chunk) if last == 0 else (other, 0)
                _pass_in_adjoint(current, p1 * p2, h0, t1n * t2n * n_count, t0n, target, start)
                current, other, z0 = other, current, z0n
            if r1 == 2:
                target, start = (phases, phase * chunk) if last == 1 else (other, 0)
                _pass_in_adjoint(current, p2 * z0, h1, t2n * n_count, t1n, target, start)
                current, other, z1 = other, current, z1n
            if r2 == 2:
                _pass_in_adjoint(current, z0 * z1, h2, n_count, t2n, phases, phase * chunk)
        if check:
            squares += sum_of_squares(phases, phases.size)
        _ungather(phases, c, n_count, at0, at1, at2, x)
    return squares
