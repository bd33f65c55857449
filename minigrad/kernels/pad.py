"""Fast padding kernels: ``pad_by_mode`` and its adjoint ``fold_padding``.

Same signatures and semantics as ``minigrad.kernels.reference``. Both are gathers
driven by the per-dim source map of ``source_index``
(padded position -> unpadded position it copies, -1 for a zero):

- pad:  ``out[m, i, j, k] = x[m, src0[i], src1[j], src2[k]]`` (0 if any is -1);
- fold: ``out[m, a, b, c] = sum x[m, i, j, k]`` over the padded positions with
  ``src0[i] = a``, ``src1[j] = b``, ``src2[k] = c``, summed in increasing order.

Both are serial loops (padding modes other than zeros are not the hot path, and
serial kernels compile in about a third of a ``prange`` one's time), each output
element owned by one loop, so the bits do not depend on the thread count. The fold
walks the last dim by its source map, adding whole rows: the inside of a row is a
shifted add, which the compiler vectorises, and only the borders are scattered (a
MelGAN reflection pad's backward ran 5x faster than by gathering each element's
sources); the order of each element's sum is unchanged. Leading unpadded
dims are merged into one, and fewer than three padded dims are lifted to three with
singleton dims, so each kernel has one compiled signature per dtype. Zeros mode is a
plain slice copy, which numpy does at memory speed.

With the reference kernels in use (``minigrad.kernels.backend``), both run their
twins in ``minigrad.kernels.reference`` instead.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minigrad.kernels import backend, reference
from minigrad.kernels.reference import source_index

Pads = tuple[tuple[int, int], ...]


@njit(cache=True, nogil=True)
def _gather_pad(x, source0, source1, source2):  # pragma: no cover - compiled
    n0, n1, n2 = source0.size, source1.size, source2.size
    out = np.empty((x.shape[0], n0, n1, n2), x.dtype)
    zero = x.dtype.type(0)
    for job in range(x.shape[0] * n0):
        m = job // n0
        i = job % n0
        a = source0[i]
        for j in range(n1):
            b = source1[j]
            for k in range(n2):
                c = source2[k]
                if a < 0 or b < 0 or c < 0:
                    out[m, i, j, k] = zero
                else:
                    out[m, i, j, k] = x[m, a, b, c]
    return out


@njit(cache=True, nogil=True)
def _gather_fold(x, start0, index0, start1, index1, source2, before, length):  # pragma: no cover
    n0, n1, n2 = start0.size - 1, start1.size - 1, source2.size
    out = np.zeros((x.shape[0], n0, n1, length), x.dtype)
    for job in range(x.shape[0] * n0):
        m = job // n0
        a = job % n0
        for b in range(n1):
            total = out[m, a, b]
            # Each element sums its sources from zero in increasing padded position,
            # (i, j, k) in lexicographic order: the rows (i, j) in order, and along a
            # row the left border, the inside, then the right border.
            for u in range(start0[a], start0[a + 1]):
                i = index0[u]
                for v in range(start1[b], start1[b + 1]):
                    row = x[m, i, index1[v]]
                    for k in range(before):
                        if source2[k] >= 0:
                            total[source2[k]] += row[k]
                    for c in range(length):
                        total[c] += row[before + c]
                    for k in range(before + length, n2):
                        if source2[k] >= 0:
                            total[source2[k]] += row[k]
    return out


def _sources_by_target(source: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Invert a source map: padded positions ``index[start[a]:start[a + 1]]`` (in
    increasing order) are the ones that copy unpadded position ``a``.
    """
    valid = np.flatnonzero(source >= 0)
    index = valid[np.argsort(source[valid], kind="stable")].astype(np.int64)
    start = np.zeros(length + 1, np.int64)
    np.cumsum(np.bincount(source[valid], minlength=length), out=start[1:])
    return start, index


def _lift(shape: tuple[int, ...], pads: Pads) -> tuple[tuple[int, ...], Pads]:
    """The 4-d shape ``(M, A, B, C)`` and 3 pads that this padding problem reshapes to."""
    padded = len(pads)
    lead = int(np.prod(shape[: len(shape) - padded], dtype=np.int64))
    spatial = (1,) * (3 - padded) + tuple(shape[len(shape) - padded :])
    return (lead, *spatial), ((0, 0),) * (3 - padded) + tuple(pads)


def pad_by_mode(x: np.ndarray, pads: Pads, mode: str) -> np.ndarray:
    """Pad the trailing ``len(pads)`` dims of ``x``; ``pads`` = ((before, after), ...).

    zeros: outside is 0; circular: wrap around; replicate: repeat the edge; reflect:
    mirror about the edge without repeating it.

    >>> pad_by_mode(np.array([1.0, 2.0, 3.0]), ((2, 1),), "reflect")
    array([3., 2., 1., 2., 3., 2.])
    """
    if backend.reference():
        return reference.pad_by_mode(x, pads, mode)
    pads = tuple((int(before), int(after)) for before, after in pads)
    out_shape = x.shape[: x.ndim - len(pads)] + tuple(
        n + before + after for n, (before, after) in zip(x.shape[x.ndim - len(pads) :], pads)
    )
    if mode == "zeros":
        out = np.zeros(out_shape, x.dtype)
        inner = tuple(
            slice(before, before + n)
            for n, (before, _) in zip(x.shape[x.ndim - len(pads) :], pads)
        )
        out[(Ellipsis, *inner)] = x
        return out
    if len(pads) > 3 or x.dtype not in (np.float32, np.float64):
        return reference.pad_by_mode(x, pads, mode)
    shape, lifted = _lift(x.shape, pads)
    sources = [
        source_index(length, before, after, mode)
        for length, (before, after) in zip(shape[1:], lifted)
    ]
    flat = np.ascontiguousarray(x).reshape(shape)
    return _gather_pad(flat, *(s.astype(np.int64) for s in sources)).reshape(out_shape)


def fold_padding(x: np.ndarray, pads: Pads, mode: str) -> np.ndarray:
    """The adjoint of ``pad_by_mode``: every padded element is added back onto the
    element it was copied from (zeros: dropped), leaving the unpadded shape.

    >>> fold_padding(np.array([3.0, 2.0, 1.0, 2.0, 3.0, 2.0]), ((2, 1),), "reflect")
    array([1., 6., 6.])
    """
    if backend.reference():
        return reference.fold_padding(x, pads, mode)
    pads = tuple((int(before), int(after)) for before, after in pads)
    inner_shape = tuple(
        n - before - after for n, (before, after) in zip(x.shape[x.ndim - len(pads) :], pads)
    )
    out_shape = x.shape[: x.ndim - len(pads)] + inner_shape
    if mode == "zeros":
        inner = tuple(slice(before, before + n) for n, (before, _) in zip(inner_shape, pads))
        return np.ascontiguousarray(x[(Ellipsis, *inner)])
    if len(pads) > 3 or x.dtype not in (np.float32, np.float64):
        return reference.fold_padding(x, pads, mode)
    lifted_shape, lifted = _lift(out_shape, pads)
    tables = []
    for length, (before, after) in zip(lifted_shape[1:3], lifted[:2]):
        tables.extend(_sources_by_target(source_index(length, before, after, mode), length))
    # The last dim by its source map: its inside is a shifted add, its borders few.
    length, (before, after) = lifted_shape[3], lifted[2]
    last = source_index(length, before, after, mode).astype(np.int64)
    padded_shape = (lifted_shape[0],) + tuple(
        n + before + after for n, (before, after) in zip(lifted_shape[1:], lifted)
    )
    flat = np.ascontiguousarray(x).reshape(padded_shape)
    return _gather_fold(flat, *tables, last, before, length).reshape(out_shape)
