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


class GradArraySquare(Function):
    """out = x**2 with a right first derivative whose incoming gradient is read as an
    array: the backward is right but not differentiable in ``grad``, so the double-vjp
    trick behind ``jvp`` sees a zero Jacobian.
    """

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return (mg.Tensor._wrap(grad.detach().numpy()) * 2 * x,)


def test_raise_exception_false_returns_false_on_a_wrong_backward():
    x = mg.tensor(np.array([0.5, 2.0, -1.0]), requires_grad=True)
    assert mg.autograd.gradcheck(WrongSquare.apply, [x], raise_exception=False) is False
    assert mg.autograd.gradcheck(lambda t: t * t, [x], raise_exception=False) is True


def test_gradgradcheck_raise_exception_false_returns_false():
    x = mg.tensor(randn(3), requires_grad=True)
    assert mg.autograd.gradgradcheck(FrozenSquare.apply, [x], raise_exception=False) is False


def test_raise_exception_false_still_refuses_bad_inputs():
    with assert_raises_with(TypeError, "inputs[0]", "float64"):
        mg.autograd.gradcheck(lambda a: a, [mg.ones(2, requires_grad=True)], raise_exception=False)


def test_check_forward_ad_passes_on_right_derivatives():
    x = mg.tensor(randn(1, 2, 5), requires_grad=True)
    w = mg.tensor(randn(3, 2, 2, seed=1), requires_grad=True)
    index = mg.tensor(np.array([1, 0]))

    def fn(a, b, i):
        y = mg.nn.functional.conv1d(a, b, stride=2, padding=1)
        return y.tanh(), (a * a).sum() + i.sum()

    assert mg.autograd.gradcheck(fn, [x, w, index], check_forward_ad=True)


def test_check_forward_ad_names_a_wrong_derivative():
    values = np.array([0.5, 2.0, -1.0])
    x = mg.tensor(values, requires_grad=True)
    with assert_raises_with(
        GradcheckError, "Forward-mode (jvp) Jacobian", "inputs[0]", "element (0,)", "analytic 0.5,"
    ):
        mg.autograd.gradcheck(
            WrongSquare.apply, [x], check_forward_ad=True, check_backward_ad=False
        )


def test_check_forward_ad_catches_a_backward_not_differentiable_in_its_gradient():
    x = mg.tensor(randn(3), requires_grad=True)
    assert mg.autograd.gradcheck(GradArraySquare.apply, [x])
    with assert_raises_with(GradcheckError, "Forward-mode (jvp) Jacobian", "analytic 0.0,"):
        mg.autograd.gradcheck(GradArraySquare.apply, [x], check_forward_ad=True)
    assert (
        mg.autograd.gradcheck(
            GradArraySquare.apply, [x], check_forward_ad=True, raise_exception=False
        )
        is False
    )


def conv_transpose_pair(stride, padding, output_padding, dilation, groups):
    """conv2d and conv_transpose2d with one weight: each the other's adjoint."""
    weight = mg.tensor(randn(2 * groups, 1, 3, 2))
    y_shape = (1, 2 * groups, 3, 2)
    x_size = [
        (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
        for n, k in zip(y_shape[2:], (3, 2))
    ]
    x_shape = (1, groups, *x_size)

    def conv(x):
        return mg.nn.functional.conv2d(
            x, weight, stride=stride, padding=padding, dilation=dilation, groups=groups
        )

    def conv_transpose(y):
        return mg.nn.functional.conv_transpose2d(
            y,
            weight,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            groups=groups,
            dilation=dilation,
        )

    return conv, conv_transpose, x_shape, y_shape


@pytest.mark.parametrize("setting", [(1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (2, 1, 1, 2, 2)], ids=str)
def test_adjoint_matrices_of_conv_and_conv_transpose_are_exact_transposes(setting):
    conv, conv_transpose, x_shape, y_shape = conv_transpose_pair(*setting)
    a, b = mg.autograd.adjoint_matrices(conv, conv_transpose, x_shape, y_shape)
    size_x, size_y = int(np.prod(x_shape)), int(np.prod(y_shape))
    assert a.shape == (size_y, size_x) and b.shape == (size_x, size_y)
    assert np.array_equal(b, a.T)
    # the matrix is conv's: A x == conv(x)
    x = randn(*x_shape, seed=3)
    np.testing.assert_allclose(a @ x.ravel(), conv(mg.tensor(x)).numpy().ravel(), atol=1e-12)


def test_adjoint_matrices_name_the_first_wrong_entry():
    matrix = randn(2, 3)
    wrong = matrix.T.copy()
    wrong[2, 1] += 1.0
    with assert_raises_with(
        GradcheckError,
        "x element (2,), y element (1,)",
        repr(float(wrong[2, 1])),
        repr(float(matrix[1, 2])),
    ):
        mg.autograd.adjoint_matrices(
            lambda x: mg.tensor(matrix) @ x, lambda y: mg.tensor(wrong) @ y, (3,), (2,)
        )


def test_adjoint_matrices_atol_allows_a_rounding_gap():
    matrix = randn(2, 3)
    nearly = matrix.T * (1 + 1e-15)
    f = lambda x: mg.tensor(matrix) @ x  # noqa: E731
    f_adjoint = lambda y: mg.tensor(nearly) @ y  # noqa: E731
    with pytest.raises(GradcheckError):
        mg.autograd.adjoint_matrices(f, f_adjoint, (3,), (2,))
    a, b = mg.autograd.adjoint_matrices(f, f_adjoint, (3,), (2,), atol=1e-12)
    assert np.array_equal(a, matrix)


def test_adjoint_matrices_check_the_shapes():
    with assert_raises_with(ValueError, "f_adjoint maps shape (2,) to (1,)", "expected (2,)"):
        mg.autograd.adjoint_matrices(lambda x: x * 2, lambda y: y[:1], (2,), (2,))
    with assert_raises_with(ValueError, "f maps shape (2,) to (2,)", "expected (3,)"):
        mg.autograd.adjoint_matrices(lambda x: x * 2, lambda y: y[:2], (2,), (3,))
