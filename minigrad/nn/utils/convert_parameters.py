"""``parameters_to_vector`` and its inverse ``vector_to_parameters``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minigrad.functions.joining import cat
from minigrad.tensor import Tensor


def _tensors(caller: str, parameters: Any) -> list[Tensor]:
    if isinstance(parameters, Tensor) or not isinstance(parameters, Iterable):
        raise TypeError(
            f"{caller}: parameters: expected an iterable of Tensors, got "
            f"{type(parameters).__name__}"
        )
    items = list(parameters)
    for position, item in enumerate(items):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"{caller}: parameters[{position}]: expected a Tensor, got {type(item).__name__}"
            )
    return items


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector of ``sum(p.numel())`` entries
    (differentiable: gradients flow back to the parameters).

    >>> import minigrad as mg
    >>> mg.nn.utils.parameters_to_vector(mg.nn.Linear(3, 2).parameters()).shape
    (8,)
    """
    items = _tensors("parameters_to_vector", parameters)
    if not items:
        raise ValueError(
            "parameters_to_vector: parameters: expected at least one tensor, got none"
        )
    return cat([item.reshape(-1) for item in items])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter, in order, the next ``p.numel()`` entries of ``vec`` as its
    ``.data`` (as PyTorch: the parameter takes ``vec``'s dtype; entries left over are
    ignored).

    >>> import minigrad as mg
    >>> layer = mg.nn.Linear(2, 1)
    >>> mg.nn.utils.vector_to_parameters(mg.arange(3.0), layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[0.0, 1.0]], [2.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: vec: expected a Tensor, got {type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(
            f"vector_to_parameters: vec: expected a 1-d tensor, got shape {vec.shape}"
        )
    items = _tensors("vector_to_parameters", parameters)
    needed = sum(item.numel() for item in items)
    if vec.numel() < needed:
        raise ValueError(
            f"vector_to_parameters: vec: the parameters hold {needed} values, but vec has "
            f"only {vec.numel()}"
        )
    start = 0
    for item in items:
        count = item.numel()
        item.data = vec[start : start + count].detach().reshape(item.shape).clone()
        start += count
