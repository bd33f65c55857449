"""F.linear against torch, with and without bias, batched and unbatched; errors."""

from __future__ import annotations

import itertools

import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.functional.linear import _check, _plainly_valid
from tests.helpers import assert_raises_with, check_op, randn


@pytest.mark.parametrize("input_shape", [(4, 3), (2, 5, 3), (3,)])
def test_matches_torch(torch, input_shape):
    import torch.nn.functional as tf

    check_op(
        F.linear, randn(*input_shape), randn(2, 3, seed=1), randn(2, seed=2), torch_fn=tf.linear
    )
    check_op(
        lambda x, w: F.linear(x, w), randn(*input_shape), randn(2, 3, seed=1), torch_fn=tf.linear
    )


def test_bad_input():
    x, w, b = mg.randn(4, 3), mg.randn(2, 3), mg.randn(2)
    with assert_raises_with(ValueError, "input", "in_features=3", "(4, 5)"):
        F.linear(mg.randn(4, 5), w, b)
    with assert_raises_with(ValueError, "bias", "(2,)", "(3,)"):
        F.linear(x, w, mg.randn(3))
    with assert_raises_with(ValueError, "weight", "2-d", "(2, 3, 1)"):
        F.linear(x, mg.randn(2, 3, 1))
    with assert_raises_with(TypeError, "weight", "float32", "float64"):
        F.linear(x, w.double())
    with assert_raises_with(TypeError, "input", "ndarray"):
        F.linear(x.numpy(), w)


def test_the_quick_argument_test_passes_only_what_the_checks_pass():
    # linear tests the common case at a glance and runs the full checks otherwise: the
    # glance must never let through what a check refuses.
    tensors = [
        mg.randn(4, 3), mg.randn(3), mg.randn(2, 3), mg.randn(2, 3, 1), mg.randn(2),
        mg.randn(3, 2), mg.randn(4, 3).double(), mg.randn(2).double(), mg.tensor([1, 2, 3]),
        mg.tensor(2.0),
    ]  # fmt: skip
    for x, w, b in itertools.product(tensors, tensors, [None, *tensors]):
        if _plainly_valid(x, w, b):
            _check(x, w, b)  # raises if the glance was wrong
    with assert_raises_with(TypeError, "input", "int64"):
        F.linear(mg.tensor([1, 2, 3]), mg.tensor([[1, 2, 3]]))
