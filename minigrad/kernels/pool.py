"""Resampling kernels: a sparse matrix along one axis (``apply_taps``), the maxima of
pooling windows (``window_max``) and the scatter of max pooling's backward
(``scatter_add``).

Notation: a matrix of taps is ``index, weight: (L_out, T)``: output o reads input
positions ``index[o, t]`` (-1: an unused tap) with weights ``weight[o, t]``; a window
table is such an ``index`` alone, one per spatial dim.

numpy does both as one pass over the output per tap (``T`` or ``T_0 T_1 T_2`` of them,
each a gather and a few elementwise passes), so a 3×3 max pool makes some fifty passes;
each kernel here makes one (and the scatter one instead of ``np.add.at``'s slow walk).
All are serial loops (``nogil``): every output element is
written once, its taps taken in increasing order, so the bits never depend on threads.

Each has a plain-numpy twin, ``*_reference``, with the same arguments and the same bits;
the public functions run the twin under the reference kernels
(``minigrad.kernels.backend``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numba import njit

from minigrad.kernels import backend


@njit(cache=True, nogil=True)
def _apply_taps(x, index, weight):  # pragma: no cover - compiled
    # x: (A, L_in, B) -> (A, L_out, B); the B values of a row are contiguous.
    out = np.zeros((x.shape[0], index.shape[0], x.shape[2]), x.dtype)
    for a in range(x.shape[0]):
        for o in range(index.shape[0]):
            for t in range(index.shape[1]):
                i = index[o, t]
                if i >= 0:
                    w = weight[o, t]
                    for b in range(x.shape[2]):
                        out[a, o, b] += w * x[a, i, b]
    return out


def _apply_taps_reference(x, index, weight):
    out = np.zeros((x.shape[0], index.shape[0], x.shape[2]), x.dtype)
    for t in range(index.shape[1]):
        column = index[:, t]
        term = weight[:, t][None, :, None] * np.take(x, np.maximum(column, 0), axis=1)
        # An unused tap adds nothing, even where x holds an inf or a NaN.
        out += np.where((column >= 0)[None, :, None], term, x.dtype.type(0))
    return out


def apply_taps(x: np.ndarray, index: np.ndarray, weight: np.ndarray, axis: int) -> np.ndarray:
    """``out[..., o, ...] = sum_t weight[o, t] * x[..., index[o, t], ...]`` along ``axis``
    (taps with index -1 skipped), in x's float dtype: ``(..., L_in, ...) -> (..., L_out, ...)``.
    """
    shape = x.shape
    rows = math.prod(shape[:axis])
    inner = math.prod(shape[axis + 1 :])
    out_shape = (*shape[:axis], index.shape[0], *shape[axis + 1 :])
    if x.size == 0 or index.shape[0] == 0:
        return np.zeros(out_shape, x.dtype)
    flat = np.ascontiguousarray(x).reshape(rows, shape[axis], inner)
    run = _apply_taps_reference if backend.reference() else _apply_taps
    return run(flat, index, weight.astype(x.dtype)).reshape(out_shape)


@njit(cache=True, nogil=True)
def _window_max(x, index0, index1, index2, lowest):  # pragma: no cover - compiled
    # x: (P, L0, L1, L2); the flat index of (i, j, k) in a plane is (i L1 + j) L2 + k.
    planes, size1, size2 = x.shape[0], x.shape[2], x.shape[3]
    n0, n1, n2 = index0.shape[0], index1.shape[0], index2.shape[0]
    values = np.empty((planes, n0, n1, n2), x.dtype)
    where = np.empty((planes, n0, n1, n2), np.int64)
    for p in range(planes):
        for a in range(n0):
            for b in range(n1):
                for c in range(n2):
                    best = lowest
                    found = -1
                    for u in range(index0.shape[1]):
                        i = index0[a, u]
                        if i < 0:
                            continue
                        for v in range(index1.shape[1]):
                            j = index1[b, v]
                            if j < 0:
                                continue
                            for z in range(index2.shape[1]):
                                k = index2[c, z]
                                if k < 0:
                                    continue
                                value = x[p, i, j, k]
                                if found < 0:
                                    found = (i * size1 + j) * size2 + k
                                # value != value: a NaN, which wins (PyTorch's rule).
                                if value > best or value != value:
                                    best = value
                                    found = (i * size1 + j) * size2 + k
                    values[p, a, b, c] = best
                    where[p, a, b, c] = found
    return values, where


def _window_max_reference(x, index0, index1, index2, lowest):
    tables = (index0, index1, index2)
    sizes_out = tuple(table.shape[0] for table in tables)
    strides = (x.shape[2] * x.shape[3], x.shape[3], 1)
    best = np.full((x.shape[0], *sizes_out), lowest, dtype=x.dtype)
    where = np.full((x.shape[0], *sizes_out), -1, dtype=np.int64)
    first = np.full(sizes_out, -1, dtype=np.int64)
    for taps in itertools.product(*(range(table.shape[1]) for table in tables)):
        columns = [table[:, tap] for table, tap in zip(tables, taps)]
        values = x[(slice(None), *np.ix_(*[np.maximum(column, 0) for column in columns]))]
        valid = np.ones(sizes_out, dtype=bool)
        flat = np.zeros(sizes_out, dtype=np.int64)
        for d, column in enumerate(columns):
            shape = [1, 1, 1]
            shape[d] = column.shape[0]
            valid = valid & (column >= 0).reshape(shape)
            flat = flat + (column * strides[d]).reshape(shape)
        first = np.where(valid & (first < 0), flat, first)
        better = valid & ((values > best) | (values != values))
        best = np.where(better, values, best)
        where = np.where(better, flat, where)
    return best, np.where(where < 0, first, where)


def window_max(x: np.ndarray, tables: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The maximum of each window and its flat index in the plane, for the windows of one
    table per spatial dim: ``(P, *L_in) -> (P, *L_out)`` twice (values, int64 indices).

    As PyTorch: the first maximum in window order wins ties, a NaN wins over any number
    (the last NaN of the window), and a window of only the dtype's lowest value (-inf)
    gives its first position.
    """
    rank = len(tables)
    lifted = x.reshape(*x.shape, *[1] * (3 - rank))
    padded = list(tables) + [np.zeros((1, 1), np.int64)] * (3 - rank)
    lowest = x.dtype.type(-np.inf) if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    sizes_out = (x.shape[0], *(table.shape[0] for table in tables))
    if x.size == 0 or 0 in sizes_out:
        return np.zeros(sizes_out, x.dtype), np.zeros(sizes_out, np.int64)
    run = _window_max_reference if backend.reference() else _window_max
    values, where = run(np.ascontiguousarray(lifted), *padded, lowest)
    return values.reshape(sizes_out), where.reshape(sizes_out)


@njit(cache=True, nogil=True)
def _scatter_add(y, index, size):  # pragma: no cover - compiled
    out = np.zeros((y.shape[0], size), y.dtype)
    for p in range(y.shape[0]):
        for j in range(y.shape[1]):
            out[p, index[p, j]] += y[p, j]
    return out


def _scatter_add_reference(y, index, size):
    out = np.zeros((y.shape[0], size), y.dtype)
    rows = np.broadcast_to(np.arange(y.shape[0])[:, None], index.shape)
    np.add.at(out, (rows, index), y)  # in order of j within each row, as the loop
    return out


def scatter_add(y: np.ndarray, index: np.ndarray, size: int) -> np.ndarray:
    """``out = zeros((P, size))`` with ``out[p, index[p, j]] += y[p, j]`` in increasing j:
    ``(P, K) -> (P, size)``, in y's dtype (max pooling's backward).
    """
    if y.size == 0:
        return np.zeros((y.shape[0], size), y.dtype)
    run = _scatter_add_reference if backend.reference() else _scatter_add
    return run(np.ascontiguousarray(y), np.ascontiguousarray(index), size)
