"""Dropout: zero each element with probability p, scale the survivors by 1/(1 - p)."""

from __future__ import annotations

import numpy as np

from minigrad.functional._arguments import check_number, check_tensor
from minigrad.random import generator
from minigrad.tensor import Tensor

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:  # noqa: A002
    """Dropout: out = x * mask / (1 - p), with mask ~ Bernoulli(1 - p) drawn from minigrad's
    generator (so ``mg.manual_seed`` fixes it). The identity when not training.

    Args:
        input: any shape.
        p: probability of zeroing an element, in [0, 1].
        training: apply dropout only when true.

    Returns:
        A tensor of ``input``'s shape.

    >>> import minigrad as mg
    >>> x = mg.ones(4)
    >>> mg.functional.dropout(x, p=0.5, training=False)
    tensor([1., 1., 1., 1.])
    """
    check_tensor(input, "input", "dropout")
    probability = check_number(p, "p", "dropout")
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"dropout: p: expected a probability in [0, 1], got {p}")
    if not training or probability == 0.0:
        return input
    if probability == 1.0:
        return input * 0.0
    keep = generator().random(input.shape) >= probability
    # The mask is a constant of the op: its derivative is zero.
    scaled = (keep / (1.0 - probability)).astype(input.dtype)
    return input * Tensor._wrap(np.asarray(scaled))
