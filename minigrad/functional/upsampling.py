"""Resizing: ``interpolate`` (and PyTorch's deprecated ``upsample*``), ``pixel_shuffle``
and ``pixel_unshuffle``.

Notation: input ``(N, C, *L_in)`` with 1 to 3 spatial dims, output ``(N, C, *L_out)``.
``L_out`` is ``size``, or ``⌊L_in · scale_factor⌋``. Each output position o reads from
the source point

    x = o · (L_in - 1) / (L_out - 1)            (align_corners=True)
    x = (o + 1/2) · r - 1/2                     (otherwise),

with r = 1 / scale_factor when a scale factor is given (and not recomputed), else
L_in / L_out: ``nearest`` takes input ⌊o · r⌋, ``nearest-exact`` ⌊(o + 1/2) · r⌋,
``linear`` / ``bilinear`` / ``trilinear`` weigh the two neighbours of x per dim by
their distance, ``bicubic`` four (Keys' kernel), and ``area`` is adaptive average
pooling. With ``antialias=True`` (bilinear, bicubic) a shrinking filter widens by the
ratio, so that every input counts (``antialias_taps``).

Every mode is separable and linear: one ``AxisResample``
per spatial dim, whose backward is its adjoint op (so gradients of any order work).
Pixel shuffle is a reshape, a permutation and a reshape.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.functional._arguments import check_flag, check_tensor
from minigrad.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
)
from minigrad.ops.sampling import (
    PixelShuffle,
    PixelUnshuffle,
    Taps,
    antialias_taps,
    cubic_taps,
    linear_taps,
    nearest_taps,
    resample,
)
from minigrad.tensor import Tensor

__all__ = [
    "interpolate",
    "pixel_shuffle",
    "pixel_unshuffle",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
]

MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
# The modes that take align_corners, and the spatial rank each needs.
_INTERPOLATING = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_AREA = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}


class InterpolationModeError(NotImplementedError, ValueError):
    """A mode that does not fit the input's rank (``bilinear`` on a 3-d input, say): a
    ``NotImplementedError`` as PyTorch raises, and a ``ValueError`` as minigrad's
    contract asks for a bad value.
    """


def interpolate(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of ``input`` to ``size`` or by ``scale_factor``:
    ``(N, C, *L_in) -> (N, C, *L_out)`` (see the module docstring for the maths).

    Args:
        input: ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``, float.
        size: the output's spatial size, an int or one per spatial dim.
        scale_factor: the multiplier of the spatial size, a number or one per dim.
        mode: ``nearest``, ``nearest-exact``, ``linear`` (3-d input), ``bilinear`` or
            ``bicubic`` (4-d), ``trilinear`` (5-d), or ``area``.
        align_corners: for the interpolating modes, whether the corner elements of
            input and output line up (False when None).
        recompute_scale_factor: with a scale factor, compute the positions from the
            integer output size instead of the factor.
        antialias: for ``bilinear`` and ``bicubic``: widen the filter with the ratio
            when shrinking, so that every input counts (PyTorch's antialiasing).

    Returns:
        The resized tensor, the input's dtype.

    Raises:
        ValueError: bad sizes or combinations of arguments (a mode that needs another
            rank raises [`InterpolationModeError`][], also a ``NotImplementedError``);
        TypeError: bad types.

    >>> import minigrad as mg
    >>> x = mg.tensor([[[1.0, 2.0, 4.0]]])
    >>> interpolate(x, scale_factor=2)
    tensor([[[1., 1., 2., 2., 4., 4.]]])
    >>> interpolate(x, size=5, mode="linear", align_corners=True)
    tensor([[[1. , 1.5, 2. , 3. , 4. ]]])
    """
    op = "interpolate"
    check_tensor(input, "input", op)
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"{op}: mode: expected one of {', '.join(MODES)}, got {mode!r}")
    corners = False
    if mode in _INTERPOLATING:
        corners = (
            False if align_corners is None else check_flag(align_corners, "align_corners", op)
        )
    elif align_corners is not None:
        raise ValueError(
            f"{op}: align_corners: only the interpolating modes (linear, bilinear, bicubic, "
            f"trilinear) take it, got align_corners={align_corners!r} with mode {mode!r}"
        )
    if input.ndim not in (3, 4, 5):
        raise InterpolationModeError(
            f"{op}: input: expected a 3-d, 4-d or 5-d (N, C, *spatial) tensor, got a "
            f"{input.ndim}-d tensor of shape {input.shape}"
        )
    rank = input.ndim - 2
    if _INTERPOLATING.get(mode, rank) != rank:
        raise InterpolationModeError(
            f"{op}: mode {mode!r} needs a {_INTERPOLATING[mode] + 2}-d input, got a "
            f"{input.ndim}-d input of shape {input.shape}"
        )
    antialias = check_flag(antialias, "antialias", op)
    if antialias and (mode not in ("bilinear", "bicubic") or input.ndim != 4):
        raise ValueError(
            f"{op}: antialias: only modes 'bilinear' and 'bicubic' on a 4-d input take "
            f"antialias=True, got mode {mode!r} and a {input.ndim}-d input"
        )
    sizes, scales = _output_size(input, rank, size, scale_factor, recompute_scale_factor, op)
    if mode == "area":
        return _AREA[rank](input, sizes)
    dtype = input.dtype
    taps: list[Taps] = []
    for size_in, size_out, scale in zip(input.shape[2:], sizes, scales):
        if antialias:
            taps.append(antialias_taps(size_in, size_out, corners, scale, mode == "bicubic"))
        elif mode in ("nearest", "nearest-exact"):
            exact = mode == "nearest-exact"
            taps.append(nearest_taps(size_in, size_out, scale, exact, shortcuts=rank == 2))
        elif mode == "bicubic":
            taps.append(cubic_taps(size_in, size_out, corners, scale, dtype))
        else:
            taps.append(linear_taps(size_in, size_out, corners, scale, dtype))
    return resample(input, taps, 2)


def _output_size(
    input: Tensor,  # noqa: A002
    rank: int,
    size: Any,
    scale_factor: Any,
    recompute_scale_factor: Any,
    op: str,
) -> tuple[tuple[int, ...], tuple[float | None, ...]]:
    """The checked output size, and the scale factors the positions use (None: L_in/L_out)."""
    spatial = input.shape[2:]
    if size is not None and scale_factor is not None:
        raise ValueError(f"{op}: size, scale_factor: expected only one of them, got both")
    if size is None and scale_factor is None:
        raise ValueError(f"{op}: size, scale_factor: expected one of them, got neither")
    if recompute_scale_factor is not None:
        check_flag(recompute_scale_factor, "recompute_scale_factor", op)
    if 0 in input.shape[1:]:
        raise ValueError(
            f"{op}: input: expected non-zero sizes in every dim but the batch dim, got "
            f"shape {input.shape}"
        )
    scales: tuple[float | None, ...] = (None,) * rank
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(
                f"{op}: recompute_scale_factor: True means nothing with an explicit size"
            )
        sizes = _per_dim(size, rank, "size", op, _checks.is_int)
        sizes = tuple(int(s) for s in sizes)
    else:
        factors = _per_dim(scale_factor, rank, "scale_factor", op, _is_number)
        sizes = tuple(math.floor(length * float(f)) for length, f in zip(spatial, factors))
        if not recompute_scale_factor:
            scales = tuple(float(f) for f in factors)
    if min(sizes) < 1:
        raise ValueError(
            f"{op}: the output size {sizes} (for input size {spatial}) must be positive in "
            "every dim"
        )
    return sizes, scales


def _is_number(value: Any) -> bool:
    """A real number (Python or numpy), not a bool."""
    real = isinstance(value, int | float | np.integer | np.floating)
    return real and not isinstance(value, bool | np.bool_)


def _per_dim(value: Any, rank: int, argument: str, op: str, accept: Any) -> tuple[Any, ...]:
    """One value per spatial dim, from one value or a sequence of ``rank`` of them."""
    kind = "int" if argument == "size" else "number"
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(value)
        if len(items) != rank:
            raise ValueError(
                f"{op}: {argument}: expected a {kind} or a tuple of {rank} (one per spatial "
                f"dim of the input), got {value!r}"
            )
    else:
        items = (value,) * rank
    if not all(accept(item) for item in items):
        raise TypeError(
            f"{op}: {argument}: expected a {kind} or a tuple of {rank}, got "
            f"{type(value).__name__} {value!r}"
        )
    return items


def upsample(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated in PyTorch (and warns as there): [`interpolate`][]."""
    warnings.warn("upsample is deprecated; use interpolate instead", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated in PyTorch (and warns as there): ``interpolate(mode="nearest")``."""
    warnings.warn(
        "upsample_nearest is deprecated; use interpolate instead", UserWarning, stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated in PyTorch (and warns as there): ``interpolate(mode="bilinear",
    align_corners=True)``.
    """
    warnings.warn(
        "upsample_bilinear is deprecated; use interpolate instead", UserWarning, stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_factor(input: Any, factor: Any, argument: str, op: str) -> int:  # noqa: A002
    check_tensor(input, "input", op, floating=False)
    if not _checks.is_int(factor):
        raise TypeError(
            f"{op}: {argument}: expected an int, got {type(factor).__name__} {factor!r}"
        )
    if factor < 1:
        raise ValueError(f"{op}: {argument}: expected a positive int, got {factor}")
    if input.ndim < 3:
        raise ValueError(
            f"{op}: input: expected at least 3 dims (*, C, H, W), got shape {input.shape}"
        )
    return int(factor)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """Move channel blocks into space: ``(*, C r², H, W) -> (*, C, H r, W r)``, with
    ``out[..., c, h r + i, w r + j] = input[..., c r² + i r + j, h, w]``.

    >>> import minigrad as mg
    >>> pixel_shuffle(mg.arange(8.0).reshape(1, 4, 1, 2), 2)
    tensor([[[[0., 2., 1., 3.],
              [4., 6., 5., 7.]]]])
    """
    r = _check_factor(input, upscale_factor, "upscale_factor", "pixel_shuffle")
    *lead, channels, height, width = input.shape
    if channels % (r * r):
        raise ValueError(
            f"pixel_shuffle: input: expected the channel dim (-3) divisible by "
            f"upscale_factor² = {r * r}, got {channels} (shape {input.shape})"
        )
    return PixelShuffle.apply(input, factor=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """Move space into channel blocks, the inverse of [`pixel_shuffle`][]:
    ``(*, C, H r, W r) -> (*, C r², H, W)``.

    >>> import minigrad as mg
    >>> pixel_unshuffle(mg.arange(4.0).reshape(1, 1, 2, 2), 2).reshape(4)
    tensor([0., 1., 2., 3.])
    """
    r = _check_factor(input, downscale_factor, "downscale_factor", "pixel_unshuffle")
    *lead, channels, height, width = input.shape
    if height % r or width % r:
        raise ValueError(
            f"pixel_unshuffle: input: expected height and width (dims -2, -1) divisible by "
            f"downscale_factor = {r}, got {height} and {width} (shape {input.shape})"
        )
    return PixelUnshuffle.apply(input, factor=r)
