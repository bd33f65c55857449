"""``Flatten`` and its inverse ``Unflatten``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from minigrad import _checks
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one (by default all but the batch dim).

    >>> import minigrad as mg
    >>> mg.nn.Flatten()(mg.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*, S_start, ..., S_end, *) -> (*, S_start · ... · S_end, *)``: the dims
        ``start_dim..end_dim`` merged into one.
        """
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size`` (one entry may be -1).

    >>> import minigrad as mg
    >>> mg.nn.Unflatten(1, (3, 4))(mg.zeros(2, 12)).shape
    (2, 3, 4)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(unflattened_size, str) or not isinstance(unflattened_size, Sequence):
            raise TypeError(
                f"Unflatten: unflattened_size: expected a tuple of ints, got "
                f"{type(unflattened_size).__name__}"
            )
        if not all(_checks.is_int(s) for s in unflattened_size):
            raise TypeError(
                f"Unflatten: unflattened_size: expected a tuple of ints, got {unflattened_size!r}"
            )
        self.dim = dim
        self.unflattened_size = tuple(int(s) for s in unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*, S_dim, *) -> (*, U_1, ..., U_n, *)``: dim ``dim`` split into
        ``unflattened_size`` (a -1 entry inferred).
        """
        axis = _checks.normalize_dim(self.dim, input.ndim)
        sizes = list(self.unflattened_size)
        known = int(np.prod([s for s in sizes if s != -1]))
        if sizes.count(-1) == 1 and known > 0 and input.shape[axis] % known == 0:
            sizes[sizes.index(-1)] = input.shape[axis] // known
        if int(np.prod(sizes)) != input.shape[axis] or -1 in sizes:
            raise ValueError(
                f"Unflatten: unflattened_size: expected sizes whose product is "
                f"{input.shape[axis]} (dim {self.dim} of input shape {input.shape}), got "
                f"{self.unflattened_size}"
            )
        return input.reshape(*input.shape[:axis], *sizes, *input.shape[axis + 1 :])

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
