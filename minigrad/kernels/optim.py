"""Optimiser kernels: Adam's elementwise update in one pass.

numpy makes one pass per arithmetic step of Adam's update (about a dozen per
parameter); this kernel makes one, and rounds every step as numpy would: the same
operations, in the same order, in the parameter's dtype (the hyperparameters are
converted to it first, as numpy converts Python floats), without fused multiply-adds.

Beside the loop, ``_adam_reference`` writes the same update as the textbook's numpy
equations, one line each, in the same order: it gives the loop's bits, and runs in its
place under the reference kernels (``minigrad.kernels.backend``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from minigrad.kernels import backend

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# error_model="numpy": a float division by zero gives inf as in numpy, instead of a
# check that raises, which would also keep LLVM from vectorising the loop (8x slower).
@njit(cache=True, nogil=True, error_model="numpy")
def _adam(
    value, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, constants, out
):  # pragma: no cover - compiled
    size = value.size
    # A guard for direct calls (adam_update checks more, first): the loop below has no
    # bounds checks, so an array shorter than value would be read and written past its end.
    short = grad.size != size or exp_avg.size != size or exp_avg_sq.size != size
    short = short or out.size != size
    if short or (amsgrad and max_exp_avg_sq.size != size) or constants.size != 7:
        raise ValueError("_adam: every array must have the parameter's size")
    beta1, keep1, beta2, keep2 = constants[0], constants[1], constants[2], constants[3]
    step_size, bias_root, eps = constants[4], constants[5], constants[6]
    for i in range(size):
        first = exp_avg[i] * beta1 + keep1 * grad[i]
        second = exp_avg_sq[i] * beta2 + keep2 * grad[i] * grad[i]
        exp_avg[i] = first
        exp_avg_sq[i] = second
        if amsgrad:
            # np.maximum's rule: a NaN on either side wins.
            largest = max_exp_avg_sq[i]
            if second > largest or second != second:
                largest = second
            max_exp_avg_sq[i] = largest
            second = largest
        out[i] = value[i] - step_size * first / (np.sqrt(second) / bias_root + eps)


# The loop's error model: overflow, 0 / 0 and inf - inf give inf and NaN, silently.
@np.errstate(all="ignore")
def _adam_reference(p, g, m, v, v_max, amsgrad, constants, out):
    """``_adam``'s update as numpy equations on whole arrays, in the loop's order.

    ``keep`` is ``1 - beta``, rounded to p's dtype as the loop has it. Every operation
    is the loop's, in its order and dtype, so the bits are the loop's too: ``keep2 * g
    * g`` groups left to right as there, and ``np.maximum`` keeps a NaN from either
    side as the loop's comparison does. The moments are updated in place.
    """
    beta1, keep1, beta2, keep2, step_size, bias_root, eps = constants
    m[...] = m * beta1 + keep1 * g
    v[...] = v * beta2 + keep2 * g * g
    if amsgrad:
        np.maximum(v_max, v, out=v_max)
    second = v_max if amsgrad else v
    out[...] = p - step_size * m / (np.sqrt(second) / bias_root + eps)


def adam_update(
    value: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
    *,
    beta1: float,
    beta2: float,
    step_size: float,
    bias_root: float,
    eps: float,
) -> np.ndarray:
    """One Adam step: update the moments in place and return the new parameter.

    ```text
    m = beta1 m + (1 - beta1) g
    v = beta2 v + (1 - beta2) g g
    v = max(v_max, v), stored in v_max           (only when v_max is given)
    p = p - step_size m / (sqrt(v) / bias_root + eps)
    ```

    Args:
        value: the parameter p, any shape.
        grad: its gradient g, of p's shape and dtype.
        exp_avg: m, C-contiguous, of p's shape and dtype; updated in place.
        exp_avg_sq: v, likewise.
        max_exp_avg_sq: v_max (amsgrad), likewise, or ``None``.
        beta1: the first moment's decay.
        beta2: the second moment's decay.
        step_size: lr / (1 - beta1^t) at step t.
        bias_root: sqrt(1 - beta2^t) at step t.
        eps: added to the denominator.

    Returns:
        The new p, a new C-contiguous array of p's shape and dtype.

    Raises:
        TypeError: an argument that is not a numpy array.
        ValueError: an array whose shape or dtype is not p's, a moment that is not
            C-contiguous and writable, or p not float32 or float64.
    """
    _check_arrays(value, grad, exp_avg, exp_avg_sq, max_exp_avg_sq)
    numbers = [beta1, 1 - beta1, beta2, 1 - beta2, step_size, bias_root, eps]
    # One array rather than seven numpy scalars: the same roundings, cheaper to pass.
    constants = np.array(numbers, dtype=value.dtype)
    amsgrad = max_exp_avg_sq is not None
    update = _adam_reference if backend.reference() else _adam
    # The new parameter is made here, not in the loop: a Numba function that returns a
    # new array costs about a microsecond more per call, per parameter and step.
    out = np.empty(value.shape, value.dtype)
    update(
        value.ravel(),  # a view, or a C-ordered copy of a parameter that is not contiguous
        grad.ravel(),
        exp_avg.reshape(-1),
        exp_avg_sq.reshape(-1),
        (max_exp_avg_sq if amsgrad else exp_avg_sq).reshape(-1),
        amsgrad,
        constants,
        out.ravel(),
    )
    return out


def _check_arrays(
    value: np.ndarray,
    grad: np.ndarray,
    exp_avg: np.ndarray,
    exp_avg_sq: np.ndarray,
    max_exp_avg_sq: np.ndarray | None,
) -> None:
    """Real checks, not asserts: the loop reads and writes ``value.size`` elements of
    every array without bounds checks, so an array that does not fit would be read or
    written past its end, and ``python -O`` would strip an assert.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"adam_update: value: expected a numpy array, got {type(value).__name__}")
    if value.dtype not in _DTYPES:
        raise ValueError(f"adam_update: value: expected float32 or float64, got {value.dtype}")
    _check_array("grad", grad, value, in_place=False)
    _check_array("exp_avg", exp_avg, value, in_place=True)
    _check_array("exp_avg_sq", exp_avg_sq, value, in_place=True)
    if max_exp_avg_sq is not None:
        _check_array("max_exp_avg_sq", max_exp_avg_sq, value, in_place=True)


def _check_array(name: str, array: np.ndarray, value: np.ndarray, in_place: bool) -> None:
    if not isinstance(array, np.ndarray):
        raise TypeError(f"adam_update: {name}: expected a numpy array, got {type(array).__name__}")
    if array.shape != value.shape:
        raise ValueError(
            f"adam_update: {name}: expected shape {value.shape} (the parameter's), got "
            f"{array.shape}"
        )
    if array.dtype != value.dtype:
        raise ValueError(
            f"adam_update: {name}: expected dtype {value.dtype} (the parameter's), got "
            f"{array.dtype}"
        )
    # The moments are updated in place through flat views: a copy would lose the update.
    if in_place:
        flags = array.flags
        if not (flags.c_contiguous and flags.writeable):
            raise ValueError(f"adam_update: {name}: expected a C-contiguous, writable array")
