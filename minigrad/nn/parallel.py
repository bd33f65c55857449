"""``nn.parallel``: PyTorch's single-process data parallelism, as on a machine
without GPUs, where it simply runs the module.

``DataParallel(module)`` is a Module holding ``module`` as its child ``module``, so
its state-dict keys are the wrapped module's with ``module.`` in front, exactly as
PyTorch's: a checkpoint saved from a DataParallel model loads into one (and
``model.module.state_dict()`` gives the bare keys). Its ``device_ids`` is ``[]``
whatever was given, as PyTorch sets it when no GPU is present.

``data_parallel(module, inputs, ...)`` runs ``module(*inputs)`` likewise. PyTorch
built without CUDA raises there ("device type could not be determined"); minigrad
runs the module instead, as ``DataParallel`` does, since splitting a batch over
GPUs on a machine that has none leaves the one CPU call.

>>> import minigrad as mg
>>> model = mg.nn.DataParallel(mg.nn.Linear(2, 3))
>>> list(model.state_dict())
['module.weight', 'module.bias']
>>> model(mg.ones(4, 2)).shape
(4, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.devices import device as Device
from minigrad.nn.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _check_arguments(caller: str, device_ids: Any, output_device: Any, dim: Any) -> None:
    """The types PyTorch documents; the values only choose GPUs, which are absent."""
    if device_ids is not None and (
        isinstance(device_ids, str) or not isinstance(device_ids, Sequence)
    ):
        raise TypeError(
            f"{caller}: device_ids: expected None or a list of device indices, got "
            f"{type(device_ids).__name__}"
        )
    for position, index in enumerate(device_ids or ()):
        if isinstance(index, bool) or not isinstance(index, int | str | Device):
            raise TypeError(
                f"{caller}: device_ids[{position}]: expected an int or a device, got {index!r}"
            )
    if output_device is not None and (
        isinstance(output_device, bool) or not isinstance(output_device, int | str | Device)
    ):
        raise TypeError(
            f"{caller}: output_device: expected None, an int or a device, got {output_device!r}"
        )
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{caller}: dim: expected an int, got {type(dim).__name__}")


class DataParallel(Module):
    """Runs ``module`` on the CPU: ``forward(*inputs, **kwargs)`` is
    ``module(*inputs, **kwargs)``.

    Args:
        module: the Module to wrap (registered as the child ``module``).
        device_ids: GPUs to spread the batch over; ignored (``device_ids`` is ``[]``),
            as in PyTorch without GPUs.
        output_device: the GPU to gather outputs on; ignored likewise.
        dim: the batch dim to split along; ignored likewise.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[int | Device] | None = None,
        output_device: int | Device | None = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DataParallel: module: expected a Module, got {type(module).__name__}"
            )
        _check_arguments("DataParallel", device_ids, output_device, dim)
        self.module = module
        self.device_ids: list[int] = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module(*inputs, **kwargs)``: the wrapped module's forward, on the CPU."""
        return self.module(*inputs, **kwargs)


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[int | Device] | None = None,
    output_device: int | Device | None = None,
    dim: int = 0,
    module_kwargs: dict[str, Any] | None = None,
) -> Any:
    """``module(*inputs, **module_kwargs)`` on the CPU (``inputs`` may be one tensor
    or a tuple of them); the device arguments are checked and ignored, as in
    [`DataParallel`][].
    """
    if not isinstance(module, Module):
        raise TypeError(f"data_parallel: module: expected a Module, got {type(module).__name__}")
    _check_arguments("data_parallel", device_ids, output_device, dim)
    if module_kwargs is not None and not isinstance(module_kwargs, dict):
        raise TypeError(
            f"data_parallel: module_kwargs: expected None or a dict, got "
            f"{type(module_kwargs).__name__}"
        )
    if not isinstance(inputs, tuple):
        inputs = () if inputs is None else (inputs,)
    return module(*inputs, **(module_kwargs or {}))
