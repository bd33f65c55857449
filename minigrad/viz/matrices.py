"""A convolution and its transposed convolution as matrices: one is the other's transpose.

A convolution of one channel is a linear map from ``L_x`` input values to ``L_y``
output values, so it is an ``L_y × L_x`` matrix C; the transposed convolution with
the same weight maps back, and its matrix is exactly Cᵀ. That is where the name
comes from. Both matrices here are Jacobians computed by
[`minigrad.autograd.functional.jacobian`][], not built by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure, SubFigure

from minigrad import _checks
from minigrad.autograd.functional import jacobian
from minigrad.factories import tensor, zeros
from minigrad.functional import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from minigrad.tensor import Tensor
from minigrad.viz import _args, _draw

__all__ = ["ConvMatrices", "conv_matrices", "convolution_matrices"]

_CONV = {1: conv1d, 2: conv2d}
_CONV_TRANSPOSE = {1: conv_transpose1d, 2: conv_transpose2d}
# One backward per matrix row: beyond this many input values the picture is unreadable.
MAX_INPUTS = 144


@dataclass(frozen=True)
class ConvMatrices:
    """The matrices of ``conv`` and ``conv_transpose`` for one weight and geometry.

    Attributes:
        weight: ``w``, ``(k,)`` or ``(kH, kW)``.
        input_size: the convolution's input size ``L_x`` per dim.
        output_size: its output size ``L_y = ⌊(L_x + 2p - d(k - 1) - 1) / s⌋ + 1``.
        output_padding: per dim, the ``op`` that makes the transposed convolution
            return ``L_x``: ``(L_x + 2p - d(k - 1) - 1) mod s``.
        conv: ``C``, ``(∏L_y, ∏L_x)``: the Jacobian of ``F.conv{1,2}d`` in its input,
            positions flattened in row-major order.
        transpose: ``T``, ``(∏L_x, ∏L_y)``: the Jacobian of ``F.conv_transpose{1,2}d``.
    """

    weight: np.ndarray
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]
    output_padding: tuple[int, ...]
    conv: np.ndarray
    transpose: np.ndarray


def conv_matrices(
    input_size: Any, weight: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> ConvMatrices:
    """The arrays [`convolution_matrices`][] draws, checked: ``T == C.T`` exactly.

    Args:
        input_size: the convolution's input size ``L_x``, an int or one per dim of
            ``weight`` (at most 144 values in all).
        weight: ``w``, ``(k,)`` or ``(kH, kW)``: a Tensor, array or nested lists.
        stride: s, positive (an int or one per dim).
        padding: p, non-negative.
        dilation: d, positive.

    Returns:
        A [`ConvMatrices`][]; the transposed call uses the ``output_padding`` that
        brings it back to ``input_size``.

    Raises:
        TypeError: a bad type.
        ValueError: a bad value, an empty convolution output (the message gives the
            formula with its numbers), or more than 144 input values.

    Examples:
        >>> from minigrad.viz import conv_matrices
        >>> m = conv_matrices(5, [1.0, 2.0, 3.0], stride=2)
        >>> m.conv
        array([[1., 2., 3., 0., 0.],
               [0., 0., 1., 2., 3.]])
        >>> bool((m.transpose == m.conv.T).all())
        True
    """
    call = "conv_matrices"
    w = _args.spatial_array(weight, "weight", call)
    rank = w.ndim
    sizes = _args.sizes(input_size, rank, "input_size", call)
    strides = _args.sizes(stride, rank, "stride", call)
    dilations = _args.sizes(dilation, rank, "dilation", call)
    paddings = _checks.as_tuple(padding, rank, f"{call}: padding")
    _checks.check_non_negative(paddings, f"{call}: padding")
    if math.prod(sizes) > MAX_INPUTS:
        raise ValueError(
            f"{call}: input_size: expected at most {MAX_INPUTS} values in all, got {sizes}"
        )
    reach = [
        n + 2 * p - d * (k - 1) - 1 for n, p, d, k in zip(sizes, paddings, dilations, w.shape)
    ]
    for dim, span in enumerate(reach):
        if span < 0:
            n, p, d, k = sizes[dim], paddings[dim], dilations[dim], w.shape[dim]
            raise ValueError(
                f"{call}: input_size: the convolution's output would be empty in dim {dim}: "
                f"L_x + 2*padding - dilation*(k - 1) - 1 = {n} + 2*{p} - {d}*({k} - 1) - 1 "
                f"= {span} < 0"
            )
    out_sizes = tuple(span // s + 1 for span, s in zip(reach, strides))
    extras = tuple(span % s for span, s in zip(reach, strides))
    kernel = tensor(w[np.newaxis, np.newaxis])
    geometry: dict[str, Any] = {"stride": strides, "padding": paddings, "dilation": dilations}

    def forward(x: Tensor) -> Tensor:
        result: Tensor = _CONV[rank](x, kernel, **geometry)
        return result

    def backward(y: Tensor) -> Tensor:
        result: Tensor = _CONV_TRANSPOSE[rank](y, kernel, output_padding=extras, **geometry)
        return result

    # Each one the Jacobian at zero of a linear map: its matrix, whatever the point.
    conv = jacobian(forward, zeros(1, 1, *sizes, dtype=np.float64))
    transpose = jacobian(backward, zeros(1, 1, *out_sizes, dtype=np.float64))
    conv_matrix = conv.numpy().reshape(math.prod(out_sizes), math.prod(sizes))
    transpose_matrix = transpose.numpy().reshape(math.prod(sizes), math.prod(out_sizes))
    if not np.array_equal(transpose_matrix, conv_matrix.T):
        raise AssertionError(
            f"{call}: the matrix of conv_transpose is not that of conv, transposed"
        )
    return ConvMatrices(w, sizes, out_sizes, extras, conv_matrix, transpose_matrix)


def convolution_matrices(
    input_size: Any,
    weight: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    fig: Figure | SubFigure | None = None,
) -> Figure:
    """Draw the matrix C of ``F.conv{1,2}d`` next to the matrix T of
    ``F.conv_transpose{1,2}d`` with the same weight: T is exactly Cᵀ.

    Row ``o`` of C holds the kernel at the input positions that output ``o`` reads
    (``s·o - p`` on); column ``o`` of T holds the same numbers, as the stamp that
    input ``o`` of the transposed call adds. In 2-d, positions are flattened row by
    row, so the kernel's rows appear as bands.

    Args:
        input_size: the convolution's input size, an int or one per dim.
        weight: ``w``, ``(k,)`` or ``(kH, kW)``.
        stride: s, an int or one per dim.
        padding: p, an int or one per dim.
        dilation: d, an int or one per dim.
        fig: a Figure or SubFigure to draw into; by default a new Figure.

    Returns:
        The Figure, with the panels ``C`` and ``T`` and a title stating ``T = Cᵀ``.

    Raises:
        TypeError, ValueError: as [`conv_matrices`][].

    Examples:
        >>> from minigrad.viz import convolution_matrices
        >>> fig = convolution_matrices(7, [1.0, 2.0, 3.0], stride=2, padding=1)
        >>> fig.axes[0].get_title()
        'C: conv1d, 4 × 7'
        >>> "T = Cᵀ exactly" in fig.get_suptitle()
        True
    """
    matrices = conv_matrices(input_size, weight, stride, padding, dilation)
    rank = matrices.weight.ndim
    rows, cols = matrices.conv.shape
    fig = _draw.new_figure(fig, (max(7.0, 0.3 * (rows + cols) + 2.6), max(3.4, 0.3 * cols + 1.4)))
    left, right = fig.subplots(1, 2, width_ratios=[cols, rows])
    limit = _draw.limit_of(matrices.weight)
    annotate = max(rows, cols) <= 30
    size = min(8.0, 180.0 / max(rows, cols))
    _draw.cells(left, matrices.conv, limit=limit, annotate=annotate, blank_zeros=True,
                fontsize=size, ticks=True)  # fmt: skip
    left.set_title(f"C: conv{rank}d, {rows} × {cols}", fontsize=10)
    image = _draw.cells(right, matrices.transpose, limit=limit, annotate=annotate,
                        blank_zeros=True, fontsize=size, ticks=True)  # fmt: skip
    right.set_title(f"T: conv_transpose{rank}d, {cols} × {rows}", fontsize=10)
    flat = "" if rank == 1 else " (row by row)"
    left.set_xlabel(f"input position{flat}", fontsize=8)
    left.set_ylabel(f"output position{flat}", fontsize=8)
    right.set_xlabel("its input position", fontsize=8)
    right.set_ylabel("its output position", fontsize=8)
    fig.colorbar(image, ax=[left, right], shrink=0.7, aspect=30, pad=0.01)
    fig.suptitle(
        "T = Cᵀ exactly (np.array_equal): a transposed convolution is the transpose "
        "of the convolution",
        fontsize=10,
    )
    return _draw.root(fig)
