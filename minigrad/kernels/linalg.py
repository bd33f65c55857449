"""Matrix products and factorisations through numpy's BLAS and LAPACK, under the
thread policy of ``minigrad.kernels._threads``.

``x: (*B, n, k)``, ``y: (*B', k, m)``, ``out: (*broadcast(B, B'), n, m)``.

A GEMM's bits depend on the number of BLAS threads it runs on, so every product here
runs on one BLAS thread; a large one is cut into two fixed blocks of rows of x (the
same rows of out), shared between the kernels' threads: on two free cores that nearly
halves a large product's time, and on a busy machine it costs nothing (figures in
docs/performance.md). The cut, by the conv kernels' own rule
(``halves``), depends on the shapes only, so neither
OPENBLAS_NUM_THREADS nor NUMBA_NUM_THREADS changes a bit.

With the reference kernels in use (``minigrad.kernels.backend``), ``matmul`` runs
its definition, ``minigrad.kernels.reference.matmul``, instead.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.kernels import backend, reference
from minigrad.kernels._threads import halves, one_blas_thread, run_blocks


def _row_blocks(x: np.ndarray, y: np.ndarray) -> list[tuple[int, int]] | None:
    """The two row blocks of a large float product of matrices (or stacks), else None."""
    if x.ndim < 2 or y.ndim < 2 or x.dtype != y.dtype or x.dtype.kind != "f":
        return None
    # Two matrices, the common case, have no batch (numpy's broadcast check costs 1 us).
    batch = () if x.ndim == y.ndim == 2 else np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    n, k, m = x.shape[-2], x.shape[-1], y.shape[-1]
    return halves(n, math.prod(batch) * n * k * m)


def matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.matmul(x, y)`` on one BLAS thread; a large product in two row blocks.

    >>> matmul(np.ones((2, 3)), np.ones((3, 4))).tolist()
    [[3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0]]
    """
    if backend.reference():
        return reference.matmul(x, y)
    if x.ndim >= 2 and y.ndim >= 2 and x.shape[-1] == 1 and x.dtype.kind == y.dtype.kind == "f":
        # A sum of one product (an outer product): numpy runs it in its own loop, not
        # BLAS, as 0 + x y, 10x slower than the broadcast product; the same bits.
        return np.multiply(x, y) + 0
    with one_blas_thread():
        blocks = _row_blocks(x, y)
        if blocks is None:
            return np.matmul(x, y)
        batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
        out = np.empty((*batch, x.shape[-2], y.shape[-1]), x.dtype)

        def rows(start: int, stop: int) -> None:
            np.matmul(x[..., start:stop, :], y, out=out[..., start:stop, :])

        run_blocks(rows, blocks)
        return out


def qr(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.linalg.qr(a)`` (reduced) on one BLAS thread: LAPACK's blocked QR runs on
    BLAS, and its bits depend on the thread count too (seen on 4608 x 256 and
    4608 x 512 float64 matrices).

    >>> q, r = qr(np.eye(2))
    >>> bool(np.allclose(q @ r, np.eye(2)))
    True
    """
    with one_blas_thread():
        q, r = np.linalg.qr(a)
    return q, r
