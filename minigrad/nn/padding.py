"""Padding layers: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad``
and ``CircularPad``, each in 1, 2 and 3 dims, over [`minigrad.functional.pad`][].

``padding`` is an int (the same on every side) or a tuple in F.pad's order, from the
last dim: ``(left, right)``, ``(left, right, top, bottom)``,
``(left, right, top, bottom, front, back)``. A tuple is kept as given and checked by
F.pad when the layer is called, as PyTorch does. Shapes, for rank r:
``(N, C, *L) -> (N, C, *(L + before + after))``, or unbatched ``(C, *L)``; the zero
and constant layers pad any input with at least r dims.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import _checks
from minigrad import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


def _padding(value: Any, rank: int, layer: str) -> tuple[int, ...]:
    """An int spread to the 2 * rank sides, or a tuple of ints as given."""
    if _checks.is_int(value):
        return (int(value),) * (2 * rank)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if all(_checks.is_int(side) for side in value):
            return tuple(int(side) for side in value)
    raise TypeError(
        f"{layer}: padding: expected an int or a tuple of {2 * rank} ints, got "
        f"{type(value).__name__} {value!r}"
    )


class _PadNd(Module):
    """A padding layer of ``rank`` dims in ``mode``; subclasses set both."""

    rank = 1
    mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _padding(padding, self.rank, type(self).__name__)

    def _check_input(self, input: Tensor) -> None:  # noqa: A002
        """CircularPad checks its input's dims first, as PyTorch's does."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        self._check_input(input)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pads with ``value``; negative pads crop."""

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(
                f"{type(self).__name__}: value: expected a number, got {type(value).__name__}"
            )
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with ``value``: ``(*, W) -> (*, W + left + right)``.

    >>> import minigrad as mg
    >>> layer = mg.nn.ConstantPad1d((1, 2), 3.5)
    >>> layer, layer(mg.zeros(1, 2)).shape
    (ConstantPad1d(padding=(1, 2), value=3.5), (1, 5))
    """

    rank = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with ``value``: ``(*, H, W) -> (*, H + top + bottom,
    W + left + right)``.

    >>> import minigrad as mg
    >>> mg.nn.ConstantPad2d(1, 0.0)(mg.zeros(1, 2, 2)).shape
    (1, 4, 4)
    """

    rank = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with ``value``: ``(*, D, H, W) -> (*, D + front + back,
    H + top + bottom, W + left + right)``.

    >>> import minigrad as mg
    >>> mg.nn.ConstantPad3d(1, 2.0)(mg.zeros(1, 1, 1, 1)).shape
    (1, 3, 3, 3)
    """

    rank = 3


class _ZeroPadNd(_ConstantPadNd):
    """Pads with zeros; its repr shows only the padding, as PyTorch's."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pads the last dim with zeros: ``(*, W) -> (*, W + left + right)``.

    >>> import minigrad as mg
    >>> mg.nn.ZeroPad1d(1)(mg.ones(1, 2))
    tensor([[0., 1., 1., 0.]])
    """

    rank = 1


class ZeroPad2d(_ZeroPadNd):
    """Pads the last two dims with zeros.

    >>> import minigrad as mg
    >>> mg.nn.ZeroPad2d((1, 0, 0, 1))
    ZeroPad2d((1, 0, 0, 1))
    """

    rank = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last three dims with zeros.

    >>> import minigrad as mg
    >>> mg.nn.ZeroPad3d(1)(mg.ones(1, 1, 1, 1)).shape
    (1, 3, 3, 3)
    """

    rank = 3


class ReflectionPad1d(_PadNd):
    """Mirrors the last dim without repeating the edge (each pad below its size):
    ``(N, C, W) -> (N, C, W + left + right)`` or unbatched ``(C, W)``.

    >>> import minigrad as mg
    >>> mg.nn.ReflectionPad1d(2)(mg.tensor([[1.0, 2.0, 3.0]]))
    tensor([[3., 2., 1., 2., 3., 2., 1.]])
    """

    rank = 1
    mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Mirrors the last two dims: ``(N, C, H, W)`` or ``(C, H, W)``.

    >>> import minigrad as mg
    >>> mg.nn.ReflectionPad2d(1)
    ReflectionPad2d((1, 1, 1, 1))
    """

    rank = 2
    mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Mirrors the last three dims: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> import minigrad as mg
    >>> mg.nn.ReflectionPad3d(1)(mg.ones(1, 2, 2, 2)).shape
    (1, 4, 4, 4)
    """

    rank = 3
    mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Repeats the edge of the last dim: ``(N, C, W)`` or ``(C, W)``.

    >>> import minigrad as mg
    >>> mg.nn.ReplicationPad1d((2, 1))(mg.tensor([[1.0, 2.0]]))
    tensor([[1., 1., 1., 2., 2.]])
    """

    rank = 1
    mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Repeats the edges of the last two dims: ``(N, C, H, W)`` or ``(C, H, W)``.

    >>> import minigrad as mg
    >>> mg.nn.ReplicationPad2d(1)(mg.ones(1, 1, 2)).shape
    (1, 3, 4)
    """

    rank = 2
    mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Repeats the edges of the last three dims: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> import minigrad as mg
    >>> mg.nn.ReplicationPad3d(1)
    ReplicationPad3d((1, 1, 1, 1, 1, 1))
    """

    rank = 3
    mode = "replicate"


class _CircularPadNd(_PadNd):
    """Wraps around (each pad at most the dim's size); refuses inputs of the wrong
    number of dims before padding, as PyTorch's circular layers do.
    """

    mode = "circular"

    def _check_input(self, input: Tensor) -> None:  # noqa: A002
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{type(self).__name__}: input: expected a Tensor, got {type(input).__name__}"
            )
        if input.ndim not in (self.rank + 1, self.rank + 2):
            raise ValueError(
                f"{type(self).__name__}: input: expected {self.rank + 1}D or "
                f"{self.rank + 2}D input, got {input.ndim}D input of shape {input.shape}"
            )


class CircularPad1d(_CircularPadNd):
    """Wraps the last dim around: ``(N, C, W)`` or ``(C, W)``.

    >>> import minigrad as mg
    >>> mg.nn.CircularPad1d(1)(mg.tensor([[1.0, 2.0, 3.0]]))
    tensor([[3., 1., 2., 3., 1.]])
    """

    rank = 1


class CircularPad2d(_CircularPadNd):
    """Wraps the last two dims around: ``(N, C, H, W)`` or ``(C, H, W)``.

    >>> import minigrad as mg
    >>> mg.nn.CircularPad2d(1)
    CircularPad2d((1, 1, 1, 1))
    """

    rank = 2


class CircularPad3d(_CircularPadNd):
    """Wraps the last three dims around: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    >>> import minigrad as mg
    >>> mg.nn.CircularPad3d(1)(mg.ones(1, 2, 2, 2)).shape
    (1, 4, 4, 4)
    """

    rank = 3
