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
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


def _rows(x: np.ndarray) -> np.ndarray:
    """``(N, C, *)`` x as a C-contiguous ``(N, C * S)`` array (a view when possible)."""
    return np.ascontiguousarray(x).reshape(x.shape[0], math.prod(x.shape[1:]))


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


def batch_norm_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and biased variance of ``(N, C, *)`` x, each ``(C,)`` in x's dtype.

    mean = sum(x) / n,   variance = sum((x - mean)^2) / n,   n = N * S values a channel.
    """
    mean, variance = _statistics(_rows(x), x.shape[1])
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


def batch_norm_forward(
    x: np.ndarray, mean: np.ndarray, root: np.ndarray, weight: np.ndarray, bias: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``out = xhat * weight + bias`` with ``xhat = (x - mean) * root``, per channel.

    ``x`` is ``(N, C, *)``, the others ``(C,)`` in x's dtype. Returns ``(out, xhat)``,
    both of x's shape, rounded step by step as written (no fused multiply-add).
    """
    out, normalised = _normalise(_rows(x), mean, root, weight, bias)
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
    out = _input_grad(_rows(g), _rows(normalised), scale, mean_bias, mean_weight)
    return out.reshape(g.shape)


@njit(cache=True, nogil=True)
def _channel_dot(a, b, channels):  # pragma: no cover - compiled
    total = np.zeros(a.shape[1], np.float64)
    for n in range(a.shape[0]):
        for j in range(a.shape[1]):
            total[j] += a[n, j] * b[n, j]
    return _fold(total, channels)


def channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum(a * b)`` per channel of two ``(N, C, *)`` arrays: ``(C,)`` in a's dtype.

    Each product is taken in a's dtype and summed in float64.
    """
    return _channel_dot(_rows(a), _rows(b), a.shape[1]).astype(a.dtype)


@njit(cache=True, nogil=True)
def _channel_sum(rows, channels):  # pragma: no cover - compiled
    total = np.zeros(rows.shape[1], np.float64)
    for n in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            total[j] += rows[n, j]
    return _fold(total, channels)


def channel_sum(x: np.ndarray) -> np.ndarray:
    """``sum(x)`` per channel of ``(N, C, *)`` x: ``(C,)`` in x's dtype, summed in float64
    (a bias gradient, or batch norm's).
    """
    return _channel_sum(_rows(x), x.shape[1]).astype(x.dtype)


@njit(cache=True, nogil=True)
def _channel_sum_and_dot(a, b, channels):  # pragma: no cover - compiled
    total = np.zeros(a.shape[1], np.float64)
    products = np.zeros(a.shape[1], np.float64)
    for n in range(a.shape[0]):
        for j in range(a.shape[1]):
            total[j] += a[n, j]
            products[j] += a[n, j] * b[n, j]
    return _fold(total, channels), _fold(products, channels)


def channel_sum_and_dot(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(channel_sum(a), channel_dot(a, b))`` from one pass over two ``(N, C, *)`` arrays:
    batch norm's bias and weight gradients. The same bits as the two kernels apart.
    """
    rows = _rows(a)
    total, products = _channel_sum_and_dot(rows, _rows(b), a.shape[1])
    return total.astype(a.dtype), products.astype(a.dtype)
