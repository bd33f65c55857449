"""im2col and col2im: the gathers between an input block and its column matrix.

For a block of samples ``start <= n < stop`` of ``x: (N, C, D, H, W)``, row ``(c, t)``
and column ``(n - start, p)`` of

    cols[c * K + t, (n - start) * P + p] = x[n, c, s*p + d*t - pad]      (zero outside x)

hold the input value that tap ``t`` of output position ``p`` reads (``K = prod(k)``,
``P = prod(L_y)``). ``im2col`` builds that matrix; ``col2im`` is its adjoint, adding
each column entry back where it was read from. ``minigrad.kernels.conv.im2col``
runs its GEMMs on the matrix.

Two loop shapes each, chosen by the length of the output's lines along W, whichever
ran faster on the benchmark layers (see docs/performance.md): long lines are
contiguous copies from x's stride phases along W (``xs[f, m] = x[s*m + f]``, split
once per block, so a tap reads one run), short ones go through a table of column
offsets. Every loop indexes with unsigned ints, which spares Numba its negative-index
test (several times faster).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

if TYPE_CHECKING:
    from minigrad.kernels.conv.geometry import Geometry

# Output lines at least this long are copied line by line from x's stride phases,
# shorter ones gathered through an offset table; the scatter (col2im) gains from the
# phases from shorter lines on: the 3-d and 8x8 benchmark layers ran faster so, the
# 7x7 and 4x4 ones slower (see docs/performance.md).
LONG_LINE = 16
LONG_SCATTER_LINE = 8
# A block's phase or padded buffer may be this many times the size of the block and its
# columns together; a larger one (huge paddings or strides) means the checked loops.
BUFFER_RATIO = 4


@njit(cache=True, nogil=True)
def _gather_table(x_shape, start, stop, stride, y_size):  # pragma: no cover
    """Where column ``(n - start) * P + p`` of every row reads: the offset of sample n's
    position ``s*p`` in flat x; a tap adds its own ``d*t`` offset and the channel's.
    """
    c_in, x0, x1, x2 = x_shape[1], x_shape[2], x_shape[3], x_shape[4]
    s0, s1, s2 = stride
    y0, y1, y2 = y_size
    table = np.empty((stop - start) * y0 * y1 * y2, np.uint64)
    column = 0
    for b in range(start, stop):
        for p0 in range(y0):
            for p1 in range(y1):
                for p2 in range(y2):
                    where = ((b * c_in * x0 + s0 * p0) * x1 + s1 * p1) * x2 + s2 * p2
                    table[column] = where
                    column += 1
    return table


@njit(cache=True, nogil=True)
def _im2col_table(x, start, stop, kernel, stride, dilation, y_size, cols):  # pragma: no cover
    """``im2col`` as one flat gather per row through a table of column offsets: the
    loop runs over the whole row however short the output's lines are.
    """
    x0, x1, x2 = x.shape[2], x.shape[3], x.shape[4]
    flat = x.reshape(-1)
    table = _gather_table(x.shape, start, stop, stride, y_size)
    k0, k1, k2 = kernel
    d0, d1, d2 = dilation
    taps = k0 * k1 * k2
    for row in range(cols.shape[0]):
        c, t = row // taps, row % taps
        t0, t1, t2 = t // (k1 * k2), (t // k2) % k1, t % k2
        base = np.uint64(((c * x0 + d0 * t0) * x1 + d1 * t1) * x2 + d2 * t2)
        out = cols[row]
        for column in range(table.size):
            out[column] = flat[base + table[column]]


@njit(cache=True, nogil=True)
def _col2im_table(cols, start, stop, kernel, stride, dilation, y_size, x):  # pragma: no cover
    """``col2im`` as one flat scatter-add per row through the same table."""
    x0, x1, x2 = x.shape[2], x.shape[3], x.shape[4]
    flat = x.reshape(-1)
    table = _gather_table(x.shape, start, stop, stride, y_size)
    k0, k1, k2 = kernel
    d0, d1, d2 = dilation
    taps = k0 * k1 * k2
    for row in range(cols.shape[0]):
        c, t = row // taps, row % taps
        t0, t1, t2 = t // (k1 * k2), (t // k2) % k1, t % k2
        base = np.uint64(((c * x0 + d0 * t0) * x1 + d1 * t1) * x2 + d2 * t2)
        values = cols[row]
        for column in range(table.size):
            flat[base + table[column]] += values[column]


@njit(cache=True, nogil=True)
def _split_phases(x, start, stop, s2, b2, k2, d2, xs):  # pragma: no cover
    """``xs[n - start, c, i0, i1, f, m] = x[n, c, i0, i1, s2*m + f - b2]``, zero where
    that is outside x: each line of x cut into its ``s2`` stride phases, with the zero
    padding ``b2`` before it. A tap then reads ``y2`` consecutive elements of one phase.
    Phases no tap reads (``f != d2*t2 mod s2`` for every t2 < k2) are left unset.
    """
    x2 = x.shape[4]
    width = xs.shape[5]
    lines = x.shape[1] * x.shape[2] * x.shape[3]
    flat = x.reshape(-1)
    out = xs.reshape(-1)
    zero = flat.dtype.type(0)
    step = np.uint64(s2)
    used = np.zeros(s2, np.bool_)
    for t2 in range(k2):
        used[d2 * t2 % s2] = True
    for line in range(start * lines, stop * lines):
        for f in range(s2):
            if not used[f]:
                continue
            # The phase's m with 0 <= s2*m + f - b2 < x2.
            lo = min(width, max(0, (b2 - f + s2 - 1) // s2))
            hi = max(lo, min(width, (x2 + b2 - f + s2 - 1) // s2))
            row = ((line - start * lines) * s2 + f) * width
            for m in range(row, row + lo):
                out[m] = zero
            # Unsigned indices: Numba then skips its negative-index wraparound test,
            # which made such loops several times slower.
            source = np.uint64(line * x2 + s2 * lo + f - b2)
            target = np.uint64(row + lo)
            for m in range(np.uint64(hi - lo)):
                out[target + m] = flat[source + step * m]
            for m in range(row + hi, row + width):
                out[m] = zero


@njit(cache=True, nogil=True)
def _merge_phases(xs, start, b2, x):  # pragma: no cover
    """The adjoint of ``_split_phases``, writing the whole block of x:
    ``x[n, c, i0, i1, s2*m + f - b2] = xs[n - start, c, i0, i1, f, m]`` where inside x,
    and zero at the positions past the phases' width (which no tap reaches).
    """
    s2, width = xs.shape[4], xs.shape[5]
    x2 = x.shape[4]
    lines = xs.shape[0] * xs.shape[1] * xs.shape[2] * xs.shape[3]
    flat = x.reshape(-1)
    phases = xs.reshape(-1)
    step = np.uint64(s2)
    offset = start * x.shape[1] * x.shape[2] * x.shape[3] * x2
    for line in range(lines):
        for f in range(s2):
            lo = min(width, max(0, (b2 - f + s2 - 1) // s2))
            hi = max(lo, min(width, (x2 + b2 - f + s2 - 1) // s2))
            source = np.uint64((line * s2 + f) * width + lo)
            target = np.uint64(offset + line * x2 + s2 * lo + f - b2)
            for m in range(np.uint64(hi - lo)):
                flat[target + step * m] = phases[source + m]
        zero = flat.dtype.type(0)
        for q in range(max(0, s2 * width - b2), x2):
            flat[offset + line * x2 + q] = zero


@njit(cache=True, nogil=True)
def _im2col_phases(xs, kernel, stride, dilation, y_size, pads, cols):  # pragma: no cover
    """``im2col`` from the stride phases of a block of x (``_split_phases``): every
    output line is a contiguous copy, which runs at memory speed.
    Lines whose D or H read falls in the padding ``pads`` are zeros.
    """
    blocks, c_in, x0, x1, s2, width = xs.shape
    flat = xs.reshape(-1)
    k0, k1, k2 = kernel
    s0, s1, _ = stride
    d0, d1, d2 = dilation
    y0, y1, y2 = y_size
    b0, b1, _ = pads
    taps = k0 * k1 * k2
    line = s2 * width
    plane = x0 * x1 * line
    zero = flat.dtype.type(0)
    for c in range(c_in):
        for t in range(taps):
            t0 = t // (k1 * k2)
            t1 = (t // k2) % k1
            t2 = t % k2
            # Tap t2 reads s2*p2 + d2*t2 (padded): phase (d2*t2) % s2, m = p2 + shift.
            shift = (d2 * t2) % s2 * width + (d2 * t2) // s2
            out = cols[c * taps + t]
            column = 0
            for b in range(blocks):
                base = (b * c_in + c) * plane + shift
                for p0 in range(y0):
                    i0 = s0 * p0 + d0 * t0 - b0
                    for p1 in range(y1):
                        i1 = s1 * p1 + d1 * t1 - b1
                        if i0 < 0 or i0 >= x0 or i1 < 0 or i1 >= x1:
                            for p2 in range(column, column + y2):
                                out[p2] = zero
                        else:
                            source = np.uint64(base + (i0 * x1 + i1) * line)
                            target = np.uint64(column)
                            for p2 in range(np.uint64(y2)):
                                out[target + p2] = flat[source + p2]
                        column += y2


@njit(cache=True, nogil=True)
def _col2im_phases(cols, kernel, stride, dilation, y_size, pads, xs):  # pragma: no cover
    """The adjoint of ``_im2col_phases``, adding into zeroed stride phases in the same
    order (rows, then columns): each line is a contiguous add.
    """
    blocks, c_in, x0, x1, s2, width = xs.shape
    flat = xs.reshape(-1)
    k0, k1, k2 = kernel
    s0, s1, _ = stride
    d0, d1, d2 = dilation
    y0, y1, y2 = y_size
    b0, b1, _ = pads
    taps = k0 * k1 * k2
    line = s2 * width
    plane = x0 * x1 * line
    # Channel, tap, then sample: each column row is read once, front to back, while
    # the x planes of one channel stay in cache. An x element still receives its taps
    # in increasing t order, as the gather would.
    for c in range(c_in):
        for t in range(taps):
            t0 = t // (k1 * k2)
            t1 = (t // k2) % k1
            t2 = t % k2
            shift = (d2 * t2) % s2 * width + (d2 * t2) // s2
            row = cols[c * taps + t]
            column = 0
            for b in range(blocks):
                base = (b * c_in + c) * plane + shift
                for p0 in range(y0):
                    i0 = s0 * p0 + d0 * t0 - b0
                    for p1 in range(y1):
                        i1 = s1 * p1 + d1 * t1 - b1
                        if i0 >= 0 and i0 < x0 and i1 >= 0 and i1 < x1:
                            target = np.uint64(base + (i0 * x1 + i1) * line)
                            source = np.uint64(column)
                            for p2 in range(np.uint64(y2)):
                                flat[target + p2] += row[source + p2]
                        column += y2


@njit(cache=True, nogil=True)
def _im2col_checked(
    x, start, stop, kernel, stride, dilation, y_size, pads, cols
):  # pragma: no cover
    """``im2col`` element by element, testing each read against x's bounds: no buffer
    beyond the columns, whatever the padding and stride (every index fits in an int64,
    as the public layer checks).
    """
    x0, x1, x2 = x.shape[2], x.shape[3], x.shape[4]
    k0, k1, k2 = kernel
    s0, s1, s2 = stride
    d0, d1, d2 = dilation
    y0, y1, y2 = y_size
    b0, b1, b2 = pads
    taps = k0 * k1 * k2
    zero = x.dtype.type(0)
    for row in range(cols.shape[0]):
        c, t = row // taps, row % taps
        t0, t1, t2 = t // (k1 * k2), (t // k2) % k1, t % k2
        out = cols[row]
        column = 0
        for n in range(start, stop):
            for p0 in range(y0):
                i0 = s0 * p0 + d0 * t0 - b0
                for p1 in range(y1):
                    i1 = s1 * p1 + d1 * t1 - b1
                    for p2 in range(y2):
                        i2 = s2 * p2 + d2 * t2 - b2
                        inside = 0 <= i0 < x0 and 0 <= i1 < x1 and 0 <= i2 < x2
                        out[column] = x[n, c, i0, i1, i2] if inside else zero
                        column += 1


@njit(cache=True, nogil=True)
def _col2im_checked(
    cols, start, stop, kernel, stride, dilation, y_size, pads, x
):  # pragma: no cover
    """``col2im`` element by element into the zeroed block of x, rows in order (so each
    element adds its taps in increasing order), dropping the taps outside x.
    """
    x0, x1, x2 = x.shape[2], x.shape[3], x.shape[4]
    k0, k1, k2 = kernel
    s0, s1, s2 = stride
    d0, d1, d2 = dilation
    y0, y1, y2 = y_size
    b0, b1, b2 = pads
    taps = k0 * k1 * k2
    for row in range(cols.shape[0]):
        c, t = row // taps, row % taps
        t0, t1, t2 = t // (k1 * k2), (t // k2) % k1, t % k2
        values = cols[row]
        column = 0
        for n in range(start, stop):
            for p0 in range(y0):
                i0 = s0 * p0 + d0 * t0 - b0
                for p1 in range(y1):
                    i1 = s1 * p1 + d1 * t1 - b1
                    for p2 in range(y2):
                        i2 = s2 * p2 + d2 * t2 - b2
                        if 0 <= i0 < x0 and 0 <= i1 < x1 and 0 <= i2 < x2:
                            x[n, c, i0, i1, i2] += values[column]
                        column += 1


def _phase_shape(x, start, stop, kernel, stride, dilation, y_size, pads) -> tuple[int, ...]:
    """The shape of a block's stride phases: ``(blocks, C, D, H, s2, width)``, width the
    phase positions the taps reach, ``y2 + d2 (k2 - 1) // s2``.
    """
    s2 = stride[2]
    width = y_size[2] + dilation[2] * (kernel[2] - 1) // s2
    return (stop - start, *x.shape[1:4], s2, width)


def _inside(x_size, kernel, stride, dilation, y_size, pads) -> bool:
    """Whether every tap reads inside x, i.e. no zero padding is met: only then may the
    offset table, which does not check bounds, be used.
    """
    return not any(pads) and all(
        (y - 1) * s + d * (k - 1) + 1 <= n
        for n, k, s, d, y in zip(x_size, kernel, stride, dilation, y_size)
    )


@njit(cache=True, nogil=True)
def _frame_copy(x, start, pads, padded, into):  # pragma: no cover - compiled
    """Between x's block and its zeroed padded frame, line by line: with ``into``,
    ``padded[n - start, c, i + pads] = x[n, c, i]``; else the inverse, the frame's inside
    back into x. numpy's copy into the padded frame goes element by element when x's
    lines are short, several times slower.
    """
    blocks, channels, x0, x1, x2 = padded.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4]
    p0, p1, p2 = padded.shape[2], padded.shape[3], padded.shape[4]
    b0, b1, b2 = pads
    block, frame = x.reshape(-1), padded.reshape(-1)
    for n in range(blocks):
        for c in range(channels):
            for i0 in range(x0):
                for i1 in range(x1):
                    line = (((start + n) * channels + c) * x0 + i0) * x1 + i1
                    inside = np.uint64(line * x2)
                    line = ((n * channels + c) * p0 + i0 + b0) * p1 + i1 + b1
                    framed = np.uint64(line * p2 + b2)
                    if into:
                        for i2 in range(np.uint64(x2)):
                            frame[framed + i2] = block[inside + i2]
                    else:
                        for i2 in range(np.uint64(x2)):
                            block[inside + i2] = frame[framed + i2]


def _buffer_shape(x, start, stop, kernel, stride, dilation, y_size, pads, long_line):
    """The shape of the buffer the block's loops read: its stride phases (lines of
    ``long_line`` or more), else a padded copy with the padding before each dim and
    enough after it for every tap; None when the offset table reads x itself (short
    lines whose taps all read inside x).
    """
    if y_size[2] >= long_line:
        return _phase_shape(x, start, stop, kernel, stride, dilation, y_size, pads)
    if _inside(x.shape[2:], kernel, stride, dilation, y_size, pads):
        return None
    # A list rather than a generator: a microsecond less on every call's path.
    sizes = [
        max(b + n, (y - 1) * s + d * (k - 1) + 1)
        for n, k, s, d, y, b in zip(x.shape[2:], kernel, stride, dilation, y_size, pads)
    ]
    return (stop - start, x.shape[1], *sizes)


def _buffer_too_large(shape, x, start, stop, cols):
    """Whether a buffer of ``shape`` would exceed BUFFER_RATIO times the block's own
    elements and its columns'.
    """
    block = (stop - start) * math.prod(x.shape[1:])
    return math.prod(shape) > BUFFER_RATIO * (block + cols.size)


def im2col(x: np.ndarray, start: int, stop: int, geometry: Geometry, cols: np.ndarray) -> None:
    """``cols[c * K + t, (n - start) * P + p] = x[n, c, s*p + d*t - pad]`` for the block.

    Two loop shapes: when the output's lines are long, contiguous line copies from x's
    stride phases (a pass splitting x into them, then copies several times faster than
    strided reads); when they are short, a gather through an offset table, which runs
    over the whole row however short the lines (figures in docs/performance.md). Both
    index with unsigned ints, which spares Numba its negative-index test.
    """
    kernel, stride, dilation = geometry.kernel_size, geometry.stride, geometry.dilation
    y_size, pads = geometry.y_size, geometry.before
    shape = _buffer_shape(x, start, stop, kernel, stride, dilation, y_size, pads, LONG_LINE)
    if shape is not None and _buffer_too_large(shape, x, start, stop, cols):
        _im2col_checked(x, start, stop, kernel, stride, dilation, y_size, pads, cols)
    elif y_size[2] >= LONG_LINE:
        xs = np.empty(shape, x.dtype)
        _split_phases(x, start, stop, stride[2], pads[2], kernel[2], dilation[2], xs)
        _im2col_phases(xs, kernel, stride, dilation, y_size, pads, cols)
    elif shape is None:
        _im2col_table(x, start, stop, kernel, stride, dilation, y_size, cols)
    else:
        # Short lines with padding: the table gather on a padded copy of the block ran
        # faster than bounds checks per element or per line.
        padded = np.zeros(shape, x.dtype)
        _frame_copy(x, start, pads, padded, True)
        _im2col_table(padded, 0, stop - start, kernel, stride, dilation, y_size, cols)


def col2im(cols: np.ndarray, start: int, stop: int, geometry: Geometry, x: np.ndarray) -> None:
    """The adjoint of ``im2col``, writing the whole block of x:
    ``x[n, c, i] = sum of cols[c * K + t, (n - start) * P + p] over s*p + d*t == i``.

    Both loop shapes add the rows (c, t) in order into zeros, so each x element is
    ``0 + sum over the taps that land on it`` in increasing tap order, whichever thread
    owns the block; within one row no two columns reach the same element. The phase
    path adds into zeroed stride phases of the block, then merges them into x.
    """
    kernel, stride, dilation = geometry.kernel_size, geometry.stride, geometry.dilation
    y_size, pads = geometry.y_size, geometry.before
    shape = _buffer_shape(x, start, stop, kernel, stride, dilation, y_size, pads,
                          LONG_SCATTER_LINE)  # fmt: skip
    if shape is not None and _buffer_too_large(shape, x, start, stop, cols):
        x[start:stop] = 0
        _col2im_checked(cols, start, stop, kernel, stride, dilation, y_size, pads, x)
    elif y_size[2] >= LONG_SCATTER_LINE:
        xs = np.zeros(shape, x.dtype)
        _col2im_phases(cols, kernel, stride, dilation, y_size, pads, xs)
        _merge_phases(xs, start, pads[2], x)
    elif shape is None:
        x[start:stop] = 0
        _col2im_table(cols, start, stop, kernel, stride, dilation, y_size, x)
    else:
        # Scatter into a zeroed padded copy, then keep its inside.
        padded = np.zeros(shape, x.dtype)
        _col2im_table(cols, 0, stop - start, kernel, stride, dilation, y_size, padded)
        _frame_copy(x, start, pads, padded, False)
