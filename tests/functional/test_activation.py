"""Activations: forward and gradient against torch, gradcheck, gradgradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with, check_op, randn


def _tf():
    import torch.nn.functional as tf

    return tf


@pytest.mark.parametrize(
    "name, mg_fn, torch_fn",
    [
        ("relu", lambda x: F.relu(x), lambda x: _tf().relu(x)),
        ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: _tf().leaky_relu(x, 0.2)),
        ("tanh", lambda x: F.tanh(x), lambda x: _tf().tanh(x)),
        ("sigmoid", lambda x: F.sigmoid(x), lambda x: _tf().sigmoid(x)),
        ("softmax", lambda x: F.softmax(x, dim=1), lambda x: _tf().softmax(x, dim=1)),
        ("softmax-1", lambda x: F.softmax(x, dim=-1), lambda x: _tf().softmax(x, dim=-1)),
        ("log_softmax", lambda x: F.log_softmax(x, 1), lambda x: _tf().log_softmax(x, 1)),
        ("log_softmax0", lambda x: F.log_softmax(x, 0), lambda x: _tf().log_softmax(x, 0)),
    ],
)
def test_matches_torch_and_gradchecks(torch, name, mg_fn, torch_fn):
    check_op(mg_fn, randn(3, 4, 2), torch_fn=torch_fn)


def test_implicit_softmax_dim_follows_torch(torch):
    for shape in [(5,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        x = randn(*shape)
        with pytest.warns(UserWarning):
            want = _tf().softmax(torch.tensor(x), dim=None).numpy()
        np.testing.assert_allclose(F.softmax(mg.tensor(x)).numpy(), want, rtol=1e-12)


def test_log_softmax_is_finite_for_huge_logits(torch):
    x = np.array([[1e4, -1e4, 0.0], [800.0, 800.0, 799.0]])
    got = F.log_softmax(mg.tensor(x), dim=1).numpy()
    want = _tf().log_softmax(torch.tensor(x), dim=1).numpy()
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(F.softmax(mg.tensor(x), dim=1).numpy().sum(1), 1.0)


def test_float32_stays_float32():
    x = mg.randn(2, 3)
    for fn in (
        F.relu,
        F.tanh,
        F.sigmoid,
        lambda t: F.softmax(t, 1),
        lambda t: F.log_softmax(t, 1),
    ):
        assert fn(x).dtype == mg.float32


def test_softmax_dtype_argument_casts():
    assert F.softmax(mg.randn(2, 3), dim=1, dtype=mg.float64).dtype == mg.float64


def test_bad_input():
    with assert_raises_with(TypeError, "relu", "input", "list"):
        F.relu([1.0, 2.0])
    with assert_raises_with(TypeError, "sigmoid", "float32 or float64", "int64"):
        F.sigmoid(mg.tensor([1, 2]))
    with assert_raises_with(ValueError, "dim", "got 2"):
        F.softmax(mg.randn(2, 3), dim=2)
    with assert_raises_with(TypeError, "negative_slope", "str"):
        F.leaky_relu(mg.randn(2), "0.1")


@pytest.mark.parametrize(
    "call",
    [
        lambda F, y: F.relu(y, inplace=True),
        lambda F, y: F.relu(y, True),
        lambda F, y: F.relu_(y),
        lambda F, y: F.leaky_relu(y, 0.2, True),
        lambda F, y: F.leaky_relu(y, negative_slope=0.3, inplace=True),
        lambda F, y: F.leaky_relu_(y, 0.1),
    ],
)
def test_inplace_forms_write_their_input_and_differentiate_as_torch(call, torch):
    outcomes = []
    for lib in (mg, torch):
        functional = lib.nn.functional
        x = lib.tensor(np.array([-1.5, 2.0, -3.0, 0.5, 0.0]), requires_grad=True)
        y = x * 3
        before = y._version
        out = call(functional, y)
        assert out is y and y._version == before + 1
        (out * out).sum().backward()
        # Without grad mode the array itself is written.
        plain = lib.tensor(np.array([-1.0, 4.0]))
        call(functional, plain)
        outcomes.append((out.tolist(), x.grad.tolist(), plain.tolist()))
    assert outcomes[0] == outcomes[1]


def test_inplace_forms_refuse_a_leaf_that_requires_grad_and_bad_flags(torch):
    for lib in (mg, torch):
        leaf = lib.tensor([1.0, -1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            lib.nn.functional.relu(leaf, inplace=True)
        assert leaf.tolist() == [1.0, -1.0] and leaf._version == 0
    with assert_raises_with(TypeError, "relu", "inplace", "bool", "str"):
        F.relu(mg.ones(2), inplace="yes")
    with assert_raises_with(TypeError, "leaky_relu", "inplace", "bool", "float"):
        F.leaky_relu(mg.ones(2), 0.2, 0.5)
