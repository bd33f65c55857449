"""The im2col path's reuse of a forward's columns by the weight gradient: the same bits
as a fresh gather in every order of calls, and the gather skipped only when the column
buffer still holds the columns of the same values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.kernels.conv import im2col
from minigrad.kernels.conv.geometry import Geometry
from tests.kernels.test_conv import geometry_of, operands, padded_geometries

# A 3x3 "same" layer: its columns are 9 times its input, so conv_valid notes them.
SAME = Geometry((1, 1, 1), (1, 1, 1), (1, 3, 3), 1, (1, 4, 4), (1, 4, 4), ((0, 0), (1, 1), (1, 1)))


def forget() -> None:
    """Drop the note of this thread's column buffer, as a fresh process has none."""
    im2col._Scratch.local.source = None


def fresh_weight_grad(x: np.ndarray, y: np.ndarray, geometry: Geometry) -> np.ndarray:
    forget()
    return im2col.conv_weight_grad(x, y, geometry)


def gathered_by_weight_grad(
    gathers: list[tuple[int, ...]], x: np.ndarray, y: np.ndarray, geometry: Geometry
) -> list[tuple[int, ...]]:
    """The gathers ``conv_weight_grad(x, y)`` runs now, its bits checked against a weight
    gradient from a fresh state.
    """
    gathers.clear()
    got = im2col.conv_weight_grad(x, y, geometry)
    seen = list(gathers)
    assert got.tobytes() == fresh_weight_grad(x, y, geometry).tobytes()
    return seen


@pytest.fixture
def gathers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """The shapes of x for every im2col gather the path runs from now on."""
    seen: list[tuple[int, ...]] = []
    gather = im2col.im2col

    def counted(x: np.ndarray, *rest: Any) -> None:
        seen.append(x.shape)
        gather(x, *rest)

    monkeypatch.setattr(im2col, "im2col", counted)
    return seen


def same_layer(seed: int, dtype: type = np.float32) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((8, 6, 1, 4, 4)).astype(dtype)
    w = rng.standard_normal((5, 6, 1, 3, 3)).astype(dtype)
    y = rng.standard_normal((8, 5, 1, 4, 4)).astype(dtype)
    return x, w, y


def test_the_weight_gradient_reuses_the_forward_columns(gathers: list[Any]) -> None:
    x, w, y = same_layer(0)
    im2col.conv_valid(x, w, SAME)
    # A copy: the same values in another array are the same columns.
    assert gathered_by_weight_grad(gathers, x.copy(), y, SAME) == []


def test_changed_values_are_gathered_again(gathers: list[Any]) -> None:
    x, w, y = same_layer(1)
    im2col.conv_valid(x, w, SAME)
    x[3, 2, 0, 1, 1] += 1.0  # in place, as a numpy user might
    assert gathered_by_weight_grad(gathers, x, y, SAME) == [x.shape]


def test_a_column_buffer_written_since_is_gathered_again(gathers: list[Any]) -> None:
    x, w, y = same_layer(2)
    im2col.conv_valid(x, w, SAME)
    im2col.conv_transpose_valid(y, w, SAME)  # its GEMM writes the column buffer
    assert gathered_by_weight_grad(gathers, x, y, SAME) == [x.shape]


def test_nan_and_signed_zeros_are_compared_by_their_bits(gathers: list[Any]) -> None:
    x, w, y = same_layer(3)
    x[0, 0, 0, 0, 0], x[1, 1, 0, 1, 1] = np.nan, 0.0
    im2col.conv_valid(x, w, SAME)
    # NaN in the same place: the same columns.
    assert gathered_by_weight_grad(gathers, x.copy(), y, SAME) == []
    im2col.conv_valid(x, w, SAME)
    x[1, 1, 0, 1, 1] = -0.0  # equal as a float, but other bits
    assert gathered_by_weight_grad(gathers, x, y, SAME) == [x.shape]


def test_another_dtype_or_geometry_is_not_reused(gathers: list[Any]) -> None:
    x, w, y = same_layer(4)
    im2col.conv_valid(x, w, SAME)
    wide = x.astype(np.float64), y.astype(np.float64)
    assert gathered_by_weight_grad(gathers, *wide, SAME) == [x.shape]
    assert im2col.conv_weight_grad(*wide, SAME).dtype == np.float64
    im2col.conv_valid(x, w, SAME)
    valid = Geometry((1, 1, 1), (1, 1, 1), (1, 3, 3), 1, (1, 4, 4), (1, 2, 2))
    assert gathered_by_weight_grad(gathers, x, y[..., :2, :2].copy(), valid) == [x.shape]


def test_a_one_by_one_layer_notes_nothing(gathers: list[Any]) -> None:
    """Columns no larger than REUSE_RATIO times x are gathered again: the copy would
    cost about as much as the gather.
    """
    point = Geometry((1, 1, 1), (1, 1, 1), (1, 1, 1), 1, (1, 4, 4), (1, 4, 3))
    x, w, y = same_layer(5)
    im2col.conv_valid(x, w[..., :1, :1].copy(), point)
    gathers.clear()
    im2col.conv_weight_grad(x, y[..., :3].copy(), point)
    assert gathers == [x.shape]


CALLS = st.lists(st.sampled_from(["conv", "transpose", "weight", "both", "change"]), max_size=8)


@settings(max_examples=60, deadline=None)
@given(g=padded_geometries(), calls=CALLS, dtype=st.sampled_from([np.float32, np.float64]))
def test_every_order_of_calls_gives_fresh_bits(g: dict[str, Any], calls: list[str], dtype: Any):
    """Any sequence of the path's kernels on one layer, with x changed in place between
    some: every weight gradient has the bits of one computed from a fresh state.
    """
    x, w, y = operands(g, dtype)
    geometry = geometry_of(g)
    for call in calls:
        if call == "conv":
            im2col.conv_valid(x, w, geometry)
        elif call == "transpose":
            im2col.conv_transpose_valid(y, w, geometry)
        elif call == "change":
            x.reshape(-1)[0] += 1
        else:
            if call == "weight":
                got = im2col.conv_weight_grad(x, y, geometry)
            else:
                got = im2col.conv_and_weight_grad(x, w, y, geometry)[1]
            assert got.tobytes() == fresh_weight_grad(x, y, geometry).tobytes(), call
    im2col.conv_valid(x, w, geometry)
    assert im2col.conv_weight_grad(x, y, geometry).tobytes() == (
        fresh_weight_grad(x, y, geometry).tobytes()
    )
