"""im2col and col2im: each the other's adjoint, and im2col the textbook gather, on
every loop shape (offset table with and without padding, stride phases).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.kernels.conv.im2col import gather as module
from tests.kernels.test_conv import geometry_of, padded_geometries

PATHS = {"table": (100, 100), "phases": (1, 1)}


def block_arguments(g: dict[str, Any]) -> tuple[Any, ...]:
    before = g.get("padding", (0, 0, 0))
    return (g["kernel"], g["stride"], g["dilation"], g["y_size"], before)


def textbook_columns(x: np.ndarray, g: dict[str, Any], start: int, stop: int) -> np.ndarray:
    """The definition, one element at a time: ``x[n, c, s*p + d*t - pad]``, zero outside."""
    kernel, stride, dilation, y_size, before = block_arguments(g)
    taps, positions = math.prod(kernel), math.prod(y_size)
    cols = np.zeros((x.shape[1] * taps, (stop - start) * positions), x.dtype)
    for c in range(x.shape[1]):
        for t, tap in enumerate(np.ndindex(*kernel)):
            for n in range(start, stop):
                for p, position in enumerate(np.ndindex(*y_size)):
                    where = [s * q + d * k - b for s, q, d, k, b in
                             zip(stride, position, dilation, tap, before)]  # fmt: skip
                    if all(0 <= i < size for i, size in zip(where, x.shape[2:])):
                        cols[c * taps + t, (n - start) * positions + p] = x[(n, c, *where)]
    return cols


@pytest.mark.parametrize("path", sorted(PATHS))
@given(g=padded_geometries(), data=st.data())
def test_im2col_is_the_gather_and_col2im_its_adjoint(g: dict[str, Any], path: str, data: Any):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((g["n"] + 1, g["c_in"], *g["x_size"]))
    start = data.draw(st.integers(0, g["n"]))
    stop = data.draw(st.integers(start + 1, g["n"] + 1))
    saved = module.LONG_LINE, module.LONG_SCATTER_LINE
    module.LONG_LINE, module.LONG_SCATTER_LINE = PATHS[path]
    try:
        want = textbook_columns(x, g, start, stop)
        cols = np.empty_like(want)
        module.im2col(x, start, stop, geometry_of(g), cols)
        assert np.array_equal(cols, want)
        # <im2col(x), c> == <x, col2im(c)> on the block; col2im writes all of it.
        c = rng.standard_normal(want.shape)
        back = np.full_like(x, np.nan)
        module.col2im(c, start, stop, geometry_of(g), back)
        block = back[start:stop]
        assert np.isfinite(block).all()
        assert np.isnan(back[:start]).all() and np.isnan(back[stop:]).all()
        scale = np.abs(want).sum() * np.abs(c).sum()
        assert abs(np.vdot(cols, c) - np.vdot(x[start:stop], block)) <= 1e-12 * max(1, scale)
    finally:
        module.LONG_LINE, module.LONG_SCATTER_LINE = saved
