"""The 3x3 Winograd path, F(2x2, 3x3), against the loop twins of the reference path.

It takes stride-1 3x3 layers with groups 1 and dilation 1 when the channels are wide
enough and the layer big enough (``winograd3.takes``); here it is also forced onto
small draws of that family, so that odd sizes, every padding up to 2, x longer than
the taps reach, and many batch blocks are all met.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.kernels import _threads, conv
from minigrad.kernels.conv import Geometry, im2col, winograd3
from tests.kernels.test_conv import (
    assert_adjoint_identities,
    assert_matches_reference,
    geometry_of,
    operands,
    patched,
    run_all,
)


@st.composite
def geometries_3x3(draw: Any) -> dict[str, Any]:
    """Stride 1, a 3x3 kernel, zero padding before and after of up to 2 per dim, and
    sometimes an x longer than the taps reach.
    """
    x_size, y_size, padding = [1], [1], [0]
    for _ in range(2):
        ly = draw(st.integers(1, 7))
        full = ly + 2 + draw(st.integers(0, 1))
        before = draw(st.integers(0, min(2, full - 1)))
        after = draw(st.integers(0, min(2, full - 1 - before)))
        x_size.append(full - before - after)
        y_size.append(ly)
        padding.append(before)
    return {
        "n": draw(st.integers(1, 3)),
        "c_in": draw(st.integers(1, 3)),
        "c_out": draw(st.integers(1, 3)),
        "groups": 1,
        "kernel": (1, 3, 3),
        "stride": (1, 1, 1),
        "dilation": (1, 1, 1),
        "x_size": tuple(x_size),
        "y_size": tuple(y_size),
        "padding": tuple(padding),
    }


@contextlib.contextmanager
def everywhere(tiny_blocks: bool = False) -> Iterator[None]:
    """Route every stride-1 3x3 geometry here; with ``tiny_blocks``, one sample a block."""
    settings: list[tuple[Any, str, Any]] = [
        (winograd3, "MIN_CHANNELS", 1), (winograd3, "MIN_WORK", 0),
    ]  # fmt: skip
    if tiny_blocks:
        settings += [(winograd3, "BLOCK_BYTES", 1), (winograd3, "MIN_COLUMNS", 1),
                     (_threads, "PARALLEL_WORK", 0)]  # fmt: skip
    with patched(settings):
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=geometries_3x3(), tiny=st.booleans())
def test_matches_reference(geometry: dict[str, Any], tiny: bool, dtype: type) -> None:
    g = geometry_of(geometry)
    with everywhere(tiny):
        assert conv.route(g, geometry["n"], geometry["c_out"], geometry["c_in"],
                          np.dtype(dtype)) is winograd3  # fmt: skip
        assert_matches_reference(geometry, dtype)


@given(geometry=geometries_3x3(), tiny=st.booleans())
def test_weight_grad_of_the_pair_is_the_same_bits(geometry: dict[str, Any], tiny: bool) -> None:
    x, w, y = operands(geometry, np.float32)
    g = geometry_of(geometry)
    with everywhere(tiny):
        out, grad_w = conv.conv_and_weight_grad(x, w, y, g)
        assert np.array_equal(grad_w, conv.conv_weight_grad(x, y, g))
        assert np.array_equal(out, conv.conv_valid(x, w, g))


@given(geometry=geometries_3x3())
def test_adjoint_identities(geometry: dict[str, Any]) -> None:
    with everywhere():
        assert_adjoint_identities(geometry)


SUPERRES = {"n": 4, "c_in": 16, "c_out": 24, "groups": 1, "kernel": (1, 3, 3),
            "stride": (1, 1, 1), "dilation": (1, 1, 1), "x_size": (1, 5, 4),
            "y_size": (1, 5, 4), "padding": (0, 1, 1)}  # fmt: skip


@pytest.mark.parametrize("where", ["x", "w", "y"])
@pytest.mark.parametrize("value", [np.inf, np.nan, 3e38])
def test_results_it_cannot_vouch_for_come_from_the_direct_sums(where: str, value: float) -> None:
    """An inf, a NaN or a value whose products overflow: the path returns None, and the
    dispatch gives the im2col path's results, NaN and inf where the direct sums have them.
    """
    x, w, y = operands(SUPERRES, np.float32)
    {"x": x, "w": w, "y": y}[where].reshape(-1)[5] = value
    g = geometry_of(SUPERRES)
    with everywhere():
        got = run_all(conv, SUPERRES, x, w, y)
        path = run_all(winograd3, SUPERRES, x, w, y)
    want = run_all(im2col, SUPERRES, x, w, y)
    for out, expected, own in zip(got, want, path):
        if own is not None:  # a result the operand does not reach
            assert np.all(np.isfinite(own))
            continue
        np.testing.assert_array_equal(out, expected)
    assert any(own is None for own in path)
    with everywhere():
        pair = winograd3.conv_and_weight_grad(x, w, y, g)
    assert pair is None or all(np.all(np.isfinite(r)) for r in pair)


PADDED = ((0, 0), (1, 1), (1, 1))


def test_takes_the_small_models_layers_only() -> None:
    layer = Geometry((1, 1, 1), (1, 1, 1), (1, 3, 3), 1, (1, 4, 4), (1, 4, 4), PADDED)
    assert conv.route(layer, 32, 32, 32, np.float32) is winograd3
    assert conv.route(layer, 32, 32, 32, np.float64) is winograd3
    assert conv.route(layer, 32, 32, 32, np.float16) is im2col
    assert conv.route(layer, 32, 32, winograd3.MIN_CHANNELS - 1, np.float32) is im2col
    assert conv.route(layer, 1, 16, 16, np.float32) is im2col  # below MIN_WORK
    strided = Geometry((1, 2, 2), (1, 1, 1), (1, 3, 3), 1, (1, 8, 8), (1, 4, 4), PADDED)
    assert not winograd3.takes(strided, 32, 32, 32, np.float32)
    dilated = Geometry((1, 1, 1), (1, 2, 2), (1, 3, 3), 1, (1, 8, 8), (1, 4, 4))
    assert not winograd3.takes(dilated, 32, 32, 32, np.float32)
    grouped = Geometry((1, 1, 1), (1, 1, 1), (1, 3, 3), 2, (1, 6, 6), (1, 4, 4))
    assert not winograd3.takes(grouped, 32, 32, 32, np.float32)


def test_same_bits_with_one_and_two_threads() -> None:
    g = {**SUPERRES, "n": 8}
    x, w, y = operands(g, np.float32)
    before = numba.get_num_threads()
    try:
        results = []
        for count in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(count)
            with everywhere(tiny_blocks=True):
                pair = conv.conv_and_weight_grad(x, w, y, geometry_of(g))
                results.append((*run_all(conv, g, x, w, y), *pair))
    finally:
        numba.set_num_threads(before)
    for a, b in zip(*results):
        assert np.array_equal(a, b)
