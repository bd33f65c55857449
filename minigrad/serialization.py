"""Stub: save/load of state dicts to .npz, filled in by its owner."""

from typing import Any


def save(obj: Any, path: Any) -> None:
    """Save a state dict to ``path`` as .npz."""
    raise NotImplementedError


def load(path: Any) -> Any:
    """Load a state dict saved by ``save``."""
    raise NotImplementedError
