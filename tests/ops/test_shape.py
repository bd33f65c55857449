"""Shape ops: reshape/view, permute, transpose, flatten, (un)squeeze, expand, flip, roll,
and the adjoint pair broadcast_to / sum_to.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.ops.shape import Flip, Roll, broadcast_to, reshape, sum_to
from tests.helpers import assert_raises_with, check_op, randn, torch_or_none
from tests.strategies import broadcastable_pairs, shapes


@pytest.mark.parametrize(
    ("fn", "reference"),
    [
        (lambda x: x.reshape(4, 6), lambda a: a.reshape(4, 6)),
        (lambda x: x.reshape((3, -1)), lambda a: a.reshape(3, -1)),
        (lambda x: x.view(-1), lambda a: a.reshape(-1)),
        (lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
        (lambda x: x.permute(-1, 1, 0), lambda a: a.transpose(2, 1, 0)),
        (lambda x: x.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
        (lambda x: x.transpose(-1, 1), lambda a: a.swapaxes(-1, 1)),
        (lambda x: x.flatten(), lambda a: a.reshape(-1)),
        (lambda x: x.flatten(1), lambda a: a.reshape(2, 12)),
        (lambda x: x.flatten(0, 1), lambda a: a.reshape(6, 4)),
        (lambda x: x.unsqueeze(1), lambda a: a[:, None]),
        (lambda x: x.unsqueeze(-1), lambda a: a[..., None]),
        (lambda x: x.unsqueeze(0).squeeze(0), lambda a: a),
        (lambda x: x.reshape(2, 1, 12, 1).squeeze(), lambda a: a.reshape(2, 12)),
        (lambda x: x.reshape(2, 1, 12, 1).squeeze(-1), lambda a: a.reshape(2, 1, 12)),
        (lambda x: x[:, :1].expand(2, 3, 4), lambda a: np.broadcast_to(a[:, :1], (2, 3, 4))),
        (lambda x: x[:1].expand(3, -1, -1, 4), lambda a: np.broadcast_to(a[:1], (3, 1, 3, 4))),
    ],
)
def test_shape_op(fn, reference):
    check_op(fn, randn(2, 3, 4), numpy_fn=reference)


def test_transpose_property_matches_numpy():
    x = randn(2, 3)
    check_op(lambda t: t.T, x, numpy_fn=lambda a: a.T)


def test_broadcast_to_and_sum_to():
    x = randn(3, 1)
    check_op(
        lambda t: broadcast_to(t, (2, 3, 4)),
        x,
        torch_fn=lambda t: t.broadcast_to((2, 3, 4)),
        numpy_fn=lambda a: np.broadcast_to(a, (2, 3, 4)),
    )
    y = randn(2, 3, 4)
    check_op(
        lambda t: sum_to(t, (3, 1)),
        y,
        torch_fn=lambda t: t.sum_to_size(3, 1),
        numpy_fn=lambda a: a.sum(axis=0).sum(axis=1, keepdims=True),
    )


@settings(max_examples=20)
@given(pair=broadcastable_pairs())
def test_broadcast_to_and_sum_to_are_adjoint(pair):
    small = pair[0]
    big = tuple(np.broadcast_shapes(*pair))
    gap = mg.autograd.check_adjoint(
        lambda t: broadcast_to(t, big), lambda t: sum_to(t, small), small, big
    )
    assert gap < 1e-12


@settings(max_examples=20)
@given(shape=shapes(min_dims=1, max_dims=4))
def test_permute_and_its_inverse_are_adjoint(shape):
    order = tuple(reversed(range(len(shape))))
    inverse = tuple(int(i) for i in np.argsort(order))
    permuted = tuple(shape[i] for i in order)
    gap = mg.autograd.check_adjoint(
        lambda t: t.permute(*order), lambda t: t.permute(*inverse), shape, permuted
    )
    assert gap < 1e-12


@settings(max_examples=20)
@given(shape=shapes(min_dims=1, max_dims=4))
def test_reshape_and_reshape_back_are_adjoint(shape):
    flat = (int(np.prod(shape)),)
    gap = mg.autograd.check_adjoint(
        lambda t: reshape(t, flat), lambda t: reshape(t, shape), shape, flat
    )
    assert gap < 1e-12


def test_op_level_helpers_are_the_identity_on_matching_shapes():
    x = mg.ones(2, 3)
    assert sum_to(x, (2, 3)) is x
    assert broadcast_to(x, (2, 3)) is x
    assert reshape(x, (2, 3)) is x


def test_view_is_recorded_and_routes_the_gradient_back():
    x = mg.tensor(randn(2, 3), requires_grad=True)
    y = x.view(3, 2)
    assert not y.is_leaf
    (y * mg.tensor(randn(3, 2, seed=1))).sum().backward()
    assert x.grad.shape == (2, 3)


def test_a_view_of_a_leaf_is_a_new_non_leaf_even_without_a_change(torch):
    x = mg.ones(2, 3, requires_grad=True)
    t = torch.ones(2, 3, requires_grad=True)
    for ours, theirs in [
        (x.view(2, 3), t.view(2, 3)),
        (x.permute(0, 1), t.permute(0, 1)),
        (x.expand(2, 3), t.expand(2, 3)),
        (x.squeeze(), t.squeeze()),
        (x.reshape(2, 3), t.reshape(2, 3)),
    ]:
        assert ours is not x
        assert ours.is_leaf == theirs.is_leaf == False  # noqa: E712
    assert x.flatten(1) is x and t.flatten(1) is t  # nothing to merge


def test_bad_reshape_names_the_shapes():
    x = mg.zeros(2, 3)
    with assert_raises_with(ValueError, "reshape", "shape", "(2, 3)", "6 elements", "(4, 2)"):
        x.reshape(4, 2)
    with assert_raises_with(ValueError, "reshape", "at most one -1"):
        x.reshape(-1, -1)
    with assert_raises_with(TypeError, "reshape", "shape", "ints"):
        x.reshape(2.0, 3)
    with assert_raises_with(ValueError, "reshape", "(4, -1)"):
        x.reshape(4, -1)


def test_bad_shape_arguments_name_the_argument():
    x = mg.zeros(2, 3)
    with assert_raises_with(ValueError, "permute", "dims", "permutation", "(0, 0)"):
        x.permute(0, 0)
    with assert_raises_with(ValueError, "dims", "got 2"):
        x.permute(0, 2)
    with assert_raises_with(ValueError, "dim1", "got 5"):
        x.transpose(0, 5)
    with assert_raises_with(ValueError, "start_dim", "comes after", "end_dim"):
        x.flatten(1, 0)
    with assert_raises_with(ValueError, "dim", "[-3, 2]", "got 3"):
        x.unsqueeze(3)
    with assert_raises_with(ValueError, "expand", "size", "(2, 3)", "(4, 3)"):
        x.expand(4, 3)
    with assert_raises_with(ValueError, "expand", "at least 2 sizes"):
        x.expand(3)


def test_shape_ops_match_torch_shapes(torch):
    ours = mg.zeros(2, 1, 3)
    theirs = torch.zeros(2, 1, 3)
    pairs = [
        (ours.squeeze(), theirs.squeeze()),
        (ours.squeeze(0), theirs.squeeze(0)),
        (ours.unsqueeze(-2), theirs.unsqueeze(-2)),
        (ours.flatten(), theirs.flatten()),
        (ours.expand(4, 2, 5, 3), theirs.expand(4, 2, 5, 3)),
        (mg.tensor(1.0).flatten(), torch.tensor(1.0).flatten()),
        (mg.tensor(1.0).unsqueeze(0), torch.tensor(1.0).unsqueeze(0)),
    ]
    for a, b in pairs:
        assert a.shape == tuple(b.shape)
    assert torch_or_none() is torch


@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (2, 1, 3, 1), (7,), (1, 1), (4, 3, 1, 2, 2)])
def test_sum_array_matches_numpy_for_every_set_of_axes(shape):
    import itertools

    from minigrad.ops.shape import sum_array

    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for count in range(len(shape) + 1):
        for axes in itertools.combinations(range(len(shape)), count):
            got = sum_array(x, axes)
            want = x.astype(np.float64).sum(axis=axes)
            assert got.dtype == np.float32 and got.shape == want.shape, axes
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
            assert not np.shares_memory(got, x), axes  # a result never aliases its input


def test_sum_array_of_a_non_contiguous_array():
    from minigrad.ops.shape import sum_array

    x = np.random.default_rng(0).standard_normal((4, 5, 6)).transpose(2, 0, 1)
    np.testing.assert_allclose(sum_array(x, (0, 2)), x.sum(axis=(0, 2)), rtol=1e-12)


def test_sum_to_of_a_per_channel_broadcast_matches_numpy():
    # The bias gradient of a convolution: (N, C, H, W) summed down to (1, C, 1, 1).
    grad = randn(3, 4, 5, 6)
    got = sum_to(mg.tensor(grad), (1, 4, 1, 1)).numpy()
    np.testing.assert_allclose(got, grad.sum(axis=(0, 2, 3), keepdims=True), rtol=1e-12)


# ---- flip and roll: each its own adjoint (flip) or the opposite shift's (roll) ----------


@settings(max_examples=10)
@given(data=st.data())
def test_flip_is_its_own_adjoint_and_matches_torch(data):
    shape = data.draw(shapes(min_dims=1))
    dims = tuple(data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1)))
    gap = mg.autograd.check_adjoint(
        lambda t: Flip.apply(t, dims=dims), lambda t: Flip.apply(t, dims=dims), shape, shape
    )
    assert gap < 1e-12
    check_op(lambda t: t.flip(dims), randn(*shape), numpy_fn=lambda a: np.flip(a, dims))


@settings(max_examples=10)
@given(data=st.data())
def test_roll_and_the_opposite_roll_are_adjoint_and_match_torch(data):
    shape = data.draw(shapes(min_dims=1))
    dims = tuple(data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1)))
    shifts = tuple(data.draw(st.integers(-5, 5)) for _ in dims)
    back = tuple(-s for s in shifts)
    gap = mg.autograd.check_adjoint(
        lambda t: Roll.apply(t, shifts=shifts, dims=dims),
        lambda t: Roll.apply(t, shifts=back, dims=dims),
        shape,
        shape,
    )
    assert gap < 1e-12
    check_op(lambda t: t.roll(shifts, dims), randn(*shape))
    check_op(lambda t: t.roll(shifts[0]), randn(*shape))  # flattened, then reshaped


def test_flip_copies_and_roll_of_nothing_is_a_copy_on_the_tape():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    flipped = x.flip(0)
    assert not np.shares_memory(flipped.detach().numpy(), x.detach().numpy())
    assert x.roll(0).grad_fn is not None and x.flip(()).grad_fn is not None
