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
