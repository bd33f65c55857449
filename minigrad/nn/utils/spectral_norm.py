"""Spectral normalisation (Miyato et al., 2018), the hook-based form.

The weight is divided by its largest singular value ``sigma``, estimated by power
iteration on the weight seen as a matrix ``W`` (``dim`` first, the other dims
flattened): ``v <- normalize(W^T u)``, ``u <- normalize(W v)``, ``sigma = u^T W v``.
In training mode each forward runs ``n_power_iterations`` steps and updates the
buffers ``<name>_u`` and ``<name>_v`` in place; in eval mode they are used as they
are. ``sigma`` is computed from differentiable ops with ``u`` and ``v`` held
constant, as PyTorch does, so gradient penalties flow through the weight.
"""

from __future__ import annotations

from typing import Any, TypeVar

from minigrad import _checks
from minigrad.autograd.grad_mode import no_grad
from minigrad.nn.conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from minigrad.nn.module import Module, Parameter
from minigrad.nn.utils.weight_norm import _check_module
from minigrad.tensor import Tensor

_M = TypeVar("_M", bound=Module)


def normalize(x: Tensor, eps: float) -> Tensor:
    """``x / max(||x||_2, eps)`` for a vector (``F.normalize`` along dim 0)."""
    return x / x.pow(2).sum().sqrt().clamp(min=eps)


def weight_matrix(weight: Tensor, dim: int) -> Tensor:
    """The weight as a matrix of ``weight.shape[dim]`` rows: ``dim`` moved first, the
    rest flattened.
    """
    if dim != 0:
        weight = weight.permute(dim, *[axis for axis in range(weight.ndim) if axis != dim])
    return weight.reshape(weight.shape[0], -1)


def default_dim(module: Module) -> int:
    """Output channels: dim 1 of a transposed convolution's weight, else dim 0."""
    transposed = (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)
    return 1 if isinstance(module, transposed) else 0


def check_arguments(caller: str, n_power_iterations: Any, eps: Any) -> None:
    """The types of ``n_power_iterations`` (its sign is the constructor's) and ``eps``."""
    if not _checks.is_int(n_power_iterations):
        raise TypeError(
            f"{caller}: n_power_iterations: expected an int, got "
            f"{type(n_power_iterations).__name__}"
        )
    if isinstance(eps, bool) or not isinstance(eps, int | float):
        raise TypeError(f"{caller}: eps: expected a float, got {type(eps).__name__}")
    if eps <= 0:
        raise ValueError(f"{caller}: eps: expected a positive number, got {eps}")


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig / sigma``."""

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        if n_power_iterations <= 0:
            raise ValueError(
                "spectral_norm: n_power_iterations: expected a positive int, got "
                f"{n_power_iterations}"
            )
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        """``<name>_orig / sigma``, with sigma from ``u`` and ``v`` (after ``n_power_iterations``
        steps of power iteration, updating them in place, if ``do_power_iteration``).
        """
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        matrix = weight_matrix(weight, self.dim)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(normalize(matrix.t() @ u, self.eps))
                    u.copy_(normalize(matrix @ v, self.eps))
            # Copies, so that the next in-place update does not touch this graph.
            u = u.clone()
            v = v.clone()
        sigma = (u * (matrix @ v)).sum()
        normalised: Tensor = weight / sigma
        return normalised

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> Any:
        """Reparametrise ``module.<name>`` (registering ``<name>_orig``, ``<name>_u`` and
        ``<name>_v``) and register the hook; returns it.
        """
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"spectral_norm: cannot register two spectral_norm hooks on the same "
                    f"parameter {name}"
                )
        weight = _check_module("spectral_norm", module, name)
        dim = _checks.normalize_dim(dim, weight.ndim, "spectral_norm: dim")
        hook = SpectralNorm(name, n_power_iterations, dim, eps)
        with no_grad():
            height, width = weight_matrix(weight, dim).shape
            u = normalize(weight.new_empty(height).normal_(0, 1), eps)
            v = normalize(weight.new_empty(width).normal_(0, 1), eps)
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(hook)
        return hook

    def remove(self, module: Module) -> None:
        """Undo the reparametrisation: ``module.<name>`` is a Parameter again, holding the
        normalised weight.
        """
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        """The forward pre-hook: set ``module.<name>`` from ``compute_weight`` (power iteration
        in training mode only).
        """
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(
    module: _M,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> _M:
    """Divide ``module.<name>`` by its spectral norm before every forward (parameter
    ``<name>_orig``, buffers ``<name>_u`` and ``<name>_v``, as PyTorch's). Returns the
    module.

    Args:
        module: the module holding the parameter.
        name: the parameter's name.
        n_power_iterations: power-iteration steps per training-mode forward (>= 1).
        eps: the floor of the norms in the normalisations.
        dim: the dim of output channels (default: 1 for ``ConvTranspose*d``, else 0).

    >>> import minigrad as mg
    >>> layer = mg.nn.utils.spectral_norm(mg.nn.Linear(3, 4))
    >>> [(key, value.shape) for key, value in layer.state_dict().items()]
    [('bias', (4,)), ('weight_orig', (4, 3)), ('weight_u', (4,)), ('weight_v', (3,))]
    """
    check_arguments("spectral_norm", n_power_iterations, eps)
    if not isinstance(module, Module):
        raise TypeError(f"spectral_norm: module: expected a Module, got {type(module).__name__}")
    SpectralNorm.apply(
        module, name, n_power_iterations, default_dim(module) if dim is None else dim, eps
    )
    return module


def remove_spectral_norm(module: _M, name: str = "weight") -> _M:
    """Undo [`spectral_norm`][]: ``<name>`` becomes a plain Parameter holding the
    current normalised weight (no power iteration). Returns the module.
    """
    if not isinstance(module, Module):
        raise TypeError(
            f"remove_spectral_norm: module: expected a Module, got {type(module).__name__}"
        )
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"remove_spectral_norm: spectral_norm of {name!r} not found in {module}")
