"""Matrix product: vectors, matrices, batches and broadcast batches."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_close, assert_raises_with, check_op, randn

SHAPES = [
    pytest.param((3,), (3,), id="vector-vector"),
    pytest.param((2, 3), (3,), id="matrix-vector"),
    pytest.param((3,), (3, 4), id="vector-matrix"),
    pytest.param((2, 3), (3, 4), id="matrix-matrix"),
    pytest.param((5, 2, 3), (5, 3, 4), id="batched"),
    pytest.param((5, 2, 3), (3, 4), id="batch-times-matrix"),
    pytest.param((2, 1, 2, 3), (4, 3, 2), id="broadcast-batch"),
    pytest.param((3,), (2, 3, 4), id="vector-times-batch"),
    pytest.param((2, 2, 3), (3,), id="batch-times-vector"),
]


@pytest.mark.parametrize(("left", "right"), SHAPES)
def test_matmul(left, right):
    out = check_op(lambda x, y: x @ y, randn(*left), randn(*right, seed=1), numpy_fn=np.matmul)
    assert out.shape == np.matmul(np.zeros(left), np.zeros(right)).shape


def test_matmul_with_numpy_arrays_on_either_side():
    w = randn(3, 4)
    x = mg.tensor(randn(2, 3, seed=1), requires_grad=True)
    assert_close(x @ w, x.detach().numpy() @ w)
    assert_close(randn(4, 2, seed=2) @ x, randn(4, 2, seed=2) @ x.detach().numpy())
    assert isinstance(randn(4, 2, seed=2) @ x, mg.Tensor)


def test_matmul_promotes_float32_with_float64():
    assert (mg.zeros(2, 3) @ mg.zeros(3, dtype=mg.float64)).dtype == mg.float64


def test_bad_matmul_shapes_name_both_shapes():
    with assert_raises_with(ValueError, "matmul", "(2, 3)", "(4, 5)"):
        mg.zeros(2, 3) @ mg.zeros(4, 5)
    with assert_raises_with(ValueError, "matmul", "batch", "(2, 1, 3)", "(3, 3, 1)"):
        mg.zeros(2, 1, 3) @ mg.zeros(3, 3, 1)
    with assert_raises_with(ValueError, "matmul", "at least 1 dim"):
        mg.tensor(2.0) @ mg.zeros(2)


# The Linear op (the functional linear's one node) against the composite it replaces,
# x @ w.T + b: the same bits forward, in every gradient, and in a double backward.
LINEAR_SHAPES = [
    pytest.param((5,), id="vector"),
    pytest.param((7, 5), id="matrix"),
    pytest.param((3, 4, 5), id="batched"),
    pytest.param((2, 3, 4, 5), id="batched-4d"),
]


def _linear_inputs(x_shape, bias, dtype):
    arrays = [randn(*x_shape), randn(6, x_shape[-1], seed=1)] + (
        [randn(6, seed=2)] if bias else []
    )
    return [mg.tensor(a.astype(dtype), requires_grad=True) for a in arrays]


def _same_bits(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize("x_shape", LINEAR_SHAPES)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_linear_op_has_the_bits_of_the_composite(x_shape, bias, dtype):
    fused = _linear_inputs(x_shape, bias, dtype)
    plain = _linear_inputs(x_shape, bias, dtype)
    out = mg.nn.functional.linear(*fused)
    if len(x_shape) > 1:  # a vector's result is the squeezed row
        assert out.grad_fn.name == "Linear"
    want = plain[0] @ plain[1].T
    want = want + plain[2] if bias else want
    _same_bits(out.detach().numpy(), want.detach().numpy())
    upstream = mg.tensor(randn(*out.shape, seed=3).astype(dtype))
    grads = mg.autograd.grad(out, fused, upstream, create_graph=True)
    want_grads = mg.autograd.grad(want, plain, upstream, create_graph=True)
    for got, expected in zip(grads, want_grads):
        _same_bits(got.detach().numpy(), expected.detach().numpy())
    # Second order through the recorded backward (d/dx of <dw, dw>, and so on).
    second = mg.autograd.grad(sum((g * g).sum() for g in grads), fused, allow_unused=True)
    want_second = mg.autograd.grad(
        sum((g * g).sum() for g in want_grads), plain, allow_unused=True
    )
    for got, expected in zip(second, want_second):
        assert (got is None) == (expected is None)
        if got is not None:
            _same_bits(got.numpy(), expected.numpy())


def test_linear_op_gradcheck():
    x, w, b = randn(3, 4), randn(2, 4, seed=1), randn(2, seed=2)
    check_op(mg.nn.functional.linear, x, w, b, torch_fn=None)  # torch: tests/functional
    check_op(mg.nn.functional.linear, randn(4), w, torch_fn=None)


def test_linear_op_refuses_a_backward_after_its_weight_changed():
    x, w, b = _linear_inputs((3, 5), True, np.float32)
    out = mg.nn.functional.linear(x, w, b)
    with mg.no_grad():
        w.mul_(2)
    with assert_raises_with(RuntimeError, "Linear", "input 1", "inplace"):
        out.sum().backward()
