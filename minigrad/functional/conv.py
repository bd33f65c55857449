"""Convolutions and transposed convolutions, 1-d to 3-d, with PyTorch's arguments.

Notation as in :mod:`minigrad.ops.conv`. Every call checks its arguments first, then
calls the conv ops, whose geometry is 3-d (1-d and 2-d are its trailing dims; the ops
take the lower-rank arrays as they are): unbatched input gets a batch dim, and the
result is reshaped back. Zero padding is fused into the conv ops' geometry (their
kernels read zeros outside x and drop taps landing there); other padding modes are
the op pair ``Pad`` / ``PadAdjoint`` around the unpadded ops. Bias is a broadcast
add, so every piece is differentiable to any order.

Empty inputs follow PyTorch: an empty batch gives an empty result (and zero
gradients for the weight and bias); a convolution of an input without channels gives
a result without channels (PyTorch's shape, though the weight has C_out filters), and
only then, or with an empty batch, may a spatial dim of its input be empty (never a
transposed convolution's). A weight without filters is refused, as PyTorch does. NaN
and inf propagate as in the convolution of the padded input, without numpy's warnings.

Huge arguments are refused before any work, by name: ints beyond PyTorch's (64 bits;
a convolution's padding below 2**62; a transposed convolution's stride, padding,
output_padding and dilation below 2**31), and calls whose result, or padded
intermediate for padding modes other than zeros, could not be allocated: more bytes
than numpy can index (counting the non-empty dims, as numpy does) or than this
machine's physical memory. The message gives the shape and the size formula with its
numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from minigrad.functional import _conv_args as args
from minigrad.functional._conv_args import output_padding_for as output_padding_for
from minigrad.ops.conv import NO_PADDING, Conv, ConvGeometry, ConvTranspose, Pair
from minigrad.ops.pad import pad, pad_adjoint
from minigrad.ops.shape import reshape
from minigrad.tensor import Tensor

# output_padding_for is not in __all__ (not part of F.*) but is public to the package:
# nn.ConvTranspose uses it to turn output_size into output_padding.
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


@dataclass(frozen=True)
class _Plan:
    """A checked call: the padding pairs left to ``Pad`` / ``PadAdjoint`` (none when
    zero padding is fused into the geometry), the lifted geometry, the output shape,
    and how many of the weight's filters (and biases) the result keeps: all, or none
    for a convolution of an input without channels (PyTorch's result shape).
    """

    pairs: args.Pairs
    mode: str
    geometry: ConvGeometry
    out_shape: tuple[int, ...]
    filters: int | None = None


def _lift(sizes: tuple[int, ...], fill: int) -> tuple[int, int, int]:
    lifted = (fill,) * (3 - len(sizes)) + sizes
    return (lifted[0], lifted[1], lifted[2])


def _fused(pairs: args.Pairs, mode: str) -> tuple[args.Pairs, tuple[Pair, Pair, Pair]]:
    """Split padding between the ops: zeros go into the geometry, other modes to Pad."""
    if mode != "zeros":
        return pairs, NO_PADDING
    lifted = ((0, 0),) * (3 - len(pairs)) + pairs
    return (), (lifted[0], lifted[1], lifted[2])


def _check_weight(
    call: str, rank: int, weight: Tensor, groups: int, transposed: bool, layout: str
) -> None:
    """The weight's rank, a non-empty kernel, and at least one filter per group: a
    weight without filters (C_out = 0 for a convolution, C_in = 0 or C_out = 0 for a
    transposed one) is refused, as PyTorch does.
    """
    if weight.ndim != rank + 2 or min(weight.shape[2:]) < 1:
        raise ValueError(
            f"{call}: weight: expected a {rank + 2}-d tensor {layout} with non-empty kernel, "
            f"got shape {weight.shape}"
        )
    if weight.shape[0] < groups:
        raise ValueError(
            f"{call}: weight: expected at least groups={groups} entries in dim 0 (weight "
            f"{layout}: one or more channels per group), got shape {weight.shape}"
        )
    if weight.shape[0] % groups != 0:
        raise ValueError(
            f"{call}: groups: expected a divisor of weight.shape[0] = {weight.shape[0]} "
            f"(weight {layout}), got groups={groups}"
        )
    if transposed and weight.shape[1] == 0:
        raise ValueError(
            f"{call}: weight: expected at least one output channel per group in dim 1 "
            f"(weight {layout}), got shape {weight.shape}"
        )


def _check_layout(
    call: str,
    rank: int,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    groups: int,
    transposed: bool,
) -> tuple[int, int]:
    """Ranks, channels and groups; returns (input channels, output channels)."""
    shape, ndim = input.shape, input.ndim
    if ndim != rank + 1 and ndim != rank + 2:
        raise ValueError(
            f"{call}: input: expected a {rank + 2}-d (N, C, *spatial) or {rank + 1}-d "
            f"unbatched tensor, got shape {shape}"
        )
    layout = "(C_in, C_out/groups, *k)" if transposed else "(C_out, C_in/groups, *k)"
    _check_weight(call, rank, weight, groups, transposed, layout)
    channels = shape[-rank - 1]
    weight_shape = weight.shape
    if transposed:
        expected_in, out_channels = weight_shape[0], weight_shape[1] * groups
    else:
        expected_in, out_channels = weight_shape[1] * groups, weight_shape[0]
    if channels != expected_in:
        raise ValueError(
            f"{call}: input: expected {expected_in} channels to match weight of shape "
            f"{weight_shape} {layout} with groups={groups}, got {channels} channels "
            f"(input shape {shape})"
        )
    # PyTorch lets a spatial dim be empty only when there is nothing to compute anyway:
    # an empty batch or no channels (a convolution's; a transposed one always has some).
    empty = ndim == rank + 2 and shape[0] == 0 or channels == 0
    if min(shape[-rank:]) < 1 and (transposed or not empty):
        allowed = "" if transposed else " (allowed with an empty batch or no channels)"
        raise ValueError(
            f"{call}: input: expected non-empty spatial dims{allowed}, got shape {input.shape}"
        )
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(
            f"{call}: bias: expected shape ({out_channels},) (one per output channel), got "
            f"{bias.shape}"
        )
    return channels, out_channels


def _check_common(
    call: str,
    rank: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    dilation: Any,
    groups: Any,
    padding_mode: Any,
    transposed: bool,
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int, str, int, int]:
    args.check_tensor(input, "input", call)
    args.check_tensor(weight, "weight", call)
    args.check_tensor(bias, "bias", call, optional=True)
    args.check_dtypes(call, input, ("weight", weight), ("bias", bias))
    limit = args.INT32_LIMIT if transposed else args.INT64_LIMIT
    strides = args.positive(stride, rank, "stride", call, limit)
    dilations = args.positive(dilation, rank, "dilation", call, limit)
    count = args.check_groups(groups, call)
    mode = args.check_mode(padding_mode, call)
    channels, out_channels = _check_layout(call, rank, input, weight, bias, count, transposed)
    kernel = weight.shape[2:]
    return strides, dilations, kernel, count, mode, channels, out_channels


def _conv_plan(
    call: str,
    rank: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    padding_mode: Any,
) -> _Plan:
    strides, dilations, kernel, count, mode, channels, out_channels = _check_common(
        call, rank, input, weight, bias, stride, dilation, groups, padding_mode, False
    )
    pairs = args.conv_pairs(padding, rank, strides, dilations, kernel, call)
    shape = input.shape
    sizes = shape[-rank:]
    args.check_mode_input(shape, rank, mode, call)
    args.check_mode_fits(pairs, sizes, mode, call, "input")
    out_sizes = args.conv_output_size(sizes, pairs, kernel, strides, dilations, call)
    # PyTorch: an input without channels gives a result without channels.
    kept = out_channels if channels else 0
    lead = shape[: -rank - 1]
    out_shape = (*lead, kept, *out_sizes)
    itemsize = input.dtype.itemsize
    # The messages' parts are built only for a call that is refused.
    if not args.fits(out_shape, itemsize):
        argument, formula = args.conv_size_cause(
            sizes, pairs, kernel, strides, dilations, out_sizes
        )
        args.check_allocatable(out_shape, itemsize, call, argument, "the output", formula)
    op_pairs, fused = _fused(pairs, mode)
    x_size = sizes
    if op_pairs:
        x_size = tuple(size + before + after for size, (before, after) in zip(sizes, op_pairs))
        padded_shape = (*lead, channels, *x_size)
        if not args.fits(padded_shape, itemsize):
            # padding="same" pads by the dilated kernel's span: then that is to blame.
            same = isinstance(padding, str)
            blamed = "padding" if not same else "dilation" if max(dilations) > 1 else "weight"
            args.check_allocatable(
                padded_shape, itemsize, call, blamed,
                f"the padded input (padding_mode={mode!r})",
                f"L_in + 2*padding = {x_size} per spatial dim",
            )  # fmt: skip
    geometry = ConvGeometry(
        _lift(strides, 1),
        _lift(dilations, 1),
        _lift(kernel, 1),
        count,
        _lift(x_size, 1),
        _lift(out_sizes, 1),
        fused,
    )
    return _Plan(op_pairs, mode, geometry, out_shape, None if channels else 0)


def _transposed_plan(
    call: str,
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
) -> _Plan:
    strides, dilations, kernel, count, mode, _, out_channels = _check_common(
        call, rank, input, weight, bias, stride, dilation, groups, padding_mode, True
    )
    shape = input.shape
    sizes = shape[-rank:]
    pairs, extra = args.transposed_pairs(
        padding, output_padding, rank, strides, dilations, kernel, call
    )
    if output_size is not None:
        if isinstance(padding, str) and padding == "same":
            raise ValueError(
                f"{call}: output_size: padding='same' already fixes the size to "
                f"L_in*stride, expected output_size=None, got {output_size!r}"
            )
        if any(extra):
            raise ValueError(
                f"{call}: output_padding: expected 0 when output_size is given (it is "
                f"derived from output_size), got {output_padding!r}"
            )
        extra = output_padding_for(
            output_size,
            sizes,
            kernel,
            strides,
            pairs,
            dilations,
            call=call,
            batched=input.ndim == rank + 2,
        )
    out_sizes = args.transposed_output_size(sizes, pairs, extra, kernel, strides, dilations, call)
    lead = shape[: -rank - 1]
    out_shape = (*lead, out_channels, *out_sizes)
    itemsize = input.dtype.itemsize
    # The messages' parts are built only for a call that is refused.
    if not args.fits(out_shape, itemsize):
        argument, formula = args.transposed_size_cause(
            sizes, pairs, extra, kernel, strides, dilations, out_sizes
        )
        if output_size is not None:
            argument = "output_size"
        args.check_allocatable(out_shape, itemsize, call, argument, "the output", formula)
    args.check_mode_fits(pairs, out_sizes, mode, call, "output")
    op_pairs, fused = _fused(pairs, mode)
    x_size = out_sizes
    if op_pairs:
        x_size = tuple(size + before + after for size, (before, after) in zip(out_sizes, op_pairs))
        padded_shape = (*lead, out_channels, *x_size)
        if not args.fits(padded_shape, itemsize):
            args.check_allocatable(
                padded_shape, itemsize, call, "padding",
                f"the output before the fold (padding_mode={mode!r})",
                f"L_out + 2*padding = {x_size} per spatial dim",
            )  # fmt: skip
    geometry = ConvGeometry(
        _lift(strides, 1),
        _lift(dilations, 1),
        _lift(kernel, 1),
        count,
        _lift(x_size, 1),
        _lift(sizes, 1),
        fused,
    )
    return _Plan(op_pairs, mode, geometry, out_shape)


def _batched(t: Tensor, rank: int) -> Tensor:
    """(C, *spatial) as (1, C, *spatial); batched input as it is. The conv ops take
    1-3 spatial dims themselves, so nothing else is reshaped on the way in.
    """
    return t if t.ndim == rank + 2 else reshape(t, (1, *t.shape))


def _add_bias(out: Tensor, bias: Tensor | None) -> Tensor:
    # A broadcast add: its gradient is the generic sum_to, nothing conv-specific.
    if bias is None:
        return out
    return out + reshape(bias, (bias.shape[0],) + (1,) * (out.ndim - 2))


def _kept(t: Tensor | None, filters: int | None) -> Tensor | None:
    """The leading ``filters`` entries of a weight or bias (all when None): a slice keeps
    the dropped ones in the graph, with zero gradients, as in PyTorch.
    """
    return t if t is None or filters is None else t[:filters]


def _conv(
    call: str,
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
    plan = _conv_plan(
        call, rank, input, weight, bias, stride, padding, dilation, groups, padding_mode
    )
    weight, bias = _kept(weight, plan.filters), _kept(bias, plan.filters)
    x = _batched(input, rank)
    if bias is None and not plan.pairs:
        # Fast path: only the kernel computes, and it keeps numpy's warnings off itself.
        return reshape(Conv.apply(x, weight, geometry=plan.geometry), plan.out_shape)
    # inf and NaN propagate as PyTorch's do, silently: numpy's warnings about them
    # (inf - inf in a sum, 0 * inf) are not the user's concern here.
    with np.errstate(invalid="ignore", over="ignore"):
        x = pad(x, plan.pairs, plan.mode)
        y = Conv.apply(x, weight, geometry=plan.geometry)
        return reshape(_add_bias(y, bias), plan.out_shape)


def _conv_transpose(
    call: str,
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
    plan = _transposed_plan(
        call,
        rank,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        padding_mode,
        output_size,
    )
    # The transposed weight (C_in, C_out/g, *k) is exactly the conv-layout weight
    # (C_out', C_in'/g, *k) of the convolution this op is the adjoint of, whose output
    # has our C_in channels: the same array goes to ConvTranspose, untransposed.
    y = _batched(input, rank)
    if bias is None and not plan.pairs:
        # Fast path: only the kernel computes, and it keeps numpy's warnings off itself.
        return reshape(ConvTranspose.apply(y, weight, geometry=plan.geometry), plan.out_shape)
    with np.errstate(invalid="ignore", over="ignore"):
        full = ConvTranspose.apply(y, weight, geometry=plan.geometry)
        # Adjoint of the padding: fold the border back (non-zero modes; zero padding is
        # fused, its taps dropped by the kernel). The trailing output_padding positions
        # got no kernel taps, so they fold in as zeros.
        x = pad_adjoint(full, plan.pairs, plan.mode)
        return reshape(_add_bias(x, bias), plan.out_shape)


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
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups, padding_mode)


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
    :func:`conv1d`, each int or a 2-tuple.

    >>> import minigrad as mg
    >>> conv2d(mg.ones(1, 1, 3, 3), mg.ones(1, 1, 2, 2), padding=1).shape
    (1, 1, 4, 4)
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups, padding_mode)


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
    :func:`conv1d`, each int or a 3-tuple.

    >>> import minigrad as mg
    >>> conv3d(mg.ones(2, 4, 4, 4), mg.ones(3, 2, 3, 3, 3), padding="same").shape
    (3, 4, 4, 4)
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups, padding_mode)


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
    """1-d transposed convolution, the adjoint of :func:`conv1d` in its input.

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
    return _conv_transpose(
        "conv_transpose1d",
        1,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        padding_mode,
        output_size,
    )


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
    :func:`conv_transpose1d`, each int or a 2-tuple.

    >>> import minigrad as mg
    >>> x = mg.ones(1, 8, 4, 4)
    >>> conv_transpose2d(x, mg.ones(8, 3, 4, 4), stride=2, padding=1).shape
    (1, 3, 8, 8)
    >>> conv_transpose2d(x, mg.ones(8, 3, 3, 3), stride=2, padding="same").shape
    (1, 3, 8, 8)
    """
    return _conv_transpose(
        "conv_transpose2d",
        2,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        padding_mode,
        output_size,
    )


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
    :func:`conv_transpose1d`, each int or a 3-tuple.

    >>> import minigrad as mg
    >>> conv_transpose3d(mg.ones(1, 2, 2, 2), mg.ones(1, 1, 2, 2, 2), output_size=(4, 4, 4),
    ...                  stride=2, padding_mode="circular").shape
    (1, 4, 4, 4)
    """
    return _conv_transpose(
        "conv_transpose3d",
        3,
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        padding_mode,
        output_size,
    )


def _sizes_rank(*values: Any) -> int:
    """The spatial rank of size arguments: the length of the first tuple, else 1."""
    for value in values:
        if isinstance(value, tuple | list):
            return len(value)
    return 1


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
    call = "conv_transpose_output_size"
    rank = _sizes_rank(input_size, kernel_size, stride, padding, output_padding, dilation)
    sizes = args.positive(input_size, rank, "input_size", call)
    kernel = args.positive(kernel_size, rank, "kernel_size", call)
    strides = args.positive(stride, rank, "stride", call, args.INT32_LIMIT)
    dilations = args.positive(dilation, rank, "dilation", call, args.INT32_LIMIT)
    pairs, extra = args.transposed_pairs(
        padding, output_padding, rank, strides, dilations, kernel, call
    )
    return args.transposed_output_size(sizes, pairs, extra, kernel, strides, dilations, call)


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
    call = "conv_transpose_overlap"
    rank = _sizes_rank(input_size, kernel_size, stride, padding, dilation)
    sizes = args.positive(input_size, rank, "input_size", call)
    kernel = args.positive(kernel_size, rank, "kernel_size", call)
    strides = args.positive(stride, rank, "stride", call, args.INT32_LIMIT)
    dilations = args.positive(dilation, rank, "dilation", call, args.INT32_LIMIT)
    pairs, extra = args.transposed_pairs(padding, 0, rank, strides, dilations, kernel, call)
    out_sizes = args.transposed_output_size(sizes, pairs, extra, kernel, strides, dilations, call)
    argument, formula = args.transposed_size_cause(
        sizes, pairs, extra, kernel, strides, dilations, out_sizes
    )
    args.check_allocatable(out_sizes, 8, call, argument, "the counts", formula)
    counts = np.ones((), dtype=np.int64)
    for dim in range(rank):
        per_dim = _taps_per_position(
            sizes[dim], kernel[dim], strides[dim], dilations[dim], pairs[dim][0], out_sizes[dim]
        )
        counts = np.multiply.outer(counts, per_dim)
    return counts


def _taps_per_position(size: int, k: int, s: int, d: int, before: int, length: int) -> np.ndarray:
    """Per output position q, the pairs (input position i < size, tap t < k) with
    ``i s + t d = q + before``, counted in closed form (no loop over i or t).

    With ``m = q + before``, the taps are those with ``t d <= m``, ``m - t d <= (size -
    1) s`` and ``t d = m (mod s)``: a range of t, of which, with g = gcd(s, d), every
    (s/g)-th one from ``t0 = (m/g) (d/g)^-1 mod s/g`` on (none unless g divides m).
    """
    m = np.arange(length, dtype=np.int64) + before
    g = math.gcd(s, d)
    period = s // g
    first = (m // g % period) * pow(d // g, -1, period) % period
    # Clamped so that int64 holds them; the clamps change no count.
    top = np.minimum(min(k - 1, length + before), m // d)
    reach = min((size - 1) * s, length + before + 1)
    bottom = np.maximum(0, -((reach - m) // d))
    count = (top - first) // period - (bottom - 1 - first) // period
    return np.where((m % g == 0) & (top >= bottom), count, 0)
