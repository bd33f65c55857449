"""A transposed convolution drawn as kernel stamps, the picture of its definition.

Each input element ``x[i]`` scales a copy of the kernel (dilated: taps ``d`` apart)
placed at ``s·i - p`` on the output; the copies sum to the output. One channel:
``input`` ``(L,)`` or ``(H, W)`` and ``weight`` ``(k,)`` or ``(kH, kW)``, with
PyTorch's ``stride``, ``padding``, ``dilation`` and ``output_padding`` (ints, or one
per dim). Per dim the output has ``L_out = (L - 1) s - 2 p + d (k - 1) + op + 1``
elements, and the sum is checked against ``F.conv_transpose1d`` / ``2d``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure, SubFigure

from minigrad.viz import _args, _draw

__all__ = ["StampDecomposition", "kernel_stamps", "stamp_decomposition"]


@dataclass(frozen=True)
class StampDecomposition:
    """A transposed convolution as a sum of kernel stamps.

    Attributes:
        input: ``x``, ``(L,)`` or ``(H, W)``.
        weight: ``w``, ``(k,)`` or ``(kH, kW)``.
        geometry: stride, padding, dilation and output_padding per dim.
        positions: the index of each input element, in row-major order.
        stamps: ``(len(positions), *canvas)``: stamp ``i`` is ``x[positions[i]] * w``
            (dilated), placed at ``s * positions[i]`` on a canvas of the full extent
            ``(L - 1) s + d (k - 1) + 1`` (longer when ``op > p``).
        output: the stamps' sum cropped by ``p`` at each end: the result of
            ``F.conv_transpose{1,2}d``, ``(L_out,)`` or ``(H_out, W_out)``.
    """

    input: np.ndarray
    weight: np.ndarray
    geometry: _args.Geometry
    positions: tuple[tuple[int, ...], ...]
    stamps: np.ndarray
    output: np.ndarray

    @property
    def window(self) -> tuple[slice, ...]:
        """The canvas positions that the output keeps: ``p`` to ``p + L_out``."""
        return tuple(
            slice(p, p + n) for p, n in zip(self.geometry.padding, self.geometry.output_size)
        )


def stamp_decomposition(
    input: Any,
    weight: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    output_padding: Any = 0,
) -> StampDecomposition:
    """The arrays [`kernel_stamps`][] draws: each input element's stamp of the kernel,
    and their sum, checked against ``F.conv_transpose{1,2}d``.

    Args:
        input: ``x``, ``(L,)`` or ``(H, W)``: a Tensor, array or nested lists; at most
            16 elements (one stamp each).
        weight: ``w``, ``(k,)`` or ``(kH, kW)``, the input's rank.
        stride: s, positive (an int or one per dim).
        padding: p, non-negative: cropped from each end of the stamps' sum.
        dilation: d, positive: the kernel's taps are ``d`` apart.
        output_padding: op, below stride or dilation: zeros added at the end.

    Returns:
        A [`StampDecomposition`][].

    Raises:
        TypeError: ``input`` or ``weight`` is not an array of real numbers, or a
            geometry argument is not an int or a tuple of ints.
        ValueError: a bad rank, size or geometry value (the message names it).

    Examples:
        >>> from minigrad.viz import stamp_decomposition
        >>> parts = stamp_decomposition([1.0, 2.0], [1.0, 10.0, 100.0], stride=2)
        >>> parts.stamps
        array([[  1.,  10., 100.,   0.,   0.],
               [  0.,   0.,   2.,  20., 200.]])
        >>> parts.output
        array([  1.,  10., 102.,  20., 200.])
    """
    call = "stamp_decomposition"
    x, w, geometry = _args.input_weight_geometry(
        call, input, weight, stride, padding, dilation, output_padding
    )
    _args.check_panels(x, "input", call)
    canvas = tuple(
        max(full, p + n)
        for full, p, n in zip(geometry.full_size, geometry.padding, geometry.output_size)
    )
    positions = tuple(itertools.product(*[range(n) for n in x.shape]))
    stamps = np.zeros((len(positions), *canvas))
    for number, position in enumerate(positions):
        # The dilated kernel's taps, d apart, from s * position on.
        where: tuple[slice, ...] = tuple(
            slice(s * i, s * i + d * (k - 1) + 1, d)
            for i, s, d, k in zip(position, geometry.stride, geometry.dilation, w.shape)
        )
        index: tuple[int | slice, ...] = (number, *where)
        stamps[index] = x[position] * w
    kept = tuple(slice(p, p + n) for p, n in zip(geometry.padding, geometry.output_size))
    summed = stamps.sum(axis=0)[kept]
    output = _args.transposed(x, w, geometry)
    _args.check_agrees(summed, output, f"the sum of the stamps and conv_transpose{x.ndim}d", call)
    return StampDecomposition(x, w, geometry, positions, stamps, output)


def kernel_stamps(
    input: Any,
    weight: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    output_padding: Any = 0,
    *,
    fig: Figure | SubFigure | None = None,
) -> Figure:
    """Draw a transposed convolution as kernel stamps: each input element scales a copy
    of the kernel placed at ``s * i - p``, and the copies sum into the output.

    Panels: the input, the kernel, one stamp per input element on the common output
    axis (the part that ``padding`` crops is hatched), and their sum, which equals
    ``F.conv_transpose1d`` / ``conv_transpose2d`` of the same arguments (checked).

    Args:
        input: ``x``, ``(L,)`` or ``(H, W)``, at most 16 elements.
        weight: ``w``, ``(k,)`` or ``(kH, kW)``.
        stride: s, an int or one per dim.
        padding: p, an int or one per dim.
        dilation: d, an int or one per dim.
        output_padding: op, an int or one per dim.
        fig: a Figure or SubFigure to draw into; by default a new Figure.

    Returns:
        The Figure (the root one, when ``fig`` is a SubFigure).

    Raises:
        TypeError, ValueError: as [`stamp_decomposition`][].

    Examples:
        >>> from minigrad.viz import kernel_stamps
        >>> fig = kernel_stamps([1.0, 2.0, -1.0], [1.0, 2.0, 1.0], stride=2)
        >>> for ax in fig.axes[2:6]:
        ...     print(ax.get_title(loc="left"))
        x[0] · w at 2·0 = 0
        x[1] · w at 2·1 = 2
        x[2] · w at 2·2 = 4
        sum = conv_transpose1d(x, w, stride=2)
    """
    parts = stamp_decomposition(input, weight, stride, padding, dilation, output_padding)
    if parts.input.ndim == 1:
        return _draw.root(_stamps_1d(parts, fig))
    return _draw.root(_stamps_2d(parts, fig))


def _placement(parts: StampDecomposition, position: tuple[int, ...]) -> str:
    """``s·i - p = q`` for each dim of one input position."""
    geometry = parts.geometry
    terms = []
    for i, s, p in zip(position, geometry.stride, geometry.padding):
        terms.append((f"{s}·{i}" + (f" − {p}" if p else ""), s * i - p))
    if len(terms) == 1:
        return f"{terms[0][0]} = {_draw.number(terms[0][1])}"
    return "(" + ", ".join(_draw.number(q) for _, q in terms) + ")"


def _stamps_1d(parts: StampDecomposition, fig: Figure | SubFigure | None) -> Figure | SubFigure:
    canvas = parts.stamps.shape[1]
    offset = -parts.geometry.padding[0]
    length = max(canvas, parts.input.size, parts.weight.size)
    size = _draw.row_fontsize(length)
    rows = 3 + len(parts.positions)
    fig = _draw.new_figure(fig, (max(6.0, 0.45 * length + 2.0), 0.62 * rows + 0.5))
    axes = fig.subplots(rows, 1)
    limit = _draw.limit_of(parts.stamps, parts.output, parts.input, parts.weight)
    _draw.cells(axes[0], parts.input, limit=limit, fontsize=size)
    axes[0].set_title(f"input x  (L = {parts.input.size})", loc="left", fontsize=9)
    _draw.cells(axes[1], parts.weight, limit=limit, fontsize=size)
    d = parts.geometry.dilation[0]
    kernel_title = f"kernel w  (k = {parts.weight.size}" + (f", dilation {d})" if d > 1 else ")")
    axes[1].set_title(kernel_title, loc="left", fontsize=9)
    window = parts.window[0]
    for ax, number, position in zip(axes[2:], itertools.count(), parts.positions):
        stamp = parts.stamps[number]
        _draw.cells(ax, stamp, limit=limit, origin=(offset,), blank_zeros=True, fontsize=size)
        start = parts.geometry.stride[0] * position[0] + offset
        _draw.outline(ax, (0, 1), (start, start + d * (parts.weight.size - 1) + 1), "#555555")
        ax.set_title(f"x[{position[0]}] · w at {_placement(parts, position)}", loc="left",
                     fontsize=9)  # fmt: skip
    total = parts.stamps.sum(axis=0)
    image = _draw.cells(axes[-1], total, limit=limit, origin=(offset,), fontsize=size)
    axes[-1].set_title(f"sum = {_args.call_text(parts.geometry)}", loc="left", fontsize=9)
    for ax in axes[2:]:
        if window.start or window.stop != canvas:
            _draw.shade_outside(ax, (0, 1, offset, offset + canvas),
                                (0, 1, window.start + offset, window.stop + offset))  # fmt: skip
    for ax in axes:
        ax.set_xlim(offset - 0.5, offset + length - 0.5)
    fig.colorbar(image, ax=list(axes), shrink=0.6, aspect=30, pad=0.01)
    fig.suptitle("A transposed convolution is a sum of kernel stamps", fontsize=11)
    return fig


def _stamps_2d(parts: StampDecomposition, fig: Figure | SubFigure | None) -> Figure | SubFigure:
    height, width = parts.input.shape
    canvas = parts.stamps.shape[1:]
    offset = tuple(-p for p in parts.geometry.padding)
    # Ratios in cells, so that every panel's cells are about the same size.
    side = max(parts.input.shape[1], parts.weight.shape[1]) + 1
    ratios = [side, width * (canvas[1] + 1), canvas[1] + 3]
    fig = _draw.new_figure(fig, (0.32 * sum(ratios) + 1.0, 0.32 * height * (canvas[0] + 2) + 1.6))
    left, middle, right = np.asarray(fig.subfigures(1, 3, width_ratios=ratios)).tolist()
    limit = _draw.limit_of(parts.stamps, parts.output, parts.input, parts.weight)
    small = min(8.0, 48.0 / max(canvas))
    annotate = max(canvas) <= 12
    first, second = left.subplots(2, 1)
    _draw.cells(first, parts.input, limit=limit, title=f"input x {height}×{width}")
    kernel = parts.weight.shape
    _draw.cells(second, parts.weight, limit=limit, title=f"kernel w {kernel[0]}×{kernel[1]}")
    grid = middle.subplots(height, width, squeeze=False)
    rows, cols = parts.window
    extent = (offset[0], offset[0] + canvas[0], offset[1], offset[1] + canvas[1])
    window = (rows.start + offset[0], rows.stop + offset[0],
              cols.start + offset[1], cols.stop + offset[1])  # fmt: skip
    cropped = window != extent
    for number, position in enumerate(parts.positions):
        ax = grid[position]
        _draw.cells(ax, parts.stamps[number], limit=limit, origin=offset, blank_zeros=True,
                    fontsize=small, annotate=annotate)  # fmt: skip
        if cropped:
            _draw.shade_outside(ax, extent, window)
        index = ",".join(str(i) for i in position)
        ax.set_title(f"x[{index}]·w at {_placement(parts, position)}", fontsize=9)
    middle.suptitle("one stamp per input element", fontsize=10)
    ax = right.subplots()
    image = _draw.cells(ax, parts.stamps.sum(axis=0), limit=limit, origin=offset,
                        fontsize=small, annotate=annotate)  # fmt: skip
    if cropped:
        _draw.shade_outside(ax, extent, window)
    ax.set_title("sum = conv_transpose2d", fontsize=9)
    right.colorbar(image, ax=ax, shrink=0.7, location="bottom", pad=0.02)
    call = _args.call_text(parts.geometry)
    fig.suptitle(f"A transposed convolution is a sum of kernel stamps: {call}", fontsize=11)
    return fig
