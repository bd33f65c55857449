"""The direct path (``kernels/conv/direct.py``) against the reference loops.

The dispatch sends it only layers with few filters and a batch of at least
``direct.MIN_BATCH``; here every kernel of the path is called directly, on every drawn
geometry (small batches, any filter count, groups, strides, dilations, padding), so
the sums are checked whatever the route.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.kernels import conv
from minigrad.kernels.conv import Geometry, direct, im2col, reference
from tests.kernels.test_conv import (
    AWKWARD,
    HUGE_PADDING,
    assert_adjoint_identities,
    assert_matches_reference,
    geometries,
    geometry_of,
    operands,
    padded_geometries,
    run_all,
)

DRAWN = st.one_of(geometries(), padded_geometries())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=DRAWN)
def test_matches_reference(geometry: dict[str, Any], dtype: type) -> None:
    assert_matches_reference(geometry, dtype, direct)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_awkward_shapes(name: str, dtype: type) -> None:
    assert_matches_reference(AWKWARD[name], dtype, direct)


@given(geometry=DRAWN)
def test_adjoint_identities(geometry: dict[str, Any]) -> None:
    assert_adjoint_identities(geometry, direct)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(geometry=DRAWN)
def test_conv_and_weight_grad_has_each_kernels_bits(geometry: dict[str, Any], dtype: type) -> None:
    x, w, y = operands(geometry, dtype)
    g = geometry_of(geometry)
    out, grad_w = direct.conv_and_weight_grad(x, w, y, g)
    assert np.array_equal(out, direct.conv_valid(x, w, g))
    assert np.array_equal(grad_w, direct.conv_weight_grad(x, y, g))


def test_non_contiguous_inputs_give_the_same_bits() -> None:
    geometry = AWKWARD["groups_dilation"]
    x, w, y = operands(geometry, np.float64)
    strided = [np.asfortranarray(a) for a in (x, w, y)]
    for got, want in zip(run_all(direct, geometry, *strided), run_all(direct, geometry, x, w, y)):
        assert np.array_equal(got, want)


# The pix2pix critic's last layer: 64 channels at 4x4 to one logit per 2x2 patch.
CRITIC = dict(n=16, c_in=64, c_out=1, groups=1, kernel=(1, 4, 4), stride=(1, 2, 2),
              dilation=(1, 1, 1), x_size=(1, 4, 4), y_size=(1, 2, 2),
              padding=(0, 1, 1))  # fmt: skip


def test_route_sends_thin_layers_with_a_batch_here() -> None:
    g = geometry_of(CRITIC)
    assert conv.route(g, 16, 1, 64, np.float32) is direct
    assert conv.route(g, 16, direct.THIN, 64, np.float64) is direct
    # Grouped: the filters per group count.
    assert conv.route(g, 16, 2 * direct.THIN, 64, np.float32) is im2col
    grouped = Geometry(g.stride, g.dilation, g.kernel_size, 2, g.x_size, g.y_size, g.padding)
    assert conv.route(grouped, 16, 2 * direct.THIN, 32, np.float32) is direct
    assert conv.route(g, direct.MIN_BATCH - 1, 1, 64, np.float32) is im2col
    assert conv.route(g, 16, 1, 64, np.float16) is im2col
    assert conv.route(g, 16, 1, 0, np.float32) is im2col


@pytest.mark.parametrize("name", sorted(HUGE_PADDING))
def test_huge_paddings_and_strides(name: str) -> None:
    # The padded x holds only what the taps reach: a huge padding before x with one
    # output (its taps read only padding) is small, and computed here; a huge stride
    # between outputs would make it huge, and is left to im2col.
    geometry = HUGE_PADDING[name]
    g = geometry_of(geometry)
    reach = [s * (ly - 1) + d * (k - 1) + 1 for s, ly, d, k in
             zip(g.stride, g.y_size, g.dilation, g.kernel_size)]  # fmt: skip
    small = max(reach) < 1000
    assert direct.takes(g, 64, 1, 2, np.float32) is small
    if small:
        assert_matches_reference(geometry, np.float64, direct)


def test_the_dispatch_runs_the_path_on_a_thin_layer() -> None:
    x, w, y = operands(CRITIC, np.float32)
    g = geometry_of(CRITIC)
    assert np.array_equal(conv.conv_valid(x, w, g), direct.conv_valid(x, w, g))
    assert np.array_equal(conv.conv_transpose_valid(y, w, g), direct.conv_transpose_valid(y, w, g))
    assert np.array_equal(conv.conv_weight_grad(x, y, g), direct.conv_weight_grad(x, y, g))
    pair = conv.conv_and_weight_grad(x, w, y, g)
    for got, want in zip(pair, direct.conv_and_weight_grad(x, w, y, g)):
        assert np.array_equal(got, want)


def test_padding_taps_multiply_zeros() -> None:
    # inf * 0 is NaN: a weight tap over the zero padding makes the output NaN, as the
    # sum over the padded input does; and an inf in y reaches the weight gradient
    # through the padding's zeros as NaN.
    x, w, y = operands(CRITIC, np.float64)
    g = geometry_of(CRITIC)
    w[0, 0, 0, 0, 0] = np.inf  # tap (0, 0) reads row -1 and column -1 at position (0, 0)
    out = direct.conv_valid(x, w, g)
    want = reference.conv_valid(x, w, g)
    assert np.isnan(out[:, 0, 0, 0, 0]).all()
    assert np.array_equal(np.isnan(out), np.isnan(want))
    assert np.array_equal(np.isinf(out), np.isinf(want))
    y[0, 0, 0, 0, 0] = np.inf
    grad_w = direct.conv_weight_grad(x, y, g)
    assert np.array_equal(np.isnan(grad_w), np.isnan(reference.conv_weight_grad(x, y, g)))
    assert np.isnan(grad_w[0, :, 0, 0, 0]).all()


def test_transposed_taps_in_the_padding_are_dropped() -> None:
    # y's inf at position (0, 0) reaches x through the taps inside x only: every x
    # element its taps reach is inf (or NaN), and the rest is finite.
    x, w, y = operands(CRITIC, np.float64)
    g = geometry_of(CRITIC)
    y[:] = 0
    y[:, 0, 0, 0, 0] = np.inf
    w = np.abs(w) + 1
    got = direct.conv_transpose_valid(y, w, g)
    want = reference.conv_transpose_valid(y, w, g)
    assert np.array_equal(got, want)
    assert np.isinf(got[:, :, 0, :3, :3]).all() and np.isfinite(got[:, :, 0, 3:, :]).all()
