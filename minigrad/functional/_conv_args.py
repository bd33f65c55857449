"""Argument checks and size arithmetic for the convolution calls and layers.

Everything here works on Python ints, per spatial dim, before any array is touched.
Messages name the call, the argument, the value it got and what was expected; size
errors print the formula with the numbers filled in, the sizes that are reachable and
arguments that would reach the size asked for. Building a message is O(1) in the sizes.
Each rule is worded once: the functional calls (through
``minigrad.functional._conv_spec``) and the layers' constructors (``layer_*``,
``check_channels``, ``check_mode(..., layer=True)``) share these checks, and the
padding modes are the list of ``minigrad.ops.pad``.

Integers, as PyTorch reads them: an int or a sequence of one (repeated) or ``rank``
ints, each a 64-bit int; a convolution's padding at most 2**62 - 1 (twice it must fit
in 64 bits); a transposed convolution's stride, padding, output_padding and dilation
below 2**31 (its kernels keep them in 32 bits: PyTorch refuses larger ones, or wraps
them around to a small wrong value). The size arithmetic itself is exact.

Allocation (``check_allocatable``): a call is refused before any work when an array it
must create could not be allocated, that is when numpy could not create it (its bytes,
counting only the non-empty dims, do not fit in an intp: numpy's own test, which holds
for an empty array too) or when it would take more bytes than this machine's physical
memory (read once, at import). The arrays are the result and, for padding modes other
than zeros, the padded intermediate (a convolution's padded input, a transposed
convolution's output before the fold). Zero padding is fused into the kernels, which
never materialise it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import _checks, dtypes
from minigrad.ops.pad import MODES
from minigrad.tensor import Tensor

Pairs = tuple[tuple[int, int], ...]

TRANSPOSED_FORMULA = (
    "L_out = (L_in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1"
)
CONV_FORMULA = "L_out = floor((L_in + 2*padding - dilation*(k - 1) - 1) / stride) + 1"

INT64_LIMIT = 2**63
PADDING_LIMIT = 2**62
INT32_LIMIT = 2**31
LIMIT_REASONS = {
    INT64_LIMIT: "a 64-bit int, as in PyTorch",
    PADDING_LIMIT: "twice it must fit in a 64-bit int, as in PyTorch",
    INT32_LIMIT: "a transposed convolution keeps it in 32 bits, as PyTorch does",
}
INDEX_LIMIT = int(np.iinfo(np.intp).max)


def _physical_memory() -> int | None:
    """This machine's physical memory in bytes, or None where the OS does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return None


PHYSICAL_MEMORY = _physical_memory()


def check_dtypes(call: str, input: Tensor, *others: tuple[str, Tensor | None]) -> None:
    """``input`` is float32 or float64, and every other tensor has the same dtype."""
    if not dtypes.is_float(input.dtype):
        raise TypeError(f"{call}: input: expected dtype float32 or float64, got {input.dtype}")
    for argument, tensor in others:
        if tensor is not None and tensor.dtype != input.dtype:
            raise TypeError(
                f"{call}: {argument}: expected the input's dtype {input.dtype}, got "
                f"{tensor.dtype} (convert one with .float() or .double())"
            )


def spatial(
    value: Any,
    rank: int,
    argument: str,
    call: str,
    limit: int = INT64_LIMIT,
    *,
    exact: bool = False,
) -> tuple[int, ...]:
    """An int, or a sequence of one or ``rank`` ints (one is repeated, as in PyTorch),
    as a tuple of ``rank`` ints, each of magnitude below ``limit``.

    ``exact`` is a layer constructor's reading (it stores the tuple): an int or exactly
    ``rank`` ints, of any size, any other sequence being a ``ValueError``.
    """
    if _checks.is_int(value):
        items: tuple[Any, ...] = (value,)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = tuple(value)
        if exact and (len(items) != rank or not all(_checks.is_int(v) for v in items)):
            raise ValueError(
                f"{call}: {argument}: expected an int or a tuple of {rank} ints, got {value!r}"
            )
    else:
        raise TypeError(
            f"{call}: {argument}: expected an int or a tuple of {rank} ints, got "
            f"{type(value).__name__} {value!r}"
        )
    if not all(_checks.is_int(v) for v in items):
        raise TypeError(f"{call}: {argument}: expected an int or a tuple of ints, got {value!r}")
    if len(items) not in (1, rank):
        raise ValueError(
            f"{call}: {argument}: expected an int or a tuple of {rank} ints (or of one, "
            f"used for every dim), got {value!r}"
        )
    values = tuple(int(v) for v in items) * (rank if len(items) == 1 else 1)
    if not exact and any(not -limit <= v < limit for v in values):
        raise ValueError(
            f"{call}: {argument}: expected values below 2**{limit.bit_length() - 1} "
            f"({LIMIT_REASONS[limit]}), got {_show(values)}"
        )
    return values


def _plain(value: Any, rank: int, low: int, limit: int) -> tuple[int, ...] | None:
    """``value`` as ``rank`` ints when it is spelt the common way, a plain int or a tuple
    of one or ``rank`` plain ints, each in ``[low, limit)``; else None (the general
    checks then decide, and word the error).
    """
    if type(value) is int:
        return (value,) * rank if low <= value < limit else None
    if type(value) is not tuple or (len(value) != rank and len(value) != 1):
        return None
    for v in value:
        if type(v) is not int or not low <= v < limit:
            return None
    return value if len(value) == rank else value * rank


def positive(
    value: Any, rank: int, argument: str, call: str, limit: int = INT64_LIMIT
) -> tuple[int, ...]:
    # Fast path: the common spellings pass every check below in one comparison each.
    values = _plain(value, rank, 1, limit)
    if values is not None:
        return values
    values = spatial(value, rank, argument, call, limit)
    _checks.check_positive(values, f"{call}: {argument}")
    return values


def non_negative(
    value: Any, rank: int, argument: str, call: str, limit: int = INT64_LIMIT
) -> tuple[int, ...]:
    # Fast path: as in positive().
    values = _plain(value, rank, 0, limit)
    if values is not None:
        return values
    values = spatial(value, rank, argument, call, limit)
    _checks.check_non_negative(values, f"{call}: {argument}")
    return values


def positive_int(value: Any, argument: str, call: str) -> int:
    """A positive int (a numpy int too; not a bool, which PyTorch refuses as well):
    groups, and a layer's in_channels and out_channels.
    """
    if type(value) is int and value >= 1:
        return value  # the usual spelling, checked in one comparison
    if not _checks.is_int(value):
        raise TypeError(
            f"{call}: {argument}: expected a positive int, got {type(value).__name__} {value!r}"
        )
    if value < 1:
        raise ValueError(f"{call}: {argument}: expected a positive int, got {value}")
    return int(value)


def check_channels(in_channels: Any, out_channels: Any, groups: Any, call: str) -> None:
    """A layer's channels and groups: positive ints, the channels multiples of groups.

    PyTorch builds a layer with zero channels (whose forward then fails or returns
    nothing); minigrad refuses it when it is built, by name.
    """
    channels = (("in_channels", in_channels), ("out_channels", out_channels))
    for argument, value in (*channels, ("groups", groups)):
        positive_int(value, argument, call)
    for argument, value in channels:
        if value % groups:
            raise ValueError(
                f"{call}: {argument}: expected a multiple of groups={groups}, got {value}"
            )


def check_mode(padding_mode: Any, call: str, *, layer: bool = False) -> str:
    """One of ``MODES``. A value of another type is a ``TypeError``, except for a layer's
    constructor, which refuses anything else with ``ValueError``, as PyTorch's does.
    """
    if isinstance(padding_mode, str) and padding_mode in MODES:
        return padding_mode
    expected = f"{call}: padding_mode: expected one of {', '.join(map(repr, MODES))}, got"
    if not isinstance(padding_mode, str) and not layer:
        raise TypeError(f"{expected} {type(padding_mode).__name__} {padding_mode!r}")
    raise ValueError(f"{expected} {padding_mode!r}")


def check_mode_fits(pairs: Pairs, sizes: tuple[int, ...], mode: str, call: str, side: str) -> None:
    """Reflect pads must be smaller than the padded dim, circular ones at most its size
    (a wider border would copy padding, which PyTorch refuses too).
    """
    if mode != "reflect" and mode != "circular":
        return  # nothing to check for the other modes
    for dim, ((before, after), size) in enumerate(zip(pairs, sizes)):
        widest = max(before, after)
        if mode == "reflect" and widest >= size:
            raise ValueError(
                f"{call}: padding: padding_mode='reflect' needs padding smaller than the "
                f"{side} size, got padding {widest} for {side} size {size} in spatial dim {dim}"
            )
        if mode == "circular" and widest > size:
            raise ValueError(
                f"{call}: padding: padding_mode='circular' needs padding at most the "
                f"{side} size, got padding {widest} for {side} size {size} in spatial dim {dim}"
            )


def check_mode_input(shape: tuple[int, ...], rank: int, mode: str, call: str) -> None:
    """Reflect and replicate padding read the edges of every (sample, channel) plane:
    PyTorch refuses an input without channels or with an empty spatial dim (an empty
    batch is fine), and so do we, whatever the padding.
    """
    if mode in ("reflect", "replicate") and 0 in shape[-rank - 1 :]:
        raise ValueError(
            f"{call}: input: padding_mode={mode!r} needs an input with channels and "
            f"non-empty spatial dims (as in PyTorch), got shape {shape}"
        )


def check_padding_name(padding: str, call: str) -> None:
    """The names a padding may have besides ints: "valid" (none) and "same"."""
    if padding != "valid" and padding != "same":
        raise ValueError(
            f"{call}: padding: expected an int, a tuple of ints, 'valid' or 'same', got "
            f"{padding!r}"
        )


def check_same_stride(stride: tuple[int, ...], call: str) -> None:
    """A convolution's padding="same" needs stride 1 in every dim, as in PyTorch."""
    if any(s != 1 for s in stride):
        raise ValueError(
            f"{call}: padding: padding='same' needs stride 1 (it is not supported for "
            f"strided convolutions, as in PyTorch), got stride={_show(stride)}; use an int "
            "padding or stride=1"
        )


def layer_tuple(value: Any, rank: int, argument: str, call: str) -> tuple[int, ...]:
    """A layer constructor's reading of an int argument, which it stores: an int or
    exactly ``rank`` ints, of any value (the values are checked when the layer is
    called, as in PyTorch; kernel_size is checked by the constructor).
    """
    return spatial(value, rank, argument, call, exact=True)


def layer_padding(
    padding: Any, rank: int, stride: tuple[int, ...], transposed: bool, call: str
) -> str | tuple[int, ...]:
    """A layer constructor's padding: "valid", "same" (for a convolution only with
    stride 1, checked here as PyTorch does) or ints as in ``layer_tuple``.
    """
    if not isinstance(padding, str):
        return layer_tuple(padding, rank, "padding", call)
    check_padding_name(padding, call)
    if padding == "same" and not transposed:
        check_same_stride(stride, call)
    return padding


def check_layer_output_size(output_size: Any, call: str) -> None:
    """A layer's ``forward(input, output_size)`` takes a sequence (or None), as
    PyTorch's does; the functional form also takes one int for every dim.
    """
    if output_size is not None and (
        _checks.is_int(output_size) or isinstance(output_size, bool | float | str)
    ):
        raise TypeError(
            f"{call}: output_size: expected a sequence of ints (the spatial sizes or the "
            f"whole output shape), got {type(output_size).__name__} {output_size!r}"
        )


def conv_pairs(
    padding: Any,
    rank: int,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    kernel: tuple[int, ...],
    call: str,
) -> Pairs:
    """Conv padding as (before, after) per dim; "same" puts an odd extra one at the end."""
    if isinstance(padding, str):
        check_padding_name(padding, call)
        if padding == "valid":
            return ((0, 0),) * rank
        if padding == "same":
            check_same_stride(stride, call)
            totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
            for dim, (total, d, k) in enumerate(zip(totals, dilation, kernel)):
                if total - total // 2 >= PADDING_LIMIT:
                    raise ValueError(
                        f"{call}: dilation: padding='same' pads by dilation*(k - 1) = "
                        f"{d}*({k} - 1) = {total} in spatial dim {dim}, expected below "
                        f"2**63 ({LIMIT_REASONS[PADDING_LIMIT]}); use a smaller dilation"
                    )
            return tuple((t // 2, t - t // 2) for t in totals)
    values = non_negative(padding, rank, "padding", call, PADDING_LIMIT)
    return tuple((p, p) for p in values)


def transposed_pairs(
    padding: Any,
    output_padding: Any,
    rank: int,
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    kernel: tuple[int, ...],
    call: str,
) -> tuple[Pairs, tuple[int, ...]]:
    """Transposed padding as (before, after) crops per dim, and the output_padding.

    "same" gives L_out = L_in * stride (Keras): the full output has
    ``(L_in - 1) s + d (k - 1) + 1`` elements, so ``d (k - 1) + 1 - s`` are cropped
    (an odd one from the end), or, when that is negative, added as output_padding.
    """
    extra = non_negative(output_padding, rank, "output_padding", call, INT32_LIMIT)
    if isinstance(padding, str) and padding == "same":
        if any(extra):
            raise ValueError(
                f"{call}: output_padding: padding='same' sets it, expected 0, got {_show(extra)}"
            )
        totals = [d * (k - 1) + 1 - s for s, d, k in zip(stride, dilation, kernel)]
        pairs = tuple((t // 2, t - t // 2) if t >= 0 else (0, 0) for t in totals)
        return pairs, tuple(max(-t, 0) for t in totals)
    if isinstance(padding, str):
        check_padding_name(padding, call)
        values = (0,) * rank
    else:
        values = non_negative(padding, rank, "padding", call, INT32_LIMIT)
    for s, d, op in zip(stride, dilation, extra):
        if op >= s and op >= d:
            raise ValueError(
                f"{call}: output_padding: expected each value smaller than stride or dilation, "
                f"got output_padding={_show(extra)} with stride={_show(stride)} and "
                f"dilation={_show(dilation)}"
            )
    return tuple((p, p) for p in values), extra


def conv_output_size(
    sizes: tuple[int, ...],
    pairs: Pairs,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    call: str,
) -> tuple[int, ...]:
    """``floor((L_in + before + after - d (k - 1) - 1) / s) + 1`` per dim, at least 1."""
    result = []
    for dim, (size, (before, after), k, s, d) in enumerate(
        zip(sizes, pairs, kernel, stride, dilation)
    ):
        span = d * (k - 1) + 1
        if size + before + after < span:
            least_padding = -(-(span - size) // 2)
            raise ValueError(
                f"{call}: input: spatial size {size} in dim {dim} is too small for the kernel: "
                f"{CONV_FORMULA} = floor(({size} + {_twice(before, after)} - {d}*({k} - 1) - 1)"
                f" / {s}) + 1 = {(size + before + after - span) // s + 1}, expected at least 1; "
                f"reachable only when L_in + 2*padding >= dilation*(k - 1) + 1 = {span}: use "
                f"an input of size >= {span - before - after}, padding >= {least_padding}, "
                f"or a smaller kernel or dilation"
            )
        result.append((size + before + after - span) // s + 1)
    return tuple(result)


def transposed_output_size(
    sizes: tuple[int, ...],
    pairs: Pairs,
    extra: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    call: str,
) -> tuple[int, ...]:
    """The SPEC formula per dim (with before + after for 2*padding), at least 1.

    Without padding it is at least 1 anyway, so a size below 1 is the padding's doing.
    """
    result = []
    for dim, (size, (before, after), op, k, s, d) in enumerate(
        zip(sizes, pairs, extra, kernel, stride, dilation)
    ):
        full = (size - 1) * s + d * (k - 1) + 1
        length = full - before - after + op
        if length < 1:
            widest = (full + op - 1) // 2
            lowest = full - before - after
            raise ValueError(
                f"{call}: padding: output size {length} in spatial dim {dim} is below 1: "
                f"{TRANSPOSED_FORMULA} = {_transposed_numbers(size, s, before, after, d, k)} + "
                f"{op} + 1 = {length}, expected at least 1; with this padding the reachable "
                f"sizes are [{lowest}, {lowest + max(s, d) - 1}]; padding <= {widest} would "
                f"give a size of at least 1"
            )
        result.append(length)
    return tuple(result)


def check_allocatable(
    shape: tuple[int, ...], itemsize: int, call: str, argument: str, what: str, cause: str
) -> None:
    """Refuse, naming ``argument``, an array that could not be allocated (the rule in
    the module docstring); ``cause`` says where its size comes from.
    """
    if fits(shape, itemsize):
        return
    nonzero = math.prod(size for size in shape if size)
    elements = math.prod(shape)
    if nonzero * itemsize > INDEX_LIMIT:
        limit = (
            f"numpy can index: its non-empty dims hold {nonzero} elements of {itemsize} "
            f"bytes, more than 2**63 - 1 bytes"
        )
    else:  # then it is more bytes than the physical memory
        limit = (
            f"this machine can hold: {elements} elements of {itemsize} bytes "
            f"({elements * itemsize} bytes), more than its {PHYSICAL_MEMORY} bytes of "
            f"physical memory"
        )
    raise ValueError(
        f"{call}: {argument}: {what} would have shape {shape}, more than {limit}; {cause}"
    )


def fits(shape: tuple[int, ...], itemsize: int) -> bool:
    """Whether ``check_allocatable`` lets this array be: callers test this first and
    build the message's parts only when it does not.
    """
    elements = math.prod(shape)
    if elements:  # no empty dim: the non-empty dims are all of them
        nbytes = elements * itemsize
        return nbytes <= INDEX_LIMIT and (PHYSICAL_MEMORY is None or nbytes <= PHYSICAL_MEMORY)
    return math.prod(size for size in shape if size) * itemsize <= INDEX_LIMIT


def conv_size_cause(
    sizes: tuple[int, ...],
    pairs: Pairs,
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    out_sizes: tuple[int, ...],
) -> tuple[str, str]:
    """The argument to blame for a conv output too large to allocate (its padding, when
    some dim is padded by more than its size, else the input) and the formula of its
    largest dim with the numbers filled in.
    """
    dim = max(range(len(sizes)), key=lambda i: out_sizes[i])
    size, (before, after), k, s, d = (
        sizes[dim],
        pairs[dim],
        kernel[dim],
        stride[dim],
        dilation[dim],
    )
    padded = any(b + a > n for n, (b, a) in zip(sizes, pairs))
    formula = (
        f"{CONV_FORMULA} = floor(({size} + {_twice(before, after)} - {d}*({k} - 1) - 1) / {s})"
        f" + 1 = {out_sizes[dim]} in spatial dim {dim}"
    )
    return ("padding" if padded else "input"), formula


def transposed_size_cause(
    sizes: tuple[int, ...],
    pairs: Pairs,
    extra: tuple[int, ...],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    out_sizes: tuple[int, ...],
) -> tuple[str, str]:
    """The argument to blame for a transposed output too large to allocate, from the
    largest term of its largest dim: ``(L_in - 1) s`` (the stride, or the input when it
    is the larger factor), ``d (k - 1)`` (the dilation, or the weight's kernel) or the
    output_padding; and that dim's formula with the numbers filled in.
    """
    dim = max(range(len(sizes)), key=lambda i: out_sizes[i])
    size, (before, after), op = sizes[dim], pairs[dim], extra[dim]
    k, s, d = kernel[dim], stride[dim], dilation[dim]
    terms = {
        ("stride" if s > size - 1 else "input"): (size - 1) * s,
        ("dilation" if d > k - 1 else "weight"): d * (k - 1),
        "output_padding": op,
    }
    formula = (
        f"{TRANSPOSED_FORMULA} = {_transposed_numbers(size, s, before, after, d, k)} + {op} + 1"
        f" = {out_sizes[dim]} in spatial dim {dim}"
    )
    return max(terms, key=lambda name: terms[name]), formula


def output_padding_for(
    output_size: Any,
    input_size: Sequence[int],
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    call: str = "conv_transpose",
    batched: bool | None = None,
) -> tuple[int, ...]:
    """The output_padding that makes a transposed convolution produce ``output_size``.

    For each spatial dim the reachable sizes are ``[m, m + max(stride, dilation) - 1]``
    with ``m = (L_in - 1) s - 2 p + d (k - 1) + 1``, since output_padding may be anything
    below stride or dilation (PyTorch's min/max rule, widened as the SPEC allows).

    Args:
        output_size: an int, the ``rank`` trailing spatial sizes, or a whole shape whose
            trailing ``rank`` sizes count: ``(N, C, *spatial)`` for a batched input,
            ``(C, *spatial)`` for an unbatched one (either, when ``batched`` is None).
            A tuple, a list or a 1-d numpy int array.
        input_size: the input's spatial sizes; their number is the rank.
        kernel_size: k, an int or a tuple of ``rank`` ints.
        stride: s, likewise.
        padding: p, likewise, or a ``(before, after)`` pair per dim.
        dilation: d, likewise.
        call: the name of the public call, for messages.
        batched: whether the input has a batch dim (None: not known).

    Returns:
        output_padding as a tuple of ``rank`` ints.

    Raises:
        ValueError: when a size is out of reach; the message gives the formula with the
            numbers, the reachable range and arguments that would reach the size.

    >>> output_padding_for((8, 7), (4, 4), 3, stride=2, padding=1)
    (1, 0)
    """
    rank = len(input_size)
    kernel = positive(kernel_size, rank, "kernel_size", call)
    strides = positive(stride, rank, "stride", call)
    dilations = positive(dilation, rank, "dilation", call)
    pairs = _padding_pairs(padding, rank, call)
    wanted = _trailing_sizes(output_size, rank, call, batched)
    result = []
    for dim in range(rank):
        size, (before, after), k, s, d = (
            input_size[dim],
            pairs[dim],
            kernel[dim],
            strides[dim],
            dilations[dim],
        )
        smallest = (size - 1) * s - before - after + d * (k - 1) + 1
        largest = smallest + max(s, d) - 1
        target = wanted[dim]
        if not smallest <= target <= largest:
            raise ValueError(
                f"{call}: output_size: size {target} in spatial dim {dim} is not reachable: "
                f"{TRANSPOSED_FORMULA} = {_transposed_numbers(size, s, before, after, d, k)} + "
                f"output_padding + 1 = {smallest} + output_padding, with "
                f"output_padding in [0, {max(s, d) - 1}] (below stride or dilation), so "
                f"reachable sizes are [{smallest}, {largest}]; "
                f"{_suggestion(size, k, s, d, target)}"
            )
        result.append(target - smallest)
    return tuple(result)


def _padding_pairs(padding: Any, rank: int, call: str) -> Pairs:
    if isinstance(padding, Sequence) and any(isinstance(p, Sequence) for p in padding):
        pairs = tuple(tuple(p) if isinstance(p, Sequence) else (p, p) for p in padding)
        flat = tuple(v for pair in pairs for v in pair)
        if (
            len(pairs) != rank
            or any(len(p) != 2 for p in pairs)
            or not all(map(_checks.is_int, flat))
        ):
            raise ValueError(
                f"{call}: padding: expected {rank} (before, after) pairs, got {padding!r}"
            )
        _checks.check_non_negative(flat, f"{call}: padding")
        return tuple((int(a), int(b)) for a, b in pairs)
    return tuple((p, p) for p in non_negative(padding, rank, "padding", call))


def _trailing_sizes(
    output_size: Any, rank: int, call: str, batched: bool | None
) -> tuple[int, ...]:
    """The ``rank`` wanted spatial sizes: an int for all, or a sequence (a 1-d numpy
    int array too, as PyTorch takes) of the spatial sizes or of the whole output shape,
    whose leading sizes are not checked (as in PyTorch).
    """
    if _checks.is_int(output_size):
        return (int(output_size),) * rank
    if isinstance(output_size, np.ndarray) and output_size.ndim == 1:
        items: tuple[Any, ...] = tuple(output_size.tolist())
    elif isinstance(output_size, Sequence) and not isinstance(output_size, str):
        items = tuple(output_size)
    else:
        raise TypeError(
            f"{call}: output_size: expected an int or a tuple of ints, got "
            f"{type(output_size).__name__} {output_size!r}"
        )
    if not all(_checks.is_int(v) for v in items):
        raise TypeError(f"{call}: output_size: expected ints, got {output_size!r}")
    whole = {None: (rank + 1, rank + 2), True: (rank + 2,), False: (rank + 1,)}[batched]
    if len(items) != rank and len(items) not in whole:
        input_kind = {None: "", True: "batched ", False: "unbatched "}[batched]
        shapes = " or ".join(str(length) for length in whole)
        raise ValueError(
            f"{call}: output_size: expected {rank} spatial sizes or a whole shape of "
            f"{shapes} sizes for a {input_kind}input, got {output_size!r}"
        )
    return tuple(int(v) for v in items[len(items) - rank :])


def _suggestion(size: int, k: int, s: int, d: int, target: int) -> str:
    """Arguments that reach ``target``: the stride closest to the current one (the
    smaller of two equally close) for which some padding and output_padding do, all
    three below 2**31 as a transposed convolution needs them.
    """
    if target < 1:
        return "an output size must be at least 1"
    steps, span = size - 1, d * (k - 1) + 1
    stride = _nearest_stride(steps, span, s, d, target)
    if stride is None:
        return (
            "no stride, padding and output_padding below 2**31 reach it with this input, "
            "kernel and dilation"
        )
    full = steps * stride + span
    padding = 0 if target >= full else -(-(full - target) // 2)
    extra = target - full + 2 * padding
    stride_text = "" if stride == s else f"stride={stride}, "
    return f"{stride_text}padding={padding}, output_padding={extra} would give {target}"


def _nearest_stride(steps: int, span: int, s: int, d: int, target: int) -> int | None:
    """The stride nearest ``s`` that reaches ``target``, in closed form (O(1) whatever
    the sizes), or None.

    With ``full(c) = steps c + span``, stride c reaches the target with padding 0 and
    ``op = target - full(c)`` when ``full(c) <= target`` and ``op < max(c, d)``, and
    otherwise with ``p = ceil((full(c) - target) / 2)`` and ``op = 2p - (full(c) -
    target)`` (0 or 1; 1 needs ``max(c, d) >= 2``). Each set is an interval of strides
    (the second less stride 1 when its op is 1 and d is 1), cut at 2**31 - 1 for the
    stride and the padding: the nearest stride is the current one clamped into either.
    """
    top = INT32_LIMIT - 1
    if steps == 0:
        # One input position: the stride moves nothing; only output_padding < max(c, d)
        # and the crop's parity depend on it.
        if target >= span:
            extra = target - span
            if extra >= max(top, d):
                return None
            return s if max(s, d) > extra else extra + 1
        if -(-(span - target) // 2) > top:
            return None
        return s if (span - target) % 2 == 0 or max(s, d) >= 2 else 2
    intervals = []
    # full(c) <= target, and op(c) < c or op(c) < d.
    highest = min((target - span) // steps if target >= span else 0, top)
    lowest = max(1, min((target - span - d) // steps + 1, (target - span) // (steps + 1) + 1))
    if lowest <= highest:
        intervals.append((lowest, highest))
    # full(c) > target, with a padding of at most top.
    first = (target - span) // steps + 1 if target >= span else 1
    if first == 1 and d == 1 and (steps + span - target) % 2 == 1:
        first = 2
    last = min(top, (2 * top + target - span) // steps)
    if first <= last:
        intervals.append((first, last))
    candidates = [min(max(s, low), high) for low, high in intervals]
    return min(candidates, key=lambda c: (abs(c - s), c)) if candidates else None


def output_sizes(
    input_size: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    dilation: Any,
) -> tuple[int, ...]:
    """``F.conv_transpose_output_size``: the checks, then the size formula per dim."""
    call = "conv_transpose_output_size"
    rank = _sizes_rank(input_size, kernel_size, stride, padding, output_padding, dilation)
    sizes = positive(input_size, rank, "input_size", call)
    kernel = positive(kernel_size, rank, "kernel_size", call)
    strides = positive(stride, rank, "stride", call, INT32_LIMIT)
    dilations = positive(dilation, rank, "dilation", call, INT32_LIMIT)
    pairs, extra = transposed_pairs(
        padding, output_padding, rank, strides, dilations, kernel, call
    )
    return transposed_output_size(sizes, pairs, extra, kernel, strides, dilations, call)


def tap_counts(
    input_size: Any, kernel_size: Any, stride: Any, padding: Any, dilation: Any
) -> np.ndarray:
    """``F.conv_transpose_overlap``: the checks, then the counts, an outer product of
    those of each dim.
    """
    call = "conv_transpose_overlap"
    rank = _sizes_rank(input_size, kernel_size, stride, padding, dilation)
    sizes = positive(input_size, rank, "input_size", call)
    kernel = positive(kernel_size, rank, "kernel_size", call)
    strides = positive(stride, rank, "stride", call, INT32_LIMIT)
    dilations = positive(dilation, rank, "dilation", call, INT32_LIMIT)
    pairs, extra = transposed_pairs(padding, 0, rank, strides, dilations, kernel, call)
    out_sizes = transposed_output_size(sizes, pairs, extra, kernel, strides, dilations, call)
    argument, formula = transposed_size_cause(
        sizes, pairs, extra, kernel, strides, dilations, out_sizes
    )
    check_allocatable(out_sizes, 8, call, argument, "the counts", formula)
    counts = np.ones((), dtype=np.int64)
    for dim in range(rank):
        per_dim = _taps_per_position(
            sizes[dim], kernel[dim], strides[dim], dilations[dim], pairs[dim][0], out_sizes[dim]
        )
        counts = np.multiply.outer(counts, per_dim)
    return counts


def _sizes_rank(*values: Any) -> int:
    """The spatial rank of size arguments: the length of the first tuple, else 1."""
    for value in values:
        if isinstance(value, tuple | list):
            return len(value)
    return 1


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


def _transposed_numbers(size: int, s: int, before: int, after: int, d: int, k: int) -> str:
    """``(L_in - 1)*stride - 2*padding + dilation*(k - 1)`` with the numbers filled in."""
    return f"({size} - 1)*{s} - {_twice(before, after)} + {d}*({k} - 1)"


def _twice(before: int, after: int) -> str:
    """``2*padding`` with the number filled in; "same" may pad one more at the end."""
    return f"2*{before}" if before == after else f"({before} + {after})"


def _show(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(values)
