"""The thread policy of the fast kernels: one BLAS thread, fixed work blocks, our own pool.

Why not let OpenBLAS thread its GEMMs? A layer issues many small GEMMs (one per group
and batch block), OpenBLAS's workers busy-wait between them, and Numba's or the host's
threads compete with them for the same cores: on a 2-core machine whose second core is
shared, a grouped layer ran many times slower with OpenBLAS's default threads than
with one (the figures are in docs/performance.md). And a GEMM's bits depend on how
many threads OpenBLAS gives it.

So every kernel runs its BLAS calls inside ``one_blas_thread``, cuts its work into
blocks whose boundaries depend on the shapes only, and runs the blocks on
``numba.get_num_threads()`` Python threads, the caller's and a pool's (the GEMM and the
Numba loops release the GIL). Each block is computed the same way whichever thread
runs it, and blocks that add into one result are added in block order, so the bits
never depend on the thread count.
The cutting rules are written once, at the end of this module, for every kernel:
``batch_blocks`` (a batch into blocks that stay in cache), ``halves`` (a large
product into two for two threads) and ``run_per_block`` (which of the two levels
gets the threads).

One BLAS thread, shared by every thread of the process. OpenBLAS's thread count (in
its usual pthreads build, and MKL's, BLIS's) is one number for the whole process: a
Python thread cannot hold it at one for itself only. Saving, setting and restoring it
around each kernel races as soon as two threads compute: one restores the user's
count while the other is still inside its kernel, whose GEMMs then run on several BLAS
threads and give other bits. So the sections are counted, process-wide, under a lock:

- the first section to open (no other open anywhere) saves each library's count and
  sets it to 1; later ones, in any thread and nested at any depth, only add to the
  count of open sections;
- the last one to close sets the saved counts back (unless someone else changed a
  count in between: theirs is kept).

Every count change happens under the lock, before the first open section's body starts
or after the last one's has ended, so every BLAS call made inside a section runs on one
thread. The side effect users can see: while minigrad computes in some thread, numpy's
BLAS runs on one thread in every thread of the process; their own setting comes back
as soon as no minigrad kernel runs. (A count changed by someone else while a section is
open applies to minigrad's GEMMs too; that is beyond our control.)

OpenBLAS built on OpenMP keeps a count per thread instead: each thread that enters a
section holds its own count at one, from its first open section to its last; the pool
threads of ``run_blocks``, minigrad's own, hold theirs at one for good.

The libraries are found with threadpoolctl, once, at the first section (the scan costs
far more than a small kernel call). OpenBLAS's count is then read and set through its
own C functions: threadpoolctl's ``set_num_threads`` lets only the first thread that
called it change a pthreads OpenBLAS (the others' calls silently do nothing), and its
``limit()`` was slower per call than a section here, whose opening and closing is four
library calls (a nested one, none); the figures are in docs/performance.md.

A block also runs under its caller's numpy error state (``np.errstate`` is per thread).
After a ``fork`` the child starts with fresh pools (the parent's threads are gone) and
counts only the forking thread's own open sections.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from types import TracebackType
from typing import Any, TypeVar

import numba
import numpy as np

Result = TypeVar("Result")


class _Library:
    """One BLAS library's thread count, as a getter and a setter."""

    __slots__ = ("get", "set")

    def __init__(self, getter: Callable[[], int | None], setter: Callable[[int], Any]) -> None:
        self.get = getter
        self.set = setter


def _openblas_calls(path: str) -> _Library | None:
    """OpenBLAS's own get/set functions (any of its symbol prefixes and suffixes)."""
    try:
        library = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0))
    except OSError:
        return None
    for prefix, suffix in itertools.product(("", "scipy_"), ("", "64_", "_64")):
        get = getattr(library, f"{prefix}openblas_get_num_threads{suffix}", None)
        set_ = getattr(library, f"{prefix}openblas_set_num_threads{suffix}", None)
        if get is not None and set_ is not None:
            get.argtypes, get.restype = [], ctypes.c_int
            set_.argtypes, set_.restype = [ctypes.c_int], None
            return _Library(get, set_)
    return None


def _find_libraries() -> tuple[list[_Library], list[_Library]]:
    """The BLAS libraries numpy uses: (process-wide counts, per-thread counts)."""
    from threadpoolctl import ThreadpoolController

    shared, per_thread = [], []
    for controller in ThreadpoolController().select(user_api="blas").lib_controllers:
        if controller.get_num_threads() is None:
            continue
        library = _Library(controller.get_num_threads, controller.set_num_threads)
        if controller.internal_api != "openblas":
            shared.append(library)
        elif getattr(controller, "threading_layer", None) == "openmp":
            per_thread.append(library)
        else:
            shared.append(_openblas_calls(controller.filepath) or library)
    return shared, per_thread


_discovery_lock = threading.Lock()
_libraries: tuple[list[_Library], list[_Library]] | None = None


def _blas_libraries() -> tuple[list[_Library], list[_Library]]:
    global _libraries
    found = _libraries
    if found is None:
        with _discovery_lock:
            if _libraries is None:
                _libraries = _find_libraries()
            found = _libraries
    return found


def _hold(libraries: list[_Library]) -> list[tuple[_Library, int]]:
    """Set each library's count to 1; return the counts to restore."""
    saved = []
    for library in libraries:
        count = library.get()
        if count is not None and count != 1:
            library.set(1)
            saved.append((library, count))
    return saved


def _release(saved: list[tuple[_Library, int]]) -> None:
    for library, count in saved:
        if library.get() == 1:  # a count someone else set in between stays
            library.set(count)


_section_lock = threading.Lock()
_open_sections = 0  # in all threads, nested ones included
_saved_shared: list[tuple[_Library, int]] = []
# Per thread: "shared", its own open sections (to rebuild the total in a forked child);
# "depth" and "saved", its hold on per-thread libraries; "pool_thread".
_local = threading.local()


class _OneBlasThread:
    """The section of ``one_blas_thread``. Its state is module-wide (and per thread
    for per-thread libraries), so the one instance serves every thread and nesting.
    """

    def __enter__(self) -> None:
        global _open_sections, _saved_shared
        shared, per_thread = _blas_libraries()
        with _section_lock:
            if _open_sections == 0:
                _saved_shared = _hold(shared)
            _open_sections += 1
            _local.shared = getattr(_local, "shared", 0) + 1
        if per_thread:
            depth = getattr(_local, "depth", 0)
            if depth == 0:
                _local.saved = _hold(per_thread)
            _local.depth = depth + 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        global _open_sections, _saved_shared
        if _blas_libraries()[1]:
            _local.depth -= 1
            if _local.depth == 0:
                _release(_local.saved)
        with _section_lock:
            _local.shared -= 1
            _open_sections -= 1
            if _open_sections == 0:
                _release(_saved_shared)
                _saved_shared = []


_SECTION = _OneBlasThread()


def one_blas_thread() -> _OneBlasThread:
    """A section in which numpy's BLAS runs on one thread, for every thread inside one.

    Sections nest and overlap freely between threads; the user's thread counts come
    back when the last one closes (see the module docstring).

    >>> import numpy as np
    >>> with one_blas_thread():
    ...     product = np.ones((2, 3)) @ np.ones((3, 2))
    >>> product.tolist()
    [[3.0, 3.0], [3.0, 3.0]]
    """
    return _SECTION


def threads() -> int:
    """How many threads the kernels may use: Numba's setting (NUMBA_NUM_THREADS)."""
    return int(numba.get_num_threads())


_pool_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}


def _start_pool_thread() -> None:
    # The pool's threads are minigrad's own: they hold a per-thread count at one for good.
    _local.pool_thread = True
    per_thread = _blas_libraries()[1]
    if per_thread:
        _hold(per_thread)
        _local.depth = 1


def _pool(workers: int) -> ThreadPoolExecutor:
    """The pool of ``workers`` threads, made once per size and kept: threads asking for
    different sizes (Numba's count is per thread) never replace each other's pool.
    """
    with _pool_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="minigrad", initializer=_start_pool_thread
            )
        return pool


def _in_section(work: Callable[[], None], errors: dict[str, str]) -> None:
    with _SECTION, np.errstate(**errors):
        work()


def run_blocks(
    task: Callable[[int, int], Result], blocks: Sequence[tuple[int, int]]
) -> list[Result]:
    """``[task(start, stop) for (start, stop) in blocks]``, the blocks spread over the
    caller's thread and ``threads() - 1`` of the pool's, each inside a
    ``one_blas_thread`` section and under the caller's numpy error state
    (``np.errstate`` is per thread), so a block warns or raises as it would in the
    caller's thread.

    Results come back in block order. A task must only write memory its block owns.
    A pool thread's own ``run_blocks`` runs its blocks itself, one after the other.
    """
    with _SECTION:
        workers = min(threads(), len(blocks))
        if workers <= 1 or getattr(_local, "pool_thread", False):
            return [task(start, stop) for start, stop in blocks]
        # The caller takes blocks too, from the same queue as the pool's threads: a
        # woken thread starts late (tens of microseconds, more under a VM), and the
        # caller is awake already.
        results: list[Any] = [None] * len(blocks)
        queue = iter(range(len(blocks)))
        lock = threading.Lock()

        def take() -> None:
            while True:
                with lock:
                    index = next(queue, None)
                if index is None:
                    return
                results[index] = task(*blocks[index])

        errors = np.geterr()
        pool = _pool(threads() - 1)
        helpers = [pool.submit(_in_section, take, errors) for _ in range(workers - 1)]
        try:
            take()
        finally:
            # A helper still queued has no block left to take: cancelled, it is not
            # waited for (a sleeping pool thread can take longer to wake than a block
            # takes). The others are: no block runs on after the call has returned.
            wait([helper for helper in helpers if not helper.cancel()])
        for helper in helpers:
            if not helper.cancelled():
                helper.result()  # raises a helper's block's error
        return results


def _before_fork() -> None:
    # No other thread is then halfway through changing the state the child inherits.
    _discovery_lock.acquire()
    _pool_lock.acquire()
    _section_lock.acquire()


def _after_fork_in_parent() -> None:
    _section_lock.release()
    _pool_lock.release()
    _discovery_lock.release()


def _after_fork_in_child() -> None:
    # Only the forking thread lives on: its own sections are the open ones, the pools'
    # threads are gone, and the locks were held by the fork (so they are made anew).
    global _discovery_lock, _section_lock, _pool_lock, _open_sections, _saved_shared, _pools
    _discovery_lock = threading.Lock()
    _section_lock = threading.Lock()
    _pool_lock = threading.Lock()
    _open_sections = getattr(_local, "shared", 0)
    if _open_sections == 0:
        _release(_saved_shared)
        _saved_shared = []
    _pools = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )


def split(total: int, parts: int) -> list[tuple[int, int]]:
    """``[0, total)`` cut into ``parts`` near-equal consecutive blocks (fewer if small)."""
    parts = max(1, min(parts, total))
    edges = [total * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]


# ---- the work-splitting rules, for every kernel --------------------------------------

# A product or layer with fewer than twice this many multiply-adds is not worth a
# second thread: on a busy machine the join waits for the slower one.
PARALLEL_WORK = 16_000_000
# ... nor is a matrix product with fewer rows than this.
MIN_ROWS = 64
# A batch block is cut no narrower than this many GEMM columns (samples x positions,
# or samples x tiles), which the GEMMs need to run at speed.
MIN_COLUMNS = 512


def batch_blocks(
    n: int,
    bytes_per_sample: int,
    columns_per_sample: int,
    block_bytes: int,
    work: int | None = None,
) -> list[tuple[int, int]]:
    """A batch of ``n`` samples cut into blocks whose scratch arrays (``bytes_per_sample``
    each) take about ``block_bytes``, so that they are still in cache when the block's
    GEMMs read them, but at least MIN_COLUMNS columns wide (``columns_per_sample`` each).
    Given the layer's ``work`` (multiply-adds), a layer that fits one block is still cut
    in two when that is worth a second thread. Depends on the shapes only.

    >>> batch_blocks(10, 1 << 20, 100, 4 << 20)
    [(0, 5), (5, 10)]
    """
    per_block = max(
        1, block_bytes // max(1, bytes_per_sample), -(-MIN_COLUMNS // columns_per_sample)
    )
    parts = -(-n // per_block)
    if parts == 1 and work is not None and work >= 2 * PARALLEL_WORK:
        parts = 2
    if parts <= 1:
        return [(0, n)]  # the small layers' case, without split()'s arithmetic
    return split(n, parts)


def halves(count: int, work: int, smallest: int = MIN_ROWS) -> list[tuple[int, int]] | None:
    """``[0, count)`` (rows of a product, or its independent GEMMs) in two fixed halves
    for two threads, when its ``work`` (multiply-adds) is worth a second thread and
    ``count`` is at least ``smallest``; else None. Depends on the shapes only.

    >>> halves(100, 10**9), halves(100, 10**6), halves(8, 10**9)
    ([(0, 50), (50, 100)], None, None)
    """
    if work < 2 * PARALLEL_WORK or count < smallest:
        return None
    return split(count, 2)


def run_per_block(
    task: Callable[[int, int, bool], Result],
    blocks: Sequence[tuple[int, int]],
    work: int | None = None,
) -> list[Result]:
    """``[task(start, stop, alone) for (start, stop) in blocks]``, with the threads at one
    level only. Several blocks run on the pool, each whole on one thread (``alone`` is
    False); a lone block runs in the caller's thread with ``alone`` True, and may cut
    its own large products in ``halves`` for two threads.

    Given the call's ``work`` (multiply-adds), several blocks of a call too small to be
    worth a second thread (the rule of ``halves``) run one after the other in the
    caller, still with ``alone`` False: which thread runs a block never changes its
    bits. (Two threads sharing a small layer's blocks made it slower than one thread
    did: the figures are in docs/performance.md.)

    >>> run_per_block(lambda start, stop, alone: (stop - start, alone), [(0, 4)])
    [(4, True)]
    >>> run_per_block(lambda start, stop, alone: (stop - start, alone), [(0, 2), (2, 4)], 10)
    [(2, False), (2, False)]
    """
    if len(blocks) == 1:
        return [task(*blocks[0], True)]
    if work is not None and work < 2 * PARALLEL_WORK:
        return [task(start, stop, False) for start, stop in blocks]
    return run_blocks(lambda start, stop: task(start, stop, False), blocks)


def quiet() -> np.errstate:
    """The error state of one kernel call, around all of its blocks and products: inf
    and NaN propagate as IEEE arithmetic has them, without numpy's warnings (the pool's
    threads run under it too, see ``run_blocks``). Entered once per call, not per
    block: each ``np.errstate`` has a cost of its own.
    """
    return np.errstate(invalid="ignore", over="ignore")
