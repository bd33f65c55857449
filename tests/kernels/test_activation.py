"""The leaky-ReLU kernel against numpy's ``where``, to the bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from minigrad.kernels import backend
from minigrad.kernels.activation import leaky_relu


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.0, 0.2, 1.0, 1.5, -0.3, 1e-40])
def test_matches_numpy_where_to_the_bit(dtype: Any, slope: float) -> None:
    x = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(dtype)
    x[0, 0, :4] = [np.nan, np.inf, -np.inf, 0.0]
    x[0, 1, 0] = -0.0
    with np.errstate(invalid="ignore"):  # -inf * 0 is NaN (numpy warns without the JIT)
        out, factor = leaky_relu(x, slope)
    want_factor = np.where(x > 0, dtype(1), dtype(slope))
    assert out.dtype == factor.dtype == x.dtype
    np.testing.assert_array_equal(factor, want_factor)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(out, x * want_factor)
    assert np.signbit(out[0, 1, 0]) == np.signbit(x[0, 1, 0] * dtype(slope))


def test_non_contiguous_input_keeps_its_shape_and_values() -> None:
    x = np.random.default_rng(1).standard_normal((6, 8)).T[::2]
    out, factor = leaky_relu(x, 0.1)
    assert out.shape == factor.shape == (4, 6)
    np.testing.assert_array_equal(out, np.where(x > 0, x, x * 0.1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.0, 0.2, -0.3])
def test_reference_twin_gives_the_kernels_bits(dtype: Any, slope: float) -> None:
    x = np.random.default_rng(2).standard_normal((5, 6)).astype(dtype).T
    x[0, :5] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
    with np.errstate(invalid="ignore"):  # -inf * 0 (numpy warns without the JIT)
        fast = leaky_relu(x, slope)
    with backend.use("reference"):
        reference = leaky_relu(x, slope)
    for got, want in zip(reference, fast):
        assert got.dtype == want.dtype and got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
