"""kernels.special.erfc: the Numba loop against its numpy twin and the C library."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels.special import erfc


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erfc_matches_its_reference_and_math(dtype):
    x = np.concatenate(
        [np.random.default_rng(0).standard_normal(300) * 4, [0.0, -0.0, 30.0, -30.0, np.inf]]
    ).astype(dtype)
    fast = erfc(x.reshape(5, -1)[:, ::2])
    with mg.kernels.use("reference"):
        reference = erfc(x.reshape(5, -1)[:, ::2])
    assert fast.dtype == reference.dtype == dtype and fast.shape == (5, 31)
    np.testing.assert_array_equal(fast, reference)
    want = np.array([math.erfc(float(v)) for v in x.reshape(5, -1)[:, ::2].ravel()])
    np.testing.assert_allclose(
        fast.ravel(), want, rtol=4 * np.finfo(dtype).eps, atol=np.finfo(dtype).tiny
    )
