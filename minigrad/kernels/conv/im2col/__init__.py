"""The im2col path: every convolution as im2col / GEMM / col2im, the GEMM in numpy's BLAS.

The four kernels of ``minigrad.kernels.conv``, for any geometry: every array is 3-d
in space, ``x: (N, C_in, *L_x)``, ``w: (C_out, C_in/g, *k)``, ``y: (N, C_out, *L_y)``,
and ``K = prod(k)``, ``P = prod(L_y)``.

One column matrix links them. For a block of samples ``b0 <= n < b1``, row ``(c, t)``
and column ``(n - b0, p)`` of

    cols[c * K + t, (n - b0) * P + p] = x[n, c, s*p + d*t]      (C_in * K, (b1 - b0) * P)

hold the input value that tap ``t`` of output position ``p`` reads. Then, per group,

- ``conv_valid``:           y_g = w_g @ cols_g               (im2col, then one GEMM)
- ``conv_transpose_valid``: cols_g = w_g^T @ y_g, then x     (one GEMM, then col2im)
- ``conv_weight_grad``:     w_g^T = sum over blocks of cols_g @ y_g^T
- ``conv_and_weight_grad``: the first and the third from one im2col per block (a
  transposed convolution's backward needs exactly these two)

with ``y_g`` the block of ``y`` laid out as ``(C_out, (b1 - b0) * P)``. The gathers
between x and its columns are ``gather``'s. The batch is cut into blocks of about
BLOCK_BYTES of columns (boundaries fixed by the shapes alone, by
``batch_blocks``): the column matrix of a block stays in
cache and is never a fresh, page-faulting buffer of hundreds of MB, while each GEMM
keeps hundreds of columns.

This path answers every call, also the ones the Winograd path declines (a result it
cannot vouch for): the dispatch in ``minigrad.kernels.conv`` then runs it here, so
every path gives these sums' NaN and inf.

Empty operands (an empty batch, no channels on either side) make every sum empty: the
result is zeros. inf and NaN propagate as IEEE arithmetic has them (``0 * inf`` is NaN,
in the zero padding too), without numpy's warnings.

A weight gradient reuses its forward's columns when it can: ``conv_valid`` notes a
copy of the block of x it gathered from (a lone block whose columns are at least
REUSE_RATIO times the block), and ``conv_weight_grad`` skips its own im2col when its
block of x has the same bits and the thread's column buffer has not been written since.
In a backward that is the forward's last im2col layer (the first one the backward
reaches), with no memory kept beyond a copy of that layer's input block.

Determinism: the blocks run on the pool of ``minigrad.kernels._threads`` with one
BLAS thread each; the Numba loops are serial within a block and each element of x, y
or w is written by one block in a fixed order (col2im adds the taps of an x element in
lexicographic order; the weight gradient adds the blocks' partial sums in block order).
So neither NUMBA_NUM_THREADS nor OPENBLAS_NUM_THREADS changes a bit.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from minigrad.kernels._threads import (
    batch_blocks,
    halves,
    one_blas_thread,
    quiet,
    run_blocks,
    run_per_block,
)
from minigrad.kernels.conv.im2col.gather import col2im, im2col

if TYPE_CHECKING:
    from minigrad.kernels.conv.geometry import Geometry

# Bytes of column matrix per batch block: about one core's L2 cache, the best of the
# block sizes tried on the benchmark layers (see docs/performance.md).
BLOCK_BYTES = 1 << 20
# Transposing copies of (samples, channels, positions) blocks with fewer positions than
# this run in Numba: numpy's copy is slower on short runs, and the two break even about
# here (see docs/performance.md).
SHORT_RUN = 32
# Scratch buffers up to this size stay allocated between kernel calls, per thread.
SCRATCH_LIMIT = 32 << 20
# A forward's columns are kept for its weight gradient when they are at least this many
# times its block of x (whose copy is the key): 3x3 and k4 s2 layers are, a 1x1 is not.
REUSE_RATIO = 4

Gemm = Callable[..., None]


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
        if name == "cols":
            self.local.source = None  # the caller writes columns: forget whose they were
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

    def note_columns(self, block: np.ndarray, geometry: Geometry, cols: np.ndarray) -> None:
        """Note that the column buffer holds ``cols``, the columns of ``block`` (a block
        of x): a copy of the block is kept as the key. Columns too large to be kept
        between calls, and blocks too large to copy, are not noted.
        """
        if max(cols.nbytes, block.nbytes) > SCRATCH_LIMIT:
            return
        copy = self.get("source", block.shape)
        np.copyto(copy, block)
        self.local.source = (geometry, copy)

    def columns_of(
        self, block: np.ndarray, geometry: Geometry, shape: tuple[int, ...]
    ) -> np.ndarray | None:
        """The column buffer as ``shape`` if it still holds the columns of a block of x
        with ``block``'s shape and bits (see ``note_columns``), else None.
        """
        source = getattr(self.local, "source", None)
        if source is None or source[0] != geometry:
            return None
        copy = source[1]
        if copy.dtype != block.dtype or copy.shape != block.shape:
            return None
        bits = f"u{block.itemsize}"  # compared as integers: a NaN equals itself
        if not _same_bits(copy.reshape(-1).view(bits), block.reshape(-1).view(bits)):
            return None
        buffer = self.local.buffers[("cols", self.dtype.char)]
        return buffer[: math.prod(shape)].reshape(shape)


@njit(cache=True, nogil=True)
def _same_bits(a, b):  # pragma: no cover
    """Whether two flat integer arrays of one size are equal, stopping at the first
    difference.
    """
    for i in range(a.size):
        if a[i] != b[i]:
            return False
    return True


def _whole(x_size: tuple[int, ...], geometry: Geometry) -> bool:
    """One output position whose taps read every input position once, as in DCGAN's
    first layer: the column matrix is then just x transposed.
    """
    return (
        geometry.y_size == (1, 1, 1)
        and geometry.dilation == (1, 1, 1)
        and geometry.before == (0, 0, 0)
        and tuple(x_size) == geometry.kernel_size
    )


def _as_product(x_size: tuple[int, ...], geometry: Geometry) -> bool:
    """A ``_whole`` layer with one group: each kernel is then one matrix product of the
    arrays as they lie, ``x: (N, C_in K)``, ``w: (C_out, C_in K)`` and ``y: (N,
    C_out)``, ``y = x w^T``, with no column matrix and no transposing copy.
    """
    return geometry.groups == 1 and _whole(x_size, geometry)


def _product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left @ right`` in a new array, a large one cut into two fixed row blocks for two
    threads (``_gemm``).
    """
    out = np.empty((left.shape[0], right.shape[1]), left.dtype)
    with one_blas_thread(), quiet():
        _gemm(left, right, out)
    return out


def _columns(
    x: np.ndarray,
    start: int,
    stop: int,
    geometry: Geometry,
    scratch: _Scratch,
    reuse: bool = False,
    note: bool = False,
) -> np.ndarray:
    """The block's column matrix ``(C_in * K, (stop - start) * P)``; with ``reuse``, the
    buffer's if it holds this block's columns already, and with ``note`` the block is
    noted as the buffer's source (see ``_Scratch.note_columns``).
    """
    if _whole(x.shape[2:], geometry):
        return x[start:stop].reshape(stop - start, -1).T
    rows = x.shape[1] * math.prod(geometry.kernel_size)
    shape = (rows, (stop - start) * math.prod(geometry.y_size))
    if reuse:
        cols = scratch.columns_of(x[start:stop], geometry, shape)
        if cols is not None:
            return cols
    cols = scratch.get("cols", shape)
    im2col(x, start, stop, geometry, cols)
    if note and cols.size >= REUSE_RATIO * x[start:stop].size:
        scratch.note_columns(x[start:stop], geometry, cols)
    return cols


def _gemm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """``out = a @ b``; a large product is cut into two fixed row blocks for two threads."""
    rows = halves(a.shape[0], a.shape[0] * a.shape[1] * b.shape[1])
    if rows is None:
        np.dot(a, b, out=out)
        return

    def part(start: int, stop: int) -> None:
        np.dot(a[start:stop], b, out=out[start:stop])

    run_blocks(part, rows)


def _products(alone: bool) -> Gemm:
    """The GEMM of a block: one that may use two threads for the lone block of a call,
    the plain one for the blocks that the pool's threads share (see ``run_per_block``).
    """
    return _gemm if alone else np.dot


@njit(cache=True, nogil=True)
def _swap_leading(a, out):  # pragma: no cover
    """``out[j, i, k] = a[i, j, k]``: faster than numpy's transposing copy when the runs
    of k are short, as in small layers (see docs/performance.md).
    """
    # Index by element: an array slice assignment here made Numba's compile of this
    # loop many times slower.
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


def _conv_block(
    weight: np.ndarray,
    cols: np.ndarray,
    y: np.ndarray,
    start: int,
    stop: int,
    gemm: Gemm,
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


def conv_valid(x: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """Cross-correlation, ``x: (N, C_in, *L_x) -> y: (N, C_out, *L_y)``, as
    ``minigrad.kernels.conv.conv_valid``: im2col per batch block, then one GEMM
    per group.
    """
    x, w = _contiguous(x), _contiguous(w)
    assert x.dtype == w.dtype, (x.dtype, w.dtype)
    n, c_in = x.shape[:2]
    c_out, c_group = w.shape[:2]
    groups, out_size = geometry.groups, geometry.y_size
    if x.size == 0 or w.size == 0:
        return np.zeros((n, c_out, *out_size), x.dtype)
    if _as_product(x.shape[2:], geometry):
        # y = x w^T
        return _product(x.reshape(n, -1), w.reshape(c_out, -1).T).reshape(n, c_out, *out_size)
    f_group, rows = c_out // groups, c_group * math.prod(geometry.kernel_size)
    positions = math.prod(out_size)
    weight = w.reshape(groups, f_group, rows)
    y = np.empty((n, c_out, positions), x.dtype)

    scratch = _Scratch(x.dtype)

    def block(start: int, stop: int, alone: bool) -> None:
        cols = _columns(x, start, stop, geometry, scratch, note=alone)
        _conv_block(weight, cols, y, start, stop, _products(alone), scratch)

    work = n * c_out * rows * positions
    blocks = batch_blocks(n, c_in * rows // c_group * positions * x.itemsize, positions,
                          BLOCK_BYTES, work)  # fmt: skip
    with one_blas_thread(), quiet():
        run_per_block(block, blocks, work)
    return y.reshape(n, c_out, *out_size)


def conv_transpose_valid(y: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in x, ``y: (N, C_out, *L_y) -> x: (N, C_in, *L_x)``,
    as ``minigrad.kernels.conv.conv_transpose_valid``: one GEMM per group and batch
    block, then col2im.
    """
    y, w = _contiguous(y), _contiguous(w)
    assert y.dtype == w.dtype, (y.dtype, w.dtype)
    n = y.shape[0]
    c_out, c_group = w.shape[:2]
    groups, in_size = geometry.groups, geometry.x_size
    if y.size == 0 or w.size == 0:
        return np.zeros((n, c_group * groups, *in_size), y.dtype)
    if _as_product(in_size, geometry):
        # x = y w
        return _product(y.reshape(n, -1), w.reshape(c_out, -1)).reshape(n, c_group, *in_size)
    f_group, rows = c_out // groups, c_group * math.prod(geometry.kernel_size)
    positions = math.prod(geometry.y_size)
    weight = w.reshape(groups, f_group, rows)
    # Not zeroed here: each block's col2im writes all of its block.
    x = np.empty((n, c_group * groups, *in_size), y.dtype)

    scratch = _Scratch(y.dtype)

    def block(start: int, stop: int, alone: bool) -> None:
        gemm = _products(alone)
        grad_columns = _channels_first(y, start, stop, scratch)
        cols = scratch.get("cols", (groups * rows, grad_columns.shape[1]))
        for g in range(groups):
            block_rows = grad_columns[g * f_group : (g + 1) * f_group]
            gemm(weight[g].T, block_rows, cols[g * rows : (g + 1) * rows])
        if _whole(x.shape[2:], geometry):
            x[start:stop] = cols.T.reshape(x[start:stop].shape)
        else:
            col2im(cols, start, stop, geometry, x)

    work = n * c_out * rows * positions
    blocks = batch_blocks(n, groups * rows * positions * y.itemsize, positions, BLOCK_BYTES,
                          work)  # fmt: skip
    with one_blas_thread(), quiet():
        run_per_block(block, blocks, work)
    return x


def _weight_grad_blocks(
    n: int, c_out: int, rows: int, groups: int, positions: int, itemsize: int
) -> list[tuple[int, int]]:
    """Batch blocks for a weight gradient: each block adds a ``(C_out, C_in/g * K)``
    partial sum, so blocks must be long enough in the summed (batch) direction for
    that to be cheap next to their GEMM. Depends on the shapes only.
    """
    block_bytes = max(BLOCK_BYTES, 2 * c_out * rows * itemsize)
    return batch_blocks(n, groups * rows * positions * itemsize, positions, block_bytes)


def _weight_partial(
    cols: np.ndarray, grad_columns: np.ndarray, gemm: Gemm, partial: np.ndarray
) -> None:
    """One block's share of the weight gradient into ``partial: (g, C_in/g * K, C_out/g)``,
    ``w_g^T = cols_g @ y_g^T``: with the long column matrix as the untransposed operand
    OpenBLAS runs faster than ``y_g @ cols_g^T`` on every benchmark layer (see
    docs/performance.md).
    """
    groups, rows, f_group = partial.shape
    for g in range(groups):
        block_rows = grad_columns[g * f_group : (g + 1) * f_group]
        gemm(cols[g * rows : (g + 1) * rows], block_rows.T, partial[g])


def _transposed(blocks: np.ndarray, tile: int = 128) -> np.ndarray:
    """``(G, R, F) -> (G * F, R)``, each ``(R, F)`` transposed tile by tile: numpy's
    one-shot transposing copy of a few MB runs out of cache, and slower.
    """
    groups, rows, width = blocks.shape
    out = np.empty((groups, width, rows), blocks.dtype)
    for g in range(groups):
        for i in range(0, rows, tile):
            for j in range(0, width, tile):
                out[g, j : j + tile, i : i + tile] = blocks[g, i : i + tile, j : j + tile].T
    return out.reshape(groups * width, rows)


def _weight_from_partials(partials: np.ndarray, kernel: tuple[int, int, int]) -> np.ndarray:
    """The blocks' partial sums ``(blocks, g, C_in/g * K, C_out/g)`` added in block order
    and laid out as ``(C_out, C_in/g, *k)``.
    """
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    c_out, rows = total.shape[0] * total.shape[2], total.shape[1]
    return _transposed(total).reshape(c_out, rows // math.prod(kernel), *kernel)


def conv_weight_grad(x: np.ndarray, y: np.ndarray, geometry: Geometry) -> np.ndarray:
    """The adjoint of ``conv_valid`` in w, ``x, y -> w: (C_out, C_in/g, *k)``, as
    ``minigrad.kernels.conv.conv_weight_grad``: per batch block, im2col and one GEMM
    per group, the blocks' partial sums added in block order.
    """
    x, y = _contiguous(x), _contiguous(y)
    assert x.dtype == y.dtype, (x.dtype, y.dtype)
    if x.size == 0 or y.size == 0:
        shape = (y.shape[1], x.shape[1] // geometry.groups, *geometry.kernel_size)
        return np.zeros(shape, x.dtype)
    if _as_product(x.shape[2:], geometry):
        # w = y^T x
        n, shape = x.shape[0], (y.shape[1], x.shape[1], *geometry.kernel_size)
        return _product(y.reshape(n, -1).T, x.reshape(n, -1)).reshape(shape)
    return _weight_grad_pass(x, y, geometry, _Scratch(x.dtype))


def _weight_grad_pass(
    x: np.ndarray,
    y: np.ndarray,
    geometry: Geometry,
    scratch: _Scratch,
    also: Callable[[np.ndarray, int, int, Gemm], None] | None = None,
) -> np.ndarray:
    """``conv_weight_grad`` over the weight gradient's batch blocks; ``also(cols, start,
    stop, gemm)``, if given, runs first on each block's column matrix (the conv output
    of ``conv_and_weight_grad``).
    """
    n, c_in = x.shape[:2]
    c_out = y.shape[1]
    groups, kernel = geometry.groups, geometry.kernel_size
    rows, positions = c_in // groups * math.prod(kernel), math.prod(geometry.y_size)
    blocks = _weight_grad_blocks(n, c_out, rows, groups, positions, x.itemsize)
    partials = np.empty((len(blocks), groups, rows, c_out // groups), x.dtype)
    index = {start: i for i, (start, _) in enumerate(blocks)}

    def block(start: int, stop: int, alone: bool) -> None:
        gemm = _products(alone)
        cols = _columns(x, start, stop, geometry, scratch, reuse=also is None)
        if also is not None:
            also(cols, start, stop, gemm)
        grad_columns = _channels_first(y, start, stop, scratch)
        _weight_partial(cols, grad_columns, gemm, partials[index[start]])

    # The conv output of ``also`` doubles the products.
    work = n * c_out * rows * positions * (1 if also is None else 2)
    with one_blas_thread(), quiet():
        run_per_block(block, blocks, work)
        return _weight_from_partials(partials, kernel)


def conv_and_weight_grad(
    x: np.ndarray, w: np.ndarray, y: np.ndarray, geometry: Geometry
) -> tuple[np.ndarray, np.ndarray]:
    """``(conv_valid(x, w), conv_weight_grad(x, y))`` from one im2col of x, as
    ``minigrad.kernels.conv.conv_and_weight_grad``: the two GEMMs of each batch
    block read the same column matrix, the blocks being the weight gradient's.
    """
    x, w, y = _contiguous(x), _contiguous(w), _contiguous(y)
    assert x.dtype == w.dtype == y.dtype, (x.dtype, w.dtype, y.dtype)
    n, c_in = x.shape[:2]
    c_out = w.shape[0]
    if x.size == 0 or w.size == 0 or y.size == 0 or _as_product(x.shape[2:], geometry):
        return conv_valid(x, w, geometry), conv_weight_grad(x, y, geometry)
    groups = geometry.groups
    weight = w.reshape(groups, c_out // groups, c_in // groups * math.prod(geometry.kernel_size))
    out = np.empty((n, c_out, math.prod(geometry.y_size)), x.dtype)
    scratch = _Scratch(x.dtype)

    def conv(cols: np.ndarray, start: int, stop: int, gemm: Gemm) -> None:
        _conv_block(weight, cols, out, start, stop, gemm, scratch)

    weight_grad = _weight_grad_pass(x, y, geometry, scratch, also=conv)
    return out.reshape(n, c_out, *geometry.y_size), weight_grad
