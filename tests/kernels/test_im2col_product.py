"""The im2col path's layers whose one output position reads all of x (DCGAN's first
layer, a 1x1 input to a k x k output): each kernel is one matrix product of the arrays
as they lie, checked against the reference loops and the adjoint identities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minigrad.kernels.conv import Geometry, im2col, reference


@st.composite
def whole_layers(draw: Any) -> tuple[Geometry, np.ndarray, np.ndarray, np.ndarray]:
    """A one-group layer with ``y_size == (1, 1, 1)`` and x exactly one kernel window."""
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(3))
    n, c_in, c_out = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    geometry = Geometry((1, 1, 1), (1, 1, 1), kernel, 1, kernel, (1, 1, 1))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, c_in, *kernel))
    w = rng.standard_normal((c_out, c_in, *kernel))
    y = rng.standard_normal((n, c_out, 1, 1, 1))
    return geometry, x, w, y


@given(whole_layers())
def test_the_product_is_the_sums(layer: tuple[Any, ...]) -> None:
    geometry, x, w, y = layer
    assert im2col._as_product(x.shape[2:], geometry)
    got = (
        im2col.conv_valid(x, w, geometry),
        im2col.conv_transpose_valid(y, w, geometry),
        im2col.conv_weight_grad(x, y, geometry),
        *im2col.conv_and_weight_grad(x, w, y, geometry),
    )
    want = (
        reference.conv_valid(x, w, geometry),
        reference.conv_transpose_valid(y, w, geometry),
        reference.conv_weight_grad(x, y, geometry),
        reference.conv_valid(x, w, geometry),
        reference.conv_weight_grad(x, y, geometry),
    )
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    # <conv(x, w), y> = <x, conv_transpose(y, w)> = <w, weight_grad(x, y)>
    value = np.vdot(got[0], y)
    assert np.isclose(value, np.vdot(x, got[1]), rtol=1e-12, atol=1e-12)
    assert np.isclose(value, np.vdot(w, got[2]), rtol=1e-12, atol=1e-12)


def test_grouped_and_padded_layers_keep_the_column_path() -> None:
    kernel = (1, 2, 2)
    grouped = Geometry((1, 1, 1), (1, 1, 1), kernel, 2, kernel, (1, 1, 1))
    padded = Geometry(
        (1, 1, 1), (1, 1, 1), (1, 3, 3), 1, (1, 2, 2), (1, 1, 1), ((0, 0), (1, 0), (1, 0))
    )
    assert not im2col._as_product(kernel, grouped)
    assert not im2col._as_product((1, 2, 2), padded)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, *kernel))
    w = rng.standard_normal((6, 2, *kernel))
    np.testing.assert_allclose(
        im2col.conv_valid(x, w, grouped), reference.conv_valid(x, w, grouped), rtol=1e-12
    )


def test_float32_and_empty_operands() -> None:
    kernel = (1, 4, 4)
    geometry = Geometry((1, 1, 1), (1, 1, 1), kernel, 1, kernel, (1, 1, 1))
    rng = np.random.default_rng(1)
    y = rng.standard_normal((8, 10, 1, 1, 1)).astype(np.float32)
    w = rng.standard_normal((10, 3, *kernel)).astype(np.float32)
    x = im2col.conv_transpose_valid(y, w, geometry)
    assert x.dtype == np.float32 and x.shape == (8, 3, *kernel)
    want = reference.conv_transpose_valid(y.astype(np.float64), w.astype(np.float64), geometry)
    np.testing.assert_allclose(x, want, rtol=1e-5, atol=1e-5)
    empty = im2col.conv_transpose_valid(y[:0], w, geometry)
    assert empty.shape == (0, 3, *kernel)
