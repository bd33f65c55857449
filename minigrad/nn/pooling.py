"""Pooling layers: ``MaxPool1d/2d/3d``, ``AvgPool1d/2d/3d``, ``AdaptiveAvgPool1d/2d/3d``,
``AdaptiveMaxPool1d/2d/3d`` and ``MaxUnpool1d/2d/3d``, thin wrappers over
[`minigrad.functional.pooling`][].

As PyTorch's, a layer keeps its arguments as given (``AvgPool1d`` and the unpooling
layers as tuples), with
``stride`` defaulting to ``kernel_size``; their values are checked when the layer is
called, so a layer that is built but never called does not fail. Pooling layers have
no parameters or buffers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor


def _single(value: Any) -> Any:
    """A 1-tuple, as ``AvgPool1d`` stores its arguments (PyTorch's ``_single``)."""
    return tuple(value) if isinstance(value, tuple | list) else (value,)


class _MaxPoolNd(Module):
    """What the max-pooling layers share: the geometry, ``return_indices`` and the repr."""

    _function: Any

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return type(self)._function(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """The maximum over each window of each channel: ``(N, C, L_in) -> (N, C, L_out)``
    or ``(C, L_in) -> (C, L_out)``, L_out as in [`minigrad.functional.pooling`][].

    >>> import minigrad as mg
    >>> mg.nn.MaxPool1d(2)
    MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> mg.nn.MaxPool1d(2)(mg.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[3., 2.]])
    """

    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """The maximum over each window of each channel: ``(N, C, H_in, W_in) -> (N, C,
    H_out, W_out)`` or unbatched; with ``return_indices`` the call also returns each
    maximum's flat index in its ``H_in * W_in`` plane.

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step between windows (default: kernel_size).
        padding: implicit -inf on both sides, at most half the dilated kernel.
        dilation: the step between a window's elements.
        return_indices: also return the indices of the maxima.
        ceil_mode: round the output size up rather than down.

    >>> import minigrad as mg
    >>> mg.nn.MaxPool2d(3, stride=2, padding=1)
    MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)
    >>> mg.nn.MaxPool2d(2)(mg.zeros(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    _function = staticmethod(F.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """The maximum over each window of each channel: ``(N, C, D_in, H_in, W_in) -> (N,
    C, D_out, H_out, W_out)`` or unbatched; see [`MaxPool2d`][].

    >>> import minigrad as mg
    >>> mg.nn.MaxPool3d(2)(mg.zeros(1, 4, 4, 4)).shape
    (1, 2, 2, 2)
    """

    _function = staticmethod(F.max_pool3d)


class AvgPool1d(Module):
    """The mean over each window of each channel: ``(N, C, L_in) -> (N, C, L_out)`` or
    unbatched; see [`AvgPool2d`][]. Its arguments are kept as 1-tuples, as PyTorch's.

    >>> import minigrad as mg
    >>> mg.nn.AvgPool1d(3)
    AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """``(N, C, L_in) -> (N, C, L_out)`` or unbatched: the mean over each window
        of each channel, ``L_out = ⌊(L_in + 2p - k) / s⌋ + 1`` (rounded up with
        ``ceil_mode``).
        """
        return F.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        """The arguments shown in the repr, as PyTorch's (the geometry only)."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    """What ``AvgPool2d`` and ``AvgPool3d`` share: they also take ``divisor_override``."""

    _function: Callable[..., Tensor]

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._function(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """The mean over each window of each channel: ``(N, C, H_in, W_in) -> (N, C, H_out,
    W_out)`` or unbatched.

    Args:
        kernel_size: the window, an int or one per spatial dim.
        stride: the step between windows (default: kernel_size).
        padding: zeros on both sides, at most half the kernel size.
        ceil_mode: round the output size up rather than down.
        count_include_pad: count the zero padding in each window's divisor.
        divisor_override: divide every window's sum by this instead.

    >>> import minigrad as mg
    >>> mg.nn.AvgPool2d(2)
    AvgPool2d(kernel_size=2, stride=2, padding=0)
    >>> mg.nn.AvgPool2d(2)(mg.ones(1, 4, 4))
    tensor([[[1., 1.],
             [1., 1.]]])
    """

    _function = staticmethod(F.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """The mean over each window of each channel: ``(N, C, D_in, H_in, W_in) -> (N, C,
    D_out, H_out, W_out)`` or unbatched; see [`AvgPool2d`][].

    >>> import minigrad as mg
    >>> mg.nn.AvgPool3d(2, divisor_override=1)(mg.ones(1, 2, 2, 2))
    tensor([[[[8.]]]])
    """

    _function = staticmethod(F.avg_pool3d)


class _AdaptiveAvgPoolNd(Module):
    _function: Callable[..., Tensor]

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._function(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(Module):
    _function: Any

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return type(self)._function(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """The mean over adaptive windows: ``(N, C, L) -> (N, C, *output_size)`` or
    unbatched, whatever the input size (window o of a dim covers ``[⌊o L_in / L_out⌋,
    ⌈(o + 1) L_in / L_out⌉)``); ``output_size`` is an int or one int or None (keep the
    input's size) per dim.

    >>> import minigrad as mg
    >>> mg.nn.AdaptiveAvgPool1d(2)(mg.tensor([[1.0, 2.0, 3.0, 4.0]]))
    tensor([[1.5000, 3.5000]])
    """

    _function = staticmethod(F.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """The mean over adaptive windows: ``(N, C, H, W) -> (N, C, *output_size)`` or
    unbatched, whatever the input size (window o of a dim covers ``[⌊o L_in / L_out⌋,
    ⌈(o + 1) L_in / L_out⌉)``); ``output_size`` is an int or one int or None (keep the
    input's size) per dim.

    >>> import minigrad as mg
    >>> mg.nn.AdaptiveAvgPool2d((None, 1))
    AdaptiveAvgPool2d(output_size=(None, 1))
    >>> mg.nn.AdaptiveAvgPool2d(1)(mg.ones(2, 3, 5, 7)).shape
    (2, 3, 1, 1)
    """

    _function = staticmethod(F.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """The mean over adaptive windows: ``(N, C, D, H, W) -> (N, C, *output_size)`` or
    unbatched, whatever the input size (window o of a dim covers ``[⌊o L_in / L_out⌋,
    ⌈(o + 1) L_in / L_out⌉)``); ``output_size`` is an int or one int or None (keep the
    input's size) per dim.

    >>> import minigrad as mg
    >>> mg.nn.AdaptiveAvgPool3d(1)(mg.ones(2, 3, 4, 5)).shape
    (2, 1, 1, 1)
    """

    _function = staticmethod(F.adaptive_avg_pool3d)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """The maximum over adaptive windows (as [`AdaptiveAvgPool1d`][]'s): ``(N, C,
    L) -> (N, C, *output_size)`` or unbatched; with ``return_indices`` the call
    also returns each maximum's flat index in its plane.

    >>> import minigrad as mg
    >>> mg.nn.AdaptiveMaxPool1d(2)(mg.tensor([[1.0, 2.0, 4.0, 3.0]]))
    tensor([[2., 4.]])
    """

    _function = staticmethod(F.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """The maximum over adaptive windows (as [`AdaptiveAvgPool2d`][]'s): ``(N, C,
    H, W) -> (N, C, *output_size)`` or unbatched; with ``return_indices`` the call
    also returns each maximum's flat index in its plane.

    >>> import minigrad as mg
    >>> mg.nn.AdaptiveMaxPool2d(4, return_indices=True)
    AdaptiveMaxPool2d(output_size=4)
    >>> mg.nn.AdaptiveMaxPool2d((2, 3))(mg.ones(1, 5, 7)).shape
    (1, 2, 3)
    """

    _function = staticmethod(F.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """The maximum over adaptive windows (as [`AdaptiveAvgPool3d`][]'s): ``(N, C,
    D, H, W) -> (N, C, *output_size)`` or unbatched; with ``return_indices`` the call
    also returns each maximum's flat index in its plane.

    >>> import minigrad as mg
    >>> mg.nn.AdaptiveMaxPool3d(2)(mg.ones(1, 1, 3, 3, 3)).shape
    (1, 1, 2, 2, 2)
    """

    _function = staticmethod(F.adaptive_max_pool3d)


def _tuple(value: Any, rank: int) -> tuple[Any, ...]:
    """``value`` as ``rank`` entries, as PyTorch's ``_single``/``_pair``/``_triple``."""
    return tuple(value) if isinstance(value, tuple | list) else (value,) * rank


class _MaxUnpoolNd(Module):
    """What the max-unpooling layers share: the pooling's geometry, kept as tuples."""

    _rank = 0
    _function: Callable[..., Tensor]

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, self._rank)
        self.stride = _tuple(stride if stride is not None else kernel_size, self._rank)
        self.padding = _tuple(padding, self._rank)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        return type(self)._function(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of [`MaxPool1d`][]: ``(N, C, L_in) -> (N, C, L_out)``; see
    [`MaxUnpool2d`][].
    """

    _rank = 1
    _function = staticmethod(F.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of [`MaxPool2d`][]: each value put back at the index the
    pooling gave it, zeros elsewhere: ``(N, C, H_in, W_in) -> (N, C, H_out, W_out)``,
    ``L_out = (L_in - 1) s - 2p + k``, or the ``output_size`` passed to the call.

    >>> import minigrad as mg
    >>> pool, unpool = mg.nn.MaxPool2d(2, return_indices=True), mg.nn.MaxUnpool2d(2)
    >>> unpool
    MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))
    >>> unpool(*pool(mg.ones(1, 1, 5, 5)), output_size=(5, 5)).shape
    (1, 1, 5, 5)
    """

    _rank = 2
    _function = staticmethod(F.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of [`MaxPool3d`][]: ``(N, C, D_in, H_in, W_in) -> (N, C,
    D_out, H_out, W_out)``; see [`MaxUnpool2d`][].
    """

    _rank = 3
    _function = staticmethod(F.max_unpool3d)
