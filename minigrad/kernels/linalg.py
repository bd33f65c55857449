"""Matrix products and factorisations through numpy's BLAS and LAPACK, under the
thread policy of :mod:`minigrad.kernels._threads`.

``x: (*B, n, k)``, ``y: (*B', k, m)``, ``out: (*broadcast(B, B'), n, m)``.

A GEMM's bits depend on the number of BLAS threads it runs on, so every product here
runs on one BLAS thread; a large one is cut into two fixed blocks of rows of x (the
same rows of out), shared between the kernels' threads (on two free cores a 1024^3
float32 product took 5.6 ms so, 10.5 ms whole; on a busy machine the two are even).
The cut depends on the shapes only, so neither OPENBLAS_NUM_THREADS nor
NUMBA_NUM_THREADS changes a bit.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.kernels._threads import one_blas_thread, run_blocks, split

# A product with twice this many multiply-adds is cut in two (as in kernels/conv.py):
# below it, the join costs more than the second thread saves on a busy machine.
PARALLEL_WORK = 16_000_000
# ... if x has this many rows (the bound of kernels/conv.py's row halves).
MIN_ROWS = 64


def _row_blocks(x: np.ndarray, y: np.ndarray) -> list[tuple[int, int]] | None:
    """The two row blocks of a large float product of matrices (or stacks), else None."""
    if x.ndim < 2 or y.ndim < 2 or x.dtype != y.dtype or x.dtype.kind != "f":
        return None
    batch = np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    n, k, m = x.shape[-2], x.shape[-1], y.shape[-1]
    work = math.prod(batch) * n * k * m
    if work < 2 * PARALLEL_WORK or n < MIN_ROWS:
        return None
    return split(n, 2)


def matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.matmul(x, y)`` on one BLAS thread; a large product in two row blocks.

    >>> matmul(np.ones((2, 3)), np.ones((3, 4))).tolist()
    [[3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0]]
    """
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
    BLAS, and its bits depend on the thread count too (measured on 4608 x 256 and
    4608 x 512 float64 matrices).

    >>> q, r = qr(np.eye(2))
    >>> bool(np.allclose(q @ r, np.eye(2)))
    True
    """
    with one_blas_thread():
        q, r = np.linalg.qr(a)
    return q, r
