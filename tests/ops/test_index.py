"""Indexing and joining: getitem / index_add and cat / split, with their adjoint tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.ops.index import GetItem, IndexAdd, split
from tests.helpers import (
    SAME,
    assert_close,
    assert_raises_with,
    check_op,
    randn,
    torch_or_none,
)

INDICES = [
    pytest.param(1, id="int"),
    pytest.param(-1, id="negative-int"),
    pytest.param(slice(1, 3), id="slice"),
    pytest.param((slice(None), slice(None, None, -2)), id="negative-step"),
    pytest.param((Ellipsis, 1), id="ellipsis"),
    pytest.param((None, 0, slice(1, None)), id="none"),
    pytest.param([0, 2, 0], id="list-repeated"),
    pytest.param((slice(None), [3, 1, 3, 3]), id="slice-and-list"),
    pytest.param(([0, 2], [1, 1]), id="two-arrays"),
    pytest.param(np.array([[0, 1], [1, 1]]), id="2d-array-repeated"),
]


@pytest.mark.parametrize("index", INDICES)
def test_getitem(index):
    parts = index if isinstance(index, tuple) else (index,)
    negative_step = any(isinstance(p, slice) and (p.step or 1) < 0 for p in parts)
    check_op(
        lambda x: x[index],
        randn(3, 4, 2),
        torch_fn=None if negative_step else SAME,  # torch has no negative steps
        numpy_fn=lambda a: a[index],
    )


def test_getitem_with_an_int_tensor_and_a_bool_mask():
    x = randn(4, 3)
    rows = mg.tensor([3, 0, 3])
    check_op(lambda t: t[rows], x, torch_fn=None, numpy_fn=lambda a: a[[3, 0, 3]])
    mask = x > 0
    check_op(lambda t: t[mg.tensor(mask)], x, torch_fn=None, numpy_fn=lambda a: a[mask])


def test_repeated_indices_add_their_gradients():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_index_add_forward_and_gradients():
    index = ([0, 1, 0], slice(None))
    y = randn(3, 4)
    out = check_op(
        lambda t: IndexAdd.apply(t, index=index, shape=(2, 4)),
        y,
        torch_fn=None,
        numpy_fn=lambda a: np.stack([a[0] + a[2], a[1]]),
    )
    assert out.shape == (2, 4)


def test_index_add_matches_torch_index_add(torch):
    y = randn(4, 3)
    rows = np.array([2, 0, 2, 1])
    ours = IndexAdd.apply(mg.tensor(y), index=rows, shape=(3, 3))
    theirs = torch.zeros(3, 3, dtype=torch.float64).index_add(
        0, torch.tensor(rows), torch.tensor(y)
    )
    assert_close(ours, theirs)


@st.composite
def _index_cases(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    parts = []
    for size in shape:
        kind = draw(st.sampled_from(["int", "slice", "array"]))
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = draw(st.integers(0, size))
            step = draw(st.sampled_from([1, 2, -1]))
            parts.append(slice(start, None, step))
        else:
            items = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=5))
            parts.append(np.array(items))
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    if len(arrays) > 1:  # several index arrays must broadcast together: use one length
        length = len(arrays[0])
        parts = [p[:1].repeat(length) if isinstance(p, np.ndarray) else p for p in parts]
    return shape, tuple(parts)


@settings(max_examples=25)
@given(case=_index_cases())
def test_getitem_and_index_add_are_adjoint(case):
    shape, index = case
    out_shape = np.zeros(shape)[index].shape
    gap = mg.autograd.check_adjoint(
        lambda t: GetItem.apply(t, index=index),
        lambda t: IndexAdd.apply(t, index=index, shape=shape),
        shape,
        out_shape,
    )
    assert gap < 1e-12


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim):
    a, b, c = randn(2, 3, 2), randn(2, 3, 2, seed=1), randn(2, 3, 2, seed=2)
    check_op(
        lambda x, y, z: mg.cat([x, y, z], dim=dim),
        a,
        b,
        c,
        torch_fn=lambda x, y, z: torch_or_none().cat([x, y, z], dim=dim),
        numpy_fn=lambda x, y, z: np.concatenate([x, y, z], axis=dim),
    )


def test_cat_of_different_sizes_along_the_dim():
    a, b = randn(1, 3), randn(4, 3, seed=1)
    check_op(
        lambda x, y: mg.cat((x, y)),
        a,
        b,
        torch_fn=lambda x, y: torch_or_none().cat((x, y)),
        numpy_fn=lambda x, y: np.concatenate([x, y]),
    )


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(dim):
    a, b = randn(2, 3), randn(2, 3, seed=1)
    check_op(
        lambda x, y: mg.stack([x, y], dim=dim),
        a,
        b,
        torch_fn=lambda x, y: torch_or_none().stack([x, y], dim=dim),
        numpy_fn=lambda x, y: np.stack([x, y], axis=dim),
    )


@settings(max_examples=20)
@given(sizes=st.lists(st.integers(0, 3), min_size=1, max_size=4), dim=st.integers(0, 2))
def test_cat_and_split_are_adjoint(sizes, dim):
    def shape_with(size):
        shape = [2, 3, 2]
        shape[dim] = size
        return tuple(shape)

    pieces = [shape_with(size) for size in sizes]
    total = shape_with(sum(sizes))
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(shape) for shape in pieces]
    y = rng.standard_normal(total)
    joined = mg.cat([mg.tensor(x) for x in xs], dim=dim)
    parts = split(mg.tensor(y), sizes, dim)
    left = float(np.vdot(joined.numpy(), y))
    right = sum(float(np.vdot(x, p.numpy())) for x, p in zip(xs, parts))
    assert abs(left - right) <= 1e-12 * max(1.0, abs(left))
    # The same identity through check_adjoint, with the pieces as one flattened vector.
    flat = (sum(int(np.prod(p)) for p in pieces),)

    def cat_flat(t):
        chunks, start = [], 0
        for shape in pieces:
            count = int(np.prod(shape))
            chunks.append(t[start : start + count].reshape(shape))
            start += count
        return mg.cat(chunks, dim=dim)

    def split_flat(t):
        return mg.cat([p.reshape(-1) for p in split(t, sizes, dim)])

    assert mg.autograd.check_adjoint(cat_flat, split_flat, flat, total) < 1e-12


def test_cat_promotes_dtypes():
    out = mg.cat([mg.zeros(2), mg.zeros(2, dtype=mg.float64), mg.tensor([1, 2])])
    assert out.dtype == mg.float64


def test_bad_index_and_join_arguments():
    x = mg.zeros(2, 3)
    with assert_raises_with(IndexError, "index", "(2, 3)"):
        x[5]
    with assert_raises_with(TypeError, "index", "integer or bool"):
        x[mg.tensor([0.0])]
    with assert_raises_with(ValueError, "cat", "tensors[1]", "(2, 3)", "(2, 4)"):
        mg.cat([x, mg.zeros(2, 4)])
    with assert_raises_with(ValueError, "cat", "tensors[0]", "0-d"):
        mg.cat([mg.tensor(1.0), mg.tensor(2.0)])
    with assert_raises_with(ValueError, "cat", "tensors", "at least one"):
        mg.cat([])
    with assert_raises_with(TypeError, "stack", "tensors[1]", "ndarray"):
        mg.stack([x, np.zeros((2, 3))])
    with assert_raises_with(ValueError, "stack", "tensors[1]", "(2, 3)", "(3, 2)"):
        mg.stack([x, mg.zeros(3, 2)])
    with assert_raises_with(ValueError, "dim", "got 3"):
        mg.cat([x, x], dim=3)
