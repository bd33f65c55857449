"""Resizing layers: ``Upsample`` (and its two fixed-mode forms ``UpsamplingNearest2d``,
``UpsamplingBilinear2d``), ``PixelShuffle`` and ``PixelUnshuffle``: thin wrappers over
[`minigrad.functional.upsampling`][], with no parameters or buffers.

As PyTorch's, ``Upsample`` keeps ``scale_factor`` as a float (or a tuple of floats) and
checks its arguments when it is called.
"""

from __future__ import annotations

from typing import Any

from minigrad import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


class Upsample(Module):
    """Resize the spatial dims to ``size`` or by ``scale_factor`` with
    [`interpolate`][minigrad.functional.interpolate]: ``(N, C, *L_in) -> (N, C, *L_out)``,
    ``L_out = size`` or ``⌊L_in · scale_factor⌋``.

    Args:
        size: the output's spatial size, an int or one per spatial dim.
        scale_factor: the multiplier of the spatial size, a number or one per dim.
        mode: ``nearest``, ``nearest-exact``, ``linear``, ``bilinear``, ``bicubic``,
            ``trilinear`` or ``area``.
        align_corners: for the interpolating modes: line up the corner elements.
        recompute_scale_factor: compute the positions from the output size.

    >>> import minigrad as mg
    >>> mg.nn.Upsample(scale_factor=2, mode="bilinear")
    Upsample(scale_factor=2.0, mode='bilinear')
    >>> mg.nn.Upsample(size=(4, 6))(mg.zeros(1, 3, 2, 3)).shape
    (1, 3, 4, 6)
    """

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(factor) for factor in scale_factor)
        else:
            # As PyTorch's: a zero factor counts as none given.
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(N, C, *L_in) -> (N, C, *L_out)``: ``F.interpolate`` to ``size`` or by
        ``scale_factor``, with ``mode``.
        """
        return F.interpolate(
            input,
            self.size,
            self.scale_factor,
            self.mode,
            self.align_corners,
            recompute_scale_factor=self.recompute_scale_factor,
        )

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's: the factor (or size) and mode."""
        if self.scale_factor is not None:
            described = f"scale_factor={self.scale_factor!r}"
        else:
            described = f"size={self.size!r}"
        return f"{described}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")`` for ``(N, C, H, W)`` input.

    >>> import minigrad as mg
    >>> mg.nn.UpsamplingNearest2d(scale_factor=2)(mg.ones(1, 1, 2, 2)).shape
    (1, 1, 4, 4)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)`` for
    ``(N, C, H, W)`` input.

    >>> import minigrad as mg
    >>> mg.nn.UpsamplingBilinear2d(size=3)(mg.tensor([[[[0.0, 2.0]]]]))
    tensor([[[[0., 1., 2.],
              [0., 1., 2.],
              [0., 1., 2.]]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


class PixelShuffle(Module):
    """Sub-pixel upsampling (Shi et al. 2016, "Real-time single image and video
    super-resolution using an efficient sub-pixel convolutional neural network"):
    ``(*, C r², H, W) -> (*, C, H r, W r)`` with r = ``upscale_factor``.

    >>> import minigrad as mg
    >>> mg.nn.PixelShuffle(2)
    PixelShuffle(upscale_factor=2)
    >>> mg.nn.PixelShuffle(2)(mg.zeros(1, 8, 3, 3)).shape
    (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*, C r², H, W) -> (*, C, H r, W r)``, r = ``upscale_factor``."""
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """The inverse of [`PixelShuffle`][]: ``(*, C, H r, W r) -> (*, C r², H, W)`` with
    r = ``downscale_factor``.

    >>> import minigrad as mg
    >>> mg.nn.PixelUnshuffle(3)(mg.zeros(2, 6, 6)).shape
    (18, 2, 2)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*, C, H r, W r) -> (*, C r², H, W)``, r = ``downscale_factor``."""
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's."""
        return f"downscale_factor={self.downscale_factor}"
