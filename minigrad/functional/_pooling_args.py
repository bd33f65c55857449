"""Argument checks of the pooling calls ([`minigrad.functional.pooling`][]): the input's
rank and sizes, the window geometry and its output size, adaptive output sizes. Messages
name the function, the argument, the value and the expectation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import _checks
from minigrad.functional._arguments import check_flag, check_tensor
from minigrad.tensor import Tensor


def check_pool_input(input: Any, rank: int, op: str, floating: bool = True) -> Tensor:  # noqa: A002
    """A ``(C, *L)`` or ``(N, C, *L)`` tensor with non-empty C and L (N may be 0)."""
    tensor = check_tensor(input, "input", op, floating=floating)
    if input.dtype.kind not in "fiu":
        raise TypeError(f"{op}: input: expected a float or integer tensor, got {input.dtype}")
    if input.ndim not in (rank + 1, rank + 2):
        raise ValueError(
            f"{op}: input: expected a {rank + 1}-d (unbatched) or {rank + 2}-d (batched) "
            f"tensor, got a {input.ndim}-d tensor of shape {input.shape}"
        )
    if 0 in input.shape[input.ndim - rank - 1 :]:
        raise ValueError(
            f"{op}: input: expected non-zero sizes in every dim but the batch dim, got "
            f"shape {input.shape}"
        )
    return tensor


def spatial_tuple(value: Any, rank: int, argument: str, op: str) -> tuple[int, ...]:
    """An int, or a tuple of 1 or ``rank`` ints, as ``rank`` ints (PyTorch takes both)."""
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 1:
        value = value[0]
    return _checks.as_tuple(value, rank, f"{op}: {argument}")


def pool_output_size(
    size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool
) -> int:
    """L_out of one dim (the formula of [`minigrad.functional.pooling`][])."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def pool_geometry(
    input: Tensor,
    rank: int,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: Any,
    op: str,
    effective: bool,
) -> list[tuple[int, ...]]:  # noqa: A002
    """Checked (L_in, L_out, k, s, p, d) per spatial dim; ``effective``: max pooling's
    padding bound (half the dilated kernel) rather than average pooling's.
    """
    kernel = spatial_tuple(kernel_size, rank, "kernel_size", op)
    empty = isinstance(stride, Sequence) and len(stride) == 0
    strides = kernel if stride is None or empty else spatial_tuple(stride, rank, "stride", op)
    pads = spatial_tuple(padding, rank, "padding", op)
    dilations = spatial_tuple(dilation, rank, "dilation", op)
    check_flag(ceil_mode, "ceil_mode", op)
    _checks.check_positive(kernel, f"{op}: kernel_size")
    _checks.check_positive(strides, f"{op}: stride")
    _checks.check_non_negative(pads, f"{op}: padding")
    _checks.check_positive(dilations, f"{op}: dilation")
    for k, p, d in zip(kernel, pads, dilations):
        bound = ((k - 1) * d + 1) // 2 if effective else k // 2
        if p > bound:
            formula = (
                "((kernel_size - 1) * dilation + 1) // 2" if effective else "kernel_size // 2"
            )
            raise ValueError(
                f"{op}: padding: expected at most half the kernel size, {formula} = {bound}, "
                f"got padding={p} with kernel_size={k}" + (f", dilation={d}" if effective else "")
            )
    sizes_in = input.shape[input.ndim - rank :]
    sizes_out = tuple(
        pool_output_size(*args, ceil_mode=bool(ceil_mode))
        for args in zip(sizes_in, kernel, strides, pads, dilations)
    )
    if min(sizes_out) < 1:
        raise ValueError(
            f"{op}: input: the spatial size {sizes_in} is too small for kernel_size={kernel}, "
            f"stride={strides}, padding={pads}, dilation={dilations}: L_out = "
            f"⌊(L_in + 2p - d(k - 1) - 1{' + s - 1' if ceil_mode else ''}) / s⌋ + 1 = "
            f"{sizes_out}, expected at least 1"
        )
    return list(zip(sizes_in, sizes_out, kernel, strides, pads, dilations))


def adaptive_output_size(output_size: Any, input: Tensor, rank: int, op: str) -> tuple[int, ...]:  # noqa: A002
    """An int, or ``rank`` ints or Nones (None: the input's size), as ``rank`` ints >= 0."""
    sizes_in = input.shape[input.ndim - rank :]
    if isinstance(output_size, Sequence) and not isinstance(output_size, str):
        items = tuple(output_size)
        if rank == 1 and None in items:
            # PyTorch's 1-d adaptive pools take no None either.
            raise TypeError(f"{op}: output_size: expected an int, got {output_size!r}")
        if len(items) != rank or not all(v is None or _checks.is_int(v) for v in items):
            raise ValueError(
                f"{op}: output_size: expected an int or a tuple of {rank} ints or Nones, "
                f"got {output_size!r}"
            )
        sizes = tuple(size if v is None else int(v) for v, size in zip(items, sizes_in))
    elif _checks.is_int(output_size):
        sizes = (int(output_size),) * rank
    else:
        raise TypeError(
            f"{op}: output_size: expected an int or a tuple of {rank} ints or Nones, got "
            f"{type(output_size).__name__} {output_size!r}"
        )
    _checks.check_non_negative(sizes, f"{op}: output_size")
    return sizes


def unpool_output_size(
    input: Tensor,  # noqa: A002
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    padding: tuple[int, ...],
    output_size: Any,
    op: str,
) -> tuple[int, ...]:
    """The spatial size of a max unpooling: ``(L_in - 1) s - 2p + k`` per dim, or
    ``output_size`` (its trailing dims, or the spatial ones), which must lie strictly
    within ``s`` of that, as PyTorch asks.
    """
    rank = len(kernel)
    sizes_in = input.shape[input.ndim - rank :]
    default = tuple(
        (size - 1) * s - 2 * p + k for size, k, s, p in zip(sizes_in, kernel, stride, padding)
    )
    if output_size is None:
        sizes = default
    else:
        if not isinstance(output_size, Sequence) or not all(map(_checks.is_int, output_size)):
            raise TypeError(
                f"{op}: output_size: expected a tuple of ints, got "
                f"{type(output_size).__name__} {output_size!r}"
            )
        items = tuple(int(v) for v in output_size)
        if len(items) in (rank + 1, rank + 2):
            items = items[len(items) - rank :]
        if len(items) != rank:
            raise ValueError(
                f"{op}: output_size: expected {rank} sizes (or the whole output shape), got "
                f"{tuple(output_size)}"
            )
        sizes = items
        for d, (size, natural, s) in enumerate(zip(sizes, default, stride)):
            if not natural - s < size < natural + s:
                raise ValueError(
                    f"{op}: output_size: dim {d} must be between {natural - s} and "
                    f"{natural + s} (exclusive), (L_in - 1) * stride - 2 * padding + "
                    f"kernel_size = {natural} give or take the stride {s}, got {size}"
                )
    if min(sizes) < 1:
        raise ValueError(
            f"{op}: input: the output size (L_in - 1) * stride - 2 * padding + kernel_size "
            f"= {sizes} for input size {sizes_in}, expected at least 1"
        )
    return sizes
