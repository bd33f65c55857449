"""Activation kernels: leaky ReLU, ReLU, the logistic sigmoid and their derivatives.

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

The sigmoid is ``1 / (1 + p)`` where x >= 0 and ``p / (1 + p)`` elsewhere, with ``p =
exp(-|x|)`` in (0, 1], so that no exp overflows: a loop for ``-|x|``, numpy's exp (its
bits), and a loop for the quotient, where numpy took seven passes. The loops round
every step as numpy does, in x's dtype, so the bits are the numpy twin's.
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


@njit(cache=True, nogil=True)
def _negated_magnitudes(x, out):  # pragma: no cover - compiled
    for i in range(x.size):
        out[i] = -abs(x[i])


@njit(cache=True, nogil=True)
def _logistic(x, p):  # pragma: no cover - compiled
    """``p = (1 if x >= 0 else p) / (p + 1)`` in place, for ``p = exp(-|x|)``."""
    one = p.dtype.type(1)
    for i in range(x.size):
        # A NaN is not >= 0: its p, NaN, is the numerator.
        e = p[i]
        p[i] = (one if x[i] >= 0 else e) / (e + one)


def _sigmoid_reference(x: np.ndarray, out: np.ndarray) -> None:
    p = np.exp(-np.abs(x))
    np.copyto(out, np.where(x >= 0, 1 / (1 + p), p / (1 + p)).astype(x.dtype))


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))``, elementwise, without overflow: 0 at -inf, 1 at inf, 0.5 at
    either zero, NaN at NaN.

    Args:
        x: any shape and float dtype (float32 and float64 run in the loops, others in
            the numpy twin).

    Returns:
        A new C-contiguous array of x's shape and dtype.
    """
    out = np.empty(x.shape, x.dtype)
    flat, values = out.reshape(-1), x.ravel()
    if backend.reference() or x.dtype not in _FLOATS:
        _sigmoid_reference(values, flat)
    else:
        _negated_magnitudes(values, flat)
        np.exp(flat, out=flat)
        _logistic(values, flat)
    return out
