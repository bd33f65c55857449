"""Elementwise ops: forward vs numpy and torch, gradcheck, gradgradcheck, broadcasting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.autograd.function import OUTPUT
from minigrad.ops.elementwise import (
    Cast,
    Cos,
    Expm1,
    LeakyRelu,
    Log1p,
    Maximum,
    Reciprocal,
    Rsqrt,
    Sin,
)
from tests.helpers import assert_close, check_op, randn, torch_or_none
from tests.strategies import arrays, broadcastable_pairs

BINARY = {
    "add": (lambda x, y: x + y, np.add),
    "sub": (lambda x, y: x - y, np.subtract),
    "mul": (lambda x, y: x * y, np.multiply),
    "div": (lambda x, y: x / y, np.divide),
    "pow": (lambda x, y: x**y, np.power),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_same_shape(name):
    fn, reference = BINARY[name]
    x = randn(2, 3, low=0.5 if name == "pow" else None)
    y = randn(2, 3, low=0.5, seed=1) if name == "div" else randn(2, 3, seed=1)
    check_op(fn, x, y, numpy_fn=reference)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_op_broadcasts_both_ways(name):
    fn, reference = BINARY[name]
    x = randn(4, 1, 3, low=0.5)
    y = randn(2, 1, low=0.5, seed=1)
    out = check_op(fn, x, y, numpy_fn=reference)
    assert out.shape == (4, 2, 3)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
@settings(max_examples=15)
@given(pair=broadcastable_pairs())
def test_broadcast_gradients_property(name, pair):
    """Gradients of broadcast operands are summed back to each operand's shape."""
    fn, reference = BINARY[name]
    x = randn(*pair[0], seed=2)
    y = randn(*pair[1], low=0.5, seed=3)
    check_op(fn, x, y, numpy_fn=reference, gradgrad=False)


@settings(max_examples=8)
@given(pair=broadcastable_pairs(max_dims=3))
def test_broadcast_second_derivatives_property(pair):
    x = randn(*pair[0], seed=4)
    y = randn(*pair[1], seed=5)
    tensors = [mg.tensor(x, requires_grad=True), mg.tensor(y, requires_grad=True)]
    assert mg.autograd.gradgradcheck(lambda a, b: a * b + b.tanh() * a, tensors)


@settings(max_examples=15)
@given(x=arrays())
def test_ops_accept_permuted_strides(x):
    """Non-contiguous inputs give the same values and gradients as contiguous ones."""
    for fn in (lambda a: a.exp() * a, lambda a: (a * a + 1).sqrt().log() / (a.abs() + 1)):
        a = mg.tensor(x, requires_grad=True)
        b = mg.tensor(np.array(x, order="C"), requires_grad=True)
        fn(a).sum().backward()
        fn(b).sum().backward()
        assert isinstance(a.grad.numpy(), np.ndarray)
        assert np.array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize(
    ("name", "fn", "reference", "low"),
    [
        ("neg", lambda x: -x, np.negative, None),
        ("exp", lambda x: x.exp(), np.exp, None),
        ("log", lambda x: x.log(), np.log, 0.2),
        ("sqrt", lambda x: x.sqrt(), np.sqrt, 0.2),
        ("abs", lambda x: x.abs(), np.abs, None),
        ("tanh", lambda x: x.tanh(), np.tanh, None),
        ("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), None),
        ("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), None),
    ],
)
def test_unary_op(name, fn, reference, low):
    check_op(fn, randn(3, 4, low=low), numpy_fn=reference)


@pytest.mark.parametrize(("low", "high"), [(-0.5, 0.7), (None, 0.3), (-0.2, None)])
def test_clamp(low, high):
    x = randn(4, 5)
    check_op(
        lambda t: t.clamp(low, high),
        x,
        numpy_fn=lambda a: np.clip(a, -np.inf if low is None else low, high),
    )


def test_clamp_passes_gradient_at_the_bounds_as_torch():
    x = mg.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], dtype=mg.float64, requires_grad=True)
    x.clamp(0.0, 1.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2])
def test_leaky_relu_op(slope):
    def torch_fn(t):
        return torch_or_none().nn.functional.leaky_relu(t, slope)

    check_op(
        lambda t: LeakyRelu.apply(t, slope=slope),
        randn(3, 4),
        torch_fn=torch_fn,
        numpy_fn=lambda a: np.where(a > 0, a, slope * a),
    )


def test_relu_and_abs_gradients_at_zero_follow_torch():
    x = mg.tensor([0.0, 0.0], dtype=mg.float64, requires_grad=True)
    (x.relu() + x.abs()).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


RELU_SPECIAL = [-np.inf, -1.0, -1e-30, -0.0, 0.0, 1e-30, 2.0, np.inf, np.nan]
# Paired with RELU_SPECIAL: inf and NaN gradients where the output is 0, positive, NaN.
RELU_GRADS = [np.inf, np.nan, -np.inf, 1.0, np.nan, np.inf, 3.0, np.nan, 5.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_selects_as_torch_at_special_values(torch, dtype):
    """relu(-inf) is 0, not -inf * 0; -0.0 and NaN pass; the backward is a selection, so
    an inf or NaN gradient does not leak where the output is 0 (and passes at NaN)."""
    x = np.array(RELU_SPECIAL, dtype=dtype)
    g = np.array(RELU_GRADS, dtype=dtype)
    ours = mg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, expected = ours.relu(), theirs.relu()
    out.backward(mg.tensor(g))
    expected.backward(torch.tensor(g))
    for mine, reference in ((out.detach().numpy(), expected.detach().numpy()),
                            (ours.grad.numpy(), theirs.grad.numpy())):  # fmt: skip
        np.testing.assert_array_equal(mine, reference)
        np.testing.assert_array_equal(np.signbit(mine), np.signbit(reference))
    # The recorded backward selects the same way, and differentiates again (to zero).
    leaf = mg.tensor(x, requires_grad=True)
    seed = mg.tensor(g, requires_grad=True)
    (dx,) = mg.autograd.grad(leaf.relu(), leaf, seed, create_graph=True)
    np.testing.assert_array_equal(dx.detach().numpy(), theirs.grad.numpy())
    (dseed,) = mg.autograd.grad(dx, seed, mg.ones(len(g), dtype=dtype))
    passes = np.nan_to_num(expected.detach().numpy(), nan=1.0) > 0  # positive or NaN
    np.testing.assert_array_equal(dseed.numpy(), passes)


def test_sigmoid_is_stable_for_large_inputs():
    x = mg.tensor([-1000.0, 0.0, 1000.0], dtype=mg.float64)
    assert x.sigmoid().tolist() == [0.0, 0.5, 1.0]


def _special_values(dtype):
    rng = np.random.default_rng(0)
    extremes = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 88.0, -88.0, 700.0, -700.0]
    return np.concatenate([10 * rng.standard_normal(1000), extremes]).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_sigmoid_has_the_bits_of_its_two_branch_formula(dtype):
    # One division by 1 + p instead of two: the same bits as 1/(1+p) | p/(1+p).
    x = _special_values(dtype)
    p = np.exp(-np.abs(x))
    want = np.where(x >= 0, 1 / (1 + p), p / (1 + p)).astype(dtype)
    got = mg.tensor(x).sigmoid().numpy()
    assert got.dtype == dtype and got.tobytes() == want.tobytes()
    # The forward writes into its own buffers: strided and 0-d inputs too.
    strided = mg.tensor(x[:1000].reshape(25, 40)).t()[:, ::3]
    assert strided.sigmoid().numpy().tobytes() == want[:1000].reshape(25, 40).T[:, ::3].tobytes()
    for value, bits in zip(x[-11:], want[-11:]):
        single = mg.tensor(value).sigmoid()
        assert single.shape == () and single.numpy().tobytes() == bits.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_division_by_a_constant_skips_the_errstate_with_the_same_bits(dtype):
    x = mg.tensor(_special_values(dtype), requires_grad=True)
    for divisor in (2.0, -3, 1e-30, 3e38, 0.0, -0.0, np.inf, np.nan):
        with np.errstate(divide="ignore", invalid="ignore"):
            want = x.detach().numpy() / np.asarray(divisor, dtype=dtype)
        with np.errstate(divide="raise", invalid="raise", over="ignore"):
            got = x / divisor  # recorded: Div's forward; it raises if numpy would warn
        assert got.grad_fn.name == "Div"
        assert got.detach().numpy().tobytes() == want.tobytes(), divisor


@pytest.mark.parametrize("exponent", [2, 3, -1.5, 0.5, 2.5])
def test_pow_scalar_exponent(exponent):
    check_op(lambda x: x**exponent, randn(3, 3, low=0.3), numpy_fn=lambda a: a**exponent)


def test_pow_integer_exponent_of_negative_base():
    check_op(lambda x: x**3, randn(3, 3), numpy_fn=lambda a: a**3)


def test_pow_reflected_scalar_base():
    check_op(lambda x: 2.0**x, randn(3, 3), numpy_fn=lambda a: 2.0**a)


def test_pow_zero_exponent_and_zero_base_gradients_follow_torch():
    x = mg.tensor([0.0, 1.0, 2.0], dtype=mg.float64, requires_grad=True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    base = mg.tensor([0.0, 2.0], dtype=mg.float64)
    power = mg.tensor([2.0, 3.0], dtype=mg.float64, requires_grad=True)
    (base**power).sum().backward()
    # d(b^p)/dp = b^p log b, taken as 0 at b == 0 (the limit for p > 0).
    assert_close(power.grad, [0.0, 8.0 * np.log(2.0)])


@pytest.mark.parametrize(
    ("fn", "reference"),
    [
        (lambda x: 2 - x, lambda a: 2 - a),
        (lambda x: 3 + x, lambda a: 3 + a),
        (lambda x: 0.5 * x, lambda a: 0.5 * a),
        (lambda x: 2 / x, lambda a: 2 / a),
    ],
)
def test_reflected_ops_with_numbers(fn, reference):
    check_op(fn, randn(2, 3, low=0.5), numpy_fn=reference)


@pytest.mark.parametrize(
    ("fn", "reference"),
    [
        (lambda a, t: a + t, np.add),
        (lambda a, t: a - t, np.subtract),
        (lambda a, t: a * t, np.multiply),
        (lambda a, t: a / t, np.divide),
        (lambda a, t: a**t, np.power),
    ],
)
def test_reflected_ops_with_numpy_arrays_return_tensors(fn, reference):
    array = np.abs(randn(2, 3)) + 0.5
    values = randn(3, low=0.5, seed=1)
    t = mg.tensor(values, requires_grad=True)
    out = fn(array, t)
    assert isinstance(out, mg.Tensor)
    assert out.requires_grad
    assert_close(out, reference(array, values))
    assert mg.autograd.gradcheck(lambda u: fn(array, u), [t])


def test_where_forward_and_gradients():
    condition = randn(3, 1, seed=7) > 0
    x = randn(3, 4)
    y = randn(4, seed=1)

    def torch_fn(c, a, b):
        return torch_or_none().where(c, a, b)

    check_op(
        lambda c, a, b: mg.where(c, a, b),
        condition,
        x,
        y,
        torch_fn=torch_fn,
        numpy_fn=np.where,
    )


def test_where_with_a_number_promotes_as_torch():
    condition = mg.tensor([True, False])
    assert mg.where(condition, 0, 1.5).tolist() == [0.0, 1.5]
    assert mg.where(condition, 0, 1.5).dtype == mg.float32
    x = mg.tensor([1.0, 2.0], dtype=mg.float64)
    assert mg.where(condition, x, 0).dtype == mg.float64


def test_cast_forward_and_gradients():
    x = mg.tensor(randn(2, 3), requires_grad=True)
    y = Cast.apply(x, dtype=mg.float32)
    assert y.dtype == mg.float32
    assert_close(y, x.detach().numpy().astype(np.float32))
    (y * 2).sum().backward()
    assert x.grad.dtype == mg.float64
    assert x.grad.tolist() == np.full((2, 3), 2.0).tolist()

    # float64 -> float32 -> float64 is linear, so a wide step keeps rounding out.
    def roundtrip(t):
        return t.float().double() * 3

    assert mg.autograd.gradcheck(roundtrip, [x], eps=1e-2, atol=1e-4)
    assert mg.autograd.gradgradcheck(roundtrip, [x], eps=1e-2, atol=1e-4)


def test_cast_to_an_integer_dtype_leaves_the_tape():
    x = mg.tensor([1.5, 2.5], requires_grad=True)
    y = x.to(mg.int64)
    assert y.tolist() == [1, 2]
    assert not y.requires_grad and y.grad_fn is None


def test_elementwise_values_match_torch_in_float32(torch):
    x = randn(3, 4).astype(np.float32)
    y = np.abs(randn(3, 4, seed=1)).astype(np.float32) + 0.5
    ours = (mg.tensor(x) * mg.tensor(y)).exp() / mg.tensor(y).sqrt()
    theirs = (torch.tensor(x) * torch.tensor(y)).exp() / torch.tensor(y).sqrt()
    assert ours.dtype == mg.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize(
    ("big", "small"),
    [((8, 16, 2, 2), (1, 16, 1, 1)), ((16, 8, 4, 4), (8, 1, 1)), ((4, 6, 5, 7), (1, 6, 5, 1))],
)
def test_per_channel_broadcast_gives_numpys_bits_both_ways(name, big, small):
    # Large enough for `rows` to lay the small operand out by rows first; the result
    # must be numpy's own broadcast, bit for bit, with either operand first.
    fn, reference = BINARY[name]
    x = np.random.default_rng(0).standard_normal(big).astype(np.float32)
    y = np.random.default_rng(1).uniform(0.5, 2, small).astype(np.float32)
    assert np.array_equal(fn(mg.tensor(x), mg.tensor(y)).numpy(), reference(x, y))
    assert np.array_equal(fn(mg.tensor(y), mg.tensor(x)).numpy(), reference(y, x))


def test_rows_stretches_a_per_channel_operand_over_its_trailing_dims():
    from minigrad.ops.elementwise import rows

    x = np.zeros((256, 8, 2, 2))
    per_channel = np.arange(8.0).reshape(1, 8, 1, 1)
    _, stretched = rows(x, per_channel)
    assert stretched.shape == (1, 8, 2, 2)
    np.testing.assert_array_equal(stretched, np.broadcast_to(per_channel, (1, 8, 2, 2)))
    assert rows(x[:1], per_channel)[1] is per_channel  # small: left to numpy


# ---- sin, cos, log1p, expm1, reciprocal, rsqrt; maximum and minimum; the roundings -------

SMOOTH = {
    "sin": (lambda x: x.sin(), None),
    "cos": (lambda x: x.cos(), None),
    "log1p": (lambda x: x.log1p(), -0.5),
    "expm1": (lambda x: x.expm1(), None),
    "reciprocal": (lambda x: x.reciprocal(), 0.5),
    "rsqrt": (lambda x: x.rsqrt(), 0.5),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@settings(max_examples=4)
@given(data=st.data())
def test_smooth_unary_ops_match_torch(name, data):
    fn, low = SMOOTH[name]
    check_op(fn, data.draw(arrays(low=low)))


@pytest.mark.parametrize(
    ("op", "reads"),
    [(Sin, {0: (0,)}), (Cos, {0: (0,)}), (Log1p, {0: (0,)}), (Expm1, {0: (OUTPUT,)})]
    + [(Reciprocal, {0: (OUTPUT,)}), (Rsqrt, {0: (OUTPUT,)}), (Maximum, {0: (0, 1), 1: (0, 1)})],
)
def test_new_ops_read_what_pytorch_saves(op, reads):
    assert op.reads == reads


def test_an_inplace_write_to_what_sin_reads_is_refused_as_in_torch(torch):
    for lib in (mg, torch):
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = x * 1
        z = y.sin()
        y.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@settings(max_examples=6)
@given(pair=broadcastable_pairs(max_dims=3))
def test_maximum_and_minimum_broadcast_as_torch(name, pair):
    def fn(x, y):
        return getattr(x, name)(y)

    check_op(fn, randn(*pair[0], seed=2), randn(*pair[1], seed=3))


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_share_ties_and_nans_as_torch(name, torch):
    x = np.array([1.0, 2.0, np.nan, 0.0])
    y = np.array([1.0, 1.0, 0.0, 5.0])
    ours, theirs = (mg.tensor(x, requires_grad=True), mg.tensor(y, requires_grad=True))
    t_x, t_y = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    getattr(mg, name)(ours, theirs).sum().backward()
    getattr(torch, name)(t_x, t_y).sum().backward()
    assert_close(ours.grad, t_x.grad)
    assert_close(theirs.grad, t_y.grad)
    assert ours.grad.tolist()[0] == 0.5  # a tie splits the gradient


@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
@settings(max_examples=4)
@given(x=arrays())
def test_piecewise_constant_ops_have_zero_gradients_on_the_tape(name, x):
    out = check_op(lambda t: getattr(t, name)(), x * 3)
    assert out.requires_grad  # as PyTorch: on the tape, with a zero gradient


def test_round_with_decimals_and_sign_of_nan_match_torch(torch):
    values = np.random.default_rng(0).standard_normal(50) * 100
    for decimals in (-1, 0, 2):
        ours = mg.tensor(values).round(decimals=decimals)
        assert_close(ours, torch.tensor(values).round(decimals=decimals), atol=0, rtol=0)
    special = np.array([np.nan, -0.0, 0.0, -2.5, 3.0], dtype=np.float32)
    assert mg.tensor(special).sign().tolist() == torch.tensor(special).sign().tolist()
