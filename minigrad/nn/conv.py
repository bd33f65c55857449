"""Convolution layers: ``Conv1d/2d/3d`` and ``ConvTranspose1d/2d/3d``.

Notation: N batch, C_in / C_out channels, g groups, k kernel size, s stride,
p padding, d dilation, op output_padding; ``*L`` the spatial sizes.

* Conv weight: ``(C_out, C_in/g, *k)``; ``(N, C_in, *L_in) -> (N, C_out, *L_out)`` with
  L_out = ⌊(L_in + 2p - d(k - 1) - 1)/s⌋ + 1.
* Transposed weight: ``(C_in, C_out/g, *k)``; the same array, read as the weight of the
  convolution that this layer is the adjoint of (channel roles swapped), and
  L_out = (L_in - 1)s - 2p + d(k - 1) + op + 1.

Layers keep their geometry and parameters; every computation is a call into
[`minigrad.functional`][], which also checks the input against the geometry. The
constructor reads its arguments with the functional form's checks
(``minigrad.functional._conv_args``), as PyTorch splits them: channels, groups,
kernel_size, padding_mode and ``padding="same"`` with a stride are checked when the
layer is built, the values of stride, padding, dilation and output_padding when it is
called.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad import functional as F
from minigrad.functional import _conv_args as conv_args
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter
from minigrad.tensor import Tensor


class _ConvNd(Module):
    """What convolutions and transposed convolutions share: the geometry, the
    parameters and their default initialisation.
    """

    _rank = 0
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any,
        padding: Any,
        dilation: Any,
        groups: int,
        bias: bool,
        padding_mode: str,
        output_padding: Any = 0,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        rank = self._rank
        conv_args.check_channels(in_channels, out_channels, groups, name)
        self.padding_mode = conv_args.check_mode(padding_mode, name, layer=True)
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.kernel_size = conv_args.layer_tuple(kernel_size, rank, "kernel_size", name)
        # The values of stride, padding, dilation and output_padding are checked when the
        # layer is called (by the functional form), as PyTorch checks them: a layer that
        # is built but never called does not fail.
        self.stride = conv_args.layer_tuple(stride, rank, "stride", name)
        self.dilation = conv_args.layer_tuple(dilation, rank, "dilation", name)
        _checks.check_positive(self.kernel_size, f"{name}: kernel_size")
        self.padding = conv_args.layer_padding(padding, rank, self.stride, self._transposed, name)
        self.output_padding = conv_args.layer_tuple(output_padding, rank, "output_padding", name)
        self.groups = int(groups)
        chosen = dtypes.get_default_dtype() if dtype is None else dtypes.as_float_dtype(dtype)
        if self._transposed:
            shape = (self.in_channels, self.out_channels // groups, *self.kernel_size)
        else:
            shape = (self.out_channels, self.in_channels // groups, *self.kernel_size)
        conv_args.check_allocatable(
            shape, np.dtype(chosen).itemsize, name, "kernel_size", "the weight",
            f"kernel_size={self.kernel_size} with {self.in_channels} input and "
            f"{self.out_channels} output channels in {self.groups} groups",
        )  # fmt: skip
        self.weight = Parameter(np.zeros(shape, dtype=chosen))
        if bias:
            self.bias = Parameter(np.zeros(self.out_channels, dtype=chosen))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight and bias from U(-√k, √k) with k = 1/fan_in.

        ``fan_in_and_fan_out`` reads the fan-in from dim 1 of the weight: C_in/g · ∏k
        for a convolution, C_out/g · ∏k for a transposed one, whose k is therefore
        g / (C_out ∏k).
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight.shape)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        parts = [
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}",
            f"stride={self.stride}",
        ]
        if self.padding != (0,) * self._rank:
            parts.append(f"padding={self.padding}")
        if self.dilation != (1,) * self._rank:
            parts.append(f"dilation={self.dilation}")
        if self.output_padding != (0,) * self._rank:
            parts.append(f"output_padding={self.output_padding}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode}")
        return ", ".join(parts)


class _Conv(_ConvNd):
    _function: Callable[..., Tensor]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            dtype=dtype,
        )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        function = type(self)._function
        return function(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            padding_mode=self.padding_mode,
        )


class _ConvTransposeNd(_ConvNd):
    """Transposed convolution: the adjoint of a convolution, with bias.

    ``forward(input, output_size=None)``: an ``output_size`` (the trailing spatial
    sizes, or the whole output shape) replaces ``output_padding`` by the one that
    reaches it; functional raises a clear error when none does.
    """

    _transposed = True
    _function: Callable[..., Tensor]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding=output_padding,
            dtype=dtype,
        )

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        function = type(self)._function
        # None first: the usual call needs no more tests.
        if output_size is not None:
            conv_args.check_layer_output_size(output_size, type(self).__name__)
        # With output_size given, the functional form derives output_padding itself.
        output_padding = self.output_padding if output_size is None else 0
        return function(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
            padding_mode=self.padding_mode,
            output_size=output_size,
        )


def _call(name: str) -> Callable[..., Tensor]:
    """Look the functional up at call time, so the layer follows ``minigrad.functional``."""

    def call(*args: Any, **kwargs: Any) -> Tensor:
        result: Tensor = getattr(F, name)(*args, **kwargs)
        return result

    return call


class Conv1d(_Conv):
    """1-d convolution: ``(N, C_in, L) -> (N, C_out, L_out)``, weight ``(C_out, C_in/g, k)``.

    >>> import minigrad as mg
    >>> mg.nn.Conv1d(2, 4, 3)
    Conv1d(2, 4, kernel_size=(3,), stride=(1,))
    """

    _rank = 1
    _function = staticmethod(_call("conv1d"))


class Conv2d(_Conv):
    """2-d convolution: ``(N, C_in, H, W) -> (N, C_out, H_out, W_out)``.

    >>> import minigrad as mg
    >>> mg.nn.Conv2d(3, 8, 3, padding=1).weight.shape
    (8, 3, 3, 3)
    """

    _rank = 2
    _function = staticmethod(_call("conv2d"))


class Conv3d(_Conv):
    """3-d convolution: ``(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)``.

    >>> import minigrad as mg
    >>> mg.nn.Conv3d(1, 2, 3).weight.shape
    (2, 1, 3, 3, 3)
    """

    _rank = 3
    _function = staticmethod(_call("conv3d"))


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution, weight ``(C_in, C_out/g, k)``.

    >>> import minigrad as mg
    >>> mg.nn.ConvTranspose1d(4, 2, 3, stride=2)
    ConvTranspose1d(4, 2, kernel_size=(3,), stride=(2,))
    """

    _rank = 1
    _function = staticmethod(_call("conv_transpose1d"))


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution, weight ``(C_in, C_out/g, kH, kW)``.

    >>> import minigrad as mg
    >>> mg.nn.ConvTranspose2d(8, 3, 4, stride=2, padding=1).weight.shape
    (8, 3, 4, 4)
    """

    _rank = 2
    _function = staticmethod(_call("conv_transpose2d"))


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution, weight ``(C_in, C_out/g, kD, kH, kW)``.

    >>> import minigrad as mg
    >>> mg.nn.ConvTranspose3d(2, 4, 2, groups=2).weight.shape
    (2, 2, 2, 2, 2)
    """

    _rank = 3
    _function = staticmethod(_call("conv_transpose3d"))
