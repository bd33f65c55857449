"""Special functions numpy lacks: the complementary error function, elementwise.

numpy has no ``erfc``; ``np.vectorize(math.erfc)`` calls back into Python per element
(its numpy twin here, ``_erfc_reference``, is exactly that). The Numba loop calls the
same C library function without the round trip. ``erfc`` rather than ``erf``: the
normal cdf ``erfc(-x / √2) / 2`` then keeps its relative accuracy in the lower tail,
where ``(1 + erf(x / √2)) / 2`` cancels. Both compute in float64 and round the result
to the input's dtype once, so they agree to the bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from minigrad.kernels import backend


@njit(cache=True, nogil=True)
def _erfc(x):  # pragma: no cover - compiled
    out = np.empty_like(x)
    for i in range(x.size):
        # In float64 for every input dtype, then rounded once, as the twin does.
        out[i] = math.erfc(np.float64(x[i]))
    return out


def _erfc_reference(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erfc, otypes=[x.dtype])(x)


def erfc(x: np.ndarray) -> np.ndarray:
    """The complementary error function, 1 - erf(x) = 2/√π ∫_x^∞ exp(-t²) dt, elementwise.

    Args:
        x: any shape, float32 or float64.

    Returns:
        A new C-contiguous array of x's shape and dtype.
    """
    flat = np.ascontiguousarray(x).reshape(-1)
    out = _erfc_reference(flat) if backend.reference() else _erfc(flat)
    return out.astype(x.dtype, copy=False).reshape(x.shape)
