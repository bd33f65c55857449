"""The front door of the convolution calls: their arguments, checked once, as a ConvSpec.

``conv1d`` ... ``conv_transpose3d`` (and through them the nn layers' ``forward``) hand
their arguments to ``conv_spec`` or ``transposed_spec``, which check them in one
order (tensors and dtypes, then the ints, then the shapes, then the sizes) and return a
frozen ``ConvSpec``: everything [`minigrad.functional.conv`][] needs to run the
ops, with named fields. The rules on the tensors' layout (ranks, channels, groups, the
bias) and on output_size against the other arguments are worded here; the checks of
values and the size arithmetic are ``minigrad.functional._conv_args``' (which the
layers' constructors use too), the tensor check ``minigrad.functional._arguments``'.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from minigrad import dtypes
from minigrad.functional import _conv_args as args
from minigrad.functional._arguments import check_tensor
from minigrad.ops.conv import NO_PADDING, ConvGeometry, Pair, Triple
from minigrad.tensor import Tensor

PerDim = tuple[Pair, Pair, Pair]  # a geometry's zero padding
# The public names, by rank, for messages.
CONV_CALLS = ("", "conv1d", "conv2d", "conv3d")
TRANSPOSED_CALLS = ("", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


@dataclass(frozen=True, slots=True)
class ConvSpec:
    """One checked call of a convolution or a transposed convolution.

    Attributes:
        rank: the number of spatial dims, 1 to 3.
        transposed: whether it is a transposed convolution.
        stride: s per spatial dim.
        padding: (before, after) per spatial dim: what a convolution pads its input by,
            or what a transposed one crops from its full output ("same" may put one
            more at the end).
        dilation: d per spatial dim.
        groups: g.
        mode: the padding mode.
        output_padding: op per spatial dim, as given, set by ``padding="same"`` or
            derived from ``output_size``; zeros for a convolution.
        kernel_size: k per spatial dim (the weight's trailing dims).
        in_size: the input's spatial sizes.
        out_size: the result's spatial sizes.
        out_shape: the result's shape, unbatched when the input is.
        filters: how many of the weight's filters (and biases) the result keeps: None
            for all, 0 for a convolution of an input without channels (PyTorch's shape).
        pads: the padding left to the ``Pad`` / ``PadAdjoint`` ops: none (``()``) for
            zero padding, which the geometry fuses into the kernels.
        geometry: the conv ops' 3-d geometry.
    """

    rank: int
    transposed: bool
    stride: tuple[int, ...]
    padding: args.Pairs
    dilation: tuple[int, ...]
    groups: int
    mode: str
    output_padding: tuple[int, ...]
    kernel_size: tuple[int, ...]
    in_size: tuple[int, ...]
    out_size: tuple[int, ...]
    out_shape: tuple[int, ...]
    filters: int | None
    pads: args.Pairs
    geometry: ConvGeometry


# The specs of recent calls, by everything a spec is computed from (see _key): a layer
# called again with the same shapes gets its spec back without the checks' dozens of
# steps. Only calls that passed every check are kept; bounded, cleared when full.
_SPECS: dict[tuple[Any, ...], ConvSpec] = {}
SPEC_CACHE_SIZE = 256


def _key(
    rank: int, transposed: bool, input: Any, weight: Any, bias: Any, *plain: Any
) -> tuple[Any, ...] | None:
    """The cache key of a call, or None for one that is not cached: the tensors' shapes
    and dtype (for tensors of one float dtype), the plain arguments as given. Those must
    be ints, strings, None or tuples of ints, of exactly those types (``True == 1`` and
    ``1.0 == 1``, but they are not checked alike).
    """
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        return None
    dtype = input.dtype
    if not dtypes.is_float(dtype) or weight.dtype != dtype:
        return None
    if bias is None:
        bias_shape = None
    elif isinstance(bias, Tensor) and bias.dtype == dtype:
        bias_shape = bias.shape
    else:
        return None
    for value in plain:
        kind = type(value)
        if kind is tuple:
            if not all(type(item) is int for item in value):
                return None
        elif kind is not int and kind is not str and value is not None:
            return None
    return (rank, transposed, dtype, input.shape, weight.shape, bias_shape, *plain)


def _cached(
    checked: Callable[..., ConvSpec],
    rank: int,
    transposed: bool,
    input: Any,
    weight: Any,
    bias: Any,
    *plain: Any,
) -> ConvSpec:
    """``checked(rank, input, weight, bias, *plain)``, or the spec it gave for an earlier
    call with the same key; a call that raises leaves nothing behind.
    """
    key = _key(rank, transposed, input, weight, bias, *plain)
    spec = None if key is None else _SPECS.get(key)
    if spec is None:
        spec = checked(rank, input, weight, bias, *plain)
        if key is not None:
            if len(_SPECS) >= SPEC_CACHE_SIZE:
                _SPECS.clear()
            _SPECS[key] = spec
    return spec


def conv_spec(
    rank: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    padding_mode: Any,
) -> ConvSpec:
    """The checked call of ``conv{rank}d`` with these arguments (kept for the next call
    with the same shapes and arguments).
    """
    return _cached(_checked, rank, False, input, weight, bias, stride, padding, dilation,
                   groups, padding_mode)  # fmt: skip


def _checked(
    rank: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any,
    padding_mode: Any,
) -> ConvSpec:
    """``conv_spec``'s checks and arithmetic."""
    call = CONV_CALLS[rank]
    _check_tensors(call, input, weight, bias)
    strides = args.positive(stride, rank, "stride", call)
    dilations = args.positive(dilation, rank, "dilation", call)
    count = args.positive_int(groups, "groups", call)
    mode = args.check_mode(padding_mode, call)
    channels, out_channels = _check_layout(call, rank, False, input, weight, bias, count)
    shape, kernel = input.shape, weight.shape[2:]
    sizes = shape[-rank:]
    pairs = args.conv_pairs(padding, rank, strides, dilations, kernel, call)
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
    pads = () if mode == "zeros" else pairs
    x_size = sizes
    if pads:
        x_size = tuple(size + before + after for size, (before, after) in zip(sizes, pads))
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
    geometry = _geometry(strides, dilations, kernel, count, x_size, out_sizes, pairs, pads)
    return ConvSpec(
        rank=rank,
        transposed=False,
        stride=strides,
        padding=pairs,
        dilation=dilations,
        groups=count,
        mode=mode,
        output_padding=(0,) * rank,
        kernel_size=kernel,
        in_size=sizes,
        out_size=out_sizes,
        out_shape=out_shape,
        filters=None if channels else 0,
        pads=pads,
        geometry=geometry,
    )


def transposed_spec(
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
) -> ConvSpec:
    """The checked call of ``conv_transpose{rank}d`` with these arguments (kept for the
    next call with the same shapes and arguments).
    """
    return _cached(_transposed_checked, rank, True, input, weight, bias, stride, padding,
                   output_padding, groups, dilation, padding_mode, output_size)  # fmt: skip


def _transposed_checked(
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
) -> ConvSpec:
    """``transposed_spec``'s checks and arithmetic."""
    call = TRANSPOSED_CALLS[rank]
    _check_tensors(call, input, weight, bias)
    # A transposed convolution's kernels keep these in 32 bits, as PyTorch's do.
    strides = args.positive(stride, rank, "stride", call, args.INT32_LIMIT)
    dilations = args.positive(dilation, rank, "dilation", call, args.INT32_LIMIT)
    count = args.positive_int(groups, "groups", call)
    mode = args.check_mode(padding_mode, call)
    _, out_channels = _check_layout(call, rank, True, input, weight, bias, count)
    shape, kernel = input.shape, weight.shape[2:]
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
        batched = input.ndim == rank + 2
        extra = args.output_padding_for(
            output_size, sizes, kernel, strides, pairs, dilations, call=call, batched=batched
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
    pads = () if mode == "zeros" else pairs
    x_size = out_sizes
    if pads:
        x_size = tuple(size + before + after for size, (before, after) in zip(out_sizes, pads))
        padded_shape = (*lead, out_channels, *x_size)
        if not args.fits(padded_shape, itemsize):
            args.check_allocatable(
                padded_shape, itemsize, call, "padding",
                f"the output before the fold (padding_mode={mode!r})",
                f"L_out + 2*padding = {x_size} per spatial dim",
            )  # fmt: skip
    # The op runs the convolution this call is the adjoint of: x is our output side.
    geometry = _geometry(strides, dilations, kernel, count, x_size, sizes, pairs, pads)
    return ConvSpec(
        rank=rank,
        transposed=True,
        stride=strides,
        padding=pairs,
        dilation=dilations,
        groups=count,
        mode=mode,
        output_padding=extra,
        kernel_size=kernel,
        in_size=sizes,
        out_size=out_sizes,
        out_shape=out_shape,
        filters=None,
        pads=pads,
        geometry=geometry,
    )


def _check_tensors(call: str, input: Any, weight: Any, bias: Any) -> None:
    """Tensors (the bias may be None), the input float32 or float64, the others of its
    dtype.
    """
    if (
        isinstance(input, Tensor)
        and isinstance(weight, Tensor)
        and (bias is None or isinstance(bias, Tensor))
    ):
        dtype = input.dtype
        if (
            dtypes.is_float(dtype)
            and weight.dtype == dtype
            and (bias is None or bias.dtype == dtype)
        ):
            return  # the usual call, in a few comparisons; any other is checked in full
    check_tensor(input, "input", call, floating=False)
    check_tensor(weight, "weight", call, floating=False)
    check_tensor(bias, "bias", call, floating=False, optional=True)
    args.check_dtypes(call, input, ("weight", weight), ("bias", bias))


def _check_layout(
    call: str,
    rank: int,
    transposed: bool,
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    groups: int,
) -> tuple[int, int]:
    """Ranks, channels and groups; returns (input channels, output channels)."""
    shape, weight_shape = input.shape, weight.shape
    ndim = len(shape)
    if ndim != rank + 1 and ndim != rank + 2:
        raise ValueError(
            f"{call}: input: expected a {rank + 2}-d (N, C, *spatial) or {rank + 1}-d "
            f"unbatched tensor, got shape {shape}"
        )
    layout = "(C_in, C_out/groups, *k)" if transposed else "(C_out, C_in/groups, *k)"
    _check_weight(call, rank, weight_shape, groups, transposed, layout)
    channels = shape[-rank - 1]
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
            f"{call}: input: expected non-empty spatial dims{allowed}, got shape {shape}"
        )
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(
            f"{call}: bias: expected shape ({out_channels},) (one per output channel), got "
            f"{bias.shape}"
        )
    return channels, out_channels


def _check_weight(
    call: str, rank: int, shape: tuple[int, ...], groups: int, transposed: bool, layout: str
) -> None:
    """The weight's rank, a non-empty kernel, and at least one filter per group: a
    weight without filters (C_out = 0 for a convolution, C_in = 0 or C_out = 0 for a
    transposed one) is refused, as PyTorch does.
    """
    if len(shape) != rank + 2 or min(shape[2:]) < 1:
        raise ValueError(
            f"{call}: weight: expected a {rank + 2}-d tensor {layout} with non-empty kernel, "
            f"got shape {shape}"
        )
    if shape[0] < groups:
        raise ValueError(
            f"{call}: weight: expected at least groups={groups} entries in dim 0 (weight "
            f"{layout}: one or more channels per group), got shape {shape}"
        )
    if shape[0] % groups != 0:
        raise ValueError(
            f"{call}: groups: expected a divisor of weight.shape[0] = {shape[0]} "
            f"(weight {layout}), got groups={groups}"
        )
    if transposed and shape[1] == 0:
        raise ValueError(
            f"{call}: weight: expected at least one output channel per group in dim 1 "
            f"(weight {layout}), got shape {shape}"
        )


def _geometry(
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    kernel: tuple[int, ...],
    groups: int,
    x_size: tuple[int, ...],
    y_size: tuple[int, ...],
    pairs: args.Pairs,
    pads: args.Pairs,
) -> ConvGeometry:
    """The ops' geometry, 3-d (a lower rank is its trailing dims after size-1 ones), with
    zero padding fused in (``pairs``) unless the Pad ops do the padding (``pads``).
    """
    ones = (1,) * (3 - len(stride))
    fused = NO_PADDING if pads else ((0, 0),) * (3 - len(pairs)) + pairs
    return ConvGeometry(
        cast(Triple, ones + stride),
        cast(Triple, ones + dilation),
        cast(Triple, ones + kernel),
        groups,
        cast(Triple, ones + x_size),
        cast(Triple, ones + y_size),
        cast(PerDim, fused),
    )
