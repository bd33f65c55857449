"""kernels.norms: each Numba loop against its numpy twin (elementwise steps to the bit,
sums to rounding), in float32 and float64, on drawn row layouts.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.kernels import backend
from minigrad.kernels import norms as kernels


@st.composite
def layouts(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, int], int]:
    """(x's shape, rows (B, P), pieces M): B, P, M and S between 1 and a few."""
    count, parts = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pieces, size = draw(st.integers(1, 3)), draw(st.integers(1, 11))
    return (count, parts * pieces, size), (count, parts), pieces


def _both(function, *args):
    fast = function(*args)
    with backend.use("reference"):
        slow = function(*args)
    return fast, slow


def _arrays(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3 + 2).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(layout=layouts())
@settings(max_examples=12)
def test_every_kernel_matches_its_twin(dtype, layout):
    shape, rows, pieces = layout
    x = _arrays(shape, dtype)
    weight = _arrays(rows[1] * pieces, dtype, seed=1)
    bias = _arrays(rows[1] * pieces, dtype, seed=2)
    g = _arrays(shape, dtype, seed=3)
    tight = 1e-5 if dtype == np.float32 else 1e-12
    fast, slow = _both(kernels.norm_statistics, x, rows)
    for got, want in zip(fast, slow):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    fast, slow = _both(kernels.norm_forward, x, rows, 1e-5, weight, bias)
    for got, want in zip(fast, slow):
        assert got.dtype == x.dtype
        np.testing.assert_allclose(got, want, rtol=tight, atol=tight)
    _, normalised, root = fast
    fast, slow = _both(kernels.norm_input_grad, g, normalised, root, weight, rows)
    assert fast.dtype == x.dtype
    np.testing.assert_allclose(fast, slow, rtol=tight, atol=tight)
    fast, slow = _both(kernels.norm_param_grads, g, normalised, rows, pieces)
    for got, want in zip(fast, slow):
        assert got.shape == (rows[1], pieces)
        np.testing.assert_allclose(got, want, rtol=tight, atol=tight)
    # The one-pass backward gives each of the three kernels' bits.
    both = kernels.norm_backward(g, normalised, root, weight, rows)
    apart = (kernels.norm_input_grad(g, normalised, root, weight, rows), *fast)
    for got, want in zip(both, apart):
        np.testing.assert_array_equal(got, want)
    fast, slow = _both(kernels.norm_backward, g, normalised, root, weight, rows)
    for got, want in zip(fast, slow):
        np.testing.assert_allclose(got, want, rtol=tight, atol=tight)


def test_statistics_are_the_rows_mean_and_biased_variance():
    x = _arrays((2, 3, 7), np.float64) + 1e4  # |mean| >> std: no cancellation
    mean, variance = kernels.norm_statistics(x, (2, 3))
    np.testing.assert_allclose(mean, x.mean(axis=2), rtol=1e-14)
    np.testing.assert_allclose(variance, x.var(axis=2), rtol=1e-9)


def test_forward_normalises_each_row_and_applies_the_table():
    x = _arrays((2, 4, 6), np.float64)
    weight, bias = np.arange(1.0, 5.0), np.arange(4.0)  # (P, M) = (2, 2), S = 6
    out, normalised, root = kernels.norm_forward(x, (2, 2), 0.0, weight, bias)
    rows = x.reshape(2, 2, 12)
    want = (rows - rows.mean(2, keepdims=True)) / rows.std(2, keepdims=True)
    np.testing.assert_allclose(normalised.reshape(2, 2, 12), want, atol=1e-12)
    np.testing.assert_allclose(root, 1 / rows.std(2), rtol=1e-12)
    table = np.repeat(weight.reshape(2, 2), 6, axis=1)[None]
    shift = np.repeat(bias.reshape(2, 2), 6, axis=1)[None]
    np.testing.assert_allclose(out.reshape(2, 2, 12), want * table + shift, atol=1e-12)


def test_elementwise_results_are_the_twins_bits_given_the_same_statistics():
    # One row per (b, p) whose sums are exact in any order (small integers), so the
    # statistics agree to the bit and the elementwise steps must too.
    x = np.random.default_rng(0).integers(-8, 8, (3, 4, 16)).astype(np.float32)
    weight = np.random.default_rng(1).integers(-4, 4, 8).astype(np.float32)
    fast, slow = _both(kernels.norm_forward, x, (3, 4), 0.5, weight, weight)
    for got, want in zip(fast, slow):
        np.testing.assert_array_equal(got, want)


def test_empty_rows_give_empty_results():
    x = np.zeros((2, 3, 0), np.float32)
    out, normalised, root = kernels.norm_forward(x, (2, 3), 1e-5)
    assert out.shape == normalised.shape == (2, 3, 0) and root.shape == (2, 3)
