"""Group-normalisation kernels: one row at a time, for layer, instance and group norm.

Notation: ``x`` is seen as ``(B, P, K)`` rows, ``K = M * S`` values a row, each row
normalised by its own mean and biased variance; per-row results (mean, ``root``) are
``(B, P)``; the affine ``weight`` and ``bias`` are ``(P, M)``, each value stretched over
``S`` neighbouring positions of a row. Layer norm is ``(B, 1, K)`` with ``S = 1``,
instance norm ``(N, C, L)`` with ``M = 1``, group norm ``(N, G, C/G * L)`` with
``M = C/G``.

A row (a few hundred values) stays in cache while it is summed and written, so one
kernel call is one trip through memory where numpy makes seven or eight. Sums run in
float64 whatever x's dtype, in the order of the compiled loop (see ``_SUMS``); the mean
and ``root = 1 / sqrt(var + eps)`` are rounded to x's dtype once, and each elementwise
step after that is taken in x's dtype as written: the same bits on every run. Loops
are serial (``nogil``).

Each loop has a twin beside it, ``_*_reference``, in plain numpy with the same
arguments, which the public functions run under the reference kernels
(``minigrad.kernels.backend``). The elementwise steps give the loops' bits; the
sums agree to rounding (numpy sums pairwise).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from minigrad.kernels import backend


def _rows(x: np.ndarray, rows: tuple[int, int]) -> np.ndarray:
    """View x as a C-contiguous ``(B, P, K)`` array (a view when possible)."""
    count = math.prod(rows)
    width = x.size // count if count else 0
    return np.ascontiguousarray(x).reshape(rows[0], rows[1], width)


def _table(values: np.ndarray, parts: int, dtype: np.dtype) -> np.ndarray:
    """A weight or bias of ``P * M`` values as a C-contiguous ``(P, M)`` array in x's dtype."""
    return np.ascontiguousarray(values, dtype=dtype).reshape(parts, -1)


# The sums may be reassociated (and so vectorised, several partial sums at once): a
# single chain of dependent float64 additions ran about eight times slower. The order
# is then the compiled loop's, fixed for a machine, so every run gives the same bits.
_SUMS = {"reassoc"}


@njit(cache=True, nogil=True, fastmath=_SUMS)
def _total(a):  # pragma: no cover - compiled
    # sum(a) in float64.
    total = 0.0
    for k in range(a.size):
        total += a[k]
    return total


@njit(cache=True, nogil=True, fastmath=_SUMS)
def _dot(a, b):  # pragma: no cover - compiled
    # sum(a * b) in float64, each product in the arrays' dtype.
    total = 0.0
    for k in range(a.size):
        total += a[k] * b[k]
    return total


@njit(cache=True, nogil=True, fastmath=_SUMS)
def _weighted_sums(g, normalised, weight):  # pragma: no cover - compiled
    # (sum(w * g), sum(w * (g * xhat))) in float64, one weight a value (S = 1).
    total = 0.0
    dot = 0.0
    for k in range(g.size):
        stretch = np.float64(weight[k])
        total += stretch * g[k]
        dot += stretch * (g[k] * normalised[k])
    return total, dot


@njit(cache=True, nogil=True, fastmath=_SUMS)
def _row_statistics(row):  # pragma: no cover - compiled
    # One pass over d = x - x[0]: mean = x[0] + mean(d), var = mean(d^2) - mean(d)^2.
    # The shift keeps the sums on the scale of the spread: no cancellation when
    # |mean| >> std.
    shift = np.float64(row[0])
    total = 0.0
    squares = 0.0
    for k in range(row.size):
        difference = row[k] - shift
        total += difference
        squares += difference * difference
    mean = total / row.size
    return shift + mean, max(squares / row.size - mean * mean, 0.0)


@njit(cache=True, nogil=True)
def _statistics(x):  # pragma: no cover - compiled
    mean = np.zeros(x.shape[:2], np.float64)
    variance = np.zeros(x.shape[:2], np.float64)
    if x.shape[2] == 0:
        return mean, variance
    for b in range(x.shape[0]):
        for p in range(x.shape[1]):
            mean[b, p], variance[b, p] = _row_statistics(x[b, p])
    return mean, variance


def _statistics_reference(x):
    if x.shape[2] == 0:
        return np.zeros(x.shape[:2]), np.zeros(x.shape[:2])
    shift = x[:, :, :1].astype(np.float64)
    difference = x - shift
    mean = difference.mean(axis=2)
    variance = np.maximum((difference * difference).mean(axis=2) - mean * mean, 0.0)
    return shift[:, :, 0] + mean, variance


def norm_statistics(x: np.ndarray, rows: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased variance of each row of x seen as ``(B, P, K)``: ``(B, P)`` each,
    in float64 (for running statistics, which average them).
    """
    statistics = _statistics_reference if backend.reference() else _statistics
    return statistics(_rows(x, rows))


@njit(cache=True, nogil=True)
def _forward(x, weight, bias, eps, affine):  # pragma: no cover - compiled
    count, parts, width = x.shape
    size = width // weight.shape[1] if weight.shape[1] else 0
    normalised = np.empty_like(x)
    out = np.empty_like(x) if affine else normalised
    mean = np.zeros((count, parts), x.dtype)
    root = np.zeros((count, parts), x.dtype)
    if width == 0:
        return out, normalised, mean, root
    for b in range(count):
        for p in range(parts):
            row = x[b, p]
            centre, variance = _row_statistics(row)
            # Stored first: the stores round to x's dtype, once.
            mean[b, p] = centre
            root[b, p] = 1.0 / np.sqrt(variance + eps)
            shift = mean[b, p]
            scale = root[b, p]
            values = normalised[b, p]
            for k in range(width):
                values[k] = (row[k] - shift) * scale
            if affine and size == 1:
                scales, offsets, whole = weight[p], bias[p], out[b, p]
                for k in range(width):
                    whole[k] = values[k] * scales[k] + offsets[k]
            elif affine:
                for m in range(weight.shape[1]):
                    stretch = weight[p, m]
                    offset = bias[p, m]
                    piece = values[m * size : (m + 1) * size]
                    result = out[b, p, m * size : (m + 1) * size]
                    for k in range(size):
                        result[k] = piece[k] * stretch + offset
    return out, normalised, mean, root


def _forward_reference(x, weight, bias, eps, affine):
    mean, variance = _statistics_reference(x)
    root = (1.0 / np.sqrt(variance + eps)).astype(x.dtype)
    mean = mean.astype(x.dtype)
    normalised = (x - mean[:, :, None]) * root[:, :, None]
    if not affine:
        return normalised, normalised, mean, root
    count, parts, width = x.shape
    split = normalised.reshape(count, parts, weight.shape[1], -1)
    out = split * weight[None, :, :, None] + bias[None, :, :, None]
    return out.reshape(x.shape), normalised, mean, root


def norm_forward(
    x: np.ndarray,
    rows: tuple[int, int],
    eps: float,
    weight: np.ndarray | None = None,
    bias: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``out = xhat * weight + bias`` with ``xhat = (x - mean) * root``, per row.

    ``x`` is seen as ``(B, P, K)`` rows (``rows = (B, P)``); ``weight`` and ``bias``
    hold ``P * M`` values each (``M`` dividing ``K``), both given or both None (then
    ``out`` is ``xhat``). Returns ``(out, xhat, root)``: the first two of x's shape,
    ``root = 1 / sqrt(var + eps)`` as ``(B, P)``, all in x's dtype.
    """
    affine = weight is not None
    assert (bias is not None) == affine
    parts = rows[1]
    if affine:
        table, offsets = _table(weight, parts, x.dtype), _table(bias, parts, x.dtype)
    else:
        table = offsets = np.zeros((parts, 1), x.dtype)
    forward = _forward_reference if backend.reference() else _forward
    out, normalised, _, root = forward(_rows(x, rows), table, offsets, eps, affine)
    return out.reshape(x.shape), normalised.reshape(x.shape), root


@njit(cache=True, nogil=True)
def _input_grad(g, normalised, root, weight):  # pragma: no cover - compiled
    # Also returns the param grads (as _param_grads, to the bit): the per-piece sums
    # it needs for the means are theirs too, so the backward reads g and xhat once.
    count, parts, width = g.shape
    pieces = weight.shape[1]
    size = width // pieces if pieces else 0
    out = np.empty_like(g)
    grand_total = np.zeros((parts, pieces), np.float64)
    grand_dot = np.zeros((parts, pieces), np.float64)
    # The two means, stored to round them to g's dtype once (as the twin does).
    means = np.empty(2, g.dtype)
    for b in range(count):
        for p in range(parts):
            given, row, result = g[b, p], normalised[b, p], out[b, p]
            if size == 1:
                total, dot = _weighted_sums(given, row, weight[p])
                for m in range(pieces):
                    grand_total[p, m] += given[m]
                    grand_dot[p, m] += given[m] * row[m]
            else:
                # sum(h) = sum over pieces of w * sum(g): no pass to form h first.
                total = 0.0
                dot = 0.0
                for m in range(pieces):
                    start, stop = m * size, (m + 1) * size
                    piece_total = _total(given[start:stop])
                    piece_dot = _dot(given[start:stop], row[start:stop])
                    grand_total[p, m] += piece_total
                    grand_dot[p, m] += piece_dot
                    total += weight[p, m] * piece_total
                    dot += weight[p, m] * piece_dot
            means[0] = total / width
            means[1] = dot / width
            shift = means[0]
            slope = means[1]
            scale = root[b, p]
            if size == 1:
                scales = weight[p]
                for k in range(width):
                    result[k] = (given[k] * scales[k] - shift - row[k] * slope) * scale
                continue
            for m in range(pieces):
                stretch = weight[p, m]
                start, stop = m * size, (m + 1) * size
                piece, values, target = given[start:stop], row[start:stop], result[start:stop]
                for k in range(size):
                    target[k] = (piece[k] * stretch - shift - values[k] * slope) * scale
    return out, grand_total, grand_dot


def _input_grad_reference(g, normalised, root, weight):
    count, parts, width = g.shape
    split = g.reshape(count, parts, weight.shape[1], -1)
    rows = normalised.reshape(split.shape)
    wide = weight.astype(np.float64)[None]
    piece_sum = split.astype(np.float64).sum(axis=3)
    piece_dot = (split * rows).astype(np.float64).sum(axis=3)
    mean_h = ((piece_sum * wide).sum(axis=2) / width).astype(g.dtype)
    mean_hx = ((piece_dot * wide).sum(axis=2) / width).astype(g.dtype)
    scaled = split * weight[None, :, :, None]
    centred = scaled - mean_h[:, :, None, None] - rows * mean_hx[:, :, None, None]
    out = (centred * root[:, :, None, None]).reshape(g.shape)
    return (out, *_param_grads_reference(g, normalised, weight.shape[1]))


def norm_input_grad(
    g: np.ndarray,
    normalised: np.ndarray,
    root: np.ndarray,
    weight: np.ndarray,
    rows: tuple[int, int],
) -> np.ndarray:
    """``out = root * (h - mean(h) - xhat * mean(h * xhat))`` per row, ``h = g * weight``.

    ``g`` and ``xhat`` (``normalised``) are seen as ``(B, P, K)`` rows, ``root`` is
    ``(B, P)``, ``weight`` holds ``P * M`` values. The means are taken in float64 as
    ``sum over pieces of w * sum(g)`` and ``w * sum(g * xhat)`` (each ``g * xhat`` in
    g's dtype), then rounded to g's dtype. Returns an array of g's shape.
    """
    return norm_backward(g, normalised, root, weight, rows)[0]


def norm_backward(
    g: np.ndarray,
    normalised: np.ndarray,
    root: np.ndarray,
    weight: np.ndarray,
    rows: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(norm_input_grad(...), *norm_param_grads(g, xhat, rows, M))`` from one pass over
    g and xhat: a normalisation's three gradients, each with the bits of its own kernel.
    """
    pieces = weight.size // rows[1] if rows[1] else 0
    if g.size == 0:
        empty = np.zeros((rows[1], pieces), g.dtype)
        return np.zeros_like(g), empty, empty.copy()
    table = _table(weight, rows[1], g.dtype)
    backward = _input_grad_reference if backend.reference() else _input_grad
    root = np.ascontiguousarray(root, dtype=g.dtype).reshape(rows)
    out, total, dot = backward(_rows(g, rows), _rows(normalised, rows), root, table)
    return out.reshape(g.shape), total.astype(g.dtype), dot.astype(g.dtype)


@njit(cache=True, nogil=True)
def _param_grads(g, normalised, pieces):  # pragma: no cover - compiled
    count, parts, width = g.shape
    size = width // pieces if pieces else 0
    total = np.zeros((parts, pieces), np.float64)
    dot = np.zeros((parts, pieces), np.float64)
    for b in range(count):
        for p in range(parts):
            row, other = g[b, p], normalised[b, p]
            if size == 1:
                # One value a weight (layer norm): the batch is the only sum.
                for m in range(pieces):
                    total[p, m] += row[m]
                    dot[p, m] += row[m] * other[m]
                continue
            for m in range(pieces):
                start, stop = m * size, (m + 1) * size
                total[p, m] += _total(row[start:stop])
                dot[p, m] += _dot(row[start:stop], other[start:stop])
    return total, dot


def _param_grads_reference(g, normalised, pieces):
    count, parts, _ = g.shape
    split = g.reshape(count, parts, pieces, -1)
    products = (g * normalised).reshape(split.shape)
    total = split.astype(np.float64).sum(axis=(0, 3))
    return total, products.astype(np.float64).sum(axis=(0, 3))


def norm_param_grads(
    g: np.ndarray, normalised: np.ndarray, rows: tuple[int, int], pieces: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(sum(g), sum(g * xhat))`` for each of the ``(P, M)`` affine values: the bias and
    weight gradients, from one pass. Each ``(B, P, K)`` row is cut into ``M = pieces``
    runs of ``S`` values; a value's sums run over the batch and its run. Both ``(P, M)``
    in g's dtype, summed in float64.
    """
    param_grads = _param_grads_reference if backend.reference() else _param_grads
    total, dot = param_grads(_rows(g, rows), _rows(normalised, rows), pieces)
    return total.astype(g.dtype), dot.astype(g.dtype)
