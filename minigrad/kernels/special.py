"""Special functions numpy lacks: the error function and its complement, elementwise.

numpy has neither; ``np.vectorize(math.erf)`` calls back into Python per element (the
numpy twin here, ``_error_function_reference``, is exactly that). The Numba loop calls
the same C library functions without the round trip. GELU's normal cdf uses ``erfc``:
``erfc(-x / √2) / 2`` keeps its relative accuracy in the lower tail, where
``(1 + erf(x / √2)) / 2`` cancels. Both compute in float64 and round the result to the
input's dtype once, so they agree to the bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from minigrad.kernels import backend


@njit(cache=True, nogil=True)
def _error_function(x, out, complement):  # pragma: no cover - compiled
    for i in range(x.size):
        # In float64 for every input dtype, then rounded once, as the twin does.
        value = np.float64(x[i])
        out[i] = math.erfc(value) if complement else math.erf(value)


def _error_function_reference(x: np.ndarray, out: np.ndarray, complement: bool) -> None:
    out[...] = np.vectorize(math.erfc if complement else math.erf, otypes=[np.float64])(x)


def _run(x: np.ndarray, complement: bool) -> np.ndarray:
    # In x's dtype: each float64 result is rounded once as it is stored.
    out = np.empty(x.shape, x.dtype)
    kernel = _error_function_reference if backend.reference() else _error_function
    kernel(x.ravel(), out.ravel(), complement)  # ravel: a view, or a C-ordered copy
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, 2/√π ∫_0^x exp(-t²) dt, elementwise.

    Args:
        x: any shape, float32 or float64.

    Returns:
        A new C-contiguous array of x's shape and dtype.
    """
    return _run(x, False)


def erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function, 1 - erf(x) = 2/√π ∫_x^∞ exp(-t²) dt, elementwise.

    Args:
        x: any shape, float32 or float64.

    Returns:
        A new C-contiguous array of x's shape and dtype.
    """
    return _run(x, True)
