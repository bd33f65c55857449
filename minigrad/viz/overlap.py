"""The overlap map: how many kernel taps land on each output position.

A transposed convolution adds a stamp of the kernel at every ``s``-th output
position. When ``k`` is not a multiple of ``s`` the stamps overlap unevenly, so even
a constant input through a constant kernel gives a striped output: the checkerboard
of Odena et al. (2016), *Deconvolution and Checkerboard Artifacts*. See
[`minigrad.viz.icnr`][] for an initialisation that hides it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from minigrad.factories import ones
from minigrad.functional import conv_transpose1d, conv_transpose2d
from minigrad.viz import _args, _draw

__all__ = ["interior", "overlap_counts", "overlap_map"]

_CONV_TRANSPOSE = {1: conv_transpose1d, 2: conv_transpose2d}


def _rank(call: str, **values: Any) -> int:
    """The map's rank: that of the tuples among ``values`` (which must agree, 1 or 2),
    else 2.
    """
    lengths = {name: len(v) for name, v in values.items() if isinstance(v, tuple | list)}
    if not lengths:
        return 2
    name, rank = next(iter(lengths.items()))
    for other, length in lengths.items():
        if length != rank or length not in (1, 2):
            raise ValueError(
                f"{call}: {other}: expected an int or a tuple of 1 or 2 ints matching "
                f"{name}'s length {rank}, got {values[other]!r}"
            )
    return rank


def overlap_counts(
    kernel_size: Any,
    stride: Any,
    dilation: Any = 1,
    padding: Any = 0,
    *,
    input_size: Any = 6,
) -> np.ndarray:
    """Per output position, how many kernel taps land there: the transposed
    convolution of an input of ones with a kernel of ones.

    Ints mean the same in both dims of a 2-d map (as ``nn.ConvTranspose2d`` reads
    them); tuples of one int give a 1-d map. The result equals
    ``F.conv_transpose_overlap(input_size, kernel_size, stride, padding, dilation)``.

    Args:
        kernel_size: k, positive.
        stride: s, positive.
        dilation: d, positive.
        padding: p, non-negative.
        input_size: the input's size per dim, positive.

    Returns:
        An int64 array of the output's size, ``(L_in - 1) s - 2 p + d (k - 1) + 1`` per dim.

    Raises:
        TypeError: a value is not an int or a tuple of ints.
        ValueError: a bad value, or an empty output.

    Examples:
        >>> from minigrad.viz import overlap_counts
        >>> overlap_counts((3,), (2,), input_size=(4,))
        array([1, 1, 2, 1, 2, 1, 2, 1, 1])
    """
    call = "overlap_counts"
    rank = _rank(
        call, kernel_size=kernel_size, stride=stride, dilation=dilation, padding=padding,
        input_size=input_size,
    )  # fmt: skip
    kernel = _args.sizes(kernel_size, rank, "kernel_size", call)
    sizes = _args.sizes(input_size, rank, "input_size", call)
    geometry = _args.geometry(call, sizes, kernel, stride, padding, dilation, 0)
    counts = _CONV_TRANSPOSE[rank](
        ones(1, 1, *sizes, dtype=np.float64), ones(1, 1, *kernel, dtype=np.float64),
        **geometry.arguments(),
    )  # fmt: skip
    return np.asarray(np.rint(counts.numpy()[0, 0]), dtype=np.int64)


def interior(geometry: _args.Geometry) -> tuple[tuple[int, int], ...]:
    """Per dim, ``(start, end)``: the longest run of output positions that get every tap
    of their phase, as from an unbounded input. Output ``q`` is reached by tap ``t``
    from input ``(q + p - t d) / s`` when that is an integer; the position is full when
    each such input lies in ``[0, L_in - 1]``. There the counts repeat with period
    ``s``, and a constant input gives what an unbounded constant input would.
    """
    bounds = []
    for n, k, s, d, p, length in zip(
        geometry.input_size, geometry.kernel_size, geometry.stride, geometry.dilation,
        geometry.padding, geometry.output_size,
    ):  # fmt: skip
        full = []
        for q in range(length):
            reads = [q + p - t * d for t in range(k) if (q + p - t * d) % s == 0]
            full.append(all(0 <= m <= (n - 1) * s for m in reads))
        bounds.append(_longest_run(full))
    return tuple(bounds)


def _longest_run(flags: list[bool]) -> tuple[int, int]:
    """``(start, end)`` of the longest run of True in ``flags`` (the first, on ties)."""
    best, start = (0, 0), None
    for index, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            if index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


def overlap_map(
    kernel_size: Any,
    stride: Any,
    dilation: Any = 1,
    padding: Any = 0,
    *,
    input_size: Any = 6,
    ax: Axes | None = None,
) -> Figure:
    """Draw the overlap map of a transposed convolution: the number of kernel taps on
    each output position (see [`overlap_counts`][] for the arguments).

    The cells hold the counts; the dashed frame marks the interior (see
    [`interior`][]), where the pattern repeats with period ``s``: it is flat there
    only when the stamps overlap evenly (``k`` a multiple of ``s``, for ``d = 1``).

    Args:
        kernel_size: k, an int or a tuple.
        stride: s, an int or a tuple.
        dilation: d, an int or a tuple.
        padding: p, an int or a tuple.
        input_size: the input's size, an int or a tuple.
        ax: the Axes to draw into; by default one on a new Figure.

    Returns:
        The Figure the map is drawn on.

    Raises:
        TypeError, ValueError: as [`overlap_counts`][].

    Examples:
        >>> from minigrad.viz import overlap_map
        >>> fig = overlap_map(3, 2, input_size=4)
        >>> fig.axes[0].get_title()
        'k=3, s=2: taps per output position'
    """
    counts = overlap_counts(kernel_size, stride, dilation, padding, input_size=input_size)
    rank = counts.ndim
    kernel = _args.sizes(kernel_size, rank, "kernel_size", "overlap_counts")
    sizes = _args.sizes(input_size, rank, "input_size", "overlap_counts")
    geometry = _args.geometry("overlap_counts", sizes, kernel, stride, padding, dilation, 0)
    if ax is None:
        width = counts.shape[-1]
        height = 1 if rank == 1 else counts.shape[0]
        figure = Figure(figsize=(0.34 * width + 1.6, 0.34 * height + 1.2), layout="constrained")
        ax = figure.add_subplot()
    size = min(8.0, 150.0 / max(counts.shape))
    image = _draw.cells(ax, counts, limit=float(max(counts.max(), 1)), cmap=_draw.COUNTS,
                        centred=False, fontsize=size)  # fmt: skip
    bounds = interior(geometry)
    if all(end > start for start, end in bounds):
        rows = bounds[0] if rank == 2 else (0, 1)
        _draw.outline(ax, rows, bounds[-1], "#d62728")
    ax.set_title(f"{_describe(geometry)}: taps per output position", fontsize=9)
    figure = _draw.root(ax.figure)
    figure.colorbar(image, ax=ax, shrink=0.8, ticks=range(int(counts.max()) + 1))
    return figure


def _describe(geometry: _args.Geometry) -> str:
    """``k=3, s=2`` (and d, p when they are not the defaults)."""
    parts = [("k", geometry.kernel_size, 0), ("s", geometry.stride, 0),
             ("d", geometry.dilation, 1), ("p", geometry.padding, 0)]  # fmt: skip
    shown = []
    for name, values, default in parts:
        if name in "ks" or any(v != default for v in values):
            value = values[0] if len(set(values)) == 1 else values
            shown.append(f"{name}={value}")
    return ", ".join(shown)
