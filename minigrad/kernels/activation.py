"""Activation kernels: leaky ReLU, ReLU and their derivatives, each in one pass.

Leaky ReLU is one loop, ``out = values * (1 if signs > 0 else slope)``: the forward
scales x by its own sign (``values = signs = x``), the backward scales the incoming
gradient by x's (``values = grad``, ``signs = x``). ReLU selects instead (PyTorch's relu
gives 0 at -inf, where -inf * 0 is NaN, and its backward 0 where an inf or NaN gradient
meets a zero output): ``out = 0 if signs < 0 else values`` forward, ``<=`` against the
output backward, two loops with their zero written in. The loops take arrays only (leaky
ReLU's 1 and slope as one): Numba's dispatch reads a numpy scalar argument as slowly as
the loop runs over a small array. numpy needs several passes for each (a comparison, a
``where`` that branches per element on the mixed signs of activations, a product); the
loops give the same bits. Their numpy twins run in their place under the reference
kernels (``minigrad.kernels.backend``).

So the ops save nothing of their own for the backward: x (ReLU: the output), which
PyTorch saves too, is enough.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from numba import njit

from minigrad.kernels import backend


@njit(cache=True, nogil=True)
def _scaled(values, signs, out, factors):  # pragma: no cover - compiled
    one, slope = factors[0], factors[1]
    for i in range(values.size):
        # A NaN is not > 0, so it gets the slope, as in numpy's signs > 0.
        out[i] = values[i] * (one if signs[i] > 0 else slope)


@np.errstate(invalid="ignore")  # -inf * 0 is NaN, silently, as in the loop
def _scaled_reference(values, signs, out, factors):
    np.multiply(values, np.where(signs > 0, factors[0], factors[1]), out=out)


@njit(cache=True, nogil=True)
def _rectified(values, signs, out):  # pragma: no cover - compiled
    for i in range(values.size):
        # A NaN is not < 0: it passes, as in PyTorch's relu; so does -0.0.
        out[i] = 0 if signs[i] < 0 else values[i]


def _rectified_reference(values, signs, out):
    np.copyto(out, np.where(signs < 0, 0, values))


@njit(cache=True, nogil=True)
def _rectified_backward(values, signs, out):  # pragma: no cover - compiled
    for i in range(values.size):
        # A NaN output is not <= 0: its gradient passes, as in PyTorch's relu backward.
        out[i] = 0 if signs[i] <= 0 else values[i]


def _rectified_backward_reference(values, signs, out):
    np.copyto(out, np.where(signs <= 0, 0, values))


@functools.lru_cache(maxsize=64)
def _factors(dtype: np.dtype[Any], slope: float) -> np.ndarray:
    """[1, slope] in ``dtype``, read-only: made once, and an array, which Numba's dispatch
    reads faster than two numpy scalars (each costs as much as the loop over a small array).
    """
    factors = np.array([1, slope], dtype)
    factors.flags.writeable = False
    return factors


def _run(
    loop: Any, twin: Any, values: np.ndarray, signs: np.ndarray, *constants: Any
) -> np.ndarray:
    """``loop(values, signs, out, *constants)`` (its numpy ``twin`` under the reference
    kernels) into a new array of values' shape and dtype.
    """
    kernel = twin if backend.reference() else loop
    # The output is made here, not in the loop: a Numba function that returns a new
    # array costs about a microsecond more per call, the whole cost on small arrays.
    # ravel() is a view of a C-contiguous array and a C-ordered copy of any other.
    out = np.empty(values.shape, values.dtype)
    kernel(values.ravel(), signs.ravel(), out.ravel(), *constants)
    return out


def leaky_relu(x: np.ndarray, slope: float) -> np.ndarray:
    """``x * (1 where x > 0, else slope)``, elementwise.

    Args:
        x: any shape, float32 or float64.
        slope: the factor where x is not positive (NaN included); in x's dtype.

    Returns:
        A new C-contiguous array of x's shape and dtype.
    """
    return _run(_scaled, _scaled_reference, x, x, _factors(x.dtype, slope))


def leaky_relu_backward(grad: np.ndarray, signs: np.ndarray, slope: float) -> np.ndarray:
    """``grad * (1 where signs > 0, else slope)``: leaky ReLU's dx, ``signs`` being x.

    Args:
        grad: the gradient of the output, float32 or float64.
        signs: x, of grad's shape, any float dtype.
        slope: as for ``leaky_relu``; in grad's dtype.

    Returns:
        A new C-contiguous array of grad's shape and dtype.
    """
    return _run(_scaled, _scaled_reference, grad, signs, _factors(grad.dtype, slope))


def relu(x: np.ndarray) -> np.ndarray:
    """``0 where x < 0, else x``, elementwise: -0.0 and NaN pass as they are.

    Args:
        x: any shape, float32 or float64.

    Returns:
        A new C-contiguous array of x's shape and dtype.
    """
    return _run(_rectified, _rectified_reference, x, x)


def relu_backward(grad: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``0 where out <= 0, else grad``: ReLU's dx from its output (inf and NaN gradients
    stay out where the output is not positive; where it is NaN, the gradient passes).

    Args:
        grad: the gradient of the output, float32 or float64.
        out: ReLU's output, of grad's shape, any float dtype.

    Returns:
        A new C-contiguous array of grad's shape and dtype.
    """
    return _run(_rectified_backward, _rectified_backward_reference, grad, out)
