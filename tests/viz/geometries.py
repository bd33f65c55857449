"""Hypothesis strategies for the pictures: one-channel transposed convolutions whose
output is not empty, and the oracle computations written without minigrad."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st


@dataclass(frozen=True)
class Case:
    """One picture's arguments: spatial ``x`` and ``w`` and a geometry per dim."""

    x: np.ndarray
    w: np.ndarray
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    output_padding: tuple[int, ...]

    def arguments(self) -> dict[str, tuple[int, ...]]:
        return {
            "stride": self.stride,
            "padding": self.padding,
            "dilation": self.dilation,
            "output_padding": self.output_padding,
        }


@st.composite
def cases(draw: Any, ranks: tuple[int, ...] = (1, 2), max_input: int = 4) -> Case:
    """A valid call: output_padding below stride or dilation, an output of at least 1."""
    rank = draw(st.sampled_from(ranks))
    limit = max_input if rank == 1 else 3
    sizes = tuple(draw(st.integers(1, limit)) for _ in range(rank))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(rank))
    padding = tuple(draw(st.integers(0, 3)) for _ in range(rank))
    extra = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    for n, k, s, d, p, op in zip(sizes, kernel, stride, dilation, padding, extra):
        assume((n - 1) * s - 2 * p + d * (k - 1) + op + 1 >= 1)
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    # Small integers: every sum is exact, so the pictures' arrays compare bit for bit.
    x = rng.integers(-3, 4, sizes).astype(np.float64)
    w = rng.integers(-3, 4, kernel).astype(np.float64)
    return Case(x, w, stride, padding, dilation, extra)


def torch_conv_transpose(torch: Any, case: Case, x: np.ndarray | None = None) -> np.ndarray:
    """torch's transposed convolution of one channel (``x`` defaults to the case's)."""
    x = case.x if x is None else x
    call = (
        torch.nn.functional.conv_transpose1d
        if x.ndim == 1
        else torch.nn.functional.conv_transpose2d
    )
    result = call(
        torch.tensor(x)[None, None],
        torch.tensor(case.w)[None, None],
        **case.arguments(),
    )
    return result[0, 0].numpy()
