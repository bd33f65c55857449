"""``mg.cuda``: PyTorch's ``torch.cuda``, as on a machine without a GPU.

minigrad computes on the CPU only, so ported code takes its CPU branch: what
``torch.cuda`` answers there, this module answers too.

* ``is_available()`` is False, ``device_count()`` 0, ``is_initialized()`` False;
* ``manual_seed(n)``, ``manual_seed_all(n)``, ``seed()`` and ``seed_all()`` are
  accepted and do nothing: there is no CUDA generator to seed (``mg.manual_seed``
  seeds every draw minigrad makes);
* ``empty_cache()`` has nothing to do; ``memory_allocated()`` and its kin are 0;
* what needs a GPU (``current_device()``, ``get_device_name()``, ``set_device()``,
  ``synchronize()``, ``get_device_properties()``, ...) raises
  [`DeviceError`][minigrad.DeviceError], as do the typed constructors
  ``mg.cuda.FloatTensor(...)`` and kin (``isinstance(t, mg.cuda.FloatTensor)`` is
  False, and ``t.type(mg.cuda.FloatTensor)`` raises).

>>> import minigrad as mg
>>> mg.cuda.is_available(), mg.cuda.device_count()
(False, 0)
>>> device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
>>> device
device(type='cpu')
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from minigrad.devices import DeviceError

__all__ = [
    "BoolTensor",
    "DoubleTensor",
    "FloatTensor",
    "IntTensor",
    "LongTensor",
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_capability",
    "get_device_name",
    "get_device_properties",
    "get_rng_state",
    "init",
    "ipc_collect",
    "is_available",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "seed",
    "seed_all",
    "set_device",
    "set_rng_state",
    "synchronize",
]


def _no_gpu(name: str) -> NoReturn:
    raise DeviceError(
        f"cuda.{name}: minigrad runs on the CPU only and has no CUDA device; check "
        "mg.cuda.is_available() first, or use mg.device('cpu')"
    )


def is_available() -> bool:
    """False: minigrad has no GPU backend."""
    return False


def device_count() -> int:
    """0: no CUDA device."""
    return 0


def is_initialized() -> bool:
    """False: there is no CUDA state to initialise."""
    return False


def _check_seed(seed: Any, name: str) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"cuda.{name}: seed: expected an int, got {type(seed).__name__}")


def manual_seed(seed: int) -> None:
    """Accepted, with no effect: there is no CUDA generator (``mg.manual_seed`` seeds
    every random draw minigrad makes).
    """
    _check_seed(seed, "manual_seed")


def manual_seed_all(seed: int) -> None:
    """Accepted, with no effect (see [`manual_seed`][])."""
    _check_seed(seed, "manual_seed_all")


def seed() -> None:
    """Accepted, with no effect (see [`manual_seed`][])."""


def seed_all() -> None:
    """Accepted, with no effect (see [`manual_seed`][])."""


def empty_cache() -> None:
    """Nothing to do: minigrad keeps no GPU memory cache."""


def synchronize(device: Any = None) -> None:
    """Refused: there is no CUDA device to wait for (``DeviceError``)."""
    _no_gpu("synchronize")


def ipc_collect() -> None:
    """Refused (``DeviceError``)."""
    _no_gpu("ipc_collect")


def memory_allocated(device: Any = None) -> int:
    """0 bytes of GPU memory in use."""
    return 0


def max_memory_allocated(device: Any = None) -> int:
    """0 bytes."""
    return 0


def memory_reserved(device: Any = None) -> int:
    """0 bytes."""
    return 0


def max_memory_reserved(device: Any = None) -> int:
    """0 bytes."""
    return 0


def current_device() -> int:
    """Refused: there is no current CUDA device (``DeviceError``)."""
    _no_gpu("current_device")


def get_device_name(device: Any = None) -> str:
    """Refused: there is no CUDA device to name (``DeviceError``)."""
    _no_gpu("get_device_name")


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """Refused (``DeviceError``)."""
    _no_gpu("get_device_capability")


def get_device_properties(device: Any = None) -> Any:
    """Refused (``DeviceError``)."""
    _no_gpu("get_device_properties")


def set_device(device: Any) -> None:
    """Refused: there is no CUDA device to select (``DeviceError``)."""
    _no_gpu("set_device")


def get_rng_state(device: Any = "cuda") -> Any:
    """Refused: there is no CUDA generator (``DeviceError``)."""
    _no_gpu("get_rng_state")


def set_rng_state(new_state: Any, device: Any = "cuda") -> None:
    """Refused: there is no CUDA generator (``DeviceError``)."""
    _no_gpu("set_rng_state")


def init() -> None:
    """Refused: CUDA cannot be initialised (``DeviceError``)."""
    _no_gpu("init")


class _CudaType(type):
    """The metaclass of the CUDA tensor types: no tensor is ever one of them, and
    their dtype cannot be read, so ``t.type(mg.cuda.FloatTensor)`` (numpy reads the
    ``dtype`` of what it is given) raises ``DeviceError`` too.
    """

    def __instancecheck__(cls, instance: Any) -> bool:
        return False

    @property
    def dtype(cls) -> NoReturn:
        _no_gpu(cls.__name__)


class _CudaTensor(metaclass=_CudaType):
    def __new__(cls, *data: Any, **kwargs: Any) -> Any:
        _no_gpu(cls.__name__)


class FloatTensor(_CudaTensor):
    """PyTorch's GPU float32 tensor type: using it raises ``DeviceError``."""


class DoubleTensor(_CudaTensor):
    """PyTorch's GPU float64 tensor type: using it raises ``DeviceError``."""


class LongTensor(_CudaTensor):
    """PyTorch's GPU int64 tensor type: using it raises ``DeviceError``."""


class IntTensor(_CudaTensor):
    """PyTorch's GPU int32 tensor type: using it raises ``DeviceError``."""


class BoolTensor(_CudaTensor):
    """PyTorch's GPU bool tensor type: using it raises ``DeviceError``."""
