"""Activation kernels: leaky ReLU and its factor in one pass.

numpy needs five passes for ``factor = 1 if x > 0 else slope`` and ``x * factor``
(``np.where`` is one pass but branches per element and is slower still on the mixed
signs of activations); this kernel makes one, with the same bits: each output is
``x * factor``, rounded once in x's dtype. Its numpy twin, ``_leaky_relu_reference``,
runs in its place under the reference kernels (``minigrad.kernels.backend``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minigrad.kernels import backend


@njit(cache=True, nogil=True)
def _leaky_relu(x, one, slope):  # pragma: no cover - compiled
    out = np.empty_like(x)
    factor = np.empty_like(x)
    for i in range(x.size):
        # A NaN is not > 0, so it gets the slope, as in numpy's x > 0.
        scale = one if x[i] > 0 else slope
        factor[i] = scale
        out[i] = x[i] * scale
    return out, factor


@np.errstate(invalid="ignore")  # -inf * 0 is NaN, silently, as in the loop
def _leaky_relu_reference(x, one, slope):
    factor = np.where(x > 0, one, slope)
    return x * factor, factor


def leaky_relu(x: np.ndarray, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """``out = x * factor`` with ``factor = 1 where x > 0, else slope``, elementwise.

    Args:
        x: any shape, float32 or float64.
        slope: the factor where x is not positive; converted to x's dtype.

    Returns:
        ``(out, factor)``, two new C-contiguous arrays of x's shape and dtype.
    """
    dtype = x.dtype.type
    kernel = _leaky_relu_reference if backend.reference() else _leaky_relu
    out, factor = kernel(np.ascontiguousarray(x).reshape(-1), dtype(1), dtype(slope))
    return out.reshape(x.shape), factor.reshape(x.shape)
