"""Resampling ops: the linear maps of interpolation and pooling, max pooling's gather, and
the pixel shuffle.

Notation: ``x: (P, *L_in)`` or any shape with the resampled dims inside it; per spatial
dim, ``L_in`` values in and ``L_out`` out; ``T`` taps per output position.

Three adjoint pairs carry every layer of [`minigrad.functional.pooling`][] and
[`minigrad.functional.upsampling`][]:

* ``AxisResample``: a sparse ``(L_out, L_in)`` matrix applied along one dim, given
  row by row as ``Taps`` (for each output position, the input positions it reads
  and their weights). Nearest and linear interpolation, average pooling and adaptive
  average pooling are all separable, so each is one ``AxisResample`` per spatial dim.
  Its adjoint is the same op with the transposed matrix (``Taps.adjoint``, again a
  gather over its own output), and each is the other's backward.
* ``PlaneGather`` / ``PlaneScatter``: ``out[p, j] = x[p, index[p, j]]`` and
  its adjoint, which adds values back at the indices. Max pooling is the gather of the
  window maxima (``gather_window_maxima``; the indices have no derivative); its
  backward is the scatter, whose backward is the gather again.
* ``PixelShuffle`` / ``PixelUnshuffle``: channel blocks moved into space and back, a
  permutation and its inverse, so each is the other's backward.

A per-dim window table (``window_index``, ``adaptive_index``) lists, for each output
position, the input positions of its window, with -1 where a window tap falls in the
padding or past the end of a shorter window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels.pool import apply_taps, scatter_add, window_max
from minigrad.kernels.shuffle import pixel_shuffle, pixel_unshuffle
from minigrad.ops.shape import reshape
from minigrad.tensor import Tensor


@dataclass(frozen=True, eq=False, repr=False)
class Taps:
    """A sparse ``(L_out, L_in)`` matrix, row by row: ``out[o] = sum_t weight[o, t] *
    x[index[o, t]]``, over the taps with ``index[o, t] >= 0`` (-1 marks an unused tap).

    Attributes:
        index: ``(L_out, T)`` int64 input positions, or -1.
        weight: ``(L_out, T)`` float64 weights (any value where the index is -1).
        size_in: ``L_in``.
    """

    index: np.ndarray
    weight: np.ndarray
    size_in: int

    @property
    def size_out(self) -> int:
        return int(self.index.shape[0])

    def __repr__(self) -> str:
        return f"Taps({self.size_in} -> {self.size_out}, {self.index.shape[1]} per output)"

    @cached_property
    def adjoint(self) -> Taps:
        """The transposed ``(L_in, L_out)`` matrix as taps: for each input position, the
        output positions that read it, in increasing order (so its sums have a fixed order).
        """
        rows = np.repeat(np.arange(self.size_out, dtype=np.int64), self.index.shape[1])
        columns = self.index.ravel()
        weights = self.weight.ravel()
        used = columns >= 0
        rows, columns, weights = rows[used], columns[used], weights[used]
        order = np.argsort(columns, kind="stable")
        rows, columns, weights = rows[order], columns[order], weights[order]
        counts = np.bincount(columns, minlength=self.size_in)
        width = max(int(counts.max(initial=0)), 1)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        slots = np.arange(columns.size) - starts[columns]
        index = np.full((self.size_in, width), -1, dtype=np.int64)
        weight = np.zeros((self.size_in, width))
        index[columns, slots] = rows
        weight[columns, slots] = weights
        adjoint = Taps(index, weight, self.size_out)
        adjoint.__dict__["adjoint"] = self  # the adjoint's adjoint is this matrix
        return adjoint

    def apply(self, x: np.ndarray, axis: int) -> np.ndarray:
        """The matrix applied along ``axis`` of ``x``, in x's dtype; taps summed in order."""
        assert x.shape[axis] == self.size_in, (x.shape, axis, self.size_in)
        return apply_taps(x, self.index, self.weight, axis)


class AxisResample(Function):
    """out = taps applied along ``axis``: ``(..., L_in, ...) -> (..., L_out, ...)``, with
    ``out[..., o, ...] = sum_t weight[o, t] * x[..., index[o, t], ...]``.
    dx = AxisResample(grad, taps.adjoint, axis).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, taps: Taps, axis: int) -> np.ndarray:
        return taps.apply(x, axis)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        taps: Taps = ctx.params["taps"]
        return (AxisResample.apply(grad, taps=taps.adjoint, axis=ctx.params["axis"]),)


def resample(x: Tensor, taps: list[Taps], first_axis: int) -> Tensor:
    """One ``AxisResample`` per dim, from ``first_axis`` on (a separable map)."""
    for offset, table in enumerate(taps):
        x = AxisResample.apply(x, taps=table, axis=first_axis + offset)
    return x


class PixelShuffle(Function):
    """out = x's channel blocks moved into space, a copy:
    ``(*, C r², H, W) -> (*, C, H r, W r)``, ``out[..., c, h r + i, w r + j] =
    x[..., c r² + i r + j, h, w]``.
    dx = PixelUnshuffle(grad, r): the adjoint of a permutation is its inverse.

    One op where the composite was three (a reshape, a permute and a copying reshape)
    forward and three back; the copy is one pass of ``minigrad.kernels.shuffle``.
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, factor: int) -> np.ndarray:
        return pixel_shuffle(x, factor)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (PixelUnshuffle.apply(grad, factor=ctx.params["factor"]),)


class PixelUnshuffle(Function):
    """out = x's space moved into channel blocks, a copy, the inverse of
    ``PixelShuffle``: ``(*, C, H r, W r) -> (*, C r², H, W)``.
    dx = PixelShuffle(grad, r).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, factor: int) -> np.ndarray:
        return pixel_unshuffle(x, factor)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (PixelShuffle.apply(grad, factor=ctx.params["factor"]),)


class PlaneGather(Function):
    """out[p, j] = x[p, index[p, j]]: ``(P, M) -> (P, K)``.
    dx = PlaneScatter(grad, index, M).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, index: np.ndarray) -> np.ndarray:
        return np.take_along_axis(x, index, axis=1)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        (x,) = ctx.inputs
        return (PlaneScatter.apply(grad, index=ctx.params["index"], size=x.shape[1]),)


class PlaneScatter(Function):
    """out = zeros ``(P, size)`` with ``out[p, index[p, j]] += y[p, j]``: ``(P, K) -> (P, size)``
    (a repeated index adds up, in increasing j).   dy = PlaneGather(grad, index).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, y: np.ndarray, *, index: np.ndarray, size: int) -> np.ndarray:
        return scatter_add(y, index, size)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (PlaneGather.apply(grad, index=ctx.params["index"]),)


# --- window tables and taps (arrays: geometry, no derivative) ---------------------------

# The interpolation taps depend on the sizes and arguments alone, so each is built once
# and shared (with its adjoint) by every call of that geometry: building them took most
# of a small upsampling layer's time. Their arrays are never written after this.
_shared_taps = lru_cache(maxsize=256)


def window_index(
    size_in: int, size_out: int, kernel: int, stride: int, padding: int, dilation: int
) -> np.ndarray:
    """``(L_out, k)``: the input position of each tap of each window, -1 in the padding
    (window o starts at ``o * s - p`` and steps by ``d``).
    """
    index = (np.arange(size_out)[:, None] * stride - padding) + np.arange(kernel) * dilation
    return np.where((index >= 0) & (index < size_in), index, -1).astype(np.int64)


def adaptive_bounds(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray]:
    """Window o of adaptive pooling: ``[floor(o L_in / L_out), ceil((o+1) L_in / L_out))``."""
    o = np.arange(size_out, dtype=np.int64)
    return (o * size_in) // size_out, -((-(o + 1) * size_in) // size_out)


def adaptive_index(size_in: int, size_out: int) -> np.ndarray:
    """``(L_out, widest window)``: each adaptive window's positions, -1 past its end."""
    start, end = adaptive_bounds(size_in, size_out)
    width = max(int((end - start).max(initial=1)), 1)
    index = start[:, None] + np.arange(width)
    return np.where(index < end[:, None], index, -1)


def average_taps(index: np.ndarray, size_in: int, divisor: np.ndarray) -> Taps:
    """The mean of each window: weight ``1 / divisor[o]`` on each used tap of row o."""
    weight = np.broadcast_to(1.0 / divisor.astype(np.float64)[:, None], index.shape)
    return Taps(index, np.array(weight), size_in)


@_shared_taps
def nearest_taps(
    size_in: int, size_out: int, scale: float | None, exact: bool, shortcuts: bool = False
) -> Taps:
    """Nearest neighbour: output o reads ``floor((o + e) * r)``, clipped to ``L_in - 1``,
    with e = 1/2 for ``nearest-exact`` (else 0) and r = 1/scale_factor when given, else
    L_in / L_out, computed in float32 as PyTorch does (so the same positions). With
    ``shortcuts`` (PyTorch's 2-d plain nearest), output o reads o when L_out = L_in and
    o // 2 when L_out = 2 L_in, whatever the scale factor.
    """
    o = np.arange(size_out, dtype=np.int64)
    if shortcuts and not exact and size_out == size_in:
        position = o
    elif shortcuts and not exact and size_out == 2 * size_in:
        position = o // 2
    else:
        ratio = _ratio(size_in, size_out, scale, np.dtype(np.float32))
        offset = np.float32(0.5 if exact else 0.0)
        position = np.floor((o.astype(np.float32) + offset) * ratio).astype(np.int64)
    index = np.minimum(position, size_in - 1)[:, None]
    return Taps(index, np.ones(index.shape), size_in)


@_shared_taps
def linear_taps(
    size_in: int, size_out: int, align_corners: bool, scale: float | None, dtype: np.dtype
) -> Taps:
    """Linear interpolation between the two inputs around each output's source point
    ``x = o * (L_in - 1) / (L_out - 1)`` (align_corners) or ``x = max((o + 1/2) r - 1/2,
    0)`` (else, r as in ``nearest_taps``): weights ``1 - λ`` and ``λ`` with
    ``λ = x - floor(x)``; computed in the input's dtype, as PyTorch computes them.
    """
    o = np.arange(size_out).astype(dtype)
    if align_corners:
        ratio = dtype.type((size_in - 1) / (size_out - 1)) if size_out > 1 else dtype.type(0)
        source = o * ratio
    else:
        ratio = _ratio(size_in, size_out, scale, dtype)
        source = np.maximum((o + dtype.type(0.5)) * ratio - dtype.type(0.5), dtype.type(0))
    low = np.minimum(np.floor(source).astype(np.int64), size_in - 1)
    fraction = np.clip(source - low.astype(dtype), 0, 1)
    high = low + (low < size_in - 1)
    index = np.stack([low, high], axis=1)
    weight = np.stack([1 - fraction, fraction], axis=1).astype(np.float64)
    return Taps(index, weight, size_in)


@_shared_taps
def cubic_taps(
    size_in: int, size_out: int, align_corners: bool, scale: float | None, dtype: np.dtype
) -> Taps:
    """Keys' cubic convolution (a = -0.75) on the four inputs around each source point
    ``x`` (as in ``linear_taps``, but not clipped at 0), positions clamped to the
    input: with ``t = x - floor(x)``, weights ``c2(t + 1), c1(t), c1(1 - t), c2(2 - t)``
    where ``c1(u) = ((a + 2) u - (a + 3)) u² + 1`` and ``c2(u) = ((a u - 5a) u + 8a) u - 4a``.
    """
    o = np.arange(size_out).astype(dtype)
    if align_corners:
        ratio = dtype.type((size_in - 1) / (size_out - 1)) if size_out > 1 else dtype.type(0)
        source = o * ratio
    else:
        source = (o + dtype.type(0.5)) * _ratio(size_in, size_out, scale, dtype) - dtype.type(0.5)
    floor = np.floor(source)
    t = (source - floor).astype(np.float64)
    a = -0.75

    def near(u: np.ndarray) -> np.ndarray:
        return ((a + 2) * u - (a + 3)) * u * u + 1

    def far(u: np.ndarray) -> np.ndarray:
        return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a

    weight = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)
    index = floor.astype(np.int64)[:, None] + np.arange(-1, 3)
    return Taps(np.clip(index, 0, size_in - 1), weight, size_in)


@_shared_taps
def antialias_taps(
    size_in: int, size_out: int, align_corners: bool, scale: float | None, cubic: bool
) -> Taps:
    """Antialiased linear or cubic resampling, PyTorch's ``antialias=True``: output o
    averages the inputs j within ``support`` of its centre ``c = (o + 1/2) r`` with
    weights ``f((j + 1/2 - c) / max(r, 1))``, normalised to sum 1, where r is the ratio
    of ``linear_taps`` (``(L_in - 1) / (L_out - 1)`` with align_corners), f the
    triangle ``max(0, 1 - |u|)`` or Keys' cubic with a = -0.5, and ``support = h ·
    max(r, 1)`` with h = 1 (linear) or 2 (cubic): when shrinking, the filter widens
    with the ratio, so every input counts.
    """
    if align_corners:
        ratio = (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
    elif scale is not None and scale > 0:
        ratio = 1.0 / scale
    else:
        ratio = size_in / size_out
    stretch = max(ratio, 1.0)
    support = (2.0 if cubic else 1.0) * stretch
    centre = ratio * (np.arange(size_out) + 0.5)
    # Truncation toward zero, as the bounds are cast to integers.
    low = np.maximum(np.trunc(centre - support + 0.5).astype(np.int64), 0)
    high = np.minimum(np.trunc(centre + support + 0.5).astype(np.int64), size_in)
    width = max(int((high - low).max(initial=1)), 1)
    position = low[:, None] + np.arange(width)
    used = position < high[:, None]
    distance = np.abs((position - centre[:, None] + 0.5) / stretch)
    if cubic:
        a = -0.5
        near = ((a + 2) * distance - (a + 3)) * distance * distance + 1
        far = (((distance - 5) * distance + 8) * distance - 4) * a
        weight = np.where(distance < 1, near, np.where(distance < 2, far, 0.0))
    else:
        weight = np.maximum(0.0, 1 - distance)
    weight = np.where(used, weight, 0.0)
    total = weight.sum(axis=1, keepdims=True)
    weight = np.where(total != 0, weight / np.where(total != 0, total, 1), weight)
    return Taps(np.where(used, position, -1), weight, size_in)


def _ratio(size_in: int, size_out: int, scale: float | None, dtype: np.dtype) -> Any:
    """The ratio r: 1 / scale_factor when one is given, else L_in / L_out, in ``dtype``."""
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(size_in) / dtype.type(size_out)


def gather_window_maxima(x: Tensor, tables: list[np.ndarray]) -> tuple[Tensor, np.ndarray]:
    """Each window's maximum as the ``PlaneGather`` of it, and its flat index:
    ``x: (P, *L_in) -> (P, *L_out)``, indices ``(P, *L_out)`` int64 into each plane.

    One kernel finds both (``window_max``, with PyTorch's
    rules for ties and NaNs); the values are recorded as the gather they equal.
    """
    planes, spatial = x.shape[0], x.shape[1:]
    values, index = window_max(x._data, tables)
    flat = reshape(x, (planes, math.prod(spatial)))
    rows = index.reshape(planes, math.prod(index.shape[1:]))
    gathered = PlaneGather.applied(values.reshape(rows.shape), flat, index=rows)
    return reshape(gathered, values.shape), index
