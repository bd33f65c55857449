"""Devices, spelled PyTorch's way: minigrad computes on the CPU only.

``mg.device("cpu")`` (or ``"cpu:0"``) is the one device; asking for any other, such as
``"cuda"`` or ``"mps"``, raises [`DeviceError`][] saying that minigrad runs on the
CPU, so ported code fails at the line that asks, with a clear message.

>>> import minigrad as mg
>>> mg.device("cpu")
device(type='cpu')
>>> mg.zeros(2).device == mg.device("cpu")
True
"""

from __future__ import annotations

from typing import Any


class DeviceError(RuntimeError, ValueError):
    """A device other than the CPU was asked for: a ``RuntimeError`` as in PyTorch
    without CUDA, and a ``ValueError`` as minigrad's contract asks for a bad value.
    """


class device:  # noqa: N801 - PyTorch's name
    """A device: only ``"cpu"`` exists (``"cpu:0"`` and ``device("cpu", 0)`` too).

    Args:
        type: ``"cpu"``, or another ``device``.
        index: ``None`` or 0.

    Raises:
        DeviceError: for any other device (``"cuda"``, ``"cuda:0"``, ``"mps"``, ...).
        TypeError: for a value that is not a device name.
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        spec: Any = type
        if isinstance(spec, device):
            spec, index = spec.type, spec.index if index is None else index
        if not isinstance(spec, str):
            raise TypeError(
                f"device: expected a device name such as 'cpu', got {builtin_type(spec).__name__}"
            )
        name, _, number = spec.partition(":")
        if number:
            if not number.isdigit():
                raise DeviceError(f"device: expected 'cpu' or 'cpu:0', got {spec!r}")
            index = int(number)
        if name != "cpu":
            raise DeviceError(
                f"device: minigrad runs on the CPU only, got {spec!r}; use 'cpu' (or drop the "
                "device argument)"
            )
        if index not in (None, 0):
            raise DeviceError(f"device: the CPU has index 0 only, got index {index}")
        self.type = "cpu"
        self.index = index

    def __repr__(self) -> str:
        """``device(type='cpu')``, as PyTorch writes it."""
        return "device(type='cpu')" if self.index is None else "device(type='cpu', index=0)"

    def __str__(self) -> str:
        """``cpu`` (or ``cpu:0`` when an index was given)."""
        return "cpu" if self.index is None else "cpu:0"

    def __eq__(self, other: object) -> bool:
        """Whether ``other`` is a device of the same type and index."""
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        """A hash that agrees with ``==``."""
        return hash((self.type, self.index))


builtin_type = type
CPU = device("cpu")


def as_device(value: Any, argument: str = "device") -> device:
    """``value`` (a name, a ``device``, or None for the CPU) as a device; anything but
    the CPU raises [`DeviceError`][], naming ``argument``.
    """
    if value is None:
        return CPU
    if isinstance(value, int) and not isinstance(value, bool):
        # PyTorch reads an int as a CUDA device index.
        raise DeviceError(f"{argument}: minigrad runs on the CPU only, got device index {value}")
    try:
        return device(value)
    except DeviceError as error:
        raise DeviceError(f"{argument}: {str(error).removeprefix('device: ')}") from None
    except TypeError as error:
        raise TypeError(f"{argument}: {str(error).removeprefix('device: ')}") from None
