"""Pooling: ``max_pool*``, ``avg_pool*``, ``adaptive_avg_pool*`` and ``adaptive_max_pool*``.

Notation: input ``(N, C, *L_in)`` or unbatched ``(C, *L_in)``, the same rank out; per
spatial dim, kernel size k, stride s (default k), padding p, dilation d:

    L_out = ⌊(L_in + 2p - d(k - 1) - 1 + (s - 1 if ceil_mode)) / s⌋ + 1,

less one when ``ceil_mode`` would start the last window in the right padding. Max
pooling pads with -inf, average pooling with zeros; p is at most half the (effective)
kernel size, as PyTorch asks. Adaptive pooling's window o covers
``[⌊o L_in / L_out⌋, ⌈(o + 1) L_in / L_out⌉)``.

Average pooling is separable and linear: one
``AxisResample`` per spatial dim, whose backward is its
adjoint. Max pooling gathers each window's maximum
(``PlaneGather``), so its backward scatters the gradient
to those positions and its double backward gathers again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.functional._arguments import check_flag, check_tensor
from minigrad.functional._pooling_args import (
    adaptive_output_size,
    check_pool_input,
    pool_geometry,
    spatial_tuple,
    unpool_output_size,
)
from minigrad.ops.sampling import (
    PlaneScatter,
    adaptive_bounds,
    adaptive_index,
    average_taps,
    gather_window_maxima,
    resample,
    window_index,
)
from minigrad.ops.shape import reshape
from minigrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
]

Pooled = Tensor | tuple[Tensor, Tensor]


def _gather_maxima(input: Tensor, tables: list[np.ndarray], return_indices: bool) -> Pooled:  # noqa: A002
    """The maximum of each window of the tables, and its flat index in its plane."""
    rank = len(tables)
    lead = input.shape[: input.ndim - rank]
    spatial = input.shape[input.ndim - rank :]
    planes = math.prod(lead)
    out, index = gather_window_maxima(reshape(input, (planes, *spatial)), tables)
    sizes_out = out.shape[1:]
    out = reshape(out, (*lead, *sizes_out))
    if not return_indices:
        return out
    return out, Tensor._wrap(index.reshape(*lead, *sizes_out))


def _max_pool(
    input: Any,
    rank: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: Any,
    return_indices: Any,
    op: str,
) -> Pooled:  # noqa: A002
    check_pool_input(input, rank, op, floating=False)
    check_flag(return_indices, "return_indices", op)
    geometry = pool_geometry(
        input, rank, kernel_size, stride, padding, dilation, ceil_mode, op, True
    )
    tables = [window_index(*dim) for dim in geometry]
    return _gather_maxima(input, tables, return_indices)


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,  # noqa: A002
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Pooled:
    """The maximum of each window: ``(N, C, L_in) -> (N, C, L_out)``; see [`max_pool2d`][].

    >>> import minigrad as mg
    >>> max_pool1d(mg.tensor([[1.0, 3.0, 2.0, 0.0, 5.0]]), 2)
    tensor([[3., 2.]])
    """
    return _max_pool(
        input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d"
    )


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,  # noqa: A002
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Pooled:
    """The maximum of each window: ``(N, C, H_in, W_in) -> (N, C, H_out, W_out)``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``, float or integer.
        kernel_size: the window, an int or one per spatial dim.
        stride: the step between windows (default: kernel_size).
        padding: -inf on both sides, at most half the dilated kernel.
        dilation: the step between a window's elements.
        ceil_mode: round L_out up rather than down (see the module docstring).
        return_indices: also return each maximum's flat index in its ``H_in * W_in``
            plane (int64), as ``max_unpool`` and PyTorch's layers take it.

    Returns:
        The pooled tensor, or ``(pooled, indices)``.

    Raises:
        ValueError: bad sizes or geometry; TypeError: bad types.

    >>> import minigrad as mg
    >>> x = mg.arange(16.0).reshape(1, 4, 4)
    >>> max_pool2d(x, 2)
    tensor([[[ 5.,  7.],
             [13., 15.]]])
    >>> max_pool2d(x, 3, stride=2, padding=1, return_indices=True)[1]
    tensor([[[ 5,  7],
             [13, 15]]])
    """
    return _max_pool(
        input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d"
    )


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,  # noqa: A002
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Pooled:
    """The maximum of each window: ``(N, C, D_in, H_in, W_in) -> (N, C, D_out, H_out,
    W_out)``; see [`max_pool2d`][].
    """
    return _max_pool(
        input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d"
    )


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,  # noqa: A002
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """[`max_pool1d`][] with its indices, whatever ``return_indices`` says."""
    del return_indices
    return _max_pool(
        input,
        1,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        True,
        "max_pool1d_with_indices",
    )  # type: ignore[return-value]


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,  # noqa: A002
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """[`max_pool2d`][] with its indices, whatever ``return_indices`` says."""
    del return_indices
    return _max_pool(
        input,
        2,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        True,
        "max_pool2d_with_indices",
    )  # type: ignore[return-value]


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,  # noqa: A002
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """[`max_pool3d`][] with its indices, whatever ``return_indices`` says."""
    del return_indices
    return _max_pool(
        input,
        3,
        kernel_size,
        stride,
        padding,
        dilation,
        ceil_mode,
        True,
        "max_pool3d_with_indices",
    )  # type: ignore[return-value]


def _avg_pool(
    input: Any,
    rank: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,  # noqa: A002
    ceil_mode: Any,
    count_include_pad: Any,
    divisor_override: Any,
    op: str,
) -> Tensor:
    check_pool_input(input, rank, op)
    check_flag(count_include_pad, "count_include_pad", op)
    if divisor_override is not None:
        if not _checks.is_int(divisor_override):
            raise TypeError(
                f"{op}: divisor_override: expected an int or None, got "
                f"{type(divisor_override).__name__} {divisor_override!r}"
            )
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override: expected a non-zero int, got 0")
    geometry = pool_geometry(input, rank, kernel_size, stride, padding, 1, ceil_mode, op, False)
    taps = []
    for size_in, size_out, kernel, step, pad, _ in geometry:
        index = window_index(size_in, size_out, kernel, step, pad, 1)
        if divisor_override is not None:
            divisor = np.ones(size_out)
        elif count_include_pad:
            # The window counts its padding, but not what lies past it (ceil_mode).
            start = np.arange(size_out) * step - pad
            divisor = np.minimum(start + kernel, size_in + pad) - start
        else:
            divisor = (index >= 0).sum(axis=1)
        taps.append(average_taps(index, size_in, divisor))
    out = resample(input, taps, input.ndim - rank)
    return out if divisor_override is None else out / divisor_override


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,  # noqa: A002
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """The mean of each window: ``(N, C, L_in) -> (N, C, L_out)``; see [`avg_pool2d`][].

    >>> import minigrad as mg
    >>> avg_pool1d(mg.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[2., 1.]])
    """
    return _avg_pool(
        input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d"
    )


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,  # noqa: A002
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window: ``(N, C, H_in, W_in) -> (N, C, H_out, W_out)``.

    The divisor is ``divisor_override`` when given; else the window's size, counting the
    zero padding when ``count_include_pad`` (but not the part of a ``ceil_mode`` window
    past the padding); else the number of input elements in the window.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``, float32 or float64.
        kernel_size: the window, an int or one per spatial dim.
        stride: the step between windows (default: kernel_size).
        padding: zeros on both sides, at most half the kernel size.
        ceil_mode: round L_out up rather than down.
        count_include_pad: count the zero padding in the divisor.
        divisor_override: divide every window's sum by this instead.

    Returns:
        The pooled tensor, the input's dtype.

    Raises:
        ValueError: bad sizes or geometry; TypeError: bad types.

    >>> import minigrad as mg
    >>> x = mg.arange(16.0).reshape(1, 4, 4)
    >>> avg_pool2d(x, 2)
    tensor([[[ 2.5000,  4.5000],
             [10.5000, 12.5000]]])
    >>> avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
    tensor([[[ 2.5,  4. ],
             [ 8.5, 10. ]]])
    """
    return _avg_pool(
        input,
        2,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        "avg_pool2d",
    )


def avg_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,  # noqa: A002
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """The mean of each window: ``(N, C, D_in, H_in, W_in) -> (N, C, D_out, H_out,
    W_out)``; see [`avg_pool2d`][].
    """
    return _avg_pool(
        input,
        3,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        "avg_pool3d",
    )


def _adaptive_avg_pool(input: Any, output_size: Any, rank: int, op: str) -> Tensor:  # noqa: A002
    check_pool_input(input, rank, op)
    sizes_out = adaptive_output_size(output_size, input, rank, op)
    taps = []
    for size_in, size_out in zip(input.shape[input.ndim - rank :], sizes_out):
        start, end = adaptive_bounds(size_in, size_out)
        taps.append(average_taps(adaptive_index(size_in, size_out), size_in, end - start))
    return resample(input, taps, input.ndim - rank)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over adaptive windows: ``(N, C, L_in) -> (N, C, L_out)``; see
    [`adaptive_avg_pool2d`][].
    """
    return _adaptive_avg_pool(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over the windows that split each spatial dim into ``output_size`` nearly
    equal, possibly overlapping parts: ``(N, C, H_in, W_in) -> (N, C, *output_size)``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``, float32 or float64.
        output_size: an int, or one int or None (keep the input's size) per dim.

    >>> import minigrad as mg
    >>> adaptive_avg_pool2d(mg.arange(9.0).reshape(1, 3, 3), 2)
    tensor([[[2., 3.],
             [5., 6.]]])
    """
    return _adaptive_avg_pool(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over adaptive windows: ``(N, C, D, H, W) -> (N, C, *output_size)``; see
    [`adaptive_avg_pool2d`][].
    """
    return _adaptive_avg_pool(input, output_size, 3, "adaptive_avg_pool3d")


def _adaptive_max_pool(
    input: Any,
    output_size: Any,
    return_indices: Any,
    rank: int,  # noqa: A002
    op: str,
) -> Pooled:
    check_pool_input(input, rank, op, floating=False)
    check_flag(return_indices, "return_indices", op)
    sizes_out = adaptive_output_size(output_size, input, rank, op)
    sizes_in = input.shape[input.ndim - rank :]
    tables = [adaptive_index(size_in, size_out) for size_in, size_out in zip(sizes_in, sizes_out)]
    return _gather_maxima(input, tables, return_indices)


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Pooled:  # noqa: A002
    """Maximum over adaptive windows: ``(N, C, L_in) -> (N, C, L_out)``; see
    [`adaptive_max_pool2d`][].
    """
    return _adaptive_max_pool(input, output_size, return_indices, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Pooled:  # noqa: A002
    """Maximum over the windows of [`adaptive_avg_pool2d`][]:
    ``(N, C, H_in, W_in) -> (N, C, *output_size)``; with ``return_indices``, also each
    maximum's flat index in its plane.

    >>> import minigrad as mg
    >>> adaptive_max_pool2d(mg.arange(9.0).reshape(1, 3, 3), 2)
    tensor([[[4., 5.],
             [7., 8.]]])
    """
    return _adaptive_max_pool(input, output_size, return_indices, 2, "adaptive_max_pool2d")


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Pooled:  # noqa: A002
    """Maximum over adaptive windows: ``(N, C, D, H, W) -> (N, C, *output_size)``; see
    [`adaptive_max_pool2d`][].
    """
    return _adaptive_max_pool(input, output_size, return_indices, 3, "adaptive_max_pool3d")


def adaptive_max_pool1d_with_indices(
    input: Tensor,
    output_size: Any,  # noqa: A002
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """[`adaptive_max_pool1d`][] with its indices."""
    del return_indices
    return _adaptive_max_pool(input, output_size, True, 1, "adaptive_max_pool1d_with_indices")  # type: ignore[return-value]


def adaptive_max_pool2d_with_indices(
    input: Tensor,
    output_size: Any,  # noqa: A002
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """[`adaptive_max_pool2d`][] with its indices."""
    del return_indices
    return _adaptive_max_pool(input, output_size, True, 2, "adaptive_max_pool2d_with_indices")  # type: ignore[return-value]


def adaptive_max_pool3d_with_indices(
    input: Tensor,
    output_size: Any,  # noqa: A002
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """[`adaptive_max_pool3d`][] with its indices."""
    del return_indices
    return _adaptive_max_pool(input, output_size, True, 3, "adaptive_max_pool3d_with_indices")  # type: ignore[return-value]


def _max_unpool(
    input: Any,  # noqa: A002
    indices: Any,
    rank: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
    op: str,
) -> Tensor:
    check_pool_input(input, rank, op, floating=False)
    check_tensor(indices, "indices", op, floating=False)
    if indices.dtype != np.int64:
        raise TypeError(f"{op}: indices: expected an int64 tensor, got {indices.dtype}")
    if indices.shape != input.shape:
        raise ValueError(
            f"{op}: indices: expected the input's shape {input.shape}, got {indices.shape}"
        )
    kernel = spatial_tuple(kernel_size, rank, "kernel_size", op)
    strides = kernel if stride is None else spatial_tuple(stride, rank, "stride", op)
    pads = spatial_tuple(padding, rank, "padding", op)
    _checks.check_positive(kernel, f"{op}: kernel_size")
    _checks.check_positive(strides, f"{op}: stride")
    _checks.check_non_negative(pads, f"{op}: padding")
    sizes = unpool_output_size(input, kernel, strides, pads, output_size, op)
    lead = input.shape[: input.ndim - rank]
    planes = math.prod(lead)
    plane = math.prod(sizes)
    index = indices._data.reshape(planes, -1) if planes else np.zeros((0, 0), np.int64)
    if index.size and (index.min() < 0 or index.max() >= plane):
        bad = int(index.max() if index.max() >= plane else index.min())
        raise ValueError(
            f"{op}: indices: expected flat positions in [0, {plane}) of the {sizes} output "
            f"plane, got {bad}"
        )
    flat = reshape(input, (planes, index.shape[1] if planes else 0))
    return reshape(PlaneScatter.apply(flat, index=index, size=plane), (*lead, *sizes))


def max_unpool1d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """The partial inverse of [`max_pool1d`][]; see [`max_unpool2d`][]."""
    return _max_unpool(
        input, indices, 1, kernel_size, stride, padding, output_size, "max_unpool1d"
    )


def max_unpool2d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """The partial inverse of [`max_pool2d`][]: each value put back at its index, zeros
    elsewhere: ``(N, C, H_in, W_in) -> (N, C, H_out, W_out)`` with ``L_out = (L_in - 1) s
    - 2p + k`` or ``output_size`` (within the stride of that).

    It is linear, the adjoint of gathering at ``indices``, which is its backward. Values
    whose indices repeat (overlapping windows) are added; PyTorch keeps one of them,
    unspecified which.

    Args:
        input: the pooled ``(N, C, H, W)`` or ``(C, H, W)``.
        indices: its ``return_indices``, int64, the input's shape.
        kernel_size: the pooling's window, an int or one per spatial dim.
        stride: the pooling's stride (default: kernel_size).
        padding: the pooling's padding.
        output_size: the spatial size wanted (or the whole output shape).

    >>> import minigrad as mg
    >>> x = mg.tensor([[[1.0, 4.0], [3.0, 2.0]]])
    >>> out, indices = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(out, indices, 2)
    tensor([[[0., 4.],
             [0., 0.]]])
    """
    return _max_unpool(
        input, indices, 2, kernel_size, stride, padding, output_size, "max_unpool2d"
    )


def max_unpool3d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """The partial inverse of [`max_pool3d`][]; see [`max_unpool2d`][]."""
    return _max_unpool(
        input, indices, 3, kernel_size, stride, padding, output_size, "max_unpool3d"
    )
