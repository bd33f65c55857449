"""Layers, initialisers and the functional API, PyTorch-style. Stub: filled in by its owner."""

from minigrad.nn import functional

__all__ = ["functional"]
