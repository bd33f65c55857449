"""Batch-norm kernels: per-channel statistics, normalisation, input gradient.

Notation: ``x`` is ``(N, C, *)``, seen as ``N`` rows of ``C * S`` values (``S`` the
product of the trailing dims); a per-channel ``(C,)`` array is stretched to one row of
``C * S`` values first, so that every pass is a plain walk over rows, which LLVM
vectorises. numpy needs one pass per arithmetic step (7-8 per batch norm forward and
as many for the input gradient); each kernel here makes one (two for the statistics).

Sums accumulate in float64 whatever x's dtype, row after row in a fixed order, then
along each channel's ``S`` values: the same bits on every run. Loops are serial
(``nogil``, no ``prange``): the arrays of a small training step are too small to share.
With ``NUMBA_DISABLE_JIT=1`` the same functions run as plain Python loops.

Each loop has a twin beside it, ``_*_reference``, with the same arguments: the formula
in plain numpy, on a ``(N, C, S)`` view of the rows. The public functions run the twin
under the reference kernels (``minigrad.kernels.backend``). The elementwise twins
give the loops' bits; the sums agree to rounding (numpy sums pairwise, the loops in
order).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from minigrad.kernels import backend


def _rows(x: np.ndarray) -> np.ndarray:
    """``(N, C, *)`` x as a C-contiguous ``(N, C * S)`` array (a view when possible)."""
    return np.ascontiguousarray(x).reshape(x.shape[0], math.prod(x.shape[1:]))


def _by_channel(rows: np.ndarray, channels: int) -> np.ndarray:
    """``(N, C * S)`` rows as ``(N, C, S)``, for the numpy twins."""
    return rows.reshape(rows.shape[0], channels, rows.shape[1] // channels)


def _spread(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``(C,)`` values in ``dtype`` (as ``_stretch`` casts them) as ``(1, C, 1)``, to
    broadcast against ``(N, C, S)``.
    """
    return values.astype(dtype, copy=False).reshape(1, -1, 1)


@njit(cache=True, nogil=True)
def _stretch(values, size, dtype):  # pragma: no cover - compiled
    # (C,) -> (C * size,): each channel's value repeated over its S positions.
    out = np.empty(values.size * size, dtype)
    for c in range(values.size):
        for k in range(size):
            out[c * size + k] = values[c]
    return out


@njit(cache=True, nogil=True)
def _fold(row, channels):  # pragma: no cover - compiled
    # (C * S,) float64 -> (C,): each channel's S values summed in order.
    size = row.size // channels
    out = np.zeros(channels, np.float64)
    for c in range(channels):
        total = 0.0
        for k in range(size):
            total += row[c * size + k]
        out[c] = total
    return out


@njit(cache=True, nogil=True)
def _statistics(rows, channels):  # pragma: no cover - compiled
    count, width = rows.shape
    values = count * (width // channels)
    total = np.zeros(width, np.float64)
    for n in range(count):
        for j in range(width):
            total[j] += rows[n, j]
    mean = _fold(total, channels) / values
    # Two passes, not sum and sum of squares: no cancellation when |mean| >> std.
    centre = _stretch(mean, width // channels, np.float64)
    total[:] = 0.0
    for n in range(count):
        for j in range(width):
            difference = rows[n, j] - centre[j]
            total[j] += difference * difference
    return mean, _fold(total, channels) / values


def _statistics_reference(rows, channels):
    wide = _by_channel(rows, channels).astype(np.float64)
    mean = wide.mean(axis=(0, 2))
    difference = wide - _spread(mean, np.float64)
    return mean, (difference * difference).mean(axis=(0, 2))


def batch_norm_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of ``(N, C, *)`` x, each ``(C,)`` in x's dtype.

    mean = sum(x) / n,   variance = sum((x - mean)^2) / n,   n = N * S values a channel.
    """
    statistics = _statistics_reference if backend.reference() else _statistics
    mean, variance = statistics(_rows(x), x.shape[1])
    return mean.astype(x.dtype), variance.astype(x.dtype)


@njit(cache=True, nogil=True)
def _normalise(rows, mean, root, weight, bias):  # pragma: no cover - compiled
    size = rows.shape[1] // mean.size
    centre = _stretch(mean, size, rows.dtype)
    scale = _stretch(root, size, rows.dtype)
    stretch = _stretch(weight, size, rows.dtype)
    shift = _stretch(bias, size, rows.dtype)
    out = np.empty_like(rows)
    normalised = np.empty_like(rows)
    for n in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            value = (rows[n, j] - centre[j]) * scale[j]
            normalised[n, j] = value
            out[n, j] = value * stretch[j] + shift[j]
    return out, normalised


def _normalise_reference(rows, mean, root, weight, bias):
    x = _by_channel(rows, mean.size)
    normalised = (x - _spread(mean, x.dtype)) * _spread(root, x.dtype)
    out = normalised * _spread(weight, x.dtype) + _spread(bias, x.dtype)
    return out.reshape(rows.shape), normalised.reshape(rows.shape)


def batch_norm_forward(
    x: np.ndarray, mean: np.ndarray, root: np.ndarray, weight: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``out = xhat * weight + bias`` with ``xhat = (x - mean) * root``, per channel.

    ``x`` is ``(N, C, *)``, the others ``(C,)`` in x's dtype. Returns ``(out, xhat)``,
    both of x's shape, rounded step by step as written (no fused multiply-add).
    """
    normalise = _normalise_reference if backend.reference() else _normalise
    out, normalised = normalise(_rows(x), mean, root, weight, bias)
    return out.reshape(x.shape), normalised.reshape(x.shape)


@njit(cache=True, nogil=True)
def _input_grad(g, normalised, scale, mean_bias, mean_weight):  # pragma: no cover
    size = g.shape[1] // scale.size
    stretch = _stretch(scale, size, g.dtype)
    shift = _stretch(mean_bias, size, g.dtype)
    slope = _stretch(mean_weight, size, g.dtype)
    out = np.empty_like(g)
    for n in range(g.shape[0]):
        for j in range(g.shape[1]):
            out[n, j] = (g[n, j] - shift[j] - normalised[n, j] * slope[j]) * stretch[j]
    return out


def _input_grad_reference(g, normalised, scale, mean_bias, mean_weight):
    channels = scale.size
    g3, normalised3 = _by_channel(g, channels), _by_channel(normalised, channels)
    shift, slope = _spread(mean_bias, g.dtype), _spread(mean_weight, g.dtype)
    out = (g3 - shift - normalised3 * slope) * _spread(scale, g.dtype)
    return out.reshape(g.shape)


def batch_norm_input_grad(
    g: np.ndarray,
    normalised: np.ndarray,
    scale: np.ndarray,
    mean_bias: np.ndarray,
    mean_weight: np.ndarray,
) -> np.ndarray:
    """``out = (g - mean_bias - xhat * mean_weight) * scale``, per channel.

    ``g`` and ``xhat`` (``normalised``) are ``(N, C, *)``, the others ``(C,)`` in g's
    dtype. Returns an array of g's shape.
    """
    input_grad = _input_grad_reference if backend.reference() else _input_grad
    out = input_grad(_rows(g), _rows(normalised), scale, mean_bias, mean_weight)
    return out.reshape(g.shape)


@njit(cache=True, nogil=True)
def _channel_dot(a, b, channels):  # pragma: no cover - compiled
    total = np.zeros(a.shape[1], np.float64)
    for n in range(a.shape[0]):
        for j in range(a.shape[1]):
            total[j] += a[n, j] * b[n, j]
    return _fold(total, channels)


def _channel_dot_reference(a, b, channels):
    products = _by_channel(a, channels) * _by_channel(b, channels)
    return products.astype(np.float64).sum(axis=(0, 2))


def channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum(a * b)`` per channel of two ``(N, C, *)`` arrays: ``(C,)`` in a's dtype.

    Each product is taken in a's dtype and summed in float64.
    """
    dot = _channel_dot_reference if backend.reference() else _channel_dot
    return dot(_rows(a), _rows(b), a.shape[1]).astype(a.dtype)


@njit(cache=True, nogil=True)
def _channel_sum(rows, channels):  # pragma: no cover - compiled
    total = np.zeros(rows.shape[1], np.float64)
    for n in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            total[j] += rows[n, j]
    return _fold(total, channels)


def _channel_sum_reference(rows, channels):
    return _by_channel(rows, channels).astype(np.float64).sum(axis=(0, 2))


def channel_sum(x: np.ndarray) -> np.ndarray:
    """``sum(x)`` per channel of ``(N, C, *)`` x: ``(C,)`` in x's dtype, summed in float64
    (a bias gradient, or batch norm's).
    """
    total = _channel_sum_reference if backend.reference() else _channel_sum
    return total(_rows(x), x.shape[1]).astype(x.dtype)


@njit(cache=True, nogil=True)
def _channel_sum_and_dot(a, b, channels):  # pragma: no cover - compiled
    total = np.zeros(a.shape[1], np.float64)
    products = np.zeros(a.shape[1], np.float64)
    for n in range(a.shape[0]):
        for j in range(a.shape[1]):
            total[j] += a[n, j]
            products[j] += a[n, j] * b[n, j]
    return _fold(total, channels), _fold(products, channels)


def _channel_sum_and_dot_reference(a, b, channels):
    return _channel_sum_reference(a, channels), _channel_dot_reference(a, b, channels)


def channel_sum_and_dot(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(channel_sum(a), channel_dot(a, b))`` from one pass over two ``(N, C, *)`` arrays:
    batch norm's bias and weight gradients. The same bits as the two kernels apart.
    """
    both = _channel_sum_and_dot_reference if backend.reference() else _channel_sum_and_dot
    total, products = both(_rows(a), _rows(b), a.shape[1])
    return total.astype(a.dtype), products.astype(a.dtype)
