"""The batch-norm kernels against numpy twins written as the formulas, per channel."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.kernels import backend, norm


def channel_dims(x: np.ndarray) -> tuple[int, ...]:
    return (0, *range(2, x.ndim))


def per_channel(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    return values.reshape((1, -1) + (1,) * (x.ndim - 2))


def twin_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    wide = x.astype(np.float64)
    return wide.mean(axis=channel_dims(x)), wide.var(axis=channel_dims(x))


def twin_forward(x, mean, root, weight, bias):  # type: ignore[no-untyped-def]
    normalised = (x - per_channel(mean, x)) * per_channel(root, x)
    return normalised * per_channel(weight, x) + per_channel(bias, x), normalised


def twin_input_grad(g, normalised, scale, mean_bias, mean_weight):  # type: ignore[no-untyped-def]
    centred = g - per_channel(mean_bias, g) - normalised * per_channel(mean_weight, g)
    return centred * per_channel(scale, g)


@st.composite
def batches(draw: Any) -> tuple[np.ndarray, ...]:
    """x of 2 to 5 dims in either dtype, with five per-channel arrays of its dtype."""
    ndim = draw(st.integers(2, 5))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    channels = [rng.standard_normal(shape[1]).astype(dtype) for _ in range(5)]
    return (x, *channels)


def tolerance(dtype: Any) -> float:
    return 1e-5 if dtype == np.float32 else 1e-12


@given(batches())
def test_statistics_match_numpy(batch: tuple[np.ndarray, ...]) -> None:
    x = batch[0]
    mean, variance = norm.batch_norm_statistics(x)
    want_mean, want_variance = twin_statistics(x)
    assert mean.dtype == variance.dtype == x.dtype
    assert mean.shape == variance.shape == (x.shape[1],)
    scale = np.abs(x.astype(np.float64)).max()
    np.testing.assert_allclose(mean, want_mean, atol=tolerance(x.dtype) * scale)
    np.testing.assert_allclose(variance, want_variance, atol=tolerance(x.dtype) * scale**2)


@given(batches())
def test_forward_matches_numpy_to_the_bit(batch: tuple[np.ndarray, ...]) -> None:
    # Same steps in the same dtype and order, without fused multiply-adds: same bits.
    x, mean, root, weight, bias, _ = batch
    out, normalised = norm.batch_norm_forward(x, mean, root, weight, bias)
    want_out, want_normalised = twin_forward(x, mean, root, weight, bias)
    assert out.dtype == normalised.dtype == x.dtype
    np.testing.assert_array_equal(normalised, want_normalised)
    np.testing.assert_array_equal(out, want_out)


@given(batches())
def test_input_grad_matches_numpy_to_the_bit(batch: tuple[np.ndarray, ...]) -> None:
    g, scale, mean_bias, mean_weight, _, _ = batch
    normalised = np.flip(g, axis=0).copy()
    out = norm.batch_norm_input_grad(g, normalised, scale, mean_bias, mean_weight)
    want = twin_input_grad(g, normalised, scale, mean_bias, mean_weight)
    assert out.dtype == g.dtype
    np.testing.assert_array_equal(out, want)


@given(batches())
def test_channel_dot_matches_numpy(batch: tuple[np.ndarray, ...]) -> None:
    a = batch[0]
    b = np.flip(a, axis=0) - 1
    out = norm.channel_dot(a, b)
    want = (a * b).astype(np.float64).sum(axis=channel_dims(a))
    assert out.dtype == a.dtype
    bound = (np.abs(a * b.astype(np.float64))).sum(axis=channel_dims(a))
    np.testing.assert_array_less(np.abs(out - want), tolerance(a.dtype) * bound + 1e-300)


@given(batches())
def test_channel_sum_matches_numpy(batch: tuple[np.ndarray, ...]) -> None:
    x = batch[0]
    out = norm.channel_sum(x)
    want = x.astype(np.float64).sum(axis=channel_dims(x))
    assert out.dtype == x.dtype and out.shape == (x.shape[1],)
    bound = np.abs(x.astype(np.float64)).sum(axis=channel_dims(x))
    np.testing.assert_array_less(np.abs(out - want), tolerance(x.dtype) * bound + 1e-300)


@given(batches())
def test_channel_sum_and_dot_equal_the_two_kernels_to_the_bit(
    batch: tuple[np.ndarray, ...],
) -> None:
    a = batch[0]
    b = np.flip(a, axis=0) - 1
    total, products = norm.channel_sum_and_dot(a, b)
    np.testing.assert_array_equal(total, norm.channel_sum(a))
    np.testing.assert_array_equal(products, norm.channel_dot(a, b))


def test_known_values() -> None:
    x = np.array([[[1.0, 2.0], [0.0, 0.0]], [[3.0, 6.0], [4.0, 8.0]]])  # (2, 2, 2)
    mean, variance = norm.batch_norm_statistics(x)
    np.testing.assert_array_equal(mean, [3.0, 3.0])
    np.testing.assert_array_equal(variance, [3.5, 11.0])
    np.testing.assert_array_equal(norm.channel_dot(x, x), [50.0, 80.0])
    np.testing.assert_array_equal(norm.channel_sum(x), [12.0, 12.0])


def test_float32_variance_has_no_cancellation_far_from_zero() -> None:
    # Sum and sum of squares would lose every digit here (mean^2 / var = 1e8).
    x = (1e4 + np.random.default_rng(0).standard_normal((64, 3, 4, 4))).astype(np.float32)
    _, variance = norm.batch_norm_statistics(x)
    np.testing.assert_allclose(variance, twin_statistics(x)[1], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_contiguous_input_is_read_by_its_values(dtype: Any) -> None:
    x = np.random.default_rng(1).standard_normal((5, 4, 3, 6)).astype(dtype)
    strided = x.transpose(0, 1, 3, 2)[:, :, ::2]
    assert not strided.flags.c_contiguous
    for got, want in zip(
        norm.batch_norm_statistics(strided), norm.batch_norm_statistics(strided.copy())
    ):
        np.testing.assert_array_equal(got, want)
    ones = np.ones(4, dtype)
    out, _ = norm.batch_norm_forward(strided, ones, ones, ones, ones)
    np.testing.assert_array_equal(out, (strided - 1) + 1)


def _both_backends(call: Any) -> tuple[Any, Any]:
    """``call()`` on the fast kernels and on their numpy twins (the reference kernels)."""
    fast = call()
    with backend.use("reference"):
        reference = call()
    return fast, reference


@given(batches())
def test_reference_twins_agree_with_the_kernels(batch: tuple[np.ndarray, ...]) -> None:
    x, mean, root, weight, bias, _ = batch
    b = np.flip(x, axis=0) - 1
    calls = {
        "batch_norm_statistics": lambda: norm.batch_norm_statistics(x),
        "channel_dot": lambda: (norm.channel_dot(x, b),),
        "channel_sum": lambda: (norm.channel_sum(x),),
        "channel_sum_and_dot": lambda: norm.channel_sum_and_dot(x, b),
    }
    for name, call in calls.items():
        fast, reference = _both_backends(call)
        for got, want in zip(reference, fast):
            assert got.dtype == want.dtype and got.shape == want.shape, name
            scale = np.abs(x.astype(np.float64)).max() * max(1.0, np.abs(b).max()) * x.size
            np.testing.assert_allclose(
                got, want, rtol=tolerance(x.dtype), atol=tolerance(x.dtype) * scale, err_msg=name
            )


@given(batches())
def test_elementwise_reference_twins_give_the_kernels_bits(batch: tuple[np.ndarray, ...]) -> None:
    x, mean, root, weight, bias, _ = batch
    normalised = np.flip(x, axis=0).copy()
    calls = {
        "batch_norm_forward": lambda: norm.batch_norm_forward(x, mean, root, weight, bias),
        "batch_norm_input_grad": lambda: (
            norm.batch_norm_input_grad(x, normalised, mean, root, weight),
        ),
    }
    for name, call in calls.items():
        fast, reference = _both_backends(call)
        for got, want in zip(reference, fast):
            assert got.dtype == want.dtype and got.shape == want.shape, name
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_reference_statistics_keep_their_precision_far_from_zero() -> None:
    x = (1e4 + np.random.default_rng(0).standard_normal((64, 3, 4, 4))).astype(np.float32)
    fast, reference = _both_backends(lambda: norm.batch_norm_statistics(x))
    for got, want in zip(reference, fast):
        np.testing.assert_allclose(got, want, rtol=1e-6)
