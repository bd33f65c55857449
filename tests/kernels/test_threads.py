"""The kernels' thread policy: BLAS sections counted across threads, the block pool."""

from __future__ import annotations

import os
import threading
import time
import warnings

import numba
import numpy as np
import pytest

from minigrad.kernels import _threads
from minigrad.kernels._threads import one_blas_thread, run_blocks, split


class FakeShared:
    """A library whose thread count is one number for the process."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.changes: list[int] = []

    def get(self) -> int:
        return self.count

    def set(self, count: int) -> None:
        self.count = count
        self.changes.append(count)


class FakePerThread:
    """A library with a count per thread (OpenBLAS on OpenMP), ``start`` in new threads."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.local = threading.local()

    def get(self) -> int:
        return int(getattr(self.local, "count", self.start))

    def set(self, count: int) -> None:
        self.local.count = count


@pytest.fixture
def fake_libraries(monkeypatch):
    """Swap the real BLAS libraries for fakes (no section may be open meanwhile)."""
    assert _threads._open_sections == 0

    def install(shared=(), per_thread=()):
        libraries = (
            [_threads._Library(lib.get, lib.set) for lib in shared],
            [_threads._Library(lib.get, lib.set) for lib in per_thread],
        )
        monkeypatch.setattr(_threads, "_libraries", libraries)

    yield install
    assert _threads._open_sections == 0


def _real_shared_library():
    shared, _ = _threads._blas_libraries()
    if not shared:
        pytest.skip("numpy's BLAS has no process-wide thread count here")
    return shared[0]


def test_a_section_holds_numpys_blas_at_one_thread_and_restores_the_users_count():
    library = _real_shared_library()
    before = library.get()
    try:
        library.set(2)
        with one_blas_thread():
            assert library.get() == 1
            with one_blas_thread():
                assert library.get() == 1
            assert library.get() == 1
        assert library.get() == 2
    finally:
        library.set(before)


def test_overlapping_sections_of_two_threads_restore_only_when_the_last_closes(
    fake_libraries,
):
    library = FakeShared(4)
    fake_libraries(shared=[library])
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a() -> None:
        with one_blas_thread():
            a_inside.set()
            assert b_inside.wait(30)
        a_left.set()

    def b() -> None:
        assert a_inside.wait(30)
        with one_blas_thread():
            b_inside.set()
            assert a_left.wait(30)
            seen["b after a left"] = library.count

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert seen == {"b after a left": 1}
    assert library.count == 4
    assert library.changes == [1, 4]  # one hold for both sections, one release


def test_many_threads_entering_and_leaving_never_see_more_than_one_blas_thread():
    library = _real_shared_library()
    before = library.get()
    library.set(2)
    wrong: list[int] = []
    start = threading.Barrier(4)

    def churn() -> None:
        start.wait(30)
        for i in range(1500):
            with one_blas_thread():
                if i % 3 == 0:
                    with one_blas_thread():
                        time.sleep(0)
                time.sleep(0)  # let another thread leave its section now
                count = library.get()
                if count != 1:
                    wrong.append(count)

    threads = [threading.Thread(target=churn) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not wrong, f"{len(wrong)} looks inside a section saw {set(wrong)} threads"
        assert library.get() == 2
    finally:
        library.set(before)


def test_a_count_someone_else_set_during_a_section_is_kept(fake_libraries):
    library = FakeShared(4)
    fake_libraries(shared=[library])
    with one_blas_thread():
        library.count = 3  # the user's threadpoolctl call, say
    assert library.count == 3


def test_a_section_left_by_an_exception_is_closed(fake_libraries):
    library = FakeShared(2)
    fake_libraries(shared=[library])
    with pytest.raises(KeyError):
        with one_blas_thread():
            raise KeyError("boom")
    assert library.count == 2
    assert _threads._open_sections == 0


def test_a_worker_thread_holds_openblas_at_one_where_threadpoolctl_would_not():
    # threadpoolctl lets only the first thread that set a pthreads OpenBLAS's count set
    # it again; the sections call OpenBLAS itself, from any thread.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    controllers = threadpoolctl.ThreadpoolController().select(internal_api="openblas")
    controller = controllers.lib_controllers[0] if controllers.lib_controllers else None
    if controller is None or controller.threading_layer != "pthreads":
        pytest.skip("needs numpy's BLAS to be a pthreads OpenBLAS")
    library = _real_shared_library()
    before = library.get()
    controller.set_num_threads(2)  # the main thread now controls it for threadpoolctl
    seen = {}

    def worker() -> None:
        with one_blas_thread():
            seen["inside"] = library.get()

    try:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(30)
        assert seen == {"inside": 1}
        assert library.get() == 2
    finally:
        clear = getattr(type(controller), "clear_controlling_thread", None)
        if clear is not None:
            clear(force=True)
        library.set(before)


def test_per_thread_counts_are_held_in_each_thread_and_in_the_pool(fake_libraries):
    library = FakePerThread(4)
    fake_libraries(per_thread=[library])
    with one_blas_thread():
        assert library.get() == 1
        with one_blas_thread():
            assert library.get() == 1
        inside = run_blocks(lambda start, stop: library.get(), split(4, 4))
    assert inside == [1, 1, 1, 1]
    assert library.get() == 4
    other = []
    thread = threading.Thread(target=lambda: other.append(library.get()))
    thread.start()
    thread.join(30)
    assert other == [4]  # another thread's count was never touched


def test_run_blocks_returns_results_in_block_order_and_runs_inside_a_section(fake_libraries):
    library = FakeShared(2)
    fake_libraries(shared=[library])
    blocks = split(10, 4)

    def task(start: int, stop: int) -> tuple[int, int, int]:
        return start, stop, library.count

    assert run_blocks(task, blocks) == [(a, b, 1) for a, b in blocks]
    assert library.count == 2


def test_a_pool_thread_runs_its_own_blocks_itself():
    if _threads.threads() < 2:
        pytest.skip("needs two Numba threads")

    def outer(start: int, stop: int) -> set[int]:
        inner = run_blocks(lambda a, b: threading.get_ident(), split(4, 4))
        assert set(inner) == {threading.get_ident()}
        return {threading.get_ident()}

    idents = set().union(*run_blocks(outer, split(2, 2)))
    assert idents  # and no deadlock


def test_the_caller_does_not_wait_for_helpers_that_never_started():
    # Every pool thread is held busy, so the caller takes every block itself; the
    # queued helpers are then cancelled, not waited for until a pool thread is free.
    if _threads.threads() < 2:
        pytest.skip("needs two Numba threads")
    workers = _threads.threads() - 1
    release, started = threading.Event(), threading.Barrier(workers + 1)

    def hold() -> None:
        started.wait(30)
        release.wait(30)

    busy = [_threads._pool(workers).submit(hold) for _ in range(workers)]
    results: list[list[tuple[int, int]]] = []
    done = threading.Event()

    def call() -> None:
        results.append(run_blocks(lambda start, stop: (start, stop), split(4, 2)))
        done.set()

    try:
        started.wait(30)
        caller = threading.Thread(target=call)
        caller.start()
        assert done.wait(20), "run_blocks waited for a helper that had no block left"
        assert results == [[(0, 2), (2, 4)]]
    finally:
        release.set()
        for future in busy:
            future.result(30)
    caller.join(30)


def test_a_failing_block_propagates_and_closes_the_sections():
    def task(start: int, stop: int) -> int:
        if start > 0:
            raise ValueError("block")
        return start

    with pytest.raises(ValueError, match="block"):
        run_blocks(task, split(4, 2))
    assert _threads._open_sections == 0


def test_pools_of_different_sizes_do_not_replace_each_other():
    seen: list[tuple[object, object]] = []
    start = threading.Barrier(4)

    def ask() -> None:
        start.wait(30)
        seen.append((_threads._pool(1), _threads._pool(2)))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len({id(one) for one, _ in seen}) == 1
    assert len({id(two) for _, two in seen}) == 1
    assert _threads._pool(1) is not _threads._pool(2)


def test_threads_with_their_own_numba_counts_share_the_pools():
    if _threads.threads() < 2:
        pytest.skip("needs two Numba threads")
    results: dict[int, list[int]] = {}
    start = threading.Barrier(2)

    def run(count: int) -> None:
        numba.set_num_threads(count)  # Numba's count is per thread
        start.wait(30)
        for _ in range(50):
            results[count] = run_blocks(lambda a, b: b - a, split(8, 4))

    threads = [threading.Thread(target=run, args=(count,)) for count in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == {1: [2, 2, 2, 2], 2: [2, 2, 2, 2]}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_fresh_pools_and_the_users_blas_count_back():
    library = _real_shared_library()
    before = library.get()
    library.set(2)
    run_blocks(lambda a, b: time.sleep(0.02), split(4, 4))  # all of the pool's threads exist now
    holding, release = threading.Event(), threading.Event()

    def hold_a_section() -> None:
        with one_blas_thread():
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold_a_section)
    holder.start()
    try:
        assert holding.wait(30)
        pid = os.fork()
        if pid == 0:  # the child: the holder thread is gone
            code = 1
            try:
                if _threads._open_sections == 0 and library.get() == 2:
                    product = np.ones((4, 3)) @ np.ones((3, 2))
                    blocks = run_blocks(lambda a, b: (a, b), split(4, 2))
                    with one_blas_thread():
                        inside = library.get()
                    if blocks == [(0, 2), (2, 4)] and inside == 1 and product.sum() == 24:
                        code = 0
            finally:
                os._exit(code)
        deadline = time.monotonic() + 60
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                pytest.fail("the forked child hung")
            time.sleep(0.02)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        holder.join(30)
        library.set(before)


def test_blocks_run_under_the_callers_numpy_error_state():
    if _threads.threads() < 2:
        pytest.skip("needs two Numba threads")

    def divide(start: int, stop: int) -> float:
        return float(np.float64(1.0) / np.float64(0.0))  # a divide-by-zero warning

    with np.errstate(divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run_blocks(divide, split(2, 2)) == [np.inf, np.inf]
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        run_blocks(divide, split(2, 2))


# ---- the work-splitting rules ----------------------------------------------------------


def test_batch_blocks_depend_on_the_shapes_only() -> None:
    # Blocks of about block_bytes of scratch, but at least MIN_COLUMNS columns wide.
    assert _threads.batch_blocks(10, 1 << 20, 100, 4 << 20) == [(0, 5), (5, 10)]
    assert _threads.batch_blocks(10, 1 << 20, 1000, 1 << 20) == split(10, 10)
    # One block when the batch fits; two when the layer's work is worth a second thread.
    assert _threads.batch_blocks(8, 10, 1000, 1 << 20) == [(0, 8)]
    work = 2 * _threads.PARALLEL_WORK
    assert _threads.batch_blocks(8, 10, 1000, 1 << 20, work) == [(0, 4), (4, 8)]
    assert _threads.batch_blocks(1, 10, 1000, 1 << 20, work) == [(0, 1)]
    assert _threads.batch_blocks(0, 10, 10, 1 << 20) == [(0, 0)]


def test_halves_cut_only_products_worth_two_threads() -> None:
    work = 2 * _threads.PARALLEL_WORK
    assert _threads.halves(64, work) == [(0, 32), (32, 64)]
    assert _threads.halves(64, work - 1) is None
    assert _threads.halves(63, work) is None  # fewer rows than MIN_ROWS
    assert _threads.halves(3, work, smallest=2) == [(0, 1), (1, 3)]


def test_run_per_block_gives_the_threads_to_one_level() -> None:
    def task(start: int, stop: int, alone: bool) -> tuple[int, int, bool, bool]:
        in_pool = threading.current_thread().name.startswith("minigrad")
        return start, stop, alone, in_pool

    # A lone block: in the caller's thread, free to split its own products.
    assert _threads.run_per_block(task, [(0, 4)]) == [(0, 4, True, False)]
    # Several: in block order, none of them alone.
    results = _threads.run_per_block(task, split(8, 4))
    assert [r[:3] for r in results] == [(a, b, False) for a, b in split(8, 4)]
    # Several, but a call too small for a second thread: all in the caller, in order.
    small = _threads.run_per_block(task, split(8, 4), work=2 * _threads.PARALLEL_WORK - 1)
    assert small == [(a, b, False, False) for a, b in split(8, 4)]


def test_the_caller_runs_blocks_beside_the_pool():
    if _threads.threads() < 2:
        pytest.skip("needs two Numba threads")
    # Each of two blocks waits for the other to start: they can only both finish if
    # two threads run them at once, and the pool of a 2-thread call has one thread.
    meeting = threading.Barrier(2, timeout=30)

    def task(start: int, stop: int) -> int:
        meeting.wait()
        return threading.get_ident()

    idents = run_blocks(task, split(2, 2))
    assert threading.get_ident() in idents and len(set(idents)) == 2
