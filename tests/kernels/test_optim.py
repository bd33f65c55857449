"""Adam's one-pass kernel against the update written out in numpy, to the bit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from minigrad.kernels import backend
from minigrad.kernels.optim import adam_update


def twin_adam(value, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, betas, eps):  # type: ignore[no-untyped-def]
    """The update as numpy evaluates it step by step; moments updated in place."""
    beta1, beta2 = betas
    exp_avg *= beta1
    exp_avg += (1 - beta1) * grad
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * grad * grad
    second = exp_avg_sq
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    denominator = np.sqrt(second) / math.sqrt(1 - beta2**step) + eps
    return value - (lr / (1 - beta1**step)) * exp_avg / denominator


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_ten_steps_equal_the_written_out_update_to_the_bit(dtype: Any, amsgrad: bool) -> None:
    rng = np.random.default_rng(0)
    value = rng.standard_normal((3, 4, 5)).astype(dtype)
    twin_value = value.copy()
    moments = [np.zeros_like(value) for _ in range(3)]
    twin_moments = [np.zeros_like(value) for _ in range(3)]
    lr, betas, eps = 0.01, (0.8, 0.99), 1e-6
    for step in range(1, 11):
        # Shrinking gradients, so that amsgrad's maximum keeps an older value.
        grad = (rng.standard_normal(value.shape) / step).astype(dtype)
        value = adam_update(
            value,
            grad,
            moments[0],
            moments[1],
            moments[2] if amsgrad else None,
            beta1=betas[0],
            beta2=betas[1],
            step_size=lr / (1 - betas[0] ** step),
            bias_root=math.sqrt(1 - betas[1] ** step),
            eps=eps,
        )
        twin_value = twin_adam(
            twin_value, grad, *twin_moments[:2], twin_moments[2] if amsgrad else None,
            step, lr, betas, eps,
        )  # fmt: skip
        assert value.dtype == dtype
        np.testing.assert_array_equal(value, twin_value)
        for moment, twin in zip(moments, twin_moments):
            np.testing.assert_array_equal(moment, twin)
    if amsgrad:
        assert not np.array_equal(moments[2], moments[1])


def test_non_contiguous_parameter_and_gradient_are_read_by_their_values() -> None:
    rng = np.random.default_rng(1)
    value = rng.standard_normal((6, 4)).T
    grad = rng.standard_normal((4, 12))[:, ::2]
    assert not value.flags.c_contiguous and not grad.flags.c_contiguous
    scalars = {"beta1": 0.9, "beta2": 0.999, "step_size": 0.1, "bias_root": 0.5, "eps": 1e-8}
    moments = [np.zeros((4, 6)) for _ in range(2)]
    out = adam_update(value, grad, *moments, None, **scalars)
    copies = [np.zeros((4, 6)) for _ in range(2)]
    want = adam_update(value.copy(), grad.copy(), *copies, None, **scalars)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(moments[0], (1 - 0.9) * grad)
    np.testing.assert_array_equal(moments[1], copies[1])


def test_amsgrad_maximum_keeps_a_nan_as_numpy_does() -> None:
    value = np.ones(3)
    grad = np.array([np.nan, 1.0, 2.0])
    largest = np.array([1.0, np.nan, 0.0])
    exp_avg_sq = np.zeros(3)
    adam_update(
        value, grad, np.zeros(3), exp_avg_sq, largest,
        beta1=0.9, beta2=0.5, step_size=0.1, bias_root=1.0, eps=1e-8,
    )  # fmt: skip
    np.testing.assert_array_equal(largest, np.maximum([1.0, np.nan, 0.0], exp_avg_sq))


def test_the_loop_itself_refuses_arrays_of_another_size() -> None:
    """``_adam`` called directly, without ``adam_update``'s checks, still never reads or
    writes past the end of an array (its loop has no bounds checks)."""
    from minigrad.kernels.optim import _adam

    constants = np.array([0.9, 0.1, 0.999, 0.001, 0.1, 0.5, 1e-8])
    six = [np.zeros(6) for _ in range(4)]
    out = np.zeros(6)
    cases = [
        (six[0], np.zeros(5), six[1], six[2], six[3], False, constants, out),
        (six[0], six[1], np.zeros(2), six[2], six[3], False, constants, out),
        (six[0], six[1], six[2], np.zeros(5), six[3], False, constants, out),
        (six[0], six[1], six[2], six[3], np.zeros(1), True, constants, out),
        (six[0], six[1], six[2], six[3], six[3], False, constants[:3], out),
        (six[0], six[1], six[2], six[3], six[3], False, constants, np.zeros(4)),
    ]
    for arguments in cases:
        with pytest.raises(ValueError, match="the parameter's size"):
            _adam(*arguments)
    for array in [*six, out]:
        assert not array.any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_reference_twin_gives_the_kernels_bits(dtype: Any, amsgrad: bool) -> None:
    """The numpy equations beside the loop (run under the reference kernels) agree with
    it to the bit, moments included, over several steps and through inf and NaN.
    """
    rng = np.random.default_rng(2)
    value = rng.standard_normal((4, 7)).astype(dtype)
    values = {"fast": value.copy(), "reference": value.copy()}
    moments = {name: [np.zeros_like(value) for _ in range(3)] for name in values}
    for step in range(1, 6):
        grad = (rng.standard_normal(value.shape) / step).astype(dtype)
        if step == 3:
            grad[0, :3] = [np.nan, np.inf, 0.0]
        scalars = {
            "beta1": 0.8,
            "beta2": 0.99,
            "step_size": 0.01 / (1 - 0.8**step),
            "bias_root": math.sqrt(1 - 0.99**step),
            "eps": 1e-6,
        }
        for name in values:
            state = moments[name]
            # inf / inf is NaN, silently in the compiled loop (numpy warns without the JIT).
            with backend.use(name), np.errstate(invalid="ignore", over="ignore"):
                values[name] = adam_update(
                    values[name], grad, state[0], state[1], state[2] if amsgrad else None,
                    **scalars,
                )  # fmt: skip
        np.testing.assert_array_equal(values["reference"], values["fast"])
        for got, want in zip(moments["reference"], moments["fast"]):
            np.testing.assert_array_equal(got, want)
    assert np.isnan(values["fast"]).any()


def test_reference_twin_returns_a_new_c_contiguous_array() -> None:
    value = np.random.default_rng(3).standard_normal((6, 4)).T
    grad = np.ones_like(value)
    moments = [np.zeros((4, 6)) for _ in range(2)]
    scalars = {"beta1": 0.9, "beta2": 0.999, "step_size": 0.1, "bias_root": 0.5, "eps": 1e-8}
    with backend.use("reference"):
        out = adam_update(value, grad, *moments, None, **scalars)
    assert out.flags.c_contiguous and out.shape == value.shape
    assert not np.shares_memory(out, value)
