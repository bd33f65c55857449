"""kernels.special's erf and erfc: the Numba loop against its numpy twin and the C
library."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels.special import erf, erfc


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("kernel", "exact"), [(erf, math.erf), (erfc, math.erfc)])
def test_matches_its_reference_and_math(dtype, kernel, exact):
    x = np.concatenate(
        [
            np.random.default_rng(0).standard_normal(300) * 4,
            [0.0, -0.0, 30.0, -30.0, np.inf, -np.inf, np.nan, 1e-30, 6.0, -6.0],
        ]
    ).astype(dtype)
    strided = x.reshape(5, -1)[:, ::2]  # not contiguous
    fast = kernel(strided)
    with mg.kernels.use("reference"):
        reference = kernel(strided)
    assert fast.dtype == reference.dtype == dtype and fast.shape == strided.shape
    np.testing.assert_array_equal(fast, reference)
    np.testing.assert_array_equal(np.signbit(fast), np.signbit(reference))
    want = np.array([exact(float(v)) for v in strided.ravel()]).astype(dtype)
    np.testing.assert_array_equal(fast.ravel(), want)  # float64, rounded once
