"""Argument checks and size arithmetic for the convolution calls.

Everything here works on Python ints, per spatial dim, before any array is touched.
Messages name the call, the argument, the value it got and what was expected; size
errors print the formula with the numbers filled in, the sizes that are reachable and
arguments that would reach the size asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import _checks, dtypes
from minigrad.tensor import Tensor

Pairs = tuple[tuple[int, int], ...]
MODES = ("zeros", "reflect", "replicate", "circular")

TRANSPOSED_FORMULA = (
    "L_out = (L_in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1"
)
CONV_FORMULA = "L_out = floor((L_in + 2*padding - dilation*(k - 1) - 1) / stride) + 1"


def check_tensor(value: Any, argument: str, call: str, optional: bool = False) -> None:
    """A Tensor (or None when ``optional``), else ``TypeError``."""
    if isinstance(value, Tensor) or (optional and value is None):
        return
    expected = "a Tensor or None" if optional else "a Tensor"
    raise TypeError(f"{call}: {argument}: expected {expected}, got {type(value).__name__}")


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


def spatial(value: Any, rank: int, argument: str, call: str) -> tuple[int, ...]:
    """An int or a tuple of ``rank`` ints as a tuple (the type and length checked)."""
    return _checks.as_tuple(value, rank, f"{call}: {argument}")


def positive(value: Any, rank: int, argument: str, call: str) -> tuple[int, ...]:
    values = spatial(value, rank, argument, call)
    _checks.check_positive(values, f"{call}: {argument}")
    return values


def non_negative(value: Any, rank: int, argument: str, call: str) -> tuple[int, ...]:
    values = spatial(value, rank, argument, call)
    _checks.check_non_negative(values, f"{call}: {argument}")
    return values


def check_groups(groups: Any, call: str) -> int:
    if not _checks.is_int(groups):
        raise TypeError(f"{call}: groups: expected a positive int, got {type(groups).__name__}")
    if groups < 1:
        raise ValueError(f"{call}: groups: expected a positive int, got {groups}")
    return int(groups)


def check_mode(padding_mode: Any, call: str) -> str:
    if not isinstance(padding_mode, str):
        raise TypeError(
            f"{call}: padding_mode: expected one of {', '.join(map(repr, MODES))}, got "
            f"{type(padding_mode).__name__} {padding_mode!r}"
        )
    if padding_mode not in MODES:
        raise ValueError(
            f"{call}: padding_mode: expected one of {', '.join(map(repr, MODES))}, got "
            f"{padding_mode!r}"
        )
    return padding_mode


def check_mode_fits(pairs: Pairs, sizes: tuple[int, ...], mode: str, call: str, side: str) -> None:
    """Reflect pads must be smaller than the padded dim, circular ones at most its size
    (a wider border would copy padding, which PyTorch refuses too).
    """
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
        if padding == "valid":
            return ((0, 0),) * rank
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(
                    f"{call}: padding: padding='same' is not supported for strided "
                    f"convolutions (as in PyTorch), got stride={_show(stride)}; use an int "
                    "padding or stride=1"
                )
            totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(
            f"{call}: padding: expected an int, a tuple, 'valid' or 'same', got {padding!r}"
        )
    values = non_negative(padding, rank, "padding", call)
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
    extra = non_negative(output_padding, rank, "output_padding", call)
    if isinstance(padding, str) and padding == "same":
        if any(extra):
            raise ValueError(
                f"{call}: output_padding: padding='same' sets it, expected 0, got {_show(extra)}"
            )
        totals = [d * (k - 1) + 1 - s for s, d, k in zip(stride, dilation, kernel)]
        pairs = tuple((t // 2, t - t // 2) if t >= 0 else (0, 0) for t in totals)
        return pairs, tuple(max(-t, 0) for t in totals)
    if isinstance(padding, str) and padding != "valid":
        raise ValueError(
            f"{call}: padding: expected an int, a tuple, 'valid' or 'same', got {padding!r}"
        )
    values = (0,) * rank if padding == "valid" else non_negative(padding, rank, "padding", call)
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
    """The SPEC formula per dim (with before + after for 2*padding), at least 1."""
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
                f"{call}: output size {length} in spatial dim {dim} is below 1: "
                f"{TRANSPOSED_FORMULA} = ({size} - 1)*{s} - {_twice(before, after)} + "
                f"{d}*({k} - 1) + {op} + 1 = {length}, expected at least 1; with this padding "
                f"the reachable sizes are [{lowest}, {lowest + max(s, d) - 1}]; "
                f"padding <= {widest} would give a size of at least 1"
            )
        result.append(length)
    return tuple(result)


def output_padding_for(
    output_size: Any,
    input_size: Sequence[int],
    kernel_size: Any,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    *,
    call: str = "conv_transpose",
) -> tuple[int, ...]:
    """The output_padding that makes a transposed convolution produce ``output_size``.

    For each spatial dim the reachable sizes are ``[m, m + max(stride, dilation) - 1]``
    with ``m = (L_in - 1) s - 2 p + d (k - 1) + 1``, since output_padding may be anything
    below stride or dilation (PyTorch's min/max rule, widened as the SPEC allows).

    Args:
        output_size: an int, the ``rank`` trailing spatial sizes, or a whole shape
            (``(N, C, *spatial)`` or ``(C, *spatial)``) whose trailing ``rank`` sizes count.
        input_size: the input's spatial sizes; their number is the rank.
        kernel_size: k, an int or a tuple of ``rank`` ints.
        stride: s, likewise.
        padding: p, likewise, or a ``(before, after)`` pair per dim.
        dilation: d, likewise.
        call: the name of the public call, for messages.

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
    wanted = _trailing_sizes(output_size, rank, call)
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
                f"{TRANSPOSED_FORMULA} = ({size} - 1)*{s} - {_twice(before, after)} + "
                f"{d}*({k} - 1) + output_padding + 1 = {smallest} + output_padding, with "
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


def _trailing_sizes(output_size: Any, rank: int, call: str) -> tuple[int, ...]:
    if _checks.is_int(output_size):
        sizes: tuple[Any, ...] = (output_size,) * rank
    elif isinstance(output_size, Sequence) and not isinstance(output_size, str):
        sizes = tuple(output_size)
        if len(sizes) not in (rank, rank + 1, rank + 2):
            raise ValueError(
                f"{call}: output_size: expected {rank} spatial sizes or a whole shape of "
                f"{rank + 1} or {rank + 2} sizes, got {output_size!r}"
            )
        sizes = sizes[len(sizes) - rank :]
    else:
        raise TypeError(
            f"{call}: output_size: expected an int or a tuple of ints, got "
            f"{type(output_size).__name__} {output_size!r}"
        )
    if not all(_checks.is_int(v) for v in sizes):
        raise TypeError(f"{call}: output_size: expected ints, got {output_size!r}")
    return tuple(int(v) for v in sizes)


def _suggestion(size: int, k: int, s: int, d: int, target: int) -> str:
    """Arguments that reach ``target``: the current stride when some padding does, else
    the stride closest to the current one.
    """
    if target < 1:
        return "an output size must be at least 1"
    for candidate in sorted(range(1, max(target, s) + 1), key=lambda c: (abs(c - s), c)):
        full = (size - 1) * candidate + d * (k - 1) + 1
        if target >= full:
            padding, op = 0, target - full
        else:
            padding = -(-(full - target) // 2)
            op = 2 * padding - (full - target)
        if op < max(candidate, d):
            stride_text = "" if candidate == s else f"stride={candidate}, "
            return f"{stride_text}padding={padding}, output_padding={op} would give {target}"
    return "no stride, padding and output_padding reach it with this kernel and dilation"


def _twice(before: int, after: int) -> str:
    """``2*padding`` with the number filled in; "same" may pad one more at the end."""
    return f"2*{before}" if before == after else f"({before} + {after})"


def _show(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(values)
