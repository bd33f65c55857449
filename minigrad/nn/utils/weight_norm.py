"""Weight normalisation (Salimans & Kingma, 2016), the hook-based form.

A weight ``w`` is re-expressed as a magnitude ``g`` and a direction ``v``:
``w = g * v / ||v||``, the norm taken over every dim but ``dim`` (``dim=None``: over
the whole tensor, so ``g`` is a scalar). ``weight_norm`` replaces the parameter
``weight`` by ``weight_g`` and ``weight_v`` and recomputes ``weight`` before every
forward, from differentiable ops, so gradients of any order (gradient penalties)
flow to ``g`` and ``v``.
"""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

from minigrad import _checks
from minigrad.functional.normalization import _weight_norm as functional_weight_norm
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor

_M = TypeVar("_M", bound=Module)


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002
    """The ``pow``-norm of ``v`` over every dim except ``dim``, keeping dims: shape 1
    everywhere but ``dim``. ``dim=-1`` means the norm of the whole tensor (a 0-d result),
    as in PyTorch.
    """
    if dim == -1:
        return v.abs().pow(pow).sum().pow(1.0 / pow)
    kept = _checks.normalize_dim(dim, v.ndim, "dim")
    others = tuple(axis for axis in range(v.ndim) if axis != kept)
    return v.abs().pow(pow).sum(dim=others, keepdim=True).pow(1.0 / pow)


def _weight_norm(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``g * v / ||v||`` with the norm of ``norm_except_dim`` (the weight): one fused op
    (``minigrad.ops.fused.WeightNorm``), recomputed at every forward as in PyTorch.
    """
    return functional_weight_norm(v, g, dim)


def _check_module(caller: str, module: Any, name: Any) -> Parameter:
    if not isinstance(module, Module):
        raise TypeError(f"{caller}: module: expected a Module, got {type(module).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"{caller}: name: expected a str, got {type(name).__name__}")
    weight: Parameter | None = module._parameters.get(name)
    if weight is None:
        raise ValueError(
            f"{caller}: name: {type(module).__name__} has no parameter {name!r} "
            f"(its parameters: {[key for key, p in module._parameters.items() if p is not None]})"
        )
    return weight


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and
    ``<name>_v``.
    """

    def __init__(self, name: str, dim: int) -> None:
        self.name = name
        self.dim = dim

    def compute_weight(self, module: Module) -> Tensor:
        """``g * v / ||v||`` from ``module.<name>_g`` and ``module.<name>_v``."""
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: int | None) -> WeightNorm:
        """Reparametrise ``module.<name>`` (registering ``<name>_g`` and ``<name>_v``) and register
        the hook; returns it.
        """
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"weight_norm: cannot register two weight_norm hooks on the same "
                    f"parameter {name}"
                )
        weight = _check_module("weight_norm", module, name)
        if dim is None:
            dim = -1
        elif not _checks.is_int(dim):
            raise TypeError(f"weight_norm: dim: expected an int or None, got {type(dim).__name__}")
        else:
            _checks.normalize_dim(dim, weight.ndim, "weight_norm: dim")
        hook = WeightNorm(name, int(dim))
        g = norm_except_dim(weight.detach(), 2, hook.dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(g))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, hook.compute_weight(module))
        module.register_forward_pre_hook(hook)
        return hook

    def remove(self, module: Module) -> None:
        """Undo the reparametrisation: ``module.<name>`` is a Parameter again, holding the
        current weight.
        """
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        """The forward pre-hook: recompute ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: _M, name: str = "weight", dim: int | None = 0) -> _M:
    """Reparametrise ``module.<name>`` as ``g * v / ||v||`` (parameters ``<name>_g``,
    ``<name>_v``; state-dict keys as PyTorch's). Returns the module.

    Deprecated in PyTorch in favour of ``parametrizations.weight_norm``, and so it warns
    with a ``FutureWarning``, as PyTorch does.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        dim: the dim kept by the norm (output channels: 0); ``None`` for one norm
            over the whole tensor (``-1`` means the same, as in PyTorch).

    >>> import minigrad as mg, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = mg.nn.utils.weight_norm(mg.nn.Linear(3, 4))
    >>> [(key, value.shape) for key, value in layer.state_dict().items()]
    [('bias', (4,)), ('weight_g', (4, 1)), ('weight_v', (4, 3))]
    """
    WeightNorm.apply(module, name, dim)
    warnings.warn(
        "`minigrad.nn.utils.weight_norm` is deprecated in favor of "
        "`minigrad.nn.utils.parametrizations.weight_norm`.",
        FutureWarning,
        stacklevel=2,
    )
    return module


def remove_weight_norm(module: _M, name: str = "weight") -> _M:
    """Undo [`weight_norm`][]: ``<name>`` becomes a plain Parameter again, holding the
    current ``g * v / ||v||``. Returns the module.
    """
    if not isinstance(module, Module):
        raise TypeError(
            f"remove_weight_norm: module: expected a Module, got {type(module).__name__}"
        )
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"remove_weight_norm: weight_norm of {name!r} not found in {module}")
