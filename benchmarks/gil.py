"""Two threads against one, on GIL-free work and on whole conv2d calls (docs/performance.md).

    .venv/bin/python benchmarks/gil.py

Each task runs ``REPEATS`` times in one thread, twice over (serially), then in two
threads at once, each on its own arrays; the speed-up is serial time / two-thread
time. A kernel call (an im2col gather, a small GEMM) releases the GIL for nearly all
of its time and should approach 2; a ``conv2d`` call of a small layer holds it for its
Python between kernels.
"""

from __future__ import annotations

import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[variable] = "1"  # one thread per call: the two threads are ours

import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.kernels.conv.im2col import gather  # noqa: E402

REPEATS = 2000


def speedup(make: Callable[[], Callable[[], object]]) -> float:
    tasks = [make(), make()]
    for task in tasks:
        task()  # warm: compiled kernels, buffers

    def run(task: Callable[[], object]) -> None:
        for _ in range(REPEATS):
            task()

    start = time.perf_counter()
    for task in tasks:
        run(task)
    serial = time.perf_counter() - start
    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return serial / (time.perf_counter() - start)


def im2col() -> Callable[[], object]:
    """The gather of a 3x3 layer on 16 padded 4x4 images of 32 channels."""
    x = np.random.default_rng(0).standard_normal((16, 32, 1, 6, 6)).astype(np.float32)
    cols = np.empty((32 * 9, 16 * 16), np.float32)
    k, one, size = (1, 3, 3), (1, 1, 1), (1, 4, 4)
    return lambda: gather._im2col_table(x, 0, 16, k, one, one, size, cols)


def gemm() -> Callable[[], object]:
    """That layer's product: (32, 288) @ (288, 256)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((32, 288), np.float32), rng.standard_normal((288, 256), np.float32)
    out = np.empty((32, 256), np.float32)
    return lambda: np.dot(a, b, out=out)


def conv2d() -> Callable[[], object]:
    """The whole forward call, mg.nn.functional.conv2d, of that layer (no grad)."""
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((16, 32, 4, 4), np.float32))
    w = mg.tensor(rng.standard_normal((32, 32, 3, 3), np.float32))

    def call() -> object:
        with mg.no_grad():
            return mg.nn.functional.conv2d(x, w, padding=1)

    return call


if __name__ == "__main__":
    for name, make in (("im2col gather", im2col), ("GEMM", gemm), ("conv2d call", conv2d)):
        print(f"{name:14s} two threads / one: {speedup(make):.2f}x as fast")
