"""The leaky-ReLU, ReLU and sigmoid kernels against numpy's ``where``, to the bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from minigrad.kernels import backend
from minigrad.kernels.activation import (
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
)

SLOPES = [0.0, 0.2, 1.0, 1.5, -0.3, 1e-40]


def _specials(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    x.reshape(-1)[:5] = [np.nan, np.inf, -np.inf, 0.0, -0.0]
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", SLOPES)
def test_forward_matches_numpy_where_to_the_bit(dtype: Any, slope: float) -> None:
    x = _specials(np.random.default_rng(0).standard_normal((3, 4, 5)).astype(dtype))
    with np.errstate(invalid="ignore"):  # -inf * 0 is NaN (numpy warns without the JIT)
        out = leaky_relu(x, slope)
        want = x * np.where(x > 0, dtype(1), dtype(slope))
    assert out.dtype == x.dtype and out.shape == x.shape
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(want))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", SLOPES)
def test_backward_scales_grad_by_the_factor_of_signs(dtype: Any, slope: float) -> None:
    rng = np.random.default_rng(1)
    signs = _specials(rng.standard_normal((4, 6)).astype(dtype))
    grad = _specials(rng.standard_normal((4, 6)).astype(dtype))[::-1]
    with np.errstate(invalid="ignore"):
        got = leaky_relu_backward(grad, signs, slope)
        want = grad * np.where(signs > 0, dtype(1), dtype(slope))
    assert got.dtype == grad.dtype and got.shape == grad.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_non_contiguous_operands_keep_their_shape_and_values() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 8)).T[::2]
    grad = rng.standard_normal((6, 4)).T
    np.testing.assert_array_equal(leaky_relu(x, 0.1), np.where(x > 0, x, x * 0.1))
    np.testing.assert_array_equal(
        leaky_relu_backward(grad, x, 0.1), np.where(x > 0, grad, grad * 0.1)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("slope", [0.0, 0.2, -0.3])
def test_reference_twins_give_the_kernels_bits(dtype: Any, slope: float) -> None:
    rng = np.random.default_rng(3)
    x = _specials(rng.standard_normal((5, 6)).astype(dtype)).T
    grad = rng.standard_normal((6, 5)).astype(dtype)
    with np.errstate(invalid="ignore"):  # -inf * 0 (numpy warns without the JIT)
        fast = leaky_relu(x, slope), leaky_relu_backward(grad, x, slope)
    with backend.use("reference"):
        reference = leaky_relu(x, slope), leaky_relu_backward(grad, x, slope)
    for got, want in zip(reference, fast):
        assert got.dtype == want.dtype and got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_selects_zero_below_zero_and_keeps_signed_zeros_and_nan(dtype: Any) -> None:
    x = _specials(np.random.default_rng(4).standard_normal((3, 7)).astype(dtype))
    out = relu(x)
    want = np.where(x < 0, dtype(0), x)  # -inf -> 0, -0.0 and NaN as they are
    assert out.dtype == x.dtype and out.shape == x.shape and out.flags.c_contiguous
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(np.signbit(out), np.signbit(want))
    assert out.reshape(-1)[2] == 0 and np.signbit(out.reshape(-1)[4])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_selects_grad_where_the_output_is_positive_or_nan(dtype: Any) -> None:
    rng = np.random.default_rng(5)
    out = relu(_specials(rng.standard_normal((4, 6)).astype(dtype)))
    grad = _specials(rng.standard_normal((4, 6)).astype(dtype))[::-1]
    got = relu_backward(grad, out)
    want = np.where(out <= 0, dtype(0), grad)  # no inf * 0: a zero, whatever grad is
    assert got.dtype == grad.dtype and got.shape == grad.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_reference_twins_give_the_kernels_bits(dtype: Any) -> None:
    rng = np.random.default_rng(6)
    x = _specials(rng.standard_normal((5, 6)).astype(dtype)).T
    grad = _specials(rng.standard_normal((6, 5)).astype(dtype))
    fast = relu(x), relu_backward(grad, relu(x))
    with backend.use("reference"):
        reference = relu(x), relu_backward(grad, relu(x))
    for got, want in zip(reference, fast):
        assert got.dtype == want.dtype and got.flags.c_contiguous
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sigmoid_has_its_twins_bits_and_its_limits(dtype: Any) -> None:
    rng = np.random.default_rng(5)
    x = _specials((30 * rng.standard_normal((6, 9))).astype(dtype)).T
    got = sigmoid(x)
    with backend.use("reference"):
        want = sigmoid(x)
    assert got.dtype == x.dtype and got.shape == x.shape and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    # NaN, inf, -inf, 0.0 and -0.0 come first in x's memory (x is a transposed view).
    specials = got.T.reshape(-1)[:5]
    assert np.isnan(specials[0]) and specials[1:].tolist() == [1.0, 0.0, 0.5, 0.5]
    assert sigmoid(np.asarray(-3.0, dtype)).shape == ()
