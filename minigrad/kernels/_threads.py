"""The thread policy of the fast kernels: one BLAS thread, fixed work blocks, our own pool.

Why not let OpenBLAS thread its GEMMs? A layer issues many small GEMMs (one per group
and batch block), OpenBLAS's workers busy-wait between them, and Numba's or the host's
threads compete with them for the same cores: on a 2-core machine whose second core is
shared, a grouped layer took 1.5 s with default threads against 60 ms with one.

So every kernel runs its GEMMs with OpenBLAS held at one thread (threadpoolctl, one
controller per process), cuts its work into blocks whose boundaries depend on the shapes
only, and runs the blocks on a pool of ``numba.get_num_threads()`` Python threads (the
GEMM and the Numba loops release the GIL). Each block is computed the same way
whichever thread runs it, and blocks that add into one result are added in block order,
so the bits never depend on the thread count.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numba

Result = TypeVar("Result")

_lock = threading.Lock()
_state: dict[str, Any] = {}


def _blas_controller() -> Any:
    # Created on first use: scanning the loaded libraries costs ~10 ms at import.
    with _lock:
        if "blas" not in _state:
            from threadpoolctl import ThreadpoolController

            _state["blas"] = ThreadpoolController().select(user_api="blas")
        return _state["blas"]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Hold numpy's BLAS at one thread (process-wide) for the duration of a kernel."""
    # The libraries' own get/set calls cost ~4 us; threadpoolctl's limit() ~20 us, which
    # adds up over the dozens of kernel calls of a small model's training step.
    counts = [(lib, lib.get_num_threads()) for lib in _blas_controller().lib_controllers]
    changed = [(lib, count) for lib, count in counts if count != 1]
    for lib, _ in changed:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, count in changed:
            lib.set_num_threads(count)


def threads() -> int:
    """How many threads the kernels may use: Numba's setting (NUMBA_NUM_THREADS)."""
    return int(numba.get_num_threads())


def _pool(workers: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _state.get("pool")
        if pool is None or _state.get("workers") != workers:
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="minigrad")
            _state["pool"], _state["workers"] = pool, workers
        return pool


def run_blocks(
    task: Callable[[int, int], Result], blocks: Sequence[tuple[int, int]]
) -> list[Result]:
    """``[task(start, stop) for (start, stop) in blocks]``, the blocks spread over threads.

    Results come back in block order. A task must only write memory its block owns.
    """
    workers = min(threads(), len(blocks))
    if workers <= 1 or threading.current_thread().name.startswith("minigrad"):
        return [task(start, stop) for start, stop in blocks]
    pool = _pool(threads())
    return list(pool.map(lambda block: task(*block), blocks))


def split(total: int, parts: int) -> list[tuple[int, int]]:
    """``[0, total)`` cut into ``parts`` near-equal consecutive blocks (fewer if small)."""
    parts = max(1, min(parts, total))
    edges = [total * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]
