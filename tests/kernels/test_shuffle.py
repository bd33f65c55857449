"""The pixel shuffle kernels against their index definitions, element by element, and
their numpy twins, to the bit.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.kernels import backend
from minigrad.kernels.shuffle import pixel_shuffle, pixel_unshuffle

DTYPES = [np.float32, np.float64, np.int64, np.bool_]


def _values(shape: tuple[int, ...], dtype: Any, seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).standard_normal(shape) * 10
    return values.astype(dtype)


def _shuffled_by_definition(x: np.ndarray, r: int) -> np.ndarray:
    """out[..., c, h r + i, w r + j] = x[..., c r² + i r + j, h, w], one element at a time."""
    *lead, channels, height, width = x.shape
    out = np.zeros((*lead, channels // (r * r), height * r, width * r), x.dtype)
    for index in itertools.product(*(range(n) for n in out.shape)):
        *where, c, row, column = index
        (h, i), (w, j) = divmod(row, r), divmod(column, r)
        out[index] = x[(*where, c * r * r + i * r + j, h, w)]
    return out


def _unshuffled_by_definition(x: np.ndarray, r: int) -> np.ndarray:
    """out[..., c r² + i r + j, h, w] = x[..., c, h r + i, w r + j]."""
    *lead, channels, height, width = x.shape
    out = np.zeros((*lead, channels * r * r, height // r, width // r), x.dtype)
    for index in itertools.product(*(range(n) for n in out.shape)):
        *where, block, h, w = index
        (c, offset) = divmod(block, r * r)
        i, j = divmod(offset, r)
        out[index] = x[(*where, c, h * r + i, w * r + j)]
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    ("shape", "factor"),
    [
        ((2, 8, 3, 2), 2),
        ((9, 2, 3), 3),
        ((2, 1, 4, 1, 2), 2),
        ((1, 5, 1, 1), 1),
        ((0, 4, 2, 2), 2),
    ],
)
def test_shuffle_and_unshuffle_follow_their_definitions(
    dtype: Any, shape: tuple[int, ...], factor: int
) -> None:
    x = _values(shape, dtype)
    out = pixel_shuffle(x, factor)
    assert out.dtype == x.dtype and out.flags.c_contiguous
    np.testing.assert_array_equal(out, _shuffled_by_definition(x, factor))
    back = pixel_unshuffle(out, factor)
    assert back.dtype == x.dtype and back.flags.c_contiguous
    np.testing.assert_array_equal(back, _unshuffled_by_definition(out, factor))
    np.testing.assert_array_equal(back, x)


def test_outputs_are_new_arrays_also_for_factor_one() -> None:
    x = _values((2, 3, 4), np.float32)
    for move in (pixel_shuffle, pixel_unshuffle):
        out = move(x, 1)
        np.testing.assert_array_equal(out, x)
        assert not np.shares_memory(out, x)


def test_non_contiguous_inputs() -> None:
    x = _values((3, 8, 4, 6), np.float64).transpose(0, 1, 3, 2)[:, :, ::2]  # (3, 8, 3, 4)
    np.testing.assert_array_equal(pixel_shuffle(x, 2), _shuffled_by_definition(x, 2))
    y = _values((2, 3, 6, 8), np.float32)[:, ::-1, :, ::2]  # (2, 3, 6, 4)
    np.testing.assert_array_equal(pixel_unshuffle(y, 2), _unshuffled_by_definition(y, 2))


@settings(max_examples=40, deadline=None)
@given(
    lead=st.lists(st.integers(1, 3), max_size=2),
    factor=st.integers(1, 3),
    channels=st.integers(1, 3),
    height=st.integers(1, 4),
    width=st.integers(1, 4),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_kernels_give_the_reference_twins_bits(
    lead: list[int], factor: int, channels: int, height: int, width: int, dtype: Any
) -> None:
    x = _values((*lead, channels * factor**2, height, width), dtype, seed=len(lead))
    x[(0,) * x.ndim] = np.nan
    y = _values((*lead, channels, height * factor, width * factor), dtype, seed=3)
    fast = pixel_shuffle(x, factor), pixel_unshuffle(y, factor)
    with backend.use("reference"):
        reference = pixel_shuffle(x, factor), pixel_unshuffle(y, factor)
    for got, want in zip(reference, fast):
        assert got.dtype == want.dtype and got.flags.c_contiguous
        assert got.tobytes() == want.tobytes()
