"""Convolutions and transposed convolutions, 1-d to 3-d, with PyTorch's arguments.

Notation as in ``minigrad.ops.conv``. A call's arguments are read once, into a
``ConvSpec`` (every check and message is there
and in ``_conv_args``); then the conv ops run on it, in 3-d
geometry (a lower rank is its trailing dims). Zero padding is fused into the geometry;
other padding modes are the op pair ``Pad`` / ``PadAdjoint`` around the unpadded ops.
Bias is a broadcast add, so every piece is differentiable to any order.

Empty inputs follow PyTorch: an empty batch gives an empty result (and zero
gradients for the weight and bias); a convolution of an input without channels gives
a result without channels (PyTorch's shape, though the weight has C_out filters), and
only then, or with an empty batch, may a spatial dim of its input be empty (never a
transposed convolution's). A weight without filters is refused, as PyTorch does. NaN
and inf propagate as in the convolution of the padded input, without numpy's warnings.

Huge arguments are refused before any work, by name: ints beyond PyTorch's limits, and
calls whose result (or padded intermediate, for padding modes other than zeros) could
not be allocated; the message gives the shape and the size formula with its numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.functional import _conv_args as args
from minigrad.functional._conv_args import output_padding_for as output_padding_for
from minigrad.functional._conv_spec import ConvSpec, conv_spec, transposed_spec
from minigrad.ops.conv import Conv, ConvTranspose
from minigrad.ops.fused import ChannelBias
from minigrad.ops.pad import pad, pad_adjoint
from minigrad.ops.shape import reshape
from minigrad.tensor import Tensor

# output_padding_for (output_size -> output_padding) is public to the package, not in F.*.
__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "conv_transpose_output_size",
    "conv_transpose_overlap",
]


def _conv(
    rank: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    padding_mode: Any,
) -> Tensor:
    """``conv{rank}d``: the call checked once (its ConvSpec), then its ops."""
    spec = conv_spec(rank, input, weight, bias, stride, padding, dilation, groups, padding_mode)
    return _run(spec, input, weight, bias)


def _conv_transpose(
    rank: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: Any,
    dilation: Any,
    padding_mode: Any,
    output_size: Any,
) -> Tensor:
    """``conv_transpose{rank}d``: the call checked once (its ConvSpec), then its ops."""
    spec = transposed_spec(
        rank, input, weight, bias, stride, padding, output_padding, groups, dilation,
        padding_mode, output_size,
    )  # fmt: skip
    return _run(spec, input, weight, bias)


def _run(spec: ConvSpec, input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """The ops of a checked call: ``Pad`` (modes other than zeros), ``Conv``, the bias;
    or, for its adjoint in the input, ``ConvTranspose``, ``PadAdjoint`` (the fold), the
    bias. The transposed weight (C_in, C_out/g, *k) is the conv-layout weight of the
    convolution it is the adjoint of: the same array goes to ConvTranspose.
    """
    if spec.filters is not None:
        # A slice keeps the dropped filters in the graph, with zero gradients (PyTorch).
        weight = weight[: spec.filters]
        bias = None if bias is None else bias[: spec.filters]
    # Unbatched (C, *spatial) as (1, C, *spatial).
    x = input if input.ndim == spec.rank + 2 else reshape(input, (1, *input.shape))
    op = ConvTranspose if spec.transposed else Conv
    if not spec.pads:
        # Only the kernel (which keeps numpy's warnings off itself) and the bias compute.
        y = op.apply(x, weight, geometry=spec.geometry)
    else:
        # inf and NaN propagate as PyTorch's do, silently: numpy's warnings about them
        # (inf - inf in a sum, 0 * inf) are not the user's concern here.
        with np.errstate(invalid="ignore", over="ignore"):
            if spec.transposed:
                # The trailing output_padding positions got no taps: they fold in as zeros.
                full = ConvTranspose.apply(x, weight, geometry=spec.geometry)
                y = pad_adjoint(full, spec.pads, spec.mode)
            else:
                y = Conv.apply(pad(x, spec.pads, spec.mode), weight, geometry=spec.geometry)
    if bias is not None:
        # Per channel, one op (its twin is the broadcast ``+``: the same bits).
        y = ChannelBias.apply(y, bias)
    return reshape(y, spec.out_shape)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> Tensor:
    """1-d cross-correlation: (N, C_in, L) x (C_out, C_in/g, k) -> (N, C_out, L_out).

    ``L_out = floor((L + 2 p - d (k - 1) - 1) / s) + 1``. ``padding`` is an int, a
    1-tuple, ``"valid"`` (0) or ``"same"`` (stride 1 only; an odd total padding puts
    the extra one at the end); ``padding_mode`` is zeros, reflect, replicate or
    circular. Unbatched ``(C_in, L)`` input gives unbatched output.

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``, float32 or float64.
        weight: ``(C_out, C_in/groups, k)``, the input's dtype.
        bias: ``(C_out,)`` or None.
        stride: s, an int or a 1-tuple, positive.
        padding: p, an int or a 1-tuple (non-negative), ``"valid"`` or ``"same"``.
        dilation: d, an int or a 1-tuple, positive.
        groups: g, dividing both C_in and C_out.
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.

    Returns:
        ``(N, C_out, L_out)`` (or ``(C_out, L_out)``), the input's dtype.

    Raises:
        ValueError: a bad value (rank, channels, groups, sizes, padding); TypeError: a
            bad type or mismatched dtypes.

    >>> import minigrad as mg
    >>> x = mg.tensor([[[1.0, 2.0, 3.0, 4.0]]])
    >>> conv1d(x, mg.tensor([[[1.0, -1.0]]]))
    tensor([[[-1., -1., -1.]]])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups, padding_mode)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> Tensor:
    """2-d cross-correlation: (N, C_in, H, W) x (C_out, C_in/g, kH, kW) -> (N, C_out, H', W').

    Per dim ``L_out = floor((L + 2 p - d (k - 1) - 1) / s) + 1``; arguments as
    [`conv1d`][], each int or a 2-tuple.

    >>> import minigrad as mg
    >>> conv2d(mg.ones(1, 1, 3, 3), mg.ones(1, 1, 2, 2), padding=1).shape
    (1, 1, 4, 4)
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups, padding_mode)


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    padding_mode: str = "zeros",
) -> Tensor:
    """3-d cross-correlation: (N, C_in, D, H, W) x (C_out, C_in/g, *k) -> (N, C_out, *L_out).

    Per dim ``L_out = floor((L + 2 p - d (k - 1) - 1) / s) + 1``; arguments as
    [`conv1d`][], each int or a 3-tuple.

    >>> import minigrad as mg
    >>> conv3d(mg.ones(2, 4, 4, 4), mg.ones(3, 2, 3, 3, 3), padding="same").shape
    (3, 4, 4, 4)
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups, padding_mode)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
    *,
    padding_mode: str = "zeros",
    output_size: Any = None,
) -> Tensor:
    """1-d transposed convolution, the adjoint of [`conv1d`][] in its input.

    ``(N, C_in, L) x (C_in, C_out/g, k) -> (N, C_out, L_out)`` with
    ``L_out = (L - 1) s - 2 p + d (k - 1) + op + 1``; ``output_padding`` must be below
    stride or dilation. Beyond PyTorch: ``padding="same"`` gives ``L_out = L * s``
    (an odd crop comes off the end), ``"valid"`` is 0, ``output_size`` picks the
    output_padding, and ``padding_mode`` (reflect, replicate, circular) makes this the
    exact adjoint of the conv with that mode: the border is folded back and added.
    The bias is added after the fold, once per output element.

    Args:
        input: ``(N, C_in, L)`` or ``(C_in, L)``, float32 or float64.
        weight: ``(C_in, C_out/groups, k)``, the input's dtype.
        bias: ``(C_out,)`` or None.
        stride: s, an int or a 1-tuple, positive.
        padding: p, an int or a 1-tuple (non-negative), ``"valid"`` or ``"same"``.
        output_padding: op, added at the end; each below stride or dilation.
        groups: g, dividing both C_in and C_out.
        dilation: d, an int or a 1-tuple, positive.
        padding_mode: ``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        output_size: the wanted spatial size (int, tuple or whole shape), or None.

    Returns:
        ``(N, C_out, L_out)`` (or ``(C_out, L_out)``), the input's dtype.

    Raises:
        ValueError: a bad value; size errors print the formula with the numbers, the
            reachable sizes and arguments that reach the size asked for. TypeError: a
            bad type or mismatched dtypes.

    >>> import minigrad as mg
    >>> conv_transpose1d(mg.tensor([[[1.0, 2.0]]]), mg.tensor([[[1.0, 1.0, 1.0]]]), stride=2)
    tensor([[[1., 1., 3., 2., 2.]]])
    """
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation, padding_mode, output_size)  # fmt: skip


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
    *,
    padding_mode: str = "zeros",
    output_size: Any = None,
) -> Tensor:
    """2-d transposed convolution: (N, C_in, H, W) x (C_in, C_out/g, kH, kW) -> (N, C_out, H', W').

    Per dim ``L_out = (L - 1) s - 2 p + d (k - 1) + op + 1``; arguments as
    [`conv_transpose1d`][], each int or a 2-tuple.

    >>> import minigrad as mg
    >>> x = mg.ones(1, 8, 4, 4)
    >>> conv_transpose2d(x, mg.ones(8, 3, 4, 4), stride=2, padding=1).shape
    (1, 3, 8, 8)
    >>> conv_transpose2d(x, mg.ones(8, 3, 3, 3), stride=2, padding="same").shape
    (1, 3, 8, 8)
    """
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation, padding_mode, output_size)  # fmt: skip


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
    *,
    padding_mode: str = "zeros",
    output_size: Any = None,
) -> Tensor:
    """3-d transposed convolution: (N, C_in, D, H, W) x (C_in, C_out/g, *k) -> (N, C_out, *L_out).

    Per dim ``L_out = (L - 1) s - 2 p + d (k - 1) + op + 1``; arguments as
    [`conv_transpose1d`][], each int or a 3-tuple.

    >>> import minigrad as mg
    >>> conv_transpose3d(mg.ones(1, 2, 2, 2), mg.ones(1, 1, 2, 2, 2), output_size=(4, 4, 4),
    ...                  stride=2, padding_mode="circular").shape
    (1, 4, 4, 4)
    """
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation, padding_mode, output_size)  # fmt: skip


def conv_transpose_output_size(
    input_size: Any,
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    dilation: Any = 1,
) -> tuple[int, ...]:
    """The spatial output size of a transposed convolution, per dim
    ``(L_in - 1) s - 2 p + d (k - 1) + op + 1``; arguments are ints or tuples.

    Raises:
        ValueError: as the transposed convolution would (bad output_padding, size < 1).

    >>> conv_transpose_output_size((4, 5), 4, stride=2, padding=1)
    (8, 10)
    >>> conv_transpose_output_size(7, 3, stride=2, padding="same")
    (14,)
    """
    return args.output_sizes(input_size, kernel_size, stride, padding, output_padding, dilation)


def conv_transpose_overlap(
    input_size: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> np.ndarray:
    """How many kernel taps land on each output position of a transposed convolution.

    Uneven counts are where checkerboard artefacts come from: with ``k`` not a multiple
    of ``s`` neighbouring outputs receive different numbers of contributions.

    Returns:
        An int64 array of the output's spatial shape (output_padding 0).

    Raises:
        ValueError: as the transposed convolution would, or when the counts could not
            be allocated.

    >>> conv_transpose_overlap(4, 3, stride=2)
    array([1, 1, 2, 1, 2, 1, 2, 1, 1])
    >>> conv_transpose_overlap(4, 4, stride=2, padding=1)  # even inside, thin at the edges
    array([1, 2, 2, 2, 2, 2, 2, 1])
    """
    return args.tap_counts(input_size, kernel_size, stride, padding, dilation)
