"""Activations: forward and gradient against torch, gradcheck, gradgradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import assert_raises_with, check_op, randn
from tests.strategies import shapes


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


# ---- the activations of issue 16 ------------------------------------------------------------

NEW_ACTIVATIONS = [
    ("elu", lambda F, x: F.elu(x)),
    ("elu_alpha", lambda F, x: F.elu(x, 0.7)),
    ("selu", lambda F, x: F.selu(x)),
    ("celu", lambda F, x: F.celu(x, 1.5)),
    ("gelu", lambda F, x: F.gelu(x)),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")),
    ("silu", lambda F, x: F.silu(x)),
    ("mish", lambda F, x: F.mish(x)),
    ("softplus", lambda F, x: F.softplus(x)),
    ("softplus_beta", lambda F, x: F.softplus(x, 2, 3)),
    ("softplus_negative_beta", lambda F, x: F.softplus(x, beta=-0.5, threshold=1)),
    ("hardtanh", lambda F, x: F.hardtanh(x)),
    ("hardtanh_bounds", lambda F, x: F.hardtanh(x, -2, 1.5)),
    ("relu6", lambda F, x: F.relu6(x)),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x)),
    ("hardswish", lambda F, x: F.hardswish(x)),
    ("tanhshrink", lambda F, x: F.tanhshrink(x)),
    ("softsign", lambda F, x: F.softsign(x)),
]


@pytest.mark.parametrize("name, call", NEW_ACTIVATIONS, ids=[n for n, _ in NEW_ACTIVATIONS])
def test_new_activations_match_torch_and_gradcheck(torch, name, call):
    # Scaled by 3 so that every branch (hardtanh's bounds, softplus' threshold, the
    # hard functions' +-3) is taken; a normal draw never lands on a kink.
    x = randn(3, 4, 2) * 3
    check_op(lambda t: call(F, t), x, torch_fn=lambda t: call(_tf(), t))


@pytest.mark.parametrize("name, call", NEW_ACTIVATIONS, ids=[n for n, _ in NEW_ACTIVATIONS])
def test_new_activations_second_derivative_matches_torch(torch, name, call):
    x = randn(5, 3, seed=3) * 3
    seed = randn(5, 3, seed=4)
    got_x = mg.tensor(x, requires_grad=True)
    (first,) = mg.autograd.grad(call(F, got_x), [got_x], mg.tensor(seed), create_graph=True)
    want_x = torch.tensor(x, requires_grad=True)
    (want_first,) = torch.autograd.grad(
        call(_tf(), want_x), [want_x], torch.tensor(seed), create_graph=True
    )
    np.testing.assert_allclose(
        first.detach().numpy(), want_first.detach().numpy(), rtol=1e-7, atol=1e-12
    )
    second = _second_derivative(mg, first, got_x)
    if name == "hardsigmoid":  # torch has no second derivative for it; it is 0
        want_second = np.zeros(x.shape)
    else:
        want_second = _second_derivative(torch, want_first, want_x)
    # The piecewise linear ones have a zero second derivative (no graph, in minigrad).
    np.testing.assert_allclose(second, want_second, rtol=1e-7, atol=1e-12)


def _second_derivative(lib, first, x):
    if not first.requires_grad:
        return np.zeros(x.shape)
    (second,) = lib.autograd.grad((first * first).sum(), [x], allow_unused=True)
    return np.zeros(x.shape) if second is None else second.detach().numpy()


@settings(max_examples=8)
@given(shape=shapes(min_dims=0, max_dims=4), seed=st.integers(0, 1000))
def test_new_activations_keep_shape_and_dtype(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape) * 4
    for dtype in (mg.float32, mg.float64):
        t = mg.tensor(x, dtype=dtype)
        for _, call in NEW_ACTIVATIONS:
            out = call(F, t)
            assert out.shape == t.shape and out.dtype == dtype


def test_gelu_float32_is_float64_rounded(torch):
    # Against torch in float64: the float32 result is as accurate as float32 allows
    # (torch's own float32 gelu loses more in the lower tail).
    x = (randn(200) * 4).astype(np.float32)
    for approximate in ("none", "tanh"):
        got = F.gelu(mg.tensor(x), approximate=approximate).numpy()
        want = _tf().gelu(torch.tensor(x.astype(np.float64)), approximate=approximate)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-6, atol=5e-7)


def test_erf_kernel_matches_its_reference():
    x = np.concatenate([randn(100) * 6, [0.0, -0.0, 40.0, -40.0, 1e-30]])
    with mg.kernels.use("reference"):
        reference = F.gelu(mg.tensor(x)).numpy()
    np.testing.assert_array_equal(F.gelu(mg.tensor(x)).numpy(), reference)


@pytest.mark.parametrize("weight_size", [1, 3])
@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (2, 3, 2, 2)])
def test_prelu_matches_torch(torch, weight_size, shape):
    x = randn(*shape)
    w = np.array([0.25, -0.5, 1.5][:weight_size])
    check_op(F.prelu, x, w, torch_fn=_tf().prelu)


def test_prelu_single_slope_for_low_rank_input(torch):
    for shape in [(), (4,)]:
        check_op(F.prelu, randn(*shape), np.array([0.3]), torch_fn=_tf().prelu)


INPLACE_FORMS = [
    ("elu", lambda F, y: F.elu(y, 0.5, True)),
    ("elu_", lambda F, y: F.elu_(y, 0.5)),
    ("selu", lambda F, y: F.selu(y, inplace=True)),
    ("selu_", lambda F, y: F.selu_(y)),
    ("celu", lambda F, y: F.celu(y, 2.0, True)),
    ("celu_", lambda F, y: F.celu_(y)),
    ("silu", lambda F, y: F.silu(y, True)),
    ("mish", lambda F, y: F.mish(y, inplace=True)),
    ("hardtanh", lambda F, y: F.hardtanh(y, -1.0, 2.0, True)),
    ("hardtanh_", lambda F, y: F.hardtanh_(y, -0.5, 0.5)),
    ("relu6", lambda F, y: F.relu6(y, True)),
    ("hardsigmoid", lambda F, y: F.hardsigmoid(y, True)),
    ("hardswish", lambda F, y: F.hardswish(y, inplace=True)),
]


@pytest.mark.parametrize("name, call", INPLACE_FORMS, ids=[n for n, _ in INPLACE_FORMS])
def test_new_inplace_forms_write_their_input_and_differentiate_as_torch(torch, name, call):
    outcomes = []
    for lib in (mg, torch):
        functional = lib.nn.functional
        x = lib.tensor(np.array([-4.5, 2.0, -1.0, 0.5, 7.0, -0.25]), requires_grad=True)
        y = x * 1.5
        before = y._version
        out = call(functional, y)
        assert out is y and y._version == before + 1
        (out * out).sum().backward()
        plain = lib.tensor(np.array([-1.0, 4.0]))
        call(functional, plain)
        outcomes.append((out.detach().numpy(), x.grad.numpy(), plain.numpy()))
    for got, want in zip(outcomes[0], outcomes[1]):
        np.testing.assert_allclose(got, want, rtol=1e-7)


def test_new_activations_bad_input():
    x = mg.randn(3)
    with assert_raises_with(TypeError, "elu", "input", "list"):
        F.elu([1.0])
    with assert_raises_with(TypeError, "gelu", "float32 or float64", "int64"):
        F.gelu(mg.tensor([1, 2]))
    with assert_raises_with(ValueError, "gelu", "approximate", "'none' or 'tanh'", "'fast'"):
        F.gelu(x, approximate="fast")
    with assert_raises_with(TypeError, "elu", "alpha", "str"):
        F.elu(x, "1")
    with assert_raises_with(ValueError, "celu", "alpha", "got 0"):
        F.celu(x, 0.0)
    with assert_raises_with(ValueError, "softplus", "beta", "got 0"):
        F.softplus(x, 0)
    with assert_raises_with(ValueError, "hardtanh", "min_val", "max_val = 1", "got 2"):
        F.hardtanh(x, 2, 1)
    with assert_raises_with(TypeError, "silu", "inplace", "bool", "int"):
        F.silu(x, 1)
    with assert_raises_with(ValueError, "prelu", "weight", "one per channel", "got 2"):
        F.prelu(mg.randn(2, 3), mg.ones(2))
    with assert_raises_with(ValueError, "prelu", "weight", "got 3"):
        F.prelu(mg.randn(3), mg.ones(3))
    with assert_raises_with(TypeError, "prelu", "weight", "float64"):
        F.prelu(mg.randn(2, 3), mg.ones(3, dtype=mg.float64))


EXTRA_ACTIVATIONS = [
    ("threshold", lambda F, x: F.threshold(x, 0.5, -2.0)),
    ("rrelu_eval", lambda F, x: F.rrelu(x, 0.1, 0.3)),
    ("logsigmoid", lambda F, x: F.logsigmoid(x)),
    ("softshrink", lambda F, x: F.softshrink(x)),
    ("softshrink_lambd", lambda F, x: F.softshrink(x, 1.5)),
    ("hardshrink", lambda F, x: F.hardshrink(x, 1.0)),
    ("glu", lambda F, x: F.glu(x)),
    ("glu_dim1", lambda F, x: F.glu(x, 1)),
]


@pytest.mark.parametrize("name, call", EXTRA_ACTIVATIONS, ids=[n for n, _ in EXTRA_ACTIVATIONS])
def test_extra_activations_match_torch_and_gradcheck(torch, name, call):
    check_op(lambda t: call(F, t), randn(3, 4, 2) * 3, torch_fn=lambda t: call(_tf(), t))


def test_rrelu_training_draws_slopes_in_range_and_differentiates_by_them():
    x = mg.tensor(-np.abs(randn(2000)) - 0.1, requires_grad=True)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    slopes = out.detach().numpy() / x.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.04
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes)
    positive = mg.tensor(np.abs(randn(10)))
    np.testing.assert_array_equal(F.rrelu(positive, training=True).numpy(), positive.numpy())
    mg.manual_seed(4)
    first = F.rrelu(x, training=True).detach().numpy()
    mg.manual_seed(4)
    np.testing.assert_array_equal(F.rrelu(x, training=True).detach().numpy(), first)


@pytest.mark.parametrize(
    "call",
    [
        lambda F, y: F.threshold(y, 0.0, 5.0, True),
        lambda F, y: F.threshold_(y, 1.0, -1.0),
        lambda F, y: F.rrelu(y, 0.2, 0.2, inplace=True),
        lambda F, y: F.rrelu_(y, 0.25, 0.25, training=True),
    ],
)
def test_extra_inplace_forms_as_torch(torch, call):
    outcomes = []
    for lib in (mg, torch):
        x = lib.tensor(np.array([-4.5, 2.0, -1.0, 0.5, 7.0]), requires_grad=True)
        y = x * 1.5
        out = call(lib.nn.functional, y)
        assert out is y
        (out * out).sum().backward()
        outcomes.append((out.detach().numpy(), x.grad.numpy()))
    for got, want in zip(outcomes[0], outcomes[1]):
        np.testing.assert_allclose(got, want, rtol=1e-7)


def test_extra_activations_bad_input():
    with assert_raises_with(ValueError, "glu", "even size", "dim -1", "size 3"):
        F.glu(mg.randn(2, 3))
    with assert_raises_with(ValueError, "glu", "dim", "[-2, 2)", "got 2"):
        F.glu(mg.randn(2, 4), 2)
    with assert_raises_with(ValueError, "glu", "0-d"):
        F.glu(mg.tensor(1.0))
    with assert_raises_with(ValueError, "softshrink", "lambd", "non-negative", "-1"):
        F.softshrink(mg.randn(2), -1)
    with assert_raises_with(ValueError, "rrelu", "lower", "upper = 0.1", "got 0.5"):
        F.rrelu(mg.randn(2), 0.5, 0.1)
    with assert_raises_with(TypeError, "threshold", "value", "NoneType"):
        F.threshold(mg.randn(2), 0.0, None)
