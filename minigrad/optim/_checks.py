"""The checks an optimiser makes before it changes anything, and their errors.

Each check raises or returns; none mutates its arguments, so a caller can run all of
them first and update only when every one has passed. Every message names where the
value is (``"Adam.step: param_groups[1]: params[0]: state['exp_avg']"``), the value
it got and what was expected. The checks that run for every parameter at every step
format nothing unless they fail: their caller adds the group and the parameter to
the message with ``with_context``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.tensor import GradDtypeError, GradShapeError, Tensor

# The kinds of per-parameter state entries (see Optimizer._state_entries).
COUNT = "count"  # a step counter: a non-negative int
BUFFER = "buffer"  # an array of the parameter's shape and dtype, C-contiguous, writable


class OptimizerStateError(RuntimeError, ValueError):
    """A state entry (momentum buffer, moment, step counter) that does not fit its
    parameter: a ``RuntimeError`` as PyTorch raises when its step meets one, and a
    ``ValueError`` as minigrad's contract asks.
    """


class OptimizerStateTypeError(RuntimeError, TypeError):
    """A state entry of the wrong type or dtype: a ``RuntimeError`` as in PyTorch, and
    a ``TypeError`` as minigrad's contract asks.
    """


def check_hyperparameter(
    where: str, name: str, value: Any, low: float = 0.0, high: float | None = None
) -> None:
    """Refuse a non-number, or a value outside ``[low, high)`` (NaN included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{where}: {name}: expected a number, got {type(value).__name__}")
    # Written as "not inside", so that NaN, which fails every comparison, is refused.
    if not (low <= value and (high is None or value < high)):
        interval = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{where}: {name}: expected a value {interval}, got {value}")


def check_flag(where: str, name: str, value: Any) -> None:
    """Refuse anything but a bool (a string such as "False" would read as true)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{where}: {name}: expected True or False, got {value!r}")


def check_torch_flag(where: str, name: str, value: Any, accepted: tuple[Any, ...]) -> None:
    """A PyTorch-only group flag (kept so that its state dicts load) must have a value
    under which minigrad computes what PyTorch would.
    """
    is_flag = value is None or isinstance(value, bool | np.bool_)
    if not is_flag or value not in accepted:
        raise ValueError(
            f"{where}: {name}: minigrad does not implement {name}={value!r}; expected one of "
            f"{', '.join(repr(option) for option in accepted)}"
        )


def check_gradient(param: Tensor, grad: Any) -> None:
    """The gradient must still fit the parameter (its ``.data`` may have been replaced
    by an array of another shape or dtype after the gradient was set).
    """
    if not isinstance(grad, Tensor):
        raise TypeError(f"grad: expected a Tensor, got {type(grad).__name__}")
    value, array = param._data, grad._data
    if value.dtype not in dtypes.FLOAT_DTYPES:
        raise TypeError(f"expected a float32 or float64 parameter, got dtype {value.dtype}")
    if array.dtype != value.dtype:
        raise GradDtypeError(
            f"grad: expected dtype {value.dtype} (the parameter's), got {array.dtype}; {_REPLACED}"
        )
    if array.shape != value.shape:
        raise GradShapeError(
            f"grad: expected shape {value.shape} (the parameter's), got {array.shape}; {_REPLACED}"
        )


_REPLACED = "was the parameter's .data replaced after its gradient was set?"


def check_state(
    label: str,
    param: Tensor,
    state: Any,
    entries: dict[str, str],
    required: tuple[str, ...],
) -> None:
    """A parameter's state (``label`` names it, e.g. ``"state"``): a dict of the known
    entries, with all the required ones when it is not empty, each of its kind and
    fitting the parameter. Messages are built only for an error: this runs every step.
    """
    if not isinstance(state, dict):
        raise OptimizerStateTypeError(f"{label}: expected a dict, got {type(state).__name__}")
    if not state:
        return
    expected = param._data
    for name, value in state.items():
        kind = entries.get(name)
        if kind == BUFFER:
            check_buffer(label, name, expected, value)
        elif kind == COUNT:
            check_count(label, name, value)
        else:
            known = ", ".join(repr(entry) for entry in entries)
            raise OptimizerStateError(
                f"{label}[{name!r}]: unknown state entry; expected one of {known}"
            )
    for name in required:
        if name not in state:
            raise OptimizerStateError(
                f"{label}[{name!r}]: the entry is missing (present: {list(state)})"
            )


def check_count(label: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptimizerStateTypeError(
            f"{label}[{name!r}]: expected a non-negative int, got {type(value).__name__} {value!r}"
        )
    if value < 0:
        raise OptimizerStateError(f"{label}[{name!r}]: expected a non-negative int, got {value}")


def check_buffer(label: str, name: str, expected: np.ndarray, value: Any) -> None:
    """A buffer: a Tensor whose array fits ``expected`` (the parameter's)."""
    if not isinstance(value, Tensor):
        raise OptimizerStateTypeError(
            f"{label}[{name!r}]: expected a Tensor, got {type(value).__name__}"
        )
    array = value._data
    if array.dtype != expected.dtype:
        raise OptimizerStateTypeError(
            f"{label}[{name!r}]: expected dtype {expected.dtype} (the parameter's), got "
            f"{array.dtype}"
        )
    if array.shape != expected.shape:
        raise OptimizerStateError(
            f"{label}[{name!r}]: expected shape {expected.shape} (the parameter's), got "
            f"{array.shape}"
        )
    # The step writes buffers in place through a flat view.
    flags = array.flags
    if not (flags.c_contiguous and flags.writeable):
        raise OptimizerStateError(
            f"{label}[{name!r}]: expected a C-contiguous, writable array (the step updates "
            "it in place), got a non-contiguous or read-only one"
        )


def with_context(error: Exception, where: str) -> Exception:
    """The same error, of the same class, with ``where`` (the call, the group, the
    parameter) in front of its message: checks leave it out, so that they format
    nothing unless they fail.
    """
    return type(error)(f"{where}: {error}")


def restore_entry(label: str, name: str, kind: str, param: Tensor, value: Any) -> Any:
    """A saved state entry as the optimiser keeps it: a count as an int, a buffer as a
    new C-contiguous Tensor in the parameter's dtype (``None`` for "no buffer yet").
    The result still goes through ``check_state``, which checks its shape.
    """
    if kind == COUNT:
        return restore_count(label, name, value)
    if value is None:
        return None
    where = f"{label}[{name!r}]"
    if not isinstance(value, Tensor | np.ndarray):
        raise OptimizerStateTypeError(
            f"{where}: expected a Tensor or a numpy array, got {type(value).__name__}"
        )
    array = value._data if isinstance(value, Tensor) else value
    if not np.can_cast(array.dtype, param.dtype, casting="same_kind"):
        raise OptimizerStateTypeError(
            f"{where}: expected an array castable to {param.dtype} (the parameter's dtype), "
            f"got dtype {array.dtype}"
        )
    return Tensor._wrap(np.array(array, dtype=param.dtype, order="C"))


def restore_count(label: str, name: str, value: Any) -> int:
    """A step counter: an int, or a whole number held by a float or a 0-d array, which
    is how PyTorch stores it (a 0-d float32 tensor).
    """
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        if value.ndim != 0 or value.dtype.kind not in "iuf":
            raise OptimizerStateTypeError(
                f"{label}[{name!r}]: expected a number or a 0-d numeric array, got an array "
                f"of shape {value.shape} and dtype {value.dtype}"
            )
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not value.is_integer():
            raise OptimizerStateError(
                f"{label}[{name!r}]: expected a whole number of steps, got {value}"
            )
        value = int(value)
    check_count(label, name, value)
    count: int = value
    return count


def plain(value: Any) -> Any:
    """A saved hyperparameter as a Python value: 0-d arrays (from a file, or numpy
    scalars) as numbers, lists and 1-d arrays as tuples.
    """
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else tuple(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return tuple(value)
    return value
