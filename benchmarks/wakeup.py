"""What a second thread costs to start, after the caller has worked alone (docs/performance.md).

    .venv/bin/python benchmarks/wakeup.py

A small model's kernels come one at a time, a few hundred microseconds each, with the
tape's Python between them. So a thread that shares a kernel has been idle since the
last one. This script times two equal halves of work, each about a small layer's
GEMM, run one after the other in the caller and then shared by two threads, after
the caller has first run Python alone for a while (the gap):

- ``pool``: the two halves as two blocks of ``run_blocks``, the kernels' own pool
  (each half a numpy GEMM of a 3x3 layer with 32 channels in and 64 out, on 32
  4x4 images);
- ``prange``: the two halves as one Numba ``prange`` loop, in whatever threading layer
  Numba loads (printed), against the same loop compiled without ``parallel``;
- ``prange GEMM``: the pool's two GEMMs as the two iterations of a ``prange`` loop that
  calls numpy's own BLAS GEMM through ctypes (its ``cblas_sgemm`` with 64-bit ints, as
  numpy's wheels ship it; the row is left out where that symbol is not found), against
  the same two calls one after the other.

Each figure is the median over ``RUNS`` calls, in microseconds; "two/one" is the
shared time over the serial one. A thread that sleeps when idle wakes late (under a
VM, the idle core itself may sleep), which the gap shows.
"""

from __future__ import annotations

import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[variable] = "1"  # one BLAS thread per GEMM: the threads are ours
os.environ["NUMBA_NUM_THREADS"] = "2"

import ctypes  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from minigrad.kernels._threads import one_blas_thread, run_blocks  # noqa: E402

RUNS = 300
GAPS_MS = (0.0, 0.5, 2.0)


def busy(milliseconds: float) -> None:
    """The tape's Python between two kernels: the caller busy, the other thread idle."""
    end = time.perf_counter() + milliseconds / 1000
    while time.perf_counter() < end:
        pass


def median_us(call: Callable[[], object], gap_ms: float) -> float:
    for _ in range(5):
        call()
    seconds = []
    for _ in range(RUNS):
        busy(gap_ms)
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds) * 1e6


def gemm_halves() -> tuple[Callable[[], object], Callable[[], object]]:
    """Two GEMMs of a small layer, (64, 288) @ (288, 512): one after the other, and as
    the two blocks of ``run_blocks``.
    """
    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 288), np.float32)
    cols = [rng.standard_normal((288, 512), np.float32) for _ in range(2)]
    outs = [np.empty((64, 512), np.float32) for _ in range(2)]

    def half(start: int, stop: int) -> None:
        np.dot(w, cols[start], out=outs[start])

    def serial() -> None:
        half(0, 1)
        half(1, 2)

    return serial, lambda: run_blocks(half, [(0, 1), (1, 2)])


def _sums(a, out):  # pragma: no cover - compiled
    for i in prange(a.shape[0]):  # a plain range where compiled without parallel
        total = 0.0
        for j in range(a.shape[1]):
            total += a[i, j] * a[i, j]
        out[i] = total


_sums_serial = njit(nogil=True)(_sums)
_sums_parallel = njit(nogil=True, parallel=True)(_sums)


def loop_halves() -> tuple[Callable[[], object], Callable[[], object]]:
    """Two rows of sums of squares, each about as long as one of the GEMMs above."""
    a = np.random.default_rng(0).standard_normal((2, 300_000))
    out = np.empty(2)
    return lambda: _sums_serial(a, out), lambda: _sums_parallel(a, out)


def numpy_sgemm() -> Any:
    """numpy's BLAS ``cblas_sgemm`` with 64-bit ints, as a ctypes function, or None."""
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        library = ctypes.CDLL(info["filepath"], mode=getattr(os, "RTLD_NOLOAD", 0))
        for name in ("scipy_cblas_sgemm64_", "cblas_sgemm64_", "cblas_sgemm_64"):
            function = getattr(library, name, None)
            if function is not None:
                integer, pointer, single = ctypes.c_int64, ctypes.c_void_p, ctypes.c_float
                function.argtypes = [ctypes.c_int] * 3 + [integer] * 3 + [
                    single, pointer, integer, pointer, integer, single, pointer, integer
                ]  # fmt: skip
                function.restype = None
                return function
    return None


def blas_halves(sgemm: Any) -> tuple[Callable[[], object], Callable[[], object]]:
    """The pool's two GEMMs, called from Numba: one after the other, and in ``prange``."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 288), np.float32)
    cols = rng.standard_normal((2, 288, 512), np.float32)
    outs = np.empty((2, 64, 512), np.float32)

    @njit(nogil=True)
    def half(h, w, cols, outs):  # pragma: no cover - compiled
        # Row-major, no transposes: (64, 288) @ (288, 512) into (64, 512).
        sgemm(101, 111, 111, 64, 512, 288, 1.0, w.ctypes, 288, cols[h].ctypes, 512, 0.0,
              outs[h].ctypes, 512)  # fmt: skip

    @njit(nogil=True)
    def serial(w, cols, outs):  # pragma: no cover - compiled
        for h in range(2):
            half(h, w, cols, outs)

    @njit(nogil=True, parallel=True)
    def parallel(w, cols, outs):  # pragma: no cover - compiled
        for h in prange(2):
            half(h, w, cols, outs)

    serial(w, cols, outs)
    assert np.array_equal(outs[1], w @ cols[1])
    return lambda: serial(w, cols, outs), lambda: parallel(w, cols, outs)


def main() -> None:
    pairs = {"pool": gemm_halves(), "prange": loop_halves()}
    sgemm = numpy_sgemm()
    if sgemm is not None:
        pairs["prange GEMM"] = blas_halves(sgemm)
    pairs["prange"][1]()  # compile, and load the threading layer
    print(f"Numba threads {numba.get_num_threads()}, threading layer {numba.threading_layer()}")
    print("| halves | gap ms | one thread us | two threads us | two/one |")
    print("|---|---:|---:|---:|---:|")
    with one_blas_thread():
        for name, (serial, shared) in pairs.items():
            for gap in GAPS_MS:
                one, two = median_us(serial, gap), median_us(shared, gap)
                print(f"| {name} | {gap:.1f} | {one:.0f} | {two:.0f} | {two / one:.2f} |")


if __name__ == "__main__":
    main()
