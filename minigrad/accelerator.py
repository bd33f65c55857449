"""``mg.accelerator``: PyTorch's device-agnostic ``torch.accelerator``, with none.

minigrad has no accelerator, so ``is_available()`` is False, ``device_count()`` 0
and ``current_accelerator()`` None, as in PyTorch without one; what needs an
accelerator (``current_device_index()``, ``set_device_index()``, ``synchronize()``,
``empty_cache()``, ``memory_allocated()``) raises [`DeviceError`][minigrad.DeviceError], as
PyTorch raises there.

>>> import minigrad as mg
>>> mg.accelerator.current_accelerator() or mg.device("cpu")
device(type='cpu')
"""

from __future__ import annotations

from typing import Any, NoReturn

from minigrad.devices import DeviceError, device

__all__ = [
    "current_accelerator",
    "current_device_index",
    "device_count",
    "empty_cache",
    "is_available",
    "memory_allocated",
    "set_device_index",
    "synchronize",
]


def _none(name: str) -> NoReturn:
    raise DeviceError(
        f"accelerator.{name}: minigrad has no accelerator (it runs on the CPU only); check "
        "mg.accelerator.is_available() first"
    )


def is_available() -> bool:
    """False: minigrad runs on the CPU only."""
    return False


def device_count() -> int:
    """0: no accelerator."""
    return 0


def current_accelerator(check_available: bool = False) -> device | None:
    """None: there is no accelerator (whether or not ``check_available``)."""
    return None


def current_device_index() -> int:
    """Refused (``DeviceError``): there is no accelerator."""
    _none("current_device_index")


def set_device_index(device: Any, /) -> None:
    """Refused (``DeviceError``): there is no accelerator."""
    _none("set_device_index")


def synchronize(device: Any = None, /) -> None:
    """Refused (``DeviceError``): there is no accelerator."""
    _none("synchronize")


def empty_cache() -> None:
    """Refused (``DeviceError``), as in PyTorch without an accelerator."""
    _none("empty_cache")


def memory_allocated(device_index: Any = None, /) -> int:
    """Refused (``DeviceError``), as in PyTorch without an accelerator."""
    _none("memory_allocated")
