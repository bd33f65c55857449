"""Padding as an adjoint pair: ``Pad`` and ``PadAdjoint``, each the other's backward.

``pads = ((before, after), ...)`` covers the trailing ``len(pads)`` dims of x. Modes:

* ``zeros``: the border is zero; its adjoint crops.
* ``circular``: the border wraps around; its adjoint adds the border back onto the
  elements it was copied from on the other side.
* ``reflect`` / ``replicate``: the border mirrors (without / with the edge element);
  the adjoint folds each border element back onto its source and adds.

Pad is linear, so ``<Pad(x), y> == <x, PadAdjoint(y)>`` for every mode, and the
transposed convolution with a padding mode is built on this identity.
"""

from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Context, Function
from minigrad.kernels import fold_padding, pad_by_mode
from minigrad.tensor import Tensor

Pads = tuple[tuple[int, int], ...]
# The padding modes: the one list, which the public layer's checks and messages import.
MODES = ("zeros", "reflect", "replicate", "circular")


class Pad(Function):
    """out = x padded by ``pads`` in ``mode``: (..., *L) -> (..., *(L + before + after)).
    dx = PadAdjoint(grad).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, pads: Pads, mode: str) -> np.ndarray:
        return pad_by_mode(x, pads, mode)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (PadAdjoint.apply(grad, **ctx.params),)


class PadAdjoint(Function):
    """out = the border of x folded back onto its sources (zeros: cropped):
    (..., *(L + before + after)) -> (..., *L).   dx = Pad(grad).
    """

    reads = {}

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, *, pads: Pads, mode: str) -> np.ndarray:
        return fold_padding(x, pads, mode)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple[Tensor | None, ...]:
        return (Pad.apply(grad, **ctx.params),)


def pad(x: Tensor, pads: Pads, mode: str) -> Tensor:
    """Op-level ``Pad``; the identity when every pad is zero."""
    assert mode in MODES, mode
    return x if not any(any(pair) for pair in pads) else Pad.apply(x, pads=pads, mode=mode)


def pad_adjoint(x: Tensor, pads: Pads, mode: str) -> Tensor:
    """Op-level ``PadAdjoint``; the identity when every pad is zero."""
    assert mode in MODES, mode
    return x if not any(any(pair) for pair in pads) else PadAdjoint.apply(x, pads=pads, mode=mode)
