"""``weight_norm`` and ``spectral_norm`` as parametrisations (PyTorch 2.x's forms).

State-dict keys are PyTorch's: ``parametrizations.weight.original0`` (g) and
``original1`` (v) for weight norm; ``parametrizations.weight.original`` and the
buffers ``parametrizations.weight.0._u`` / ``._v`` for spectral norm.
"""

from __future__ import annotations

from typing import Any, TypeVar

from minigrad import _checks
from minigrad.autograd.grad_mode import no_grad
from minigrad.nn.module import Module
from minigrad.nn.utils import parametrize
from minigrad.nn.utils.spectral_norm import check_arguments, default_dim, normalize, weight_matrix
from minigrad.nn.utils.weight_norm import _weight_norm, norm_except_dim
from minigrad.tensor import Tensor

_M = TypeVar("_M", bound=Module)


class _WeightNorm(Module):
    """``(g, v) -> g * v / ||v||``, the norm over every dim but ``dim`` (``-1``: all)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: _M, name: str = "weight", dim: int | None = 0) -> _M:
    """Reparametrise ``module.<name>`` as ``g * v / ||v||`` by a parametrisation.

    Args:
        module: the module holding the tensor.
        name: the tensor's name.
        dim: the dim kept by the norm; ``None`` for one norm over the whole tensor.

    >>> import minigrad as mg
    >>> layer = mg.nn.utils.parametrizations.weight_norm(mg.nn.Linear(3, 4))
    >>> {key: value.shape for key, value in layer.state_dict().items()}  # doctest: +NORMALIZE_WHITESPACE
    {'bias': (4,), 'parametrizations.weight.original0': (4, 1),
     'parametrizations.weight.original1': (4, 3)}
    """  # noqa: E501
    weight = _tensor("weight_norm", module, name)
    if dim is not None:
        if not _checks.is_int(dim):
            raise TypeError(f"weight_norm: dim: expected an int or None, got {type(dim).__name__}")
        if dim != -1:
            _checks.normalize_dim(dim, weight.ndim, "weight_norm: dim")
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def read_old_keys(state_dict: dict[str, Any], prefix: str) -> None:
        # State dicts saved with the hook-based weight_norm load too, as in PyTorch.
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(read_old_keys)
    return module


class _SpectralNorm(Module):
    """``W -> W / sigma(W)``, ``sigma`` by power iteration on the buffers ``_u``, ``_v``
    (updated in training mode); a 1-d tensor is divided by its norm.
    """

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        if n_power_iterations <= 0:
            raise ValueError(
                "spectral_norm: n_power_iterations: expected a positive int, got "
                f"{n_power_iterations}"
            )
        self.dim = _checks.normalize_dim(dim, weight.ndim, "spectral_norm: dim")
        self.eps = eps
        if weight.ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                matrix = weight_matrix(weight, self.dim)
                height, width = matrix.shape
                u = matrix.new_empty(height).normal_(0, 1)
                v = matrix.new_empty(width).normal_(0, 1)
                self.register_buffer("_u", normalize(u, eps))
                self.register_buffer("_v", normalize(v, eps))
                # Start from a good estimate, as PyTorch does.
                self._power_method(matrix, 15)

    def _power_method(self, matrix: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(normalize(matrix @ self._v, self.eps))
                self._v.copy_(normalize(matrix.t() @ self._u, self.eps))

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, self.eps)
        matrix = weight_matrix(weight, self.dim)
        if self.training:
            self._power_method(matrix, self.n_power_iterations)
        # Copies, so that the next in-place update does not touch this graph.
        u = self._u.clone()
        v = self._v.clone()
        sigma = (u * (matrix @ v)).sum()
        normalised: Tensor = weight / sigma
        return normalised

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: _M,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> _M:
    """Divide ``module.<name>`` by its spectral norm, by a parametrisation.

    Args:
        module: the module holding the tensor.
        name: the tensor's name.
        n_power_iterations: power-iteration steps per training-mode access (>= 1).
        eps: the floor of the norms in the normalisations.
        dim: the dim of output channels (default: 1 for ``ConvTranspose*d``, else 0).

    >>> import minigrad as mg
    >>> layer = mg.nn.utils.parametrizations.spectral_norm(mg.nn.Linear(3, 4))
    >>> list(layer.state_dict())
    ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0._u', 'parametrizations.weight.0._v']
    """  # noqa: E501
    weight = _tensor("spectral_norm", module, name)
    check_arguments("spectral_norm", n_power_iterations, eps)
    chosen = default_dim(module) if dim is None else dim
    norm = _SpectralNorm(weight, n_power_iterations, chosen, eps)
    parametrize.register_parametrization(module, name, norm)
    return module


def _tensor(caller: str, module: Any, name: Any) -> Tensor:
    if not isinstance(module, Module):
        raise TypeError(f"{caller}: module: expected a Module, got {type(module).__name__}")
    if not isinstance(name, str):
        raise TypeError(f"{caller}: name: expected a str, got {type(name).__name__}")
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(
            f"{caller}: name: module {type(module).__name__} has no parameter or buffer "
            f"with name {name!r}"
        )
    return weight
