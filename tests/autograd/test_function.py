"""Function.apply: what it records, when, and what a backward receives."""

from __future__ import annotations

import numpy as np

import minigrad as mg
from minigrad.autograd import Function
from tests.helpers import assert_close


class Scale(Function):
    """out = x * factor + y.   dx = grad * factor.   dy = sum_to(grad); records its calls."""

    calls: list[tuple[bool, ...]] = []

    @staticmethod
    def forward(ctx, x, y, *, factor):
        ctx.saved["factor_array"] = np.asarray(factor, dtype=x.dtype)
        return x * factor + y

    @staticmethod
    def backward(ctx, grad):
        Scale.calls.append(ctx.needs_input_grad)
        dx = grad * factor_of(ctx) if ctx.needs_input_grad[0] else None
        dy = grad if ctx.needs_input_grad[1] else None
        return dx, dy


def factor_of(ctx):
    return mg.Tensor._wrap(ctx.saved["factor_array"])


def test_apply_runs_forward_and_records_a_node():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor([10.0, 20.0])
    out = Scale.apply(x, y, factor=3.0)
    assert out.tolist() == [13.0, 26.0]
    assert out.requires_grad and not out.is_leaf
    node = out.grad_fn
    assert node.name == "Scale"
    assert node.ctx.params == {"factor": 3.0}
    assert node.ctx.inputs == (x, y)
    assert node.edges == (x, None)  # a leaf that requires grad, then nothing
    assert node.shape == (2,) and node.dtype == mg.float32


def test_backward_sees_needs_input_grad_and_returns_none_for_the_rest():
    Scale.calls.clear()
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor([10.0, 20.0])
    Scale.apply(x, y, factor=3.0).sum().backward()
    assert Scale.calls == [(True, False)]
    assert x.grad.tolist() == [3.0, 3.0]
    assert y.grad is None


def test_nothing_is_recorded_without_an_input_that_requires_grad():
    out = Scale.apply(mg.ones(2), mg.ones(2), factor=2.0)
    assert not out.requires_grad and out.grad_fn is None


def test_nothing_is_recorded_under_no_grad():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        out = Scale.apply(x, x, factor=2.0)
    assert not out.requires_grad and out.grad_fn is None


def test_edges_point_to_the_producing_node():
    x = mg.ones(2, requires_grad=True)
    middle = x * 2
    out = Scale.apply(middle, x, factor=1.0)
    assert out.grad_fn.edges == (middle.grad_fn, x)


def test_zero_dim_results_are_arrays():
    x = mg.tensor(2.0, requires_grad=True)
    for out in ((x * 3), x.exp(), x.sum(), mg.tensor(2.0) + 1):
        assert isinstance(out.detach().numpy(), np.ndarray)
        assert out.shape == ()


def test_integer_results_are_not_recorded():
    x = mg.tensor([1.7, -2.2], requires_grad=True)
    out = x.to(mg.int32)
    assert out.dtype == mg.int32 and out.tolist() == [1, -2]
    assert out.grad_fn is None and not out.requires_grad


def test_a_custom_function_supports_double_backward_when_written_in_ops():
    class Cube(Function):
        """out = x**3.   dx = grad * 3 x**2 (written with ops, so differentiable)."""

        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.inputs
            return (grad * 3 * x * x,)

    x = mg.tensor([0.5, -1.5], dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(Cube.apply, [x])
    assert mg.autograd.gradgradcheck(Cube.apply, [x])
    (first,) = mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (second,) = mg.autograd.grad(first.sum(), x)
    assert_close(second, 6 * x.detach())
