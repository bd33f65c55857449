"""gradcheck, gradgradcheck and check_adjoint: they pass on right derivatives and name
what is wrong otherwise.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, GradcheckError
from tests.helpers import assert_raises_with, randn


class WrongSquare(Function):
    """out = x**2 with a wrong backward: dx = grad * x (missing the factor 2)."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return (grad * x,)


class FrozenSquare(Function):
    """out = x**2 with a right first derivative written on raw arrays, so the second
    derivative is lost: what STYLE's "backward speaks only minigrad" prevents.
    """

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return (grad * mg.Tensor._wrap(2 * x.detach().numpy()),)


def test_gradcheck_passes_on_a_right_backward():
    x = mg.tensor(randn(3), requires_grad=True)
    y = mg.tensor(randn(3, seed=1), requires_grad=True)
    assert mg.autograd.gradcheck(lambda a, b: (a * b).exp(), [x, y]) is True


def test_gradcheck_names_input_element_and_values_on_a_wrong_backward():
    values = np.array([0.5, 2.0, -1.0])
    x = mg.tensor(values, requires_grad=True)
    with assert_raises_with(
        GradcheckError, "inputs[0]", "element (0,)", "analytic 0.5,", "numerical 0.99"
    ):
        mg.autograd.gradcheck(WrongSquare.apply, [x])


def test_gradcheck_names_the_second_input():
    x = mg.tensor(randn(2), requires_grad=True)
    y = mg.tensor(randn(2, seed=1) + 3, requires_grad=True)
    with assert_raises_with(GradcheckError, "inputs[1]"):
        mg.autograd.gradcheck(lambda a, b: a + WrongSquare.apply(b), [x, y])


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = mg.tensor(randn(3), requires_grad=True)
    assert mg.autograd.gradcheck(FrozenSquare.apply, [x])
    with pytest.raises(GradcheckError, match="inputs"):
        mg.autograd.gradgradcheck(FrozenSquare.apply, [x])


def test_gradgradcheck_passes_on_a_composite():
    x = mg.tensor(randn(2, 3), requires_grad=True)
    w = mg.tensor(randn(3, 2, seed=1), requires_grad=True)
    assert mg.autograd.gradgradcheck(lambda a, b: (a @ b).tanh().sum(0), [x, w]) is True


def test_gradgradcheck_with_given_grad_outputs():
    x = mg.tensor(randn(3), requires_grad=True)
    v = mg.tensor(randn(3, seed=2), requires_grad=True)
    assert mg.autograd.gradgradcheck(lambda a: a.sigmoid(), [x], grad_outputs=[v])


def test_gradcheck_leaves_inputs_unchanged():
    values = randn(2, 2)
    x = mg.tensor(values, requires_grad=True)
    mg.autograd.gradcheck(lambda a: a.exp(), [x])
    assert np.array_equal(x.detach().numpy(), values)


def test_gradcheck_checks_its_inputs():
    with assert_raises_with(TypeError, "inputs[0]", "float64", "float32"):
        mg.autograd.gradcheck(lambda a: a * 2, [mg.ones(2, requires_grad=True)])
    with assert_raises_with(ValueError, "inputs", "requires_grad=True"):
        mg.autograd.gradcheck(lambda a: a * 2, [mg.ones(2, dtype=mg.float64)])
    with assert_raises_with(TypeError, "inputs[1]", "ndarray"):
        mg.autograd.gradcheck(lambda a, b: a * 2, [mg.ones(2, dtype=mg.float64), np.ones(2)])


def test_check_adjoint_returns_the_gap_for_a_true_adjoint():
    matrix = randn(3, 4)
    gap = mg.autograd.check_adjoint(
        lambda x: mg.tensor(matrix) @ x, lambda y: mg.tensor(matrix.T) @ y, (4,), (3,)
    )
    assert 0 <= gap < 1e-14


def test_check_adjoint_accepts_given_inputs():
    x, y = randn(2, 3), randn(3, 2, seed=1)
    gap = mg.autograd.check_adjoint(lambda t: t.T, lambda t: t.T, mg.tensor(x), y)
    assert gap < 1e-14


def test_check_adjoint_raises_on_a_wrong_adjoint():
    matrix = randn(3, 3)
    with assert_raises_with(GradcheckError, "adjoint mismatch", "<f(x), y>", "relative gap"):
        mg.autograd.check_adjoint(
            lambda x: mg.tensor(matrix) @ x, lambda y: mg.tensor(matrix) @ y, (3,), (3,)
        )


def test_check_adjoint_names_a_shape_mismatch():
    with assert_raises_with(ValueError, "f_adjoint(y)", "shape ()", "expected (2,)"):
        mg.autograd.check_adjoint(lambda x: x.sum(0), lambda y: y, (2,), ())
