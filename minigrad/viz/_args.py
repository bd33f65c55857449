"""The pictures' arguments, checked before any work, and the check of their results.

A picture is of one channel: ``input`` and ``weight`` are plain spatial arrays
(``(L,)`` or ``(H, W)``), and the geometry is PyTorch's (ints or one per dim).
Every message names the function, the argument, the value and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from minigrad import _checks
from minigrad.factories import tensor
from minigrad.functional import conv_transpose1d, conv_transpose2d
from minigrad.tensor import Tensor

# One panel per input element: beyond this many the panels are too small to read.
MAX_PANELS = 16
_CONV_TRANSPOSE = {1: conv_transpose1d, 2: conv_transpose2d}


def spatial_array(value: Any, argument: str, call: str, rank: int | None = None) -> np.ndarray:
    """``value`` (a Tensor, an array or nested lists of numbers) as a float64 array of
    rank 1 or 2 (or ``rank``), non-empty and finite.
    """
    if isinstance(value, Tensor):
        array = value.detach().numpy()
    elif isinstance(value, np.ndarray | list | tuple):
        array = np.asarray(value)
    else:
        raise TypeError(
            f"{call}: {argument}: expected a Tensor, a numpy array or a list of numbers, "
            f"got {type(value).__name__}"
        )
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{call}: {argument}: expected real numbers, got dtype {array.dtype}")
    ranks = (1, 2) if rank is None else (rank,)
    if array.ndim not in ranks:
        wanted = " or ".join(str(r) for r in ranks)
        raise ValueError(
            f"{call}: {argument}: expected {wanted} spatial dims (one channel, no batch), "
            f"got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(
            f"{call}: {argument}: expected a non-empty array, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{call}: {argument}: expected finite values")
    return array.astype(np.float64)


def sizes(value: Any, rank: int, argument: str, call: str) -> tuple[int, ...]:
    """Positive ints, one per spatial dim (an int means the same in every dim)."""
    values = _checks.as_tuple(value, rank, f"{call}: {argument}")
    _checks.check_positive(values, f"{call}: {argument}")
    return values


def check_panels(array: np.ndarray, argument: str, call: str) -> None:
    """At most :data:`MAX_PANELS` elements, for a picture with a panel per element."""
    if array.size > MAX_PANELS:
        raise ValueError(
            f"{call}: {argument}: expected at most {MAX_PANELS} elements (one panel each), "
            f"got shape {array.shape}"
        )


@dataclass(frozen=True)
class Geometry:
    """A transposed convolution's geometry per spatial dim, and its output size
    ``L_out = (L_in - 1) s - 2 p + d (k - 1) + op + 1``.
    """

    input_size: tuple[int, ...]
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]

    @property
    def rank(self) -> int:
        """The number of spatial dims."""
        return len(self.input_size)

    @property
    def full_size(self) -> tuple[int, ...]:
        """Per dim, ``(L_in - 1) s + d (k - 1) + 1``: the stamps' extent before cropping."""
        return tuple(
            (n - 1) * s + d * (k - 1) + 1
            for n, s, d, k in zip(self.input_size, self.stride, self.dilation, self.kernel_size)
        )

    @property
    def output_size(self) -> tuple[int, ...]:
        """Per dim, the full extent minus ``2 p`` plus ``op``."""
        return tuple(
            full - 2 * p + op
            for full, p, op in zip(self.full_size, self.padding, self.output_padding)
        )

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``F.conv_transpose{1,2}d`` for this geometry."""
        return {
            "stride": self.stride,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "dilation": self.dilation,
        }


def geometry(
    call: str,
    input_size: tuple[int, ...],
    kernel_size: tuple[int, ...],
    stride: Any,
    padding: Any,
    dilation: Any,
    output_padding: Any,
) -> Geometry:
    """Check PyTorch's rules for a transposed convolution (``output_padding`` below
    stride or dilation, an output of at least one element) and return its geometry.
    """
    rank = len(input_size)
    strides = sizes(stride, rank, "stride", call)
    dilations = sizes(dilation, rank, "dilation", call)
    paddings = _checks.as_tuple(padding, rank, f"{call}: padding")
    _checks.check_non_negative(paddings, f"{call}: padding")
    extras = _checks.as_tuple(output_padding, rank, f"{call}: output_padding")
    _checks.check_non_negative(extras, f"{call}: output_padding")
    for dim, (op, s, d) in enumerate(zip(extras, strides, dilations)):
        if op >= max(s, d):
            raise ValueError(
                f"{call}: output_padding: expected a value below stride or dilation in "
                f"dim {dim} (stride={s}, dilation={d}), got {op}"
            )
    result = Geometry(input_size, kernel_size, strides, paddings, dilations, extras)
    for dim, size in enumerate(result.output_size):
        if size < 1:
            n, k = input_size[dim], kernel_size[dim]
            s, p, d, op = strides[dim], paddings[dim], dilations[dim], extras[dim]
            raise ValueError(
                f"{call}: padding: the output would be empty in dim {dim}: "
                f"(L_in - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1 = "
                f"({n} - 1)*{s} - 2*{p} + {d}*({k} - 1) + {op} + 1 = {size}"
            )
    return result


def check_agrees(ours: np.ndarray, reference: np.ndarray, what: str, call: str) -> None:
    """The picture's own computation equals minigrad's op, to rounding; else the
    picture would teach something false, so it is refused.
    """
    scale = max(1.0, float(np.abs(reference).max(initial=0.0)))
    if ours.shape != reference.shape or not np.allclose(
        ours, reference, rtol=1e-12, atol=1e-12 * scale
    ):
        raise AssertionError(
            f"{call}: {what} does not match: shapes {ours.shape} and {reference.shape}"
        )


def one_channel(array: np.ndarray) -> Tensor:
    """One spatial array as a float64 tensor of one sample and one channel."""
    return tensor(array[np.newaxis, np.newaxis])


def transposed(x: np.ndarray, w: np.ndarray, geometry: Geometry) -> np.ndarray:
    """``F.conv_transpose{1,2}d`` of one channel: the result every picture must reach."""
    call = _CONV_TRANSPOSE[x.ndim]
    result = call(one_channel(x), one_channel(w), **geometry.arguments()).numpy()
    return np.asarray(result[0, 0])


def input_weight_geometry(
    call: str, input: Any, weight: Any, stride: Any, padding: Any, dilation: Any,
    output_padding: Any,
) -> tuple[np.ndarray, np.ndarray, Geometry]:  # fmt: skip
    """The arguments of a picture of one transposed convolution, checked."""
    x = spatial_array(input, "input", call)
    w = spatial_array(weight, "weight", call, rank=x.ndim)
    return x, w, geometry(call, x.shape, w.shape, stride, padding, dilation, output_padding)


def call_text(geometry: Geometry) -> str:
    """``conv_transpose2d(x, w, stride=2, padding=1)``: the non-default arguments."""
    defaults = {"stride": 1, "padding": 0, "output_padding": 0, "dilation": 1}
    shown = []
    for name, values in geometry.arguments().items():
        if any(v != defaults[name] for v in values):
            value = values[0] if len(set(values)) == 1 else values
            shown.append(f"{name}={value}")
    return f"conv_transpose{geometry.rank}d(" + ", ".join(["x", "w", *shown]) + ")"
