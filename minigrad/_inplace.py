"""In-place tensor methods (``add_``, ``fill_``, ``x[i] = v``, ...), as PyTorch has them.

An in-place method computes its result out of place, with the ordinary ops, and then
gives it to the tensor:

* when nothing is recorded (grad mode is off, or nothing involved requires grad), the
  result is written into the tensor's own array, so views, ``.data`` and ``detach()``
  aliases see the new values;
* when the op is recorded, it reads a snapshot of the tensor (its old values and
  history), and the tensor takes the result's values and history. Views taken before
  keep their old values, with the history that made them (PyTorch would update them).

Either way the tensor's version moves on, so a backward that reads its old values is
refused ("modified by an inplace operation"), and, as in PyTorch, a leaf that requires
grad cannot be changed in place while grad mode is on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.ops import index as index_ops
from minigrad.ops.elementwise import where
from minigrad.ops.shape import broadcast_to
from minigrad.random import generator
from minigrad.tensor import Tensor


class InPlaceShapeError(RuntimeError, ValueError):
    """An in-place result whose shape is not the tensor's: a ``RuntimeError`` as in
    PyTorch, and a ``ValueError`` as minigrad's contract asks.
    """


class InPlaceDtypeError(RuntimeError, TypeError):
    """An in-place result whose dtype cannot be cast to the tensor's (a float result into
    an integer tensor): a ``RuntimeError`` as in PyTorch, a ``TypeError`` as minigrad's.
    """


def run(
    target: Tensor,
    name: str,
    compute: Callable[[Tensor], Tensor],
    operands: tuple[Any, ...] = (),
    direct: Callable[[], None] | None = None,
) -> Tensor:
    """Give ``compute(target)`` to ``target`` in place (see the module docstring).

    Args:
        target: the tensor written.
        name: the method, for messages (``"add_"``).
        compute: the out-of-place computation of the new values from the old ones.
        operands: the method's other arguments, to tell whether the op is recorded.
        direct: when nothing is recorded, a cheaper write straight into the array
            (``fill_``, ``x[i] = v``), instead of computing and copying a whole result.
    """
    recording = grad_mode.is_grad_enabled() and (
        target._requires_grad or any(isinstance(o, Tensor) and o._requires_grad for o in operands)
    )
    if recording and target._requires_grad and target.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad cannot be modified in place while grad "
            "mode is on: wrap the change in mg.no_grad(), or change a copy (clone())"
        )
    if not recording:
        if not target._data.flags.writeable:
            target._write(target._data)  # the read-only error
        if direct is not None:
            direct()
            target._bump_version()
        else:
            result = compute(target)
            check_fits(target, result, name)
            target._write(result._data)
        return target
    result = compute(snapshot(target))
    check_fits(target, result, name)
    adopt(target, result.to(target.dtype))
    return target


def check_fits(target: Tensor, result: Tensor, name: str) -> None:
    """The result must have the target's shape, and a dtype castable to the target's
    (PyTorch's rule: within a kind, or from integer to float, never float to integer).
    """
    if result.shape != target.shape:
        raise InPlaceShapeError(
            f"{name}: the result has shape {result.shape} (the operands broadcast to it), which "
            f"is not the tensor's shape {target.shape}"
        )
    if not np.can_cast(result.dtype, target.dtype, casting="same_kind"):
        raise InPlaceDtypeError(
            f"{name}: the result has dtype {result.dtype}, which cannot be stored in place in "
            f"a tensor of dtype {target.dtype} (use the out-of-place form)"
        )


def snapshot(target: Tensor) -> Tensor:
    """``target`` as it is now, for a recorded in-place op to read: the same array and
    history, and a version counter of its own (the array will not change: ``adopt``
    gives the target a new one).
    """
    old = Tensor._wrap(target._data, target._requires_grad)
    old.grad_fn = target.grad_fn
    return old


def adopt(target: Tensor, result: Tensor) -> None:
    """Make ``target`` hold ``result``'s values and history, and move its version on."""
    target._bump_version()
    previous, node = target.grad_fn, result.grad_fn
    target._data = result._data
    target._requires_grad = result._requires_grad
    target.grad_fn = node
    if node is None:
        return
    if previous is not None and previous.retained is not None and previous.retained() is target:
        # retain_grad() follows the tensor to its new history.
        node.retained, previous.retained = previous.retained, None
    if result._versions is not None:
        # The op noted its output's version on the result's counter; the output is the
        # target now, so later writes to the target must be what that check sees.
        counter = target._counter()
        node.versions = tuple(
            (position, counter, counter.value) if seen is result._versions else (position, seen, v)
            for position, seen, v in node.versions
        )


def fill(target: Tensor, value: Any, name: str = "fill_") -> Tensor:
    """Every element set to ``value``: a number (cast to the dtype, as PyTorch does), or
    a one-element tensor, whose gradient is then the sum of the gradient. The old values
    get a zero gradient.
    """
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(
                f"{name}: value: expected a number or a one-element tensor, got shape "
                f"{value.shape}"
            )
        return run(target, name, lambda x: overwrite(x, value.reshape(()).to(x.dtype)), (value,))
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise TypeError(f"{name}: value: expected a number, got {type(value).__name__}")

    def direct() -> None:
        target._data[...] = value

    return run(
        target, name, lambda x: overwrite(x, Tensor._wrap(np.asarray(value, x.dtype))), (), direct
    )


def overwrite(x: Tensor, values: Tensor) -> Tensor:
    """``values`` broadcast to x's shape, with x on the tape behind it (a zero gradient),
    as PyTorch's fill and copy give the tensor they overwrite.
    """
    spread = broadcast_to(values, x.shape)
    if not x._requires_grad:
        # A result of its own: the tensor must never end up sharing values' array.
        return spread.clone() if spread is values else spread
    return where(np.ones((), dtype=bool), spread, x)


def set_item(target: Tensor, key: Any, value: Any) -> None:
    """``target[key] = value``: numpy's indexing (``key`` already converted), ``value``
    broadcast to the selection and cast to the tensor's dtype.
    """
    if isinstance(value, Tensor):
        operand = value
    elif isinstance(value, int | float | bool | np.number | np.ndarray | list):
        operand = Tensor._wrap(np.asarray(value))
    else:
        raise TypeError(
            f"__setitem__: value: expected a Tensor, a number or an array, got "
            f"{type(value).__name__}"
        )
    try:
        selected = np.broadcast_to(np.zeros((), dtype=np.int8), target.shape)[key]
    except IndexError as error:
        raise IndexError(f"index: {error} (tensor of shape {target.shape})") from None
    try:
        np.broadcast_shapes(operand.shape, selected.shape)
        np.broadcast_to(np.zeros(operand.shape, np.int8), selected.shape)
    except ValueError:
        raise InPlaceShapeError(
            f"__setitem__: value: shape {operand.shape} cannot be broadcast to the "
            f"selection's shape {selected.shape}"
        ) from None
    if not np.can_cast(operand.dtype, target.dtype, casting="same_kind"):
        raise InPlaceDtypeError(
            f"__setitem__: value: dtype {operand.dtype} cannot be stored in a tensor of "
            f"dtype {target.dtype}"
        )
    if grad_mode.is_grad_enabled() and (target._requires_grad or operand._requires_grad):
        _check_no_repeats(target.shape, key)

    def direct() -> None:
        target._data[key] = operand._data

    run(
        target,
        "__setitem__",
        lambda x: index_ops.set_item(x, key, operand.to(x.dtype)),
        (operand,),
        direct,
    )


def _check_no_repeats(shape: tuple[int, ...], key: Any) -> None:
    """A recorded assignment through an index array must not name an element twice
    (which value would land is numpy's choice, and its gradient ambiguous).
    """
    if index_ops.is_basic_index(key):
        return
    counts = np.zeros(shape, dtype=np.int64)
    np.add.at(counts, key, 1)
    if counts.max(initial=0) > 1:
        raise ValueError(
            "__setitem__: index: names an element more than once, which has no single "
            "gradient while gradients are recorded; assign under mg.no_grad() or with "
            "distinct indices"
        )


def fill_random(target: Tensor, name: str, draw: Callable[[Any, tuple[int, ...]], Any]) -> Tensor:
    """Every element drawn anew by ``draw(generator, shape)`` (in float64, then cast, as
    every draw in minigrad), as ``uniform_`` and ``normal_``; floating tensors only.
    """
    if target.dtype.kind != "f":
        raise InPlaceDtypeError(
            f"{name}: expected a float32 or float64 tensor, got dtype {target.dtype}"
        )
    values = Tensor._wrap(np.asarray(draw(generator(), target.shape), dtype=target.dtype))
    return fill_with(target, name, values)


def fill_random_integers(target: Tensor, low: int, high: int | None) -> Tensor:
    """``random_``: integers from [low, high), or [low, 2^mantissa] for floats and up to
    the integer type's maximum when ``high`` is None, as PyTorch documents it.
    """
    for argument, value in (("from", low), ("to", high)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"random_: {argument}: expected an int, got {type(value).__name__}")
    if high is None:
        if target.dtype.kind == "f":
            high = 2 ** (np.finfo(target.dtype).nmant + 1) + 1
        elif target.dtype.kind == "b":
            high = 2
        else:
            high = int(np.iinfo(target.dtype).max)
    if high <= low:
        raise ValueError(f"random_: expected from < to, got from={low}, to={high}")
    values = generator().integers(low, high, size=target.shape, dtype=np.int64)
    return fill_with(target, "random_", Tensor._wrap(values.astype(target.dtype)))


def fill_with(target: Tensor, name: str, values: Tensor) -> Tensor:
    """``target`` overwritten by ``values`` (of its shape and dtype, on no tape)."""

    def direct() -> None:
        target._data[...] = values._data

    return run(target, name, lambda x: overwrite(x, values), (), direct)
