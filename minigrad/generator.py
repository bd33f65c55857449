"""``Generator``: a random-number generator of one's own, as ``torch.Generator``.

Passed as ``generator=`` (to ``DataLoader``, ``RandomSampler``, ``random_split``), it
makes those draws reproducible apart from every other draw, which come from minigrad's
one global generator ([`minigrad.random`][]). The numbers are numpy's PCG64 stream for
the seed, not PyTorch's.

>>> import minigrad as mg
>>> first = mg.Generator().manual_seed(42)
>>> second = mg.Generator().manual_seed(42)
>>> bool((first.numpy().permutation(5) == second.numpy().permutation(5)).all())
True
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from minigrad.devices import as_device

__all__ = ["Generator"]

# PyTorch's default seed of a new generator.
DEFAULT_SEED = 67280421310721


class Generator:
    """A generator with its own state, seeded with ``manual_seed(seed)``.

    Args:
        device: the CPU (``"cpu"``, a ``mg.device``, or None).
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = as_device(device)
        self._seed = DEFAULT_SEED
        self._rng = np.random.default_rng(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Reseed it (any int; negative ones wrap as PyTorch's 64-bit seeds do) and
        return it, so that ``Generator().manual_seed(0)`` reads as in PyTorch.
        """
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise TypeError(
                f"Generator.manual_seed: seed: expected an int, got {type(seed).__name__}"
            )
        self._seed = int(seed) % 2**64
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Reseed it from the operating system's entropy, and return the seed."""
        self.manual_seed(secrets.randbits(63))
        return self._seed

    def initial_seed(self) -> int:
        """The seed it was last seeded with."""
        return self._seed

    def numpy(self) -> np.random.Generator:
        """The numpy generator that draws its numbers (its state moves on as it draws)."""
        return self._rng

    def __repr__(self) -> str:
        """The seed, for debugging."""
        return f"<minigrad.Generator seed={self._seed}>"
