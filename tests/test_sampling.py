"""Random tensors: randint, randperm, normal (numbers or tensors, with gradients), rand,
randn and the *_like forms; one generator behind all, reproducible by mg.manual_seed.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from tests.helpers import assert_close, assert_raises_with

DRAWS = {
    "rand": lambda: mg.rand(3, 2),
    "randn": lambda: mg.randn(3, 2),
    "randint": lambda: mg.randint(-5, 5, (3, 2)),
    "randperm": lambda: mg.randperm(6),
    "normal": lambda: mg.normal(1.0, 2.0, (3, 2)),
    "normal(tensors)": lambda: mg.normal(mg.zeros(3), mg.ones(3)),
    "rand_like": lambda: mg.rand_like(mg.ones(2, dtype=mg.float64)),
    "randn_like": lambda: mg.randn_like(mg.ones(2)),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_draws_are_reproducible_from_the_seed_and_differ_without_it(name):
    mg.manual_seed(7)
    first = DRAWS[name]().tolist()
    mg.manual_seed(7)
    assert DRAWS[name]().tolist() == first
    assert DRAWS[name]().tolist() != first


def test_randint_takes_pytorchs_forms_and_stays_in_range(torch):
    for draw in (
        lambda lib: lib.randint(5, (2000,)),
        lambda lib: lib.randint(-3, 4, (40, 50)),
        lambda lib: lib.randint(low=2, high=5, size=(2000,)),
        lambda lib: lib.randint(high=2, size=(2000,)),
        lambda lib: lib.randint(0, 3, ()),
    ):
        ours, theirs = draw(mg), draw(torch)
        assert ours.shape == tuple(theirs.shape) and str(theirs.dtype) == f"torch.{ours.dtype}"
        assert set(np.unique(ours.numpy())) <= set(range(-3, 5))
    assert sorted(set(mg.randint(-3, 4, (2000,)).tolist())) == list(range(-3, 4))
    floats = mg.randint(3, (5,), dtype=mg.float32, requires_grad=True)
    assert floats.dtype == mg.float32 and floats.requires_grad
    assert mg.randint(2, (10,), dtype=mg.bool_).dtype == mg.bool_


def test_randperm_is_a_permutation(torch):
    values = mg.randperm(50)
    assert sorted(values.tolist()) == list(range(50)) and values.dtype == mg.int64
    assert mg.randperm(0).shape == (0,)
    assert mg.randperm(4, dtype=mg.float64).dtype == mg.float64


def test_normal_with_numbers_has_the_asked_moments():
    draws = mg.normal(2.0, 3.0, size=(20000,), dtype=mg.float64).numpy()
    assert abs(draws.mean() - 2.0) < 0.1 and abs(draws.std() - 3.0) < 0.1
    assert mg.normal(0, 1, (2,)).dtype == mg.float32
    assert mg.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad


def test_normal_with_tensors_broadcasts_and_takes_their_dtype(torch):
    for mean, std in [
        (lambda lib: lib.zeros(3), lambda lib: lib.ones(3)),
        (lambda lib: lib.zeros(3), lambda lib: 1.0),
        (lambda lib: 0.0, lambda lib: lib.ones(2, 2)),
        (lambda lib: lib.zeros(3), lambda lib: lib.ones(2, 3)),
        (lambda lib: lib.zeros(3, dtype=lib.float64), lambda lib: 0.5),
    ]:
        ours, theirs = mg.normal(mean(mg), std(mg)), torch.normal(mean(torch), std(torch))
        assert ours.shape == tuple(theirs.shape) and str(theirs.dtype) == f"torch.{ours.dtype}"
    assert mg.normal(mean=mg.zeros(2)).shape == (2,)


def test_normal_is_differentiable_in_its_tensors_as_in_torch():
    mean = mg.tensor([1.0, -1.0, 0.5], dtype=mg.float64, requires_grad=True)
    std = mg.tensor([0.5, 2.0, 1.0], dtype=mg.float64, requires_grad=True)
    draws = mg.normal(mean, std)
    draws.sum().backward()
    assert mean.grad.tolist() == [1.0, 1.0, 1.0]
    # d(mean + std z)/d std = z = (draw - mean) / std
    assert_close(std.grad, (draws.detach() - mean.detach()) / std.detach())


BAD = [
    (lambda: mg.randint(5, 3), TypeError, ["randint", "size", "int"]),
    (lambda: mg.randint(5, 2, (3,)), ValueError, ["randint", "low < high", "low=5", "high=2"]),
    (lambda: mg.randint(1.5, (3,)), TypeError, ["randint", "high", "float", "1.5"]),
    (lambda: mg.randint(5), TypeError, ["randint", "(high, size)"]),
    (lambda: mg.randint(5, (3,), requires_grad=True), TypeError, ["requires_grad", "int64"]),
    (lambda: mg.randint(0, 5, (3,), dtype=mg.bool_), ValueError, ["randint", "bool", "[0, 5)"]),
    (lambda: mg.randint(5, (3,), device="cuda"), mg.DeviceError, ["device", "'cuda'"]),
    (lambda: mg.randperm(-1), ValueError, ["randperm", "n", "-1"]),
    (lambda: mg.randperm(3.0), TypeError, ["randperm", "n", "float"]),
    (lambda: mg.normal(0.0, -1.0, (2,)), ValueError, ["normal", "std", "-1.0"]),
    (lambda: mg.normal(0.0, 1.0), TypeError, ["normal", "size"]),
    (lambda: mg.normal(mg.zeros(2), 1.0, (2,)), TypeError, ["normal", "size"]),
    (lambda: mg.normal(mg.zeros(2, dtype=mg.int64)), TypeError, ["normal", "mean", "int64"]),
    (lambda: mg.normal(mg.zeros(3), mg.tensor([1.0, -1.0, 1.0])), ValueError, ["std", "-1.0"]),
    (lambda: mg.normal(mg.zeros(3), mg.ones(2)), ValueError, ["normal", "(3,)", "(2,)"]),
    (lambda: mg.normal("0", 1.0, (2,)), TypeError, ["normal", "mean", "str"]),
    (lambda: mg.normal(mg.zeros(2), 1.0, dtype=mg.float64), TypeError, ["normal", "dtype"]),
    (lambda: mg.rand_like(mg.tensor([1, 2])), TypeError, ["dtype", "floating", "int64"]),
    (lambda: mg.randn_like([1.0]), TypeError, ["randn_like", "input", "list"]),
]


@pytest.mark.parametrize(
    ("call", "error", "fragments"), BAD, ids=[str(i) for i in range(len(BAD))]
)
def test_bad_input_is_refused_naming_the_argument_and_the_value(call, error, fragments):
    with assert_raises_with(error, *fragments):
        call()
