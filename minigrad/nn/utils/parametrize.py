"""Parametrisations: a module's tensor computed, on each access, by small modules from
"original" tensors that are what the optimiser trains.

``register_parametrization(module, "weight", P)`` moves ``module.weight`` into
``module.parametrizations.weight.original`` (or ``original0``, ``original1``, ... when
``P.right_inverse`` returns several tensors) and makes ``module.weight`` a property
returning ``P(original)``. As PyTorch does, the module's class is swapped for a
subclass ``Parametrized<Class>`` that carries the property, so the state-dict keys and
the repr are PyTorch's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

from minigrad.autograd.grad_mode import no_grad
from minigrad.nn.module import Module, ModuleDict, ModuleList, Parameter
from minigrad.tensor import Tensor

_M = TypeVar("_M", bound=Module)


def _register_tensor(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_values(target: Tensor, value: Tensor) -> None:
    """``target`` now holds a copy of ``value`` (its shape and all), as ``set_`` would."""
    if target is not value:
        target._set_array(np.array(value._data, dtype=target.dtype, copy=True))


class ParametrizationList(ModuleList):
    """The parametrisations of one tensor, applied in order, and its original tensor(s)."""

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        if not isinstance(new, Tensor | Sequence):
            raise ValueError(
                "register_parametrization: 'right_inverse' must return a Tensor or a "
                f"sequence of tensors (list, tuple...), got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if isinstance(new, Tensor) else len(new)
        if isinstance(new, Tensor):
            if original.dtype != new.dtype:
                raise ValueError(
                    "register_parametrization: when 'right_inverse' returns one tensor, it "
                    f"must keep the dtype: original.dtype={original.dtype}, got {new.dtype}"
                )
            _set_values(original, new)
            _register_tensor(self, "original", original)
        else:
            for index, item in enumerate(new):
                if not isinstance(item, Tensor):
                    raise ValueError(
                        "register_parametrization: 'right_inverse' must return a Tensor or "
                        f"a sequence of tensors, got element {index} of type "
                        f"{type(item).__name__}"
                    )
                if isinstance(original, Parameter):
                    item = Parameter(item.detach(), original.requires_grad)
                _register_tensor(self, f"original{index}", item)
        if not unsafe:
            self._check_consistency(original)

    def _check_consistency(self, original: Tensor) -> None:
        with no_grad():
            value = self()
        if not isinstance(value, Tensor):
            raise ValueError(
                "register_parametrization: a parametrization must return a tensor, got "
                f"{type(value).__name__}"
            )
        if value.dtype != original.dtype or value.shape != original.shape:
            raise ValueError(
                "register_parametrization: registering a parametrization may not change the "
                f"shape or dtype of the tensor (unless unsafe=True): unparametrized "
                f"{original.shape} {original.dtype}, parametrized {value.shape} {value.dtype}"
            )

    def right_inverse(self, value: Tensor) -> None:
        """Set the original tensor(s) so that the parametrised tensor becomes ``value``."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement "
                        "right_inverse."
                    )
                value = module.right_inverse(value)
            if self.is_tensor:
                _set_values(self.original, value)
            else:
                for index, item in enumerate(value):
                    _set_values(getattr(self, f"original{index}"), item)

    def forward(self) -> Tensor:
        """The parametrised tensor: the parametrisations applied in order to the
        original tensor(s).
        """
        modules = list(self)
        if self.is_tensor:
            result = modules[0](self.original)
        else:
            originals = [getattr(self, f"original{i}") for i in range(self.ntensors)]
            result = modules[0](*originals)
        for module in modules[1:]:
            result = module(result)
        return result  # type: ignore[no-any-return]


def _inject_class(module: Module) -> None:
    # A class per module: its properties are this module's parametrised names only.
    cls = type(module)
    parametrized = type(f"Parametrized{cls.__name__}", (cls,), {"__module__": __name__})
    module.__class__ = parametrized


def _inject_property(module: Module, tensor_name: str) -> None:
    def get_parametrized(self: Module) -> Tensor:
        return self.parametrizations[tensor_name]()  # type: ignore[no-any-return]

    def set_original(self: Module, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get_parametrized, set_original))


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrisation (on ``tensor_name``, if given)."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrisation was registered."""
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)


def register_parametrization(
    module: _M, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> _M:
    """Make ``module.<tensor_name>`` equal ``parametrization(original)`` on every access.

    A second parametrisation of the same name is applied after the first. With
    ``unsafe=False`` the parametrisation must keep the tensor's shape and dtype.

    >>> import minigrad as mg
    >>> class Symmetric(mg.nn.Module):
    ...     def forward(self, x):
    ...         return (x + x.t()) / 2
    >>> layer = mg.nn.Linear(3, 3)
    >>> _ = mg.nn.utils.parametrize.register_parametrization(layer, "weight", Symmetric())
    >>> bool((layer.weight == layer.weight.t()).all()), type(layer).__name__
    (True, 'ParametrizedLinear')
    """
    if not isinstance(module, Module):
        raise TypeError(
            f"register_parametrization: module: expected a Module, got {type(module).__name__}"
        )
    if not isinstance(parametrization, Module):
        raise TypeError(
            "register_parametrization: parametrization: expected a Module, got "
            f"{type(parametrization).__name__}"
        )
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        parametrizations = module.parametrizations[tensor_name]
        if not unsafe:
            value = getattr(module, tensor_name)
            with no_grad():
                new = parametrization(value)
            if not isinstance(new, Tensor) or new.shape != value.shape or new.dtype != value.dtype:
                raise ValueError(
                    "register_parametrization: the new parametrization may not change the "
                    "shape or dtype of the tensor (unless unsafe=True)"
                )
        parametrizations.append(parametrization)
        parametrizations.unsafe = parametrizations.unsafe or unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(
                f"register_parametrization: tensor_name: {type(module).__name__}.{tensor_name} "
                "is None"
            )
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(
            f"register_parametrization: tensor_name: {type(module).__name__} does not have a "
            f"parameter, a buffer, or a parametrized element with name {tensor_name!r}"
        )
    return module


def remove_parametrizations(module: _M, tensor_name: str, leave_parametrized: bool = True) -> _M:
    """Remove the parametrisations of ``tensor_name``: it becomes a plain parameter (or
    buffer) again, holding its current parametrised value (``leave_parametrized``) or
    its original.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"remove_parametrizations: {type(module).__name__} does not have a "
            f"parametrization on {tensor_name!r}"
        )
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            _set_values(original, value)
    else:
        if not leave_parametrized:
            raise ValueError(
                "remove_parametrizations: cannot leave unparametrized "
                "(leave_parametrized=False) a tensor parametrized by several tensors"
            )
        value = getattr(module, tensor_name)
        if value.requires_grad:
            original = Parameter(value.detach(), True)
        else:
            original = value.detach()
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_tensor(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module
