"""The matmul and qr kernels: numpy's results, on one BLAS thread, the same bits on
every thread count.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np
import pytest

from minigrad.kernels import _threads, linalg, matmul, qr


@pytest.fixture
def blas_threads():
    """Set numpy's BLAS to a thread count for the test (process-wide, restored after)."""
    shared, _ = _threads._blas_libraries()
    if not shared:
        pytest.skip("numpy's BLAS has no process-wide thread count here")
    library = shared[0]
    before = library.get()
    yield library.set
    library.set(before)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ((3,), (3,)),
        ((2, 3), (3,)),
        ((3,), (3, 4)),
        ((2, 3), (3, 4)),
        ((5, 2, 3), (3, 4)),
        ((2, 1, 2, 3), (4, 3, 2)),
        ((0, 3), (3, 4)),
        ((2, 0), (0, 4)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_is_numpys_product(rng, left, right, dtype):
    x = rng.standard_normal(left).astype(dtype)
    y = rng.standard_normal(right).astype(dtype)
    out = matmul(x, y)
    expected = np.matmul(x, y)
    assert out.dtype == expected.dtype and np.shape(out) == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("left", "right"),
    [((7, 1), (1, 5)), ((3, 7, 1), (1, 5)), ((7, 1), (2, 1, 5)), ((2, 1), (1, 3))],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, "mixed"])
def test_an_outer_product_has_numpys_bits(rng, left, right, dtype):
    # A product over one term runs as a broadcast product (numpy's own loop is slow):
    # the same bits as np.matmul, signed zeros, infinities and nans included.
    x = rng.standard_normal(left).astype(np.float32 if dtype == "mixed" else dtype)
    y = rng.standard_normal(right).astype(np.float64 if dtype == "mixed" else dtype)
    x.reshape(-1)[::3] = -0.0
    y.reshape(-1)[::2] = 0.0
    x.reshape(-1)[1] = np.inf
    y.reshape(-1)[-1] = np.nan
    with np.errstate(invalid="ignore"):
        out, expected = matmul(x, y), np.matmul(x, y)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert out.tobytes() == expected.tobytes()


def test_matmul_promotes_and_takes_integers_as_numpy_does(rng):
    x32 = rng.standard_normal((4, 3)).astype(np.float32)
    y64 = rng.standard_normal((3, 2))
    assert matmul(x32, y64).dtype == np.float64
    ints = np.arange(6).reshape(2, 3)
    assert np.array_equal(matmul(ints, ints.T), ints @ ints.T)


@pytest.mark.parametrize(
    ("left", "right"),
    [((256, 512), (512, 512)), ((4, 128, 256), (256, 512)), ((2, 128, 256), (2, 256, 512))],
)
def test_a_large_product_is_cut_into_two_row_blocks(rng, left, right):
    x = rng.standard_normal(left).astype(np.float32)
    y = rng.standard_normal(right).astype(np.float32)
    assert linalg._row_blocks(x, y) == [(0, left[-2] // 2), (left[-2] // 2, left[-2])]
    exact = np.matmul(x.astype(np.float64), y.astype(np.float64))
    np.testing.assert_allclose(matmul(x, y), exact, rtol=1e-4, atol=1e-3)


def test_small_or_thin_or_mixed_products_are_not_cut(rng):
    small = np.empty((64, 64), np.float32)
    assert linalg._row_blocks(small, small) is None
    thin = np.empty((32, 4096), np.float32), np.empty((4096, 4096), np.float32)
    assert linalg._row_blocks(*thin) is None  # fewer rows than MIN_ROWS
    mixed = np.empty((512, 512), np.float32), np.empty((512, 512))
    assert linalg._row_blocks(*mixed) is None


@pytest.mark.parametrize("size", [(200, 300, 100), (256, 512, 512)], ids=["whole", "cut"])
def test_matmul_bits_do_not_depend_on_the_thread_counts(rng, blas_threads, size):
    n, k, m = size
    x = rng.standard_normal((n, k)).astype(np.float32)
    y = rng.standard_normal((k, m)).astype(np.float32)
    results = []
    for blas in (1, 2):
        blas_threads(blas)
        for kernel_threads in (1, _threads.threads()):
            before = numba.get_num_threads()
            numba.set_num_threads(kernel_threads)
            try:
                results.append(matmul(x, y).tobytes())
            finally:
                numba.set_num_threads(before)
    assert len(set(results)) == 1


def test_qr_factors_and_its_bits_do_not_depend_on_the_blas_thread_count(rng, blas_threads):
    # A shape whose LAPACK QR gave other bits with two BLAS threads than with one.
    a = rng.standard_normal((4608, 256))
    results = []
    for blas in (1, 2):
        blas_threads(blas)
        q, r = qr(a)
        results.append(q.tobytes() + r.tobytes())
    assert results[0] == results[1]
    assert q.shape == (4608, 256) and r.shape == (256, 256)
    np.testing.assert_allclose(q @ r, a, atol=1e-10)
    np.testing.assert_allclose(q.T @ q, np.eye(256), atol=1e-12)


@pytest.mark.parametrize("rows", [4, 256], ids=["whole", "cut"])
def test_matmul_warns_under_the_callers_error_state_whichever_thread_computes(rows):
    x = np.ones((rows, 512), np.float32)
    x[-1, 0] = np.inf  # in the last block
    y = np.ones((512, 512), np.float32)
    y[0, 1] = 0.0  # inf * 0
    with pytest.warns(RuntimeWarning, match="invalid value"):
        matmul(x, y)
    with np.errstate(invalid="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = matmul(x, y)
    assert np.isnan(out[-1, 1]) and np.isinf(out[-1, 0])
    with np.errstate(invalid="raise"), pytest.raises(FloatingPointError):
        matmul(x, y)
