"""Gradient clipping: ``clip_grad_norm_`` and ``clip_grad_value_``, in place on ``.grad``."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.autograd.grad_mode import no_grad
from minigrad.tensor import Tensor


def _gradients(caller: str, parameters: Any) -> list[Tensor]:
    """The ``.grad`` of each tensor in ``parameters`` (one tensor, or an iterable) that has one."""
    if isinstance(parameters, Tensor):
        items = [parameters]
    elif isinstance(parameters, Iterable):
        items = list(parameters)
    else:
        raise TypeError(
            f"{caller}: parameters: expected a Tensor or an iterable of Tensors, got "
            f"{type(parameters).__name__}"
        )
    for position, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"{caller}: parameters[{position}]: expected a Tensor, got {type(item).__name__}"
            )
    return [item.grad for item in items if item.grad is not None]


def _number(caller: str, argument: str, value: Any) -> float:
    if isinstance(value, Tensor) and value.numel() == 1:
        return float(value.item())
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{caller}: {argument}: expected a number, got {type(value).__name__}")
    return float(value)


def _vector_norm(array: np.ndarray, order: float) -> Any:
    """``torch.linalg.vector_norm`` of the flattened array, in the array's dtype."""
    flat = np.abs(array.reshape(-1))
    if order == math.inf:
        return flat.max(initial=0).astype(array.dtype)
    if order == -math.inf:
        return flat.min(initial=math.inf).astype(array.dtype)
    if order == 0:
        return np.array(np.count_nonzero(flat), dtype=array.dtype)
    return (np.sum(flat**order) ** (1.0 / order)).astype(array.dtype)


def clip_grad_norm_(
    parameters: Any,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients in place so that their joint norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of the vector of every gradient's norm
    (``inf``: the largest absolute entry); each gradient is multiplied by
    ``min(1, max_norm / (total + 1e-6))``. ``foreach`` is accepted and ignored.

    Args:
        parameters: a tensor or an iterable of tensors (those without ``.grad`` are
            skipped).
        max_norm: the largest norm allowed.
        norm_type: the order p of the norms (a float, ``inf`` included).
        error_if_nonfinite: raise instead when the total norm is nan or inf.
        foreach: ignored.

    Returns:
        The total norm before clipping, a 0-d tensor (``tensor(0.)`` without gradients).

    Raises:
        RuntimeError: for a non-finite total norm when ``error_if_nonfinite``.

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.zeros(2))
    >>> w.grad = mg.tensor([3.0, 4.0])
    >>> mg.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> round(w.grad.norm().item(), 5)
    1.0
    """
    caller = "clip_grad_norm_"
    grads = _gradients(caller, parameters)
    max_norm = _number(caller, "max_norm", max_norm)
    norm_type = _number(caller, "norm_type", norm_type)
    if not isinstance(error_if_nonfinite, bool):
        raise TypeError(
            f"{caller}: error_if_nonfinite: expected a bool, got "
            f"{type(error_if_nonfinite).__name__}"
        )
    if not grads:
        return Tensor._wrap(np.array(0.0, dtype=dtypes.get_default_dtype()))
    norms = [_vector_norm(grad._data, norm_type) for grad in grads]
    total_dtype = np.result_type(*[grad.dtype for grad in grads])
    total = _vector_norm(np.array(norms, dtype=total_dtype), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"{caller}: the total norm of order {norm_type} for gradients from `parameters` "
            "is non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    # The coefficient is computed in the norm's dtype and capped at 1, as PyTorch does,
    # so a norm below max_norm still multiplies by exactly 1.
    coefficient = np.minimum(total_dtype.type(max_norm) / (total + total_dtype.type(1e-6)), 1.0)
    # A non-finite norm scales by 0 or nan, making inf entries nan, as in PyTorch.
    with no_grad(), np.errstate(invalid="ignore", over="ignore"):
        for grad in grads:
            grad.mul_(float(coefficient))
    return Tensor._wrap(np.asarray(total))


def clip_grad_value_(parameters: Any, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient in place to ``[-clip_value, clip_value]`` (``foreach`` ignored).

    >>> import minigrad as mg
    >>> w = mg.nn.Parameter(mg.zeros(3))
    >>> w.grad = mg.tensor([-2.0, 0.5, 3.0])
    >>> mg.nn.utils.clip_grad_value_(w, 1.0)
    >>> w.grad.tolist()
    [-1.0, 0.5, 1.0]
    """
    grads = _gradients("clip_grad_value_", parameters)
    limit = _number("clip_grad_value_", "clip_value", clip_value)
    with no_grad():
        for grad in grads:
            grad.clamp_(min=-limit, max=limit)
