"""The adjoint triangle Conv / ConvTranspose / ConvWeightGrad at op level (3-d arrays,
pinned sizes): the three dot-product identities, forward against the slow reference
and torch, gradcheck and gradgradcheck of each op."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def assert_three_identities(
    geometry: ConvGeometry, x: mg.Tensor, w: mg.Tensor, y: mg.Tensor
) -> None:
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
def test_three_dot_product_identities(drawn: dict[str, Any]) -> None:
    geometry, x_shape, w_shape, y_shape = split(drawn)
    assert_three_identities(geometry, tensor(x_shape, 1), tensor(w_shape, 2), tensor(y_shape, 3))


@given(drawn=op_geometries())
def test_forward_matches_reference(drawn: dict[str, Any]) -> None:
    geometry, x_shape, w_shape, y_shape = split(drawn)
    x, w, y = tensor(x_shape, 1), tensor(w_shape, 2), tensor(y_shape, 3)
    g = geometry
    np.testing.assert_allclose(
        Conv.apply(x, w, geometry=g).numpy(),
        reference.conv_valid(x.numpy(), w.numpy(), g),
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        ConvTranspose.apply(y, w, geometry=g).numpy(),
        reference.conv_transpose_valid(y.numpy(), w.numpy(), g),
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        ConvWeightGrad.apply(x, y, geometry=g).numpy(),
        reference.conv_weight_grad(x.numpy(), y.numpy(), g),
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


def test_transposed_backward_shares_columns_and_stays_differentiable() -> None:
    # Both gradients needed: one kernel computes them, recorded as Conv and
    # ConvWeightGrad nodes; the same numbers as the separate ops, and second order works.
    y = tensor((2, 2, *TINY.y_size), 1, requires_grad=True)
    w = tensor((2, 2, *TINY.kernel_size), 2, requires_grad=True)
    out = ConvTranspose.apply(y, w, geometry=TINY)
    grad = tensor(out.shape, 3)
    dy, dw = mg.autograd.grad(out, (y, w), grad, create_graph=True)
    assert dy.grad_fn.function is Conv
    assert dw.grad_fn.function is ConvWeightGrad
    with mg.no_grad():
        alone = Conv.apply(grad, w, geometry=TINY), ConvWeightGrad.apply(grad, y, geometry=TINY)
    assert np.array_equal(dy.detach().numpy(), alone[0].numpy())
    assert np.array_equal(dw.detach().numpy(), alone[1].numpy())
    assert mg.autograd.gradgradcheck(lambda a, b: ConvTranspose.apply(a, b, geometry=TINY), (y, w))


# A 2-d geometry: the leading spatial dim is a size-1 one.
FLAT = ConvGeometry((1, 2, 1), (1, 1, 2), (1, 2, 3), 1, (1, 5, 7), (1, 2, 3))


@pytest.mark.parametrize("op", [Conv, ConvTranspose, ConvWeightGrad])
def test_lower_rank_arrays_give_the_lifted_results_at_their_rank(op: Any) -> None:
    # 2-d arrays go in and come out as they are: the same numbers as the 3-d op on
    # their lifted views, and the gradients check at that rank too.
    x = tensor((2, 2, *FLAT.x_size[1:]), 1, requires_grad=True)
    w = tensor((3, 2, *FLAT.kernel_size[1:]), 2, requires_grad=True)
    y = tensor((2, 3, *FLAT.y_size[1:]), 3, requires_grad=True)
    inputs = {Conv: (x, w), ConvTranspose: (y, w), ConvWeightGrad: (x, y)}[op]
    out = op.apply(*inputs, geometry=FLAT)
    lifted = [mg.tensor(t.detach().numpy()[:, :, None]) for t in inputs]
    want = op.apply(*lifted, geometry=FLAT).numpy()
    assert out.ndim == 4
    assert np.array_equal(out.detach().numpy(), want[:, :, 0])
    assert mg.autograd.gradcheck(lambda a, b: op.apply(a, b, geometry=FLAT), inputs)
    assert mg.autograd.gradgradcheck(lambda a, b: op.apply(a, b, geometry=FLAT), inputs)


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


# Fused zero padding: the same triangle with x read as zero outside its unpadded extent.


@st.composite
def padded_op_geometries(draw: st.DrawFn) -> dict[str, Any]:
    """``op_geometries`` with part of each drawn L_x turned into zero padding
    (before, after), leaving at least one real element."""
    drawn = draw(op_geometries())
    padding, x_size = [], []
    for size in drawn["x_size"]:
        before = draw(st.integers(0, min(2, size - 1)))
        after = draw(st.integers(0, min(2, size - 1 - before)))
        padding.append((before, after))
        x_size.append(size - before - after)
    return {**drawn, "x_size": tuple(x_size), "padding": tuple(padding)}


def split_padded(
    drawn: dict[str, Any],
) -> tuple[ConvGeometry, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    geometry = ConvGeometry(**{key: drawn[key] for key in (*GEOMETRY_KEYS, "padding")})
    x_shape = (drawn["n"], drawn["c_in"], *geometry.x_size)
    w_shape = (drawn["c_out"], drawn["c_in"] // geometry.groups, *geometry.kernel_size)
    y_shape = (drawn["n"], drawn["c_out"], *geometry.y_size)
    return geometry, x_shape, w_shape, y_shape


@given(drawn=padded_op_geometries())
def test_padded_three_dot_product_identities(drawn: dict[str, Any]) -> None:
    geometry, x_shape, w_shape, y_shape = split_padded(drawn)
    assert_three_identities(geometry, tensor(x_shape, 1), tensor(w_shape, 2), tensor(y_shape, 3))


@given(drawn=padded_op_geometries())
def test_padded_forward_matches_unpadded_ops_on_padded_x(drawn: dict[str, Any]) -> None:
    # The fused geometry against the unpadded one around an explicitly zero-padded x
    # (and, for ConvTranspose, the unpadded result cropped): what Pad / PadAdjoint gave.
    geometry, x_shape, w_shape, y_shape = split_padded(drawn)
    x, w, y = tensor(x_shape, 1), tensor(w_shape, 2), tensor(y_shape, 3)
    widths = [(0, 0), (0, 0), *geometry.padding]
    plain = ConvGeometry(
        geometry.stride,
        geometry.dilation,
        geometry.kernel_size,
        geometry.groups,
        tuple(n + b + a for n, (b, a) in zip(geometry.x_size, geometry.padding)),  # type: ignore[arg-type]
        geometry.y_size,
    )
    big = mg.tensor(np.pad(x.numpy(), widths))
    crop = tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape))
    pairs = [
        (Conv.apply(x, w, geometry=geometry), Conv.apply(big, w, geometry=plain).numpy()),
        (
            ConvTranspose.apply(y, w, geometry=geometry),
            ConvTranspose.apply(y, w, geometry=plain).numpy()[crop],
        ),
        (
            ConvWeightGrad.apply(x, y, geometry=geometry),
            ConvWeightGrad.apply(big, y, geometry=plain).numpy(),
        ),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        pairs[0][0].numpy(),
        reference.conv_valid(x.numpy(), w.numpy(), geometry),
        rtol=1e-10,
        atol=1e-12,
    )


def test_padded_conv_matches_torch_conv3d(torch) -> None:
    geometry = ConvGeometry(
        (1, 2, 1), (2, 1, 1), (2, 3, 2), 2, (4, 5, 3), (6, 3, 4), ((2, 2), (1, 1), (1, 1))
    )
    x, w = tensor((2, 4, 4, 5, 3), 1), tensor((6, 2, 2, 3, 2), 2)
    want = torch.nn.functional.conv3d(
        torch.tensor(x.numpy()),
        torch.tensor(w.numpy()),
        stride=(1, 2, 1),
        padding=(2, 1, 1),
        dilation=(2, 1, 1),
        groups=2,
    )
    np.testing.assert_allclose(
        Conv.apply(x, w, geometry=geometry).numpy(), want.numpy(), rtol=1e-10
    )


# Padding before and after, one dim padded only after, one with output_padding.
TINY_PADDED = ConvGeometry(
    (1, 2, 2), (3, 1, 1), (2, 3, 2), 1, (6, 3, 3), (2, 2, 2), ((0, 0), (1, 1), (0, 1))
)


@pytest.mark.parametrize("op", [Conv, ConvTranspose, ConvWeightGrad])
def test_padded_gradcheck_and_gradgradcheck(op: Any) -> None:
    g = TINY_PADDED
    x = tensor((1, 2, *g.x_size), 1, requires_grad=True)
    w = tensor((2, 2, *g.kernel_size), 2, requires_grad=True)
    y = tensor((1, 2, *g.y_size), 3, requires_grad=True)
    inputs = {Conv: (x, w), ConvTranspose: (y, w), ConvWeightGrad: (x, y)}[op]

    def fn(a: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        return op.apply(a, b, geometry=g)

    assert mg.autograd.gradcheck(fn, inputs)
    assert mg.autograd.gradgradcheck(fn, inputs)


def test_geometry_rejects_padding_too_small_or_negative() -> None:
    # k3 needs 3 positions: 1 real + 1 padding is one short.
    with pytest.raises(AssertionError):
        ConvGeometry(
            (1, 1, 1), (1, 1, 1), (3, 1, 1), 1, (1, 1, 1), (1, 1, 1), ((1, 0), (0, 0), (0, 0))
        )
    with pytest.raises(AssertionError):
        ConvGeometry(
            (1, 1, 1), (1, 1, 1), (1, 1, 1), 1, (2, 1, 1), (1, 1, 1), ((-1, 0), (0, 0), (0, 0))
        )
    # ... while the same with 1 + 2 positions is accepted.
    geometry = ConvGeometry(
        (1, 1, 1), (1, 1, 1), (3, 1, 1), 1, (1, 1, 1), (1, 1, 1), ((1, 1), (0, 0), (0, 0))
    )
    assert geometry.before == (1, 0, 0)
