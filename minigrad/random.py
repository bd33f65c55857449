"""The one random generator behind every draw in minigrad.

Factories (``rand``, ``randn``), ``nn.init`` and dropout all draw from
[`generator`][], so ``mg.manual_seed(n)`` makes all of them reproducible.
Draws are made in float64 and then cast, so a seed gives the same numbers
(up to rounding) whatever the requested dtype.
"""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> None:
    """Reseed the generator behind every random draw in minigrad.

    >>> import minigrad as mg
    >>> mg.manual_seed(3); a = mg.rand(2)
    >>> mg.manual_seed(3); b = mg.rand(2)
    >>> bool((a == b).all())
    True
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed: expected an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative int, got {seed}")
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    """The current generator (replaced by every ``manual_seed``)."""
    return _generator
