"""``Dropout`` and the channel dropouts ``Dropout1d/2d/3d``: active in training mode only."""

from __future__ import annotations

from minigrad import functional as F
from minigrad.functional._arguments import check_flag
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


class _DropoutNd(Module):
    """The shared arguments: ``p`` (checked here, as PyTorch does) and ``inplace``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise ValueError(f"{name}: p: expected a probability in [0, 1], got {p!r}")
        self.p = p
        self.inplace = check_flag(inplace, "inplace", name)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` in training, scaling the rest by
    1/(1 - p); the identity in eval mode. Any shape.

    >>> import minigrad as mg
    >>> mg.nn.Dropout(0.3).eval()(mg.ones(3))
    tensor([1., 1., 1.])
    >>> mg.nn.Dropout(0.3)
    Dropout(p=0.3, inplace=False)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(*) -> (*)``: each element zeroed with probability ``p`` and the rest scaled
        by 1/(1 - p) in training; the input itself in eval mode.
        """
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training, scaling the rest by
    1/(1 - p): ``(N, C, L)`` or ``(C, L)``, output of the same shape.

    >>> import minigrad as mg
    >>> mg.nn.Dropout1d(0.2, inplace=True)
    Dropout1d(p=0.2, inplace=True)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(N, C, L) -> (N, C, L)`` or ``(C, L) -> (C, L)``: whole channels zeroed with
        probability ``p``, the rest scaled by 1/(1 - p), in training; the input in eval mode.
        """
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training, scaling the rest by
    1/(1 - p): ``(N, C, H, W)``, output of the same shape (a 3D input is read as
    ``(N, C, L)``, with a warning, as PyTorch reads it).

    >>> import minigrad as mg
    >>> mg.nn.Dropout2d().eval()(mg.ones(1, 2, 1, 1)).shape
    (1, 2, 1, 1)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(N, C, H, W) -> (N, C, H, W)``: whole channels zeroed with probability ``p``,
        the rest scaled by 1/(1 - p), in training; the input in eval mode.
        """
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training, scaling the rest by
    1/(1 - p): ``(N, C, D, H, W)`` or ``(C, D, H, W)``, output of the same shape.

    >>> import minigrad as mg
    >>> mg.nn.Dropout3d(0.5)
    Dropout3d(p=0.5, inplace=False)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(N, C, D, H, W) -> (N, C, D, H, W)`` or unbatched: whole channels zeroed with
        probability ``p``, the rest scaled by 1/(1 - p), in training; the input in eval mode.
        """
        return F.dropout3d(input, self.p, self.training, self.inplace)
