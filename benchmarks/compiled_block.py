"""A small layer's whole conv block compiled, in two batch halves (docs/performance.md).

    .venv/bin/python benchmarks/compiled_block.py

``conv_valid`` of a small im2col layer, as the kernel computes it today (the block's
gather, GEMM and copy called from Python), against the same block written as one
Numba function: per half of the batch, the gather through a zero-padded copy, numpy's
own ``cblas_sgemm`` through ctypes (as ``benchmarks/wakeup.py`` calls it) and the
transposing copy. The halves run one after the other (compiled without ``parallel``)
and as the two iterations of a ``prange`` on Numba's threads, which hold no GIL.
Before each call the caller runs Python alone for ``GAP_MS`` (the tape between two
layers). Medians over ``RUNS`` calls, in microseconds, with NUMBA_NUM_THREADS=2; the
layers are the DCGAN and conditional GAN critics'.

The compiled halves give the kernel's bits (checked below): the columns are the same,
and each output column is the same dot product, whether the GEMM spans the batch or
half of it (on the float32 layers here).
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["NUMBA_NUM_THREADS"] = "2"

import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402
from wakeup import busy, numpy_sgemm  # noqa: E402

from minigrad.kernels._threads import one_blas_thread  # noqa: E402
from minigrad.kernels.conv import im2col  # noqa: E402
from minigrad.kernels.conv.geometry import Geometry  # noqa: E402
from minigrad.kernels.conv.im2col.gather import _frame_copy, _im2col_table  # noqa: E402

RUNS = 300
GAP_MS = 0.5
# (batch, C_in, C_out, H = W): k4 s2 p1 convolutions, H -> H / 2.
LAYERS = ((64, 1, 32, 8), (64, 2, 32, 8), (64, 32, 64, 4))


def compiled_halves(sgemm: object, parallel: bool) -> Callable[..., None]:
    def body(x, w2, y, pads, kernel, stride, dilation, y_size):  # pragma: no cover
        n, c_in = x.shape[0], x.shape[1]
        c_out, rows = w2.shape
        positions = y.shape[2]
        for h in prange(2):
            start = 0 if h == 0 else n // 2
            stop = n // 2 if h == 0 else n
            count = stop - start
            shape = (count, c_in, 1, x.shape[3] + 2 * pads[1], x.shape[4] + 2 * pads[2])
            padded = np.zeros(shape, x.dtype)
            _frame_copy(x, start, pads, padded, True)
            cols = np.empty((rows, count * positions), x.dtype)
            _im2col_table(padded, 0, count, kernel, stride, dilation, y_size, cols)
            out = np.empty((c_out, count, positions), x.dtype)
            sgemm(101, 111, 111, c_out, count * positions, rows, 1.0, w2.ctypes.data, rows,
                  cols.ctypes.data, count * positions, 0.0, out.ctypes.data,
                  count * positions)  # fmt: skip
            for i in range(c_out):
                for j in range(count):
                    for k in range(positions):
                        y[start + j, i, k] = out[i, j, k]

    return njit(nogil=True, parallel=parallel)(body)  # type: ignore[no-any-return]


def median_us(call: Callable[[], object]) -> float:
    for _ in range(5):
        call()
    seconds = []
    for _ in range(RUNS):
        busy(GAP_MS)
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1e6


def time_layer(
    serial: Callable[..., None], shared: Callable[..., None], n: int, c_in: int, c_out: int,
    size: int,
) -> str:  # fmt: skip
    """The table row of one layer: the kernel, and its block compiled in halves."""
    rng = np.random.default_rng(0)
    half = size // 2
    geometry = Geometry((1, 2, 2), (1, 1, 1), (1, 4, 4), 1, (1, size, size),
                        (1, half, half), ((0, 0), (1, 1), (1, 1)))  # fmt: skip
    x = rng.standard_normal((n, c_in, 1, size, size)).astype(np.float32)
    w = rng.standard_normal((c_out, c_in, 1, 4, 4)).astype(np.float32)
    y = np.empty((n, c_out, half * half), np.float32)
    args = (x, w.reshape(c_out, -1), y, geometry.before, geometry.kernel_size,
            geometry.stride, geometry.dilation, geometry.y_size)  # fmt: skip
    with one_blas_thread():
        reference = im2col.conv_valid(x, w, geometry).reshape(y.shape)
        for loop in (serial, shared):
            y[...] = np.nan
            loop(*args)
            assert np.array_equal(y, reference), "the halves' bits differ"
        now = median_us(lambda: im2col.conv_valid(x, w, geometry))
        one = median_us(lambda: serial(*args))
        two = median_us(lambda: shared(*args))
    name = f"{n}x{c_in}>{c_out} {size}x{size}"
    return f"| {name} | {now:.0f} | {one:.0f} | {two:.0f} | {two / now:.2f} |"


def main() -> None:
    sgemm = numpy_sgemm()
    if sgemm is None:
        print("numpy's BLAS has no cblas_sgemm with 64-bit ints here: nothing to time")
        return
    import ctypes

    # Addresses as integers (size_t), which is how Numba passes an array's address.
    address, integer = ctypes.c_size_t, ctypes.c_int64
    sgemm.argtypes = [ctypes.c_int] * 3 + [integer] * 3 + [
        ctypes.c_float, address, integer, address, integer, ctypes.c_float, address, integer
    ]  # fmt: skip
    serial, shared = compiled_halves(sgemm, False), compiled_halves(sgemm, True)
    rows = [time_layer(serial, shared, *layer) for layer in LAYERS]
    print(f"Numba threads {numba.get_num_threads()}, threading layer {numba.threading_layer()}")
    print("| layer | kernel us | compiled halves, serial us | in prange us | prange/kernel |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
