"""Fast convolution kernels: im2col / GEMM / col2im, with the GEMM in numpy's BLAS.

Same signatures and semantics as the loop twins in :mod:`minigrad.kernels.reference`;
every array is 3-d in space, ``x: (N, C_in, *L_x)``, ``w: (C_out, C_in/g, *k)``,
``y: (N, C_out, *L_y)``, and ``K = prod(k)``, ``P = prod(L_y)``.

One column matrix links the three kernels. For a block of samples ``b0 <= n < b1``,
row ``(c, t)`` and column ``(n - b0, p)`` of

    cols[c * K + t, (n - b0) * P + p] = x[n, c, s*p + d*t]      (C_in * K, (b1 - b0) * P)

hold the input value that tap ``t`` of output position ``p`` reads. Then, per group,

- ``conv_valid``:           y_g = w_g @ cols_g               (im2col, then one GEMM)
- ``conv_transpose_valid``: cols_g = w_g^T @ y_g, then x     (one GEMM, then col2im)
- ``conv_weight_grad``:     w_g^T = sum over blocks of cols_g @ y_g^T
- ``conv_and_weight_grad``: the first and the third from one im2col per block (a
  transposed convolution's backward needs exactly these two)

with ``y_g`` the block of ``y`` laid out as ``(C_out, (b1 - b0) * P)``. im2col gathers
long output lines as contiguous copies from x's stride phases along W (``xs[f, m] =
x[s*m + f]``), short ones through a table of column offsets; col2im mirrors both. The batch is cut
into blocks of a few MB of columns (boundaries fixed by the shapes alone): the column
matrix of a block stays in cache and is never a fresh, page-faulting buffer of
hundreds of MB, while each GEMM keeps hundreds of columns.

Layers with groups 1, dilation 1, ``k <= 2 s`` in every dim and enough channels and
work go to :mod:`minigrad.kernels.winograd` instead (``takes_conv`` /
``takes_transpose``), which does the same maps with fewer multiplications; a result it
cannot vouch for (``winograd.trustworthy``: its squares do not sum to a finite value,
that is some element is inf, NaN or beyond 1.8e19) is recomputed here, so every path
gives these sums' NaN and inf.

Empty operands (an empty batch, no channels on either side) make every sum empty: the
result is zeros. inf and NaN propagate as IEEE arithmetic has them (``0 * inf`` is NaN,
in the zero padding too), without numpy's warnings.

Determinism: the blocks run on the pool of :mod:`minigrad.kernels._threads` with one
BLAS thread each; the Numba loops are serial within a block and each element of x, y
or w is written by one block in a fixed order (col2im adds the taps of an x element in
lexicographic order; the weight gradient adds the blocks' partial sums in block order).
So neither NUMBA_NUM_THREADS nor OPENBLAS_NUM_THREADS changes a bit.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import numpy as np
from numba import njit

from minigrad.kernels import winograd
from minigrad.kernels._threads import one_blas_thread, run_blocks, split
from minigrad.kernels.im2col import col2im, im2col

Triple = tuple[int, int, int]

# Bytes of column matrix per batch block: one core's L2 cache (measured best of 1-64 MB).
BLOCK_BYTES = 1 << 20
# ... unless that makes the GEMMs narrower than this many columns (samples x positions).
MIN_COLUMNS = 512
# Transposing copies of (samples, channels, positions) blocks with fewer positions than
# this run in Numba (numpy's copy is slow on short runs; measured equal at 32-64).
SHORT_RUN = 32
# Scratch buffers up to this size stay allocated between kernel calls, per thread.
SCRATCH_LIMIT = 32 << 20
# A GEMM or layer with fewer than twice this many multiply-adds (well under a ms) is not
# worth a second thread: on a busy machine the join waits for the slower one.
PARALLEL_WORK = 16_000_000


def _triple(values: tuple[int, ...]) -> Triple:
    # Plain Python ints keep Numba to one compiled signature per dtype.
    assert len(values) == 3, values
    return (int(values[0]), int(values[1]), int(values[2]))


def _quiet() -> np.errstate:
    """An error state without numpy's warnings (inf and NaN propagate, silently), for
    a kernel call: once per call, around all of its blocks and GEMMs, since each
    ``np.errstate`` costs about a microsecond.
    """
    return np.errstate(invalid="ignore", over="ignore")


def _contiguous(array: np.ndarray) -> np.ndarray:
    assert array.dtype in (np.float32, np.float64), array.dtype
    assert array.ndim == 5, array.shape
    return np.ascontiguousarray(array)


class _Scratch:
    """Buffers reused by the blocks of kernel calls, one set per thread and kept between
    calls: a block's column matrix and GEMM output are about a MB each, and fresh ones
    pay their page faults again every time (under a VM, as long as the small layers'
    own work). Buffers above SCRATCH_LIMIT bytes are not kept.
    """

    local = threading.local()

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        size = math.prod(shape)
        if size * self.dtype.itemsize > SCRATCH_LIMIT:
            return np.empty(shape, self.dtype)
        buffers = getattr(self.local, "buffers", None)
        if buffers is None:
            buffers = self.local.buffers = {}
        key = (name, self.dtype.char)
        buffer = buffers.get(key)
        if buffer is None or buffer.size < size:
            buffer = buffers[key] = np.empty(size, self.dtype)
        return buffer[:size].reshape(shape)


def _batch_blocks(
    n: int, positions: int, bytes_per_sample: int, work: float
) -> list[tuple[int, int]]:
    """Cut the batch into blocks of about BLOCK_BYTES of columns, but at least
    MIN_COLUMNS wide for the GEMM; at least two blocks when the layer is big enough to
    share between threads. Depends on the shapes only.
    """
    per_block = max(1, BLOCK_BYTES // max(1, bytes_per_sample), -(-MIN_COLUMNS // positions))
    parts = -(-n // per_block)
    if parts == 1 and work >= 2 * PARALLEL_WORK:
        parts = 2
    if parts == 1:
        return [(0, n)]  # the small layers' case, without split()'s arithmetic
    return split(n, parts)


def _whole(x_size: tuple[int, ...], geometry: tuple[Triple, ...]) -> bool:
    """One output position whose taps read every input position once, as in DCGAN's
    first layer: the column matrix is then just x transposed.
    """
    kernel, _, dilation, y_size, pads = geometry
    return (
        y_size == (1, 1, 1)
        and dilation == (1, 1, 1)
        and pads == (0, 0, 0)
        and tuple(x_size) == kernel
    )


def _columns(
    x: np.ndarray, start: int, stop: int, geometry: tuple[Triple, ...], scratch: _Scratch
) -> np.ndarray:
    """The block's column matrix ``(C_in * K, (stop - start) * P)``."""
    if _whole(x.shape[2:], geometry):
        return x[start:stop].reshape(stop - start, -1).T
    rows = x.shape[1] * math.prod(geometry[0])
    cols = scratch.get("cols", (rows, (stop - start) * math.prod(geometry[3])))
    im2col(x, start, stop, *geometry, cols)
    return cols


def _gemm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out = a @ b``; a large product is cut into two fixed row blocks for two threads."""
    work = a.shape[0] * a.shape[1] * b.shape[1]
    if work < 2 * PARALLEL_WORK or a.shape[0] < 64:
        np.dot(a, b, out=out)
        return

    def rows(start: int, stop: int) -> None:
        np.dot(a[start:stop], b, out=out[start:stop])

    run_blocks(rows, split(a.shape[0], 2))


@njit(cache=True, nogil=True)
def _swap_leading(a, out):  # pragma: no cover
    """``out[j, i, k] = a[i, j, k]``: 2-2.5x faster than numpy's transposing copy when
    the runs of k are short (4-16), as for small layers.
    """
    # Index by element: an array slice assignment here took Numba 3.7 s to compile.
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            for k in range(a.shape[2]):
                out[j, i, k] = a[i, j, k]


def _swap_copy(a: np.ndarray, out: np.ndarray) -> None:
    """``out = a.transpose(1, 0, 2)`` for 3-d C-contiguous arrays."""
    if a.shape[2] < SHORT_RUN:
        _swap_leading(a, out)
    else:
        np.copyto(out, a.transpose(1, 0, 2))


def _channels_first(y: np.ndarray, start: int, stop: int, scratch: _Scratch) -> np.ndarray:
    """``y[start:stop]`` as ``(C, (stop - start) * P)``: the batch joins the columns."""
    n, c = stop - start, y.shape[1]
    block = y[start:stop].reshape(n, c, -1)
    out = scratch.get("channels", (c, n, block.shape[2]))
    _swap_copy(block, out)
    return out.reshape(c, -1)


def _per_block(
    task: Callable[[int, int, Callable[..., None]], object], blocks: list[tuple[int, int]]
) -> list[object]:
    """Run ``task(start, stop, gemm)``: with several blocks each runs whole on one
    thread; a single block may split its GEMMs instead. Every thread runs under the
    caller's numpy error state (``run_blocks`` carries it over), so the kernels'
    one ``_quiet()`` per call keeps numpy's warnings off in all of them.
    """
    if len(blocks) == 1:
        return [task(*blocks[0], _gemm)]
    return run_blocks(lambda start, stop: task(start, stop, np.dot), blocks)


def _conv_block(
    weight: np.ndarray,
    cols: np.ndarray,
    y: np.ndarray,
    start: int,
    stop: int,
    gemm: Callable[..., None],
    scratch: _Scratch,
) -> None:
    """``y[start:stop] = w @ cols`` per group, for ``y: (N, C_out, P)`` and the block's
    column matrix; ``weight`` is w as ``(g, C_out/g, C_in/g * K)``.
    """
    groups, f_group, rows = weight.shape
    c_out = groups * f_group
    out = scratch.get("out", (c_out, cols.shape[1]))
    for g in range(groups):
        gemm(weight[g], cols[g * rows : (g + 1) * rows], out[g * f_group : (g + 1) * f_group])
    _swap_copy(out.reshape(c_out, stop - start, y.shape[2]), y[start:stop])


def conv_valid(
    x: np.ndarray,
    w: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    out_size: Triple,
    padding: Triple = (0, 0, 0),
) -> np.ndarray:
    """Cross-correlation, ``x: (N, C_in, *L_x) -> y: (N, C_out, *L_y)``.

    ``y[n, o, p] = sum_{c, t} x[n, group(o) c, s*p + d*t - padding] * w[o, c, t]``, x
    read as zero outside ``[0, L_x)`` (zero padding fused in); exactly
    ``L_y = out_size`` positions are computed.

    >>> x = np.ones((1, 1, 1, 1, 4), np.float32)
    >>> w = np.ones((1, 1, 1, 1, 2), np.float32)
    >>> conv_valid(x, w, (1, 1, 1), (1, 1, 1), 1, (1, 1, 3)).ravel()
    array([2., 2., 2.], dtype=float32)
    """
    x, w = _contiguous(x), _contiguous(w)
    assert x.dtype == w.dtype, (x.dtype, w.dtype)
    n, c_in = x.shape[:2]
    c_out, c_group = w.shape[:2]
    kernel, out_size = _triple(w.shape[2:]), _triple(out_size)
    if x.size == 0 or w.size == 0:
        return np.zeros((n, c_out, *out_size), x.dtype)
    geometry = (kernel, _triple(stride), _triple(dilation), out_size, _triple(padding))
    if winograd.takes_conv(*geometry[:3], groups, n, c_out, c_in, out_size, x.dtype):
        fast = winograd.conv_valid(x, w, *geometry[1:3], groups, out_size, geometry[4], True)
        if fast is not None:
            return fast
    f_group, rows = c_out // groups, c_group * math.prod(kernel)
    positions = math.prod(out_size)
    weight = w.reshape(groups, f_group, rows)
    y = np.empty((n, c_out, positions), x.dtype)

    scratch = _Scratch(x.dtype)

    def block(start: int, stop: int, gemm: Callable[..., None]) -> None:
        cols = _columns(x, start, stop, geometry, scratch)
        _conv_block(weight, cols, y, start, stop, gemm, scratch)

    blocks = _batch_blocks(n, positions, c_in * rows // c_group * positions * x.itemsize,
                           n * c_out * rows * positions)  # fmt: skip
    with one_blas_thread(), _quiet():
        _per_block(block, blocks)
    return y.reshape(n, c_out, *out_size)


def conv_transpose_valid(
    y: np.ndarray,
    w: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    in_size: Triple,
    padding: Triple = (0, 0, 0),
) -> np.ndarray:
    """The adjoint of ``conv_valid`` in x, ``y: (N, C_out, *L_y) -> x: (N, C_in, *L_x)``.

    ``<conv_valid(x, w), y> == <x, conv_transpose_valid(y, w)>``; ``L_x = in_size`` is
    given, positions no tap reaches are zero, and taps landing in the zero padding
    (outside ``[0, L_x)`` once shifted by ``padding``) are dropped.

    >>> y = np.ones((1, 1, 1, 1, 3), np.float32)
    >>> w = np.ones((1, 1, 1, 1, 2), np.float32)
    >>> conv_transpose_valid(y, w, (1, 1, 1), (1, 1, 1), 1, (1, 1, 4)).ravel()
    array([1., 2., 2., 1.], dtype=float32)
    """
    y, w = _contiguous(y), _contiguous(w)
    assert y.dtype == w.dtype, (y.dtype, w.dtype)
    n = y.shape[0]
    c_out, c_group = w.shape[:2]
    kernel, y_size, in_size = _triple(w.shape[2:]), _triple(y.shape[2:]), _triple(in_size)
    if y.size == 0 or w.size == 0:
        return np.zeros((n, c_group * groups, *in_size), y.dtype)
    geometry = (kernel, _triple(stride), _triple(dilation), y_size, _triple(padding))
    if winograd.takes_transpose(*geometry[:3], groups, n, c_out, c_group, y_size, y.dtype):
        fast = winograd.conv_transpose_valid(y, w, *geometry[1:3], groups, in_size,
                                             geometry[4], True)  # fmt: skip
        if fast is not None:
            return fast
    f_group, rows = c_out // groups, c_group * math.prod(kernel)
    positions = math.prod(y_size)
    weight = w.reshape(groups, f_group, rows)
    # Not zeroed here: each block's col2im writes all of its block.
    x = np.empty((n, c_group * groups, *in_size), y.dtype)

    scratch = _Scratch(y.dtype)

    def block(start: int, stop: int, gemm: Callable[..., None]) -> None:
        grad_columns = _channels_first(y, start, stop, scratch)
        cols = scratch.get("cols", (groups * rows, grad_columns.shape[1]))
        for g in range(groups):
            block_rows = grad_columns[g * f_group : (g + 1) * f_group]
            gemm(weight[g].T, block_rows, cols[g * rows : (g + 1) * rows])
        if _whole(x.shape[2:], geometry):
            x[start:stop] = cols.T.reshape(x[start:stop].shape)
        else:
            col2im(cols, start, stop, *geometry, x)

    blocks = _batch_blocks(n, positions, groups * rows * positions * y.itemsize,
                           n * c_out * rows * positions)  # fmt: skip
    with one_blas_thread(), _quiet():
        _per_block(block, blocks)
    return x


def _weight_grad_blocks(
    n: int, c_out: int, rows: int, groups: int, positions: int, itemsize: int
) -> list[tuple[int, int]]:
    """Batch blocks for a weight gradient: each block adds a ``(C_out, C_in/g * K)``
    partial sum, so blocks must be long enough in the summed (batch) direction for
    that to be cheap next to their GEMM. Depends on the shapes only.
    """
    block_bytes = max(BLOCK_BYTES, 2 * c_out * rows * itemsize)
    per_sample = groups * rows * positions * itemsize
    per_block = max(1, block_bytes // max(1, per_sample), -(-MIN_COLUMNS // positions))
    if per_block >= n:
        return [(0, n)]  # the small layers' case, without split()'s arithmetic
    return split(n, -(-n // per_block))


def _weight_partial(
    cols: np.ndarray, grad_columns: np.ndarray, gemm: Callable[..., None], partial: np.ndarray
) -> None:
    """One block's share of the weight gradient into ``partial: (g, C_in/g * K, C_out/g)``,
    ``w_g^T = cols_g @ y_g^T``: with the long column matrix as the untransposed operand
    OpenBLAS runs 10-50 % faster than ``y_g @ cols_g^T`` (measured).
    """
    groups, rows, f_group = partial.shape
    for g in range(groups):
        block_rows = grad_columns[g * f_group : (g + 1) * f_group]
        gemm(cols[g * rows : (g + 1) * rows], block_rows.T, partial[g])


def _transposed(blocks: np.ndarray, tile: int = 128) -> np.ndarray:
    """``(G, R, F) -> (G * F, R)``, each ``(R, F)`` transposed tile by tile: numpy's
    one-shot transposing copy of a few MB runs about half as fast, out of cache.
    """
    groups, rows, width = blocks.shape
    out = np.empty((groups, width, rows), blocks.dtype)
    for g in range(groups):
        for i in range(0, rows, tile):
            for j in range(0, width, tile):
                out[g, j : j + tile, i : i + tile] = blocks[g, i : i + tile, j : j + tile].T
    return out.reshape(groups * width, rows)


def _weight_from_partials(partials: np.ndarray, kernel: Triple) -> np.ndarray:
    """The blocks' partial sums ``(blocks, g, C_in/g * K, C_out/g)`` added in block order
    and laid out as ``(C_out, C_in/g, *k)``.
    """
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    c_out, rows = total.shape[0] * total.shape[2], total.shape[1]
    return _transposed(total).reshape(c_out, rows // math.prod(kernel), *kernel)


def conv_weight_grad(
    x: np.ndarray,
    y: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    kernel_size: Triple,
    padding: Triple = (0, 0, 0),
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
    kernel, y_size = _triple(kernel_size), _triple(y.shape[2:])
    if x.size == 0 or y.size == 0:
        return np.zeros((y.shape[1], x.shape[1] // groups, *kernel), x.dtype)
    geometry = (kernel, _triple(stride), _triple(dilation), y_size, _triple(padding))
    if winograd.takes_conv(
        *geometry[:3], groups, x.shape[0], y.shape[1], x.shape[1] // groups, y_size, x.dtype
    ):
        fast = winograd.conv_weight_grad(x, y, *geometry[1:3], groups, kernel, geometry[4], True)
        if fast is not None:
            return fast
    return _weight_grad_pass(x, y, geometry, groups, _Scratch(x.dtype))


def _weight_grad_pass(
    x: np.ndarray,
    y: np.ndarray,
    geometry: tuple[Triple, ...],
    groups: int,
    scratch: _Scratch,
    also: Callable[[np.ndarray, int, int, Callable[..., None]], None] | None = None,
) -> np.ndarray:
    """``conv_weight_grad`` over the weight gradient's batch blocks; ``also(cols, start,
    stop, gemm)``, if given, runs first on each block's column matrix (the conv output
    of ``conv_and_weight_grad``).
    """
    n, c_in = x.shape[:2]
    c_out = y.shape[1]
    kernel, y_size = geometry[0], geometry[3]
    rows, positions = c_in // groups * math.prod(kernel), math.prod(y_size)
    blocks = _weight_grad_blocks(n, c_out, rows, groups, positions, x.itemsize)
    partials = np.empty((len(blocks), groups, rows, c_out // groups), x.dtype)
    index = {start: i for i, (start, _) in enumerate(blocks)}

    def block(start: int, stop: int, gemm: Callable[..., None]) -> None:
        cols = _columns(x, start, stop, geometry, scratch)
        if also is not None:
            also(cols, start, stop, gemm)
        grad_columns = _channels_first(y, start, stop, scratch)
        _weight_partial(cols, grad_columns, gemm, partials[index[start]])

    with one_blas_thread(), _quiet():
        _per_block(block, blocks)
        return _weight_from_partials(partials, kernel)


def conv_and_weight_grad(
    x: np.ndarray,
    w: np.ndarray,
    y: np.ndarray,
    stride: Triple,
    dilation: Triple,
    groups: int,
    padding: Triple = (0, 0, 0),
) -> tuple[np.ndarray, np.ndarray]:
    """``(conv_valid(x, w), conv_weight_grad(x, y))`` from one im2col of x: the two
    GEMMs of each batch block read the same column matrix.

    This is a transposed convolution's backward (x its output gradient, y its input);
    building the columns once saves a pass over them, up to a tenth of the layer.
    ``L_y`` is y's size and k is w's. The weight gradient equals ``conv_weight_grad``'s
    bit for bit (same blocks, GEMMs and summation order); the conv output is cut into
    those blocks too, so it may round differently from ``conv_valid``'s.

    >>> x = np.arange(4, dtype=np.float64).reshape(1, 1, 1, 1, 4)
    >>> w, y = np.ones((1, 1, 1, 1, 2)), np.ones((1, 1, 1, 1, 3))
    >>> out, grad_w = conv_and_weight_grad(x, w, y, (1, 1, 1), (1, 1, 1), 1)
    >>> out.ravel(), grad_w.ravel()
    (array([1., 3., 5.]), array([3., 6.]))
    """
    x, w, y = _contiguous(x), _contiguous(w), _contiguous(y)
    assert x.dtype == w.dtype == y.dtype, (x.dtype, w.dtype, y.dtype)
    n, c_in = x.shape[:2]
    c_out = w.shape[0]
    kernel, y_size = _triple(w.shape[2:]), _triple(y.shape[2:])
    if x.size == 0 or w.size == 0 or y.size == 0:
        common = (stride, dilation, groups)
        return (
            conv_valid(x, w, *common, y_size, padding),
            conv_weight_grad(x, y, *common, kernel, padding),
        )
    geometry = (kernel, _triple(stride), _triple(dilation), y_size, _triple(padding))
    if winograd.takes_conv(*geometry[:3], groups, n, c_out, c_in // groups, y_size, x.dtype):
        pair = winograd.conv_and_weight_grad(x, w, y, *geometry[1:3], groups, geometry[4], True)
        if pair is not None:
            return pair
    weight = w.reshape(groups, c_out // groups, c_in // groups * math.prod(kernel))
    out = np.empty((n, c_out, math.prod(y_size)), x.dtype)
    scratch = _Scratch(x.dtype)

    def conv(cols: np.ndarray, start: int, stop: int, gemm: Callable[..., None]) -> None:
        _conv_block(weight, cols, out, start, stop, gemm, scratch)

    weight_grad = _weight_grad_pass(x, y, geometry, groups, scratch, also=conv)
    return out.reshape(n, c_out, *y_size), weight_grad
