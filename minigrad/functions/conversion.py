"""Conversions and tensors made like another: the arguments of ``Tensor.to``,
``type_as``, the refused ``half()``, and ``new_tensor, new_zeros, new_ones, new_full,
new_empty`` (the tensor's dtype unless ``dtype=`` says otherwise).

>>> import minigrad as mg
>>> x = mg.ones(2, dtype=mg.float64)
>>> x.new_zeros(3).dtype
dtype('float64')
>>> mg.tensor([1, 2]).type_as(x).dtype
dtype('float64')
"""

from __future__ import annotations

from typing import Any

from minigrad import _checks, dtypes, factories
from minigrad import devices as _device
from minigrad.functions._arguments import tensor_input
from minigrad.tensor import Tensor


def to_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, bool]:
    """PyTorch's ``to`` arguments: returns (dtype or None, copy); any device is checked."""
    unknown = set(kwargs) - {"dtype", "device", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to: unexpected keyword arguments {sorted(unknown)}")
    dtype = kwargs.get("dtype")
    _device.as_device(kwargs.get("device"))
    if len(args) > 2:
        raise TypeError(f"to: expected at most a device and a dtype, got {len(args)} arguments")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif isinstance(arg, str) and arg in dtypes.NAMES:
            dtype = arg  # minigrad's own spelling: to("float64")
        elif isinstance(arg, str | _device.device) or (_checks.is_int(arg) and arg is not None):
            _device.as_device(arg)
        elif isinstance(arg, bool):
            continue  # PyTorch's positional non_blocking
        else:
            dtype = arg
    return dtype, bool(kwargs.get("copy", False))


def type_as(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """``input`` converted to ``other``'s dtype (itself if it has it already)."""
    return input.to(tensor_input(other, "type_as", "other").dtype)


def refuse_half(op: str) -> TypeError:
    """The error for float16 and bfloat16, which minigrad does not have."""
    return TypeError(
        f"{op}: minigrad has no half-precision dtypes (float16, bfloat16); it computes in "
        "float32 and float64: use float() instead"
    )


def new_tensor(
    input: Tensor,  # noqa: A002
    data: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data``, of ``input``'s dtype by default."""
    chosen = input.dtype if dtype is None else dtype
    return factories.tensor(data, dtype=chosen, device=device, requires_grad=requires_grad)


def new_zeros(
    input: Tensor,  # noqa: A002
    size: tuple[Any, ...],
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Zeros of ``size`` (``new_zeros(2, 3)`` or ``new_zeros((2, 3))``), of
    ``input``'s dtype by default.
    """
    chosen = input.dtype if dtype is None else dtype
    return factories.zeros(*size, dtype=chosen, device=device, requires_grad=requires_grad)


def new_ones(
    input: Tensor,  # noqa: A002
    size: tuple[Any, ...],
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Ones of ``size``, of ``input``'s dtype by default."""
    chosen = input.dtype if dtype is None else dtype
    return factories.ones(*size, dtype=chosen, device=device, requires_grad=requires_grad)


def new_full(
    input: Tensor,  # noqa: A002
    size: Any,
    fill_value: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` everywhere in a tensor of ``size`` (a tuple), of ``input``'s
    dtype by default (whatever the type of ``fill_value``, as in PyTorch).
    """
    if _checks.is_int(size):
        raise TypeError(f"new_full: size: expected a tuple of ints, got int {size}")
    chosen = input.dtype if dtype is None else dtype
    return factories.full(
        size, fill_value, dtype=chosen, device=device, requires_grad=requires_grad
    )


def new_empty(
    input: Tensor,  # noqa: A002
    size: tuple[Any, ...],
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor of ``size`` (zeros here), of ``input``'s dtype by default."""
    chosen = input.dtype if dtype is None else dtype
    return factories.empty(*size, dtype=chosen, device=device, requires_grad=requires_grad)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a minigrad Tensor (a Parameter too)."""
    return isinstance(obj, Tensor)
