"""Pixel shuffle kernels: channel blocks moved into space and back, in one pass.

A pixel shuffle is a permutation: as a 5-d view ``(P, r, r, H, W) -> (P, H, r, W, r)``
(``P`` the planes: the leading dims times the output channels). numpy copies a
transposed view in the destination's order, whose innermost run is ``r`` elements
long (2 or 3), and that copy is several times slower than this loop, which walks both
sides with the ``W``-long runs innermost. A permutation moves values without arithmetic,
so the bits are numpy's. The numpy twins, ``_to_space_reference`` and
``_to_channels_reference``, run in their place under the reference kernels
(``minigrad.kernels.backend``), and for dtypes other than float32 and float64.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

from minigrad.kernels import backend

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# A kernel or its twin: (x as 5-d, out as 5-d) -> None, out written.
_Move = Callable[[np.ndarray, np.ndarray], None]


@njit(cache=True, nogil=True)
def _to_space(x, out):  # pragma: no cover - compiled
    planes, r, _, height, width = x.shape
    for p in range(planes):
        for i in range(r):
            for j in range(r):
                for h in range(height):
                    for w in range(width):
                        out[p, h, i, w, j] = x[p, i, j, h, w]


def _to_space_reference(x, out):
    out[...] = x.transpose(0, 3, 1, 4, 2)


@njit(cache=True, nogil=True)
def _to_channels(x, out):  # pragma: no cover - compiled
    planes, r, _, height, width = out.shape
    for p in range(planes):
        for i in range(r):
            for j in range(r):
                for h in range(height):
                    for w in range(width):
                        out[p, i, j, h, w] = x[p, h, i, w, j]


def _to_channels_reference(x, out):
    out[...] = x.transpose(0, 2, 4, 1, 3)


def _kernel(fast: _Move, reference: _Move, dtype: np.dtype[Any]) -> _Move:
    return reference if backend.reference() or dtype not in _DTYPES else fast


def pixel_shuffle(x: np.ndarray, factor: int) -> np.ndarray:
    """``(*, C r², H, W) -> (*, C, H r, W r)``:
    ``out[..., c, h r + i, w r + j] = x[..., c r² + i r + j, h, w]``.

    Args:
        x: at least 3-d, its channel count divisible by ``factor**2``; any dtype.
        factor: r, a positive int.

    Returns:
        A new C-contiguous array of x's dtype.
    """
    *lead, channels, height, width = x.shape
    r = factor
    out = np.empty((*lead, channels // (r * r), height * r, width * r), x.dtype)
    planes = math.prod(lead) * (channels // (r * r))
    source = np.ascontiguousarray(x).reshape(planes, r, r, height, width)
    _kernel(_to_space, _to_space_reference, x.dtype)(
        source, out.reshape(planes, height, r, width, r)
    )
    return out


def pixel_unshuffle(x: np.ndarray, factor: int) -> np.ndarray:
    """``(*, C, H r, W r) -> (*, C r², H, W)``, the inverse of [`pixel_shuffle`][]:
    ``out[..., c r² + i r + j, h, w] = x[..., c, h r + i, w r + j]``.

    Args:
        x: at least 3-d, its last two sizes divisible by ``factor``; any dtype.
        factor: r, a positive int.

    Returns:
        A new C-contiguous array of x's dtype.
    """
    *lead, channels, height, width = x.shape
    r = factor
    out = np.empty((*lead, channels * r * r, height // r, width // r), x.dtype)
    planes = math.prod(lead) * channels
    source = np.ascontiguousarray(x).reshape(planes, height // r, r, width // r, r)
    _kernel(_to_channels, _to_channels_reference, x.dtype)(
        source, out.reshape(planes, r, r, height // r, width // r)
    )
    return out
