"""The Winograd path: F(2, 2) for strided convolutions whose kernel spans at most two strides.

The four kernels of ``minigrad.kernels.conv``, with the same results up to
rounding, for ``groups == 1``, dilation 1 and, per spatial dim, ``k <= 2 s``: DCGAN's
k4 s2 layers and their kin. Per dim, pad the kernel with zero taps to ``r s`` taps
(``r = ceil(k / s)``) and split x into its stride phases ``xf[q] = x[s q + f - pad]``,
``f < s``. With ``wf[j] = w[s j + f]``, ``conv_valid`` and ``conv_weight_grad`` become
r-tap correlations, and ``conv_transpose_valid`` is ``conv_valid``'s adjoint:

    conv_valid:           y[p]  = sum_f sum_j xf[p + j] wf[j]
    conv_weight_grad:     wf[j] = sum_p y[p] xf[p + j]

For r = 2, F(2, 2) gives two outputs of a 2-tap correlation ``out[a] = sum_j d[a + j]
g[j]`` from a window ``(d0, d1, d2)`` with three products instead of four:

    m = ((d0 - d1) g0,  d1 (g0 + g1),  (d2 - d1) g1),    out = (m0 + m1, m1 + m2)

that is ``out = A^T [(G g) * (B^T d)]``, so the adjoint in d is ``d = B [(G g) * (A
out)]``, with ``A = G``. Over channels each product is a GEMM, one per "point" (3 per
dim with r = 2, 1 with r = 1): 9 GEMMs carry the multiply-adds of 16 taps in 2-d, 27
those of 64 in 3-d. The transforms (``transforms``, ``adjoint``, on the layout
of ``layout``) only add and subtract, so rounding stays within a few ulps of the
direct sums'. Windows and tiles past the ends of an array read zeros, and results past
them are cut off; where a dim's last tile has only one output, point 2 (which feeds
only the second) skips that tile: per channel pair and phase, a 7x7 output takes 121
products rather than 144 (direct: 196). ``takes`` is this path's line in the routing
table of ``minigrad.kernels.conv``: the layers it takes.

Non-finite values and overflow: the transforms mix neighbouring values (``d0 - d1``,
``g0 + g1``), so one inf becomes NaN in every output its tile touches, and magnitudes
near the dtype's limit overflow where the direct sums do not. With ``checked`` (as the
dispatch calls them) the kernels return None for a result that is not ``trustworthy``,
and ``minigrad.kernels.conv`` recomputes it on the im2col path, with the direct sums.

Determinism: the batch blocks depend on the shapes only; every transform writes each
element once in a fixed order; each GEMM is one single-threaded BLAS call whichever
thread of ``minigrad.kernels._threads`` runs it (a lone block's points may be
shared between two threads: each point's GEMM is the same call either way); the weight
gradient's block partials are added in block order.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from minigrad.kernels._threads import (
    batch_blocks,
    halves,
    one_blas_thread,
    quiet,
    run_blocks,
    run_per_block,
)
from minigrad.kernels.conv.winograd.adjoint import transform_in_adjoint
from minigrad.kernels.conv.winograd.layout import point_tiles, sum_of_squares
from minigrad.kernels.conv.winograd.transforms import (
    transform_in,
    transform_out,
    weights_in,
    weights_out,
)

if TYPE_CHECKING:
    from minigrad.kernels.conv.geometry import Geometry

Triple = tuple[int, int, int]


def _triple(values: Sequence[int]) -> Triple:
    a, b, c = (int(v) for v in values)
    return (a, b, c)


# When these kernels take a layer, set by timing the benchmark's layers here and on the
# im2col path (see docs/performance.md): their GEMMs are narrower, (C_out, s^d C_in) per
# point rather than (C_out, k^d C_in), so they need enough channels; and tiles of two
# waste work on odd sizes, so for narrow GEMMs the saving must be large (the 7x7 digits
# layer, at 0.62 of the direct products, still ran faster here, forward and backward).
MIN_CHANNELS = 16
WIDE = 128
MAX_WORK_RATIO = 0.65
# From this many output channels on, a block's weight gradient is one GEMM per point,
# ``V_p @ G_p^T`` (faster so on the 7x7 digits and the DCGAN layers), below it one per
# point and kernel phase (faster so on the 3-d layer's 32 channels).
POINT_GEMM_CHANNELS = 64
# ... and a layer must be big enough (direct multiply-adds) to pay for the transforms:
# the training step's 2x2 and 4x4 layers (34 M) ran slower here, the 3-d one (67 M)
# faster.
MIN_WORK = 48_000_000
# ... and more than one tile per sample: a 2x2 grid of tiles (DCGAN's 512>256 layer on
# 4x4 inputs) ran faster here than on the im2col path once the weights' transforms no
# longer made transposing copies of w, which is as large as x on that layer.
MIN_TILES = 4
# Float64 too: on an AVX-512 CPU its GEMMs run at half float32's rate, so the saved
# multiplications are worth more than there (the two float64 benchmark layers ran a
# fifth faster here). The checking dtype loses nothing: gradcheck's and the adjoint
# tests' layers are far below MIN_WORK, so they keep the direct sums.
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Bytes of transformed arrays per batch block: they stay in cache between the
# transform that writes them and the GEMMs that read them.
BLOCK_BYTES = 4 << 20
# Transformed weights of at least this many bytes are made, and the weight gradient
# taken back from them, in two halves for two threads (see _in_halves).
SPLIT_BYTES = 8 << 20


def _taps(kernel: Triple, stride: Triple) -> Triple:
    """Taps per phase and dim, ``ceil(k / s)``."""
    a, b, c = (-(-k // s) for k, s in zip(kernel, stride))
    return (a, b, c)


def takes(geometry: Geometry, n: int, c_out: int, c_in: int, dtype: np.dtype) -> bool:
    """Whether the kernels of this geometry run here, for batch n, w: ``(C_out, C_in/g,
    *k)`` with ``c_in`` = C_in/g, and this dtype. One rule serves all four:
    ``conv_transpose_valid`` is ``conv_valid``'s adjoint, with the same GEMMs transposed
    and transforms of the same size, and the weight gradient reads the same windows.

    >>> from minigrad.kernels.conv.geometry import Geometry
    >>> dcgan = Geometry((1, 2, 2), (1, 1, 1), (1, 4, 4), 1, (1, 16, 16), (1, 8, 8),
    ...                  ((0, 0), (1, 1), (1, 1)))
    >>> takes(dcgan, 64, 256, 128, np.float32), takes(dcgan, 1, 256, 128, np.float32)
    (True, False)
    """
    kernel, stride, y_size = geometry.kernel_size, geometry.stride, geometry.y_size
    work = n * c_out * c_in * math.prod(kernel) * math.prod(y_size)
    # The work first: it settles the small layers, most calls, in one comparison.
    if work < MIN_WORK or geometry.groups != 1 or geometry.dilation != (1, 1, 1):
        return False
    taps = _taps(kernel, stride)
    if max(taps) != 2 or np.dtype(dtype) not in DTYPES:
        return False
    narrow = min(c_out, math.prod(stride) * c_in)
    tiles = _tile_counts(y_size, taps)
    if math.prod(tiles) < MIN_TILES:
        return False
    kept = point_tiles(taps, tiles, _drop(taps, tiles, y_size))
    ratio = math.prod(stride) * sum(kept) / (math.prod(kernel) * math.prod(y_size))
    return narrow >= MIN_CHANNELS and (ratio <= MAX_WORK_RATIO or narrow >= WIDE)


def trustworthy(*results: np.ndarray) -> bool:
    """Whether these kernels' results may stand for the direct sums': the sum of their
    squares is finite, so every element is finite and below the square root of its
    dtype's largest value, about 1.8e19 in float32 and 1.3e154 in float64 (results that
    large never come out of training; they are only recomputed).
    Otherwise the caller recomputes them with the direct sums, which then give exactly
    that path's NaN and inf.

    Why that suffices. In exact arithmetic every output is the direct sum of the
    products it reads; the transforms only add and subtract operands, and every operand
    that the direct sum of a kept output reads enters (with coefficient +-1) a
    transformed value that feeds a kept output.
    (1) If a direct sum reads an inf or NaN, such a transformed value is non-finite
    (a sum with a non-finite term is never finite: inf - inf is NaN), so is its
    product with anything (inf * 0 is NaN) and every sum it enters: some result here
    is non-finite, and all are recomputed.
    (2) If this result overflows or turns NaN on its own (inf - inf inside a tile, one
    inf smeared over its neighbours), it is non-finite, and recomputed.
    (3) If a direct sum's exact value is beyond the dtype's range, this one is within
    rounding of it, far above that square root (unless its terms are near the range
    themselves, the case below), and is recomputed.
    Left are finite results below that square root, which the direct sums give finite
    too, except where their partial sums can overflow although the total is small (terms
    near the dtype's limit that cancel): there the outcome depends on the summation
    order (BLAS's blocking, PyTorch's backends disagree there too), not on the method.

    The kernels here take the test where it is cheapest: the output transforms sum
    the squares of each channel's outputs while they are in cache (``transform_out``,
    ``transform_in_adjoint``, their return values), and the small weight gradient is
    tested whole, by this function. On the float32 benchmark layers that take these
    kernels, the test is a small fraction of a layer's forward+backward (see
    docs/performance.md).
    """
    # Its own error state: without Numba the squares overflow in numpy scalars, which
    # would warn (at a cost, on the large layers that come here).
    with quiet():
        return all(bool(np.isfinite(sum_of_squares(r.reshape(-1), r.size))) for r in results)


@functools.lru_cache(maxsize=64)
def _tap_map(kernel: Triple, stride: Triple, taps: Triple) -> tuple[np.ndarray, np.ndarray]:
    """The weights' transform as ``(rows, taps)`` index pairs, in row order: row ``(p0,
    p1, p2, e0, e1, e2)`` (point, kernel phase) is the sum of the taps ``t = s j + e``
    (``t < k``) of its phases' taps j that ``G`` feeds to point p (per dim, ``G`` =
    ((1, 0), (1, 1), (0, 1)) with two taps a phase, the identity with one). ``A`` is
    the same matrix, so the weight gradient comes back through the same pairs reversed.
    """
    per_dim = []
    for k, s, r in zip(kernel, stride, taps):
        g = np.ones((1, 1)) if r == 1 else np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        m = np.zeros((g.shape[0], s, k))
        for e in range(s):
            for j in range(r):
                if s * j + e < k:
                    m[:, e, s * j + e] = g[:, j]
        per_dim.append(m)
    full = np.einsum("adg,beh,cfi->abcdefghi", *per_dim).reshape(-1, math.prod(kernel))
    rows, columns = np.nonzero(full)
    return rows.astype(np.int64), columns.astype(np.int64)


Points = np.ndarray | list[np.ndarray]


def _matmul(a: Points, b: Points, out: Points, alone: bool) -> None:
    """``out[p] = a[p] @ b[p]`` for every point p (one stacked call when all three are
    arrays); the points of the ``alone`` block of a call (see ``run_per_block``) are
    shared between two threads when there is enough work. Each GEMM is the same
    single-threaded call either way, so the bits do not change. numpy's warnings are off
    through the caller's ``quiet()``, which ``run_blocks`` carries into its threads.
    """
    work = sum(o.size * left.shape[-1] for o, left in zip(out, a))

    stacked = all(isinstance(operand, np.ndarray) for operand in (a, b, out))

    def part(start: int, stop: int) -> None:
        if stacked:
            np.matmul(a[start:stop], b[start:stop], out=out[start:stop])
            return
        for p in range(start, stop):
            np.matmul(a[p], b[p], out=out[p])

    points = halves(len(out), work, smallest=2) if alone else None
    if points is None:
        part(0, len(out))
    else:
        run_blocks(part, points)


class _Layout:
    """Where the points of a GEMM operand live in one flat buffer: point p's block is
    ``(rows, tiles_p * N)``, columns (tile, sample), with ``tiles_p`` from
    ``point_tiles``: a point that only feeds outputs past the end drops those tiles.
    """

    def __init__(self, taps: Triple, tiles: Triple, drop: Triple, n: int) -> None:
        self.taps, self.tiles, self.drop = taps, tiles, drop
        self.widths = [t * n for t in point_tiles(taps, tiles, drop)]

    def views(self, flat: np.ndarray, rows: int) -> Points:
        if len(set(self.widths)) == 1:  # one stack, for stacked GEMM calls
            return flat.reshape(len(self.widths), rows, self.widths[0])
        out, offset = [], 0
        for width in self.widths:
            out.append(flat[offset : offset + rows * width].reshape(rows, width))
            offset += rows * width
        return out

    def empty(self, rows: int, dtype: np.dtype) -> tuple[np.ndarray, Points]:
        flat = np.empty(rows * sum(self.widths), dtype)
        return flat, self.views(flat, rows)


def _tile_counts(sizes: Sequence[int], taps: Triple) -> Triple:
    a, b, c = (-(-n // (2 if r == 2 else 1)) for n, r in zip(sizes, taps))
    return (a, b, c)


def _drop(taps: Triple, tiles: Triple, sizes: Sequence[int]) -> Triple:
    """Per dim with tiles of two, whether the last tile's second output ``2T - 1`` lies
    past the end: whether the size is odd.
    """
    a, b, c = (int(r == 2 and 2 * t - 1 >= n) for r, t, n in zip(taps, tiles, sizes))
    return (a, b, c)


def _direct_work(n: int, c_out: int, c_in: int, geometry: Geometry) -> int:
    """The layer's multiply-adds on the direct sums, ``N C_out C_in prod(k) prod(L_y)``:
    its size, which sets its batch blocks and threads as on the im2col path (a layer
    that fits one block is still cut in two when that is worth a second thread).
    """
    return n * c_out * c_in * math.prod(geometry.kernel_size) * math.prod(geometry.y_size)


def _points(taps: Triple) -> int:
    return math.prod(3 if r == 2 else 1 for r in taps)


def _phase_windows(x: np.ndarray, stride: Triple, padding: Triple, layout: _Layout) -> Points:
    """The stride phases of x with ``B^T`` on their windows, per point p
    ``(s0 s1 s2 C, T_p N)``: rows ``(phase, channel)``, columns ``(tile, sample)``.
    """
    flat, v = layout.empty(math.prod(stride) * x.shape[1], x.dtype)
    transform_in(x, stride, padding, layout.taps, layout.tiles, True, layout.drop, flat)
    return v


def _pair_tiles(y: np.ndarray, layout: _Layout) -> Points:
    """``G`` on y's tiles (pairs along each dim with r = 2), per point ``(C_out, T_p N)``."""
    flat, g = layout.empty(y.shape[1], y.dtype)
    transform_in(y, (1, 1, 1), (0, 0, 0), layout.taps, layout.tiles, False, layout.drop, flat)
    return g


class _Conv:
    """The GEMMs and output transform of ``conv_valid`` on the windows of a block."""

    def __init__(self, w: np.ndarray, stride: Triple, taps: Triple) -> None:
        """``u: (P, C_out, E C_in)``: ``G`` on every kernel phase e of w, for w: ``(C_out,
        C_in, *k)`` (C-contiguous), in the layout of the GEMMs' left operand.
        """
        c_out, c_in = w.shape[:2]
        rows, columns = _tap_map(_triple(w.shape[2:]), stride, taps)
        u = np.empty((_points(taps), c_out, math.prod(stride), c_in), w.dtype)
        by_tap = w.reshape(c_out, c_in, -1)

        def part(start: int, stop: int) -> None:
            weights_in(rows, columns, by_tap, math.prod(stride), u, start, stop)

        _in_halves(part, c_out, u.nbytes)
        self.u = u.reshape(u.shape[0], c_out, -1)

    def __call__(
        self, v: Points, layout: _Layout, y: np.ndarray, check: bool, alone: bool
    ) -> bool:
        """Write the block's y; whether it is ``trustworthy`` (with ``check``)."""
        flat, products = layout.empty(self.u.shape[1], y.dtype)
        _matmul(self.u, v, products, alone)
        squares = transform_out(flat, layout.taps, layout.tiles, layout.drop, y, check)
        return bool(np.isfinite(squares))


def _by_point(c_out: int) -> bool:
    """Whether the weight gradient takes one GEMM per point (else per point and phase)."""
    return c_out >= POINT_GEMM_CHANNELS


def _weight_partial(
    v: Points, y: np.ndarray, layout: _Layout, partial: np.ndarray, alone: bool
) -> None:
    """A block's share of the weight gradient, summing over (tile, sample): per point p
    ``partial[p] = V_p @ G(y)_p^T``, ``(P, E, C_in, C_out)``, if ``_by_point``, else per
    point and kernel phase ``partial[p, e] = G(y)_p @ V_{p, e}^T``, ``(P, E, C_out, C_in)``.
    """
    g = _pair_tiles(y, layout)
    if _by_point(y.shape[1]):
        rows = partial.shape[1] * partial.shape[2]
        flat = partial.reshape(partial.shape[0], rows, -1)
        if isinstance(g, np.ndarray) and isinstance(v, np.ndarray):
            _matmul(v, g.transpose(0, 2, 1), flat, alone)
        else:
            _matmul(v, [gp.T for gp in g], list(flat), alone)
        return
    points, phases, _, c_in = partial.shape
    if isinstance(g, np.ndarray) and isinstance(v, np.ndarray):
        by_phase = v.reshape(points, phases, c_in, -1).transpose(0, 1, 3, 2)
        left = np.broadcast_to(g[:, None], (*partial.shape[:2], *g.shape[1:]))
        _matmul(left, by_phase, partial, alone)
        return
    left = [np.broadcast_to(gp, (phases, *gp.shape)) for gp in g]
    right = [vp.reshape(phases, c_in, vp.shape[1]).transpose(0, 2, 1) for vp in v]
    _matmul(left, right, partial, alone)


def _weight_from(
    partials: np.ndarray, stride: Triple, taps: Triple, kernel: Triple, by_point: bool
) -> np.ndarray:
    """The blocks' partials added in block order, back to taps through the tap matrix,
    as ``(C_out, C_in, *k)`` from ``_weight_partial``'s layout (``by_point`` or not).
    """
    total = partials[0]
    for partial in partials[1:]:
        total += partial
    points, phases, a, b = total.shape
    c_out, c_in = (b, a) if by_point else (a, b)
    w = np.empty((c_out, c_in, math.prod(kernel)), total.dtype)
    rows, columns = _tap_map(kernel, stride, taps)
    by_pair = total.reshape(points * phases, a, b)

    def part(start: int, stop: int) -> None:
        weights_out(rows, columns, by_pair, by_point, w, start, stop)

    _in_halves(part, a, total.nbytes)
    return w.reshape(c_out, c_in, *kernel)


def _in_halves(part: Callable[[int, int], None], count: int, nbytes: int) -> None:
    """``part(0, count)``, or ``part`` on two fixed halves for two threads when the
    transformed weights take at least SPLIT_BYTES: these passes run between the
    blocks, in one thread, and on the widest layers take a tenth of the layer's time.
    Each element is written by the same loop either way, so the bits do not change.
    """
    if nbytes < SPLIT_BYTES or count < 2:
        part(0, count)
        return
    run_blocks(part, [(0, count // 2), (count // 2, count)])


def conv_valid(
    x: np.ndarray, w: np.ndarray, geometry: Geometry, checked: bool = True
) -> np.ndarray | None:
    """``minigrad.kernels.conv.conv_valid`` here, ``x: (N, C_in, *L_x) -> y: (N,
    C_out, *L_y)``: ``y[p] = sum_f sum_j xf[p + j] wf[j]``, 3^d GEMMs over (phase,
    channel). ``checked``: None unless y is ``trustworthy``.
    """
    x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
    stride, padding, out_size = geometry.stride, geometry.before, geometry.y_size
    taps = _taps(geometry.kernel_size, stride)
    tiles = _tile_counts(out_size, taps)
    n = x.shape[0]
    y = np.empty((n, w.shape[0], *out_size), x.dtype)
    with one_blas_thread(), quiet():
        conv = _Conv(w, stride, taps)

        def block(start: int, stop: int, alone: bool) -> bool:
            layout = _Layout(taps, tiles, _drop(taps, tiles, out_size), stop - start)
            v = _phase_windows(x[start:stop], stride, padding, layout)
            return conv(v, layout, y[start:stop], checked, alone)

        per_sample = _points(taps) * math.prod(stride) * x.shape[1] * math.prod(tiles)
        direct = _direct_work(n, w.shape[0], w.shape[1], geometry)
        blocks = batch_blocks(n, per_sample * x.itemsize, math.prod(tiles), BLOCK_BYTES, direct)
        trusted = run_per_block(block, blocks, direct)
    return y if all(trusted) or not checked else None


def conv_transpose_valid(
    y: np.ndarray, w: np.ndarray, geometry: Geometry, checked: bool = True
) -> np.ndarray | None:
    """``minigrad.kernels.conv.conv_transpose_valid`` here, ``y: (N, C_out, *L_y) ->
    x: (N, C_in, *L_x)``: the adjoint of ``conv_valid``'s maps, taken in reverse.
    ``conv_valid`` is ``y = A^T [U (B^T x)]`` tile by tile, so ``x = B [U^T (A y)]``: A
    is G, so ``A y`` is ``G`` on y's pairs; then 3^d GEMMs ``(s^d C_in, C_out)`` over
    (phase, channel) rows; then ``B`` on each window, added where the windows overlap,
    back into x's stride phases. ``checked``: None unless x is ``trustworthy``.
    """
    y, w = np.ascontiguousarray(y), np.ascontiguousarray(w)
    stride, padding = geometry.stride, geometry.before
    taps = _taps(geometry.kernel_size, stride)
    y_size = _triple(y.shape[2:])
    tiles = _tile_counts(y_size, taps)
    drop = _drop(taps, tiles, y_size)
    n, c_out = y.shape[:2]
    rows = math.prod(stride) * w.shape[1]
    x = np.empty((n, w.shape[1], *geometry.x_size), y.dtype)
    with one_blas_thread(), quiet():
        # (P, C_out, rows) -> (P, rows, C_out), a view: BLAS reads it transposed.
        left = _Conv(w, stride, taps).u.transpose(0, 2, 1)

        def block(start: int, stop: int, alone: bool) -> bool:
            layout = _Layout(taps, tiles, drop, stop - start)
            g = _pair_tiles(y[start:stop], layout)
            flat, products = layout.empty(rows, y.dtype)
            _matmul(left, g, products, alone)
            squares = transform_in_adjoint(flat, stride, padding, taps, tiles, drop,
                                           x[start:stop], checked)  # fmt: skip
            return bool(np.isfinite(squares))

        per_sample = _points(taps) * (c_out + rows) * math.prod(tiles)
        direct = _direct_work(n, c_out, w.shape[1], geometry)
        blocks = batch_blocks(n, per_sample * y.itemsize, math.prod(tiles), BLOCK_BYTES, direct)
        trusted = run_per_block(block, blocks, direct)
    return x if all(trusted) or not checked else None


def conv_weight_grad(
    x: np.ndarray, y: np.ndarray, geometry: Geometry, checked: bool = True
) -> np.ndarray | None:
    """``minigrad.kernels.conv.conv_weight_grad`` here, ``x, y -> w: (C_out, C_in,
    *k)``: ``wf[j] = sum_p y[p] xf[p + j]``, 3^d GEMMs summing over (tile, sample).
    ``checked``: None unless w is ``trustworthy``.
    """
    return _both(x, None, y, geometry, checked)[1]


def conv_and_weight_grad(
    x: np.ndarray, w: np.ndarray, y: np.ndarray, geometry: Geometry, checked: bool = True
) -> tuple[np.ndarray, np.ndarray] | None:
    """``minigrad.kernels.conv.conv_and_weight_grad`` here: both from one transform
    of x's windows per block; the weight gradient equals ``conv_weight_grad``'s bit for
    bit. ``checked``: None unless both are ``trustworthy``.
    """
    out, grad = _both(x, w, y, geometry, checked)
    return None if out is None or grad is None else (out, grad)


def _both(
    x: np.ndarray, w: np.ndarray | None, y: np.ndarray, geometry: Geometry, checked: bool
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The conv output (if w is given) and the weight gradient, block by block; with
    ``checked``, None for each that is not ``trustworthy``.
    """
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    stride, padding, kernel = geometry.stride, geometry.before, geometry.kernel_size
    taps = _taps(kernel, stride)
    n, c_in = x.shape[:2]
    c_out = y.shape[1]
    tiles = _tile_counts(y.shape[2:], taps)
    points, phases = _points(taps), math.prod(stride)
    per_sample = points * (phases * c_in + c_out) * math.prod(tiles)
    direct = _direct_work(n, c_out, c_in, geometry)
    blocks = batch_blocks(n, per_sample * x.itemsize, math.prod(tiles), BLOCK_BYTES, direct)
    pair = (c_in, c_out) if _by_point(c_out) else (c_out, c_in)
    partials = np.empty((len(blocks), points, phases, *pair), x.dtype)
    index = {start: i for i, (start, _) in enumerate(blocks)}
    out = None if w is None else np.empty((n, c_out, *y.shape[2:]), x.dtype)
    drop = _drop(taps, tiles, y.shape[2:])
    with one_blas_thread(), quiet():
        conv = None if w is None else _Conv(np.ascontiguousarray(w), stride, taps)

        def block(start: int, stop: int, alone: bool) -> bool:
            layout = _Layout(taps, tiles, drop, stop - start)
            v = _phase_windows(x[start:stop], stride, padding, layout)
            trusted = conv is None or conv(v, layout, out[start:stop], checked, alone)
            _weight_partial(v, y[start:stop], layout, partials[index[start]], alone)
            return trusted

        # The weight gradient's direct multiply-adds, and the conv output's if wanted.
        work = direct * (1 if w is None else 2)
        trusted = all(run_per_block(block, blocks, work)) or not checked
        grad = _weight_from(partials, stride, taps, kernel, _by_point(c_out))
    if checked and not trustworthy(grad):
        grad = None
    return (out if trusted else None), grad
