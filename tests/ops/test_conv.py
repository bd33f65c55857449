"""The adjoint triangle Conv / ConvTranspose / ConvWeightGrad at op level (3-d arrays,
pinned sizes): the three dot-product identities, forward against the slow reference
and torch, gradcheck and gradgradcheck of each op."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given

import minigrad as mg
from minigrad.kernels import reference
from minigrad.ops.conv import Conv, ConvGeometry, ConvTranspose, ConvWeightGrad
from tests.conv_strategies import op_geometries

GEOMETRY_KEYS = ("stride", "dilation", "kernel_size", "groups", "x_size", "y_size")


def split(
    drawn: dict[str, Any],
) -> tuple[ConvGeometry, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    geometry = ConvGeometry(**{key: drawn[key] for key in GEOMETRY_KEYS})
    x_shape = (drawn["n"], drawn["c_in"], *geometry.x_size)
    w_shape = (drawn["c_out"], drawn["c_in"] // geometry.groups, *geometry.kernel_size)
    y_shape = (drawn["n"], drawn["c_out"], *geometry.y_size)
    return geometry, x_shape, w_shape, y_shape


def tensor(shape: tuple[int, ...], seed: int, requires_grad: bool = False) -> mg.Tensor:
    array = np.random.default_rng(seed).standard_normal(shape)
    return mg.tensor(array, requires_grad=requires_grad)


@given(drawn=op_geometries())
def test_three_dot_product_identities(drawn: dict[str, Any]) -> None:
    geometry, x_shape, w_shape, y_shape = split(drawn)
    x, w, y = tensor(x_shape, 1), tensor(w_shape, 2), tensor(y_shape, 3)
    # <Conv(x, w), y> == <x, ConvTranspose(y, w)>: the adjoint in x.
    mg.autograd.check_adjoint(
        lambda t: Conv.apply(t, w, geometry=geometry),
        lambda t: ConvTranspose.apply(t, w, geometry=geometry),
        x,
        y,
        rtol=1e-12,
    )
    # <Conv(x, w), y> == <w, ConvWeightGrad(x, y)>: the adjoint in w.
    mg.autograd.check_adjoint(
        lambda t: Conv.apply(x, t, geometry=geometry),
        lambda t: ConvWeightGrad.apply(x, t, geometry=geometry),
        w,
        y,
        rtol=1e-12,
    )
    # <ConvTranspose(y, w), x> == <w, ConvWeightGrad(x, y)>: the adjoint of w -> ConvTranspose.
    mg.autograd.check_adjoint(
        lambda t: ConvTranspose.apply(y, t, geometry=geometry),
        lambda t: ConvWeightGrad.apply(t, y, geometry=geometry),
        w,
        x,
        rtol=1e-12,
    )


@given(drawn=op_geometries())
def test_forward_matches_reference(drawn: dict[str, Any]) -> None:
    geometry, x_shape, w_shape, y_shape = split(drawn)
    x, w, y = tensor(x_shape, 1), tensor(w_shape, 2), tensor(y_shape, 3)
    g = geometry
    arguments = (g.stride, g.dilation, g.groups)
    np.testing.assert_allclose(
        Conv.apply(x, w, geometry=g).numpy(),
        reference.conv_valid(x.numpy(), w.numpy(), *arguments, g.y_size),
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        ConvTranspose.apply(y, w, geometry=g).numpy(),
        reference.conv_transpose_valid(y.numpy(), w.numpy(), *arguments, g.x_size),
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        ConvWeightGrad.apply(x, y, geometry=g).numpy(),
        reference.conv_weight_grad(x.numpy(), y.numpy(), *arguments, g.kernel_size),
        rtol=1e-10,
        atol=1e-12,
    )


def test_conv_matches_torch_conv3d(torch) -> None:
    geometry = ConvGeometry((1, 2, 1), (2, 1, 1), (2, 3, 2), 2, (4, 7, 3), (2, 3, 2))
    x, w = tensor((2, 4, 4, 7, 3), 1), tensor((6, 2, 2, 3, 2), 2)
    want = torch.nn.functional.conv3d(
        torch.tensor(x.numpy()),
        torch.tensor(w.numpy()),
        stride=(1, 2, 1),
        dilation=(2, 1, 1),
        groups=2,
    )
    np.testing.assert_allclose(
        Conv.apply(x, w, geometry=geometry).numpy(), want.numpy(), rtol=1e-10
    )


# Output padding 2 >= stride 1 in the first dim (legal below dilation 3): x is one
# element wider than the natural pre-image of y, which no conv tap ever reads.
TINY = ConvGeometry((1, 1, 2), (3, 1, 1), (2, 1, 2), 1, (6, 1, 4), (2, 1, 2))


@pytest.mark.parametrize("op", [Conv, ConvTranspose, ConvWeightGrad])
def test_gradcheck_and_gradgradcheck(op: Any) -> None:
    x = tensor((1, 2, *TINY.x_size), 1, requires_grad=True)
    w = tensor((2, 2, *TINY.kernel_size), 2, requires_grad=True)
    y = tensor((1, 2, *TINY.y_size), 3, requires_grad=True)
    inputs = {Conv: (x, w), ConvTranspose: (y, w), ConvWeightGrad: (x, y)}[op]

    def fn(a: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        return op.apply(a, b, geometry=TINY)

    assert mg.autograd.gradcheck(fn, inputs)
    assert mg.autograd.gradgradcheck(fn, inputs)


def test_backward_computes_only_needed_gradients() -> None:
    x = tensor((1, 2, *TINY.x_size), 1, requires_grad=True)
    w = tensor((2, 2, *TINY.kernel_size), 2)
    out = Conv.apply(x, w, geometry=TINY)
    out.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    assert w.grad is None


def test_geometry_rejects_inconsistent_sizes() -> None:
    with pytest.raises(AssertionError):
        ConvGeometry((1, 1, 1), (1, 1, 1), (3, 1, 1), 1, (2, 1, 1), (1, 1, 1))
