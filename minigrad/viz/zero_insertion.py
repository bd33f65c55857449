"""A transposed convolution drawn as an ordinary convolution of a spread-out input.

Insert ``s - 1`` zeros between the input's elements, pad with ``d (k - 1) - p``
zeros (``+ op`` at the end), and convolve with the kernel reversed: the result is
the transposed convolution (Dumoulin and Visin, 2016, *A guide to convolution
arithmetic for deep learning*). Arguments as in [`minigrad.viz.stamps`][]; the
convolution is checked against ``F.conv_transpose1d`` / ``2d``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure, SubFigure

from minigrad.functional import conv1d, conv2d
from minigrad.viz import _args, _draw

__all__ = ["ZeroInsertionSteps", "zero_insertion", "zero_insertion_steps"]

_CONV = {1: conv1d, 2: conv2d}


@dataclass(frozen=True)
class ZeroInsertionSteps:
    """A transposed convolution as an ordinary one: insert zeros, pad, flip, convolve.

    Attributes:
        input: ``x``, ``(L,)`` or ``(H, W)``.
        weight: ``w``, ``(k,)`` or ``(kH, kW)``.
        geometry: stride, padding, dilation and output_padding per dim.
        dilated: ``x`` with ``s - 1`` zeros between neighbours, ``(L - 1) s + 1`` per dim.
        dilated_kinds: per cell of ``dilated``, 0 for an input value and
            ``INSERTED`` (1) for an inserted zero.
        pad_before, pad_after: per dim ``d (k - 1) - p`` and ``d (k - 1) - p + op``;
            a negative amount crops instead.
        padded: ``dilated``, padded with zeros (or cropped) by those amounts.
        padded_kinds: as ``dilated_kinds``, and ``PADDED`` (2) for a padding zero.
        flipped: ``w`` reversed in every dim.
        output: ``F.conv{1,2}d(padded, flipped, dilation=d)``, which equals
            ``F.conv_transpose{1,2}d(x, w, ...)``: ``(L_out,)`` or ``(H_out, W_out)``.
    """

    input: np.ndarray
    weight: np.ndarray
    geometry: _args.Geometry
    dilated: np.ndarray
    dilated_kinds: np.ndarray
    pad_before: tuple[int, ...]
    pad_after: tuple[int, ...]
    padded: np.ndarray
    padded_kinds: np.ndarray
    flipped: np.ndarray
    output: np.ndarray


def zero_insertion_steps(
    input: Any,
    weight: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    output_padding: Any = 0,
) -> ZeroInsertionSteps:
    """The arrays [`zero_insertion`][] draws, with the convolution checked against
    ``F.conv_transpose{1,2}d``.

    Per dim: insert ``s - 1`` zeros between the input's elements, pad with
    ``d (k - 1) - p`` zeros at the start and ``d (k - 1) - p + op`` at the end (crop,
    when negative), and convolve (stride 1, dilation d) with the kernel reversed.

    Args:
        input: ``x``, ``(L,)`` or ``(H, W)``: a Tensor, array or nested lists.
        weight: ``w``, ``(k,)`` or ``(kH, kW)``, the input's rank.
        stride: s, positive (an int or one per dim).
        padding: p, non-negative.
        dilation: d, positive.
        output_padding: op, below stride or dilation.

    Returns:
        A [`ZeroInsertionSteps`][].

    Raises:
        TypeError, ValueError: as [`stamp_decomposition`][].

    Examples:
        >>> from minigrad.viz import zero_insertion_steps
        >>> steps = zero_insertion_steps([1.0, 2.0], [1.0, 10.0, 100.0], stride=2)
        >>> steps.dilated, steps.padded
        (array([1., 0., 2.]), array([0., 0., 1., 0., 2., 0., 0.]))
        >>> steps.flipped, steps.output
        (array([100.,  10.,   1.]), array([  1.,  10., 102.,  20., 200.]))
    """
    call = "zero_insertion_steps"
    x, w, geometry = _args.input_weight_geometry(
        call, input, weight, stride, padding, dilation, output_padding
    )
    dilated_shape = tuple((n - 1) * s + 1 for n, s in zip(x.shape, geometry.stride))
    spread = tuple(slice(None, None, s) for s in geometry.stride)
    dilated = np.zeros(dilated_shape)
    dilated[spread] = x
    dilated_kinds = np.full(dilated_shape, _draw.INSERTED)
    dilated_kinds[spread] = 0
    before = tuple(
        d * (k - 1) - p for d, k, p in zip(geometry.dilation, w.shape, geometry.padding)
    )
    after = tuple(b + op for b, op in zip(before, geometry.output_padding))
    padded = _pad_or_crop(dilated, before, after, 0)
    padded_kinds = _pad_or_crop(dilated_kinds, before, after, _draw.PADDED)
    flipped = w[(slice(None, None, -1),) * w.ndim].copy()
    convolved = _CONV[x.ndim](
        _args.one_channel(padded), _args.one_channel(flipped), dilation=geometry.dilation
    )
    output = convolved.numpy()[0, 0]
    _args.check_agrees(
        output, _args.transposed(x, w, geometry), f"conv{x.ndim}d after zero insertion", call
    )
    return ZeroInsertionSteps(x, w, geometry, dilated, dilated_kinds, before, after, padded,
                              padded_kinds, flipped, output)  # fmt: skip


def _pad_or_crop(
    array: np.ndarray, before: tuple[int, ...], after: tuple[int, ...], fill: int
) -> np.ndarray:
    """``array`` with ``fill`` added (or elements removed, for a negative amount) per dim."""
    widths = [(max(b, 0), max(a, 0)) for b, a in zip(before, after)]
    grown = np.pad(array, widths, constant_values=fill)
    keep = tuple(
        slice(max(-b, 0), grown.shape[dim] - max(-a, 0))
        for dim, (b, a) in enumerate(zip(before, after))
    )
    return grown[keep]


def zero_insertion(
    input: Any,
    weight: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    output_padding: Any = 0,
    *,
    fig: Figure | SubFigure | None = None,
) -> Figure:
    """Draw a transposed convolution as an ordinary convolution of a spread-out input.

    Panels, left to right (top to bottom in 1-d): the input; the input with ``s - 1``
    zeros inserted between neighbours (orange cells); that, padded with
    ``d (k - 1) - p`` zeros (grey cells; the window of the first output is dashed);
    the kernel flipped; and the convolution, equal to ``F.conv_transpose{1,2}d`` of
    the same arguments (checked).

    Args:
        input: ``x``, ``(L,)`` or ``(H, W)``.
        weight: ``w``, ``(k,)`` or ``(kH, kW)``.
        stride: s, an int or one per dim.
        padding: p, an int or one per dim.
        dilation: d, an int or one per dim.
        output_padding: op, an int or one per dim.
        fig: a Figure or SubFigure to draw into; by default a new Figure.

    Returns:
        The Figure.

    Raises:
        TypeError, ValueError: as [`zero_insertion_steps`][].

    Examples:
        >>> from minigrad.viz import zero_insertion
        >>> fig = zero_insertion([[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, -1.0]], stride=2)
        >>> for ax in fig.axes[:5]:
        ...     print(ax.get_title())
        1. input x
        2. insert s − 1 = 1 zeros
        3. pad by d(k − 1) − p = 1
        4. flip w
        5. conv2d = conv_transpose2d
    """
    steps = zero_insertion_steps(input, weight, stride, padding, dilation, output_padding)
    rank = steps.input.ndim
    limit = _draw.limit_of(steps.input, steps.output, steps.weight)
    zeros, pads = _same(steps.geometry.stride, -1), _same(steps.pad_before)
    panels = [
        (steps.input, None, "1. input x"),
        (steps.dilated, steps.dilated_kinds, f"2. insert s − 1 = {zeros} zeros"),
        (steps.padded, steps.padded_kinds, f"3. pad by d(k − 1) − p = {pads}"),
        (steps.flipped, None, "4. flip w"),
        (steps.output, None, f"5. conv{rank}d = conv_transpose{rank}d"),
    ]  # fmt: skip
    widths = [max(np.atleast_2d(array).shape[1], 2) for array, _, _ in panels]
    if rank == 1:
        fig = _draw.new_figure(fig, (max(7.5, 0.45 * max(widths) + 2.0), 4.6))
        axes = list(fig.subplots(5, 1))
    else:
        fig = _draw.new_figure(fig, (0.5 * sum(widths) + 2.5, 0.5 * max(widths) + 1.4))
        axes = list(fig.subplots(1, 5, width_ratios=widths))
    small = _draw.row_fontsize(max(widths)) if rank == 1 else min(8.0, 60.0 / max(widths))
    image = None
    for ax, (array, kinds, title) in zip(axes, panels):
        image = _draw.cells(ax, array, limit=limit, kinds=kinds, fontsize=small)
        ax.set_title(title, fontsize=9, loc="left" if rank == 1 else "center")
    span = tuple(d * (k - 1) + 1 for d, k in zip(steps.geometry.dilation, steps.weight.shape))
    rows = (0, span[0]) if rank == 2 else (0, 1)
    _draw.outline(axes[2], rows, (0, span[-1]), "black")
    if rank == 1:
        for ax in axes:
            ax.set_xlim(-0.5, max(widths) - 0.5)
    assert image is not None
    fig.colorbar(image, ax=axes, shrink=0.6, aspect=30, pad=0.01)
    fig.suptitle(f"The same result by zero insertion: {_args.call_text(steps.geometry)}",
                 fontsize=11)  # fmt: skip
    return _draw.root(fig)


def _same(values: tuple[int, ...], shift: int = 0) -> str:
    """One number when every dim agrees, else the tuple."""
    shifted = tuple(v + shift for v in values)
    return str(shifted[0]) if len(set(shifted)) == 1 else str(shifted)
