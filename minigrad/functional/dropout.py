"""Dropout: zero each element (``dropout``) or each whole channel (``dropout1d``,
``dropout2d``, ``dropout3d``) with probability p, scaling the survivors by 1/(1 - p).

Masks are drawn from minigrad's generator, so ``mg.manual_seed`` fixes them (they are
not torch's draws). The mask is a constant of the op: the gradient is ``grad * mask``.
``inplace=True`` writes the result into ``input`` and returns it, as PyTorch's.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minigrad import _inplace
from minigrad.functional._arguments import check_flag, check_number, check_tensor
from minigrad.random import generator
from minigrad.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d"]


def dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Dropout: out = x * mask / (1 - p), with mask ~ Bernoulli(1 - p) per element. The
    identity (``input`` itself) when not training.

    Args:
        input: any shape.
        p: probability of zeroing an element, in [0, 1].
        training: apply dropout only when true.
        inplace: write the result into ``input``.

    Returns:
        A tensor of ``input``'s shape.

    >>> import minigrad as mg
    >>> x = mg.ones(4)
    >>> mg.functional.dropout(x, p=0.5, training=False)
    tensor([1., 1., 1., 1.])
    """
    check_tensor(input, "input", "dropout")
    probability = _check_probability(p, "dropout")
    in_place = check_flag(inplace, "inplace", "dropout")
    return _masked(input, probability, training, in_place, input.shape, "dropout")


def dropout1d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Channel dropout for ``(N, C, L)`` or unbatched ``(C, L)`` input: each channel of
    each sample is zeroed whole with probability p, the rest scaled by 1/(1 - p).

    >>> import minigrad as mg
    >>> out = mg.functional.dropout1d(mg.ones(2, 3, 4), 0.5)
    >>> sorted(set(out.numpy().reshape(6, 4).std(axis=1).tolist()))
    [0.0]
    """
    check_tensor(input, "input", "dropout1d")
    probability = _check_probability(p, "dropout1d")
    in_place = check_flag(inplace, "inplace", "dropout1d")
    if input.ndim not in (2, 3):
        raise ValueError(
            f"dropout1d: input: expected a 2D (C, L) or 3D (N, C, L) tensor, got "
            f"{input.ndim}D input of shape {input.shape}"
        )
    return _channels(input, probability, training, in_place, batched=input.ndim == 3)


def dropout2d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Channel dropout for ``(N, C, H, W)`` input: each channel of each sample is zeroed
    whole with probability p, the rest scaled by 1/(1 - p).

    As in PyTorch, a 3D input is read as ``(N, C, L)`` (1D channel dropout), and inputs
    of other ranks (at least 2) drop along dims 0 and 1, each with a warning.

    >>> import minigrad as mg
    >>> mg.functional.dropout2d(mg.ones(1, 1, 2, 2), training=False).shape
    (1, 1, 2, 2)
    """
    check_tensor(input, "input", "dropout2d")
    probability = _check_probability(p, "dropout2d")
    in_place = check_flag(inplace, "inplace", "dropout2d")
    _warn_rank(input, 2, "dropout2d")
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: a 3D input is read as (N, C, L), channel-wise 1D dropout, as "
            "PyTorch reads it; use dropout1d for that, or give (N, C, H, W) input",
            UserWarning,
            stacklevel=2,
        )
    return _channels(input, probability, training, in_place, batched=True)


def dropout3d(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    inplace: bool = False,
) -> Tensor:
    """Channel dropout for ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input: each
    channel of each sample is zeroed whole with probability p, the rest scaled by
    1/(1 - p). Inputs of other ranks warn, as in PyTorch, and are read as unbatched.

    >>> import minigrad as mg
    >>> mg.functional.dropout3d(mg.ones(2, 1, 1, 1), p=0.0).shape
    (2, 1, 1, 1)
    """
    check_tensor(input, "input", "dropout3d")
    probability = _check_probability(p, "dropout3d")
    in_place = check_flag(inplace, "inplace", "dropout3d")
    _warn_rank(input, 3, "dropout3d")
    return _channels(input, probability, training, in_place, batched=input.ndim == 5)


def _check_probability(p: Any, op: str) -> float:
    probability = check_number(p, "p", op)
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"{op}: p: expected a probability in [0, 1], got {p}")
    return probability


def _warn_rank(input: Tensor, rank: int, op: str) -> None:  # noqa: A002
    """PyTorch's deprecation warning for an input that is neither batched nor unbatched."""
    if input.ndim in (rank + 1, rank + 2):
        return
    if input.ndim + (op == "dropout3d") < 2:
        raise ValueError(
            f"{op}: input: expected at least 2 dims (batch and channel), got {input.ndim}D "
            f"input of shape {input.shape}"
        )
    warnings.warn(
        f"{op}: received a {input.ndim}D input, which PyTorch deprecates: {op} is "
        f"channel-wise dropout of {rank + 1}D or {rank + 2}D inputs; use dropout instead",
        UserWarning,
        stacklevel=3,
    )


def _channels(
    input: Tensor,  # noqa: A002
    probability: float,
    training: bool,
    inplace: bool,
    batched: bool,
) -> Tensor:
    """One draw per (sample, channel): the mask is ``(N, C, 1, ...)``, or ``(C, 1, ...)``
    when unbatched, and broadcasts over the rest.
    """
    leading = 2 if batched else 1
    shape = input.shape[:leading] + (1,) * (input.ndim - leading)
    return _masked(input, probability, training, inplace, shape, "dropout")


def _masked(
    input: Tensor,  # noqa: A002
    probability: float,
    training: bool,
    inplace: bool,
    mask_shape: tuple[int, ...],
    name: str,
) -> Tensor:
    """The dropped ``x * mask / (1 - p)``, the mask of ``mask_shape`` broadcast to x; out of place
    unless ``inplace``.
    """
    if not training or probability == 0.0:
        return input
    if probability == 1.0:
        scaled = np.zeros(mask_shape, dtype=input.dtype)
    else:
        keep = generator().random(mask_shape) >= probability
        scaled = (keep / (1.0 - probability)).astype(input.dtype)
    mask = Tensor._wrap(np.asarray(scaled))
    if inplace:
        return _inplace.run(input, f"{name}_", lambda x: x * mask)
    return input * mask
