"""F.layer_norm, F.instance_norm, F.group_norm against torch: values, every gradient,
gradcheck and gradgradcheck in float64, float32 values, running statistics, empty
batches and bad input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with, check_op, randn

# (input shape, extra args of each call) per function.
LAYER = [((3, 4), (4,)), ((2, 3, 4), (3, 4)), ((5,), (5,)), ((2, 1), (1,))]
INSTANCE = [(2, 3, 4), (1, 2, 5, 3), (2, 2, 2, 3, 2)]
GROUP = [((2, 4, 3), 2), ((3, 6), 3), ((2, 4, 2, 3), 1), ((1, 4, 5), 4)]


@pytest.mark.parametrize(("shape", "normalized"), LAYER)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(torch, shape, normalized, affine):
    params = [randn(*normalized, seed=1), randn(*normalized, seed=2)] if affine else []

    def fn(x, *wb):
        return F.layer_norm(x, normalized, *wb, eps=1e-3)

    def torch_fn(x, *wb):
        return torch.nn.functional.layer_norm(x, normalized, *wb, eps=1e-3)

    check_op(fn, randn(*shape) * 2 + 1, *params, torch_fn=torch_fn)


@pytest.mark.parametrize("shape", INSTANCE)
@pytest.mark.parametrize("affine", [True, False])
def test_instance_norm_matches_torch(torch, shape, affine):
    channels = shape[1]
    params = [randn(channels, seed=1), randn(channels, seed=2)] if affine else []

    def fn(x, *wb):
        return F.instance_norm(x, None, None, *wb, eps=1e-3)

    def torch_fn(x, *wb):
        return torch.nn.functional.instance_norm(x, None, None, *wb, eps=1e-3)

    check_op(fn, randn(*shape) * 2 + 1, *params, torch_fn=torch_fn)


@pytest.mark.parametrize(("shape", "groups"), GROUP)
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(torch, shape, groups, affine):
    channels = shape[1]
    params = [randn(channels, seed=1), randn(channels, seed=2)] if affine else []

    def fn(x, *wb):
        return F.group_norm(x, groups, *wb, eps=1e-3)

    def torch_fn(x, *wb):
        return torch.nn.functional.group_norm(x, groups, *wb, eps=1e-3)

    check_op(fn, randn(*shape) * 2 + 1, *params, torch_fn=torch_fn)


def test_weight_without_bias_and_bias_without_weight(torch):
    x, p = randn(3, 4), randn(4, seed=1)
    layer_norm = torch.nn.functional.layer_norm
    check_op(
        lambda x, w: F.layer_norm(x, (4,), w, None),
        x,
        p,
        torch_fn=lambda x, w: layer_norm(x, (4,), w, None),
    )
    check_op(
        lambda x, b: F.layer_norm(x, (4,), None, b),
        x,
        p,
        torch_fn=lambda x, b: layer_norm(x, (4,), None, b),
    )


@given(
    batch=st.integers(1, 3),
    groups=st.integers(1, 3),
    per_group=st.integers(1, 3),
    length=st.integers(2, 6),
)
@settings(max_examples=10)
def test_drawn_shapes_in_float32_match_torch(batch, groups, per_group, length):
    torch = pytest.importorskip("torch")
    shape = (batch, groups * per_group, length)
    x = (randn(*shape) * 3 + 1).astype(np.float32)
    w = randn(shape[1], seed=1).astype(np.float32)
    got = F.group_norm(mg.tensor(x), groups, mg.tensor(w), mg.tensor(w))
    want = torch.nn.functional.group_norm(
        torch.tensor(x), groups, torch.tensor(w), torch.tensor(w)
    )
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=2e-5, rtol=1e-5)
    got = F.instance_norm(mg.tensor(x))
    want = torch.nn.functional.instance_norm(torch.tensor(x))
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=2e-5, rtol=1e-5)
    got = F.layer_norm(mg.tensor(x), shape[1:])
    want = torch.nn.functional.layer_norm(torch.tensor(x), shape[1:])
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=2e-5, rtol=1e-5)


def test_instance_norm_running_statistics_match_torch(torch):
    x = randn(4, 3, 5) * 2 + 1
    mean, var = mg.zeros(3, dtype=mg.float64), mg.ones(3, dtype=mg.float64)
    mean_t, var_t = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for step in range(3):
        got = F.instance_norm(mg.tensor(x + step), mean, var, momentum=0.3)
        want = torch.nn.functional.instance_norm(
            torch.tensor(x + step), mean_t, var_t, momentum=0.3
        )
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), mean_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), var_t.numpy(), rtol=1e-12)
    got = F.instance_norm(mg.tensor(x), mean, var, use_input_stats=False)
    want = torch.nn.functional.instance_norm(torch.tensor(x), mean_t, var_t, use_input_stats=False)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)


def test_empty_inputs_give_empty_outputs_and_zero_parameter_gradients():
    w = mg.ones(3, requires_grad=True)
    out = F.group_norm(mg.zeros(0, 3, 4), 3, w, w)
    assert out.shape == (0, 3, 4)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(3))
    assert F.layer_norm(mg.zeros(2, 0), (0,)).shape == (2, 0)
    assert F.instance_norm(mg.zeros(2, 3, 0)).shape == (2, 3, 0)


def test_a_float32_input_keeps_its_dtype():
    x = mg.randn(2, 3, 4)
    for out in (F.layer_norm(x, (4,)), F.instance_norm(x), F.group_norm(x, 3)):
        assert out.dtype == np.float32 and out.shape == x.shape


def test_layer_norm_refuses_bad_input():
    x = mg.randn(3, 4)
    with assert_raises_with(ValueError, "layer_norm", "input", "(*, 5)", "(3, 4)"):
        F.layer_norm(x, (5,))
    with assert_raises_with(TypeError, "layer_norm", "normalized_shape", "int 4"):
        F.layer_norm(x, 4)
    with assert_raises_with(ValueError, "layer_norm", "normalized_shape", "()"):
        F.layer_norm(x, ())
    with assert_raises_with(ValueError, "layer_norm", "weight", "(4,)", "(3,)"):
        F.layer_norm(x, (4,), mg.ones(3))
    with assert_raises_with(TypeError, "layer_norm", "bias", "float32", "float64"):
        F.layer_norm(x, (4,), None, mg.ones(4, dtype=mg.float64))
    with assert_raises_with(TypeError, "layer_norm", "input", "list"):
        F.layer_norm([1.0], (1,))
    with assert_raises_with(ValueError, "layer_norm", "eps", "-1"):
        F.layer_norm(x, (4,), eps=-1)
    with assert_raises_with(TypeError, "layer_norm", "eps", "str"):
        F.layer_norm(x, (4,), eps="small")


def test_instance_norm_refuses_bad_input():
    with assert_raises_with(ValueError, "instance_norm", "more than 1 spatial", "(2, 3, 1)"):
        F.instance_norm(mg.randn(2, 3, 1))
    with assert_raises_with(ValueError, "instance_norm", "at least 3 dims", "(2, 3)"):
        F.instance_norm(mg.randn(2, 3))
    with assert_raises_with(ValueError, "instance_norm", "running_mean", "(3,)", "(4,)"):
        F.instance_norm(mg.randn(2, 3, 4), mg.zeros(4), mg.ones(3))
    with assert_raises_with(ValueError, "instance_norm", "weight", "(3,)", "(2,)"):
        F.instance_norm(mg.randn(2, 3, 4), weight=mg.ones(2))
    with assert_raises_with(ValueError, "instance_norm", "use_input_stats=False"):
        F.instance_norm(mg.randn(2, 3, 4), use_input_stats=False)
    with assert_raises_with(TypeError, "instance_norm", "use_input_stats", "str"):
        F.instance_norm(mg.randn(2, 3, 4), use_input_stats="yes")
    # Out of training a single spatial value is fine, as in PyTorch.
    out = F.instance_norm(mg.randn(2, 3, 1), mg.zeros(3), mg.ones(3), use_input_stats=False)
    assert out.shape == (2, 3, 1)


def test_group_norm_refuses_bad_input():
    x = mg.randn(2, 6, 3)
    with assert_raises_with(ValueError, "group_norm", "num_groups", "6 channels", "got 4"):
        F.group_norm(x, 4)
    with assert_raises_with(ValueError, "group_norm", "num_groups", "positive", "got 0"):
        F.group_norm(x, 0)
    with assert_raises_with(ValueError, "group_norm", "at least 2 dims", "(4,)"):
        F.group_norm(mg.randn(4), 1)
    with assert_raises_with(ValueError, "group_norm", "weight", "(6,)", "(3,)"):
        F.group_norm(x, 2, mg.ones(3))
    with assert_raises_with(ValueError, "group_norm", "more than 1 value", "(1, 2)"):
        F.group_norm(mg.randn(1, 2), 2)
    assert F.group_norm(mg.randn(1, 2), 1).shape == (1, 2)  # two values in the group


def test_a_non_contiguous_input_matches_torch(torch):
    x = randn(4, 3, 5)
    got = mg.tensor(x, requires_grad=True)
    want = torch.tensor(x, requires_grad=True)
    w = randn(5, seed=1)
    out = F.instance_norm(got.transpose(1, 2), weight=mg.tensor(w))  # (4, 5, 3), strided
    ref = torch.nn.functional.instance_norm(want.transpose(1, 2), weight=torch.tensor(w))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-12)
    seed = randn(*out.shape, seed=4).transpose(1, 0, 2).copy().transpose(1, 0, 2)
    out.backward(mg.tensor(seed))
    ref.backward(torch.tensor(seed))
    np.testing.assert_allclose(got.grad.numpy(), want.grad.numpy(), atol=1e-12)
