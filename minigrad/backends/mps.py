"""``mg.backends.mps``: Apple's Metal backend, which minigrad does not have.

>>> import minigrad as mg
>>> mg.backends.mps.is_available(), mg.backends.mps.is_built()
(False, False)
"""

from __future__ import annotations


def is_available() -> bool:
    """False: minigrad runs on the CPU only."""
    return False


def is_built() -> bool:
    """False: minigrad has no Metal backend."""
    return False
