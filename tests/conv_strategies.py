"""Hypothesis strategies that draw only VALID convolution geometries.

A ``ConvCase`` is one public call, conv or transposed, of rank 1, 2 or 3: every
argument of the SPEC signature (groups, dilation, stride, padding, output_padding,
padding_mode, bias, unbatched input, dtype) plus the input and weight shapes. The
draws respect every rule the public layer checks, so a case never raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st

MODES = ("zeros", "reflect", "replicate", "circular")


@dataclass(frozen=True)
class ConvCase:
    rank: int
    transposed: bool
    batch: int | None  # None: unbatched input
    in_channels: int
    out_channels: int
    groups: int
    sizes: tuple[int, ...]  # the input's spatial sizes
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    mode: str
    bias: bool
    dtype: Any

    @property
    def input_shape(self) -> tuple[int, ...]:
        lead = () if self.batch is None else (self.batch,)
        return (*lead, self.in_channels, *self.sizes)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        if self.transposed:
            return (self.in_channels, self.out_channels // self.groups, *self.kernel)
        return (self.out_channels, self.in_channels // self.groups, *self.kernel)

    @property
    def output_sizes(self) -> tuple[int, ...]:
        """From the SPEC formulas, written out independently of minigrad."""
        result = []
        for size, k, s, d, p, op in zip(
            self.sizes, self.kernel, self.stride, self.dilation, self.padding, self.output_padding
        ):
            if self.transposed:
                result.append((size - 1) * s - 2 * p + d * (k - 1) + op + 1)
            else:
                result.append((size + 2 * p - d * (k - 1) - 1) // s + 1)
        return tuple(result)

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the public call (weight and bias excluded)."""
        common = dict(stride=self.stride, padding=self.padding, dilation=self.dilation)
        common.update(groups=self.groups, padding_mode=self.mode)
        if self.transposed:
            common["output_padding"] = self.output_padding
        return common

    def arrays(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        x = rng.standard_normal(self.input_shape).astype(self.dtype)
        w = rng.standard_normal(self.weight_shape).astype(self.dtype)
        b = rng.standard_normal(self.out_channels).astype(self.dtype) if self.bias else None
        return x, w, b


@st.composite
def conv_cases(
    draw: st.DrawFn,
    rank: int,
    transposed: bool,
    modes: tuple[str, ...] = MODES,
    max_size: int = 3,
    max_kernel: int = 3,
    max_channels: int = 2,
    dtypes: tuple[Any, ...] = (np.float32, np.float64),
) -> ConvCase:
    """One valid call; sizes stay small so the slow reference kernels stay cheap."""
    groups = draw(st.integers(1, 2))
    in_channels = groups * draw(st.integers(1, max_channels))
    out_channels = groups * draw(st.integers(1, max_channels))
    mode = draw(st.sampled_from(modes))
    per_dim: dict[str, list[int]] = {key: [] for key in ("k", "s", "d", "p", "op", "size")}
    for _ in range(rank):
        k = draw(st.integers(1, max_kernel))
        s = draw(st.integers(1, 3))
        d = draw(st.integers(1, 2))
        span = d * (k - 1) + 1
        if transposed:
            size = draw(st.integers(1, max_size))
            op = draw(st.integers(0, max(s, d) - 1))
            full = (size - 1) * s + span + op  # output size before cropping 2p
            # L_out = full - 2p >= 1; reflect needs p < L_out, circular p <= L_out.
            limit = {"reflect": (full - 1) // 3, "circular": full // 3}.get(mode, (full - 1) // 2)
            p = draw(st.integers(0, min(2, limit)))
        else:
            op = 0
            p = draw(st.integers(0, 2))
            smallest = max(1, span - 2 * p)
            if mode == "reflect":
                smallest = max(smallest, p + 1)
            if mode == "circular":
                smallest = max(smallest, p)
            size = draw(st.integers(smallest, smallest + max_size - 1))
        for key, value in zip(("k", "s", "d", "p", "op", "size"), (k, s, d, p, op, size)):
            per_dim[key].append(value)
    batched = draw(st.booleans())
    return ConvCase(
        rank=rank,
        transposed=transposed,
        batch=draw(st.integers(1, 2)) if batched else None,
        in_channels=in_channels,
        out_channels=out_channels,
        groups=groups,
        sizes=tuple(per_dim["size"]),
        kernel=tuple(per_dim["k"]),
        stride=tuple(per_dim["s"]),
        dilation=tuple(per_dim["d"]),
        padding=tuple(per_dim["p"]),
        output_padding=tuple(per_dim["op"]),
        mode=mode,
        bias=draw(st.booleans()),
        dtype=draw(st.sampled_from(dtypes)),
    )


@st.composite
def op_geometries(draw: st.DrawFn, max_size: int = 3, max_kernel: int = 2) -> dict[str, Any]:
    """An op-level 3-d geometry with both sizes pinned, including an x side larger than
    the natural pre-image of y (output_padding >= stride, legal below dilation), plus
    the channel counts: keys ``geometry`` arguments and ``n``, ``c_in``, ``c_out``."""
    stride, dilation, kernel, x_size, y_size = [], [], [], [], []
    for _ in range(3):
        s, d, k = (
            draw(st.integers(1, 2)),
            draw(st.integers(1, 3)),
            draw(st.integers(1, max_kernel)),
        )
        y = draw(st.integers(1, max_size))
        extra = draw(st.integers(0, max(s, d) - 1))
        for values, value in zip((stride, dilation, kernel, y_size), (s, d, k, y)):
            values.append(value)
        x_size.append((y - 1) * s + d * (k - 1) + 1 + extra)
    groups = draw(st.integers(1, 2))
    return dict(
        stride=tuple(stride),
        dilation=tuple(dilation),
        kernel_size=tuple(kernel),
        groups=groups,
        x_size=tuple(x_size),
        y_size=tuple(y_size),
        n=draw(st.integers(1, 2)),
        c_in=groups * draw(st.integers(1, 2)),
        c_out=groups * draw(st.integers(1, 2)),
    )
